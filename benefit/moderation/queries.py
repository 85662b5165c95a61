"""Moderation reads: the dashboard, the queue, flags, tags, members and the audit log. No commits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from benefit.extensions import db
from benefit.forum.queries import tag_counts
from benefit.models import AuditLog, Flag, Reply, Tag, TagFollow, Topic, User, utcnow

QUEUE_LIMIT = 50
OPEN_FLAGS_LIMIT = 300
RECENT_AUDIT = 10
MEMBER_HISTORY = 20
AUDIT_PER_PAGE = 50
MERGE_CANDIDATES = 15

Post = Topic | Reply


def post_kind(post: Post) -> str:
    return "topic" if isinstance(post, Topic) else "reply"


def load_post(kind: str, post_id: int) -> Post | None:
    if kind == "topic":
        return db.session.get(Topic, post_id)
    return db.session.get(Reply, post_id)


def load_topic(topic_id: int) -> Topic | None:
    return db.session.get(Topic, topic_id)


def load_tag(tag_id: int) -> Tag | None:
    return db.session.get(Tag, tag_id)


def load_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


# --- dashboard and queue ------------------------------------------------------------------------


def _count(stmt: sa.Select[Any]) -> int:
    return db.session.scalar(stmt) or 0


def dashboard_counts() -> dict[str, int]:
    open_targets = (
        sa.select(Flag.target_kind, Flag.target_id).where(Flag.resolved_at.is_(None)).distinct().subquery()
    )
    return {
        "pending_topics": _count(sa.select(sa.func.count(Topic.id)).where(Topic.state == "pending")),
        "pending_replies": _count(sa.select(sa.func.count(Reply.id)).where(Reply.state == "pending")),
        "flagged_posts": _count(sa.select(sa.func.count()).select_from(open_targets)),
        "hidden_topics": _count(sa.select(sa.func.count(Topic.id)).where(Topic.state == "hidden")),
        "hidden_replies": _count(sa.select(sa.func.count(Reply.id)).where(Reply.state == "hidden")),
        "suspended": _count(sa.select(sa.func.count(User.id)).where(User.suspended_until > utcnow())),
        "tags": _count(sa.select(sa.func.count(Tag.id))),
    }


def recent_audit(limit: int = RECENT_AUDIT) -> list[AuditLog]:
    stmt = sa.select(AuditLog).options(selectinload(AuditLog.actor)).order_by(AuditLog.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class ReviewQueue:
    topics: list[Topic]
    replies: list[Reply]
    limit: int


def review_queue(limit: int = QUEUE_LIMIT) -> ReviewQueue:
    """The oldest pending posts first: new members wait in the order they posted."""
    topics = sa.select(Topic).where(Topic.state == "pending").options(selectinload(Topic.tags))
    replies = sa.select(Reply).where(Reply.state == "pending").options(selectinload(Reply.topic))
    return ReviewQueue(
        topics=list(db.session.scalars(topics.order_by(Topic.created_at, Topic.id).limit(limit))),
        replies=list(db.session.scalars(replies.order_by(Reply.created_at, Reply.id).limit(limit))),
        limit=limit,
    )


# --- flags --------------------------------------------------------------------------------------


def _load_targets(keys: set[tuple[str, int]]) -> dict[tuple[str, int], Post]:
    topic_ids = [i for k, i in keys if k == "topic"]
    reply_ids = [i for k, i in keys if k == "reply"]
    found: dict[tuple[str, int], Post] = {}
    if topic_ids:
        for t in db.session.scalars(sa.select(Topic).where(Topic.id.in_(topic_ids))):
            found[("topic", t.id)] = t
    if reply_ids:
        stmt = sa.select(Reply).where(Reply.id.in_(reply_ids)).options(selectinload(Reply.topic))
        for r in db.session.scalars(stmt):
            found[("reply", r.id)] = r
    return found


def open_flags(limit: int = OPEN_FLAGS_LIMIT) -> list[tuple[Post, str, list[Flag]]]:
    """(post, kind, its open flags) for every flagged post, the longest waiting first."""
    stmt = (
        sa.select(Flag)
        .where(Flag.resolved_at.is_(None))
        .options(selectinload(Flag.user))
        .order_by(Flag.created_at, Flag.id)
        .limit(limit)
    )
    grouped: dict[tuple[str, int], list[Flag]] = defaultdict(list)
    for flag in db.session.scalars(stmt):
        grouped[(flag.target_kind, flag.target_id)].append(flag)
    targets = _load_targets(set(grouped))
    return [(targets[key], key[0], group) for key, group in grouped.items() if key in targets]


@dataclass(frozen=True)
class FlagHistory:
    pagination: Pagination
    targets: dict[tuple[str, int], Post]


def flag_history(target: tuple[str, int] | None, page: int) -> FlagHistory:
    """Every flag, newest first; only those on one post when `target` is (kind, id)."""
    stmt = sa.select(Flag).options(selectinload(Flag.user), selectinload(Flag.resolved_by))
    if target is not None:
        stmt = stmt.where(Flag.target_kind == target[0], Flag.target_id == target[1])
    pagination = db.paginate(
        stmt.order_by(Flag.id.desc()), page=page, per_page=current_app.config["PER_PAGE"], error_out=False
    )
    targets = _load_targets({(f.target_kind, f.target_id) for f in pagination.items})
    return FlagHistory(pagination=pagination, targets=targets)


def own_flag(member: User, post: Post) -> Flag | None:
    """The flag `member` put on `post`, if they did (one per member and post)."""
    stmt = sa.select(Flag).where(
        Flag.user_id == member.id, Flag.target_kind == post_kind(post), Flag.target_id == post.id
    )
    return db.session.scalar(stmt)


# --- tags ---------------------------------------------------------------------------------------


def tags_with_counts() -> list[tuple[Tag, int]]:
    """Every tag with its published topics, its synonyms loaded in one statement."""
    counts = tag_counts()
    ids = [t.id for t, _ in counts]
    if ids:
        list(db.session.scalars(sa.select(Tag).where(Tag.id.in_(ids)).options(selectinload(Tag.synonyms))))
    return counts


def other_tags_of_kind(tag: Tag) -> list[Tag]:
    """The tags `tag` could be merged into."""
    stmt = sa.select(Tag).where(Tag.kind == tag.kind, Tag.id != tag.id).order_by(Tag.name)
    return list(db.session.scalars(stmt))


def tag_followers(tag: Tag) -> int:
    return _count(sa.select(sa.func.count()).where(TagFollow.tag_id == tag.id))


# --- members ------------------------------------------------------------------------------------


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def members(q: str, only_suspended: bool, page: int) -> Pagination:
    """Accounts not deleted, by username; `q` matches username, name or institution."""
    stmt = sa.select(User).where(User.deleted_at.is_(None))
    if q:
        like = _like(q)
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(User.username).like(like, escape="\\"),
                sa.func.lower(User.display_name).like(like, escape="\\"),
                sa.func.lower(User.institution).like(like, escape="\\"),
            )
        )
    if only_suspended:
        stmt = stmt.where(User.suspended_until > utcnow())
    per_page = current_app.config["PER_PAGE"]
    return db.paginate(stmt.order_by(User.username), page=page, per_page=per_page, error_out=False)


def member_history(member: User, limit: int = MEMBER_HISTORY) -> list[AuditLog]:
    stmt = sa.select(AuditLog).where(AuditLog.target_kind == "user", AuditLog.target_id == member.id)
    return list(db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)))


# --- audit log ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # a username, or "system" for the rows no person made
    target_kind: str = ""
    target_id: int | None = None


@dataclass(frozen=True)
class AuditPage:
    pagination: Pagination
    actions: list[str]  # every action and target kind recorded, for the filter's choices
    kinds: list[str]


def audit_log(filters: AuditFilter, page: int) -> AuditPage:
    stmt = sa.select(AuditLog).options(selectinload(AuditLog.actor))
    if filters.action:
        stmt = stmt.where(AuditLog.action == filters.action)
    if filters.actor == "system":
        stmt = stmt.where(AuditLog.actor_id.is_(None))
    elif filters.actor:
        stmt = stmt.where(AuditLog.actor_id.in_(sa.select(User.id).where(User.username == filters.actor)))
    if filters.target_kind:
        stmt = stmt.where(AuditLog.target_kind == filters.target_kind)
    if filters.target_id is not None:
        stmt = stmt.where(AuditLog.target_id == filters.target_id)
    pagination = db.paginate(
        stmt.order_by(AuditLog.id.desc()), page=page, per_page=AUDIT_PER_PAGE, error_out=False
    )
    actions = db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action))
    kinds = db.session.scalars(sa.select(AuditLog.target_kind).distinct().order_by(AuditLog.target_kind))
    return AuditPage(pagination=pagination, actions=list(actions), kinds=[k for k in kinds if k])


# --- mistakes -----------------------------------------------------------------------------------


def merge_candidates(source: Topic, limit: int = MERGE_CANDIDATES) -> list[Topic]:
    """Published mistakes of the same category, the most seen first: the likely originals."""
    stmt = (
        sa.select(Topic)
        .where(
            Topic.kind == "mistake",
            Topic.id != source.id,
            Topic.category == source.category,
            Topic.state == "published",
            Topic.merged_into_id.is_(None),
        )
        .order_by(Topic.vote_count.desc(), Topic.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
