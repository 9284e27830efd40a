# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ovhsim sendmail``: a sendmail-compatible command for PHP's ``sendmail_path``, so a real ``mail()`` call
lands in a simulated hosting's mail flow (``POST /_sim/send``), one mail per recipient.

Exit status as sendmail's: 0 sent, 64 usage error (no service, no recipient, a bad or unknown option), 75
temporary failure (the simulator cannot be reached or refused the mail).
"""
from __future__ import annotations

import argparse
import sys
from email import message_from_string
from email.utils import getaddresses

EX_USAGE = 64
EX_TEMPFAIL = 75


class SendmailArgumentParser(argparse.ArgumentParser):
    """The parser of ``ovhsim sendmail``: a usage error is one line and exit 64 (EX_USAGE), as sendmail's, where
    argparse prints its usage and exits 2. Unknown options are refused here, not left to ``ovhsim``'s parser."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    def error(self, message):
        print(f"sendmail: {message}", file=sys.stderr)
        sys.exit(EX_USAGE)


def read_message(stream, ignore_dots: bool) -> str:
    """The message on stdin; without -i a line holding a single dot ends it, as in sendmail."""
    lines = []
    for line in stream:
        if not ignore_dots and line.rstrip("\r\n") == ".":
            break
        lines.append(line)
    return "".join(lines)


def recipients_of(message_text: str, arguments: list[str], from_headers: bool) -> list[str]:
    recipients = [address for _name, address in getaddresses(arguments) if address]
    if from_headers:
        message = message_from_string(message_text)
        headers = message.get_all("To", []) + message.get_all("Cc", []) + message.get_all("Bcc", [])
        recipients += [address for _name, address in getaddresses(headers) if address]
    return list(dict.fromkeys(recipients))


def sendmail(args, admin, stdin=None) -> int:
    if not args.service:
        print("sendmail: no hosting given: --service NAME or $OVHSIM_SERVICE", file=sys.stderr)
        return EX_USAGE
    text = read_message(stdin or sys.stdin, args.ignore_dots)
    recipients = recipients_of(text, args.recipients, args.read_recipients)
    if not recipients:
        print("sendmail: no recipients (give addresses, or -t to read To/Cc/Bcc)", file=sys.stderr)
        return EX_USAGE
    # The sender (-f, -r, -F) is not sent: the simulator keeps no senders.
    body = {"service_name": args.service, "count": len(recipients), "recipients": recipients,
            "bounce_rate": args.bounce_rate}
    if args.bouncing:
        body["bouncing"] = args.bouncing
    try:
        admin("POST", "/_sim/send", body)
    except Exception as error:  # CliError or AdminError: the mail was not accepted
        print(f"sendmail: mail not accepted: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    return 0
