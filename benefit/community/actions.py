"""Following topics and tags, bookmarks, mentions, notification settings and reading notifications.

The `announce_*` helpers and `follow_in_transaction` run inside the caller's use case (posting,
moderation approval): they only add rows, and the caller's commit makes them real with the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from benefit import permissions
from benefit.community.notifications import notify
from benefit.extensions import db
from benefit.markup import MAX_MENTIONS, mention_candidates
from benefit.models import (
    EMAIL_FREQUENCIES,
    NOTIFICATION_KINDS,
    Bookmark,
    Notification,
    NotificationSetting,
    Reply,
    Tag,
    TagFollow,
    Topic,
    TopicFollow,
    User,
    utcnow,
)
from benefit.refusals import NotFound, ServiceError

# Candidates looked up per post: enough for MAX_MENTIONS real members among some typos.
_MENTION_LOOKUP = 5 * MAX_MENTIONS


def _insert_ignore(model: Any, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: following twice, or twice at once, is not an error."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _delete(model: Any, *where: sa.ColumnElement[bool]) -> None:
    db.session.execute(sa.delete(model).where(*where))


# --- following and bookmarks ------------------------------------------------------------------


def follow_in_transaction(user: User, topic: Topic) -> None:
    """Follow without committing: posting and replying follow the topic as part of their commit."""
    _insert_ignore(TopicFollow, user_id=user.id, topic_id=topic.id, created_at=utcnow())


def _check_visible(user: User, topic: Topic) -> None:
    if not permissions.can_view_topic(user, topic):
        raise NotFound("That topic does not exist.")


def follow_topic(user: User, topic: Topic) -> None:
    _check_visible(user, topic)
    follow_in_transaction(user, topic)
    db.session.commit()


def unfollow_topic(user: User, topic: Topic) -> None:
    _delete(TopicFollow, TopicFollow.user_id == user.id, TopicFollow.topic_id == topic.id)
    db.session.commit()


def bookmark_topic(user: User, topic: Topic) -> None:
    _check_visible(user, topic)
    _insert_ignore(Bookmark, user_id=user.id, topic_id=topic.id, created_at=utcnow())
    db.session.commit()


def remove_bookmark(user: User, topic: Topic) -> None:
    _delete(Bookmark, Bookmark.user_id == user.id, Bookmark.topic_id == topic.id)
    db.session.commit()


def follow_tag(user: User, tag: Tag) -> None:
    _insert_ignore(TagFollow, user_id=user.id, tag_id=tag.id, created_at=utcnow())
    db.session.commit()


def unfollow_tag(user: User, tag: Tag) -> None:
    _delete(TagFollow, TagFollow.user_id == user.id, TagFollow.tag_id == tag.id)
    db.session.commit()


def topic_state(user: User, topic: Topic) -> tuple[bool, bool]:
    """(following, bookmarked) in one statement."""
    following = sa.exists().where(TopicFollow.user_id == user.id, TopicFollow.topic_id == topic.id)
    bookmarked = sa.exists().where(Bookmark.user_id == user.id, Bookmark.topic_id == topic.id)
    row = db.session.execute(sa.select(following, bookmarked)).one()
    return bool(row[0]), bool(row[1])


def follows_tag(user: User, tag: Tag) -> bool:
    stmt = sa.select(sa.exists().where(TagFollow.user_id == user.id, TagFollow.tag_id == tag.id))
    return bool(db.session.scalar(stmt))


def followed_tags(user: User) -> list[Tag]:
    return list(
        db.session.scalars(
            sa.select(Tag)
            .join(TagFollow, TagFollow.tag_id == Tag.id)
            .where(TagFollow.user_id == user.id)
            .order_by(Tag.kind, Tag.name)
        )
    )


# --- mentions and the notifications posting causes --------------------------------------------


def resolve_mentions(*texts: str) -> list[User]:
    """The existing members @mentioned in these texts, first mention first, at most MAX_MENTIONS."""
    candidates = mention_candidates(*texts)[:_MENTION_LOOKUP]
    if not candidates:
        return []
    found = {
        u.username: u
        for u in db.session.scalars(
            sa.select(User).where(User.username.in_(candidates), User.deleted_at.is_(None))
        )
    }
    return [found[name] for name in candidates if name in found][:MAX_MENTIONS]


def _who_can_see(user_ids: Iterable[int], topic: Topic, reply: Reply | None = None) -> set[int]:
    """The members among `user_ids` who may see the topic (and reply): nobody hears of hidden things."""
    ids = set(user_ids)
    if not ids:
        return set()
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids), User.deleted_at.is_(None)))
    return {
        u.id
        for u in users
        if permissions.can_view_topic(u, topic) and (reply is None or permissions.can_view_reply(u, reply))
    }


def announce_reply(
    reply: Reply, mentioned: list[User] | None = None, *, include_followers: bool = True
) -> None:
    """Notify about a published reply: its mentions ("mention"), the topic's followers and author ("reply").

    One event key per reply, so a member both mentioned and following hears once, as a mention.
    Call it again when a pending reply is approved; rows already made are not repeated.
    """
    topic = reply.topic
    if not reply.is_published or not topic.is_published:
        return
    if mentioned is None:
        mentioned = resolve_mentions(reply.body)
    mention_ids = {u.id for u in mentioned}
    reply_ids: set[int] = set()
    if include_followers:
        reply_ids = set(
            db.session.scalars(sa.select(TopicFollow.user_id).where(TopicFollow.topic_id == topic.id))
        )
        reply_ids.add(topic.author_id)
    allowed = _who_can_see(mention_ids | reply_ids, topic, reply)
    actor = reply.author
    key = f"reply:{reply.id}"
    notify(
        sorted(allowed & mention_ids),
        kind="mention",
        event_key=key,
        actor=actor,
        topic=topic,
        reply_id=reply.id,
        message=f"{actor.display_name} mentioned you in a reply to “{topic.title}”",
    )
    notify(
        sorted(allowed & (reply_ids - mention_ids)),
        kind="reply",
        event_key=key,
        actor=actor,
        topic=topic,
        reply_id=reply.id,
        message=f"{actor.display_name} replied to “{topic.title}”",
    )


def announce_topic(topic: Topic, mentioned: list[User] | None = None) -> None:
    """Notify the members @mentioned in a published topic (again after an edit: only new ones)."""
    if not topic.is_published:
        return
    if mentioned is None:
        mentioned = resolve_mentions(topic.body, topic.how_to_avoid)
    allowed = _who_can_see((u.id for u in mentioned), topic)
    author = topic.author
    who = "A member" if topic.is_anonymous else author.display_name
    created = notify(
        sorted(allowed),
        kind="mention",
        event_key=f"topic:{topic.id}",
        actor=author,
        topic=topic,
        message=f"{who} mentioned you in “{topic.title}”",
    )
    if topic.is_anonymous:
        # The reporter of an anonymous mistake stays anonymous in notifications too.
        for n in created:
            n.actor_id = None


# --- reading notifications and settings -------------------------------------------------------


def unread_count(user: User) -> int:
    """One indexed COUNT (ix_notification_unread: user_id, read_at)."""
    stmt = sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return int(db.session.scalar(stmt) or 0)


def open_notification(user: User, notification: Notification) -> Notification:
    if notification.user_id != user.id:
        raise NotFound("That notification does not exist.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def email_frequencies(user_id: int) -> dict[str, str]:
    """Each kind's email frequency for this member ("immediately" unless they chose otherwise)."""
    chosen = {
        s.kind: s.email_frequency
        for s in db.session.scalars(
            sa.select(NotificationSetting).where(NotificationSetting.user_id == user_id)
        )
    }
    return {kind: chosen.get(kind, "immediately") for kind in NOTIFICATION_KINDS}


def _set_frequency(user_id: int, kind: str, frequency: str) -> None:
    setting = db.session.scalar(
        sa.select(NotificationSetting).where(
            NotificationSetting.user_id == user_id, NotificationSetting.kind == kind
        )
    )
    if setting is None:
        db.session.add(NotificationSetting(user_id=user_id, kind=kind, email_frequency=frequency))
    else:
        setting.email_frequency = frequency


def update_notification_settings(user: User, frequencies: Mapping[str, str]) -> None:
    for kind, frequency in frequencies.items():
        if kind not in NOTIFICATION_KINDS:
            raise ServiceError("Unknown kind of notification.")
        if frequency not in EMAIL_FREQUENCIES:
            raise ServiceError("Choose immediately, once a day or never.", field=kind)
        _set_frequency(user.id, kind, frequency)
    db.session.commit()


def stop_emails(user_id: int, kinds: Iterable[str]) -> list[str]:
    """The one-click unsubscribe: these kinds are never emailed again (still shown on the site)."""
    stopped = [k for k in kinds if k in NOTIFICATION_KINDS]
    for kind in stopped:
        _set_frequency(user_id, kind, "never")
    db.session.commit()
    return stopped
