# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which OVH credentials a client uses: an application key set (application key and secret, consumer key) or an
OAuth2 service account (client id and secret), never both.

Each credential is taken as the ``ovh`` client takes it: its option, else its ``OVH_*`` variable, else its key in
the endpoint's section of ovh.conf. Resolving them here, before the client exists, lets a mix of the two sets be
refused with the name and the origin of both, and without any API call.
"""

from __future__ import annotations

import os

try:
    import ovh.config
except ImportError:
    pass  # client.py reports the missing library before any credential is resolved

from .errors import HostingApiError

APPLICATION_KEY_SET = ("application_key", "application_secret", "consumer_key")
OAUTH2_SET = ("client_id", "client_secret")


class Credentials:
    """The resolved credentials (``values``) and where each came from (``origins``, for messages only)."""

    def __init__(self, values: dict, origins: dict):
        self.values = values
        self.origins = origins

    @property
    def oauth2(self) -> bool:
        return any(self.values[name] for name in OAUTH2_SET)

    def named(self, name: str) -> str:
        return "%s (%s)" % (name, self.origins[name])


def resolve_credentials(section: str, options: dict) -> Credentials:
    """Every credential of both sets for the endpoint ``section``; refuses a mix, and half an OAuth2 pair."""
    configuration = ovh.config.ConfigurationManager()
    values, origins = {}, {}
    for name in APPLICATION_KEY_SET + OAUTH2_SET:
        value, origin = options.get(name), "the %s option" % name
        if value is None:
            variable = "OVH_" + name.upper()
            value, origin = os.environ.get(variable), variable
        if value is None and configuration.config.has_option(section, name):
            value, origin = configuration.config.get(section, name), "%s in the [%s] section of ovh.conf" % (
                name, section)
        values[name], origins[name] = value, origin if value is not None else None
    credentials = Credentials(values, origins)
    application = [name for name in APPLICATION_KEY_SET if values[name]]
    oauth2 = [name for name in OAUTH2_SET if values[name]]
    if application and oauth2:
        raise HostingApiError(
            "OVH credentials for %s mix two sets: %s belongs to an OAuth2 service account, %s to an application "
            "key. Use one set: client_id and client_secret, or application_key, application_secret and "
            "consumer_key" % (section, credentials.named(oauth2[0]), credentials.named(application[0]))
        )
    if len(oauth2) == 1:
        missing = "client_secret" if oauth2 == ["client_id"] else "client_id"
        raise HostingApiError(
            "OAuth2 credentials for %s are incomplete: %s is set but not %s; set it as the %s option, as OVH_%s, "
            "or in the [%s] section of ovh.conf"
            % (section, credentials.named(oauth2[0]), missing, missing, missing.upper(), section)
        )
    return credentials
