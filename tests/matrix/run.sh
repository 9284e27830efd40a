#!/usr/bin/env bash
# make matrix: the collection on every ansible-core minor that meta/runtime.yml admits and Python 3.11 runs.
#   tests/matrix/run.sh [MINOR...]          (default: every tests/matrix/core-*.txt)
# Each minor gets a venv of its own, from tests/matrix/core-MINOR.txt (ansible-core and its dependencies, pinned)
# and tests/matrix/requirements.txt (the test tools), kept under MATRIX_DIR and rebuilt only when either file
# changes. In it: the unit tests, ansible-test sanity with that version's own rules, ansible-doc of every role,
# the demo (the main job's playbooks) and the fleet acting tests against ovhsim. Run from the Makefile, which
# links the collection (ANSIBLE_COLLECTIONS_PATH, ANSIBLE_TEST_CONTENT_ROOT) and puts the project's venv, with
# ovhsim, on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
matrix_dir=${MATRIX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mailops-ovh_hosting-matrix}
python=${MATRIX_PYTHON:-python3}
: "${ANSIBLE_TEST_CONTENT_ROOT:?run through make matrix, which links the collection}"

# The newest minor of the matrix is the one requirements.txt pins: make test runs all its tests on that very
# release, so by default the matrix runs the older ones (name it to run it here too).
pinned=$(sed -n 's/^ansible-core==//p' requirements.txt)
newest=$(printf '%s\n' tests/matrix/core-*.txt | sed 's/.*core-//; s/\.txt$//' | sort -V | tail -n 1)
if ! grep -qx "ansible-core==$pinned" "tests/matrix/core-$newest.txt"; then
  echo "matrix: tests/matrix/core-$newest.txt does not pin requirements.txt's ansible-core==$pinned" >&2
  exit 1
fi
minors=("$@")
if [ ${#minors[@]} -eq 0 ]; then
  for file in tests/matrix/core-*.txt; do
    minor=$(basename "$file" .txt | sed 's/^core-//')
    [ "$minor" = "$newest" ] || minors+=("$minor")
  done
  echo "matrix: ansible-core $newest ($pinned) is make test's; here: ${minors[*]}"
fi

venv_for() {  # the venv of one minor, built when its requirements changed
  local minor=$1 core="tests/matrix/core-$1.txt" key venv
  [ -f "$core" ] || { echo "matrix: no $core" >&2; return 1; }
  key=$(cat "$core" tests/matrix/requirements.txt | md5sum | cut -c1-12)
  venv="$matrix_dir/core-$minor-$key"
  if [ ! -f "$venv/.installed" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$core" -r tests/matrix/requirements.txt >&2
    touch "$venv/.installed"
  fi
  echo "$venv"
}

results=()
failed=0
for minor in "${minors[@]}"; do
  start=$SECONDS
  echo "==== ansible-core $minor"
  venv=$(venv_for "$minor")
  version=$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')
  case $version in "$minor".*) ;; *) echo "matrix: $venv has ansible-core $version, not $minor" >&2; exit 1 ;; esac
  status=ok
  # PYTHONPATH: ovhsim from this checkout, importable by the venv's Python (the demo test starts it with it).
  steps=""
  run() { env -C "$dir" PATH="$venv/bin:$PATH" PYTHONPATH="$repo/simulator" "$@" || status=FAILED; }
  step() { steps="$steps${steps:+, }$1 $((SECONDS - step_start)) s"; step_start=$SECONDS; }
  dir=$repo
  step_start=$start
  step venv

  # The demo and the fleet's acting tests (the email_policy role in one task) mostly wait (the simulator's action
  # delays, ansible's forks): they run beside the other steps.
  demo_log=$(mktemp)
  env -C "$repo" PATH="$venv/bin:$PATH" PYTHONPATH="$repo/simulator" python -m pytest -q tests/demo/test_demo.py \
    tests/fleet/test_acting.py >"$demo_log" 2>&1 &
  demo_pid=$!

  echo "-- unit tests"
  run python -m pytest -q -n 2 tests/unit
  step unit
  echo "-- ansible-test sanity"
  dir=$ANSIBLE_TEST_CONTENT_ROOT run ansible-test sanity --requirements --python 3.11 --color no
  step sanity
  echo "-- ansible-doc of every role"
  for role in roles/*/; do
    run ansible-doc -t role "mailops.ovh_hosting.$(basename "$role")" >/dev/null
  done
  step ansible-doc
  echo "-- the demo and the fleet acting in one task, against ovhsim"
  wait "$demo_pid" || status=FAILED
  cat "$demo_log"
  rm -f "$demo_log"
  steps="$steps, demo beside them (its own time: pytest's last line above)"

  results+=("ansible-core $version: $status in $((SECONDS - start)) s ($steps)")
  [ "$status" = ok ] || failed=1
done

echo "==== matrix"
printf '%s\n' "${results[@]}"
exit "$failed"
