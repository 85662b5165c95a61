"""Flags and the audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, mapped_column, relationship

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow
from benefit.models.user import User

# Labels are lazy: each is read in the language of the page (or mail) that shows it.
FLAG_REASONS: dict[str, LazyString] = {
    "spam": _l("Spam"),
    "off-topic": _l("Off-topic"),
    "abusive": _l("Abusive or disrespectful"),
    "copyright": _l("Copyright infringement"),
    "privacy": _l("Privacy (e.g. a photo of patrons or children without consent)"),
    "other": _l("Something else"),
}


class Flag(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "flag"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "target_kind", "target_id"),
        sa.Index("ix_flag_open", "resolved_at", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(sa.String(10))  # "topic" | "reply"
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    resolution: Mapped[str | None] = mapped_column(sa.String(20))  # "agreed" | "dismissed"

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class AuditLog(db.Model):  # type: ignore[name-defined,misc]
    """Append-only: nothing in the application updates or deletes these rows."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_kind: Mapped[str] = mapped_column(sa.String(20), default="")
    target_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    details: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
