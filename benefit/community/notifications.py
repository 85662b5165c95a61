"""Creating notifications inside the caller's transaction; claiming their emails; unsubscribe tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from benefit.extensions import db
from benefit.models import Notification, Topic, User, utcnow


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


# --- email delivery: claimed before sending, so two senders never send one notification twice ---

# NULL: not handled yet · claimed: a sender owns it · sent · failed (retried by the next run) · skipped
RETRYABLE = sa.or_(Notification.email_state.is_(None), Notification.email_state == "failed")
UNSUBSCRIBE_SALT = "notification-unsubscribe"


def pending_emails(after_id: int, since: datetime, limit: int) -> list[Notification]:
    """The next notifications (by id) whose email nobody has handled, created after `since`."""
    stmt = (
        sa.select(Notification)
        .where(RETRYABLE, Notification.created_at >= since, Notification.id > after_id)
        .order_by(Notification.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def claim_emails(ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Claim each notification's email with a conditional UPDATE; return the ones this sender won.

    Another sender that claimed a row first makes the UPDATE match nothing here (PostgreSQL
    re-checks the WHERE after waiting for its lock; SQLite runs one writer at a time).
    """
    now = now or utcnow()
    won = []
    for notification_id in ids:
        result = db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id, RETRYABLE)
            .values(email_state="claimed", email_claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            won.append(notification_id)
    db.session.commit()
    return won


def skip_emails(ids: Iterable[int]) -> None:
    """No email for these (read already, emails off, no address): never picked up again."""
    ids = list(ids)
    if ids:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(ids), RETRYABLE)
            .values(email_state="skipped")
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def finish_emails(sent: Iterable[int], failed: Iterable[int], now: datetime | None = None) -> None:
    now = now or utcnow()
    sent, failed = list(sent), list(failed)
    for ids, values in (
        (sent, {"email_state": "sent", "emailed_at": now}),
        (failed, {"email_state": "failed"}),
    ):
        if ids:
            db.session.execute(
                sa.update(Notification)
                .where(Notification.id.in_(ids), Notification.email_state == "claimed")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    db.session.commit()


def unsubscribe_token(user_id: int, kinds: Iterable[str]) -> str:
    """A signed, non-expiring token: mail in an old inbox must still unsubscribe in one click."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(
        {"u": user_id, "k": sorted(set(kinds))}
    )


def read_unsubscribe_token(token: str) -> tuple[int, list[str]] | None:
    try:
        payload = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    kinds = payload.get("k")
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        return None
    return payload["u"], kinds
