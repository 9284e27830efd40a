# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The schemathesis step (``simulator/fuzz``, ``make fuzz``) can fail: run against a simulator with broken
handlers, it reports them; its configuration keeps every check on but the triaged one; its signer signs what is
sent."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import schemathesis
from schemathesis.config._checks import _BUILTIN_CHECK_CONFIGS

import ovhsim
from ovhsim.routes import API
from ovhsim.testing import OvhSigner

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
EMAIL = "/hosting/web/{serviceName}/email"
VOLUMES = "/hosting/web/{serviceName}/email/volumes"
SPEC = Path(__file__).resolve().parent / "data" / "ovh-openapi-hosting-email.json"


def _route(template: str):
    return next(route for route in API.routes if route.method == "GET" and route.template == template)


def _fuzz(sim, *args: str) -> subprocess.CompletedProcess:
    """simulator/fuzz/run.sh against ``sim``, as ``make fuzz`` runs it against its own simulator."""
    credentials = sim.credentials
    env = dict(os.environ, OVHSIM_URL=sim.admin_url, OVH_APPLICATION_KEY=credentials["application_key"],
               OVH_APPLICATION_SECRET=credentials["application_secret"], OVH_CONSUMER_KEY=credentials["consumer_key"],
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               PYTHONPATH=str(Path(ovhsim.__file__).parents[1]))
    return subprocess.run([str(FUZZ / "run.sh"), *args], env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _failures(output: str) -> dict[str, str]:
    """schemathesis's FAILURES section: operation -> what it says about it."""
    section = output.partition("= FAILURES =")[2].partition("= WARNINGS =")[0].partition("= SUMMARY =")[0]
    parts = re.split(r"\n_+ (\S+ \S+) _+\n", section)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.fixture
def fleet_sim(sim):
    sim.admin("POST", "/_sim/seed", {"fleet": 3, "profile": "healthy", "seed": 1})
    return sim


def test_the_fuzz_step_reports_a_broken_handler(fleet_sim, monkeypatch):
    """An answer outside OVH's schema and a server error, each on one operation: both reported, exit status 1,
    and no key in the report. The requests reach the handlers, so they were signed as the simulator expects."""
    def wrong_state(sim, req, serviceName):
        return dict(sim.model.get(serviceName).email_object(), state="blocked")

    def crash(sim, req, serviceName):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(_route(EMAIL), "handler", wrong_state)
    monkeypatch.setattr(_route(VOLUMES), "handler", crash)
    run = _fuzz(fleet_sim, "--phases", "examples", "--include-path", EMAIL, "--include-path", VOLUMES,
                "--include-method", "GET")
    report = run.stdout + run.stderr
    assert run.returncode == 1, report
    failures = _failures(run.stdout)
    assert sorted(failures) == [f"GET {EMAIL}", f"GET {VOLUMES}"], report
    assert "ST108 Response violates schema" in failures[f"GET {EMAIL}"]
    assert '"blocked" is not one of' in failures[f"GET {EMAIL}"]
    assert "ST101 Server error" in failures[f"GET {VOLUMES}"]
    for name in ("application_key", "application_secret", "consumer_key"):
        assert fleet_sim.credentials[name] not in report


def test_the_configuration_runs_every_check_but_the_triaged_one(tmp_path):
    """Every built-in check (what ``--checks all`` selects) on every operation but one check on one operation;
    positive and negative cases, deterministic."""
    shutil.copy(FUZZ / "schemathesis.toml", tmp_path)
    (tmp_path / "fleet.txt").write_text('"shop-1.cluster021.hosting.ovh.net"\n')
    config = schemathesis.Config.from_path(tmp_path / "schemathesis.toml")
    schema = schemathesis.openapi.from_path(SPEC, config=config)
    disabled, modes = {}, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        checks = schema.config.checks_config_for(operation=operation, phase=None)
        disabled[operation.label] = [name for name in _BUILTIN_CHECK_CONFIGS if not checks.get_by_name(name=name).enabled]
        generation = schema.config.generation_for(operation=operation)
        assert generation.deterministic
        modes.update(mode.value for mode in generation.modes)
    assert len(disabled) == 10
    assert {label: names for label, names in disabled.items() if names} == {
        "GET /hosting/web": ["negative_data_rejection"]}
    assert modes == {"positive", "negative"}


def test_the_signer_signs_the_url_and_body_sent(fleet_sim):
    name = fleet_sim.admin("GET", "/_sim/hostings")[0]["service_name"]
    signer = fleet_sim.signer()
    answer = requests.get(f"{fleet_sim.url}/hosting/web/{name}/email/bounces", params={"limit": 5}, auth=signer,
                          timeout=10)
    assert answer.status_code == 200, answer.text
    answer = requests.put(f"{fleet_sim.url}/hosting/web/{name}/email", json={"email": "ops@example.com"},
                          auth=signer, timeout=10)
    assert answer.status_code == 200, answer.text
    assert fleet_sim.client().get(f"/hosting/web/{name}/email")["email"] == "ops@example.com"
    credentials = fleet_sim.credentials
    wrong = OvhSigner(credentials["application_key"], "x" * 32, credentials["consumer_key"])
    answer = requests.get(f"{fleet_sim.url}/hosting/web", auth=wrong, timeout=10)
    assert answer.status_code == 400 and answer.json()["errorCode"] == "INVALID_SIGNATURE"
