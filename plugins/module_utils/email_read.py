# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the e-mail facts of many hostings at once (email_info, and the email_policy action)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .email_fields import bounce_facts, email_facts, volume_facts
from .fleet import failure_message, gather


@dataclass
class FleetRead:
    """The facts of the hostings read, in the order asked, and the error of each one that could not be."""

    hostings: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def credentials_refused(self) -> bool:
        """Keys OVH refuses fail every hosting alike: that is no list of unreadable hostings."""
        return any(error.credentials_refused for error in self.errors)

    def unreadable(self) -> list:
        return [error.fact() for error in self.errors]

    def message(self) -> str:
        return failure_message(self.errors, len(self.hostings) + len(self.errors))


def read_hosting(api, service_name, bounces=0, volumes=False) -> dict:
    facts = email_facts(service_name, api.get_email(service_name))
    if bounces:
        facts["bounces"] = bounce_facts(api.get_bounces(service_name, bounces))
    if volumes:
        facts["volumes"] = volume_facts(api.get_volumes(service_name))
    return facts


def read_many(api, service_names, bounces=0, volumes=False, concurrency=8) -> FleetRead:
    outcomes = gather(api, service_names, lambda client, name: read_hosting(client, name, bounces, volumes),
                      concurrency=concurrency)
    return FleetRead(hostings=[outcome.value for outcome in outcomes if outcome.ok],
                     errors=[outcome.error for outcome in outcomes if not outcome.ok])
