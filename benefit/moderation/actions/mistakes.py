"""Moderators' verbs on the mistakes catalogue: merge a duplicate, mark one outdated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from flask_babel import gettext as _

from benefit.extensions import db
from benefit.models import Reply, Topic, User, Vote
from benefit.moderation import audit
from benefit.moderation.actions.common import one_transaction, require_moderator
from benefit.refusals import NotFound, ServiceError
from benefit.web import MAX_ID


@one_transaction
def mark_outdated(moderator: User, topic: Topic, outdated: bool, reason: str = "") -> Topic:
    """Outdated mistakes stay visible but rank last (the platform changed since)."""
    require_moderator(moderator)
    if topic.kind != "mistake" or topic.merged_into_id is not None:
        raise NotFound(_("That mistake does not exist."))
    if topic.is_outdated != outdated:
        topic.is_outdated = outdated
        audit.record(
            moderator,
            "mistake.outdated" if outdated else "mistake.current",
            target_kind="topic",
            target_id=topic.id,
            reason=reason,
        )
    return topic


@dataclass(frozen=True)
class MergeResult:
    target: Topic
    votes_moved: int
    votes_dropped: int
    replies_moved: int


def _lock_topic(topic_id: int) -> Topic | None:
    """Reload the topic under a row lock (PostgreSQL; SQLite serialises writers anyway).

    Every writer of a topic's votes takes this lock first, so a merge never races a vote on the
    topic it is emptying. FOR NO KEY UPDATE (key_share) does not block inserts elsewhere that only
    reference the topic.
    """
    return db.session.scalar(
        sa.select(Topic)
        .where(Topic.id == topic_id)
        .with_for_update(of=Topic, key_share=True)
        .execution_options(populate_existing=True)
    )


def _lock_pair(source_id: int, target_id: int) -> tuple[Topic, Topic]:
    """Both rows locked in id order (no deadlock with another merge), checked for a merge."""
    if source_id == target_id:
        raise ServiceError(_("A mistake cannot be merged into itself."), field="target")
    if not 1 <= target_id <= MAX_ID:
        raise ServiceError(_("There is no mistake with that number."), field="target")
    first, second = sorted((source_id, target_id))
    locked = {first: _lock_topic(first), second: _lock_topic(second)}
    src, dst = locked[source_id], locked[target_id]
    if src is None or src.kind != "mistake" or src.merged_into_id is not None:
        raise NotFound(_("The duplicate does not exist or was already merged."))
    if dst is None:
        raise ServiceError(_("There is no mistake with that number."), field="target")
    if dst.kind != "mistake":
        raise ServiceError(_("Merge into another mistake (give its number or link)."), field="target")
    if dst.merged_into_id is not None:
        raise ServiceError(
            _("That mistake was itself merged into #%(id)s: merge into that one.", id=dst.merged_into_id),
            field="target",
        )
    if dst.state != "published":
        raise ServiceError(_("Merge into a published mistake."), field="target")
    return src, dst


def _move_votes(src: Topic, dst: Topic) -> tuple[int, int]:
    """(moved, dropped): a member who voted on both keeps one; the target's reporter cannot vote on
    their own report. Vote rows are not searchable content, so set-based statements are fine."""
    already = sa.select(Vote.user_id).where(Vote.topic_id == dst.id)
    dropped = cast(
        sa.CursorResult[tuple[()]],
        db.session.execute(
            sa.delete(Vote).where(
                Vote.topic_id == src.id,
                sa.or_(Vote.user_id.in_(already), Vote.user_id == dst.author_id),
            )
        ),
    ).rowcount
    moved = cast(
        sa.CursorResult[tuple[()]],
        db.session.execute(sa.update(Vote).where(Vote.topic_id == src.id).values(topic_id=dst.id)),
    ).rowcount
    return moved, dropped


def _fold_content(src: Topic, dst: Topic) -> None:
    """The duplicate's practices, tags, evidence links and library types join the target's."""
    for practice in src.avoided_by:
        if practice not in dst.avoided_by:
            dst.avoided_by.append(practice)
    for tag in src.tags:
        if tag not in dst.tags:
            dst.tags.append(tag)
    links = dst.evidence_link_list + [x for x in src.evidence_link_list if x not in dst.evidence_link_list]
    dst.evidence_links = "\n".join(links)
    # No library types means "all of them": the union of "all" and anything is "all".
    if dst.library_type_list and src.library_type_list:
        types = dst.library_type_list + [t for t in src.library_type_list if t not in dst.library_type_list]
        dst.library_types = ",".join(types)
    else:
        dst.library_types = ""
    src.avoided_by = []


def _recount(dst: Topic) -> None:
    dst.vote_count = sa.select(sa.func.count(Vote.id)).where(Vote.topic_id == dst.id).scalar_subquery()
    dst.reply_count = (
        sa.select(sa.func.count(Reply.id))
        .where(Reply.topic_id == dst.id, Reply.state == "published")
        .scalar_subquery()
    )


@one_transaction
def merge_mistakes(moderator: User, source: Topic, target_id: int, reason: str = "") -> MergeResult:
    """Fold the duplicate `source` into mistake `target_id`: votes, replies, practices, tags move.

    The source keeps its row (with merged_into_id) so its address redirects to the target.
    """
    require_moderator(moderator)
    src, dst = _lock_pair(source.id, target_id)
    moved, dropped = _move_votes(src, dst)
    # Replies move one by one through the ORM so the search change log's flush hook sees each.
    replies = list(db.session.scalars(sa.select(Reply).where(Reply.topic_id == src.id)))
    for reply in replies:
        reply.topic_id = dst.id
    _fold_content(src, dst)
    src.merged_into_id = dst.id
    src.vote_count = 0
    src.reply_count = 0
    db.session.flush()
    _recount(dst)
    if replies:
        dst.last_activity_at = max(dst.last_activity_at, *(r.created_at for r in replies))
    audit.record(
        moderator,
        "mistake.merge",
        target_kind="topic",
        target_id=src.id,
        reason=reason,
        into=dst.id,
        votes_moved=moved,
        votes_dropped=dropped,
        replies_moved=len(replies),
    )
    return MergeResult(target=dst, votes_moved=moved, votes_dropped=dropped, replies_moved=len(replies))
