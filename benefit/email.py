"""Build mail from templates and send it over SMTP, or into instance/mail/ without a server."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


def build_message(
    to: str,
    subject: str,
    template: str,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> EmailMessage:
    """Render templates/email/<template>.txt and .html into a multipart message."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="benefit.localhost")
    for name, value in (headers or {}).items():
        msg[name] = value
    context.setdefault("subject", subject)
    msg.set_content(render_template(f"email/{template}.txt", **context))
    msg.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return msg


class Mailer:
    """One SMTP connection for a batch; `send` raises MailError per failed message."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        if self.config["MAIL_SERVER"]:
            self.smtp = self._connect()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                log.warning("SMTP quit failed", exc_info=True)
            except OSError:
                log.warning("SMTP connection lost before quit", exc_info=True)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        host, port, timeout = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), cfg["MAIL_TIMEOUT"]
        smtp: smtplib.SMTP
        if cfg["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        return smtp

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            self._write_file(msg)
            return
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"recipient refused: {exc.recipients}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # The connection may be unusable now: reconnect for the next message.
            self._reconnect()
            raise MailError(str(exc)) from exc

    def _reconnect(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.close()
            self.smtp = self._connect()
        except (smtplib.SMTPException, OSError):
            log.warning("SMTP reconnect failed", exc_info=True)

    def _write_file(self, msg: EmailMessage) -> None:
        folder = Path(self.config["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{formatdate(usegmt=True).replace(' ', '_').replace(':', '')}-{uuid.uuid4().hex[:8]}.eml"
        (folder / name).write_bytes(bytes(msg))
        log.info("mail to %s written to %s", msg["To"], folder / name)


def send_messages(messages: Iterable[EmailMessage]) -> list[tuple[EmailMessage, str]]:
    """Send a batch over one connection; return the messages that failed, with the reason."""
    failed: list[tuple[EmailMessage, str]] = []
    try:
        with Mailer() as mailer:
            for msg in messages:
                try:
                    mailer.send(msg)
                except MailError as exc:
                    log.warning("mail to %s failed: %s", msg["To"], exc)
                    failed.append((msg, str(exc)))
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"cannot reach the mail server: {exc}") from exc
    return failed


def send_message(msg: EmailMessage) -> None:
    failed = send_messages([msg])
    if failed:
        raise MailError(failed[0][1])
