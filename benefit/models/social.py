"""Following, bookmarks and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, mapped_column, relationship

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow
from benefit.models.user import User

if TYPE_CHECKING:
    from benefit.models.forum import Topic

# Labels are lazy: each is read in the reader's language (a page's, or a mail's recipient's).
NOTIFICATION_KINDS: dict[str, LazyString] = {
    "reply": _l("Replies to your topics and topics you follow"),
    "mention": _l("Mentions of you"),
    "vote_milestone": _l("A mistake you reported passing 10 votes"),
    "moderation": _l("Moderation decisions about your posts"),
}
EMAIL_FREQUENCIES: dict[str, LazyString] = {
    "immediately": _l("Immediately"),
    "daily": _l("Once a day"),
    "never": _l("Never"),
}


class TopicFollow(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "topic_follow"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TagFollow(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tag_follow"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bookmark(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bookmark"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "notification"
    __table_args__ = (
        # One notification per member per event, whatever the reasons to notify.
        sa.UniqueConstraint("user_id", "event_key"),
        sa.Index("ix_notification_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    event_key: Mapped[str] = mapped_column(sa.String(60))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reply.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Email delivery, claimed before sending: NULL → "claimed" → "sent" | "failed" | "skipped".
    email_state: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    # What the notification is about: its text is written from it in the reader's language.
    topic: Mapped[Topic | None] = relationship(foreign_keys=[topic_id], viewonly=True)


class NotificationSetting(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "notification_setting"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    email_frequency: Mapped[str] = mapped_column(sa.String(12), default="immediately")
