"""Mail: absolute links and signed tokens for it, messages built from templates, sent over SMTP
(or into instance/mail/ without a server).

Mail is built by CLI commands as well as by requests, so its links never come from `url_for`: a
request's Host header is the sender's choice, and a cron job has no request at all.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from werkzeug.routing import MapAdapter

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


# --- absolute links and signed tokens, with or without a request ------------------------------


# As url_for quotes `_anchor`.
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def _site_base(app: Flask) -> str:
    config = app.config
    if config.get("SITE_URL"):
        return str(config["SITE_URL"])
    if config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}{root}"
    raise RuntimeError("Set SITE_URL (BENEFIT_SITE_URL): links in mail need the site's address.")


def _site_adapter(app: Flask) -> MapAdapter:
    """URL building bound to the site's address, made once per app and address."""
    base = _site_base(app)
    cached: tuple[str, MapAdapter] | None = app.extensions.get("benefit.external_url")
    if cached is not None and cached[0] == base:
        return cached[1]
    parts = urlsplit(base)
    scheme = parts.scheme or "https"
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=scheme)
    app.extensions["benefit.external_url"] = (base, adapter)
    return adapter


def external_url(endpoint: str, /, **values: Any) -> str:
    """The absolute address of `endpoint` on this site, as a mail or a feed needs it: built from
    SITE_URL (else SERVER_NAME), in a request or not (CLI commands), never from a request's Host
    header, which the client chooses.

    `values` are the endpoint's arguments, extra ones become the query string, as with url_for;
    `_anchor` adds a #fragment.
    """
    anchor = values.pop("_anchor", None)
    url = _site_adapter(current_app).build(endpoint, values, force_external=True)
    return f"{url}#{quote(str(anchor), safe=_ANCHOR_SAFE)}" if anchor else url


def _secret_keys() -> list[str]:
    # itsdangerous signs with the last key and accepts all: mail sent before a key rotation
    # (SECRET_KEY_FALLBACKS keeps the old keys) still works.
    config = current_app.config
    return [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]


def sign_token(payload: Any, *, salt: str, timed: bool = False) -> str:
    """A URL-safe signed token for `payload` (JSON-able); `timed` ones can be given a max age when read.

    Each use has its own `salt`, so a token made for one purpose is refused by every other.
    """
    serializer = URLSafeTimedSerializer if timed else URLSafeSerializer
    return str(serializer(_secret_keys(), salt=salt).dumps(payload))


def read_token(token: str, *, salt: str, max_age: int | None = None) -> Any | None:
    """The payload of a token from `sign_token`, or None if it is forged, for another salt, or older
    than `max_age` seconds (given only for timed tokens)."""
    try:
        if max_age is None:
            return URLSafeSerializer(_secret_keys(), salt=salt).loads(token)
        return URLSafeTimedSerializer(_secret_keys(), salt=salt).loads(token, max_age=max_age)
    except BadData:  # a bad signature or payload, an expired timed token
        return None


def recipient_locale(chosen: str | None) -> str:
    """The language of a member's mail: the one they chose, else the site's default (never the
    language of whoever's request happens to send it)."""
    from benefit.i18n import default_locale, normalise

    return normalise(chosen) or default_locale()


def build_message(
    to: str,
    subject: Any,
    template: str,
    headers: Mapping[str, str] | None = None,
    *,
    locale: str | None = None,
    **context: Any,
) -> EmailMessage:
    """Render templates/email/<template>.txt and .html into a multipart message.

    With `locale` the subject (a string or a lazy one) and both bodies are in that language."""
    # force_locale works in any app context, so in a CLI command too: gettext, lazy strings, |date.
    with force_locale(locale) if locale else nullcontext():
        return _build(to, str(subject), template, headers, **context)


def _build(
    to: str, subject: str, template: str, headers: Mapping[str, str] | None, **context: Any
) -> EmailMessage:
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
