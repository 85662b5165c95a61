"""Digest subscriptions' verbs: subscribe (double opt-in for visitors), confirm, change, unsubscribe.

Each is one use case ending in one commit; a refusal rolls the session back here, so a view has
nothing to undo.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from benefit.accounts.actions import normalize_email
from benefit.digests.queries import subscription_by_address, subscription_of
from benefit.extensions import db
from benefit.i18n import LANGUAGES
from benefit.models import FREQUENCIES, Subscription, User, utcnow
from benefit.refusals import NotAllowed, ServiceError


@contextmanager
def _refusal_rolls_back() -> Iterator[None]:
    try:
        yield
    except ServiceError:
        db.session.rollback()
        raise


def _check_frequency(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ServiceError(_("Choose daily or weekly."), field="frequency")


def _check_locale(locale: str) -> None:
    """ "" is the site's default language; anything else must be one of the interface languages."""
    if locale and locale not in LANGUAGES:
        raise ServiceError(_("Choose one of the languages offered."), field="locale")


@dataclass(frozen=True)
class SubscribeRequest:
    """A visitor's request, in plain values: what the mail sent after the response needs."""

    subscription_id: int
    email: str
    frequency: str
    # False for an address that is confirmed already: it gets no mail at all.
    needs_confirmation: bool
    # The language its mail is written in ("" for the site's default).
    locale: str = ""


def subscribe_email(email: str, frequency: str, locale: str = "") -> SubscribeRequest:
    """A visitor subscribes an address; nothing is sent to it before it is confirmed.

    New, pending and confirmed addresses cost the same here — one lookup, one written row, one
    commit — so the time of the answer does not tell them apart; the confirmation mail goes out
    after the response (see views.subscribe). A confirmed subscription is written back unchanged:
    someone who is not its owner must not be able to change it (its language included).
    """
    with _refusal_rolls_back():
        _check_frequency(frequency)
        _check_locale(locale)
    email = normalize_email(email)
    sub = subscription_by_address(email)
    if sub is None:
        sub = Subscription(email=email, frequency=frequency, locale=locale)
        db.session.add(sub)
        db.session.flush()
        needs_confirmation = True
    else:
        needs_confirmation = sub.confirmed_at is None
        if not needs_confirmation:
            frequency, locale = sub.frequency, sub.locale
        db.session.execute(
            sa.update(Subscription)
            .where(Subscription.id == sub.id)
            .values(
                frequency=frequency if needs_confirmation else Subscription.frequency,
                locale=locale if needs_confirmation else Subscription.locale,
            )
            .execution_options(synchronize_session=False)
        )
    request = SubscribeRequest(sub.id, sub.email, frequency, needs_confirmation, locale)
    db.session.commit()
    return request


def confirm_subscription(sub: Subscription) -> Subscription:
    if sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
        db.session.commit()
    return sub


def _take_over_address(user: User, sub: Subscription | None) -> Subscription | None:
    """Make room for the member's own subscription at the account's address; return theirs, if any."""
    holder = db.session.scalar(sa.select(Subscription).where(Subscription.email == user.email))
    if holder is None or holder is sub:
        return sub
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
    return sub


def subscribe_member(user: User, frequency: str, only_followed_tags: bool, locale: str = "") -> Subscription:
    """A member subscribes with the account's (already confirmed) address, or changes the settings.

    The digest's language is the member's own language when they chose one, else `locale`.
    """
    with _refusal_rolls_back():
        _check_frequency(frequency)
        _check_locale(locale)
        if not user.email or user.email_confirmed_at is None:
            raise NotAllowed(_("Confirm your email address first: the digest goes to that address."))
    sub = _take_over_address(user, subscription_of(user))
    if sub is None:
        sub = Subscription(email=user.email)
        db.session.add(sub)
    sub.user_id = user.id
    sub.email = user.email
    sub.frequency = frequency
    sub.only_followed_tags = only_followed_tags
    sub.locale = user.locale if user.locale in LANGUAGES else locale
    if sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
    db.session.commit()
    return sub


def change_frequency(sub: Subscription, frequency: str) -> Subscription:
    with _refusal_rolls_back():
        _check_frequency(frequency)
    sub.frequency = frequency
    db.session.commit()
    return sub


def unsubscribe(sub: Subscription) -> None:
    """Delete the subscription (and its delivery history): no address is kept that gets nothing."""
    db.session.delete(sub)
    db.session.commit()


def unsubscribe_member(user: User) -> None:
    """A member stops their digest; nothing to do when there is none."""
    sub = subscription_of(user)
    if sub is not None:
        unsubscribe(sub)
