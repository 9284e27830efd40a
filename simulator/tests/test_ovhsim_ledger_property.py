# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property: whatever sequence of sends, actions, spam flags and clock moves, every mail accepted is delivered,
queued, purged or expired, and the model's other invariants hold. Runs on the model directly (no HTTP) so
hypothesis can try many sequences quickly."""
from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ovhsim.clock import Clock, hour_of
from ovhsim.errors import ApiError
from ovhsim.model import QUEUE_LIFETIME, MailModel

NAMES = ["a-1.cluster021.hosting.ovh.net", "b-2.cluster021.hosting.ovh.net", "c-3.cluster021.hosting.ovh.net"]
START = 1_795_000_000.0


class MailFlow(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clock = Clock(real_time=lambda: START)
        self.model = MailModel(self.clock, {"action_delay": 0, "bounce_min_mails": 10}, seed=1)
        for name, offer in zip(NAMES, ["START", "PERSO", "PRO"]):
            self.model.upsert(name, offer=offer)

    @rule(name=st.sampled_from(NAMES), count=st.integers(0, 300), bounce_rate=st.sampled_from([0, 0.05, 0.3, 1]))
    def send(self, name, count, bounce_rate):
        result = self.model.send(name, count, bounce_rate)
        assert result["accepted"] == count
        assert result["delivered"] + result["queued"] <= count
        assert result["bounced"] <= result["delivered"]

    @rule(name=st.sampled_from(NAMES), action=st.sampled_from(["BLOCK", "UNBLOCK", "PURGE"]))
    def request(self, name, action):
        try:
            self.model.request_action(name, action)
        except ApiError as error:
            assert error.status in (403, 409)

    @rule(seconds=st.one_of(st.sampled_from([1, 60, 3599, 3600, 86400, 72 * 3600]), st.integers(0, 400_000)))
    def advance(self, seconds):
        self.clock.advance(seconds)
        self.model.run_until(self.clock.now())

    @rule(name=st.sampled_from(NAMES))
    def flag_spam(self, name):
        self.model.flag_spam(name)

    @rule(name=st.sampled_from(NAMES), state=st.sampled_from(["ok", "force", "ko", "bounce", "spam"]))
    def set_state(self, name, state):
        self.model.upsert(name, state=state)

    @rule(delay=st.sampled_from([0, 30, 7200]))
    def set_action_delay(self, delay):
        self.model.config["action_delay"] = delay

    @invariant()
    def ledger_balances(self):
        assert self.model.ledger()["balanced"]
        for hosting in self.model.hostings.values():
            view = hosting.ledger_view()
            assert min(view.values()) >= 0
            assert view["accepted"] == view["delivered"] + view["queued"] + view["purged"] + view["expired"]
            assert hosting.sent == view["delivered"]
            assert 0 <= hosting.bounce <= hosting.sent
            assert all(batch["count"] > 0 for batch in hosting.queue)

    @invariant()
    def nothing_overdue_is_left(self):
        now = self.clock.now()
        for hosting in self.model.hostings.values():
            if not hosting.sending:  # a sending hosting delays mail over its quota, never drops it
                assert all(batch["at"] + QUEUE_LIFETIME > now for batch in hosting.queue)
            assert hosting.pending is None or hosting.pending["due"] > now
            assert (hosting.state == "purging") == (hosting.pending is not None
                                                    and hosting.pending["action"] == "PURGE")
            if hosting.sending and hosting.queue:  # a sending hosting only queues over its hourly quota
                assert hosting.quota_hour == hour_of(now)
                assert hosting.quota_used >= hosting.hourly_quota


MailFlow.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                      suppress_health_check=[HealthCheck.too_slow])
test_mail_flow_ledger = MailFlow.TestCase
