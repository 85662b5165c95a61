"""Sending one digest over SMTP, and telling apart what became of it: accepted, refused, uncertain.

SMTP cannot deliver exactly once. The server takes responsibility for a message when it sends its
reply to the end of DATA; if the connection is lost after the message went out and before that
reply arrived, the sender cannot know whether the server kept it. Only that window is
*uncertain*: a refusal (an error reply to MAIL, RCPT, DATA or the message) and a connection lost
before the message went out both mean the server certainly does not have it (*refused*).

The digest's choice: an uncertain delivery is sent again **once** by the next run, with the same
Message-ID (mail.digest_message_id), so that a duplicate is recognisably the same mail; if that
resend is uncertain too, it is given up. A subscriber gets at most two copies, never one per
retry, and a digest is not silently lost to a connection that broke at the wrong moment. A
refused delivery is retried up to DIGEST_MAX_ATTEMPTS, since a refusal never duplicates.

The notification sender (benefit/social/delivery.py) chose the other way for a crash: its claimed
emails are never taken over, so a run killed mid-batch loses that batch's mail rather than send
any of it twice, while a digest claim left by a crashed run is retried once it is stale
(DIGEST_STALE_CLAIM_SECONDS). It also has no uncertain state: a connection lost after the message
went out counts as failed there and is retried by every run until the notification is too old.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from enum import Enum

from benefit.email import Mailer, MailError


class Outcome(Enum):
    ACCEPTED = "accepted"  # the server replied 250 to the message: it is the server's now
    REFUSED = "refused"  # the server certainly does not have it
    UNCERTAIN = "uncertain"  # the message went out; its reply never came


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str = ""


class Unreachable(MailError):
    """No connection to the mail server could be made: nothing was sent."""


class _Refused(Exception):
    def __init__(self, what: str, code: int, reply: bytes) -> None:
        super().__init__(f"{what} refused: {code} {reply.decode(errors='replace')}")
        self.code = code


def _data(msg: EmailMessage, international: bool) -> bytes:
    """The message as DATA sends it: CRLF line ends, leading dots doubled, ended by a lone dot."""
    raw = msg.as_bytes(policy=policy.SMTPUTF8 if international else policy.SMTP)
    raw = re.sub(rb"(?m)^\.", b"..", raw)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw + b".\r\n"


class DigestMailer(Mailer):
    """One SMTP connection for a chunk of digests, opened with the first one, reopened after a loss.

    Without MAIL_SERVER, each message is written to MAIL_DIR as Mailer does, and counts as accepted.
    """

    def __enter__(self) -> DigestMailer:
        return self  # connect when the first digest is sent: a chunk with nothing new opens nothing

    def deliver(self, msg: EmailMessage) -> Result:
        """Send one message; raises Unreachable when there is no server to send it to."""
        if not self.config["MAIL_SERVER"]:
            self._write_file(msg)
            return Result(Outcome.ACCEPTED)
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                raise Unreachable(f"cannot reach the mail server: {exc}") from exc
        smtp = self.smtp
        sender, recipient = parseaddr(str(msg["From"]))[1], parseaddr(str(msg["To"]))[1]
        international = not (sender + recipient).isascii()
        try:
            self._envelope(smtp, sender, recipient, international)
        except _Refused as exc:
            self._reset(smtp, exc.code)
            return Result(Outcome.REFUSED, str(exc))
        except (smtplib.SMTPException, OSError) as exc:
            self._drop(smtp)
            return Result(Outcome.REFUSED, f"not sent: {exc}")
        try:
            smtp.send(_data(msg, international))
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop(smtp)
            return Result(Outcome.UNCERTAIN, f"connection lost after the message was sent: {exc}")
        if code != 250:
            self._reset(smtp, code)
            return Result(Outcome.REFUSED, str(_Refused("message", code, reply)))
        return Result(Outcome.ACCEPTED)

    @staticmethod
    def _envelope(smtp: smtplib.SMTP, sender: str, recipient: str, international: bool) -> None:
        """MAIL, RCPT and DATA up to the server's go-ahead; raises _Refused on any other reply."""
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender, ["SMTPUTF8", "BODY=8BITMIME"] if international else [])
        if code != 250:
            raise _Refused("sender", code, reply)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            raise _Refused("recipient", code, reply)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise _Refused("DATA", code, reply)

    def _reset(self, smtp: smtplib.SMTP, code: int) -> None:
        """After a refusal: RSET for the next message, or a new connection if the server is closing."""
        if code == 421:
            self._drop(smtp)
            return
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop(smtp)

    def _drop(self, smtp: smtplib.SMTP) -> None:
        smtp.close()
        self.smtp = None  # the next message connects again
