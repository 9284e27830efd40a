# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounce ratio's two figures cover one window, OVH's day, on the simulator's clock: a hosting that bounced
yesterday evening and sends a little after midnight is judged by today's mails and today's bounces alone, at 00:30,
08:00 and 23:30 (Europe/Paris). The facts are read with the real ovh client, as email_info reads them."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from ansible_collections.mailops.ovh_hosting.plugins.filter.bounce_ratio import bounce_ratio
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import bounce_facts, email_facts
from ovhsim.testing import running_simulator

PARIS = ZoneInfo("Europe/Paris")
NAME = "clock-1.cluster021.hosting.ovh.net"


def sim_now(sim):
    return datetime.datetime.fromisoformat(sim.admin("GET", "/_sim/clock")["now"])


def advance_to(sim, when):
    seconds = (when - sim_now(sim)).total_seconds()
    assert seconds > 0
    sim.admin("POST", "/_sim/clock/advance", {"seconds": seconds})


def send(sim, count, bounce_rate):
    answer = sim.admin("POST", "/_sim/send", {"service_name": NAME, "count": count, "bounce_rate": bounce_rate})
    assert answer["queued"] == 0, answer
    return answer["bounced"]


def facts(sim, client):
    email = client.get(f"/hosting/web/{NAME}/email")
    hosting = email_facts(NAME, email)
    hosting["bounces"] = bounce_facts(client.get(f"/hosting/web/{NAME}/email/bounces", limit=100))
    return hosting


@pytest.fixture
def day():
    """A simulator whose hosting bounced hard yesterday evening; the Paris midnight that starts 'today'. One per test,
    so that each test stands alone (under xdist, tests of one module may run in different workers)."""
    with running_simulator(action_delay=0) as sim:
        # The model's own guard would move the hosting to 'bounce': this test is about the judging side.
        sim.admin("POST", "/_sim/config", {"bounce_threshold": 1})
        sim.admin("POST", "/_sim/hostings", {"service_name": NAME, "offer": "PERFORMANCE_1"})
        start = sim_now(sim).astimezone(PARIS)
        midnight = datetime.datetime.combine(start.date() + datetime.timedelta(days=2), datetime.time(), tzinfo=PARIS)
        advance_to(sim, midnight - datetime.timedelta(hours=3))
        evening = send(sim, 300, 0.3)
        assert evening > 20
        yield sim, sim.client(), midnight


def judged_at(sim, client, when):
    advance_to(sim, when)
    return bounce_ratio(facts(sim, client), min_sent=20, now=sim_now(sim).isoformat())


def test_at_0030_only_the_bounces_since_midnight_count(day):
    sim, client, midnight = day
    advance_to(sim, midnight + datetime.timedelta(minutes=10))
    bounced = send(sim, 21, 0.05)
    figures = judged_at(sim, client, midnight + datetime.timedelta(minutes=30))
    assert figures["sent"] == 21
    assert figures["bounces"] == bounced
    assert figures["window_start"] == midnight.isoformat()
    # The last 24 hours hold yesterday evening's bounces too: dividing those by today's mails is over 100 %.
    assert figures["ratio"] == round(bounced / 21, 4) and figures["ratio"] < 0.3


def test_at_0800_the_morning_counts_with_its_own_bounces(day):
    sim, client, midnight = day
    advance_to(sim, midnight + datetime.timedelta(hours=7))
    bounced = send(sim, 40, 0.05)
    figures = judged_at(sim, client, midnight + datetime.timedelta(hours=8))
    today = sum(1 for bounce in facts(sim, client)["bounces"]
                if datetime.datetime.fromisoformat(bounce["date"]) >= midnight)
    assert figures["sent"] == 40 and figures["bounces"] == today and today >= bounced
    assert figures["ratio"] == round(today / 40, 4)


def test_at_2330_the_whole_day_and_nothing_of_yesterday(day):
    sim, client, midnight = day
    advance_to(sim, midnight + datetime.timedelta(hours=23))
    send(sim, 100, 0.05)
    figures = judged_at(sim, client, midnight + datetime.timedelta(hours=23, minutes=30))
    bounces = facts(sim, client)["bounces"]
    today = sum(1 for bounce in bounces if datetime.datetime.fromisoformat(bounce["date"]) >= midnight)
    assert figures["sent"] == 100 and figures["bounces"] == today
    assert today < len(bounces)  # yesterday's evening is still in the last 24 hours, and left out
    assert figures["ratio"] == round(today / 100, 4)
