"""The audit log: one row per moderation action, added in the action's own transaction."""

from __future__ import annotations

import json
from typing import Any

from benefit.extensions import db
from benefit.models import AuditLog, User


def record(
    actor: User | None,
    action: str,
    *,
    target_kind: str = "",
    target_id: int | None = None,
    reason: str = "",
    **details: Any,
) -> AuditLog:
    """Add (not commit) an audit row; the caller's commit keeps it with the change it records."""
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        reason=reason[:500],
        details=json.dumps(details, default=str, sort_keys=True) if details else "",
    )
    db.session.add(entry)
    return entry
