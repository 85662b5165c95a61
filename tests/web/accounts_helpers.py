"""Helpers for the account tests: a registration form, the mail folder as an outbox, mail links."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask

REGISTRATION = {
    "username": "anna_k",
    "email": "Anna@Example.org",
    "password": "a-long-password",
    "display_name": "Anna Kowalska",
    "institution": "Miejska Biblioteka Publiczna",
    "library_type": "public",
    "country": "pl",
    "job_role": "Social media coordinator",
}


def mails(app: Flask) -> list[Any]:
    """What the site sent without a mail server: the .eml files in MAIL_DIR, oldest first."""
    folder = Path(app.config["MAIL_DIR"])
    if not folder.exists():
        return []
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def text_of(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def mail_link(msg: EmailMessage, pattern: str) -> str:
    text = text_of(msg)
    match = re.search(r"https?://\S*" + pattern + r"\S*", text)
    assert match, text
    return match.group(0).replace("http://benefit.test", "")


def without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*?value=")[^"]*', r"\1", html)
