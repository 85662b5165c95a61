"""Community verbs: following, bookmarks, reading notifications, email settings, email states.

Each commits once, or rolls back before it refuses. Posting and moderation create notifications
inside their own transaction with `follow_in_transaction`, `announce_reply`, `announce_topic`,
`resolve_mentions` and `notify` (from notifications.py, the home of who hears of what).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from benefit import permissions
from benefit.community.notifications import RETRYABLE
from benefit.community.notifications import announce_reply as announce_reply
from benefit.community.notifications import announce_topic as announce_topic
from benefit.community.notifications import notify as notify
from benefit.community.notifications import resolve_mentions as resolve_mentions
from benefit.extensions import db
from benefit.models import (
    EMAIL_FREQUENCIES,
    NOTIFICATION_KINDS,
    Bookmark,
    Notification,
    NotificationSetting,
    Tag,
    TagFollow,
    Topic,
    TopicFollow,
    User,
    utcnow,
)
from benefit.refusals import NotFound, ServiceError


def _insert_ignore(model: Any, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: following twice, or twice at once, is not an error."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _delete(model: Any, *where: sa.ColumnElement[bool]) -> None:
    db.session.execute(sa.delete(model).where(*where))


def _refuse(exc: ServiceError) -> ServiceError:
    """Roll back whatever the use case began, then let it be raised."""
    db.session.rollback()
    return exc


# --- following and bookmarks ------------------------------------------------------------------


def follow_in_transaction(user: User, topic: Topic) -> None:
    """Follow without committing: posting and replying follow the topic as part of their commit."""
    _insert_ignore(TopicFollow, user_id=user.id, topic_id=topic.id, created_at=utcnow())


def _check_visible(user: User, topic: Topic) -> None:
    if not permissions.can_view_topic(user, topic):
        raise _refuse(NotFound(_("That topic does not exist.")))


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


# --- reading notifications ---------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """Where an opened notification leads: its topic, if the member may still see it."""

    topic: Topic | None
    reply_id: int | None
    gone: bool  # it was about a post the member may no longer see


def open_notification(user: User, notification_id: int) -> Opened | None:
    """Mark one of the member's notifications read; None if it is not theirs (or no such one)."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        return None
    if found.read_at is None:
        found.read_at = utcnow()
        db.session.commit()
    topic = db.session.get(Topic, found.topic_id) if found.topic_id is not None else None
    if topic is not None and not permissions.can_view_topic(user, topic):
        return Opened(None, None, gone=True)
    return Opened(topic, found.reply_id, gone=False)


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


# --- which notifications are emailed -----------------------------------------------------------


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
            raise _refuse(ServiceError(_("Unknown kind of notification.")))
        if frequency not in EMAIL_FREQUENCIES:
            raise _refuse(ServiceError(_("Choose immediately, once a day or never."), field=kind))
    for kind, frequency in frequencies.items():
        _set_frequency(user.id, kind, frequency)
    db.session.commit()


def stop_emails(user_id: int, kinds: Iterable[str]) -> list[str]:
    """The one-click unsubscribe: these kinds are never emailed again (still shown on the site)."""
    stopped = [k for k in kinds if k in NOTIFICATION_KINDS]
    for kind in stopped:
        _set_frequency(user_id, kind, "never")
    db.session.commit()
    return stopped


# --- a notification's email: claimed before sending, so two senders never send it twice --------


def claim_emails(ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Claim each notification's email with a conditional UPDATE; return the ones this sender won.

    Another sender that claimed a row first makes the UPDATE match nothing here (PostgreSQL
    re-checks the WHERE after waiting for its lock; SQLite runs one writer at a time).
    """
    now = now or utcnow()
    won = []
    for notification_id in ids:
        result = db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, RETRYABLE)
            .values(email_state="claimed", email_claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            won.append(notification_id)
    db.session.commit()
    return won


def skip_emails(ids: Iterable[int]) -> None:
    """No email for these (read already, emails off, no address): never picked up again."""
    ids = list(ids)
    if ids:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(ids), RETRYABLE)
            .values(email_state="skipped")
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def finish_emails(sent: Iterable[int], failed: Iterable[int], now: datetime | None = None) -> None:
    now = now or utcnow()
    for ids, values in (
        (list(sent), {"email_state": "sent", "emailed_at": now}),
        (list(failed), {"email_state": "failed"}),
    ):
        if ids:
            db.session.execute(
                sa.update(Notification)
                .where(Notification.id.in_(ids), Notification.email_state == "claimed")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
