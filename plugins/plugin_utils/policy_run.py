# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The email_policy action's way through a play's hostings, each step once for all of them, in this process:
read what no fresh fact shows, weigh the guard (reading bounces only where the counters let it trigger), then
converge the hostings that differ from their policy.

The client is made only when a call is needed: a fleet whose fresh inventory facts show it compliant costs no
call at all.
"""

from __future__ import annotations

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import email_object
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_outcome import hostings_outcome
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_read import read_many
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_service import Wanted, converge
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy

# The guard's bounce read: the most GET .../email/bounces returns.
GUARD_BOUNCES = 100


class ReadRefused(Exception):
    """OVH refused the credentials: every hosting would fail alike, so nothing is judged."""


def run(policy, connect, check_mode=False, with_diff=False, wait_timeout=900, concurrency=8):
    """``policy``: the entries of ``email_policy.settings``; ``connect()`` makes the API client.
    Returns ``(judged, applied)`` as ``email_policy.results`` takes them (``applied`` None when nothing was
    asked of the API)."""
    client = _Lazy(connect)
    reads = []
    unread = [entry["service_name"] for entry in policy if entry["read_first"]]
    if unread:
        reads.append(_read(client(), unread, 0, concurrency))
    suspects = [entry["service_name"] for entry in email_policy.judge(policy, reads) if entry["needs_bounces"]]
    if suspects:
        reads.append(_read(client(), suspects, GUARD_BOUNCES, concurrency))
    judged = email_policy.judge(policy, reads)
    wanted = [_wanted(entry["request"]) for entry in judged if entry["request"]]
    if not wanted:
        return judged, None
    results = converge(client(), wanted, check_mode=check_mode, wait_timeout=wait_timeout, concurrency=concurrency)
    return judged, hostings_outcome(results, with_diff=with_diff)


def _read(api, names, bounces, concurrency) -> dict:
    """The read as ``email_policy.judge`` takes it (``email_info``'s result)."""
    read = read_many(api, names, bounces=bounces, concurrency=concurrency)
    if read.credentials_refused:
        raise ReadRefused(read.message())
    return dict(hostings=read.hostings, unreadable=read.unreadable())


def _wanted(request) -> Wanted:
    return Wanted(
        service_name=request["service_name"],
        state=request.get("state"),
        report_recipient=request.get("report_recipient"),
        allow_force=request["allow_force"],
        known=email_object(request["current"]) if request.get("current") is not None else None,
    )


class _Lazy:
    """``connect()``, called once, on first use."""

    def __init__(self, connect):
        self._connect, self._client = connect, None

    def __call__(self):
        if self._client is None:
            self._client = self._connect()
        return self._client
