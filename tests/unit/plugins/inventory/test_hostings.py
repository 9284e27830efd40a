# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostings inventory plugin: exact API calls, hosts, groups, constructed features, cache, secrets."""

from __future__ import annotations

import json
import re
import sys

import pytest
import responses
import yaml
from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

API = "http://api.example.test/1.0"
SECRET = "s3cr3t-application-secret"
CONSUMER = "c0nsumer-key-value"
EMAILS = {
    "shop-1.cluster021.hosting.ovh.net": {"state": "ok", "email": "ops@example.com", "sent": 1234, "sentToday": 12,
                                          "bounce": 40, "maxPerDay": 1000},
    "shop-2.cluster021.hosting.ovh.net": {"state": "ko", "email": None, "sent": 10, "sentToday": 0, "bounce": 0,
                                          "maxPerDay": 1000},
    "blog.cluster030.hosting.ovh.net": {"state": "force", "email": "", "sent": 5, "sentToday": 1, "bounce": 3,
                                        "maxPerDay": 200},
    "forms.cluster030.hosting.ovh.net": {"state": "spam", "email": "web@example.org", "sent": 900,
                                         "sentToday": 400, "bounce": 300, "maxPerDay": 200},
}
OFFERS = {
    "shop-1.cluster021.hosting.ovh.net": "pro",
    "shop-2.cluster021.hosting.ovh.net": "pro",
    "blog.cluster030.hosting.ovh.net": "perso",
    "forms.cluster030.hosting.ovh.net": "performance",
}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(API + "/auth/time", json=1764000000)
        mock.get(API + "/hosting/web", json=list(EMAILS))
        for name, email in EMAILS.items():
            mock.get(API + "/hosting/web/%s/email" % name, json=email)
            mock.get(API + "/hosting/web/%s" % name,
                     json={"serviceName": name, "offer": OFFERS[name], "cluster": name.split(".")[1],
                           "serviceManagementAccess": {
                               "ftp": {"url": "ftp.%s.hosting.ovh.net" % name.split(".")[1], "port": 21},
                               "ssh": {"url": "ssh.%s.hosting.ovh.net" % name.split(".")[1], "port": 22}}})
        yield mock


def calls(mock):
    return ["%s %s" % (call.request.method, call.request.url.replace(API, "")) for call in mock.calls]


def api_calls(mock):
    """The signed calls (a new client also reads the unsigned /auth/time once)."""
    return len([call for call in calls(mock) if call != "GET /auth/time"])


def write_config(tmp_path, name="fleet.ovh_hostings.yml", **options):
    config = {
        "plugin": "mailops.ovh_hosting.hostings",
        "endpoint": API,
        "application_key": "app-key",
        "application_secret": SECRET,
        "consumer_key": CONSUMER,
        "retries": 0,
    }
    config.update(options)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def parse(path, cache=True):
    """What ansible-inventory does with one source: a fresh plugin, parse, then write the cache if it changed."""
    plugin = inventory_loader.get("mailops.ovh_hosting.hostings")
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), path, cache=cache)
    try:
        plugin.update_cache_if_changed()
    except AttributeError:  # no cache configured: InventoryManager ignores it the same way
        pass
    return inventory


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def host_vars(inventory, name):
    return inventory.get_host(name).get_vars()


@pytest.mark.parametrize("name, wanted", [
    ("prod.ovh_hostings.yml", True),
    ("prod.ovh_hostings.yaml", True),
    ("ovh_hostings.yml", False),
    ("prod.yml", False),
    ("prod.ovh_hostings.json", False),
])
def test_verify_file_accepts_only_its_config_names(tmp_path, name, wanted):
    path = tmp_path / name
    path.write_text("plugin: mailops.ovh_hosting.hostings\n")
    assert inventory_loader.get("mailops.ovh_hosting.hostings").verify_file(str(path)) is wanted


def test_one_listing_and_one_email_read_per_hosting(api, tmp_path):
    inventory = parse(write_config(tmp_path, concurrency=1))

    assert calls(api) == ["GET /auth/time", "GET /hosting/web"] + [
        "GET /hosting/web/%s/email" % name for name in sorted(EMAILS)
    ]
    assert sorted(inventory.hosts) == sorted(EMAILS)


def test_hosts_are_local_with_this_python_and_email_facts(api, tmp_path):
    inventory = parse(write_config(tmp_path))

    hostvars = host_vars(inventory, "shop-1.cluster021.hosting.ovh.net")
    assert hostvars["ansible_connection"] == "local"
    assert hostvars["ansible_python_interpreter"] == sys.executable
    assert hostvars["ovh_service_name"] == "shop-1.cluster021.hosting.ovh.net"
    assert hostvars["ovh_email"] == {
        "service_name": "shop-1.cluster021.hosting.ovh.net", "state": "ok", "sending": True,
        "report_recipient": "ops@example.com", "sent_total": 1234, "sent_today": 12, "bounced_total": 40,
        "max_per_day": 1000,
    }
    assert host_vars(inventory, "blog.cluster030.hosting.ovh.net")["ovh_email"]["report_recipient"] is None


def test_groups_by_state_and_sending(api, tmp_path):
    inventory = parse(write_config(tmp_path))

    assert members(inventory, "email_ok") == ["shop-1.cluster021.hosting.ovh.net"]
    assert members(inventory, "email_ko") == ["shop-2.cluster021.hosting.ovh.net"]
    assert members(inventory, "email_force") == ["blog.cluster030.hosting.ovh.net"]
    assert members(inventory, "email_spam") == ["forms.cluster030.hosting.ovh.net"]
    assert members(inventory, "email_sending") == ["blog.cluster030.hosting.ovh.net",
                                                   "shop-1.cluster021.hosting.ovh.net"]
    assert members(inventory, "email_stopped") == ["forms.cluster030.hosting.ovh.net",
                                                   "shop-2.cluster021.hosting.ovh.net"]
    assert "email_unknown" not in inventory.groups


def test_pattern_skips_hostings_without_a_call(api, tmp_path):
    inventory = parse(write_config(tmp_path, pattern="*.cluster030.*"))

    assert sorted(inventory.hosts) == ["blog.cluster030.hosting.ovh.net", "forms.cluster030.hosting.ovh.net"]
    assert sorted(calls(api)) == sorted([
        "GET /auth/time", "GET /hosting/web",
        "GET /hosting/web/blog.cluster030.hosting.ovh.net/email",
        "GET /hosting/web/forms.cluster030.hosting.ovh.net/email",
    ])


def test_without_email_one_call_and_no_email_groups(api, tmp_path):
    inventory = parse(write_config(tmp_path, with_email=False))

    assert calls(api) == ["GET /auth/time", "GET /hosting/web"]
    assert sorted(inventory.hosts) == sorted(EMAILS)
    assert not [group for group in inventory.groups if group.startswith("email_")]
    assert "ovh_email" not in host_vars(inventory, "shop-1.cluster021.hosting.ovh.net")


def test_with_details_reads_the_hosting_and_groups_by_offer(api, tmp_path):
    inventory = parse(write_config(tmp_path, with_email=False, with_details=True))

    assert sorted(calls(api)) == sorted(["GET /auth/time", "GET /hosting/web"] + [
        "GET /hosting/web/%s" % name for name in EMAILS
    ])
    assert members(inventory, "offer_pro") == ["shop-1.cluster021.hosting.ovh.net",
                                               "shop-2.cluster021.hosting.ovh.net"]
    assert host_vars(inventory, "blog.cluster030.hosting.ovh.net")["ovh_hosting"]["offer"] == "perso"
    # How the files are reached follows the plan: SSH for pro, FTP for perso, though both list an SSH address.
    assert members(inventory, "site_ssh") == members(inventory, "offer_pro")
    assert members(inventory, "site_ftp") == sorted(name for name in EMAILS if OFFERS[name] != "pro")
    assert host_vars(inventory, "blog.cluster030.hosting.ovh.net")["ovh_hosting"]["site"]["host"] == \
        "ftp.cluster030.hosting.ovh.net"


def test_email_and_details_cost_two_reads_per_hosting_and_fail_apart(api, tmp_path, capsys):
    api.replace(responses.GET, API + "/hosting/web/shop-2.cluster021.hosting.ovh.net/email", status=404,
                json={"message": "This service does not exist"})
    api.replace(responses.GET, API + "/hosting/web/blog.cluster030.hosting.ovh.net", status=404,
                json={"message": "This service does not exist"})

    inventory = parse(write_config(tmp_path, with_details=True, concurrency=2))

    assert sorted(calls(api)) == sorted(["GET /auth/time", "GET /hosting/web"] + [
        "GET /hosting/web/%s%s" % (name, suffix) for name in EMAILS for suffix in ("", "/email")
    ])
    shop_2 = host_vars(inventory, "shop-2.cluster021.hosting.ovh.net")
    assert shop_2["ovh_email"] is None and shop_2["ovh_hosting"]["offer"] == "pro"
    blog = host_vars(inventory, "blog.cluster030.hosting.ovh.net")
    assert blog["ovh_email"]["state"] == "force" and blog["ovh_hosting"] is None
    assert members(inventory, "email_unknown") == ["shop-2.cluster021.hosting.ovh.net"]
    assert members(inventory, "offer_pro") == ["shop-1.cluster021.hosting.ovh.net",
                                               "shop-2.cluster021.hosting.ovh.net"]
    assert "offer_perso" not in inventory.groups
    warning = " ".join(capsys.readouterr().err.split())
    assert "shop-2.cluster021.hosting.ovh.net/email failed (HTTP 404)" in warning
    assert "GET /hosting/web/blog.cluster030.hosting.ovh.net failed (HTTP 404)" in warning


def test_constructed_compose_groups_and_keyed_groups(api, tmp_path):
    inventory = parse(write_config(
        tmp_path,
        compose={"ovh_quota_left": "ovh_email.max_per_day - ovh_email.sent_today"},
        groups={"bouncing": "ovh_email.bounced_total > 100"},
        keyed_groups=[{"key": "ovh_email.report_recipient | default('none', true)", "prefix": "report_to"}],
    ))

    # ansible-core before 2.19 renders a compose expression to text unless it is a list, a dict or a boolean (as
    # ansible.builtin.constructed does there) or jinja2_native is on; 2.19 keeps the number.
    native = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) >= (2, 19) or C.DEFAULT_JINJA2_NATIVE
    assert host_vars(inventory, "forms.cluster030.hosting.ovh.net")["ovh_quota_left"] == (-200 if native else "-200")
    assert members(inventory, "bouncing") == ["forms.cluster030.hosting.ovh.net"]
    assert members(inventory, "report_to_none") == ["blog.cluster030.hosting.ovh.net",
                                                    "shop-2.cluster021.hosting.ovh.net"]
    assert members(inventory, "report_to_ops_example_com") == ["shop-1.cluster021.hosting.ovh.net"]


def test_an_unreadable_hosting_is_kept_in_email_unknown_with_a_warning(api, tmp_path, capsys):
    api.replace(responses.GET, API + "/hosting/web/shop-2.cluster021.hosting.ovh.net/email", status=403,
                json={"message": "This call has not been granted", "errorCode": "NOT_GRANTED_CALL"},
                headers={"X-Ovh-QueryID": "EU.ext-1.abc"})

    inventory = parse(write_config(tmp_path))

    assert members(inventory, "email_unknown") == ["shop-2.cluster021.hosting.ovh.net"]
    assert host_vars(inventory, "shop-2.cluster021.hosting.ovh.net")["ovh_email"] is None
    assert members(inventory, "email_ok") == ["shop-1.cluster021.hosting.ovh.net"]
    warning = " ".join(capsys.readouterr().err.split())
    assert "shop-2.cluster021.hosting.ovh.net" in warning
    assert "GET /hosting/web/*/email" in warning
    assert "EU.ext-1.abc" in warning


def test_a_failed_listing_fails_the_source_with_the_missing_rule(api, tmp_path):
    api.replace(responses.GET, API + "/hosting/web", status=403,
                json={"message": "This call has not been granted", "errorCode": "NOT_GRANTED_CALL"})

    with pytest.raises(AnsibleParserError, match=re.escape("needs the access rule 'GET /hosting/web'")):
        parse(write_config(tmp_path))


@pytest.mark.parametrize("option, value, message", [
    ("concurrency", 0, "concurrency must be 1 or more"),
    ("rate_limit", -1, "rate_limit must be a positive number"),
    ("endpoint", "ftp://example.test/1.0", "endpoint 'ftp://example.test/1.0' is not supported"),
    ("concurrency", float("inf"), "concurrency cannot be infinite in "),
    ("timeout", "-Infinity", "timeout cannot be infinite in "),
])
def test_bad_options_fail_before_any_call(api, tmp_path, option, value, message):
    with pytest.raises(AnsibleParserError, match=re.escape(message)):
        parse(write_config(tmp_path, **{option: value}))
    assert calls(api) == []


def test_an_int_option_that_is_not_a_number_keeps_ansible_cores_own_error(api, tmp_path):
    with pytest.raises(AnsibleError) as error:
        parse(write_config(tmp_path, concurrency="ten", rate_limit=float("inf")))
    assert "concurrency" in str(error.value) and "infinite" not in str(error.value)
    assert calls(api) == []


@pytest.fixture
def cached(tmp_path):
    cache_dir = tmp_path / "cache"
    return dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                cache_timeout=3600), cache_dir


def test_a_cache_hit_makes_no_call(api, tmp_path, cached):
    options, cache_dir = cached
    path = write_config(tmp_path, **options)
    first = parse(path)
    count = len(api.calls)

    second = parse(path)

    assert len(api.calls) == count  # not even /auth/time
    assert sorted(second.hosts) == sorted(first.hosts)
    assert members(second, "email_spam") == ["forms.cluster030.hosting.ovh.net"]
    assert host_vars(second, "shop-1.cluster021.hosting.ovh.net")["ovh_email"] == \
        host_vars(first, "shop-1.cluster021.hosting.ovh.net")["ovh_email"]
    assert host_vars(second, "shop-1.cluster021.hosting.ovh.net")["ansible_python_interpreter"] == sys.executable


def test_flush_cache_and_another_query_read_the_api_again(api, tmp_path, cached):
    options, cache_dir = cached
    parse(write_config(tmp_path, **options))
    count = api_calls(api)

    parse(write_config(tmp_path, **options), cache=False)  # --flush-cache
    assert api_calls(api) == count + 1 + len(EMAILS)

    narrowed = parse(write_config(tmp_path, pattern="shop-1.*", **options))
    assert api_calls(api) == count + 1 + len(EMAILS) + 2
    assert sorted(narrowed.hosts) == ["shop-1.cluster021.hosting.ovh.net"]


def test_secrets_reach_neither_cache_nor_hostvars(api, tmp_path, cached):
    options, cache_dir = cached
    inventory = parse(write_config(tmp_path, **options))

    stored = "".join(path.read_text() for path in cache_dir.iterdir())
    assert "shop-1.cluster021.hosting.ovh.net" in stored
    dumped = json.dumps({name: host_vars(inventory, name) for name in inventory.hosts}, default=str)
    for text in (stored, dumped):
        assert SECRET not in text
        assert CONSUMER not in text
        assert "app-key" not in text


def test_a_cache_entry_answers_only_its_own_endpoint(api, tmp_path, cached):
    options, cache_dir = cached
    other = "http://other.example.test/1.0"
    api.get(other + "/auth/time", json=1764000000)
    api.get(other + "/hosting/web", json=["solo.cluster099.hosting.ovh.net"])
    api.get(other + "/hosting/web/solo.cluster099.hosting.ovh.net/email", json=EMAILS[sorted(EMAILS)[0]])
    parse(write_config(tmp_path, **options))

    inventory = parse(write_config(tmp_path, endpoint=other, **options))  # same file, another API

    assert sorted(inventory.hosts) == ["solo.cluster099.hosting.ovh.net"]
    assert [call.request.url for call in api.calls][-2:] == [
        other + "/hosting/web", other + "/hosting/web/solo.cluster099.hosting.ovh.net/email"]


def test_without_the_ovh_client_the_source_fails_saying_so(api, tmp_path, monkeypatch):
    from ansible_collections.mailops.ovh_hosting.plugins.inventory import hostings
    from ansible_collections.mailops.ovh_hosting.plugins.module_utils import client

    monkeypatch.setattr(client, "HAS_OVH", False)
    monkeypatch.setattr(hostings, "HAS_OVH", False)

    with pytest.raises(AnsibleParserError, match=re.escape("the python library 'ovh' is required")):
        parse(write_config(tmp_path))
    assert calls(api) == []


def test_a_service_account_gets_one_token_then_reads_and_its_secret_stays_out(tmp_path):
    url = "https://api.example.test/1.0"
    name = "shop-1.cluster021.hosting.ovh.net"
    secret = "sa-s3cr3t-client-secret"
    with responses.RequestsMock() as mock:
        mock.post("https://api.example.test/auth/oauth2/token",
                  json={"access_token": "tok", "token_type": "Bearer", "expires_in": 3600, "scope": "all"})
        mock.get(url + "/hosting/web", json=list(EMAILS))
        mock.get(url + "/hosting/web/%s/email" % name, json=EMAILS[name])
        inventory = parse(write_config(tmp_path, endpoint=url, application_key=None, application_secret=None,
                                       consumer_key=None, client_id="sa-id", client_secret=secret, pattern=name))
        assert [(call.request.method, call.request.url) for call in mock.calls] == [
            ("POST", "https://api.example.test/auth/oauth2/token"), ("GET", url + "/hosting/web"),
            ("GET", url + "/hosting/web/%s/email" % name)]
        assert {call.request.headers["Authorization"] for call in mock.calls[1:]} == {"Bearer tok"}
    assert sorted(inventory.hosts) == [name]
    assert secret not in json.dumps(host_vars(inventory, name), default=str)


def test_a_mix_of_both_sets_fails_the_source_naming_both(tmp_path):
    with responses.RequestsMock() as mock:
        with pytest.raises(AnsibleParserError) as error:
            parse(write_config(tmp_path, client_id="sa-id", client_secret="sa-secret"))
        assert not mock.calls
    assert "client_id (the client_id option)" in str(error.value)
    assert "application_key (the application_key option)" in str(error.value)
