"""Topic.has_platform follows the topic's tags, in the same flush that changes them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from benefit.models import Topic


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Topic):
            continue
        if obj in session.new or sa.inspect(obj).attrs.tags.history.has_changes():
            flag = any(tag.kind == "platform" for tag in obj.tags)
            if obj.has_platform != flag:
                obj.has_platform = flag


def register() -> None:
    """Once per process, on every Session (idempotent)."""
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)
