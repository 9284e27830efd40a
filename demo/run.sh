#!/usr/bin/env bash
# The main job on a simulated fleet (run by `make demo` inside tests/utils/with_simulator.sh, which exports the
# OVH_* credentials of the simulator): enforce the policy in check mode with diff, then for real; write the
# report; print where it is and a short fleet summary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
report_dir=${DEMO_REPORT_DIR:-$here/../report}
export ANSIBLE_STDOUT_CALLBACK=${ANSIBLE_STDOUT_CALLBACK:-default}
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
export ANSIBLE_DISPLAY_OK_HOSTS=${ANSIBLE_DISPLAY_OK_HOSTS:-true}
export ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false

step() { printf '\n==== %s\n' "$*"; }

step "Simulated fleet at $OVH_ENDPOINT"

# A contact form starts to be abused on one healthy hosting: 36 mails go out, 4 bounce. The policy's guard blocks
# it once its bounces of the last 24 hours pass 5 % of what it sent today (early in the day, yesterday's bounces
# weigh more), before the simulator's own bounce threshold would.
abused=$(python3 - "$OVHSIM_URL" <<'PY'
import json
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1] + "/_sim/hostings", timeout=10) as response:
    hostings = json.load(response)
abused = next((h["service_name"] for h in sorted(hostings, key=lambda h: h["service_name"])
               if h["state"] == "ok" and h["hourly_quota"] >= 100 and h["quota_used_this_hour"] == 0), None)
if abused is None:
    sys.exit("demo: no healthy hosting with a whole hourly quota left to abuse in this fleet")
print(abused)
PY
)
ovhsim send "$abused" --count 36 --bounce-rate 0 >/dev/null
ovhsim send "$abused" --count 4 --bounce-rate 1 >/dev/null
echo "abused contact form on $abused: 40 mails sent, 4 bounced"

step "1/3 enforce.yml in check mode, with diff: what would change"
ansible-playbook "$here/../playbooks/enforce.yml" -e @"$here/policy.yml" --check --diff

step "2/3 enforce.yml for real"
ansible-playbook "$here/../playbooks/enforce.yml" -e @"$here/policy.yml"

step "3/3 report.yml"
ansible-playbook "$here/../playbooks/report.yml" -e email_report_dir="$report_dir"

step "Report: $(cd "$report_dir" && pwd)/index.html"
python3 - "$report_dir/report.json" <<'PY'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as handle:
    report = json.load(handle)
totals = report["totals"]
states = ", ".join(f"{state} {count}" for state, count in totals["states"].items() if count)
print(f"{totals['hostings']} hostings: {totals['sending']} sending ({states}); "
      f"{totals['violating']} violating the report's policy")
print(f"sent today {totals['sent_today']}, bounces in 24 h {totals['bounces_24h']}")
PY
