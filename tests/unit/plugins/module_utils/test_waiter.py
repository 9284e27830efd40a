# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.waiter import WaitTimeout, timeout_message


def test_the_message_says_how_long_what_for_and_each_state_seen():
    assert timeout_message(10, "blocked (ko)", 5, ["ok", "purging", "ok"]) == (
        "timed out after 10 s waiting for the e-mail state to become blocked (ko); seen in 5 reads: "
        "ok -> purging -> ok")


def test_a_fraction_of_a_second_is_kept():
    assert timeout_message(0.5, "ko", 1, ["ok"]).startswith("timed out after 0.5 s")


def test_the_timeout_keeps_the_last_object_read():
    error = WaitTimeout("hosting a.example: timed out", last_email={"state": "ok"})
    assert str(error) == "hosting a.example: timed out" and error.last_email == {"state": "ok"}
