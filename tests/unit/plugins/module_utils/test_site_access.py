# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site_access: how a play reaches a hosting's files, decided by the offer (SSH for Professional and Performance
only), never by the presence of an ssh address alone, and never with a password."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.site_access import has_ssh, site_access

ACCESS = {"ftp": {"url": "ftp.cluster021.hosting.ovh.net", "port": 21},
          "ssh": {"url": "ssh.cluster021.hosting.ovh.net", "port": 22},
          "http": {"url": "shop.cluster021.hosting.ovh.net", "port": 80}}
FTP = {"host": "ftp.cluster021.hosting.ovh.net", "port": 21}
SSH = {"host": "ssh.cluster021.hosting.ovh.net", "port": 22}


def service(offer, **extra):
    return dict({"offer": offer, "primaryLogin": "shop", "home": "/homez.42/shop",
                 "defaultAttachedDomain": "shop.example.com", "serviceManagementAccess": ACCESS}, **extra)


@pytest.mark.parametrize("offer", ["PRO", "PERFORMANCE_1", "PERFORMANCE_4", "hosting-pro", "hosting-performance-2",
                                   "pro2014", "perf2014x3"])
def test_professional_and_performance_plans_are_reached_over_ssh(offer):
    assert has_ssh(offer)
    assert site_access(service(offer)) == {"access": "ssh", **SSH, "user": "shop", "home": "/homez.42/shop",
                                           "url": "http://shop.example.com/", "ssh": SSH, "ftp": FTP}


@pytest.mark.parametrize("offer", ["START", "PERSO", "perso2014", "hosting-starter", "CLOUDWEB_1", "KS", "", None,
                                   "SOMETHING_NEW"])
def test_other_plans_are_reached_over_ftp_whatever_ssh_address_the_api_lists(offer):
    assert not has_ssh(offer)
    site = site_access(service(offer))
    assert site["access"] == "ftp" and (site["host"], site["port"]) == (FTP["host"], 21)
    assert site["ssh"] is None and site["ftp"] == FTP


def test_missing_ports_take_the_protocol_default_and_a_site_without_domain_has_its_hosting_address():
    site = site_access({"offer": "PRO", "primaryLogin": "shop", "serviceManagementAccess": {
        "ftp": {"url": "ftp.example.net"}, "ssh": {"url": "ssh.example.net", "port": None},
        "http": {"url": "shop.cluster021.hosting.ovh.net", "port": 8080}}})
    assert site["ssh"] == {"host": "ssh.example.net", "port": 22} and site["ftp"] == {"host": "ftp.example.net", "port": 21}
    assert site["url"] == "http://shop.cluster021.hosting.ovh.net:8080/"
    assert site["home"] is None


def test_no_address_at_all_gives_no_way_in_rather_than_a_guess():
    assert site_access({"offer": "PRO"}) == {"access": None, "host": None, "port": None, "user": None, "home": None,
                                             "url": None, "ssh": None, "ftp": None}


def test_a_pro_plan_without_an_ssh_address_falls_back_to_ftp():
    site = site_access(service("PRO", serviceManagementAccess={"ftp": ACCESS["ftp"]}))
    assert site["access"] == "ftp" and site["ssh"] is None


def test_no_password_is_ever_part_of_it():
    site = site_access(service("PRO", password="hunter2", ftpPassword="hunter2"))
    assert "hunter2" not in repr(site)
