"""A member's own data: export it as JSON, or delete the account."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import (
    Bookmark,
    DigestDelivery,
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
    new_session_token,
    utcnow,
)
from benefit.moderation import audit
from benefit.refusals import NotAllowed, ServiceError

FORMER_NAME = "Former member"
REMOVED_REASON = "Removed by its author when the account was deleted."


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _topic_ref(topic: Topic | None) -> dict[str, Any] | None:
    return {"id": topic.id, "title": topic.title} if topic else None


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about `user`, as JSON-ready values.

    Other members appear only by their public name: never their email or account details.
    """
    topics = db.session.scalars(sa.select(Topic).where(Topic.author_id == user.id).order_by(Topic.id)).all()
    replies = db.session.execute(
        sa.select(Reply, Topic.title)
        .join(Topic, Topic.id == Reply.topic_id)
        .where(Reply.author_id == user.id)
        .order_by(Reply.id)
    ).all()
    votes = db.session.execute(
        sa.select(Vote, Topic.title)
        .join(Topic, Topic.id == Vote.topic_id)
        .where(Vote.user_id == user.id)
        .order_by(Vote.id)
    ).all()
    topic_follows = db.session.execute(
        sa.select(TopicFollow, Topic.title)
        .join(Topic, Topic.id == TopicFollow.topic_id)
        .where(TopicFollow.user_id == user.id)
        .order_by(TopicFollow.topic_id)
    ).all()
    tag_follows = db.session.execute(
        sa.select(TagFollow, Tag.slug)
        .join(Tag, Tag.id == TagFollow.tag_id)
        .where(TagFollow.user_id == user.id)
        .order_by(Tag.slug)
    ).all()
    bookmarks = db.session.execute(
        sa.select(Bookmark, Topic.title)
        .join(Topic, Topic.id == Bookmark.topic_id)
        .where(Bookmark.user_id == user.id)
        .order_by(Bookmark.topic_id)
    ).all()
    subscriptions = db.session.scalars(sa.select(Subscription).where(_own_subscriptions(user))).all()
    notifications = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()
    settings = db.session.scalars(
        sa.select(NotificationSetting).where(NotificationSetting.user_id == user.id)
    ).all()
    flags = db.session.scalars(sa.select(Flag).where(Flag.user_id == user.id).order_by(Flag.id)).all()
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {
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
        },
        "topics": [
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
        ],
        "replies": [
            {
                "id": r.id,
                "topic": {"id": r.topic_id, "title": title},
                "body": r.body,
                "state": r.state,
                "created_at": _when(r.created_at),
                "updated_at": _when(r.updated_at),
            }
            for r, title in replies
        ],
        "votes": [
            {"topic": {"id": v.topic_id, "title": title}, "created_at": _when(v.created_at)}
            for v, title in votes
        ],
        "follows": {
            "topics": [
                {"topic": {"id": f.topic_id, "title": title}, "created_at": _when(f.created_at)}
                for f, title in topic_follows
            ],
            "tags": [{"tag": slug, "created_at": _when(f.created_at)} for f, slug in tag_follows],
        },
        "bookmarks": [
            {"topic": {"id": b.topic_id, "title": title}, "created_at": _when(b.created_at)}
            for b, title in bookmarks
        ],
        "subscriptions": [
            {
                "email": s.email,
                "frequency": s.frequency,
                "only_followed_tags": s.only_followed_tags,
                "created_at": _when(s.created_at),
                "confirmed_at": _when(s.confirmed_at),
            }
            for s in subscriptions
        ],
        "notifications": [
            {
                "kind": n.kind,
                "message": n.message,
                # Who caused it, by public name only.
                "actor": n.actor.public_name if n.actor else None,
                "topic_id": n.topic_id,
                "reply_id": n.reply_id,
                "created_at": _when(n.created_at),
                "read_at": _when(n.read_at),
            }
            for n in notifications
        ],
        "notification_settings": [{"kind": s.kind, "email_frequency": s.email_frequency} for s in settings],
        "flags": [
            {
                "target": {"kind": f.target_kind, "id": f.target_id},
                "reason": f.reason,
                "note": f.note,
                "created_at": _when(f.created_at),
                "resolution": f.resolution,
            }
            for f in flags
        ],
    }


def _own_subscriptions(user: User) -> sa.ColumnElement[bool]:
    """The member's subscription, and any made with their address before they joined."""
    clause: sa.ColumnElement[bool] = Subscription.user_id == user.id
    if user.email:
        clause = sa.or_(clause, Subscription.email == user.email)
    return clause


def delete_account(user: User, password: str, *, remove_posts: bool = False) -> None:
    """Erase the member's personal data; posts stay under "Former member" unless `remove_posts`.

    The row itself stays so posts, revisions and the audit log keep a valid author.
    """
    if user.is_deleted:
        raise NotAllowed("This account is already deleted.")
    if not user.check_password(password):
        raise ServiceError("Your password is not right.", field="password")

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
    subscription_ids = list(db.session.scalars(sa.select(Subscription.id).where(_own_subscriptions(user))))
    if subscription_ids:
        db.session.execute(
            sa.delete(DigestDelivery).where(DigestDelivery.subscription_id.in_(subscription_ids))
        )
        db.session.execute(sa.delete(Subscription).where(Subscription.id.in_(subscription_ids)))
    for model in (TopicFollow, TagFollow, Bookmark, Notification, NotificationSetting):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))

    if remove_posts:
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
    audit.record(user, "account.deleted", target_kind="user", target_id=user.id, removed_posts=remove_posts)
    db.session.commit()
