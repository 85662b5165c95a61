"""How the search index is doing: the indexer's last error (readable from any process) and the lag.

The indexer may run in another process (`flask search worker`) than the web workers that report on
it, so it records its error in a small JSON file beside the index directory — not inside it: the
directory it cannot write is the usual error. The file is written only when the error changes.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from benefit.search import SearchService

log = logging.getLogger("benefit.search")

# Errors of the index directory itself that the operator fixes by giving the indexer a directory.
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.EEXIST, errno.ENOTDIR, errno.EISDIR}


def state_path(root: Path) -> Path:
    """SEARCH_INDEX_DIR/../<name>.worker.json (instance/search-index.worker.json by default)."""
    return root.parent / f"{root.name}.worker.json"


def describe_error(exc: BaseException, root: Path) -> str:
    """What went wrong, where, and what fixes it, in one line (for the log, the state file and
    `flask search status`)."""
    root = root.absolute()
    if isinstance(exc, OSError):
        where = Path(os.fsdecode(exc.filename)).absolute() if exc.filename else root
        reason = exc.strerror or str(exc) or type(exc).__name__
        if root.exists() and not root.is_dir():
            reason = "it is a file, not a directory"
            fix = "move that file away, or set BENEFIT_SEARCH_INDEX_DIR to a directory"
        elif exc.errno in _NOT_WRITABLE:
            fix = (
                f"make {root} a directory the indexer's user can write (for example "
                f"`chown -R <that user> {root}`), or set BENEFIT_SEARCH_INDEX_DIR to one"
            )
        elif exc.errno == errno.ENOSPC:
            fix = f"free some disk space where {root} is"
        else:
            fix = f"check {root}, or run `flask search rebuild`"
        return f"cannot write the search index at {where} ({reason}): {fix}."
    if isinstance(exc, sa.exc.SQLAlchemyError):
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return (
            f"cannot read the search change log from the database ({first_line}): "
            "check BENEFIT_DATABASE_URL and that the database is up."
        )
    return f"{type(exc).__name__}: {exc}"


class WorkerState:
    """The indexer's last error: in this process, and in the state file for the other processes."""

    def __init__(self, root: str | Path) -> None:
        self.path = state_path(Path(root))
        self._here: dict[str, Any] = {}

    def record(self, error: str | None) -> str | None:
        """Record the current error (None: working again). Returns why it could not be written to
        the state file, if it could not (the error is still readable in this process)."""
        state = {
            "last_error": error,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "pid": os.getpid(),
        }
        self._here = state
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            tmp.write_text(json.dumps(state))
            os.replace(tmp, self.path)  # readers see the old state or the new one, never half
        except OSError as exc:
            return f"could not record the indexer's state in {self.path} ({exc.strerror or exc})"
        return None

    def read(self) -> dict[str, Any]:
        """{"last_error": str | None, "at": ISO time, "pid": int}, or {} when nothing was recorded."""
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return dict(self._here)
        except (OSError, ValueError) as exc:
            log.warning("could not read the search indexer's state in %s: %s", self.path, exc)
            return dict(self._here)
        return data if isinstance(data, dict) else dict(self._here)


def changes_after(connection: sa.Connection, watermark: int) -> int:
    """How many change-log rows an index at `watermark` has not applied yet."""
    from benefit.models import SearchChange

    count = connection.scalar(sa.select(sa.func.count(SearchChange.id)).where(SearchChange.id > watermark))
    return int(count or 0)


def report(service: SearchService) -> dict[str, Any]:
    """benefit.search.search_health: see there. JSON-serialisable; never raises."""
    engine = service.engine
    state = service.worker_state.read()
    error = state.get("last_error")
    out: dict[str, Any] = {
        "lag": None,
        "last_error": str(error) if error else None,
        "last_error_at": state.get("at") if error else None,
        "index": str(engine.root),
        "exists": False,
        "indexer": service.mode,
    }
    try:
        out["exists"] = engine.exists()
        watermark = engine.read_meta().watermark if out["exists"] else 0
    except Exception as exc:  # noqa: BLE001 - an unreadable index is a lag we cannot know
        log.warning("search health: cannot read the index in %s: %s", engine.root, exc)
        return out
    try:
        from benefit.extensions import db

        with service.app.app_context(), db.engine.connect() as connection:
            out["lag"] = changes_after(connection, watermark)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("search health: cannot count the change log: %s", exc)
    return out
