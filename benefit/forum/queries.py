"""Read-side queries for lists: each is a fixed number of statements, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from benefit.extensions import db
from benefit.models import Tag, Topic, User, Vote, topic_tag, utcnow
from benefit.permissions import AnyUser, topic_visibility

SORTS = {
    "activity": "Latest activity",
    "newest": "Newest",
    "votes": "Most votes",
    "trending": "Trending (votes in the last 30 days)",
}


@dataclass
class TopicFilter:
    kind: str | None = None
    platform: Tag | None = None
    trend: Tag | None = None
    tag: Tag | None = None
    library_type: str | None = None
    category: str | None = None
    author_id: int | None = None
    include_anonymous: bool = True
    sort: str = "activity"


def _has_tag(tag: Tag) -> sa.ColumnElement[bool]:
    return sa.exists().where(topic_tag.c.topic_id == Topic.id, topic_tag.c.tag_id == tag.id)


def _has_platform() -> sa.ColumnElement[bool]:
    return sa.exists().where(
        topic_tag.c.topic_id == Topic.id,
        topic_tag.c.tag_id.in_(sa.select(Tag.id).where(Tag.kind == "platform")),
    )


def topic_select(user: AnyUser, f: TopicFilter) -> sa.Select[tuple[Topic]]:
    stmt = sa.select(Topic).where(topic_visibility(user))
    if f.kind:
        stmt = stmt.where(Topic.kind == f.kind)
    for tag in (f.trend, f.tag):
        if tag is not None:
            stmt = stmt.where(_has_tag(tag))
    if f.platform is not None:
        if f.kind == "mistake":
            # A mistake without platform tags applies to any platform: every platform lists it.
            stmt = stmt.where(sa.or_(_has_tag(f.platform), ~_has_platform()))
        else:
            stmt = stmt.where(_has_tag(f.platform))
    if f.library_type:
        stmt = stmt.where(Topic.author_id.in_(sa.select(User.id).where(User.library_type == f.library_type)))
    if f.category:
        stmt = stmt.where(Topic.category == f.category)
    if f.author_id is not None:
        stmt = stmt.where(Topic.author_id == f.author_id)
    if not f.include_anonymous:
        stmt = stmt.where(Topic.is_anonymous.is_(False))
    order: list[sa.UnaryExpression[Any]] = []
    if f.kind is not None and f.author_id is None:
        order.append(Topic.is_pinned.desc())
    if f.sort == "votes":
        order += [Topic.is_outdated.asc(), Topic.vote_count.desc(), Topic.id.desc()]
    elif f.sort == "trending":
        since = utcnow() - timedelta(days=30)
        recent = (
            sa.select(sa.func.count(Vote.id))
            .where(Vote.topic_id == Topic.id, Vote.created_at >= since)
            .correlate(Topic)
            .scalar_subquery()
        )
        order += [Topic.is_outdated.asc(), recent.desc(), Topic.vote_count.desc(), Topic.id.desc()]
    elif f.sort == "newest":
        order += [Topic.created_at.desc(), Topic.id.desc()]
    else:
        order += [Topic.last_activity_at.desc(), Topic.id.desc()]
    stmt = stmt.order_by(*order).options(selectinload(Topic.tags))
    if f.kind == "mistake":
        # Every mistake in a list shows the practices that avoid it: one more statement per page.
        stmt = stmt.options(selectinload(Topic.avoided_by))
    return stmt


def paginate_topics(user: AnyUser, f: TopicFilter, page: int, per_page: int) -> Pagination:
    return db.paginate(topic_select(user, f), page=page, per_page=per_page, error_out=False)


def latest(user: AnyUser, kind: str | None, sort: str, limit: int) -> list[Topic]:
    stmt = topic_select(user, TopicFilter(kind=kind, sort=sort)).limit(limit)
    return list(db.session.scalars(stmt))


def featured(user: AnyUser, limit: int = 6) -> list[Topic]:
    stmt = (
        sa.select(Topic)
        .where(topic_visibility(user), sa.or_(Topic.is_featured, Topic.is_pinned))
        .order_by(Topic.is_featured.desc(), Topic.last_activity_at.desc())
        .options(selectinload(Topic.tags))
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def tag_counts() -> list[tuple[Tag, int]]:
    """Every tag with the number of published topics carrying it, in one statement."""
    count = sa.func.count(Topic.id)
    stmt = (
        sa.select(Tag, count)
        .outerjoin(topic_tag, topic_tag.c.tag_id == Tag.id)
        .outerjoin(
            Topic,
            sa.and_(
                Topic.id == topic_tag.c.topic_id,
                Topic.state == "published",
                Topic.merged_into_id.is_(None),
            ),
        )
        .group_by(Tag.id)
        .order_by(Tag.kind, count.desc(), Tag.name)
    )
    return [(tag, n) for tag, n in db.session.execute(stmt)]


def all_tags() -> list[Tag]:
    return list(db.session.scalars(sa.select(Tag).order_by(Tag.kind, Tag.name)))
