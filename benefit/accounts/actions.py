"""Accounts' verbs: register, confirm, log in and out, reset, change the password or profile, delete."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import NoReturn

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from benefit.accounts import queries
from benefit.accounts.queries import normalize_email, own_subscriptions
from benefit.extensions import db
from benefit.forum.tags import resolve_tags
from benefit.i18n import normalise
from benefit.models import (
    LIBRARY_TYPES,
    Bookmark,
    DigestDelivery,
    Notification,
    NotificationSetting,
    Reply,
    Subscription,
    TagFollow,
    Topic,
    TopicFollow,
    User,
    Vote,
    new_session_token,
    utcnow,
)
from benefit.moderation import audit
from benefit.refusals import Conflict, NotAllowed, ServiceError

__all__ = ["normalize_email"]  # imported from here by digests' subscriptions

# Stored data, kept in the source language: pages show a deleted member as User.public_name, in
# the reader's language.
FORMER_NAME = "Former member"
REMOVED_REASON = "Removed by its author when the account was deleted."


def _refuse(error: ServiceError) -> NoReturn:
    """End the use case: nothing it changed is kept, and the view shows the error."""
    db.session.rollback()
    raise error


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    display_name: str
    institution: str
    library_type: str
    country: str
    job_role: str
    locale: str = ""  # the interface language the visitor registered in: their mail's language


@dataclass(frozen=True)
class Registered:
    """What a registration did. The visitor is told the same either way; the mail differs."""

    email: str
    user: User | None  # None: the address already has an account, and nothing was made
    locale: str = ""  # the language of the mail to the address: its account's, or the new one's


def register(data: Registration) -> Registered:
    username = data.username.strip().lower()
    email = normalize_email(data.email)
    if data.library_type not in LIBRARY_TYPES:
        _refuse(ServiceError(_("Choose a library type from the list."), field="library_type"))
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        _refuse(Conflict(_("That username is taken. Choose another."), field="username"))
    # Hashed before the address is looked at, so a taken address costs as long as a new one.
    password_hash = generate_password_hash(data.password)
    owner = queries.find_by_email(email)
    if owner is not None:
        locale = owner.locale
        db.session.rollback()
        return Registered(email=email, user=None, locale=locale)
    user = User(
        username=username,
        email=email,
        password_hash=password_hash,
        display_name=data.display_name.strip(),
        institution=data.institution.strip(),
        library_type=data.library_type,
        country=data.country.strip().upper(),
        job_role=data.job_role.strip(),
        locale=normalise(data.locale) or "",
    )
    if not current_app.config["REQUIRE_EMAIL_CONFIRMATION"]:
        user.email_confirmed_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return Registered(email=email, user=user, locale=user.locale)


@dataclass(frozen=True)
class Confirmed:
    user: User
    first_time: bool  # the link was followed for the first time: it may log its owner in, once


def confirm_email(token: str) -> Confirmed | None:
    user = queries.user_from_token(token, "confirm", current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if user is None:
        return None
    first_time = user.email_confirmed_at is None
    if first_time:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return Confirmed(user=user, first_time=first_time)


def authenticate(login: str, password: str) -> User | None:
    login = login.strip().lower()
    by_name_or_email = sa.or_(User.username == login, User.email == login)
    user: User | None = db.session.scalar(sa.select(User).where(by_name_or_email))
    if user is None or user.is_deleted:
        # Spend the same time on a missing account as on a wrong password.
        generate_password_hash(password)
        return None
    if not user.check_password(password):
        return None
    user.last_seen_at = utcnow()
    db.session.commit()
    return user


def log_out(user: User) -> None:
    """A new session token: every cookie carrying the old one, copies included, is refused."""
    user.session_token = new_session_token()
    db.session.commit()


def log_out_other_sessions(user: User) -> None:
    # The view gives this browser a cookie with the new token.
    log_out(user)


def reset_password(token: str, new_password: str) -> User | None:
    user = queries.user_from_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])
    if user is None:
        return None
    user.set_password(new_password)
    user.session_token = new_session_token()
    # Following a mailed link proves the address too.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        _refuse(ServiceError(_("Your current password is not right."), field="current_password"))
    user.set_password(new)
    user.session_token = new_session_token()
    db.session.commit()


@dataclass(frozen=True)
class Profile:
    display_name: str
    institution: str
    library_type: str
    country: str
    job_role: str
    bio: str
    platforms: list[str]
    locale: str  # the interface and mail language ("pl", "en"); "" keeps the member's setting


def update_profile(user: User, profile: Profile) -> User:
    if profile.library_type not in LIBRARY_TYPES:
        _refuse(ServiceError(_("Choose a library type from the list."), field="library_type"))
    locale = normalise(profile.locale) if profile.locale else user.locale
    if locale is None:
        _refuse(ServiceError(_("Choose a language from the list."), field="locale"))
    try:
        user.platforms = resolve_tags(profile.platforms, "platform")
    except ServiceError as exc:
        _refuse(exc)
    user.display_name = profile.display_name.strip()
    user.institution = profile.institution.strip()
    user.library_type = profile.library_type
    user.country = profile.country.strip().upper()
    user.job_role = profile.job_role.strip()
    user.bio = profile.bio.strip()
    user.locale = locale
    db.session.commit()
    return user


def set_locale(user: User, code: str) -> bool:
    """The header's switcher, for a member: their interface and mail language. False: unknown code."""
    locale = normalise(code)
    if locale is None:
        return False
    if user.locale != locale:
        user.locale = locale
        db.session.commit()
    return True


def create_admin(username: str, email: str, password: str, display_name: str = "") -> User:
    username = username.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            email=normalize_email(email),
            display_name=display_name or username,
        )
        db.session.add(user)
    user.set_password(password)
    user.role = "admin"
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.commit()
    return user


# --- deleting an account (GDPR) -------------------------------------------------------------------


def delete_account(user: User, password: str, *, remove_posts: bool = False) -> None:
    """Erase the member's personal data; posts stay under "Former member" unless `remove_posts`.

    The row itself stays so posts, revisions and the audit log keep a valid author.
    """
    if user.is_deleted:
        _refuse(NotAllowed(_("This account is already deleted.")))
    if not user.check_password(password):
        _refuse(ServiceError(_("Your password is not right."), field="password"))
    _erase_votes(user)
    _erase_subscriptions(user)
    for model in (TopicFollow, TagFollow, Bookmark, Notification, NotificationSetting):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    if remove_posts:
        _remove_posts(user)
    _anonymise(user)
    audit.record(user, "account.deleted", target_kind="user", target_id=user.id, removed_posts=remove_posts)
    db.session.commit()


def _erase_votes(user: User) -> None:
    voted_topic_ids = list(db.session.scalars(sa.select(Vote.topic_id).where(Vote.user_id == user.id)))
    if voted_topic_ids:
        # Take the topics' row locks first, in id order, as a vote does: the recount below then
        # sees every vote committed meanwhile (PostgreSQL; SQLite serialises writers anyway).
        db.session.execute(
            sa.select(Topic.id)
            .where(Topic.id.in_(voted_topic_ids))
            .order_by(Topic.id)
            .with_for_update(key_share=True)
        )
    db.session.execute(sa.delete(Vote).where(Vote.user_id == user.id))
    if voted_topic_ids:
        counted = sa.select(sa.func.count(Vote.id)).where(Vote.topic_id == Topic.id).scalar_subquery()
        db.session.execute(
            sa.update(Topic).where(Topic.id.in_(voted_topic_ids)).values(vote_count=counted),
            execution_options={"synchronize_session": False},
        )


def _erase_subscriptions(user: User) -> None:
    subscription_ids = list(db.session.scalars(sa.select(Subscription.id).where(own_subscriptions(user))))
    if subscription_ids:
        db.session.execute(
            sa.delete(DigestDelivery).where(DigestDelivery.subscription_id.in_(subscription_ids))
        )
        db.session.execute(sa.delete(Subscription).where(Subscription.id.in_(subscription_ids)))


def _remove_posts(user: User) -> None:
    # Through the ORM, so the search change log sees every one of them.
    for topic in db.session.scalars(sa.select(Topic).where(Topic.author_id == user.id)):
        topic.state = "hidden"
        topic.moderation_reason = REMOVED_REASON
    replied_topic_ids = set()
    for reply in db.session.scalars(sa.select(Reply).where(Reply.author_id == user.id)):
        if reply.state == "published":
            replied_topic_ids.add(reply.topic_id)
        reply.state = "hidden"
        reply.moderation_reason = REMOVED_REASON
    if replied_topic_ids:
        db.session.flush()
        published = (
            sa.select(sa.func.count(Reply.id))
            .where(Reply.topic_id == Topic.id, Reply.state == "published")
            .scalar_subquery()
        )
        db.session.execute(
            sa.update(Topic).where(Topic.id.in_(replied_topic_ids)).values(reply_count=published),
            execution_options={"synchronize_session": False},
        )


def _anonymise(user: User) -> None:
    user.email = None
    user.email_confirmed_at = None
    user.username = f"former-member-{user.id}"
    user.display_name = FORMER_NAME
    user.institution = ""
    user.job_role = ""
    user.bio = ""
    user.country = ""
    user.library_type = "other"
    user.platforms = []
    # Nobody knows this password, and the new session token ends every login.
    user.set_password(secrets.token_urlsafe(32))
    user.session_token = new_session_token()
    user.deleted_at = utcnow()
