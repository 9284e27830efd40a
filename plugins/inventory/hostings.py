# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: hostings
short_description: OVHcloud web hostings as hosts, grouped by the state of their script e-mails
version_added: 0.1.0
author:
  - mailops maintainers (@mailops)
description:
  - Every web hosting of the OVH account (C(GET /hosting/web)) becomes an Ansible host named by its service name,
    with C(ansible_connection=local), so plays run the collection's API modules from the controller, per hosting.
  - With O(with_email), one C(GET /hosting/web/{serviceName}/email) per hosting, run concurrently under the
    client's rate limit, fills the host variable C(ovh_email) and the groups C(email_<state>) (C(email_ok),
    C(email_force), C(email_ko), C(email_bounce), C(email_spam), C(email_purging)), C(email_sending) and
    C(email_stopped).
  - A run costs 1 + N calls for N hostings (1 + 2N with O(with_details)); a cache hit costs none.
  - The inventory source is a YAML file whose name ends in C(.ovh_hostings.yml) or C(.ovh_hostings.yaml).
  - Credentials never reach the cache or the host variables.
extends_documentation_fragment:
  - mailops.ovh_hosting.auth
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [mailops.ovh_hosting.hostings]
  endpoint:
    env:
      - name: OVH_ENDPOINT
  application_key:
    env:
      - name: OVH_APPLICATION_KEY
  application_secret:
    env:
      - name: OVH_APPLICATION_SECRET
  consumer_key:
    env:
      - name: OVH_CONSUMER_KEY
  client_id:
    env:
      - name: OVH_CLIENT_ID
  client_secret:
    env:
      - name: OVH_CLIENT_SECRET
  pattern:
    description:
      - Only the hostings whose service name matches this shell-style glob (C(*), C(?), C([...])), for example
        C(*.cluster021.hosting.ovh.net) or C(shop-*).
      - Filtering happens on the listing, so skipped hostings cost no call.
    type: str
    default: "*"
  with_email:
    description:
      - Read the e-mail state of each hosting (one C(GET .../email) per hosting, concurrent) into C(ovh_email) and
        the C(email_*) groups.
      - Without it the inventory costs a single call and has no e-mail groups.
    type: bool
    default: true
  with_details:
    description:
      - Also read the hosting itself (C(GET /hosting/web/{serviceName}), one more call per hosting) into
        C(ovh_hosting) (C(offer), C(cluster), C(datacenter), C(state), ...; the facts of
        M(mailops.ovh_hosting.hosting_info) with O(mailops.ovh_hosting.hosting_info#module:details=true)) and the
        groups C(offer_<offer>).
      - C(ovh_hosting.site) says how to reach the hosting's files (C(access), C(host), C(port), C(user), C(home))
        and the site's C(url); the hosting joins the group O(site_ssh_group) or O(site_ftp_group) by it. SSH comes
        with OVH's Professional and Performance plans only, so the offer decides, not the API's SSH address.
      - No password is read or kept; see the notes.
    type: bool
    default: false
  site_ssh_group:
    description: The group of the hostings whose files are reached over SSH (with O(with_details)).
    type: str
    default: site_ssh
  site_ftp_group:
    description: The group of the hostings whose files are reached over FTP with TLS (with O(with_details)).
    type: str
    default: site_ftp
  concurrency:
    description:
      - How many hostings are read at the same time (worker threads, one API client each).
      - The rate limit still holds across all of them; see O(rate_limit).
    type: int
    default: 10
  rate_limit:
    description:
      - At most this many API requests per second, shared by all O(concurrency) threads of the inventory run.
      - Not set means no client-side limit. An HTTP 429 with C(Retry-After) holds back every thread, limit or not.
notes:
  - OVH asks to stay around 60 requests a minute per consumer key; for a large fleet set O(rate_limit) (for example
    C(1)) and enable the cache, see the collection's C(docs/scale.md).
  - Hosts get C(ansible_python_interpreter) set to the controller's Python (the one running this plugin, which has
    the C(ovh) client), because they are not the implicit C(localhost).
  - A source that fails (a bad option, the API unreachable) adds the source and the error to the variable
    C(ovh_inventory_failures) of the group C(all), besides Ansible's warning; the collection's playbooks stop
    on it rather than widen the run to every hosting the credentials reach.
  - Before ansible-core 2.19, a O(compose) expression gives a string unless it is a list, a dictionary or a
    boolean (the examples' C(ovh_quota_left) is C("-200"), not C(-200)), as for every inventory plugin there;
    compare it with C(| int), or set C(ANSIBLE_JINJA2_NATIVE=true). ansible-core 2.19 keeps the number.
  - A hosting whose e-mail state cannot be read (after the client's retries) is still a host, in the group
    C(email_unknown), with C(ovh_email) null and a warning naming the error.
  - C(ovh_email_read_at) is when C(ovh_email) was read (seconds since the epoch; a cache hit keeps the time of the
    read it holds). The role C(mailops.ovh_hosting.email_policy) decides from facts read in this run without
    reading them again, and reads older ones again.
  - With O(with_details), a play reaches a hosting's files over SSH by setting the connection from
    C(ovh_hosting.site) in its own vars, which take precedence over the inventory's C(ansible_connection=local),
    for example C(ansible_connection=ssh), C(ansible_host={{ ovh_hosting.site.host }}),
    C(ansible_port={{ ovh_hosting.site.port }}), C(ansible_user={{ ovh_hosting.site.user }}).
  - The FTP and SSH password never goes in the inventory or its cache. Keep it in Ansible Vault (an encrypted
    C(group_vars/site_ftp/vault.yml)), or read it where it is used, for example
    C(ansible_password={{ lookup('ansible.builtin.env', 'OVH_SITE_PASSWORD') }}) or a secrets manager's lookup.
seealso:
  - module: mailops.ovh_hosting.email_info
  - module: mailops.ovh_hosting.email
"""

# One YAML document: ansible-core 2.16's sanity (yamllint) parses EXAMPLES as one.
EXAMPLES = r"""
# The smallest source, demo.ovh_hostings.yml: every hosting, grouped by e-mail state; credentials from OVH_* or
# ovh.conf:
#   plugin: mailops.ovh_hosting.hostings

# Only one cluster, cached for an hour, gentle on the API, plus a group per offer and a bouncing group.
plugin: mailops.ovh_hosting.hostings
pattern: "*.cluster021.hosting.ovh.net"
rate_limit: 1
concurrency: 10
with_details: true
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/mailops-ovh-hostings
cache_timeout: 3600
groups:
  bouncing: ovh_email.bounced_total > 100
keyed_groups:
  - key: ovh_email.report_recipient | default('none', true)
    prefix: report_to
compose:
  ovh_quota_left: ovh_email.max_per_day - ovh_email.sent_today
"""

import decimal
import fnmatch
import sys
import time

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

# client.py guards its import of ovh: without it, HostingApi() raises a HostingApiError that says to install it.
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.client import HAS_OVH, HostingApi, resolve_endpoint
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import AUTH_ARGUMENT_SPEC
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.email_fields import email_facts
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import concurrency_problem, gather
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.hosting_fields import hosting_facts

CONFIG_SUFFIXES = (".ovh_hostings.yml", ".ovh_hostings.yaml")
# A variable of the group "all": every source of this plugin that failed, with why.
FAILURES_VAR = "ovh_inventory_failures"
# Bumped when the cached layout changes, so an old cache is a miss rather than a crash.
CACHE_FORMAT = 4  # 4: the details carry site (how the files are reached)


def _infinite_int_options(definitions, config):
    """The int options that ``config`` sets to an infinite number (``.inf``, ``"-Infinity"``)."""
    names = []
    for name, value in (config or {}).items():
        if definitions.get(name, {}).get("type") not in ("int", "integer"):
            continue
        try:
            if isinstance(value, (str, float)) and decimal.Decimal(value).is_infinite():
                names.append(name)
        except decimal.DecimalException:
            pass
    return names


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "mailops.ovh_hosting.hostings"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        try:
            self._parse(inventory, loader, path, cache)
        except Exception as error:
            # Ansible only warns about a source that fails and goes on with the others, or with none: a playbook
            # would then widen to every hosting the credentials reach. The playbooks stop on this variable.
            if inventory.groups.get("all") is not None:
                errors = list(inventory.groups["all"].get_vars().get(FAILURES_VAR) or [])
                errors.append("%s: %s" % (path, " ".join(str(error).split())))
                inventory.set_variable("all", FAILURES_VAR, errors)
            raise

    def _parse(self, inventory, loader, path, cache):
        super().parse(inventory, loader, path)
        try:
            self._read_config_data(path)
        except Exception as error:
            # ansible-core's int conversion of an infinite value fails in its own way on each version: a bare
            # OverflowError naming no option (2.18, 2.19), "Unhandled exception when retrieving ..." or
            # "invalid literal for int()" (2.16, 2.17). One message, naming the options, on all of them.
            infinite = _infinite_int_options(self.option_definitions, loader.load_from_file(path, cache="none"))
            if not infinite:
                raise
            raise AnsibleParserError("%s: %s cannot be infinite in %s" % (self.NAME, ", ".join(infinite), path)) \
                from error

        query = self._query()
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        entry = self._cached(cache_key, query) if use_cache and cache else None
        if entry is None:
            entry = {"format": CACHE_FORMAT, "query": query, "read_at": time.time(), "hostings": self._gather(query)}
            if use_cache:
                self._cache[cache_key] = entry
        self._populate(entry["hostings"], entry["read_at"])

    def _query(self):
        """What decides the gathered data, minus credentials: a cache entry answers only the same query."""
        return {
            "endpoint": self._endpoint_url(),
            "pattern": self.get_option("pattern"),
            "with_email": self.get_option("with_email"),
            "with_details": self.get_option("with_details"),
        }

    def _endpoint_url(self):
        """The API URL, also when it comes from ovh.conf; None when it cannot be told (the read will say why)."""
        if not HAS_OVH:
            return self.get_option("endpoint")
        try:
            return resolve_endpoint(self.get_option("endpoint"))[1]
        except HostingApiError:
            return self.get_option("endpoint")

    def _cached(self, cache_key, query):
        try:
            entry = self._cache[cache_key]
        except KeyError:
            return None
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT or entry.get("query") != query:
            return None
        return entry

    def _api_options(self):
        """The client's options, the ones the modules share (documented by the same auth fragment)."""
        return {name: self.get_option(name) for name in AUTH_ARGUMENT_SPEC}

    def _gather(self, query):
        """``{service_name: {"email": facts | None, "hosting": dict | None, "errors": [str]}}``."""
        concurrency = self.get_option("concurrency")
        problem = concurrency_problem(concurrency)
        if problem:
            raise AnsibleParserError(problem)
        try:
            api = HostingApi(**self._api_options())
            names = sorted(fnmatch.filter(api.list_hostings(), query["pattern"]))
        except HostingApiError as exc:
            raise AnsibleParserError("%s: %s" % (self.NAME, exc))

        readers = []
        if query["with_email"]:
            readers.append(("email", lambda client, name: email_facts(name, client.get_email(name))))
        if query["with_details"]:
            readers.append(("hosting", lambda client, name: hosting_facts(name, client.get_hosting(name))))

        def read(client, name):
            """Every read asked for, of one hosting: one that fails leaves its field None and says why."""
            data = {"email": None, "hosting": None, "errors": []}
            for field, reader in readers:
                try:
                    data[field] = reader(client, name)
                except HostingApiError as error:
                    data["errors"].append(str(error))
            return data

        if not readers:
            return {name: read(None, name) for name in names}
        # One pass over the fleet (one pool, one client per worker) whatever the number of reads per hosting.
        return {outcome.service_name: outcome.value for outcome in gather(api, names, read, concurrency=concurrency)}

    def _populate(self, fleet, read_at):
        strict = self.get_option("strict")
        for name, data in fleet.items():
            host = self.inventory.add_host(name)
            self.inventory.set_variable(host, "ansible_connection", "local")
            # Not the implicit localhost: without this Ansible would look for a system Python, which lacks ovh.
            self.inventory.set_variable(host, "ansible_python_interpreter", sys.executable)
            self.inventory.set_variable(host, "ovh_service_name", name)
            if self.get_option("with_email"):
                self.inventory.set_variable(host, "ovh_email", data["email"])
                self.inventory.set_variable(host, "ovh_email_read_at", read_at)
                for group in self._email_groups(data["email"]):
                    self.inventory.add_group(group)
                    self.inventory.add_child(group, host)
            if self.get_option("with_details"):
                self.inventory.set_variable(host, "ovh_hosting", data["hosting"])
                for group in self._detail_groups(data["hosting"] or {}):
                    self.inventory.add_group(group)
                    self.inventory.add_child(group, host)
            for error in data["errors"]:
                self.display.warning("%s: %s is listed but could not be read: %s" % (self.NAME, name, error))

            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            hostvars = self.inventory.get_host(host).get_vars()
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)

    def _detail_groups(self, hosting):
        """The groups of a hosting's details: its offer, and how its files are reached."""
        groups = []
        if hosting.get("offer"):
            groups.append(self._sanitize_group_name("offer_%s" % hosting["offer"]))
        access = (hosting.get("site") or {}).get("access")
        if access:
            groups.append(self._sanitize_group_name(self.get_option("site_%s_group" % access)))
        return groups

    def _email_groups(self, email):
        if email is None:
            return ["email_unknown"]
        return [
            self._sanitize_group_name("email_%s" % email["state"]),
            "email_sending" if email["sending"] else "email_stopped",
        ]
