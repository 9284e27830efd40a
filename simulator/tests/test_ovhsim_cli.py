# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``ovhsim`` command: ``serve`` as a process, the other subcommands against a running simulator."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys

import ovh
import ovh.client
import pytest

from ovhsim.cli import main

NAME = "shop-1.cluster021.hosting.ovh.net"


def run(capsys, sim, *args) -> tuple[int, str, str]:
    status = main([*args, "--url", sim.admin_url])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def served(tmp_path):
    """``ovhsim serve`` in its own process on a free port; yields (process, root url, pidfile)."""
    pidfile = tmp_path / "ovhsim.pid"
    process = subprocess.Popen([sys.executable, "-m", "ovhsim", "serve", "--port", "0", "--db",
                                str(tmp_path / "sim.db"), "--fleet", "4", "--pidfile", str(pidfile)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("ovhsim listening on http://127.0.0.1:") and line.strip().endswith("/1.0")
    yield process, line.split()[-1][: -len("/1.0")], pidfile
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_env_and_sigterm(served):
    process, root, pidfile = served
    assert int(pidfile.read_text()) == process.pid
    ready = subprocess.run([sys.executable, "-m", "ovhsim", "wait-ready", "--url", root, "--timeout", "10"],
                           check=False)
    assert ready.returncode == 0
    script = f'eval "$({sys.executable} -m ovhsim env --url {root})" && echo "$OVH_ENDPOINT $OVH_APPLICATION_KEY ' \
             f'$OVH_APPLICATION_SECRET $OVH_CONSUMER_KEY"'
    endpoint, application_key, application_secret, consumer_key = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert endpoint == root + "/1.0"
    ovh.client.ENDPOINTS[endpoint] = endpoint
    client = ovh.Client(endpoint=endpoint, application_key=application_key, application_secret=application_secret,
                        consumer_key=consumer_key)
    assert len(client.get("/hosting/web")) == 4
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    assert "Traceback" not in process.stderr.read()
    assert not pidfile.exists()


def test_a_second_serve_on_the_same_database_is_refused(served, tmp_path):
    result = subprocess.run([sys.executable, "-m", "ovhsim", "serve", "--port", "0", "--db", str(tmp_path / "sim.db")],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "in use by another running ovhsim" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_a_non_loopback_host():
    result = subprocess.run([sys.executable, "-m", "ovhsim", "serve", "--host", "0.0.0.0", "--port", "0"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr


def test_serve_explains_a_busy_port_and_a_bad_database(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = subprocess.run([sys.executable, "-m", "ovhsim", "serve", "--port", port, "--db", ":memory:"],
                                capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "not-a-db").write_text("hello, I am not SQLite" * 100)
    result = subprocess.run([sys.executable, "-m", "ovhsim", "serve", "--port", "0",
                             "--db", str(tmp_path / "not-a-db")], capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "ovhsim", "serve", "--port", "0", "--db", ":memory:",
                             "--pidfile", str(tmp_path / "no-such-dir" / "ovhsim.pid")], capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "cannot write the pidfile" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [
    ["clock", "advance", "2x"], ["send", NAME, "--count", "-1"], ["fault", "set", "--error-rate", "2"],
    ["fault", "set", "--error-status", "404"], ["serve", "--port", "http"], ["seed", "--profile", "weird"],
    ["send", NAME], ["nosuchcommand"], ["serve", "--port", "99999"], ["serve", "--port", "-1"],
    ["serve", "--fleet", "100001"], ["seed", "--fleet", "100001"],
])
def test_bad_arguments_exit_2_without_traceback(capsys, args):
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_an_unreachable_simulator_is_one_line_and_exit_1(capsys):
    assert main(["ledger", "--url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the simulator" in err and "ovhsim serve" in err


def test_wait_ready_times_out(capsys):
    assert main(["wait-ready", "--url", "http://127.0.0.1:9", "--timeout", "0.3"]) == 1
    assert "within 0.3 s" in capsys.readouterr().err


def test_keys_create_prints_exports_of_a_restricted_key(capsys, sim):
    status, out, _err = run(capsys, sim, "keys", "create", "--rule", "GET /hosting/web", "--rule", "GET /hosting/web/*")
    assert status == 0
    exports = dict(item.split("=", 1) for item in out.split()[1:])
    assert exports["OVH_ENDPOINT"] == sim.url
    client = sim.client({"application_key": exports["OVH_APPLICATION_KEY"],
                         "application_secret": exports["OVH_APPLICATION_SECRET"],
                         "consumer_key": exports["OVH_CONSUMER_KEY"]})
    assert client.get("/hosting/web") == []
    with pytest.raises(ovh.exceptions.NotGrantedCall):
        client.get("/auth/currentCredential")
    assert run(capsys, sim, "keys", "revoke", exports["OVH_CONSUMER_KEY"])[0] == 0
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client.get("/hosting/web")


def test_keys_create_refuses_a_malformed_rule(capsys, sim):
    status, _out, err = run(capsys, sim, "keys", "create", "--rule", "GET")
    assert status == 1 and "METHOD /path" in err


def test_a_day_of_mail_through_the_cli(capsys, sim):
    assert run(capsys, sim, "hosting", NAME, "--offer", "starter", "--email", "ops@example.com")[0] == 0
    status, out, _err = run(capsys, sim, "send", NAME, "--count", "30", "--recipient", "gone@example.org",
                            "--bouncing", "gone@example.org")
    assert (status, out.strip()) == (0, "accepted 30, delivered 20 (bounced 20), queued 10")
    assert run(capsys, sim, "flag-spam", NAME)[0] == 0
    assert sim.client().get(f"/hosting/web/{NAME}/email")["state"] == "spam"
    status, out, _err = run(capsys, sim, "clock", "advance", "1d")
    assert status == 0 and out.startswith("20")
    status, out, _err = run(capsys, sim, "ledger", "--json")
    assert json.loads(out)["hostings"][NAME] == {"accepted": 30, "delivered": 20, "queued": 10, "purged": 0,
                                                 "expired": 0}
    status, out, _err = run(capsys, sim, "ledger")
    assert NAME in out and out.strip().endswith("balanced")
    status, out, _err = run(capsys, sim, "outbox")
    assert "to ops@example.com" in out
    assert json.loads(run(capsys, sim, "outbox", "--json")[1])[0]["service_name"] == NAME
    status, out, _err = run(capsys, sim, "clock", "show")
    assert "offset 86400 s" in out


def test_unknown_hosting_is_reported_with_exit_1(capsys, sim):
    status, _out, err = run(capsys, sim, "send", "nope.cluster021.hosting.ovh.net", "--count", "1")
    assert status == 1
    assert "404" in err and "This service does not exist" in err


def test_fault_set_show_clear(capsys, sim):
    status, out, _err = run(capsys, sim, "fault", "set", "--error-rate", "0.25", "--error-status", "503",
                            "--html-errors", "--route", "/hosting/web/*", "--seed", "4")
    assert status == 0
    rule = json.loads(out)["rules"][0]
    assert (rule["error_rate"], rule["error_status"], rule["html_errors"], rule["route"]) == \
        (0.25, 503, True, "/hosting/web/*")
    assert json.loads(run(capsys, sim, "fault", "show")[1])["seed"] == 4
    assert run(capsys, sim, "fault", "clear")[0] == 0
    assert sim.admin("GET", "/_sim/faults")["rules"] == []


def test_seed_requests_config_reset(capsys, sim):
    status, out, _err = run(capsys, sim, "seed", "--fleet", "5", "--profile", "healthy", "--seed", "2")
    names = out.split()
    assert status == 0 and len(names) == 5
    sim.client().get(f"/hosting/web/{names[0]}/email")
    status, out, _err = run(capsys, sim, "requests")
    assert f"200  GET    /hosting/web/{names[0]}/email" in out
    assert json.loads(run(capsys, sim, "requests", "--json")[1])[-1]["applied"] is True
    assert json.loads(run(capsys, sim, "config", "--action-delay", "5", "--bounce-window", "2h")[1]) == {
        "action_delay": 5, "bounce_threshold": 0.1, "bounce_window": 7200, "bounce_min_mails": 20,
        "empty_as_404": False}
    assert json.loads(run(capsys, sim, "config", "--empty-as-404", "true")[1])["empty_as_404"] is True
    assert run(capsys, sim, "reset")[0] == 0
    assert sim.client().get("/hosting/web") == []


def test_url_may_be_the_api_endpoint(capsys, sim):
    assert main(["clock", "show", "--url", sim.url]) == 0


def test_sendmail_reads_recipients_from_headers(capsys, sim, monkeypatch):
    sim.admin("POST", "/_sim/hostings", {"service_name": NAME})
    message = "From: site@example.fr\nTo: a@example.org, B <b@example.org>\nCc: c@example.org\nSubject: Hi\n\n" \
              "Hello\n.\nnot read\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(message))
    assert main(["sendmail", "--service", NAME, "--url", sim.admin_url, "-t", "-f", "site@example.fr"]) == 0
    assert sim.admin("GET", "/_sim/ledger")["hostings"][NAME]["delivered"] == 3


def test_sendmail_exit_codes(capsys, sim, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: none\n\nbody\n"))
    assert main(["sendmail", "--service", NAME, "--url", sim.admin_url, "-t"]) == 64
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: x\n\nbody\n"))
    assert main(["sendmail", "--service", NAME, "--url", sim.admin_url, "a@example.org"]) == 75  # no such hosting
    monkeypatch.delenv("OVHSIM_SERVICE", raising=False)
    assert main(["sendmail", "--url", sim.admin_url, "a@example.org"]) == 64


def test_sendmail_mail_bounces_as_ovhsim_send_does(capsys, sim, monkeypatch):
    sim.admin("POST", "/_sim/hostings", {"service_name": NAME})
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: x\n\nbody\n"))
    assert main(["sendmail", "--service", NAME, "--url", sim.admin_url, "--bouncing", "b@example.org",
                 "a@example.org", "b@example.org"]) == 0
    assert sim.admin("GET", f"/_sim/hostings/{NAME}")["bounce"] == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: x\n\nbody\n"))
    assert main(["sendmail", "--service", NAME, "--url", sim.admin_url, "--bounce-rate", "1",
                 "c@example.org", "d@example.org"]) == 0
    record = sim.admin("GET", f"/_sim/hostings/{NAME}")
    assert (record["sent"], record["bounce"]) == (4, 3)


@pytest.mark.parametrize("args", [
    ["-F", "Shop", "-r", "site@example.fr", "a@example.org"], ["-Fshop", "-rsite@example.fr", "a@example.org"],
])
def test_sendmail_accepts_full_name_and_r(capsys, sim, monkeypatch, args):
    sim.admin("POST", "/_sim/hostings", {"service_name": NAME})
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: x\n\nbody\n"))
    assert main(["sendmail", "--service", NAME, "--url", sim.admin_url, *args]) == 0
    assert sim.admin("GET", "/_sim/ledger")["hostings"][NAME]["delivered"] == 1


@pytest.mark.parametrize("args", [["-X", "a@example.org"], ["a@example.org", "-f"], ["--bounce-rate", "2"],
                                  ["--bounce-rate", "x", "a@example.org"]])
def test_sendmail_usage_errors_exit_64_in_one_line(capsys, sim, monkeypatch, args):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: x\n\nbody\n"))
    with pytest.raises(SystemExit) as exited:
        main(["sendmail", "--service", NAME, "--url", sim.admin_url, *args])
    assert exited.value.code == 64
    err = capsys.readouterr().err
    assert err.startswith("sendmail: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.skipif(shutil.which("php") is None, reason="php-cli is not installed (make system-deps installs it)")
def test_php_mail_through_sendmail_path(sim):
    """A real PHP mail() call, with ovhsim sendmail as PHP's sendmail_path, lands in the hosting's mail flow."""
    sim.admin("POST", "/_sim/hostings", {"service_name": NAME})
    sendmail = f"{sys.executable} -m ovhsim sendmail --service {NAME} --url {sim.admin_url} -t -i"
    script = "exit(mail('a@example.org, b@example.org', 'Contact form', \"Hello\\n.\\nstill the body\") ? 0 : 3);"
    result = subprocess.run(["php", "-n", "-d", f"sendmail_path={sendmail}", "-r", script],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert sim.admin("GET", "/_sim/ledger")["hostings"][NAME] == {
        "accepted": 2, "delivered": 2, "queued": 0, "purged": 0, "expired": 0}
    sim.admin("POST", "/_sim/hostings", {"service_name": NAME, "state": "ko"})
    result = subprocess.run(["php", "-n", "-d", f"sendmail_path={sendmail}", "-r", script],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert sim.admin("GET", f"/_sim/hostings/{NAME}")["queue_size"] == 2


def test_python_m_ovhsim_help():
    result = subprocess.run([sys.executable, "-m", "ovhsim", "--help"], capture_output=True, text=True,
                            env=dict(os.environ), timeout=30, check=False)
    assert result.returncode == 0
    for command in ("serve", "env", "keys", "fault", "seed", "send", "flag-spam", "clock", "ledger", "outbox",
                    "requests", "reset", "wait-ready", "sendmail"):
        assert command in result.stdout
