"""Read-side queries for lists: each is a fixed number of statements, whatever the data size."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from benefit import permissions
from benefit.extensions import db
from benefit.forum.generations import Generation
from benefit.forum.votes import vote_refusal
from benefit.models import Reply, Tag, Topic, User, Vote, topic_tag, utcnow
from benefit.permissions import AnyUser, topic_visibility

SORTS = {
    "activity": _l("Latest activity"),
    "newest": _l("Newest"),
    "votes": _l("Most votes"),
    "trending": _l("Trending (votes in the last 30 days)"),
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
    language: str | None = None  # the posts written in one language (POST_LANGUAGES), or all
    include_anonymous: bool = True
    sort: str = "activity"


# Lists never show the texts: leaving them out halves the time spent loading rows (bench/).
TEXT_DEFERRED = (
    defer(Topic.body),
    defer(Topic.body_html),
    defer(Topic.how_to_avoid),
    defer(Topic.how_to_avoid_html),
)
LIST_OPTIONS = (selectinload(Topic.tags), *TEXT_DEFERRED)


def _has_tag(tag: Tag) -> sa.ColumnElement[bool]:
    return sa.exists().where(topic_tag.c.topic_id == Topic.id, topic_tag.c.tag_id == tag.id)


def topic_select(user: AnyUser, f: TopicFilter, *, with_tags: bool = True) -> sa.Select[tuple[Topic]]:
    stmt = sa.select(Topic).where(topic_visibility(user))
    if f.kind:
        stmt = stmt.where(Topic.kind == f.kind)
    for tag in (f.trend, f.tag):
        if tag is not None:
            stmt = stmt.where(_has_tag(tag))
    if f.platform is not None:
        if f.kind == "mistake":
            # A mistake without platform tags applies to any platform: every platform lists it.
            stmt = stmt.where(sa.or_(Topic.has_platform.is_(False), _has_tag(f.platform)))
        else:
            stmt = stmt.where(_has_tag(f.platform))
    if f.library_type:
        stmt = stmt.where(Topic.author_id.in_(sa.select(User.id).where(User.library_type == f.library_type)))
    if f.category:
        stmt = stmt.where(Topic.category == f.category)
    if f.author_id is not None:
        stmt = stmt.where(Topic.author_id == f.author_id)
    if f.language:
        stmt = stmt.where(Topic.language == f.language)
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
    stmt = stmt.order_by(*order).options(*(LIST_OPTIONS if with_tags else TEXT_DEFERRED))
    if f.kind == "mistake":
        # Every mistake in a list shows the practices that avoid it: one more statement per page.
        stmt = stmt.options(selectinload(Topic.avoided_by).options(*TEXT_DEFERRED))
    return stmt


def paginate_topics(user: AnyUser, f: TopicFilter, page: int, per_page: int) -> Pagination:
    return db.paginate(topic_select(user, f), page=page, per_page=per_page, error_out=False)


def latest(
    user: AnyUser,
    kind: str | None,
    sort: str,
    limit: int,
    *,
    with_tags: bool = True,
    language: str | None = None,
) -> list[Topic]:
    f = TopicFilter(kind=kind, sort=sort, language=language)
    stmt = topic_select(user, f, with_tags=with_tags).limit(limit)
    return list(db.session.scalars(stmt))


def featured(
    user: AnyUser, limit: int = 6, *, with_tags: bool = True, language: str | None = None
) -> list[Topic]:
    stmt = (
        sa.select(Topic)
        .where(topic_visibility(user), sa.or_(Topic.is_featured, Topic.is_pinned))
        .where(Topic.language == language if language else sa.true())
        .order_by(Topic.is_featured.desc(), Topic.last_activity_at.desc())
        .options(*(LIST_OPTIONS if with_tags else TEXT_DEFERRED))
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def load_tags(topics: Iterable[Topic]) -> None:
    """The tags of many topics from several lists in one statement (the home page: 4 lists, 1 query)."""
    by_id = {topic.id: topic for topic in topics}
    if not by_id:
        return
    found: dict[int, list[Tag]] = {topic_id: [] for topic_id in by_id}
    rows = db.session.execute(
        sa.select(topic_tag.c.topic_id, Tag)
        .join(Tag, Tag.id == topic_tag.c.tag_id)
        .where(topic_tag.c.topic_id.in_(by_id))
        .order_by(Tag.kind, Tag.name)  # Topic.tags' own order
    )
    for topic_id, tag in rows:
        found[topic_id].append(tag)
    for topic_id, topic in by_id.items():
        set_committed_value(topic, "tags", found[topic_id])


def tag_counts() -> list[tuple[Tag, int]]:
    """Every tag with the number of published topics carrying it.

    Counting joins every topic_tag row with its topic (tens of ms at 20,000 topics, on every home
    page), so each process keeps the counts for TAG_COUNTS_CACHE_SECONDS; a commit that changes a
    topic in this process drops them at once, other processes catch up within that time.
    """
    counts = _cached_counts()
    tags = db.session.scalars(sa.select(Tag))
    rows = [(tag, counts.get(tag.id, 0)) for tag in tags]
    rows.sort(key=lambda row: (row[0].kind, -row[1], row[0].name))
    return rows


_counts_generation = Generation("topics", Topic)


def _cached_counts() -> dict[int, int]:
    ttl = current_app.config["TAG_COUNTS_CACHE_SECONDS"]
    cached = current_app.extensions.get("benefit.tag_counts")
    now = time.monotonic()
    if ttl > 0 and cached is not None and cached[0] == _counts_generation.value and now - cached[1] < ttl:
        return cast(dict[int, int], cached[2])
    count = sa.func.count(Topic.id)
    stmt = (
        sa.select(topic_tag.c.tag_id, count)
        .join(Topic, Topic.id == topic_tag.c.topic_id)
        .where(Topic.state == "published", Topic.merged_into_id.is_(None))
        .group_by(topic_tag.c.tag_id)
    )
    counts = {tag_id: n for tag_id, n in db.session.execute(stmt)}
    current_app.extensions["benefit.tag_counts"] = (_counts_generation.value, now, counts)
    return counts


def all_tags() -> list[Tag]:
    return list(db.session.scalars(sa.select(Tag).order_by(Tag.kind, Tag.name)))


def home_lists(user: AnyUser, language: str | None = None) -> dict[str, Any]:
    """The home page's four lists (their tags in one statement) and its popular tags; `language`
    keeps the posts written in it."""
    lists: dict[str, Any] = {
        "featured": featured(user, with_tags=False, language=language),
        "practices": latest(user, "practice", "newest", 6, with_tags=False, language=language),
        "mistakes": latest(user, "mistake", "votes", 6, with_tags=False, language=language),
        "discussions": latest(user, "discussion", "activity", 6, with_tags=False, language=language),
    }
    load_tags(topic for topics in lists.values() for topic in topics)
    lists["tags"] = [(t, n) for t, n in tag_counts() if n][:24]
    return lists


def merged_into(topic_id: int) -> int | None:
    """The topic a merged duplicate was folded into (its address redirects there), else None."""
    found = db.session.get(Topic, topic_id)
    return found.merged_into_id if found is not None else None


def has_voted(user: AnyUser, topic: Topic) -> bool:
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    found = db.session.scalar(
        sa.select(Vote.id).where(Vote.topic_id == topic.id, Vote.user_id == user.id).limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class TopicPage:
    """What a topic page shows besides the topic: a page of replies, linked topics, the vote box."""

    topic: Topic
    replies: Pagination
    linked: list[Topic]
    vote_refusal: str | None  # why this user may not vote (mistakes only), None when they may
    voted: bool

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def topic_page(user: AnyUser, topic: Topic, page: int) -> TopicPage:
    replies = db.paginate(
        sa.select(Reply)
        .where(Reply.topic_id == topic.id, permissions.reply_visibility(user))
        .order_by(Reply.id),
        page=page,
        per_page=current_app.config["REPLIES_PER_PAGE"],
        error_out=False,
    )
    linked: list[Topic] = []
    if topic.kind == "mistake":
        linked = [t for t in topic.avoided_by if permissions.can_view_topic(user, t)]
    elif topic.kind == "practice":
        linked = [t for t in topic.avoids if permissions.can_view_topic(user, t)]
    refusal = vote_refusal(user, topic) if topic.kind == "mistake" else None
    voted = topic.kind == "mistake" and refusal is None and has_voted(user, topic)
    return TopicPage(topic=topic, replies=replies, linked=linked, vote_refusal=refusal, voted=voted)


def replies_before(user: AnyUser, reply: Reply) -> int:
    """How many replies `user` sees before this one in its topic (to find the page that shows it)."""
    stmt = sa.select(sa.func.count(Reply.id)).where(
        Reply.topic_id == reply.topic_id, Reply.id < reply.id, permissions.reply_visibility(user)
    )
    return db.session.scalar(stmt) or 0
