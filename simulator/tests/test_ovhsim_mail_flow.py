# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mail flow: quotas, queue, 72-hour expiry, bounces, the bounce and spam states, daily counters and reports."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ovhsim.clock import PARIS, Clock
from ovhsim.model import MailModel

HOUR = 3600
# Simulated time is real time plus an offset: boundaries are checked this many seconds before and after, so
# that a slow machine's real seconds between two calls cannot cross them.
MARGIN = 300


def send(sim, name, count, **extra):
    return sim.admin("POST", "/_sim/send", dict(service_name=name, count=count, **extra))


def advance(sim, seconds):
    return sim.admin("POST", "/_sim/clock/advance", {"seconds": seconds})


def record(sim, name):
    return sim.admin("GET", f"/_sim/hostings/{name}")


def to_next_hour(sim):
    """Move the clock to the first second of the next hour (a fresh quota slot)."""
    now = sim.admin("GET", "/_sim/clock")["timestamp"]
    advance(sim, HOUR - now % HOUR)


@pytest.mark.parametrize("offer, quota", [("starter", 20), ("perso", 100), ("pro", 200), ("performance", 2000)])
def test_hourly_quota_of_the_offer_delays_the_rest(sim, client, hosting, offer, quota):
    name = hosting(offer=offer)
    to_next_hour(sim)
    assert send(sim, name, quota + 15) == {"accepted": quota + 15, "delivered": quota, "queued": 15, "bounced": 0}
    assert client.get(f"/hosting/web/{name}/email")["sent"] == quota
    advance(sim, HOUR - MARGIN)
    assert record(sim, name)["queue_size"] == 15
    advance(sim, MARGIN)
    assert record(sim, name)["queue_size"] == 0
    assert client.get(f"/hosting/web/{name}/email")["sent"] == quota + 15


def test_over_quota_mails_drain_one_quota_per_hour(sim, hosting):
    name = hosting(offer="starter")
    to_next_hour(sim)
    send(sim, name, 70)
    sent = []
    for _hour in range(4):
        sent.append(record(sim, name)["sent"])
        advance(sim, HOUR)
    assert sent == [20, 40, 60, 70]


def test_hours_without_requests_do_not_lend_the_queue_their_quotas():
    """Real time passes between requests without anything falling due; mails queued over the quota of the hour
    still wait for the next hour, they are not delivered at once, dated in the hours that passed before."""
    start = datetime(2026, 11, 25, 10, 30, tzinfo=PARIS).timestamp()
    real_time = [start]
    model = MailModel(Clock(real_time=lambda: real_time[0]))
    name = "shop-1.cluster021.hosting.ovh.net"
    model.upsert(name, offer="PERSO")
    real_time[0] = start + 3 * HOUR + 50 * 60  # 14:20, no request since 10:30
    assert model.send(name, 250) == {"accepted": 250, "delivered": 100, "queued": 150, "bounced": 0}
    real_time[0] += 60
    model.sync()
    assert (model.hostings[name].sent, model.hostings[name].queue_size) == (100, 150)
    real_time[0] = datetime(2026, 11, 25, 15, 0, tzinfo=PARIS).timestamp()
    model.sync()
    assert (model.hostings[name].sent, model.hostings[name].queue_size) == (200, 50)


@pytest.mark.parametrize("state", ["ko", "bounce", "spam"])
def test_mails_wait_in_the_queue_when_the_hosting_does_not_send(sim, client, hosting, state):
    name = hosting(state=state)
    assert send(sim, name, 12) == {"accepted": 12, "delivered": 0, "queued": 12, "bounced": 0}
    assert client.get(f"/hosting/web/{name}/email")["sent"] == 0
    assert record(sim, name)["queue_size"] == 12


def test_queued_mails_expire_after_72_hours(sim, hosting):
    name = hosting(state="ko")
    send(sim, name, 10)
    advance(sim, 24 * HOUR)
    send(sim, name, 5)
    advance(sim, 48 * HOUR - MARGIN)
    assert record(sim, name)["ledger"]["expired"] == 0
    advance(sim, MARGIN)
    assert record(sim, name)["ledger"] == {"accepted": 15, "delivered": 0, "queued": 5, "purged": 0, "expired": 10}
    advance(sim, 24 * HOUR)
    assert record(sim, name)["ledger"]["expired"] == 15


def test_mails_delayed_over_the_quota_are_never_dropped():
    """Over the hourly quota of a sending hosting mail is delayed, not dropped: only a hosting that does not send
    expires its queue, 72 h after each mail; a backlog older than that goes as soon as the hosting is blocked."""
    start = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS).timestamp()
    real_time = [start]
    model = MailModel(Clock(real_time=lambda: real_time[0]))
    name = "shop-1.cluster021.hosting.ovh.net"
    model.upsert(name, offer="START")  # 20 an hour: 2,000 mails take 100 hours
    model.send(name, 2000)
    real_time[0] += 80 * HOUR
    model.sync()
    assert model.hostings[name].ledger_view() == {"accepted": 2000, "delivered": 1620, "queued": 380, "purged": 0,
                                                  "expired": 0}
    real_time[0] += 20 * HOUR
    model.sync()
    assert model.hostings[name].ledger_view()["delivered"] == 2000
    model.send(name, 2000)
    real_time[0] += 80 * HOUR
    model.sync()
    assert model.request_action(name, "BLOCK")
    real_time[0] += HOUR
    model.sync()
    assert model.hostings[name].state == "ko"
    assert model.hostings[name].ledger_view() == {"accepted": 4000, "delivered": 3620, "queued": 0, "purged": 0,
                                                  "expired": 380}


def test_unblock_delivers_the_queue(sim, client, hosting):
    name = hosting(state="ko", offer="pro")
    send(sim, name, 30)
    client.post(f"/hosting/web/{name}/email/request", action="UNBLOCK")
    assert client.get(f"/hosting/web/{name}/email")["sent"] == 30
    assert record(sim, name)["ledger"] == {"accepted": 30, "delivered": 30, "queued": 0, "purged": 0, "expired": 0}


def test_purge_deletes_the_queue_and_keeps_the_bounce_log(sim, client, hosting):
    name = hosting()
    send(sim, name, 3, recipients=["gone@example.org"], bouncing=["gone@example.org"])
    client.post(f"/hosting/web/{name}/email/request", action="BLOCK")
    send(sim, name, 40)
    client.post(f"/hosting/web/{name}/email/request", action="PURGE")
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"
    assert record(sim, name)["ledger"] == {"accepted": 43, "delivered": 3, "queued": 0, "purged": 40, "expired": 0}
    assert len(client.get(f"/hosting/web/{name}/email/bounces", limit=100)) == 3
    assert client.get(f"/hosting/web/{name}/email")["bounce"] == 3


def test_bounced_mails_are_counted_and_logged_with_smtp_messages(sim, client, hosting):
    name = hosting(offer="performance")
    result = send(sim, name, 1000, bounce_rate=0.05)
    email = client.get(f"/hosting/web/{name}/email")
    assert 20 < result["bounced"] < 90
    assert email["bounce"] == result["bounced"]
    assert email["sent"] == 1000
    messages = [bounce["message"] for bounce in client.get(f"/hosting/web/{name}/email/bounces", limit=100)]
    assert all(message and message[0].isdigit() or message.startswith("Host or domain") for message in messages)
    assert len({message[:3] for message in messages}) > 2


def test_explicit_bouncing_recipients_bounce_as_unknown_users(sim, client, hosting):
    name = hosting()
    result = send(sim, name, 4, recipients=["a@example.org", "nobody@example.org"], bouncing=["nobody@example.org"])
    assert result["bounced"] == 2
    bounces = client.get(f"/hosting/web/{name}/email/bounces", limit=10)
    assert {bounce["to"] for bounce in bounces} == {"nobody@example.org"}
    assert all("nobody@example.org" in b["message"] or "does not exist" in b["message"] or "mailbox" in b["message"]
               for b in bounces)


def test_domains_as_recipients_make_addresses_in_them(sim, client, hosting):
    name = hosting()
    send(sim, name, 3, recipients=["example.net"], bounce_rate=1.0)
    assert all(b["to"].endswith("@example.net") for b in client.get(f"/hosting/web/{name}/email/bounces", limit=5))


def test_a_high_bounce_ratio_moves_the_hosting_to_bounce(sim, client, hosting):
    name = hosting(offer="pro")
    sim.admin("POST", "/_sim/config", {"bounce_threshold": 0.1, "bounce_min_mails": 20})
    send(sim, name, 40, bounce_rate=0.05, recipients=["ok.example"], bouncing=[])
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"
    send(sim, name, 20, recipients=["x@example.org"], bouncing=["x@example.org"])
    assert client.get(f"/hosting/web/{name}/email")["state"] == "bounce"
    assert send(sim, name, 5)["queued"] == 5


def test_force_allows_twice_the_bounce_ratio(sim, client, hosting):
    sim.admin("POST", "/_sim/config", {"bounce_threshold": 0.1, "bounce_min_mails": 20})
    name = hosting(state="bounce", offer="pro")
    client.post(f"/hosting/web/{name}/email/request", action="UNBLOCK")
    assert client.get(f"/hosting/web/{name}/email")["state"] == "force"
    bouncing = [f"b{i}@example.org" for i in range(15)]
    good = [f"g{i}@example.org" for i in range(85)]
    send(sim, name, 100, recipients=bouncing + good, bouncing=bouncing)   # 15 %: over 10 %, under 20 %
    assert client.get(f"/hosting/web/{name}/email")["state"] == "force"
    send(sim, name, 20, recipients=bouncing[:1], bouncing=bouncing[:1])  # 35 of 120: over 20 %
    assert client.get(f"/hosting/web/{name}/email")["state"] == "bounce"


def test_too_few_mails_give_no_bounce_verdict(sim, client, hosting):
    name = hosting()
    send(sim, name, 5, recipients=["x@example.org"], bouncing=["x@example.org"])
    assert client.get(f"/hosting/web/{name}/email")["state"] == "ok"


def test_flag_spam_stops_sending_and_shows_in_abuse_state(sim, client, hosting):
    name = hosting()
    sim.admin("POST", "/_sim/flag-spam", {"service_name": name})
    assert client.get(f"/hosting/web/{name}/email")["state"] == "spam"
    assert send(sim, name, 3)["queued"] == 3


def test_sent_today_resets_at_midnight_paris(sim, client, hosting):
    name = hosting()
    now = datetime.fromtimestamp(sim.admin("GET", "/_sim/clock")["timestamp"], PARIS)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), PARIS)
    if (midnight - now).total_seconds() < 3 * MARGIN:   # too close to run the steps below: take the next one
        midnight += timedelta(days=1)
    advance(sim, (midnight - now).total_seconds() - 2 * MARGIN)   # 23:50 Paris
    send(sim, name, 8)
    assert client.get(f"/hosting/web/{name}/email")["sentToday"] == 8
    advance(sim, MARGIN)
    assert client.get(f"/hosting/web/{name}/email")["sentToday"] == 8
    advance(sim, MARGIN)
    email = client.get(f"/hosting/web/{name}/email")
    assert (email["sentToday"], email["sent"]) == (0, 8)
    send(sim, name, 2)
    volumes = client.get(f"/hosting/web/{name}/email/volumes")
    assert [v["volume"] for v in volumes] == [8, 2]
    assert volumes[1]["date"].startswith(midnight.date().isoformat())


def test_daily_report_of_bounces_goes_to_the_recipient(sim, hosting):
    name = hosting(email="mail-errors@example.com")
    quiet = hosting("quiet-1.cluster021.hosting.ovh.net", email="ops@example.com")
    unset = hosting("noreport-1.cluster021.hosting.ovh.net")
    for each in (name, unset):
        send(sim, each, 2, recipients=["gone@example.org"], bouncing=["gone@example.org"])
    send(sim, quiet, 5)
    advance(sim, 86400)
    outbox = sim.admin("GET", "/_sim/outbox")
    assert [(m["to"], m["service_name"]) for m in outbox] == [("mail-errors@example.com", name)]
    assert outbox[0]["body"].count("  gone@example.org  ") == 2
    assert "in error" in outbox[0]["subject"]
    advance(sim, 86400)
    assert len(sim.admin("GET", "/_sim/outbox")) == 1


def test_daily_report_says_when_it_lists_only_the_newest_bounces(sim, hosting):
    name = hosting(email="mail-errors@example.com", offer="performance")
    sim.admin("POST", "/_sim/config", {"bounce_threshold": 1})  # let every mail bounce without a verdict
    to_next_hour(sim)
    send(sim, name, 600, bounce_rate=1)
    advance(sim, 86400)
    body = sim.admin("GET", "/_sim/outbox")[0]["body"]
    assert "600 e-mail(s) sent by the scripts" in body
    assert "could not be delivered; the 500 most recent:" in body
    assert len([line for line in body.splitlines() if line.startswith("2")]) == 500


def test_ledger_balances_across_the_fleet(sim):
    sim.admin("POST", "/_sim/seed", {"fleet": 30, "profile": "mixed", "seed": 7})
    for name in sim.client().get("/hosting/web")[:10]:
        send(sim, name, 50, bounce_rate=0.1)
    advance(sim, 80 * HOUR)
    ledger = sim.admin("GET", "/_sim/ledger")
    assert ledger["balanced"] is True
    assert sum(row["expired"] for row in ledger["hostings"].values()) > 0


def test_admin_numbers_may_be_numeric_strings(sim, hosting):
    name = hosting(offer="pro")
    assert send(sim, name, "38", bounce_rate="0")["delivered"] == 38
    assert sim.admin("POST", "/_sim/config", {"action_delay": "1.5"})["action_delay"] == 1.5


@pytest.mark.parametrize("body, named", [
    ({"count": -1}, "count"), ({"count": "many"}, "count"), ({"count": 2.5}, "count"), ({"count": True}, "count"),
    ({"count": 1, "bounce_rate": 1.5}, "bounce_rate"), ({"count": 1, "recipients": "a@example.org"}, "recipients"),
    ({"count": 1, "colour": 1}, "colour"), ({}, "count"),
])
def test_admin_send_refuses_bad_input_naming_it(sim, hosting, body, named):
    from ovhsim.testing import AdminError

    name = hosting()
    with pytest.raises(AdminError) as raised:
        sim.admin("POST", "/_sim/send", dict(service_name=name, **body))
    assert raised.value.status == 400
    assert named in raised.value.body["message"]
    assert sim.admin("GET", "/_sim/ledger")["hostings"][name]["accepted"] == 0


@pytest.mark.parametrize("path, body", [
    ("/_sim/send", {"service_name": ["x"], "count": 1}), ("/_sim/flag-spam", {"service_name": ["x"]}),
    ("/_sim/hostings", {"service_name": 5}), ("/_sim/keys/revoke", {"consumer_key": ["x"]}),
    ("/_sim/seed", {"profile": ["mixed"]}),
])
def test_admin_names_of_the_wrong_type_get_400_naming_the_field(sim, path, body):
    from ovhsim.testing import AdminError

    with pytest.raises(AdminError) as raised:
        sim.admin("POST", path, body)
    assert raised.value.status == 400
    assert "%s must be a string" % next(iter(body)) in raised.value.body["message"]
