# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostingApi: the one client of the OVH API for the web hostings' script e-mails.

It wraps ``ovh.Client`` and goes through its ``raw_call`` (the signing path of the real client), so that it sees the
HTTP status, the ``Retry-After`` and ``X-Ovh-QueryID`` headers of every answer, which the ``ovh`` exceptions do not
all carry. On top of it: endpoint resolution (named regions or a ``/1.0`` URL such as the simulator's), retries
with exponential back-off and full jitter, a deadline per HTTP attempt (``timeout``, see deadline.py), a rate limit
shared by threads, a server clock offset fetched once and shared by threads, and one error type, HostingApiError.
The credentials are an application key set or an OAuth2 service account (``credentials.py``, ``oauth2.py``).
"""

from __future__ import annotations

import json
import math
import random
import re
import socket
import threading
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

try:
    import ovh
    import ovh.client
    import ovh.config
    import ovh.exceptions
    import requests
except ImportError:
    HAS_OVH = False
    OVH_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_OVH = True
    OVH_IMPORT_ERROR = None

from .credentials import resolve_credentials
from .deadline import Deadline, watch_session
from .email_state import ACTIONS
from .errors import HostingApiError
from .oauth2 import HAS_OAUTH2, SharedToken, plain_http_allowed, plain_http_problem, token_url_for
from .rate_limit import RateLimiter
from .service_name import hosting_path

NAMED_ENDPOINTS = ("ovh-eu", "ovh-ca", "ovh-us")
_URL_ENDPOINT = re.compile(r"^https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?/1\.0$")
_KEY_TEXT = re.compile(r"^[\x21-\x7e]+$")  # what OVH issues as keys and secrets
ACCEPTED_ENDPOINTS = "ovh-eu, ovh-ca, ovh-us, or an http(s)://host[:port]/1.0 URL (such as the simulator's)"

BACKOFF_BASE = 1.0  # seconds; the n-th retry waits up to BACKOFF_BASE * 2**(n-1), at most BACKOFF_CAP
BACKOFF_CAP = 30.0
MAX_TIMEOUT = 86400  # a day; far larger values overflow the socket layer's clock (OverflowError)
RETRY_AFTER_CAP = 300.0  # a Retry-After longer than this is not worth holding a playbook for
# A 429 means the request was not processed: it is retried on a budget of its own, so that a burst of them does
# not use up the retries kept for failures (5xx, timeouts).
THROTTLED_RETRIES = 10


def resolve_endpoint(endpoint=None) -> tuple[str, str]:
    """``(key, url)`` of the endpoint; a URL is registered in ``ovh.client.ENDPOINTS`` under itself as key, and
    its token URL (``/auth/oauth2/token`` beside ``/1.0``) in ``ovh.client.OAUTH2_TOKEN_URLS`` under the same key.

    ``None`` means: as the ``ovh`` client finds it (``OVH_ENDPOINT``, then ``[default] endpoint`` in ovh.conf).
    """
    if endpoint is None:
        endpoint = ovh.config.ConfigurationManager().get("default", "endpoint")
        if not endpoint:
            raise HostingApiError(
                "no OVH endpoint: set the endpoint option, OVH_ENDPOINT, or endpoint in the [default] section of "
                "ovh.conf; accepted: %s" % ACCEPTED_ENDPOINTS
            )
    endpoint = str(endpoint).strip()
    if endpoint in NAMED_ENDPOINTS:
        return endpoint, ovh.client.ENDPOINTS[endpoint]
    url = endpoint.rstrip("/")
    if _URL_ENDPOINT.fullmatch(url):
        # The URL itself is the key: stable across clients and threads, and usable as an ovh.conf section name.
        ovh.client.ENDPOINTS[url] = url
        if HAS_OAUTH2:
            ovh.client.OAUTH2_TOKEN_URLS[url] = token_url_for(url)
        return url, url
    raise HostingApiError("endpoint %r is not supported; accepted: %s" % (endpoint, ACCEPTED_ENDPOINTS))


def parse_retry_after(value) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


class ServerClock:
    """The offset between this machine's clock and OVH's (``GET /auth/time``), fetched once, shared by threads.

    The ``ovh`` client fetches it once per client object; with one client per worker thread, sharing it keeps the
    cost at one call per process.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.offset = None

    def get(self, fetch) -> int:
        with self._lock:
            if self.offset is None:
                self.offset = fetch()
            return self.offset


class HostingApi:
    """The OVH API calls this collection makes; every failure raises HostingApiError."""

    def __init__(self, endpoint=None, application_key=None, application_secret=None, consumer_key=None,
                 timeout=30, retries=4, rate_limit=None, sleep=None, limiter=None, server_clock=None,
                 jitter=None, client_id=None, client_secret=None, shared_token=None):
        if not HAS_OVH:
            raise HostingApiError("the python library 'ovh' is required (pip install ovh)")
        if timeout is None or not 0 < timeout <= MAX_TIMEOUT:
            raise HostingApiError(
                "timeout must be a positive number of seconds, at most %d, got %r" % (MAX_TIMEOUT, timeout)
            )
        if retries is None or retries < 0:
            raise HostingApiError("retries must be 0 or more, got %r" % (retries,))
        if rate_limit is not None and not (math.isfinite(rate_limit) and rate_limit > 0):
            raise HostingApiError(
                "rate_limit must be a positive number of requests per second (or unset), got %r" % (rate_limit,)
            )
        self.endpoint, self.endpoint_url = resolve_endpoint(endpoint)
        credentials = resolve_credentials(self.endpoint, dict(
            application_key=application_key, application_secret=application_secret, consumer_key=consumer_key,
            client_id=client_id, client_secret=client_secret))
        self._shared_token = None
        if credentials.oauth2:
            self._shared_token = shared_token or self._oauth2_token(credentials, timeout)
        try:
            if credentials.oauth2:
                self._client = ovh.Client(endpoint=self.endpoint, client_id=credentials.values["client_id"],
                                          client_secret=credentials.values["client_secret"], timeout=timeout)
            else:
                self._client = ovh.Client(
                    endpoint=self.endpoint,
                    application_key=credentials.values["application_key"],
                    application_secret=credentials.values["application_secret"],
                    consumer_key=credentials.values["consumer_key"],
                    timeout=timeout,
                )
        except ovh.exceptions.APIError as error:
            raise HostingApiError(
                "OVH credentials for %s are incomplete (%s): set application_key, application_secret and "
                "consumer_key as options, as OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY, "
                "or in the [%s] section of ovh.conf; or, for an OAuth2 service account, client_id and client_secret "
                "likewise" % (self.endpoint, error, self.endpoint)
            )
        _settle_environment(self._client._session, self.endpoint_url)
        watch_session(self._client._session)
        self._oauth2_settled = False  # the OAuth2 session is made once it holds a token (see _raw_call)
        for option, value in (("application_key", self._client._application_key),
                              ("application_secret", self._client._application_secret),
                              ("consumer_key", self._client._consumer_key),
                              ("client_id", credentials.values["client_id"]),
                              ("client_secret", credentials.values["client_secret"])):
            # Sent as HTTP headers (or signed into one): a space, a control character or a non-ASCII letter
            # would fail inside the HTTP library, or be retried as a connection error.
            if value and not _KEY_TEXT.fullmatch(str(value)):
                raise HostingApiError(
                    "%s is not an OVH key: expected printable ASCII characters without spaces (the value is "
                    "not shown)" % option
                )
        if self._client._oauth2 is None and not self._client._consumer_key:
            raise HostingApiError(
                "no OVH consumer key for %s: set the consumer_key option, OVH_CONSUMER_KEY, or consumer_key in the "
                "[%s] section of ovh.conf" % (self.endpoint, self.endpoint)
            )
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep or time.sleep
        self.limiter = limiter or RateLimiter(rate_limit, sleep=self.sleep)
        self.server_clock = server_clock or ServerClock()
        self._jitter = jitter or random.random

    def _oauth2_token(self, credentials, timeout) -> SharedToken:
        """The service account's token source, once the endpoint is known to take OAuth2 over a safe transport."""
        if not HAS_OAUTH2:
            raise HostingApiError("client_id and client_secret need the python library 'ovh' 1.2.0 or newer")
        token_url = ovh.client.OAUTH2_TOKEN_URLS.get(self.endpoint)
        if token_url is None:
            raise HostingApiError("endpoint %s has no known OAuth2 token URL" % self.endpoint)
        problem = plain_http_problem(self.endpoint_url, token_url)
        if problem:
            raise HostingApiError(problem)
        return SharedToken(credentials.values["client_id"], credentials.values["client_secret"], token_url, timeout)

    @classmethod
    def from_module(cls, module, **kwargs):
        """The client for an AnsibleModule whose argument spec includes common.AUTH_ARGUMENT_SPEC."""
        if not HAS_OVH:
            from ansible.module_utils.basic import missing_required_lib

            module.fail_json(msg=missing_required_lib("ovh"), exception=OVH_IMPORT_ERROR)
        try:
            return cls.from_params(module.params, **kwargs)
        except HostingApiError as error:
            module.fail_json(msg=str(error))

    @classmethod
    def from_params(cls, params, **kwargs):
        """The client for options checked against common.AUTH_ARGUMENT_SPEC (a module's or an action's)."""
        return cls(
            endpoint=params.get("endpoint"),
            application_key=params.get("application_key"),
            application_secret=params.get("application_secret"),
            consumer_key=params.get("consumer_key"),
            client_id=params.get("client_id"),
            client_secret=params.get("client_secret"),
            timeout=params.get("timeout"),
            retries=params.get("retries"),
            rate_limit=params.get("rate_limit"),
            **kwargs
        )

    def for_thread(self) -> HostingApi:
        """A client with its own HTTP session (not shared across threads), the same credentials and settings,
        sharing this one's rate limiter, server clock and OAuth2 token."""
        return HostingApi(
            endpoint=self.endpoint,
            application_key=self._client._application_key,
            application_secret=self._client._application_secret,
            consumer_key=self._client._consumer_key,
            client_id=getattr(self._client, "_client_id", None),
            client_secret=getattr(self._client, "_client_secret", None),
            shared_token=self._shared_token,
            timeout=self.timeout,
            retries=self.retries,
            sleep=self.sleep,
            limiter=self.limiter,
            server_clock=self.server_clock,
            jitter=self._jitter,
        )

    # The calls

    def list_hostings(self) -> list:
        """``GET /hosting/web``: every hosting's service name."""
        names = self._call("GET", "/hosting/web")
        if not isinstance(names, list):
            raise HostingApiError("expected a list of service names, got %r" % (names,), method="GET",
                                  path="/hosting/web")
        return names

    def get_hosting(self, service_name: str) -> dict:
        """``GET /hosting/web/{sn}``: the ``hosting.web.Service`` object."""
        return self._call("GET", self._path(service_name), service_name=service_name)

    def get_email(self, service_name: str) -> dict:
        """``GET /hosting/web/{sn}/email``: the raw ``hosting.web.email`` object."""
        return self._call("GET", self._path(service_name, "/email"), service_name=service_name)

    def set_report_recipient(self, service_name: str, address) -> None:
        """``PUT /hosting/web/{sn}/email`` with ``{"email": address}``; None clears it (JSON null)."""
        self._call("PUT", self._path(service_name, "/email"), {"email": address}, service_name=service_name)

    def get_bounces(self, service_name: str, limit: int) -> list:
        """``GET /hosting/web/{sn}/email/bounces?limit=N`` (1 to 100); 404 means none."""
        if not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100, got %r" % (limit,))
        path = self._path(service_name, "/email/bounces") + "?" + urlencode({"limit": limit})
        return self._call_list_or_empty(path, service_name)

    def get_volumes(self, service_name: str) -> list:
        """``GET /hosting/web/{sn}/email/volumes``; 404 means none."""
        return self._call_list_or_empty(self._path(service_name, "/email/volumes"), service_name)

    def current_credential(self) -> dict:
        """``GET /auth/currentCredential``: the consumer key's status and access rules."""
        return self._call("GET", "/auth/currentCredential")

    def request_action(self, service_name: str, action: str):
        """``POST /hosting/web/{sn}/email/request`` with BLOCK, UNBLOCK or PURGE; returns OVH's answer (a string).

        Sent once: a POST is never retried blindly here (429 aside, which OVH did not process). What to do after
        an ambiguous failure is decided from the state, by the caller (``email_service``).
        """
        if action not in ACTIONS:
            raise ValueError("unknown action %r, expected one of %s" % (action, ", ".join(ACTIONS)))
        return self._call("POST", self._path(service_name, "/email/request"), {"action": action},
                          service_name=service_name, idempotent=False)

    # Plumbing

    def _path(self, service_name, suffix=""):
        try:
            return hosting_path(service_name, suffix)  # validates the name
        except ValueError as error:
            raise HostingApiError(str(error), service_name=service_name if isinstance(service_name, str) else None)

    def _call_list_or_empty(self, path, service_name):
        try:
            result = self._call("GET", path, service_name=service_name)
        except HostingApiError as error:
            if error.status == 404:  # the control panel reads a 404 here as "no data"
                return []
            raise
        return result or []

    def _call(self, method, path, body=None, service_name=None, need_auth=True, idempotent=True):
        """One call with retries: 429 always (the request was not processed); 5xx, connection errors, timeouts
        and unreadable answers only when ``idempotent``."""
        attempt = throttled = 1
        while True:
            try:
                return self._send(method, path, body, service_name, need_auth)
            except HostingApiError as error:
                if error.status == 429:
                    # Every thread of the client holds back (in the limiter), not only this one.
                    wait = error.retry_after if error.retry_after is not None else self.backoff_delay(throttled)
                    self.limiter.pause(wait)
                    if self.retries == 0 or throttled > THROTTLED_RETRIES:
                        raise
                    throttled += 1
                    continue
                if not (idempotent and error.ambiguous) or attempt > self.retries:
                    raise
                self.sleep(self.backoff_delay(attempt))
                attempt += 1

    def backoff_delay(self, attempt):
        """Exponential back-off with full jitter."""
        return self._jitter() * min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))

    def _sync_clock(self):
        if self._client._oauth2 is None and self._client._time_delta is None:
            self._client._time_delta = self.server_clock.get(self._fetch_clock_offset)

    def _fetch_clock_offset(self):
        server_time = self._call("GET", "/auth/time", need_auth=False)
        if not isinstance(server_time, int):
            raise HostingApiError("expected a UNIX time, got %r" % (server_time,), method="GET", path="/auth/time")
        return server_time - int(time.time())

    def _send(self, method, path, body, service_name, need_auth):
        """One HTTP exchange through the ovh client's signing path; returns the decoded JSON answer.

        The failures ``ovh.Client.call`` would raise as ``HTTPError`` (connection error, timeout) and
        ``InvalidResponse`` (not JSON, such as a proxy's HTML 502) are marked ambiguous, as are 5xx answers.
        """
        if need_auth:
            self._sync_clock()
        self.limiter.acquire()
        context = dict(service_name=service_name, method=method, path=path)
        # The whole exchange of this attempt, body included (requests reads it before raw_call returns); each
        # retry gets a deadline of its own, the back-off and rate-limit waits are outside it.
        deadline = Deadline(self.timeout)
        try:
            with deadline:
                response = self._raw_call(method, path, body, need_auth)
        except requests.exceptions.RequestException as error:
            if deadline.expired and not isinstance(error, requests.exceptions.ConnectTimeout):
                problem = no_complete_answer(self.endpoint_url, self.timeout)
            else:
                problem = connection_problem(error, self.endpoint_url, self.timeout)
            raise HostingApiError(problem, ambiguous=True, **context)
        if deadline.expired:  # cut at the deadline, and what was read looked complete: it may not be
            raise HostingApiError(no_complete_answer(self.endpoint_url, self.timeout), ambiguous=True, **context)
        status = response.status_code
        query_id = response.headers.get("X-Ovh-QueryID")
        try:
            data = None if status == 204 else response.json()
        except ValueError:
            raise HostingApiError(
                "the answer is not JSON (%s)" % _excerpt(response.text), status=status, query_id=query_id,
                ambiguous=True, **context
            )
        if 200 <= status < 300:
            return data
        iam_actions = None
        if isinstance(data, dict):
            message = data.get("message") or json.dumps(data)
            error_code = data.get("errorCode")
            if isinstance(data.get("details"), dict):
                iam_actions = data["details"].get("unauthorizedActionsByIAM") or None
        else:
            message, error_code = json.dumps(data), None
        raise HostingApiError(
            message, status=status, query_id=query_id, error_code=error_code, ambiguous=status >= 500,
            iam_actions=iam_actions,
            retry_after=parse_retry_after(response.headers.get("Retry-After")) if status == 429 else None,
            **context
        )

    def _raw_call(self, method, path, body, need_auth):
        """The ovh client's ``raw_call``; with a service account, under the shared token, and once more with a new
        token when OVH answers 401 to this one (revoked, or expired sooner than it said)."""
        if self._shared_token is None or not need_auth:
            return self._client.raw_call(method, path, data=body, need_auth=need_auth)
        with plain_http_allowed(self.endpoint_url):
            token = self._shared_token.install(self._client._oauth2)
            if not self._oauth2_settled:  # the ovh client makes this session with the first token it holds
                _settle_environment(self._client._oauth2.session, self.endpoint_url)
                watch_session(self._client._oauth2.session)
                self._oauth2_settled = True
            response = self._client.raw_call(method, path, data=body, need_auth=need_auth)
            if response.status_code == 401:
                self._shared_token.install(self._client._oauth2, refused=token)
                response = self._client.raw_call(method, path, data=body, need_auth=need_auth)
        return response


def no_complete_answer(url, timeout) -> str:
    """An attempt cut at its deadline: no answer, or not all of it, within ``timeout`` seconds."""
    return "no complete answer from %s within %s s (timeout)" % (_where(url), _seconds(timeout))


def connection_problem(error, url, timeout) -> str:
    """What went wrong below HTTP, in an operator's words rather than urllib3's ("Max retries exceeded ...")."""
    parts = urlsplit(url)
    where = _where(url)
    causes = []
    cause = error
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__ or (cause.args[0] if cause.args and isinstance(
            cause.args[0], BaseException) else None) or getattr(cause, "reason", None)
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "no connection to %s within %s s (connect timeout)" % (where, _seconds(timeout))
    if isinstance(error, requests.exceptions.Timeout):
        return "no answer from %s within %s s (timeout)" % (where, _seconds(timeout))
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused by %s" % where
    if any(isinstance(cause, ConnectionResetError) for cause in causes):
        return "connection reset by %s" % where
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return "%s could not be resolved (DNS)" % parts.hostname
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS failed with %s: %s" % (where, _excerpt(str(error)))
    return "connection to %s failed: %s" % (where, _excerpt(str(causes[-1])))


def _where(url) -> str:
    parts = urlsplit(url)
    return "%s:%s" % (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def _seconds(timeout) -> str:
    return "%g" % timeout  # 3 and 2.5, not 3.0: the event source's options are floats


def _settle_environment(session, url):
    """Read once what requests reads from the environment on every call: proxies and the CA bundle.

    requests scans os.environ twice per call for them, a fifth of the client's CPU over a fleet; every call goes
    to the one endpoint, so the values it would find are the same each time. (It would also look up ~/.netrc,
    which OVH calls must not use: they are signed, never sent with Basic credentials.)
    """
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False


def _excerpt(text, size=120):
    text = " ".join((text or "").split())
    if not text:
        return "empty body"
    return repr(text[:size] + ("..." if len(text) > size else ""))
