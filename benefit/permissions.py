"""Who may see and do what; used by services, views and templates alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar, cast

import flask_login
import sqlalchemy as sa
from flask_babel import gettext as _

from benefit.models import Reply, Topic, User, utcnow

# current_user: a User, or Flask-Login's anonymous user (a proxy either way).
AnyUser: TypeAlias = Any
# Authors still see their own posts in these states, with the moderator's note.
AUTHOR_SEES = ("pending", "rejected", "hidden")
F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Flask-Login's decorator, typed (the library ships no type information)."""
    return cast(F, flask_login.login_required(view))


def _member(user: AnyUser) -> User | None:
    if isinstance(user, User) and user.is_authenticated:
        return user
    return None


def moderation_refusal(user: AnyUser) -> str | None:
    """Why `user` may not moderate, in words for them; None when they may.

    The one rule for moderation powers: a moderator or admin whose account is in good standing.
    A suspended one (an admin suspended from the command line too) reads what a member reads.
    """
    member = _member(user)
    if member is None or not member.is_moderator or member.is_deleted:
        return str(_("Only moderators can do that."))
    if member.is_suspended():
        from benefit.i18n import format_day  # benefit.i18n imports web, which imports this module

        until = format_day(member.suspended_until, "datetime")
        return str(_("Your account is suspended: you cannot moderate until %(until)s UTC.", until=until))
    return None


def can_moderate(user: AnyUser) -> bool:
    return moderation_refusal(user) is None


def can_administer(user: AnyUser) -> bool:
    """Grant and remove the moderator role: an admin who may moderate."""
    return can_moderate(user) and bool(user.is_admin)


def is_moderator(user: AnyUser) -> bool:
    """Moderators' visibility (hidden posts, anonymous reporters, the tools): the same rule."""
    return can_moderate(user)


def topic_visibility(user: AnyUser) -> sa.ColumnElement[bool]:
    """SQL filter for topics `user` may see: published ones, plus their own awaiting review.

    Merged duplicates leave every list, moderators' too: their address redirects to the target.
    """
    if can_moderate(user):
        return Topic.merged_into_id.is_(None)
    member = _member(user)
    clause: sa.ColumnElement[bool] = Topic.state == "published"
    if member is not None:
        clause = sa.or_(clause, sa.and_(Topic.author_id == member.id, Topic.state.in_(AUTHOR_SEES)))
    return sa.and_(clause, Topic.merged_into_id.is_(None))


def reply_visibility(user: AnyUser) -> sa.ColumnElement[bool]:
    if can_moderate(user):
        return sa.true()
    member = _member(user)
    clause: sa.ColumnElement[bool] = Reply.state == "published"
    if member is not None:
        clause = sa.or_(clause, sa.and_(Reply.author_id == member.id, Reply.state.in_(AUTHOR_SEES)))
    return clause


def can_view_post(user: AnyUser, post: Topic | Reply) -> bool:
    """A published post, or the author's own pending/rejected/hidden one, or anything for a moderator."""
    if post.state == "published" or can_moderate(user):
        return True
    member = _member(user)
    return member is not None and post.author_id == member.id and post.state in AUTHOR_SEES


can_view_topic = can_view_reply = can_view_post


def can_participate(user: AnyUser) -> bool:
    """Post, reply, vote and flag: a confirmed member who is not suspended."""
    member = _member(user)
    if member is None or member.is_deleted or member.is_suspended():
        return False
    return member.email_confirmed_at is not None


def can_reply(user: AnyUser, topic: Topic) -> bool:
    if not can_participate(user) or not can_view_topic(user, topic):
        return False
    return not topic.is_locked or is_moderator(user)


def can_edit_topic(user: AnyUser, topic: Topic) -> bool:
    member = _member(user)
    if member is None or member.is_suspended():
        return False
    return can_moderate(member) or (topic.author_id == member.id and topic.state != "hidden")


def can_edit_reply(user: AnyUser, reply: Reply) -> bool:
    member = _member(user)
    if member is None or member.is_suspended():
        return False
    return can_moderate(member) or (reply.author_id == member.id and reply.state != "hidden")


def can_vote(user: AnyUser, topic: Topic) -> bool:
    member = _member(user)
    return (
        topic.kind == "mistake"
        and can_participate(user)
        and topic.state == "published"
        and member is not None
        and topic.author_id != member.id
    )


def shows_author(user: AnyUser, topic: Topic) -> bool:
    """Anonymous mistake reports show "a member" except to moderators and the reporter."""
    if not topic.is_anonymous:
        return True
    member = _member(user)
    return member is not None and (can_moderate(member) or member.id == topic.author_id)


def is_suspended_now(user: AnyUser) -> bool:
    member = _member(user)
    return member is not None and member.is_suspended(utcnow())


JINJA_GLOBALS = {
    "can_view_topic": can_view_topic,
    "can_reply": can_reply,
    "can_edit_topic": can_edit_topic,
    "can_edit_reply": can_edit_reply,
    "can_vote": can_vote,
    "can_participate": can_participate,
    "shows_author": shows_author,
    "is_moderator": is_moderator,
    "can_moderate": can_moderate,
}
