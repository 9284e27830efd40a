# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.service_name import (
    hosting_path,
    quote_service_name,
    service_name_problem,
    validate_service_name,
)


@pytest.mark.parametrize("name", ["example.cluster021.hosting.ovh.net", "shop-1.example.org", "a", "x1.y2"])
def test_hosting_names_pass(name):
    assert validate_service_name(name) == name
    assert hosting_path(name, "/email") == "/hosting/web/%s/email" % name


@pytest.mark.parametrize("name", ["", "a/b", "..", "a..b", "../x", "a?b", "a#b", "a b", "é.example", "A.example",
                                  "-a.example", "a-.example", ".a", "a.", "a%2fb", "a" * 254, None, 42,
                                  "example.cluster021.hosting.ovh.net\n"])
def test_other_names_are_rejected_with_a_reason(name):
    assert service_name_problem(name)
    with pytest.raises(ValueError):
        validate_service_name(name)
    with pytest.raises(ValueError):
        hosting_path(name)


def test_quote_is_applied_to_the_segment():
    assert quote_service_name("shop-1.example.org") == "shop-1.example.org"
