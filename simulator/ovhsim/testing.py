# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a simulator in-process for tests.

    with running_simulator(fleet=5, action_delay=0) as sim:
        client = sim.client()                     # an ovh.Client signed with the full-rights key
        client.get("/hosting/web")
        sim.admin("POST", "/_sim/send", {"service_name": name, "count": 10})
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from .app import Simulator
from .auth import signature
from .server import BackgroundServer


class AdminError(Exception):
    """A non-2xx answer of the admin API."""

    def __init__(self, status: int, body):
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


def admin_call(base_url: str, method: str, path: str, body=None, timeout: float = 30):
    """One admin call. ``path`` may start with ``/_sim`` or not (``/send`` and ``/_sim/send`` are the same)."""
    if not path.startswith("/_sim"):
        path = "/_sim" + (path if path.startswith("/") else "/" + path)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = payload.decode("utf-8", "replace")
        raise AdminError(error.code, payload) from None


class OvhSigner:
    """A ``requests`` auth callable (``auth=OvhSigner(...)``): signs the prepared request, once its URL and body
    are final, as the ``ovh`` client signs its calls, so that a tool built on ``requests`` (a fuzzer, a script)
    reaches the handlers instead of 400 "Invalid signature"."""

    def __init__(self, application_key: str, application_secret: str, consumer_key: str):
        self.application_key = application_key
        self._application_secret = application_secret
        self.consumer_key = consumer_key

    @classmethod
    def from_env(cls) -> "OvhSigner":
        """The key in OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY (``ovhsim env``)."""
        return cls(os.environ["OVH_APPLICATION_KEY"], os.environ["OVH_APPLICATION_SECRET"],
                   os.environ["OVH_CONSUMER_KEY"])

    def __call__(self, prepared):
        body = prepared.body or b""
        if isinstance(body, bytes):  # the simulator signs what it read, decoded as UTF-8
            body = body.decode("utf-8", "replace")
        timestamp = str(int(time.time()))
        prepared.headers["X-Ovh-Application"] = self.application_key
        prepared.headers["X-Ovh-Consumer"] = self.consumer_key
        prepared.headers["X-Ovh-Timestamp"] = timestamp
        prepared.headers["X-Ovh-Signature"] = signature(self._application_secret, self.consumer_key,
                                                        prepared.method, prepared.url, body, timestamp)
        return prepared


class RunningSimulator:
    def __init__(self, background: BackgroundServer):
        self._background = background
        self.simulator = background.server.simulator
        self.admin_url = background.base_url            # the server root; admin routes are under /_sim
        self.url = self.admin_url + "/1.0"              # the OVH endpoint
        self.credentials = self.admin("GET", "/_sim/credentials")
        self._stopped = False

    def admin(self, method: str, path: str, body=None):
        return admin_call(self.admin_url, method, path, body)

    def client(self, credentials: dict | None = None, **kwargs):
        """An ``ovh.Client`` for this simulator (the ``ovh`` package must be installed)."""
        import ovh.client

        credentials = credentials or self.credentials
        ovh.client.ENDPOINTS.setdefault(self.url, self.url)
        return ovh.Client(endpoint=self.url, application_key=credentials["application_key"],
                          application_secret=credentials["application_secret"],
                          consumer_key=credentials["consumer_key"], **kwargs)

    def signer(self, credentials: dict | None = None) -> OvhSigner:
        """A ``requests`` auth callable signing with these credentials (default: the full-rights key)."""
        credentials = credentials or self.credentials
        return OvhSigner(credentials["application_key"], credentials["application_secret"],
                         credentials["consumer_key"])

    def restricted_credentials(self, *rules: str) -> dict:
        """Credentials of a new key limited to rules such as ``"GET /hosting/web/*"``."""
        parsed = [dict(zip(("method", "path"), rule.split(" ", 1))) for rule in rules]
        return self.admin("POST", "/_sim/keys", {"rules": parsed})

    def service_account(self, *actions: str, resources=None, token_lifetime: int | None = None) -> dict:
        """A new OAuth2 service account; with ``actions``, a policy allowing them on ``resources`` (default: every
        hosting). Returns its endpoint, client_id, client_secret and identity."""
        body = {}
        if actions:
            body["actions"] = list(actions)
        if resources:
            body["resources"] = list(resources)
        if token_lifetime is not None:
            body["token_lifetime"] = token_lifetime
        return self.admin("POST", "/_sim/service-accounts", body)

    def grant(self, account: dict, *actions: str, resources=None) -> dict:
        """Add a policy allowing ``actions`` to the service account."""
        return self.admin("POST", "/_sim/iam/policies", {
            "name": "granted", "identities": [account["identity"]], "allow": list(actions),
            "resources": list(resources or ["urn:v1:eu:resource:webHosting:*"])})

    def oauth2_client(self, account: dict, **kwargs):
        """An ``ovh.Client`` with the service account's client credentials. The token URL is registered beside
        /1.0; oauthlib refuses its plain http:// unless OAUTHLIB_INSECURE_TRANSPORT is set (the caller's choice)."""
        import ovh.client

        ovh.client.ENDPOINTS.setdefault(self.url, self.url)
        ovh.client.OAUTH2_TOKEN_URLS.setdefault(self.url, self.admin_url + "/auth/oauth2/token")
        return ovh.Client(endpoint=self.url, client_id=account["client_id"], client_secret=account["client_secret"],
                          **kwargs)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._background.stop()


@contextlib.contextmanager
def running_simulator(db: str = ":memory:", fleet: int = 0, action_delay: float | None = None,
                      profile: str = "mixed", seed: int = 0, host: str = "127.0.0.1", port: int = 0):
    """A simulator serving on a free loopback port for the duration of the block."""
    background = BackgroundServer(Simulator(db, action_delay=action_delay, seed=seed), host, port)
    running = None
    try:
        running = RunningSimulator(background)
        if fleet:
            running.admin("POST", "/_sim/seed", {"fleet": fleet, "profile": profile, "seed": seed})
        yield running
    finally:
        if running is not None:
            running.stop()
        else:
            background.stop()


@contextlib.contextmanager
def serving_process(*serve_args: str):
    """``ovhsim serve`` in a process of its own (so that it does not share the caller's CPU time or GIL), on a free
    port with ``:memory:`` state, plus ``serve_args``; yields (the ``/1.0`` endpoint, the process)."""
    command = [sys.executable, "-m", "ovhsim", "serve", "--port", "0", "--db", ":memory:", *serve_args]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
    try:
        line = server.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"ovhsim serve did not start: {line!r}")
        yield line.split()[-1], server
    finally:
        server.terminate()
        server.wait(10)
