#!/usr/bin/env bash
# Fuzz a running ovhsim with schemathesis, OVH's OpenAPI and every check (see "Fuzzing" in ../README.md).
#   OVHSIM_URL=http://127.0.0.1:PORT OVH_APPLICATION_KEY=... OVH_APPLICATION_SECRET=... OVH_CONSUMER_KEY=... \
#     simulator/fuzz/run.sh [schemathesis run options]
# tests/utils/with_simulator.sh sets these variables. Exit status: schemathesis's (0 when nothing failed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

# The fleet's service names, one JSON string a line as schemathesis reads a dictionary, beside the configuration.
cp "$here/schemathesis.toml" "$workdir/"
python3 -c 'import json, sys
from ovhsim.testing import admin_call
for record in admin_call(sys.argv[1], "GET", "/_sim/hostings"):
    print(json.dumps(record["service_name"]))' "$OVHSIM_URL" >"$workdir/fleet.txt"

cd "$workdir"   # whatever schemathesis or hypothesis write goes away with it
export SCHEMATHESIS_HOOKS="$here/hooks.py" OVHSIM_FUZZ_FLEET="$workdir/fleet.txt"
schemathesis --config-file "$workdir/schemathesis.toml" run "$here/../tests/data/ovh-openapi-hosting-email.json" \
  --url "${OVHSIM_URL%/}/1.0" --workers 1 "$@"
