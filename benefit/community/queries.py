"""Community reads: the directory, member pages, notifications, bookmarks and follow state.

Each list is a fixed number of statements, whatever the data size; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from benefit import permissions
from benefit.community.notifications import RETRYABLE, read_unsubscribe_token
from benefit.extensions import db
from benefit.forum.queries import TopicFilter, paginate_topics
from benefit.forum.tags import find_tag
from benefit.models import (
    NOTIFICATION_KINDS,
    Bookmark,
    Notification,
    NotificationSetting,
    Reply,
    Tag,
    TagFollow,
    Topic,
    TopicFollow,
    User,
    Vote,
    user_platform,
)
from benefit.permissions import AnyUser

MEMBER_REPLIES = 10
MEMBER_VOTES = 20


def _per_page() -> int:
    return int(current_app.config["PER_PAGE"])


# --- the directory -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFilter:
    """What the directory narrows by; empty strings mean "any"."""

    q: str = ""
    institution: str = ""
    library_type: str = ""
    country: str = ""
    role: str = ""
    platform: str = ""  # a platform tag's slug


def platforms() -> list[Tag]:
    return list(db.session.scalars(sa.select(Tag).where(Tag.kind == "platform").order_by(Tag.name)))


def _member_conditions(f: MemberFilter) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if f.q:
        found.append(
            sa.or_(
                User.display_name.icontains(f.q, autoescape=True),
                User.username.icontains(f.q.lstrip("@"), autoescape=True),
            )
        )
    if f.institution:
        found.append(User.institution.icontains(f.institution, autoescape=True))
    if f.library_type:
        found.append(User.library_type == f.library_type)
    if f.country:
        found.append(User.country == f.country.upper())
    if f.role:
        found.append(User.job_role.icontains(f.role, autoescape=True))
    if f.platform:
        found.append(
            sa.exists().where(
                user_platform.c.user_id == User.id,
                user_platform.c.tag_id == Tag.id,
                Tag.slug == f.platform,
                Tag.kind == "platform",
            )
        )
    return found


def find_members(f: MemberFilter | None, page: int) -> Pagination:
    """Confirmed, not deleted members matching `f`, by name; None (filters refused) finds nobody."""
    stmt = sa.select(User).where(User.deleted_at.is_(None), User.email_confirmed_at.is_not(None))
    stmt = stmt.where(*_member_conditions(f)) if f is not None else stmt.where(sa.false())
    stmt = stmt.order_by(User.display_name, User.id).options(selectinload(User.platforms))
    return db.paginate(stmt, page=page, per_page=_per_page(), error_out=False)


# --- a member's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberPage:
    member: User
    topics: Pagination
    replies: list[Reply]
    votes: list[Topic]  # mistakes they said "I've seen this" to


def member_page(viewer: AnyUser, username: str, page: int) -> MemberPage | None:
    """What `viewer` may see of a member: posts, latest replies, mistakes voted on; None: no such member."""
    member = db.session.scalar(
        sa.select(User)
        .where(User.username == username.lower(), User.deleted_at.is_(None))
        .options(selectinload(User.platforms))
    )
    if member is None:
        return None
    # Anonymous reports are not listed under the reporter's name.
    own_or_mod = permissions.is_moderator(viewer) or viewer == member
    f = TopicFilter(author_id=member.id, sort="newest", include_anonymous=own_or_mod)
    topics = paginate_topics(viewer, f, page, _per_page())
    return MemberPage(member, topics, _latest_replies(viewer, member), _voted_mistakes(viewer, member))


def _latest_replies(viewer: AnyUser, member: User) -> list[Reply]:
    stmt = (
        sa.select(Reply)
        .join(Topic, Topic.id == Reply.topic_id)
        .where(
            Reply.author_id == member.id,
            permissions.reply_visibility(viewer),
            permissions.topic_visibility(viewer),
        )
        .options(selectinload(Reply.topic))
        .order_by(Reply.id.desc())
        .limit(MEMBER_REPLIES)
    )
    return list(db.session.scalars(stmt))


def _voted_mistakes(viewer: AnyUser, member: User) -> list[Topic]:
    """Titles only on the page: an anonymous report shows no author there."""
    stmt = (
        sa.select(Topic)
        .join(Vote, Vote.topic_id == Topic.id)
        .where(Vote.user_id == member.id, Topic.kind == "mistake", permissions.topic_visibility(viewer))
        .order_by(Vote.created_at.desc(), Vote.id.desc())
        .limit(MEMBER_VOTES)
    )
    return list(db.session.scalars(stmt))


# --- bookmarks and follow state ----------------------------------------------------------------


def bookmarks_page(user: User, page: int) -> Pagination:
    """The member's bookmarks they may still see, latest first."""
    stmt = (
        sa.select(Topic)
        .join(Bookmark, Bookmark.topic_id == Topic.id)
        .where(Bookmark.user_id == user.id, permissions.topic_visibility(user))
        .order_by(Bookmark.created_at.desc(), Topic.id.desc())
        .options(selectinload(Topic.tags))
    )
    return db.paginate(stmt, page=page, per_page=_per_page(), error_out=False)


def topic_state(user: User, topic_id: int) -> tuple[bool, bool]:
    """(following, bookmarked) in one statement."""
    following = sa.exists().where(TopicFollow.user_id == user.id, TopicFollow.topic_id == topic_id)
    bookmarked = sa.exists().where(Bookmark.user_id == user.id, Bookmark.topic_id == topic_id)
    row = db.session.execute(sa.select(following, bookmarked)).one()
    return bool(row[0]), bool(row[1])


def follows_tag(user: User, tag_id: int) -> bool:
    stmt = sa.select(sa.exists().where(TagFollow.user_id == user.id, TagFollow.tag_id == tag_id))
    return bool(db.session.scalar(stmt))


def followed_tags(user: User) -> list[Tag]:
    return list(
        db.session.scalars(
            sa.select(Tag)
            .join(TagFollow, TagFollow.tag_id == Tag.id)
            .where(TagFollow.user_id == user.id)
            .order_by(Tag.kind, Tag.name)
        )
    )


def tag_to_follow(slug: str) -> Tag | None:
    """The tag at /tags/<slug> (a synonym's slug finds its tag), or None."""
    return find_tag(slug)[0]


# --- notifications -----------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """One indexed COUNT (ix_notification_unread: user_id, read_at)."""
    stmt = sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return int(db.session.scalar(stmt) or 0)


def notifications_page(user: User, page: int) -> Pagination:
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .options(selectinload(Notification.actor), selectinload(Notification.topic))
    )
    return db.paginate(stmt, page=page, per_page=_per_page(), error_out=False)


def email_frequencies(user_id: int) -> dict[str, str]:
    """Each kind's email frequency for this member ("immediately" unless they chose otherwise)."""
    chosen = frequencies_of([user_id])
    return {kind: chosen.get((user_id, kind), "immediately") for kind in NOTIFICATION_KINDS}


def frequencies_of(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The frequencies these members chose, by (member, kind); a kind not there is "immediately"."""
    stmt = sa.select(NotificationSetting).where(NotificationSetting.user_id.in_(set(user_ids)))
    return {(s.user_id, s.kind): s.email_frequency for s in db.session.scalars(stmt)}


@dataclass(frozen=True)
class UnsubscribeRequest:
    user_id: int
    kinds: list[str]


def unsubscribe_request(token: str) -> UnsubscribeRequest | None:
    """Who a notification mail's unsubscribe link is for, and which kinds; None if it is not valid."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return None
    user = db.session.get(User, parsed[0])
    if user is None or user.is_deleted:
        return None
    return UnsubscribeRequest(user.id, [k for k in parsed[1] if k in NOTIFICATION_KINDS])


# --- what the notification mailer reads --------------------------------------------------------


def pending_emails(after_id: int, since: datetime, limit: int) -> list[Notification]:
    """The next notifications (by id) whose email nobody has handled, created after `since`."""
    stmt = (
        sa.select(Notification)
        .where(RETRYABLE, Notification.created_at >= since, Notification.id > after_id)
        .order_by(Notification.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def users_by_id(ids: Iterable[int]) -> dict[int, User]:
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(set(ids))))}


def topics_by_id(ids: Iterable[int]) -> dict[int, Topic]:
    return {t.id: t for t in db.session.scalars(sa.select(Topic).where(Topic.id.in_(set(ids))))}


def notifications_by_id(ids: Iterable[int]) -> dict[int, Notification]:
    stmt = (
        sa.select(Notification)
        .where(Notification.id.in_(set(ids)))
        .options(selectinload(Notification.actor), selectinload(Notification.topic))
    )
    return {n.id: n for n in db.session.scalars(stmt)}
