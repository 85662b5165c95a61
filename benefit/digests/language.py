"""The language a subscriber's digest mail and digest pages are written in.

A member's own language wins (their account's setting), then the language chosen when
subscribing, then the site's default. Mail is rendered inside `flask_babel.force_locale(...)`
with it, in a request or in the CLI sender alike.
"""

from __future__ import annotations

from benefit.i18n import default_locale, normalise
from benefit.models import Subscription


def digest_locale(subscription_locale: str | None, member_locale: str | None = None) -> str:
    return normalise(member_locale) or normalise(subscription_locale) or default_locale()


def subscription_language(sub: Subscription) -> str:
    """For a subscription still in the session (a page reached from a mail link)."""
    return digest_locale(sub.locale, sub.user.locale if sub.user is not None else None)
