# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``ovhsim`` command: ``serve`` runs the simulator; every other subcommand talks to a running one through
the admin API (``--url``, default ``$OVHSIM_URL`` or http://127.0.0.1:8080)."""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shlex
import signal
import sys
import threading
import time
import urllib.error

from .clock import parse_duration
from .seed import MAX_FLEET, PROFILES
from .testing import AdminError, admin_call

DEFAULT_URL = "http://127.0.0.1:8080"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def _port(text: str) -> int:
    """argparse type: a TCP port, 0 for any free one."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be from 0 to 65535, got {port}")
    return port


class CliError(Exception):
    """An expected failure: printed as one line, exit status 1."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except CliError as error:
        print(f"ovhsim: error: {error}", file=sys.stderr)
        return 1
    except AdminError as error:
        message = error.body.get("message", error.body) if isinstance(error.body, dict) else error.body
        print(f"ovhsim: error: the simulator answered {error.status}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ovhsim", description="A local simulator of the OVH hosting e-mail API.")
    commands = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, func, help_text: str, url: bool = True, under=commands) -> argparse.ArgumentParser:
        sub = under.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        if url:
            sub.add_argument("--url", default=os.environ.get("OVHSIM_URL", DEFAULT_URL),
                             help="the simulator's root URL (default: $OVHSIM_URL or %(default)s)")
        return sub

    def group(name: str, help_text: str):
        """A command with actions (``ovhsim keys create``); alone, it prints its own usage and exits 2. Returns
        the maker of its actions, which take ``--url`` as every command does."""
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=lambda args: sub.print_usage(sys.stderr) or 2)
        actions = sub.add_subparsers(metavar="ACTION")
        return lambda action, func, action_help: command(action, func, action_help, under=actions)

    def bounce_options(sub: argparse.ArgumentParser) -> None:
        """The bounce options of ``ovhsim send``, which ``ovhsim sendmail`` takes as well."""
        sub.add_argument("--bounce-rate", type=_rate, default=0.0, help="share of the mails that bounce, 0 to 1")
        sub.add_argument("--bouncing", action="append", default=[],
                         help="an address that always bounces (repeatable)")

    serve = command("serve", cmd_serve, "Run the simulator (until SIGTERM or Ctrl-C).", url=False)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8080, help="port, 0 for any free one (default: %(default)s)")
    serve.add_argument("--db", default=os.environ.get("OVHSIM_DB", "ovhsim.db"),
                       help="SQLite file kept across restarts, or :memory: to keep nothing "
                            "(default: $OVHSIM_DB or %(default)s)")
    serve.add_argument("--fleet", type=_fleet_size, default=0,
                       help="seed this many realistic hostings when the fleet is empty")
    serve.add_argument("--profile", choices=PROFILES, default="mixed", help="fleet profile (default: %(default)s)")
    serve.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: %(default)s)")
    serve.add_argument("--action-delay", type=_non_negative_float, default=None,
                       help="simulated seconds before a BLOCK/UNBLOCK/PURGE takes effect (default: 2)")
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    serve.add_argument("--pidfile", help="write the server's process id to this file while it runs")

    command("env", cmd_env, "Print `export OVH_*=...` for the full-rights key, ready for eval.")

    keys = group("keys", "Consumer keys with access rules, and OAuth2 service accounts with IAM policies.")
    create = keys("create", cmd_keys_create, "Create a restricted key, or a service account; prints its exports.")
    kind = create.add_mutually_exclusive_group(required=True)
    kind.add_argument("--rule", action="append", metavar="'METHOD /path'",
                      help="an access rule such as 'GET /hosting/web/*' (repeatable)")
    kind.add_argument("--oauth2", action="store_true",
                      help="an OAuth2 service account (OVH_CLIENT_ID, OVH_CLIENT_SECRET) instead of a consumer key")
    create.add_argument("--action", action="append", default=[], metavar="ACTION",
                        help="with --oauth2: an IAM action its policy allows, e.g. webHosting:apiovh:email/get, "
                             "or webHosting:apiovh:* (repeatable; none: no policy, every call is refused)")
    create.add_argument("--resource", action="append", default=[], metavar="URN",
                        help="with --action: a resource of the policy (repeatable; default every hosting, "
                             "urn:v1:eu:resource:webHosting:*)")
    create.add_argument("--token-lifetime", type=_non_negative_int, metavar="SECONDS",
                        help="with --oauth2: the expires_in of its tokens (default 3600)")
    revoke = keys("revoke", cmd_keys_revoke, "Revoke a consumer key, or with --oauth2 a service account.")
    revoke.add_argument("consumer_key", metavar="KEY", help="a consumer key, or with --oauth2 a client id")
    revoke.add_argument("--oauth2", action="store_true", help="KEY is a service account's client id")
    grant = keys("grant", cmd_keys_grant, "Add a policy allowing a service account IAM actions.")
    grant.add_argument("client_id")
    grant.add_argument("--action", action="append", required=True, metavar="ACTION")
    grant.add_argument("--resource", action="append", default=[], metavar="URN")
    keys("expire-tokens", cmd_keys_expire_tokens,
         "End a service account's tokens now, before the expires_in its client was told.").add_argument("client_id")

    fault = group("fault", "Injected faults on /1.0.")
    fault_set = fault("set", cmd_fault_set, "Replace the fault settings by one rule.")
    fault_set.add_argument("--latency-ms", type=_non_negative_float)
    fault_set.add_argument("--jitter-ms", type=_non_negative_float)
    fault_set.add_argument("--error-rate", type=_rate)
    fault_set.add_argument("--error-status", type=int, choices=(500, 502, 503))
    fault_set.add_argument("--html-errors", action="store_true", help="5xx with an HTML body, as a proxy answers")
    fault_set.add_argument("--rate-429", type=_rate)
    fault_set.add_argument("--retry-after", type=_non_negative_int, help="Retry-After of the 429s (seconds)")
    fault_set.add_argument("--reset-rate", type=_rate, help="share of connections reset without an answer")
    fault_set.add_argument("--apply-then-fail-rate", type=_rate, help="PUT/POST applied, then answered 5xx")
    fault_set.add_argument("--route", help="glob on the path under /1.0, e.g. '/hosting/web/*/email'")
    fault_set.add_argument("--method", choices=("GET", "POST", "PUT", "DELETE"))
    fault_set.add_argument("--seed", type=_non_negative_int)
    fault("clear", cmd_fault_clear, "No more faults.")
    fault("show", cmd_fault_show, "Print the fault settings.")

    seed = command("seed", cmd_seed, "Add realistic hostings to the fleet.")
    seed.add_argument("--fleet", type=_fleet_size, default=10)
    seed.add_argument("--profile", choices=PROFILES, default="mixed")
    seed.add_argument("--seed", type=_non_negative_int, default=0)

    hosting = command("hosting", cmd_hosting, "Create or change one hosting, or show its record.")
    hosting.add_argument("service_name")
    hosting.add_argument("--offer", help="starter, perso, pro, performance (or an OVH offer code)")
    hosting.add_argument("--state", choices=("ok", "force", "ko", "bounce", "spam"))
    hosting.add_argument("--email", help="report recipient")
    hosting.add_argument("--show", action="store_true", help="only print the record")

    send = command("send", cmd_send, "A script of SERVICE sends mail through mail().")
    send.add_argument("service_name", metavar="SERVICE")
    send.add_argument("--count", type=_non_negative_int, required=True)
    send.add_argument("--recipient", action="append", default=[], help="address or domain (repeatable)")
    bounce_options(send)

    spam = command("flag-spam", cmd_flag_spam, "Abuse detection flags SERVICE as sending spam.")
    spam.add_argument("service_name", metavar="SERVICE")

    clock = group("clock", "The simulated clock.")
    advance = clock("advance", cmd_clock_advance, "Move the clock forward (90s, 15m, 24h, 3d) and run what falls due.")
    advance.add_argument("duration", type=_duration)
    clock("show", cmd_clock_show, "Print the simulated time.")

    config = command("config", cmd_config, "Show or change the model's settings.")
    config.add_argument("--action-delay", type=_non_negative_float)
    config.add_argument("--bounce-threshold", type=_rate)
    config.add_argument("--bounce-window", type=_duration)
    config.add_argument("--bounce-min-mails", type=_non_negative_int)
    config.add_argument("--empty-as-404", choices=("true", "false"),
                        help="answer 404 instead of [] for empty bounces and volumes")

    for name, func, help_text in (("ledger", cmd_ledger, "Every mail accepted: delivered, queued, purged, expired."),
                                  ("outbox", cmd_outbox, "The daily error reports sent so far."),
                                  ("requests", cmd_requests, "The /1.0 requests received, and what was applied.")):
        command(name, func, help_text).add_argument("--json", action="store_true", help="print JSON")

    command("reset", cmd_reset, "Empty the fleet, clock offset 0, no faults, empty request log (keys kept).")

    wait = command("wait-ready", cmd_wait_ready, "Wait until a simulator answers.")
    wait.add_argument("--timeout", type=_non_negative_float, default=10.0)

    from .sendmail import SendmailArgumentParser

    sendmail = command("sendmail", cmd_sendmail,
                       "A sendmail-compatible command: hand the message on stdin to SERVICE's mail flow.")
    sendmail.__class__ = SendmailArgumentParser  # as sendmail: a usage error exits 64 (EX_USAGE) in one line, not 2
    sendmail.add_argument("--service", default=os.environ.get("OVHSIM_SERVICE"), required=False,
                          help="the hosting whose script sends (default: $OVHSIM_SERVICE)")
    bounce_options(sendmail)
    sendmail.add_argument("-t", dest="read_recipients", action="store_true", help="read recipients from headers")
    sendmail.add_argument("-f", "-r", dest="sender", help="envelope sender (accepted, not kept)")
    sendmail.add_argument("-F", dest="full_name", help="sender's full name (accepted, not kept)")
    sendmail.add_argument("-i", dest="ignore_dots", action="store_true", help="a lone dot does not end the message")
    sendmail.add_argument("-o", dest="options", action="append", default=[], help="ignored, as sendmail options")
    sendmail.add_argument("recipients", nargs="*")
    return parser


# --- argument types -----------------------------------------------------------------------------------------------

def _non_negative(convert, kind: str):
    """An argparse type: ``convert(text)``, refused when it is not a ``kind`` or is below 0."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {kind}: {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
        return value
    return parse


_non_negative_int = _non_negative(int, "an integer")
_non_negative_float = _non_negative(float, "a number")


def _fleet_size(text: str) -> int:
    value = _non_negative_int(text)
    if value > MAX_FLEET:
        raise argparse.ArgumentTypeError(f"a fleet is {MAX_FLEET:,} hostings at most: {text!r}")
    return value


def _rate(text: str) -> float:
    value = _non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"a rate is from 0 to 1: {text!r}")
    return value


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# --- talking to a running simulator ---------------------------------------------------------------------------

def _root(url: str) -> str:
    url = url.rstrip("/")
    return url[: -len("/1.0")] if url.endswith("/1.0") else url


def _admin(args, method: str, path: str, body=None):
    try:
        return admin_call(_root(args.url), method, path, body)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CliError(f"cannot reach the simulator at {args.url} ({reason}); is `ovhsim serve` running?") from None


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, sort_keys=True))


def _exports(credentials: dict) -> str:
    names = {"endpoint": "OVH_ENDPOINT", "application_key": "OVH_APPLICATION_KEY",
             "application_secret": "OVH_APPLICATION_SECRET", "consumer_key": "OVH_CONSUMER_KEY"}
    if "client_id" in credentials:
        names = {"endpoint": "OVH_ENDPOINT", "client_id": "OVH_CLIENT_ID", "client_secret": "OVH_CLIENT_SECRET"}
    return "export " + " ".join(f"{variable}={shlex.quote(credentials[key])}" for key, variable in names.items())


def cmd_env(args) -> None:
    print(_exports(_admin(args, "GET", "/_sim/credentials")))


def cmd_keys_create(args) -> None:
    if args.oauth2:
        body = {}
        if args.action:
            body["actions"] = args.action
        if args.resource:
            body["resources"] = args.resource
        if args.token_lifetime is not None:
            body["token_lifetime"] = args.token_lifetime
        print(_exports(_admin(args, "POST", "/_sim/service-accounts", body)))
        return
    if args.action or args.resource or args.token_lifetime is not None:
        raise CliError("--action, --resource and --token-lifetime are for a service account: add --oauth2")
    rules = []
    for rule in args.rule:
        method, _space, path = rule.strip().partition(" ")
        if not path.strip():
            raise CliError(f"--rule {rule!r}: expected 'METHOD /path', e.g. 'GET /hosting/web/*'")
        rules.append({"method": method.upper(), "path": path.strip()})
    print(_exports(_admin(args, "POST", "/_sim/keys", {"rules": rules})))


def cmd_keys_revoke(args) -> None:
    if args.oauth2:
        _admin(args, "POST", "/_sim/service-accounts/revoke", {"client_id": args.consumer_key})
    else:
        _admin(args, "POST", "/_sim/keys/revoke", {"consumer_key": args.consumer_key})


def cmd_keys_grant(args) -> None:
    credentials = _admin(args, "GET", "/_sim/service-accounts/" + args.client_id)
    _print_json(_admin(args, "POST", "/_sim/iam/policies", {
        "name": "granted from the CLI", "identities": [credentials["identity"]],
        "resources": args.resource or ["urn:v1:eu:resource:webHosting:*"], "allow": args.action}))


def cmd_keys_expire_tokens(args) -> None:
    _print_json(_admin(args, "POST", "/_sim/service-accounts/expire-tokens", {"client_id": args.client_id}))


def cmd_fault_set(args) -> None:
    names = ("latency_ms", "jitter_ms", "error_rate", "error_status", "rate_429", "retry_after", "reset_rate",
             "apply_then_fail_rate", "route", "method", "seed")
    body = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.html_errors:
        body["html_errors"] = True
    _print_json(_admin(args, "POST", "/_sim/faults", body))


def cmd_fault_clear(args) -> None:
    _admin(args, "DELETE", "/_sim/faults")


def cmd_fault_show(args) -> None:
    _print_json(_admin(args, "GET", "/_sim/faults"))


def cmd_seed(args) -> None:
    answer = _admin(args, "POST", "/_sim/seed", {"fleet": args.fleet, "profile": args.profile, "seed": args.seed})
    print("\n".join(answer["service_names"]))


def cmd_hosting(args) -> None:
    if args.show:
        _print_json(_admin(args, "GET", f"/_sim/hostings/{args.service_name}"))
        return
    body = {"service_name": args.service_name}
    body.update({name: getattr(args, name) for name in ("offer", "state", "email") if getattr(args, name)})
    _print_json(_admin(args, "POST", "/_sim/hostings", body))


def cmd_send(args) -> None:
    body = {"service_name": args.service_name, "count": args.count, "bounce_rate": args.bounce_rate}
    if args.recipient:
        body["recipients"] = args.recipient
    if args.bouncing:
        body["bouncing"] = args.bouncing
    result = _admin(args, "POST", "/_sim/send", body)
    print("accepted {accepted}, delivered {delivered} (bounced {bounced}), queued {queued}".format(**result))


def cmd_flag_spam(args) -> None:
    _admin(args, "POST", "/_sim/flag-spam", {"service_name": args.service_name})


def cmd_clock_advance(args) -> None:
    print(_admin(args, "POST", "/_sim/clock/advance", {"seconds": args.duration})["now"])


def cmd_clock_show(args) -> None:
    clock = _admin(args, "GET", "/_sim/clock")
    print(f"{clock['now']} (offset {clock['offset']:.0f} s)")


def cmd_config(args) -> None:
    names = ("action_delay", "bounce_threshold", "bounce_window", "bounce_min_mails", "empty_as_404")
    body = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    _print_json(_admin(args, "POST", "/_sim/config", body) if body else _admin(args, "GET", "/_sim/config"))


def cmd_ledger(args) -> None:
    ledger = _admin(args, "GET", "/_sim/ledger")
    if args.json:
        _print_json(ledger)
        return
    print(f"{'hosting':<48} {'accepted':>9} {'delivered':>9} {'queued':>7} {'purged':>7} {'expired':>7}")
    for name, row in ledger["hostings"].items():
        print(f"{name:<48} {row['accepted']:>9} {row['delivered']:>9} {row['queued']:>7} {row['purged']:>7} "
              f"{row['expired']:>7}")
    print("balanced" if ledger["balanced"] else "NOT BALANCED")


def cmd_outbox(args) -> None:
    outbox = _admin(args, "GET", "/_sim/outbox")
    if args.json:
        _print_json(outbox)
        return
    for message in outbox:
        print(f"{message['date']}  to {message['to']}  {message['subject']}")


def cmd_requests(args) -> None:
    log = _admin(args, "GET", "/_sim/requests")
    if args.json:
        _print_json(log)
        return
    for entry in log:
        query = f"?{entry['query']}" if entry["query"] else ""
        fault = f"  fault={entry['fault']}" if entry.get("fault") else ""
        print(f"{entry['time']}  {entry['status']:>3}  {entry['method']:<6} {entry['path']}{query}"
              f"  applied={str(entry['applied']).lower()}{fault}")


def cmd_reset(args) -> None:
    _admin(args, "POST", "/_sim/reset")


def cmd_wait_ready(args) -> int:
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            admin_call(_root(args.url), "GET", "/_sim/clock", timeout=2)
            return 0
        except (urllib.error.URLError, OSError, AdminError):
            if time.monotonic() >= deadline:
                raise CliError(f"no simulator answered at {args.url} within {args.timeout:g} s") from None
            time.sleep(0.1)


def cmd_sendmail(args) -> int:
    from .sendmail import sendmail

    return sendmail(args, lambda method, path, body: _admin(args, method, path, body))


# --- serve ------------------------------------------------------------------------------------------------------

def cmd_serve(args) -> int:
    from .app import Simulator
    from .server import SimulatorServer
    from .store import DatabaseInUse

    if not _is_loopback(args.host) and not args.allow_remote:
        print(f"ovhsim: error: refusing to listen on {args.host}: the simulator has no real security; "
              "add --allow-remote if you mean it", file=sys.stderr)
        return 2
    try:
        simulator = Simulator(args.db, action_delay=args.action_delay, seed=args.seed)
    except DatabaseInUse as error:
        raise CliError(str(error)) from None
    except Exception as error:  # sqlite3 errors: a bad path, a file that is not a database
        raise CliError(f"cannot open the database {args.db!r}: {error}") from None
    try:
        server = SimulatorServer(simulator, args.host, args.port)
    except OSError as error:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    if args.fleet and not simulator.model.hostings:
        from .seed import seed_fleet

        with simulator.lock:
            seed_fleet(simulator.model, args.fleet, args.profile, args.seed)
            simulator.flush()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.pidfile:
        try:
            with open(args.pidfile, "w", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n")
        except OSError as error:
            server.server_close()
            simulator.close()
            raise CliError(f"cannot write the pidfile {args.pidfile!r}: {error.strerror or error}") from None
    print(f"ovhsim listening on {server.base_url}/1.0", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        simulator.close()
        if args.pidfile:
            try:
                os.remove(args.pidfile)
            except OSError:
                pass
    print("ovhsim stopped", flush=True)
    return 0
