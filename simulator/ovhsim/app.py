# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator behind the HTTP transport: state (store, keys, model, faults, request log) and the handling
of one request, from routing to the response bytes.

One lock serializes every access to the model and the store; handlers are short, and injected latency is
slept outside the lock, so concurrent clients still overlap.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .admin import ADMIN
from .auth import KeyRing
from .clock import Clock, iso
from .errors import ApiError
from .faults import Faults
from .hosting import Hosting
from .iam import Iam, TokenError, resource_urn
from .model import DEFAULT_CONFIG, MailModel
from .routes import API
from .store import Store

REQUEST_LOG_CAP = 10_000
TOKEN_PATH = "/auth/oauth2/token"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@dataclass
class Request:
    method: str
    target: str                # path and query exactly as received, e.g. /1.0/hosting/web?x=1
    headers: object            # case-insensitive mapping
    body: str = ""
    host: str = "127.0.0.1"    # the Host header, used to rebuild the signed URL
    query: dict = field(default_factory=dict)
    json: object = None
    credential: object = None
    service_account: object = None  # an OAuth2 service account, when the request carries its token


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    reset: bool = False        # drop the connection without answering (an injected fault)


class Simulator:
    def __init__(self, db: str = ":memory:", action_delay: float | None = None, seed: int = 0):
        self.store = Store(db)
        self.lock = threading.RLock()
        keys = self.store.get("keys")
        if keys is None:
            self.keys = KeyRing.generate(time.time())
            self.save_keys()
        else:
            self.keys = KeyRing.from_dict(keys)
        self.iam = Iam.from_dict(self.store.get("iam", {}))
        config = dict(DEFAULT_CONFIG, **self.store.get("config", {}))
        if action_delay is not None:
            config["action_delay"] = float(action_delay)
        clock = Clock(self.store.get("clock_offset", 0.0))
        hostings = {data["service_name"]: Hosting.from_dict(data) for data in self.store.load_hostings()}
        self.seed = seed
        self.model = MailModel(clock, config, hostings, self.store.get("processed_until"),
                               self.store.get("next_task_id", 1), seed)
        self.faults = Faults(self.store.get("faults"))
        self.requests: deque = deque(maxlen=REQUEST_LOG_CAP)
        self._query_ids = itertools.count(1)
        self._query_prefix = f"EU.ext-sim.{os.getpid():x}{int(time.time()) & 0xFFFF:04x}"
        self.server_address = "127.0.0.1:8080"
        with self.lock:
            self.model.sync()
            self.save_config()
            self.flush()

    # --- persistence ---------------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what the model changed since the last flush."""
        model = self.model
        if model.dirty:
            self.store.save_hostings([model.hostings[name].to_dict() for name in model.dirty if name in model.hostings])
            model.dirty.clear()
            self.store.put({"processed_until": model.processed_until, "next_task_id": model.next_task_id})
        if model.outbox_new:
            self.store.append_outbox(model.outbox_new)
            model.outbox_new = []

    def save_keys(self) -> None:
        self.store.put({"keys": self.keys.to_dict()})

    def save_iam(self) -> None:
        self.store.put({"iam": self.iam.to_dict()})

    def save_config(self) -> None:
        self.store.put({"config": self.model.config, "clock_offset": self.model.clock.offset})

    def save_faults(self) -> None:
        self.store.put({"faults": self.faults.settings()})

    # --- admin operations ----------------------------------------------------------------------------------------

    def endpoint(self, req: Request) -> str:
        return f"http://{req.host or self.server_address}/1.0"

    def clock_view(self) -> dict:
        now = self.model.clock.now()
        return {"now": iso(now), "timestamp": int(now), "offset": self.model.clock.offset}

    def advance_clock(self, seconds: float) -> None:
        self.model.clock.advance(seconds)
        self.model.run_until(self.model.clock.now())
        self.save_config()

    def reset(self) -> None:
        """Empty fleet, clock offset 0, faults and request log cleared; keys and config kept. The bounce draws
        start again from the seed, so a reset run repeats itself."""
        self.model.hostings.clear()
        self.model.rng.seed(self.seed)
        self.model.dirty.clear()
        self.model.outbox_new = []
        self.model.clock.offset = 0.0
        self.model.processed_until = self.model.next_due = self.model.clock.now()
        self.store.clear_fleet()
        self.faults.clear()
        self.save_faults()
        self.save_config()
        self.store.put({"processed_until": self.model.processed_until})
        self.requests.clear()

    def close(self) -> None:
        with self.lock:
            self.flush()
            self.store.close()

    # --- one request -------------------------------------------------------------------------------------------

    def new_query_id(self) -> str:
        return f"{self._query_prefix}.{next(self._query_ids)}"

    def error_response(self, error: ApiError) -> Response:
        """An error answered outside any route (a bad Content-Length, a bug in the simulator), with a query id
        as every answer has."""
        return _error(error, self.new_query_id())

    def handle(self, req: Request) -> Response:
        """One request, answered with JSON whatever happens: a bug in the simulator is a 500 whose query id is
        the one in the request log."""
        query_id = self.new_query_id()
        try:
            return self._route(req, query_id)
        except Exception:  # noqa: BLE001 - the answer says so, the traceback goes to stderr
            traceback.print_exc(file=sys.stderr)
            return _error(ApiError(500, "ovhsim internal error", error_class="Server::InternalServerError"),
                          query_id)

    def _route(self, req: Request, query_id: str) -> Response:
        path, _separator, query = req.target.partition("?")
        req.query = parse_qs(query, keep_blank_values=True) if query else {}
        if path.startswith("/1.0/") or path == "/1.0":
            return self._handle_api(req, path[4:], query, query_id)
        if path.startswith("/_sim/"):
            return self._handle_admin(req, path[5:], query_id)
        if path == TOKEN_PATH:
            return self._handle_token(req, query_id)
        return _error(ApiError(404, "Got an invalid (or empty) URL"), query_id)

    def _handle_admin(self, req: Request, path: str, query_id: str) -> Response:
        try:
            route, params = ADMIN.match(req.method, path)
            req.json = _parse_json(req.body)
            result = self._run(route, req, params)
        except ApiError as error:
            return _error(error, query_id)
        return _ok(result, query_id)

    def _run(self, route, req: Request, params: dict):
        """One handler on the model brought up to the clock, its changes saved, one request at a time."""
        with self.lock:
            try:
                self.model.sync()
                return route.handler(self, req, **params)
            finally:
                self.flush()

    def _handle_token(self, req: Request, query_id: str) -> Response:
        """The OAuth2 token endpoint, beside /1.0 as OVH has it beside its API; logged with the API requests,
        never faulted."""
        entry = {"time": None, "timestamp": None, "received": round(self.model.clock.now(), 3), "method": req.method,
                 "path": TOKEN_PATH, "query": "",
                 "status": 0, "applied": False, "consumer_key_id": None, "client_id": None, "query_id": query_id,
                 "fault": None}
        headers = dict(JSON_HEADERS, **{"X-Ovh-QueryID": query_id, "Cache-Control": "no-store"})
        if req.method != "POST":
            status, body = 405, {"error": "invalid_request", "error_description": "use POST"}
            headers["Allow"] = "POST"
        else:
            try:
                with self.lock:
                    body = self.iam.issue_token(req.headers, req.body, time.time())
                    self.save_iam()
                status = 200
            except TokenError as error:
                status, body = error.status, error.body
                if status == 401:
                    headers["WWW-Authenticate"] = 'Basic realm="ovhsim"'
        entry["status"], entry["applied"] = status, status == 200
        now = self.model.clock.now()
        entry["time"], entry["timestamp"] = iso(now), round(now, 3)
        self.requests.append(entry)
        return Response(status, headers, json.dumps(body).encode())

    def _authenticate(self, req: Request, route, path: str, params: dict, entry: dict) -> None:
        """A consumer key's signature and access rules, or a service account's token and IAM policies."""
        authorization = req.headers.get("Authorization") or ""
        if authorization.lower().startswith("bearer "):
            with self.lock:
                account = self.iam.authenticate(authorization, time.time())
                entry["client_id"] = account.client_id
                resource = resource_urn(params["serviceName"]) if "serviceName" in params else None
                if route.action:
                    self.iam.authorize(account, route.action, resource)
            req.service_account = account
            return
        req.credential = self.keys.authenticate(req.headers, req.method, f"http://{req.host}{req.target}",
                                                req.body, path, time.time())

    def _handle_api(self, req: Request, path: str, query: str, query_id: str) -> Response:
        # "received" (when the request came in) is what a rate limit is judged by; "timestamp" is when it was answered.
        entry = {"time": None, "timestamp": None, "received": round(self.model.clock.now(), 3), "method": req.method,
                 "path": path, "query": query, "status": 0, "applied": False,
                 "consumer_key_id": None, "client_id": None, "query_id": query_id, "fault": None}
        response = None
        try:
            response = self._answer_api(req, path, query_id, entry)
            return response
        finally:  # logged complete, so that a concurrent reader never sees a half-written entry
            entry["status"] = 500 if response is None else response.status
            answered = self.model.clock.now()
            entry["time"] = iso(answered)
            entry["timestamp"] = round(answered, 3)
            self.requests.append(entry)

    def _answer_api(self, req: Request, path: str, query_id: str, entry: dict) -> Response:
        try:
            route, params = API.match(req.method, path)
        except ApiError as error:
            return _error(error, query_id)
        decision = self.faults.decide(req.method, path)
        if decision is not None:
            entry["fault"] = decision.outcome
            if decision.latency:
                time.sleep(decision.latency)
            if decision.outcome == "reset":
                return Response(0, {}, b"", reset=True)
            if decision.outcome in ("429", "error"):
                return _fault_response(decision, query_id)
        try:
            if route.auth:
                self._authenticate(req, route, path, params, entry)
                if req.credential is not None:
                    entry["consumer_key_id"] = req.credential.credential_id
            req.json = _parse_json(req.body)
            result = self._run(route, req, params)
        except ApiError as error:
            return _error(error, query_id)
        entry["applied"] = True
        if decision is not None and decision.outcome == "apply_then_fail":
            return _fault_response(decision, query_id)
        return _ok(result, query_id)


def _parse_json(body: str):
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        raise ApiError(400, "Invalid JSON received") from None


def _ok(result, query_id: str) -> Response:
    return Response(200, dict(JSON_HEADERS, **{"X-Ovh-QueryID": query_id}), json.dumps(result).encode())


def _error(error: ApiError, query_id: str) -> Response:
    headers = dict(JSON_HEADERS, **error.headers)
    headers["X-Ovh-QueryID"] = query_id
    return Response(error.status, headers, json.dumps(error.body()).encode())


def _fault_response(decision, query_id: str) -> Response:
    status, headers, body = decision.error_response()
    headers["X-Ovh-QueryID"] = query_id
    return Response(status, headers, body)
