"""Digest subscriptions: subscribe (double opt-in for visitors), confirm, change, unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from benefit.accounts.actions import normalize_email
from benefit.extensions import db
from benefit.models import FREQUENCIES, Subscription, User, utcnow
from benefit.refusals import NotAllowed, ServiceError


def _secret_keys() -> list[str]:
    # itsdangerous signs with the last key and accepts all: old mails survive a key rotation.
    config = current_app.config
    return [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]


def _check_frequency(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ServiceError("Choose daily or weekly.", field="frequency")


@dataclass(frozen=True)
class VisitorSubscription:
    """What the view needs to answer a visitor without revealing what it found."""

    subscription: Subscription
    # False for an address that is already confirmed: it gets no mail at all.
    needs_confirmation: bool


def subscribe_email(email: str, frequency: str) -> VisitorSubscription:
    """A visitor subscribes an address; nothing is sent to it before it is confirmed."""
    _check_frequency(frequency)
    email = normalize_email(email)
    sub = _by_address(email)
    if sub is not None and sub.confirmed_at is not None:
        # Someone who is not the owner must not be able to change a live subscription.
        return VisitorSubscription(sub, needs_confirmation=False)
    if sub is None:
        sub = Subscription(email=email, frequency=frequency)
        db.session.add(sub)
    else:
        sub.frequency = frequency
    db.session.commit()
    return VisitorSubscription(sub, needs_confirmation=True)


def confirmation_token(sub: Subscription) -> str:
    return URLSafeTimedSerializer(_secret_keys(), salt="digest-confirm").dumps(
        {"id": sub.id, "email": sub.email}
    )


def subscription_from_confirmation(token: str) -> Subscription | None:
    try:
        payload = URLSafeTimedSerializer(_secret_keys(), salt="digest-confirm").loads(
            token, max_age=current_app.config["DIGEST_CONFIRM_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    sub = db.session.get(Subscription, payload.get("id"))
    if sub is None or sub.email != payload.get("email"):
        return None
    return sub


def confirm_subscription(sub: Subscription) -> Subscription:
    if sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
        db.session.commit()
    return sub


def unsubscribe_token(sub: Subscription) -> str:
    """The signed per-subscription token in every digest's unsubscribe link (it never expires)."""
    return str(URLSafeSerializer(_secret_keys(), salt="digest-unsubscribe").dumps(sub.token))


def subscription_from_token(token: str) -> Subscription | None:
    try:
        raw = URLSafeSerializer(_secret_keys(), salt="digest-unsubscribe").loads(token)
    except BadSignature:
        return None
    if not isinstance(raw, str):
        return None
    sub: Subscription | None = db.session.scalar(sa.select(Subscription).where(Subscription.token == raw))
    return sub


def subscription_of(user: User) -> Subscription | None:
    sub: Subscription | None = db.session.scalar(
        sa.select(Subscription).where(Subscription.user_id == user.id)
    )
    return sub


def _by_address(email: str) -> Subscription | None:
    """The subscription that mails `email`: an email-only one, or a member's (whose account has it now)."""
    sub: Subscription | None = db.session.scalar(
        sa.select(Subscription)
        .outerjoin(User, User.id == Subscription.user_id)
        .where(sa.or_(Subscription.email == email, User.email == email))
        .order_by(Subscription.user_id.is_(None))
        .limit(1)
    )
    return sub


def subscribe_member(user: User, frequency: str, only_followed_tags: bool) -> Subscription:
    """A member subscribes with the account's (already confirmed) address, or changes the settings."""
    _check_frequency(frequency)
    if not user.email or user.email_confirmed_at is None:
        raise NotAllowed("Confirm your email address first: the digest goes to that address.")
    sub = subscription_of(user)
    holder = db.session.scalar(sa.select(Subscription).where(Subscription.email == user.email))
    if holder is not None and holder is not sub:
        if holder.user_id is None and sub is None:
            # An earlier email-only subscription of this (confirmed) address becomes the member's.
            sub = holder
        elif holder.user_id is None:
            db.session.delete(holder)  # the member's own subscription covers that address now
        else:
            # The address moved here from another account: that subscription follows its owner.
            other = db.session.get(User, holder.user_id)
            if other is not None and other.email:
                holder.email = other.email
            else:
                db.session.delete(holder)
        db.session.flush()
    if sub is None:
        sub = Subscription(email=user.email)
        db.session.add(sub)
    sub.user_id = user.id
    sub.email = user.email
    sub.frequency = frequency
    sub.only_followed_tags = only_followed_tags
    if sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
    db.session.commit()
    return sub


def change_frequency(sub: Subscription, frequency: str) -> Subscription:
    _check_frequency(frequency)
    sub.frequency = frequency
    db.session.commit()
    return sub


def unsubscribe(sub: Subscription) -> None:
    """Delete the subscription (and its delivery history): no address is kept that gets nothing."""
    db.session.delete(sub)
    db.session.commit()
