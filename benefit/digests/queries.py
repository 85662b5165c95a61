"""Digest reads: a subscription from a link's token, a member's subscription, who holds an address."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from benefit.digests.tokens import read_confirmation_token, read_unsubscribe_token
from benefit.extensions import db
from benefit.models import Subscription, TagFollow, User


def subscription_from_confirmation(token: str) -> Subscription | None:
    """The subscription a confirmation link names, if the link is valid and the address unchanged."""
    found = read_confirmation_token(token)
    if found is None or not isinstance(found[0], int):
        return None
    sub = db.session.get(Subscription, found[0])
    if sub is None or sub.email != found[1]:
        return None
    return sub


def subscription_from_token(token: str) -> Subscription | None:
    """The subscription an unsubscribe link names, or None for a forged or dead link."""
    raw = read_unsubscribe_token(token)
    if raw is None:
        return None
    sub: Subscription | None = db.session.scalar(sa.select(Subscription).where(Subscription.token == raw))
    return sub


def subscription_of(user: User) -> Subscription | None:
    sub: Subscription | None = db.session.scalar(
        sa.select(Subscription).where(Subscription.user_id == user.id)
    )
    return sub


def subscription_by_address(email: str) -> Subscription | None:
    """The subscription that mails `email`: an email-only one, or a member's (whose account has it now)."""
    sub: Subscription | None = db.session.scalar(
        sa.select(Subscription)
        .outerjoin(User, User.id == Subscription.user_id)
        .where(sa.or_(Subscription.email == email, User.email == email))
        .order_by(Subscription.user_id.is_(None))
        .limit(1)
    )
    return sub


@dataclass(frozen=True)
class MemberDigest:
    """What the member's digest settings show: the subscription, if any, and how many tags they follow."""

    subscription: Subscription | None
    followed_tags: int


def member_digest(user: User) -> MemberDigest:
    followed = db.session.scalar(
        sa.select(sa.func.count()).select_from(TagFollow).where(TagFollow.user_id == user.id)
    )
    return MemberDigest(subscription_of(user), followed or 0)
