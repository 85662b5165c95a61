"""Members, their roles and profile."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from benefit.models.forum import Tag

# Labels are lazy: each is read in the reader's language when a page or a mail shows it.
LIBRARY_TYPES: dict[str, LazyString] = {
    "public": _l("Public library"),
    "pedagogical": _l("Pedagogical library"),
    "school": _l("School library"),
    "academic": _l("Academic library"),
    "national": _l("National library"),
    "special": _l("Special library"),
    "community": _l("Community library"),
    "other": _l("Other"),
}

ROLES = ("member", "moderator", "admin")
ROLE_LABELS: dict[str, LazyString] = {
    "member": _l("Member"),
    "moderator": _l("Moderator"),
    "admin": _l("Administrator"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


user_platform = sa.Table(
    "user_platform",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(30), unique=True)
    # Erased (NULL) when the member deletes the account.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    institution: Mapped[str] = mapped_column(sa.String(120), default="")
    library_type: Mapped[str] = mapped_column(sa.String(20), default="other", index=True)
    country: Mapped[str] = mapped_column(sa.String(2), default="", index=True)
    job_role: Mapped[str] = mapped_column(sa.String(80), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    # The interface and mail language the member chose ("pl", "en"); "" follows the browser.
    locale: Mapped[str] = mapped_column(sa.String(5), default="", server_default="")
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Approved posts; below REVIEW_FIRST_POSTS new posts wait in the review queue.
    approved_post_count: Mapped[int] = mapped_column(default=0)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspension_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Part of the login cookie: rotating it logs out every other session.
    session_token: Mapped[str] = mapped_column(sa.String(40), default=new_session_token)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    platforms: Mapped[list[Tag]] = relationship(secondary=user_platform, order_by="Tag.name")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login: deleted accounts cannot log in
        return self.deleted_at is None

    def is_suspended(self, now: datetime | None = None) -> bool:
        if self.suspended_until is None:
            return False
        return self.suspended_until > (now or utcnow())

    @property
    def library_type_label(self) -> str:
        return str(LIBRARY_TYPES.get(self.library_type, self.library_type))

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))

    @property
    def public_name(self) -> str:
        return str(_l("Former member")) if self.is_deleted else self.display_name

    def __repr__(self) -> str:
        return f"<User {self.username}>"
