"""Digest mail: the digest itself (subject that says what is inside, text and HTML, unsubscribe
headers, a Message-ID stable per subscription and period) and the visitor's confirmation mail."""

from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import quote, urlsplit

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from benefit.digests.actions import SubscribeRequest
from benefit.digests.collect import Digest
from benefit.digests.language import digest_locale
from benefit.digests.links import SiteLinks, site_url_for
from benefit.digests.period import Period
from benefit.digests.tokens import confirmation_token, unsubscribe_token
from benefit.email import MailError, build_message, send_message
from benefit.models import Subscription

log = logging.getLogger(__name__)


def digest_subject(digest: Digest) -> str:
    """E.g. "BENEFIT weekly digest, 16–22 Nov 2026: 3 practices, 1 discussion" (render in the
    recipient's language: see render_digest)."""
    counts = []
    if digest.practices:
        counts.append(ngettext("%(num)d practice", "%(num)d practices", len(digest.practices)))
    if digest.mistakes:
        counts.append(ngettext("%(num)d mistake", "%(num)d mistakes", len(digest.mistakes)))
    if digest.discussions:
        counts.append(ngettext("%(num)d discussion", "%(num)d discussions", len(digest.discussions)))
    return str(_("%(title)s: %(contents)s", title=digest_title(digest.period), contents=", ".join(counts)))


def digest_title(period: Period) -> str:
    """The digest's heading, "BENEFIT weekly digest, 16–22 Nov 2026", in the language being rendered."""
    site = current_app.config["SITE_NAME"]
    if period.frequency == "daily":
        return str(_("%(site)s daily digest, %(period)s", site=site, period=period.label))
    return str(_("%(site)s weekly digest, %(period)s", site=site, period=period.label))


def unsubscribe_mailto(token: str) -> str:
    address = (
        current_app.config["DIGEST_UNSUBSCRIBE_MAILTO"] or parseaddr(current_app.config["MAIL_SENDER"])[1]
    )
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def digest_message_id(sub: Subscription, period: Period) -> str:
    """The same Message-ID for every send of one subscription's digest for one period.

    A resend after an uncertain delivery (see transport.py) is then recognisably the same mail:
    mail clients and archives that see the ID twice show one message. Made from the
    subscription's random token, which it does not reveal, and not from its id.
    """
    tag = hashlib.sha256(f"{sub.token}\n{period.key}".encode()).hexdigest()[:20]
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "benefit.localhost"
    # Short, so that the header stays on one line for host names of up to 25 characters.
    return f"<digest.{period.start:%Y%m%d}.{tag}@{host}>"


def render_digest(
    sub: Subscription,
    to: str,
    digest: Digest,
    links: SiteLinks | None = None,
    locale: str | None = None,
) -> EmailMessage:
    """The digest as a mail in `locale` (by default the subscription's own language)."""
    links = links or SiteLinks()
    token = unsubscribe_token(sub)
    unsubscribe_url = links.url("digest.unsubscribe", token=token)
    manage_url = links.url("digest.settings") if sub.user_id is not None else unsubscribe_url
    with force_locale(locale or digest_locale(sub.locale)):
        msg = build_message(
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
            digest_title=digest_title(digest.period),
            frequency=sub.frequency,
            unsubscribe_url=unsubscribe_url,
            manage_url=manage_url,
            home_url=links.url("forum.home"),
        )
    msg.replace_header("Message-ID", digest_message_id(sub, digest.period))
    return msg


def send_confirmation(request: SubscribeRequest) -> None:
    """The double opt-in mail, for an address that is not confirmed yet; nothing for one that is.

    Written in the language chosen on the subscribe form (it may be sent after the response,
    outside any request).
    """
    if not request.needs_confirmation:
        return
    # The page it opens reads the language from the subscription (views.confirm).
    url = site_url_for("digest.confirm", token=confirmation_token(request.subscription_id, request.email))
    with force_locale(digest_locale(request.locale)):
        msg = build_message(
            request.email,
            _("Confirm your %(site)s digest subscription", site=current_app.config["SITE_NAME"]),
            "digest_confirm",
            frequency=request.frequency,
            url=url,
        )
    try:
        send_message(msg)
    except MailError:
        log.exception("digest confirmation mail to subscription %s failed", request.subscription_id)
