"""Tags, topics (practices, discussions, mistakes), replies, votes and revisions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow
from benefit.models.user import User

# Labels are lazy (issue 17): each use reads them in the reader's language. `str()` one where a
# plain string is needed (JSON, joins); Jinja, WTForms and `%` formatting take them as they are.
KINDS: dict[str, LazyString] = {
    "practice": _l("Good practice"),
    "discussion": _l("Discussion"),
    "mistake": _l("Mistake"),
}
# The kinds' path segments (/practices): addresses, never translated. KIND_PLURAL_LABELS names them.
KIND_PLURALS: dict[str, str] = {
    "practice": "practices",
    "discussion": "discussions",
    "mistake": "mistakes",
}
KIND_PLURAL_LABELS: dict[str, LazyString] = {
    "practice": _l("Practices"),
    "discussion": _l("Discussions"),
    "mistake": _l("Mistakes"),
}
TAG_KINDS: dict[str, LazyString] = {"platform": _l("Platform"), "trend": _l("Trend")}
# The Polish names are those of demo/taxonomy/categories.csv (name_pl).
MISTAKE_CATEGORIES: dict[str, LazyString] = {
    "strategy": _l("Strategy"),
    "content": _l("Content"),
    "engagement": _l("Engagement"),
    "visuals-accessibility": _l("Visuals and accessibility"),
    "legal-privacy-copyright": _l("Legal, privacy and copyright"),
    "staffing-policy": _l("Staffing and policy"),
    "measurement": _l("Measurement"),
}
# The languages a post can be written in, each named in itself (as the header's switcher names them).
POST_LANGUAGES: dict[str, str] = {"pl": "Polski", "en": "English"}
# pending: waits in the review queue; rejected: refused there; hidden: by a moderator or flags.
STATES = ("published", "pending", "rejected", "hidden")

topic_tag = sa.Table(
    "topic_tag",
    db.metadata,
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# A mistake and the practices that avoid it.
mistake_practice = sa.Table(
    "mistake_practice",
    db.metadata,
    sa.Column("mistake_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("practice_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # The Polish name and description librarians use ("" where the English one is the name in both).
    name_pl: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    description_pl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[str] = mapped_column(sa.String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    synonyms: Mapped[list[TagSynonym]] = relationship(
        back_populates="tag", cascade="all, delete-orphan", order_by="TagSynonym.slug"
    )

    def localized_name(self, locale: str) -> tuple[str, str]:
        """The name in `locale` and the language it is written in: the English one when the tag
        has no Polish name."""
        if locale == "pl" and self.name_pl:
            return self.name_pl, "pl"
        return self.name, "en"

    def localized_description(self, locale: str) -> tuple[str, str]:
        if locale == "pl" and self.description_pl:
            return self.description_pl, "pl"
        return self.description, "en"

    def __repr__(self) -> str:
        return f"<Tag {self.kind}:{self.slug}>"


class TagSynonym(db.Model):  # type: ignore[name-defined,misc]
    """Another name that resolves to a canonical tag (`fb` → `facebook`)."""

    __tablename__ = "tag_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("tag.id", ondelete="CASCADE"), index=True)
    tag: Mapped[Tag] = relationship(back_populates="synonyms")


class Topic(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "topic"
    # The list indexes follow the ORDER BY of forum.queries.topic_select key for key, so a page is
    # an index range scan instead of a sort of every topic of a kind (measured by bench/).
    __table_args__ = (
        sa.Index("ix_topic_kind_pinned_activity", "kind", "is_pinned", "last_activity_at", "id"),
        sa.Index("ix_topic_kind_pinned_created", "kind", "is_pinned", "created_at", "id"),
        # "Most seen" sorts is_outdated ascending between descending keys: PostgreSQL needs the
        # index to say so.
        sa.Index(
            "ix_topic_kind_pinned_votes",
            "kind",
            "is_pinned",
            sa.desc("is_outdated"),
            "vote_count",
            "id",
            info={"compare": False},  # see migrations/env.py: include_object
        ),
        sa.Index("ix_topic_activity", "last_activity_at", "id"),
        sa.Index("ix_topic_state_created", "state", "created_at"),
        # Counting a list (the pager) from the index alone, without reading the wide rows.
        sa.Index("ix_topic_kind_visibility", "kind", "state", "merged_into_id", "author_id"),
        # Counting a tag's topics (tag pages, list filters) by id without reading the wide rows.
        sa.Index("ix_topic_id_visibility", "id", "kind", "state", "merged_into_id", "author_id"),
        # Featured and pinned topics for the home page: a handful of rows.
        sa.Index(
            "ix_topic_highlighted",
            "last_activity_at",
            postgresql_where=sa.text("is_featured OR is_pinned"),
            sqlite_where=sa.text("is_featured OR is_pinned"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # The language the post is written in ("pl", "en"): its page says so with `lang` (WCAG 3.1.2).
    language: Mapped[str] = mapped_column(sa.String(5), default="en", server_default="en")
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default="published")
    moderation_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply_count: Mapped[int] = mapped_column(default=0)
    vote_count: Mapped[int] = mapped_column(default=0)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_featured: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    # Mistakes only.
    category: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    how_to_avoid: Mapped[str] = mapped_column(sa.Text, default="")
    how_to_avoid_html: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_links: Mapped[str] = mapped_column(sa.Text, default="")
    library_types: Mapped[str] = mapped_column(sa.String(200), default="")
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    is_outdated: Mapped[bool] = mapped_column(default=False)
    # Whether any tag is a platform, kept by benefit.forum.platforms at every flush that changes the
    # tags: "a mistake without platform tags applies to every platform" is then a column test.
    has_platform: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topic.id"))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[Tag]] = relationship(secondary=topic_tag, order_by="Tag.kind, Tag.name")
    replies: WriteOnlyMapped[Reply] = relationship(
        back_populates="topic", order_by="Reply.id", passive_deletes=True
    )
    avoided_by: Mapped[list[Topic]] = relationship(
        secondary=mistake_practice,
        primaryjoin="Topic.id == mistake_practice.c.mistake_id",
        secondaryjoin="Topic.id == mistake_practice.c.practice_id",
        back_populates="avoids",
        order_by="Topic.title",
    )
    avoids: Mapped[list[Topic]] = relationship(
        secondary=mistake_practice,
        primaryjoin="Topic.id == mistake_practice.c.practice_id",
        secondaryjoin="Topic.id == mistake_practice.c.mistake_id",
        back_populates="avoided_by",
        order_by="Topic.title",
    )

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def category_label(self) -> str:
        return str(MISTAKE_CATEGORIES.get(self.category or "", ""))

    @property
    def platform_tags(self) -> list[Tag]:
        return [t for t in self.tags if t.kind == "platform"]

    @property
    def trend_tags(self) -> list[Tag]:
        return [t for t in self.tags if t.kind == "trend"]

    @property
    def library_type_list(self) -> list[str]:
        return [s for s in self.library_types.split(",") if s]

    @property
    def evidence_link_list(self) -> list[str]:
        return [s.strip() for s in self.evidence_links.splitlines() if s.strip()]

    @property
    def is_published(self) -> bool:
        return self.state == "published"

    def __repr__(self) -> str:
        return f"<Topic {self.id} {self.kind}>"


class Reply(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "reply"
    __table_args__ = (sa.Index("ix_reply_topic_state_id", "topic_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5), default="en", server_default="en")
    state: Mapped[str] = mapped_column(sa.String(12), default="published")
    moderation_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    topic: Mapped[Topic] = relationship(back_populates="replies")
    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_published(self) -> bool:
        return self.state == "published"

    def __repr__(self) -> str:
        return f"<Reply {self.id} on {self.topic_id}>"


class Vote(db.Model):  # type: ignore[name-defined,misc]
    """ "I've seen this" on a mistake: one per member per mistake (a constraint, not a check)."""

    __tablename__ = "vote"
    __table_args__ = (sa.UniqueConstraint("topic_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Revision(db.Model):  # type: ignore[name-defined,misc]
    """The content of a topic or reply as it stood after an edit (the first one is the original)."""

    __tablename__ = "revision"
    __table_args__ = (sa.Index("ix_revision_target", "topic_id", "reply_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reply.id", ondelete="CASCADE"))
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    editor: Mapped[User] = relationship(lazy="joined", innerjoin=True)
