"""A counter per kind of row that goes up when a committed transaction changed such rows.

Per-process caches (tag counts, the tag vocabulary) keep the generation they were built at and are
rebuilt once it moves: a rolled-back change never drops a cache, a committed one always does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


class Generation:
    def __init__(self, name: str, *classes: type) -> None:
        self.value = 0
        self._key = f"benefit.changed.{name}"
        self._classes = classes
        sa.event.listen(Session, "after_flush", self._note)
        sa.event.listen(Session, "after_commit", self._advance)
        sa.event.listen(Session, "after_rollback", self._forget)

    def _note(self, session: Session, flush_context: Any) -> None:
        if any(isinstance(obj, self._classes) for obj in (*session.new, *session.dirty, *session.deleted)):
            session.info[self._key] = True

    def _advance(self, session: Session) -> None:
        if session.info.pop(self._key, False):
            self.value += 1

    def _forget(self, session: Session) -> None:
        session.info.pop(self._key, None)
