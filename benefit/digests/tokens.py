"""The signed tokens in digest mail: a confirmation link that expires, an unsubscribe link that does not."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from benefit.models import Subscription

CONFIRM_SALT = "digest-confirm"
UNSUBSCRIBE_SALT = "digest-unsubscribe"


def _secret_keys() -> list[str]:
    # itsdangerous signs with the last key and accepts all: old mails survive a key rotation.
    config = current_app.config
    return [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]


def confirmation_token(subscription_id: int, email: str) -> str:
    """Bound to the address too: a subscription whose address changed is not confirmed by an old link."""
    payload = {"id": subscription_id, "email": email}
    return str(URLSafeTimedSerializer(_secret_keys(), salt=CONFIRM_SALT).dumps(payload))


def read_confirmation_token(token: str) -> tuple[Any, Any] | None:
    """(id, email) from a valid, unexpired confirmation token; else None. The caller checks both."""
    try:
        payload = URLSafeTimedSerializer(_secret_keys(), salt=CONFIRM_SALT).loads(
            token, max_age=current_app.config["DIGEST_CONFIRM_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    return payload.get("id"), payload.get("email")


def unsubscribe_token(sub: Subscription) -> str:
    """The signed token in every digest's unsubscribe link (it never expires)."""
    return str(URLSafeSerializer(_secret_keys(), salt=UNSUBSCRIBE_SALT).dumps(sub.token))


def read_unsubscribe_token(token: str) -> str | None:
    """The subscription's own random token, from a validly signed unsubscribe token."""
    try:
        raw = URLSafeSerializer(_secret_keys(), salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    return raw if isinstance(raw, str) else None
