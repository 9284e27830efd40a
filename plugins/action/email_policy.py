# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of email_policy (documented in plugins/modules/email_policy.py): the policy of every hosting of a
play, from their host vars, read, judged and applied in one task, in this process, with no module to run."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.mailops.ovh_hosting.plugins.module_utils import email_state
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.common import (
    HostingApi,
    argument_spec,
    with_finite_ints,
)
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.errors import HostingApiError
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.fleet import concurrency_problem
from ansible_collections.mailops.ovh_hosting.plugins.module_utils.waiter import wait_timeout_problem
from ansible_collections.mailops.ovh_hosting.plugins.plugin_utils import email_policy, policy_run

try:
    from ansible.parsing.vault import EncryptedString as VaultedValue  # ansible-core 2.19
except ImportError:
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode as VaultedValue

ARGUMENT_SPEC = with_finite_ints(argument_spec(
    hostings=dict(type="list", elements="str"),
    forced_state=dict(type="str", choices=list(email_state.DESIRED_STATES)),
    facts_max_age=dict(type="int", default=email_policy.DEFAULT_FACTS_MAX_AGE),
    wait_timeout=dict(type="int", default=900),
    concurrency=dict(type="int", default=8),
    continue_on_error=dict(type="bool", default=False),
))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        problems = _option_problems(args)
        if problems:
            return dict(result, failed=True, msg="email_policy: " + "; ".join(problems))
        check_mode = bool(self._task.check_mode)
        try:
            policy = email_policy.settings(
                task_vars["ansible_play_batch"] if args["hostings"] is None else args["hostings"],
                HostVarsAsSet(task_vars["hostvars"], task_vars.get("groups", {}).get("all", ()), self._templar),
                self._context(task_vars), task_vars.get("inventory_hostname"), forced_state=args["forced_state"],
                facts_max_age=args["facts_max_age"])
            judged, applied = policy_run.run(
                policy, lambda: HostingApi.from_params(args), check_mode=check_mode, with_diff=bool(self._task.diff),
                wait_timeout=args["wait_timeout"], concurrency=args["concurrency"])
        except (email_policy.PolicyError, policy_run.ReadRefused, HostingApiError) as error:
            return dict(result, failed=True, msg=str(error))
        every = email_policy.results(judged, applied)
        summary = email_policy.summary(every, check_mode=check_mode)
        result["changed"] = any(entry["changed"] for entry in every)
        if self._task.diff:
            result["diff"] = (applied or {}).get("diff", [])
        # Only the hostings with something to say: Ansible copies a result several times over, and an entry for
        # each of a thousand hostings that comply cost a run over half a second; the summary counts them.
        result.update(hostings=[entry for entry in every if entry["why"]], summary=summary)
        failures = summary["failures"]
        if failures and not args["continue_on_error"]:
            result.update(failed=True, msg="%d of %d hosting(s) failed: %s" % (
                len(failures), summary["hostings"], "; ".join(failures)))
        # What OVH answered is quoted in messages: never a secret of the task's, even echoed back.
        return remove_values(result, _secrets(args))

    def _context(self, task_vars) -> dict:
        """The per-hosting variables as this task sees them, to tell a value of the play from a host's own."""
        context = {}
        for name in email_policy.VARIABLES:
            if name in task_vars:
                try:
                    context[name] = plain(self._templar.template(task_vars[name]))
                except AnsibleError as error:
                    raise email_policy.PolicyError("email_policy: %s: %s" % (name, error)) from error
        return context


class HostVarsAsSet(Mapping):
    """The play's hostvars, each host's values templated only when they hold a template: ``hostvars[host]``
    templates (and copies) every value read, a cost that adds up over a thousand hosts."""

    def __init__(self, hostvars, inventory_hosts, templar):
        self._hostvars, self._templar = hostvars, templar
        # hostvars looks a name up in the inventory each time; the implicit localhost is no member of groups.all
        self._known = set(inventory_hosts)

    def __contains__(self, host):
        return host in self._known or host in self._hostvars

    def __getitem__(self, host):
        if host not in self:  # raw_get's answer for such a host fails outside a template
            raise KeyError(host)
        return _HostValues(host, self._hostvars.raw_get(host), self._templar)

    def __iter__(self):
        return iter(self._hostvars)

    def __len__(self):
        return len(self._hostvars)


class _HostValues(Mapping):
    """One host's variables, templated on access in that host's own context."""

    def __init__(self, host, variables, templar):
        self._host, self._variables, self._templar, self._host_templar = host, variables, templar, None

    def __getitem__(self, name):
        value = self._variables[name]
        if not _may_hold_template(self._templar, value):
            return plain(value)
        if self._host_templar is None:
            self._host_templar = self._templar.copy_with_new_env(available_variables=self._variables)
        try:
            return plain(self._host_templar.template(value))
        except AnsibleError as error:
            raise email_policy.PolicyError("email_policy: hosting %s: %s: %s" % (self._host, name, error)) from error

    def __contains__(self, name):
        return name in self._variables

    def __iter__(self):
        return iter(self._variables)

    def __len__(self):
        return len(self._variables)


def _may_hold_template(templar, value) -> bool:
    """Whether a string in ``value`` looks like a template: a quick look at the text, where ansible-core's
    is_template renders the value to find out."""
    if isinstance(value, str):
        return templar.is_possibly_template(value)
    if isinstance(value, Mapping):
        return any(_may_hold_template(templar, item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_may_hold_template(templar, item) for item in value)
    return False


def _option_problems(args) -> list:
    """What is wrong with the task's numbers, before any host var is looked at."""
    return [problem for problem in (
        concurrency_problem(args["concurrency"]),
        wait_timeout_problem(args["wait_timeout"]),
        "facts_max_age must be 0 or more, got %d" % args["facts_max_age"] if args["facts_max_age"] < 0 else None,
    ) if problem]


class _Vaulted(str):
    """A vaulted value, decrypted: its text for the API, never for a message (``%r`` of it is masked)."""

    def __repr__(self):
        return "'(a vaulted value)'"


def plain(value):
    """A vaulted value as its text, which messages do not show; any other value as it is."""
    return _Vaulted(str(value)) if isinstance(value, VaultedValue) else value


def _secrets(args) -> set:
    return {str(args[name]) for name in ("application_secret", "consumer_key", "client_secret") if args.get(name)}
