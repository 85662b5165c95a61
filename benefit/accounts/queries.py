"""Accounts' reads: members by address or mailed token, and everything stored about a member (GDPR)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from benefit.extensions import db
from benefit.models import (
    Bookmark,
    Flag,
    Notification,
    NotificationSetting,
    Reply,
    Subscription,
    Tag,
    TagFollow,
    Topic,
    TopicFollow,
    User,
    Vote,
    utcnow,
)

# Notifications whose message names who caused them (a reply, a mention): the export names them too.
# Any other actor is a moderator, whom the site never names to the member, so neither does the export.
NAMED_ACTOR_KINDS = frozenset({"reply", "mention"})


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def account_for_reset(email: str) -> User | None:
    """The member a password-reset mail goes to, if the address has a live account."""
    user = find_by_email(email)
    return user if user is not None and not user.is_deleted and user.email else None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def email_token(user: User, purpose: str) -> str:
    # The password hash is part of a reset token, so a used token dies with the old password.
    payload = {"id": user.id, "email": user.email}
    if purpose == "reset":
        payload["pw"] = user.password_hash[-12:]
    return _serializer(purpose).dumps(payload)


def user_from_token(token: str, purpose: str, max_age: int) -> User | None:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(User, payload.get("id"))
    if user is None or user.is_deleted or user.email != payload.get("email"):
        return None
    if purpose == "reset" and user.password_hash[-12:] != payload.get("pw"):
        return None
    return user


def own_subscriptions(user: User) -> sa.ColumnElement[bool]:
    """The member's subscription, and any made with their address before they joined."""
    clause: sa.ColumnElement[bool] = Subscription.user_id == user.id
    if user.email:
        clause = sa.or_(clause, Subscription.email == user.email)
    return clause


# --- the GDPR export ------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about `user`, as JSON-ready values.

    Other members appear only by their public name, never their email or account details; the
    moderators behind decisions about the member not at all, as on the site.
    """
    return {
        "exported_at": utcnow().isoformat(),
        "profile": _profile(user),
        "topics": _topics(user),
        "replies": _replies(user),
        "votes": _on_topics(Vote, Vote.user_id == user.id, Vote.id),
        "follows": {
            "topics": _on_topics(TopicFollow, TopicFollow.user_id == user.id, TopicFollow.topic_id),
            "tags": _tag_follows(user),
        },
        "bookmarks": _on_topics(Bookmark, Bookmark.user_id == user.id, Bookmark.topic_id),
        "subscriptions": _subscriptions(user),
        "notifications": _notifications(user),
        "notification_settings": [
            {"kind": s.kind, "email_frequency": s.email_frequency}
            for s in db.session.scalars(
                sa.select(NotificationSetting).where(NotificationSetting.user_id == user.id)
            )
        ],
        "flags": _flags(user),
    }


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "email_confirmed_at": _when(user.email_confirmed_at),
        "display_name": user.display_name,
        "institution": user.institution,
        "library_type": user.library_type,
        "country": user.country,
        "job_role": user.job_role,
        "bio": user.bio,
        "platforms": [t.slug for t in user.platforms],
        "role": user.role,
        "created_at": _when(user.created_at),
        "last_seen_at": _when(user.last_seen_at),
        "suspended_until": _when(user.suspended_until),
    }


def _topics(user: User) -> list[dict[str, Any]]:
    topics = db.session.scalars(sa.select(Topic).where(Topic.author_id == user.id).order_by(Topic.id))
    return [
        {
            "id": t.id,
            "kind": t.kind,
            "title": t.title,
            "body": t.body,
            "state": t.state,
            "tags": [tag.slug for tag in t.tags],
            "category": t.category,
            "how_to_avoid": t.how_to_avoid,
            "evidence_links": t.evidence_link_list,
            "library_types": t.library_type_list,
            "is_anonymous": t.is_anonymous,
            "created_at": _when(t.created_at),
            "updated_at": _when(t.updated_at),
        }
        for t in topics
    ]


def _replies(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(Reply, Topic.title)
        .join(Topic, Topic.id == Reply.topic_id)
        .where(Reply.author_id == user.id)
        .order_by(Reply.id)
    )
    return [
        {
            "id": r.id,
            "topic": {"id": r.topic_id, "title": title},
            "body": r.body,
            "state": r.state,
            "created_at": _when(r.created_at),
            "updated_at": _when(r.updated_at),
        }
        for r, title in rows
    ]


def _on_topics(
    model: type[Vote] | type[TopicFollow] | type[Bookmark],
    mine: sa.ColumnElement[bool],
    order: Any,
) -> list[dict[str, Any]]:
    """A member's rows pointing at a topic (votes, follows, bookmarks): the topic and when."""
    rows = db.session.execute(
        sa.select(model.topic_id, model.created_at, Topic.title)
        .join(Topic, Topic.id == model.topic_id)
        .where(mine)
        .order_by(order)
    )
    return [
        {"topic": {"id": topic_id, "title": title}, "created_at": _when(created_at)}
        for topic_id, created_at, title in rows
    ]


def _tag_follows(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(TagFollow.created_at, Tag.slug)
        .join(Tag, Tag.id == TagFollow.tag_id)
        .where(TagFollow.user_id == user.id)
        .order_by(Tag.slug)
    )
    return [{"tag": slug, "created_at": _when(created_at)} for created_at, slug in rows]


def _subscriptions(user: User) -> list[dict[str, Any]]:
    return [
        {
            "email": s.email,
            "frequency": s.frequency,
            "only_followed_tags": s.only_followed_tags,
            "created_at": _when(s.created_at),
            "confirmed_at": _when(s.confirmed_at),
        }
        for s in db.session.scalars(sa.select(Subscription).where(own_subscriptions(user)))
    ]


def _notifications(user: User) -> list[dict[str, Any]]:
    notifications = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return [
        {
            "kind": n.kind,
            "message": n.message,
            # Who caused it, by public name only, and only where the site names them.
            "actor": n.actor.public_name if n.actor and n.kind in NAMED_ACTOR_KINDS else None,
            "topic_id": n.topic_id,
            "reply_id": n.reply_id,
            "created_at": _when(n.created_at),
            "read_at": _when(n.read_at),
        }
        for n in notifications
    ]


def _flags(user: User) -> list[dict[str, Any]]:
    flags = db.session.scalars(sa.select(Flag).where(Flag.user_id == user.id).order_by(Flag.id))
    return [
        {
            "target": {"kind": f.target_kind, "id": f.target_id},
            "reason": f.reason,
            "note": f.note,
            "created_at": _when(f.created_at),
            # What was decided and when; never who decided it.
            "resolution": f.resolution,
            "resolved_at": _when(f.resolved_at),
        }
        for f in flags
    ]
