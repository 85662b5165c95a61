"""Mistakes catalogue: "I've seen this" votes, merging duplicates, marking outdated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from benefit import permissions
from benefit.community.notifications import notify
from benefit.extensions import db
from benefit.forum.atomic import rollback_on_refusal
from benefit.models import Topic, User, Vote
from benefit.permissions import AnyUser
from benefit.refusals import NotAllowed, NotFound
from benefit.search.changes import log_topic_changes

# The reporter hears once when this many members have seen their mistake.
VOTE_MILESTONE = 10


@dataclass(frozen=True)
class VoteResult:
    voted: bool  # the member's vote stands after this request
    count: int
    changed: bool  # False when a concurrent request had already recorded the same vote
    slug: str = ""  # the topic's, for the address to go back to (read before the commit expires it)


def vote_refusal(user: AnyUser, topic: Topic) -> str | None:
    """Why `user` may not vote on `topic`, in words for them; None when they may."""
    if topic.kind != "mistake":
        return str(_("Only mistakes take “I've seen this” votes."))
    if topic.merged_into_id is not None:
        return str(_("This mistake was merged into another one: vote there."))
    if topic.state != "published":
        return str(_("Voting opens when the mistake is published."))
    if not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        return str(_("Log in to vote."))
    if user.is_deleted:
        return str(_("This account has been deleted."))
    if user.is_suspended():
        return str(_("Your account is suspended: you can read, but not vote."))
    if user.email_confirmed_at is None:
        return str(_("Confirm your email address to vote."))
    if topic.author_id == user.id:
        return str(_("You reported this mistake, so you cannot vote on it."))
    return None


def _vote_count_expr(topic_id: int) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(Vote.id)).where(Vote.topic_id == topic_id).scalar_subquery()


def _lock_topic(topic_id: int) -> Topic | None:
    """Reload the topic under a row lock (PostgreSQL; SQLite serialises writers anyway).

    Every writer of a topic's votes takes this lock first, so the recount sees every
    committed vote and a merge never races a vote on the topic it is emptying. FOR NO KEY
    UPDATE (key_share) does not block inserts elsewhere that only reference the topic.
    """
    return db.session.scalar(
        sa.select(Topic)
        .where(Topic.id == topic_id)
        .with_for_update(of=Topic, key_share=True)
        .execution_options(populate_existing=True)
    )


def _check_can_vote(user: User, topic: Topic | None) -> Topic:
    if topic is None or not permissions.can_view_topic(user, topic) or topic.merged_into_id is not None:
        raise NotFound(_("That mistake does not exist or is not visible to you."))
    if topic.kind != "mistake":
        raise NotFound(_("Only mistakes take “I've seen this” votes."))
    refusal = vote_refusal(user, topic)
    if refusal is not None:
        raise NotAllowed(refusal)
    return topic


# A vote is the hottest write on the site: its statements are built once, as Core statements on
# the tables, and executed on the session's connection (no unit of work, no per-request
# statement building). The lock comes first and only loads what the checks and the answer need.
_vote = Vote.__table__
_topic = Topic.__table__
_LOCK_FOR_VOTE = (
    sa.select(Topic)
    .options(
        load_only(
            Topic.kind,
            Topic.state,
            Topic.slug,
            Topic.title,
            Topic.author_id,
            Topic.merged_into_id,
            Topic.vote_count,
        ),
        lazyload(Topic.author),
    )
    .where(Topic.id == sa.bindparam("tid"))
    .with_for_update(of=Topic, key_share=True)
    .execution_options(populate_existing=True)
)
_DELETE_VOTE = sa.delete(_vote).where(
    _vote.c.topic_id == sa.bindparam("tid"), _vote.c.user_id == sa.bindparam("uid")
)
_INSERT_VOTE = sa.insert(_vote).values(topic_id=sa.bindparam("tid"), user_id=sa.bindparam("uid"))
_RECOUNT = (
    sa.update(_topic)
    .where(_topic.c.id == sa.bindparam("tid"))
    .values(
        vote_count=sa.select(sa.func.count())
        .select_from(_vote)
        .where(_vote.c.topic_id == sa.bindparam("tid"))
        .scalar_subquery()
    )
    .returning(_topic.c.vote_count)
)


def _recount(topic: Topic) -> int:
    """Store the number of vote rows as the topic's count; the search index hears of it."""
    count = int(db.session.connection().execute(_RECOUNT, {"tid": topic.id}).scalar_one())
    set_committed_value(topic, "vote_count", count)
    log_topic_changes(db.session(), {topic.id})  # Core statements skip the flush hook
    return count


@rollback_on_refusal
def toggle_vote(user: User, topic_id: int) -> VoteResult:
    """Add the member's "I've seen this" vote, or take it back if it is there.

    The topic's row lock is taken first, so concurrent toggles on one mistake queue up and each
    recount sees every vote committed before it; the (topic_id, user_id) constraint, not a check
    in Python, keeps one vote per member.
    """
    ids = {"tid": topic_id, "uid": user.id}
    try:
        topic = _check_can_vote(user, db.session.scalar(_LOCK_FOR_VOTE, {"tid": topic_id}))
        conn = db.session.connection()
        if conn.dialect.name == "postgresql" and current_app.config["VOTE_ASYNC_COMMIT"]:
            # Do not wait for the WAL flush on commit: a vote is cheap to lose in a server
            # crash (at most the last ~0.6 s of them; the count and the rows stay consistent,
            # being one transaction), and the flush was most of a vote's slowest requests.
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        removed = cast(sa.CursorResult[tuple[()]], conn.execute(_DELETE_VOTE, ids)).rowcount
        if not removed:
            conn.execute(_INSERT_VOTE, ids)
        count = _recount(topic)
    except IntegrityError:
        # The constraint refused a second vote: a concurrent request of this member recorded
        # it first (possible only where the lock does not queue it). Their vote stands.
        db.session.rollback()
        relocked = db.session.scalar(_LOCK_FOR_VOTE, {"tid": topic_id})
        if relocked is None:
            raise NotFound(_("That mistake does not exist.")) from None
        count, slug = _recount(relocked), relocked.slug
        db.session.commit()
        return VoteResult(voted=True, count=count, changed=False, slug=slug)
    if not removed and count == VOTE_MILESTONE:
        notify(
            [topic.author_id],
            kind="vote_milestone",
            event_key=f"votes{VOTE_MILESTONE}:{topic_id}",
            actor=None,
            topic=topic,
            message=f"{VOTE_MILESTONE} members have seen the mistake you reported: “{topic.title}”.",
        )
    slug = topic.slug
    db.session.commit()
    return VoteResult(voted=not removed, count=count, changed=True, slug=slug)
