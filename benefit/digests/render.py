"""A digest as a mail: subject that says what is inside, text and HTML parts, unsubscribe headers."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import quote

from flask import current_app

from benefit.digests.collect import Digest
from benefit.digests.links import SiteLinks
from benefit.email import build_message
from benefit.models import Subscription
from benefit.services.subscriptions import unsubscribe_token


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def digest_subject(digest: Digest) -> str:
    parts = [
        _count(len(items), one, many)
        for items, one, many in (
            (digest.practices, "practice", "practices"),
            (digest.mistakes, "mistake", "mistakes"),
            (digest.discussions, "discussion", "discussions"),
        )
        if items
    ]
    site = current_app.config["SITE_NAME"]
    return f"{site} {digest.period.frequency} digest, {digest.period.label}: {', '.join(parts)}"


def unsubscribe_mailto(token: str) -> str:
    address = (
        current_app.config["DIGEST_UNSUBSCRIBE_MAILTO"] or parseaddr(current_app.config["MAIL_SENDER"])[1]
    )
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def render_digest(sub: Subscription, to: str, digest: Digest, links: SiteLinks | None = None) -> EmailMessage:
    links = links or SiteLinks()
    token = unsubscribe_token(sub)
    unsubscribe_url = links.url("digest.unsubscribe", token=token)
    manage_url = links.url("digest.settings") if sub.user_id is not None else unsubscribe_url
    return build_message(
        to,
        digest_subject(digest),
        "digest",
        headers={
            # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe button.
            "List-Unsubscribe": f"<{unsubscribe_url}>, <{unsubscribe_mailto(token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        digest=digest,
        frequency=sub.frequency,
        unsubscribe_url=unsubscribe_url,
        manage_url=manage_url,
        home_url=links.url("forum.home"),
    )
