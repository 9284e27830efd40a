# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OAuth2 service accounts (client credentials): the token URL of an endpoint, one access token shared by the
clients of every thread and renewed before it expires, and plain HTTP allowed on loopback only.

The API calls themselves go through the ``ovh`` client's OAuth2 session (``raw_call``); this file decides which
token that session holds.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
import time
from urllib.parse import urlsplit

try:
    import ovh.client
    import ovh.exceptions
    import ovh.oauth2
    import requests
    from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error
except ImportError:
    HAS_OAUTH2 = False
else:
    HAS_OAUTH2 = hasattr(ovh.client, "OAUTH2_TOKEN_URLS")  # ovh >= 1.2.0

from .deadline import watch_session
from .errors import HostingApiError

TOKEN_PATH = "/auth/oauth2/token"
INSECURE_TRANSPORT = "OAUTHLIB_INSECURE_TRANSPORT"
# Renew this long before the token's end, so that none expires on its way to OVH; a quarter of the lifetime for
# tokens shorter than four times this.
EXPIRY_MARGIN = 10.0


def token_url_for(endpoint_url: str) -> str:
    """The token URL of a ``scheme://host[:port]/1.0`` endpoint: ``/auth/oauth2/token`` beside ``/1.0``, where
    the simulator serves it (OVH's own endpoints have theirs in ``ovh.client.OAUTH2_TOKEN_URLS``)."""
    return endpoint_url[:-len("/1.0")] + TOKEN_PATH


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(endpoint_url: str, token_url: str) -> str | None:
    """Why OAuth2 may not be used with these URLs, or None. A bearer token and the client secret sent over plain
    HTTP can be read by anyone on the path: that is refused, except on loopback (the simulator), where there is
    no path."""
    for url in (endpoint_url, token_url):
        if url.lower().startswith("http://") and not is_loopback(url):
            return ("OAuth2 client credentials are not sent over plain HTTP (%s): use an https:// endpoint; "
                    "http:// is accepted on loopback only, for the simulator" % url)
    return None


_insecure_lock = threading.Lock()
_insecure_users = 0
_insecure_before = None


@contextlib.contextmanager
def plain_http_allowed(url: str):
    """Lift oauthlib's refusal of http:// URLs for the duration of one call to a loopback ``url``.

    oauthlib refuses http:// token and API URLs unless OAUTHLIB_INSECURE_TRANSPORT is set, which it reads at each
    check. The simulator serves plain HTTP on loopback, where the secret and token cross no network, and has no
    dependency that could make it a certificate; so the switch is turned on only while a call to a loopback URL
    runs, and restored after the last concurrent one. A URL that is not loopback never turns it on, and
    plain_http_problem() refused http:// to any other host before any call; https:// needs nothing.
    """
    global _insecure_users, _insecure_before  # pylint: disable=global-statement
    if not (url.lower().startswith("http://") and is_loopback(url)):
        yield
        return
    with _insecure_lock:
        if _insecure_users == 0:
            _insecure_before = os.environ.get(INSECURE_TRANSPORT)
            os.environ[INSECURE_TRANSPORT] = "1"
        _insecure_users += 1
    try:
        yield
    finally:
        with _insecure_lock:
            _insecure_users -= 1
            if _insecure_users == 0:
                if _insecure_before is None:
                    os.environ.pop(INSECURE_TRANSPORT, None)
                else:
                    os.environ[INSECURE_TRANSPORT] = _insecure_before


def _expired(token: dict, now: float) -> bool:
    expires_at = token.get("expires_at")
    if expires_at is None:
        return False
    try:
        margin = min(EXPIRY_MARGIN, float(token.get("expires_in", EXPIRY_MARGIN * 4)) / 4)
    except (TypeError, ValueError):
        margin = EXPIRY_MARGIN
    return float(expires_at) - margin <= now


class SharedToken:
    """The access token of one service account, fetched once and shared by the clients of every thread; renewed
    when it nears its end, or when OVH refused it (revoked, or expired sooner than announced)."""

    def __init__(self, client_id: str, client_secret: str, token_url: str, timeout):
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.timeout = timeout
        self._lock = threading.Lock()
        self._token = None
        self._refused = None  # the token endpoint's refusal, told to every thread rather than asked again

    def current(self, refused=None) -> dict:
        """A token to send: the one held unless it nears its end, or is ``refused`` (then a new one)."""
        with self._lock:
            if self._refused is not None:
                raise self._refused
            if self._token is None or self._token is refused or _expired(self._token, time.time()):
                try:
                    self._token = self._fetch()
                except HostingApiError as error:
                    if not error.ambiguous:
                        self._refused = error
                    raise
            return self._token

    def install(self, oauth2, refused=None) -> dict:
        """Hand the current token to one ``ovh`` client's OAuth2 session; returns it."""
        token = self.current(refused)
        oauth2._token = token  # before the session exists: the ovh client would fetch a token of its own
        if oauth2.session.token is not token:
            oauth2.session.token = token
        return token

    def _fetch(self) -> dict:
        """The ``ovh`` client's own token request (client credentials, scope ``all``), with the timeout it lacks."""
        context = dict(method="POST", path=urlsplit(self.token_url).path)
        session = ovh.oauth2.RefreshOAuth2Session(
            token_url=self.token_url, client=BackendApplicationClient(client_id=self.client_id, scope=["all"]))
        watch_session(session)  # under the deadline of the call that needs the token
        answer = {}

        def seen(response):  # the status and query id of the answer, which the ovh client's error lacks
            answer.update(status=response.status_code, query_id=response.headers.get("X-Ovh-QueryID"))
            return response

        session.register_compliance_hook("access_token_response", seen)
        try:
            return session.fetch_token(token_url=self.token_url, client_id=self.client_id,
                                       client_secret=self._client_secret, timeout=self.timeout)
        except requests.exceptions.RequestException as error:
            raise HostingApiError("no OAuth2 token from %s: %s" % (self.token_url, _excerpt(str(error))),
                                  ambiguous=True, **context)
        except (ovh.exceptions.APIError, OAuth2Error) as error:
            raise HostingApiError(
                "OAuth2 token refused by %s (%s). Check client_id and client_secret: the service account may have "
                "been deleted or its secret renewed" % (self.token_url, _excerpt(str(error))),
                ambiguous=answer.get("status", 0) >= 500, **answer, **context)
        finally:
            session.close()


def _excerpt(text, size=200):
    text = " ".join((text or "").split())
    return text[:size] + ("..." if len(text) > size else "")
