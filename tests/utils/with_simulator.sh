#!/usr/bin/env bash
# Run a command against a fresh ovhsim on a free loopback port, then stop the simulator.
#   tests/utils/with_simulator.sh [ovhsim serve options] -- COMMAND [ARGS...]
# The command sees OVHSIM_URL (the admin base URL) and the OVH_* variables of the full-rights key.
set -euo pipefail

serve_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do serve_args+=("$1"); shift; done
[ "${1:-}" = "--" ] || { echo "usage: $0 [serve options] -- COMMAND" >&2; exit 2; }
shift

workdir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OVHSIM_URL="http://127.0.0.1:${port}"

ovhsim serve --host 127.0.0.1 --port "$port" --db "$workdir/ovhsim.db" "${serve_args[@]}" \
  >"$workdir/ovhsim.log" 2>&1 &
sim_pid=$!
# shellcheck disable=SC2317  # called by the EXIT trap
stop() {
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap stop EXIT

if ! ovhsim wait-ready --url "$OVHSIM_URL" --timeout 30; then
  cat "$workdir/ovhsim.log" >&2
  exit 1
fi
eval "$(ovhsim env --url "$OVHSIM_URL")"
status=0
"$@" || status=$?
if [ "$status" -ne 0 ] || ! kill -0 "$sim_pid" 2>/dev/null; then
  echo "--- ovhsim log (command exited $status) ---" >&2
  tail -n 50 "$workdir/ovhsim.log" >&2
fi
exit "$status"
