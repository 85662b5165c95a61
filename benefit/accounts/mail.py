"""Accounts' mail: confirmation, "someone tried to register with your address", password reset.

The request only decides what to send (recipient, links: plain values); the message is rendered
and sent once the answer has gone out, when the server closes the response. Rendering a message
alone takes some 10 ms, so an answer then takes as long whether or not a mail follows it, and its
time does not tell a visitor whether an address has an account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from benefit.accounts.actions import Registered
from benefit.accounts.queries import email_token
from benefit.email import MailError, build_message, recipient_locale, send_message
from benefit.models import User

NO_SERVER_NOTE = "No mail server is configured: the mail was written to instance/mail/."  # the log's


@dataclass(frozen=True)
class Recipient:
    """What a template says about the member: plain values, readable after the request's session."""

    display_name: str


@dataclass(frozen=True)
class Mail:
    what: str  # for the log
    to: str
    subject: LazyString  # read, as the bodies are written, in the recipient's language
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    locale: str = ""  # the recipient's choice; "" is the site's default language


def confirmation(user: User) -> Mail:
    token = email_token(user, "confirm")
    return Mail(
        "confirmation",
        user.email or "",
        _l("Confirm your email address for BENEFIT"),
        "confirm_email",
        {
            "user": Recipient(user.display_name),
            "url": url_for("accounts.confirm", token=token, _external=True),
        },
        user.locale,
    )


def already_registered(email: str, locale: str = "") -> Mail:
    return Mail(
        "already-registered",
        email,
        _l("Someone tried to register with your address"),
        "already_registered",
        {
            "login_url": url_for("accounts.login", _external=True),
            "reset_url": url_for("accounts.request_reset", _external=True),
        },
        locale,
    )


def registration(outcome: Registered) -> Mail:
    """The new member's confirmation, or a word to the owner of an address that has an account."""
    if outcome.user is None:
        return already_registered(outcome.email, outcome.locale)
    return confirmation(outcome.user)


def password_reset(user: User) -> Mail:
    token = email_token(user, "reset")
    return Mail(
        "password reset",
        user.email or "",
        _l("Reset your BENEFIT password"),
        "reset_password",
        {
            "user": Recipient(user.display_name),
            "url": url_for("accounts.reset", token=token, _external=True),
            "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
        },
        user.locale,
    )


def send_after(response: Response, mail: Mail) -> Response:
    """Render and send `mail` once `response` has gone out; a failure is logged, never shown."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                locale = recipient_locale(mail.locale)
                message = build_message(mail.to, mail.subject, mail.template, locale=locale, **mail.context)
                send_message(message)
            except MailError:
                app.logger.exception("%s mail failed", mail.what)
                return
            if not app.config["MAIL_SERVER"]:
                app.logger.warning("%s (%s mail, in %s)", NO_SERVER_NOTE, mail.what, app.config["MAIL_DIR"])

    response.call_on_close(send)
    return response


def is_development(app: Flask) -> bool:
    """The developer's own server: debug mode, or the default ENV_NAME outside the test suite."""
    return app.debug or (app.config["ENV_NAME"] == "development" and not app.testing)


def note_for_developer() -> str:
    """Words for the flash after a mail: where it went, for the developer only (members never see
    it). The server log says the same on every server, when the mail is written."""
    if current_app.config["MAIL_SERVER"] or not is_development(current_app):
        return ""
    return " (" + str(_("No mail server is configured: the mail was written to instance/mail/.")) + ")"
