"""Creating notifications, inside the caller's transaction (the caller commits)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Notification, Topic, User


def notify(
    recipients: Iterable[int],
    *,
    kind: str,
    event_key: str,
    actor: User | None,
    topic: Topic | None = None,
    reply_id: int | None = None,
    message: str = "",
) -> list[Notification]:
    """Add one notification per recipient for an event, never to the actor, never twice.

    Part of the caller's use case: it only adds rows; the caller's commit makes them real
    together with the event, so a rolled-back event notifies nobody.
    """
    ids = {i for i in recipients if actor is None or i != actor.id}
    if not ids:
        return []
    # The (user_id, event_key) constraint is the real guard; this skips the known ones.
    already = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.event_key == event_key, Notification.user_id.in_(ids)
            )
        )
    )
    created = []
    for user_id in sorted(ids - already):
        n = Notification(
            user_id=user_id,
            kind=kind,
            event_key=event_key,
            actor_id=actor.id if actor else None,
            topic_id=topic.id if topic else None,
            reply_id=reply_id,
            message=message[:300],
        )
        db.session.add(n)
        created.append(n)
    return created
