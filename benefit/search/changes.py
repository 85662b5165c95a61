"""The change log: every change to searchable content adds `search_change` rows in its own transaction.

Flush hooks on every Session, so no code path can forget it: a rolled-back post never reaches the
log, a committed one is never missed. The document is the topic, so a reply change logs its topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from benefit.models import Reply, SearchChange, Tag, Topic, User, topic_tag, utcnow

# Set on a session that logged changes; its after_commit hook then wakes the indexer.
PENDING_KEY = "benefit.search.pending"


def log_topic_changes(session: Session, topic_ids: set[int]) -> None:
    """Log topics changed by Core statements, which the flush hook cannot see (a vote's recount)."""
    _log(session, topic_ids)


def _log(session: Session, topic_ids: set[int]) -> None:
    if not topic_ids:
        return
    now = utcnow()
    session.connection().execute(
        sa.insert(SearchChange.__table__),
        [{"entity_kind": "topic", "entity_id": i, "created_at": now} for i in sorted(topic_ids)],
    )
    session.info[PENDING_KEY] = True


def _log_select(session: Session, select_ids: sa.Select[Any]) -> None:
    """Log every topic a SELECT returns, without loading them (a renamed member, a renamed tag)."""
    now = utcnow()
    ids = select_ids.subquery()
    stmt = sa.insert(SearchChange.__table__).from_select(
        ["entity_kind", "entity_id", "created_at"],
        sa.select(sa.literal("topic"), ids.c[0], sa.literal(now, SearchChange.__table__.c.created_at.type)),
    )
    session.connection().execute(stmt)
    session.info[PENDING_KEY] = True


def _value(obj: Any, attr: str) -> Any:
    """An attribute's value without triggering a load (the row may be gone already)."""
    return sa.inspect(obj).dict.get(attr)


def _history(obj: Any, attr: str) -> Any:
    return sa.inspect(obj).attrs[attr].history


def _changed(obj: Any, *attrs: str) -> bool:
    return any(_history(obj, a).has_changes() for a in attrs)


def after_flush(session: Session, flush_context: UOWTransaction) -> None:
    # In after_flush the new/dirty/deleted collections still show what this flush wrote, and new
    # rows already have their ids.
    topic_ids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Topic):
            topic_ids.add(obj.id)
        elif isinstance(obj, Reply) and obj.topic_id is not None:
            topic_ids.add(obj.topic_id)
    for obj in session.deleted:
        if isinstance(obj, Topic):
            topic_ids.add(obj.id)
        elif isinstance(obj, Reply) and _value(obj, "topic_id") is not None:
            topic_ids.add(_value(obj, "topic_id"))
    renamed_users: list[int] = []
    changed_tags: list[int] = []
    for obj in session.dirty:
        if isinstance(obj, Topic):
            if session.is_modified(obj):
                topic_ids.add(obj.id)
        elif isinstance(obj, Reply):
            if session.is_modified(obj):
                # A reply moved to another topic (a merge) changes both documents.
                history = _history(obj, "topic_id")
                topic_ids.update(i for i in (*history.added, *history.deleted, *history.unchanged) if i)
        elif isinstance(obj, User):
            if _changed(obj, "username", "deleted_at"):
                renamed_users.append(obj.id)
        elif isinstance(obj, Tag):
            if _changed(obj, "slug", "name", "kind"):
                changed_tags.append(obj.id)
    _log(session, topic_ids)
    if renamed_users:
        _log_select(session, sa.select(Topic.id).where(Topic.author_id.in_(renamed_users)))
    if changed_tags:
        _log_select(
            session, sa.select(topic_tag.c.topic_id).where(topic_tag.c.tag_id.in_(changed_tags)).distinct()
        )


def do_orm_execute(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE statements on topics or replies skip the flush: log what they will touch."""
    if not (state.is_update or state.is_delete):
        return
    stmt = state.statement
    table = getattr(stmt, "table", None)
    where = getattr(stmt, "whereclause", None)
    if table is None or table.name not in ("topic", "reply"):
        return
    column = Topic.__table__.c.id if table.name == "topic" else Reply.__table__.c.topic_id
    select_ids = sa.select(column).distinct()
    if where is not None:
        select_ids = select_ids.where(where)
    _log_select(state.session, select_ids)


def after_commit(session: Session) -> None:
    if session.info.pop(PENDING_KEY, False) and has_app_context():
        service = current_app.extensions.get("benefit.search")
        if service is not None:
            # "sync": apply now (tests); "thread": wake the indexer thread; "off": a worker polls.
            service.changes_committed()


def after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


_HOOKS: list[tuple[str, Callable[..., Any]]] = [
    ("after_flush", after_flush),
    ("do_orm_execute", do_orm_execute),
    ("after_commit", after_commit),
    ("after_soft_rollback", lambda session, previous_transaction: after_rollback(session)),
]


def register_change_log() -> None:
    """Listen on every Session (idempotent: one set of hooks, however many apps are created)."""
    for name, fn in _HOOKS:
        if not sa.event.contains(Session, name, fn):
            sa.event.listen(Session, name, fn)
