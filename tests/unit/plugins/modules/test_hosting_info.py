# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
import responses

from ansible_collections.mailops.ovh_hosting.plugins.modules import hosting_info

from ovh_api_mock import API, CREDENTIALS, call_list

NAMES = ["shop.cluster021.hosting.ovh.net", "blog.cluster030.hosting.ovh.net", "api.cluster021.hosting.ovh.net"]


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(API + "/auth/time", json=1764000000)
        mock.get(API + "/hosting/web", json=NAMES)
        yield mock


def test_names_sorted_one_call(api, run_module):
    result, failed = run_module(hosting_info.main, dict(CREDENTIALS))
    assert not failed
    assert call_list(api) == [("GET", "/auth/time"), ("GET", "/hosting/web")]
    assert result == {"changed": False, "hostings": [{"service_name": n} for n in sorted(NAMES)]}


def test_pattern_and_details(api, run_module):
    for name in NAMES[::2]:
        login = name.split(".", maxsplit=1)[0]
        api.get(API + "/hosting/web/" + name, json={
            "serviceName": name, "displayName": login.title(), "offer": "perso2014",
            "cluster": "cluster021", "datacenter": "gra3", "state": "active", "home": "/homez.1/" + login,
            "primaryLogin": login, "defaultAttachedDomain": login + ".example.com",
            "serviceManagementAccess": {"ftp": {"url": "ftp.cluster021.hosting.ovh.net", "port": 21},
                                        "ssh": {"url": "ssh.cluster021.hosting.ovh.net", "port": 22},
                                        "http": {"url": login + ".cluster021.hosting.ovh.net", "port": 80}}})
    result, failed = run_module(hosting_info.main, dict(CREDENTIALS, pattern="*.cluster021.*", details=True),
                                check_mode=True)
    assert not failed
    assert call_list(api)[:2] == [("GET", "/auth/time"), ("GET", "/hosting/web")]
    assert sorted(call_list(api)[2:]) == [("GET", "/hosting/web/" + NAMES[2]), ("GET", "/hosting/web/" + NAMES[0])]

    def facts(name, login):
        ftp = {"host": "ftp.cluster021.hosting.ovh.net", "port": 21}
        return {"service_name": name, "display_name": login.title(), "offer": "perso2014", "cluster": "cluster021",
                "datacenter": "gra3", "state": "active", "primary_login": login, "home": "/homez.1/" + login,
                "default_attached_domain": login + ".example.com",
                # A Personal plan has no SSH: the ssh address the API lists is not offered as a way in.
                "site": {"access": "ftp", **ftp, "user": login, "home": "/homez.1/" + login,
                         "url": "http://%s.example.com/" % login, "ssh": None, "ftp": ftp}}

    assert result["hostings"] == [facts(NAMES[2], "api"), facts(NAMES[0], "shop")]


def test_pattern_matching_nothing(api, run_module):
    result, failed = run_module(hosting_info.main, dict(CREDENTIALS, pattern="nothing-*", details=True))
    assert not failed and result["hostings"] == []
    assert len(api.calls) == 2


def test_detail_failure_names_the_hosting(api, run_module):
    api.get(API + "/hosting/web/" + NAMES[2], status=500, json={"message": "boom"}, headers={"X-Ovh-QueryID": "q5"})
    result, failed = run_module(hosting_info.main, dict(CREDENTIALS, pattern="api.*", details=True, retries=0))
    assert failed
    assert result["msg"] == ("1 of 1 hostings could not be read: hosting %s: GET /hosting/web/%s failed (HTTP 500): "
                             "boom [OVH query id q5]" % (NAMES[2], NAMES[2]))


def test_bad_concurrency_fails_before_any_call(run_module):
    with responses.RequestsMock() as mock:
        result, failed = run_module(hosting_info.main, dict(CREDENTIALS, concurrency=0))
        assert not mock.calls
    assert failed and "concurrency must be 1 or more" in result["msg"]
