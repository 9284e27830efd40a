# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Realistic SMTP bounce messages, by category, as remote servers and OVH's relays word them."""
from __future__ import annotations

import random

# category -> (weight among random bounces, message templates)
CATALOG = {
    "unknown_user": (50, [
        "550 5.1.1 <{to}>: Recipient address rejected: User unknown in virtual mailbox table",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the "
        "recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
        "550 5.5.0 Requested action not taken: mailbox unavailable ({to})",
        "554 5.2.2 mailbox not found: <{to}>",
    ]),
    "mailbox_full": (15, [
        "552 5.2.2 <{to}>: Mailbox full: quota exceeded",
        "452 4.2.2 The email account that you tried to reach is over quota. "
        "https://support.google.com/mail/?p=OverQuotaTemp",
        "552 5.2.2 Over quota: {to}",
    ]),
    "domain_not_found": (15, [
        "Host or domain name not found. Name service error for name={domain} type=MX: Host not found",
        "550 5.1.2 <{to}>: Recipient address rejected: Domain not found",
        "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain {domain}",
    ]),
    "rejected_as_spam": (10, [
        "550 5.7.1 Message rejected as spam by Content Filtering.",
        "554 5.7.1 Service unavailable; Client host [213.186.33.{octet}] blocked using zen.spamhaus.org",
        "550 5.7.350 Remote server returned message detected as spam",
    ]),
    "temporary": (5, [
        "421 4.7.0 Try again later, closing connection.",
        "450 4.2.0 <{to}>: Recipient address rejected: Greylisted, please try again in 300 seconds",
        "451 4.3.0 Temporary local problem, please try again later",
    ]),
    "other": (5, [
        "550 5.7.26 This message does not have authentication information or fails to pass authentication "
        "checks (SPF or DKIM).",
        "554 5.4.0 Error: too many hops",
        "550 5.7.0 Message refused by policy",
    ]),
}
CATEGORIES = list(CATALOG)
_WEIGHTS = [CATALOG[name][0] for name in CATEGORIES]


def bounce_message(to: str, rng: random.Random, category: str | None = None) -> str:
    """One SMTP message for a mail to ``to``; a random category (weighted) unless one is given."""
    category = category or rng.choices(CATEGORIES, _WEIGHTS)[0]
    template = rng.choice(CATALOG[category][1])
    return template.format(to=to, domain=to.rpartition("@")[2], octet=rng.randint(1, 254))
