# mailops.ovh_hosting: `make demo` (the main job, on the simulator) and `make test` (the tests; .ci/run adds
# make readme-test and make matrix).
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

VENV        := $(CURDIR)/.venv
PY          := $(VENV)/bin/python
# ansible-test and ansible need the collection under ansible_collections/mailops/ovh_hosting:
# a symlink in a temporary folder, one per checkout.
COLL_ROOT   := $(or $(TMPDIR),/tmp)/mailops-ovh_hosting-$(shell echo $(CURDIR) | md5sum | cut -c1-8)
COLL_PATH   := $(COLL_ROOT)/ansible_collections/mailops/ovh_hosting
PIP_STANDIN := $(HOME)/.ansible/test/cache/get_pip_24_2.py
# ansible-test 2.16 and 2.17 bootstrap pip 23.1.2 (make matrix)
PIP_STANDIN_2_16 := $(HOME)/.ansible/test/cache/get_pip_23_1_2.py

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT)
export ANSIBLE_TEST_CONTENT_ROOT := $(COLL_PATH)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup system-deps collection-link test unit simulator-test fuzz e2e sanity lint integration molecule demo clean \
	docs-lint dist matrix readme-test

## setup: an idempotent .venv with pinned requirements, ovhsim, the collection linked, system tools
setup: $(VENV)/.installed collection-link system-deps

$(VENV)/.installed: requirements.txt simulator/pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	$(VENV)/bin/pip install -q -e simulator
	touch $@

collection-link:
	mkdir -p $(dir $(COLL_PATH))
	ln -sfn $(CURDIR) $(COLL_PATH)

# Debian tools the tests use: php-cli and php-cgi (form guard, mail() end to end; php-cgi reads .user.ini as
# OVH's PHP does), chromium (report rendering), shellcheck (ansible-test sanity's shell script test),
# a Java 17 runtime (ansible-rulebook's rule engine, Drools).
system-deps:
	missing=""
	command -v php >/dev/null || missing="$$missing php-cli"
	command -v php-cgi >/dev/null || missing="$$missing php-cgi"
	command -v chromium >/dev/null || missing="$$missing chromium"
	command -v shellcheck >/dev/null || missing="$$missing shellcheck"
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"
	if [ -n "$$missing" ]; then
	  echo "installing:$$missing"
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null
	fi

PYTEST := $(PY) -m pytest -q

## test: everything CI runs but the README's install path (make readme-test) and the version matrix (make matrix)
test: setup unit simulator-test fuzz e2e sanity docs-lint lint integration molecule

# pytest + responses: exact HTTP call sequences, no server.
unit: setup
	$(PYTEST) tests/unit

# The simulator's own tests, and the API client against it, through the real ovh client.
simulator-test: setup
	$(PYTEST) simulator/tests tests/sim

# schemathesis with OVH's OpenAPI against a fresh seeded simulator: every request signed, serviceName bound to the
# fleet, positive and negative cases, every check, deterministic (simulator/fuzz/; "Fuzzing" in simulator/README.md).
fuzz: setup
	tests/utils/with_simulator.sh --fleet 12 --seed 7 --action-delay 0 -- simulator/fuzz/run.sh

# End to end on loopback: inventory and fleet, report rendering in Chromium, playbooks, the form guard under
# php -S, the diagnose playbook with PHP mail() wired to the simulator, the execution environment definition,
# the built tarball; reliability under faults, restarts and competing runs; security; hostile input; the guard
# rulebook under ansible-rulebook; the docs site antsibull-docs builds, read in Chromium.
README_TEST := tests/packaging/test_readme.py
E2E_TESTS := tests/demo tests/fleet tests/report tests/forms tests/diagnose tests/ee tests/packaging tests/eda \
	tests/reliability tests/security tests/bad_input \
	tests/docs
e2e: setup
	$(PYTEST) -n 2 --ignore=$(README_TEST) $(E2E_TESTS)

# The README followed as a new user does, from a fresh venv and the built tarball, outside the checkout (a few
# minutes of pip installs): .ci/run calls it after make test.
readme-test: setup
	$(PYTEST) $(README_TEST)

# ansible-test wants pip's bootstrap script from the internet: a stand-in that uses ensurepip.
$(PIP_STANDIN) $(PIP_STANDIN_2_16): tests/utils/get_pip_standin.py
	mkdir -p $(dir $@)
	cp $< $@

sanity: setup $(PIP_STANDIN)
	cd $(COLL_PATH) && ansible-test sanity --requirements --python 3.11 --color no

lint: setup
	ansible-lint --profile production

# The docs as antsibull-docs reads them (plugins, modules, the inventory plugin, role argument specs), the
# changelog fragments, and CHANGELOG.md as changelogs/changelog.yaml generates it.
docs-lint: setup
	cd $(COLL_PATH)
	antsibull-docs lint-collection-docs --plugin-docs .
	antsibull-changelog lint
	generated=$$(mktemp)
	antsibull-changelog generate --output "$$generated" --output-format md
	diff -u "$$generated" CHANGELOG.md || { echo "CHANGELOG.md is generated: run antsibull-changelog generate"; exit 1; }
	rm -f "$$generated"

# ansible-test integration against a fresh simulator; its URL and keys reach the targets
# through tests/integration/integration_config.yml.
integration: setup
	tests/utils/with_simulator.sh --action-delay 1 -- bash -c '\
	  $(PY) tests/utils/integration_config.py "$$OVHSIM_URL" tests/integration/integration_config.yml && \
	  cd $(COLL_PATH) && ansible-test integration --python 3.11 --color no'

# Every ansible-core minor that meta/runtime.yml admits and Python 3.11 runs, each in a venv of its own (cached
# under ~/.cache, by its tests/matrix/*.txt): unit tests, ansible-test sanity by that version's rules, ansible-doc
# of the roles, the demo and tests/fleet/test_acting.py against ovhsim. .ci/run calls it after make test; MATRIX=2.16
# for one minor.
MATRIX ?=
matrix: setup $(PIP_STANDIN) $(PIP_STANDIN_2_16)
	tests/matrix/run.sh $(MATRIX)

# Role scenarios under extensions/molecule/: each starts and stops its own simulator; idempotence included.
molecule: setup
	ANSIBLE_FORCE_COLOR=0 molecule test --all

## demo: the main job on a simulated fleet of 40 hostings in mixed states, with 30 days of history
demo: setup
	tests/utils/with_simulator.sh --fleet 40 --profile mixed --seed 7 --action-delay 1 -- demo/run.sh

## dist: what users install, in dist/: the collection tarball and the ovhsim wheel (the tarball leaves the
## simulator out). Needs only ansible-core and pip, as the README's install path has them; no .venv.
dist:
	rm -rf dist
	ansible-galaxy collection build --output-path dist .
	python3 -m pip wheel --quiet --no-deps --wheel-dir dist ./simulator

clean:
	rm -rf $(VENV) $(COLL_ROOT) tests/output dist
