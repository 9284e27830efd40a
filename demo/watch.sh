#!/usr/bin/env bash
# The guard rulebook watching a simulated fleet of 10 hostings: ansible-rulebook runs
# extensions/eda/rulebooks/guard.yml (its email_events source polling every 2 s), a contact form on one hosting
# sends a burst in which 7 % of the mails bounce, the source emits bounce_ratio_over and the rulebook runs the
# block playbook: the hosting is blocked (state ko) before the simulator's own 10 % threshold would stop it.
# Then everything is stopped. From a checkout after `make setup`:   demo/watch.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export PATH="$root/.venv/bin:$PATH"

# The simulator first: with_simulator.sh starts it, exports OVHSIM_URL and OVH_*, runs this script again, stops it.
if [ -z "${OVHSIM_URL:-}" ]; then
  exec "$root/tests/utils/with_simulator.sh" --fleet 10 --profile healthy --seed 3 --action-delay 1 -- "$0" "$@"
fi

step() { printf '\n==== %s\n' "$*"; }
sim() { python - "$OVHSIM_URL" "$@" <<'PY'
import json, sys, urllib.request
url, what = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(url + path, timeout=10) as response:
        return json.load(response)
if what == "polls":  # the source's fleet listings so far
    print(sum(1 for e in get("/_sim/requests") if e["method"] == "GET" and e["path"].rstrip("/") == "/hosting/web"))
elif what == "victim":  # a healthy hosting with room for the burst in its hourly quota
    print(next(h["service_name"] for h in sorted(get("/_sim/hostings"), key=lambda h: h["service_name"])
               if h["state"] == "ok" and h["sent_today"] <= 30 and h["hourly_quota"] - h["quota_used_this_hour"] >= 100))
elif what == "state":
    print(get("/_sim/hostings/" + sys.argv[3])["state"])
elif what == "fleet":
    states = {}
    for h in get("/_sim/hostings"):
        states.setdefault(h["state"], []).append(h["service_name"])
    print("; ".join(f"{state}: {len(names)}" + (f" ({', '.join(names)})" if len(names) < 3 else "")
                    for state, names in sorted(states.items())))
elif what == "writes":  # the calls that changed something
    for e in get("/_sim/requests"):
        if e["method"] in ("POST", "PUT", "DELETE"):
            print(f"  {e['time']}  {e['status']}  {e['method']} {e['path']}")
PY
}

workdir=$(mktemp -d)
rulebook_pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
stop() {
  if [ -n "$rulebook_pid" ] && kill -0 "$rulebook_pid" 2>/dev/null; then
    kill "$rulebook_pid" 2>/dev/null || true
    wait "$rulebook_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap stop EXIT

# The collection as ansible-rulebook and ansible-playbook find it: a link under a private collections path.
mkdir -p "$workdir/collections/ansible_collections/mailops"
ln -s "$root" "$workdir/collections/ansible_collections/mailops/ovh_hosting"
export ANSIBLE_COLLECTIONS_PATH="$workdir/collections" ANSIBLE_HOME="$workdir/ansible-home"
export ANSIBLE_LOCAL_TEMP="$workdir/ansible-tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false
cat >"$workdir/inventory.yml" <<EOF
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: $root/.venv/bin/python
EOF
cat >"$workdir/watch.vars.yml" <<EOF
watch_interval: 2
watch_rate_limit: 20
watch_report_dir: $workdir/reports
EOF

step "Simulated fleet at $OVH_ENDPOINT: $(sim fleet)"

step "ansible-rulebook -r extensions/eda/rulebooks/guard.yml (polling every 2 s; output in the log below)"
(cd "$root" && exec ansible-rulebook -i "$workdir/inventory.yml" -r extensions/eda/rulebooks/guard.yml \
  -e "$workdir/watch.vars.yml" --print-events >"$workdir/rulebook.log" 2>&1) &
rulebook_pid=$!
for _ in $(seq 120); do
  [ "$(sim polls)" -ge 2 ] && break
  kill -0 "$rulebook_pid" 2>/dev/null || { cat "$workdir/rulebook.log"; exit 1; }
  sleep 0.5
done
[ "$(sim polls)" -ge 2 ] || { echo "demo: the source made no poll in 60 s" >&2; tail -50 "$workdir/rulebook.log"; exit 1; }
echo "the source has polled the fleet $(sim polls) times: baseline set, no event"

victim=$(sim victim)
step "A contact form on $victim sends 100 mails; one recipient of 14 always bounces"
recipients=()
for n in $(seq 0 12); do recipients+=(--recipient "reader$n@example.org"); done
ovhsim send "$victim" --count 100 "${recipients[@]}" --recipient nobody@bounce.example.net \
  --bouncing nobody@bounce.example.net
sent=$(date +%s%N)
echo "state of $victim after the burst: $(sim state "$victim") (7 % bounced: under the simulator's 10 %)"

step "Waiting for the guard to block $victim"
for _ in $(seq 180); do
  [ "$(sim state "$victim")" = "ko" ] && break
  kill -0 "$rulebook_pid" 2>/dev/null || { tail -50 "$workdir/rulebook.log"; exit 1; }
  sleep 0.5
done
state=$(sim state "$victim")
elapsed_ms=$(( ($(date +%s%N) - sent) / 1000000 ))
echo "state of $victim: $state, $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s after the burst"

step "The events the rulebook printed"
python - "$workdir/rulebook.log" <<'PY'
import ast, re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for block in re.findall(r"^Event:\n(.*?)^\*{20,}$", text, re.MULTILINE | re.DOTALL):
    try:
        event = ast.literal_eval(block.strip()).get("email_event")
    except (ValueError, SyntaxError, AttributeError):
        continue
    if event:
        print(f"  {event['time']}  {event['kind']:<18} {event['service_name']}  {event['current']}")
PY
step "The block playbook's run (from the rulebook's output: its plays, what changed, its recap)"
for _ in $(seq 60); do grep -q "PLAY RECAP" "$workdir/rulebook.log" && break; sleep 0.5; done
grep -E "^PLAY \[|^(changed|fatal|failed):|^PLAY RECAP|ok=[0-9]" "$workdir/rulebook.log" | sed 's/^/  /' || true
step "What changed in the fleet: the simulator's write calls, and the states"
sim writes
echo "  $(sim fleet)"
[ "$state" = "ko" ] || { echo "demo: $victim was not blocked" >&2; tail -80 "$workdir/rulebook.log" >&2; exit 1; }
step "Stopping ansible-rulebook and the simulator"
