"""Email digest subscriptions and their deliveries."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, mapped_column, relationship

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow
from benefit.models.user import User

# Lazy labels, read in the language of the page or mail that shows them.
FREQUENCIES: dict[str, LazyString] = {"daily": _l("Daily"), "weekly": _l("Weekly")}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")
    only_followed_tags: Mapped[bool] = mapped_column(default=False)
    # The digest's language for an email-only subscriber (a member's own setting wins); "" = default.
    locale: Mapped[str] = mapped_column(sa.String(5), default="", server_default="")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Nothing is sent before double opt-in.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()


class DigestDelivery(db.Model):  # type: ignore[name-defined,misc]
    """Claimed before sending, so two runs at once never send one period twice."""

    __tablename__ = "digest_delivery"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("subscription.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(40))  # e.g. "weekly:2026-11-16"
    status: Mapped[str] = mapped_column(sa.String(10), default="claimed")
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
