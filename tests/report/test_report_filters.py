# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters behind the report and the policy guard: bounce_ratio, email_report, volume_chart."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import jsonschema
import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.mailops.ovh_hosting.plugins.filter.bounce_ratio import bounce_ratio
from ansible_collections.mailops.ovh_hosting.plugins.filter.email_report import email_report
from ansible_collections.mailops.ovh_hosting.plugins.filter.volume_chart import volume_chart

from report_fleet import fleet, unreadable

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "roles/email_report/files/report.schema.json").read_text())

UNREADABLE = unreadable()


def hosting(sent_today=100, bounce_ages_hours=(), **fields):
    bounces = [{"date": (NOW - datetime.timedelta(hours=age)).isoformat(), "to": f"u{index}@example.org",
                "message": "550 5.1.1 User unknown", "category": "unknown_user"}
               for index, age in enumerate(bounce_ages_hours)]
    return {"service_name": "shop-1.cluster021.hosting.ovh.net", "state": "ok", "report_recipient": "ops@example.com",
            "sent_total": 1000, "sent_today": sent_today, "bounced_total": 10, "max_per_day": 2400,
            "bounces": bounces, **fields}


class TestBounceRatio:
    def test_counts_the_bounces_of_the_same_day_as_sent_today(self):
        # NOW is 13:00 in Paris: midnight was 13 hours ago; sent_today counts from then, and so do the bounces.
        figures = bounce_ratio(hosting(sent_today=50, bounce_ages_hours=(1, 12.9, 13.1, 23.9, 48)), now=NOW.isoformat())
        assert figures == {"bounces": 2, "sent": 50, "ratio": 0.04, "judged": True, "window_hours": 24,
                           "window_start": "2026-11-26T00:00:00+01:00"}

    def test_compares_instants_across_offsets(self):
        # 13:30 in Paris is 12:30 UTC: half an hour after NOW, inside the window, while 10:30+01:00 is 09:30 UTC.
        facts = hosting(sent_today=10)
        facts["bounces"] = [{"date": "2026-11-26T13:30:00+01:00"}, {"date": "2026-11-25T10:30:00+01:00"}]
        assert bounce_ratio(facts, now=NOW.isoformat())["bounces"] == 1

    def test_under_min_sent_is_not_judged(self):
        figures = bounce_ratio(hosting(sent_today=3, bounce_ages_hours=(1, 2, 3)), min_sent=20, now=NOW.isoformat())
        assert figures["judged"] is False and figures["ratio"] is None and figures["bounces"] == 3

    def test_nothing_sent_is_not_judged_even_without_min_sent(self):
        assert bounce_ratio(hosting(sent_today=0, bounce_ages_hours=(1,)), now=NOW.isoformat())["ratio"] is None

    def test_rejects_what_is_not_a_hosting(self):
        with pytest.raises(AnsibleFilterError, match="a dict"):
            bounce_ratio(["shop-1"])

    def test_names_the_hosting_on_an_unreadable_date(self):
        facts = hosting()
        facts["bounces"] = [{"date": "yesterday"}]
        with pytest.raises(AnsibleFilterError, match="shop-1.cluster021"):
            bounce_ratio(facts)


class TestEmailReport:
    def report(self, **policy):
        return email_report(fleet(NOW), now=NOW.isoformat(), **policy)

    def test_matches_the_published_schema(self):
        jsonschema.validate(self.report(require_recipient=True), SCHEMA)

    def test_judges_each_rule(self):
        report = self.report(require_recipient=True)
        rules = {entry["service_name"].split(".")[0]: [v["rule"] for v in entry["violations"]]
                 for entry in report["hostings"]}
        assert rules == {
            "blocked": ["state_not_allowed"],
            "bouncy": ["bounce_ratio"],          # 12 bounces for 40 sent: 30 %
            "forced": [],                        # 3 for 30: exactly 10 %, not over
            "healthy": [],
            "noreport": ["no_report_recipient"],
            "quiet": [],                         # 2 bounces for 3 sent: under min_sent, not judged
            "spammer": ["state_not_allowed", "no_report_recipient"],
        }
        assert report["totals"]["violating"] == 4
        assert report["totals"]["states"] == {"ok": 4, "force": 1, "ko": 1, "bounce": 0, "spam": 1, "purging": 0}

    def test_policy_from_extra_vars_strings(self):
        report = self.report(allowed_states="ok,force,ko", require_recipient="false", max_bounce_ratio="0.5",
                             min_sent="20")
        assert report["policy"]["allowed_states"] == ["ok", "force", "ko"]
        assert report["policy"]["require_recipient"] is False
        assert [entry["service_name"] for entry in report["hostings"] if entry["violations"]] == [
            "spammer.cluster022.hosting.ovh.net"]

    def test_no_ratio_threshold_judges_no_ratio(self):
        report = self.report(max_bounce_ratio=None)
        assert not any(v["rule"] == "bounce_ratio" for entry in report["hostings"] for v in entry["violations"])

    def test_latest_bounces_newest_first_and_limited(self):
        entry = next(e for e in self.report(latest_bounces=3)["hostings"] if e["service_name"].startswith("bouncy"))
        dates = [datetime.datetime.fromisoformat(bounce["date"]) for bounce in entry["latest_bounces"]]
        assert len(dates) == 3 and dates == sorted(dates, reverse=True)
        assert entry["bounce_categories"] == {"mailbox_full": 6, "unknown_user": 6}

    def test_volumes_fill_a_window_ending_on_the_newest_day(self):
        report = self.report(days=30)
        assert report["volume_window"]["days"] == 30
        for entry in report["hostings"]:
            days = [point["date"] for point in entry["volumes"]]
            assert len(days) == 30 and days[-1] == report["volume_window"]["end"] and days == sorted(days)
        empty = next(e for e in report["hostings"] if e["service_name"].startswith("noreport"))
        assert {point["volume"] for point in empty["volumes"]} == {0}

    def test_keeps_generated_at_while_the_content_is_the_same(self):
        first = self.report()
        later = (NOW + datetime.timedelta(minutes=5)).isoformat()
        same = email_report(fleet(NOW), now=later, previous=first)
        assert same == first
        changed_fleet = fleet(NOW)
        changed_fleet[0]["sent_today"] += 1
        changed = email_report(changed_fleet, now=later, previous=first)
        assert changed["generated_at"] != first["generated_at"]
        assert changed["content_digest"] != first["content_digest"]

    def test_unreadable_hostings_are_listed_apart_sorted_and_counted(self):
        report = self.report(unreadable=UNREADABLE)
        jsonschema.validate(report, SCHEMA)
        assert report["unreadable"] == [UNREADABLE[1], UNREADABLE[0]]  # sorted by service name
        assert report["totals"]["unreadable"] == 2
        assert report["totals"]["hostings"] == len(fleet(NOW))  # hostings read; the unreadable are not judged
        assert report["totals"]["violating"] == self.report()["totals"]["violating"]

    def test_no_unreadable_is_an_empty_list(self):
        report = self.report()
        assert report["unreadable"] == [] and report["totals"]["unreadable"] == 0

    def test_the_unreadable_hostings_are_part_of_the_content(self):
        first = self.report(unreadable=UNREADABLE)
        later = (NOW + datetime.timedelta(minutes=5)).isoformat()
        assert email_report(fleet(NOW), now=later, previous=first, unreadable=list(reversed(UNREADABLE))) == first
        recovered = email_report(fleet(NOW), now=later, previous=first)
        assert recovered["generated_at"] != first["generated_at"]
        other_query = [UNREADABLE[0], dict(UNREADABLE[1], query_id="EU.ext-1.other")]
        assert email_report(fleet(NOW), now=later, previous=first, unreadable=other_query)["content_digest"] != \
            first["content_digest"]

    @pytest.mark.parametrize("unreadable, message", [
        ("down.cluster025.hosting.ovh.net", "unreadable expects a list of dicts"),
        ([{"status": 500}], "every unreadable hosting needs a service_name"),
        ([{"service_name": "healthy.cluster021.hosting.ovh.net"}], "both among the hostings read and the unreadable"),
        ([{"service_name": "down.cluster025.hosting.ovh.net", "status": "teapot"}], "unreadable hosting facts"),
    ])
    def test_rejects_unreadable_hostings_it_cannot_report(self, unreadable, message):
        with pytest.raises(AnsibleFilterError, match=message):
            self.report(unreadable=unreadable)

    def test_rejects_facts_without_state(self):
        with pytest.raises(AnsibleFilterError, match="service_name and state"):
            email_report([{"service_name": "shop-1.cluster021.hosting.ovh.net"}])


class TestVolumeChart:
    def series(self, volumes):
        return [{"date": f"2026-11-{day + 1:02d}", "volume": volume} for day, volume in enumerate(volumes)]

    def test_busiest_day_fills_the_plot_and_bars_sit_on_the_baseline(self):
        chart = volume_chart(self.series([0, 5, 10, 1000]), width=400, height=100)
        assert chart["max"] == 1000 and chart["total"] == 1015 and not chart["empty"]
        tallest = chart["bars"][3]
        assert chart["baseline"] == 86 and tallest["y"] == 12  # 14 under the axis for labels, 12 above for the scale
        for column in chart["bars"]:
            assert column["y"] + column["height"] == pytest.approx(chart["baseline"])
            assert 0 <= column["x"] and column["x"] + column["width"] <= 400
        assert chart["bars"][0]["height"] == 0
        assert chart["bars"][1]["height"] >= 1.5  # a quiet day stays visible next to a busy one

    def test_bars_are_evenly_spaced_in_date_order(self):
        chart = volume_chart(self.series([1] * 30), width=300)
        gaps = {round(b["x"] - a["x"], 6) for a, b in zip(chart["bars"], chart["bars"][1:])}
        assert gaps == {10.0}
        assert (chart["first_label"], chart["last_label"]) == ("11-01", "11-30")

    def test_no_mail_is_an_empty_chart(self):
        chart = volume_chart(self.series([0, 0, 0]))
        assert chart["empty"] and chart["max"] == 0 and all(column["height"] == 0 for column in chart["bars"])

    def test_rejects_a_view_box_too_small(self):
        with pytest.raises(AnsibleFilterError, match="too small"):
            volume_chart(self.series([1]), width=100, height=20)
