"""Following, bookmarks and notifications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow
from benefit.models.user import User

NOTIFICATION_KINDS: dict[str, str] = {
    "reply": "Replies to your topics and topics you follow",
    "mention": "Mentions of you",
    "vote_milestone": "A mistake you reported passing 10 votes",
    "moderation": "Moderation decisions about your posts",
}
EMAIL_FREQUENCIES: dict[str, str] = {
    "immediately": "Immediately",
    "daily": "Once a day",
    "never": "Never",
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


class NotificationSetting(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "notification_setting"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    email_frequency: Mapped[str] = mapped_column(sa.String(12), default="immediately")
