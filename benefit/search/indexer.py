"""The single writer: applies the change log to the index in batches; also rebuild and reconcile.

Each batch takes the index's writer lock without waiting (another indexer that holds it does the
work), reads the log after the watermark, loads the current rows, writes or deletes their documents
and commits them together with the new watermark, so a crash re-applies a batch and never skips one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from benefit.models import Reply, SearchChange
from benefit.search.documents import count_topics, iter_all_documents, load_documents
from benefit.search.engine import Document, IndexMeta, SearchEngine
from benefit.search.health import WorkerState, describe_error

log = logging.getLogger("benefit.search")

# Larger gaps than this are not tracked one by one (a sequence jump after a crash, not a transaction).
MAX_TRACKED_GAP = 1_000


class LogReset(RuntimeError):
    """The change log is not the one this index was fed from (a new or restored database)."""


@dataclass
class BatchReport:
    changes: int = 0
    upserted: int = 0
    deleted: int = 0
    watermark: int = 0
    first_id: int = 0
    rebuilt: bool = False  # the database was not the one indexed: the index was built afresh


@dataclass
class RebuildReport:
    documents: int
    seconds: float
    size_bytes: int
    watermark: int


@dataclass
class ReconcileReport:
    checked: int = 0
    missing: int = 0
    stale: int = 0
    extra: int = 0

    @property
    def queued(self) -> int:
        return self.missing + self.stale + self.extra


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def check_log(session: Session, meta: IndexMeta) -> None:
    """Raise LogReset when the log behind the watermark is not the one this index applied."""
    if meta.watermark == 0:
        return
    newest = session.scalar(sa.select(sa.func.max(SearchChange.id)))
    if newest is None or newest < meta.watermark:
        raise LogReset(f"the change log ends at {newest}, before this index's watermark {meta.watermark}")
    at_mark = session.scalar(sa.select(SearchChange.created_at).where(SearchChange.id == meta.watermark))
    if at_mark is not None and meta.anchor and _iso(at_mark) != meta.anchor:
        raise LogReset(f"change {meta.watermark} is not the one this index applied")


@dataclass
class _Pending:
    rows: list[Any]  # the changes after the watermark, in id order (at most a batch)
    applied: list[Any]  # those, and changes committed late below the watermark
    gaps: dict[int, float]  # the change ids still missing below the new watermark


def _pending(session: Session, meta: IndexMeta, batch_size: int, gap_seconds: float) -> _Pending:
    """The next batch of the change log after `meta`'s watermark, and the gaps it leaves."""
    cols = (SearchChange.id, SearchChange.entity_kind, SearchChange.entity_id, SearchChange.created_at)
    after = sa.select(*cols).where(SearchChange.id > meta.watermark)
    rows = list(session.execute(after.order_by(SearchChange.id).limit(batch_size)))
    late = (
        list(session.execute(sa.select(*cols).where(SearchChange.id.in_(list(meta.gaps)))))
        if meta.gaps
        else []
    )
    now = time.time()
    gaps = dict(meta.gaps)
    expected = meta.watermark + 1
    for row in rows:
        if row.id - expected <= MAX_TRACKED_GAP:
            for missing in range(expected, row.id):
                gaps.setdefault(missing, now)
        expected = row.id + 1
    for row in late:
        gaps.pop(row.id, None)
    gaps = {i: seen for i, seen in gaps.items() if now - seen < gap_seconds}
    return _Pending(rows=rows, applied=rows + late, gaps=gaps)


def _changed_topics(session: Session, changes: list[Any]) -> set[int]:
    """The topics whose documents the changes touch (a reply's change is its topic's)."""
    topic_ids = {r.entity_id for r in changes if r.entity_kind == "topic"}
    reply_ids = [r.entity_id for r in changes if r.entity_kind == "reply"]
    if reply_ids:
        topic_ids.update(session.scalars(sa.select(Reply.topic_id).where(Reply.id.in_(reply_ids))))
    return topic_ids


def apply_batch(
    search_index: SearchEngine,
    engine: sa.Engine,
    *,
    batch_size: int = 300,
    gap_seconds: float = 120.0,
    on_write: Callable[[BatchReport], None] | None = None,
) -> BatchReport | None:
    """Apply up to `batch_size` changes; None when another indexer holds the writer lock."""
    writer = search_index.writer()
    if writer is None:
        return None
    try:
        meta = writer.read_meta()
        with Session(engine) as session:
            check_log(session, meta)
            pending = _pending(session, meta, batch_size, gap_seconds)
            if not pending.applied and pending.gaps == meta.gaps:
                writer.cancel()
                return BatchReport(watermark=meta.watermark)
            topic_ids = _changed_topics(session, pending.applied)
            docs = load_documents(session, topic_ids)
        rows = pending.rows
        report = BatchReport(
            changes=len(pending.applied),
            watermark=rows[-1].id if rows else meta.watermark,
            first_id=min((r.id for r in pending.applied), default=0),
        )
        if on_write is not None:
            on_write(report)
        for topic_id in sorted(topic_ids):
            if topic_id in docs:
                writer.upsert(docs[topic_id])
                report.upserted += 1
            else:
                writer.delete(str(topic_id))
                report.deleted += 1
        new_meta = IndexMeta(
            watermark=report.watermark,
            gaps=pending.gaps,
            applied=meta.applied + len(pending.applied),
            anchor=_iso(rows[-1].created_at) if rows else meta.anchor,
        )
        writer.commit(new_meta)
        return report
    except BaseException:
        writer.cancel()
        raise


def apply_pending(search_index: SearchEngine, engine: sa.Engine, *, batch_size: int = 300) -> int:
    """Apply the whole log (tests, "sync" mode); returns how many changes were applied."""
    total = 0
    while True:
        report = apply_batch(search_index, engine, batch_size=batch_size)
        if report is None:
            return total
        total += report.changes
        if report.changes < batch_size:  # the log is drained: no need to open the writer again
            return total


def _snapshot_meta(session: Session) -> IndexMeta:
    """The watermark a fresh index starts from: the newest change before reading any content."""
    newest = session.execute(
        sa.select(SearchChange.id, SearchChange.created_at).order_by(SearchChange.id.desc()).limit(1)
    ).first()
    if newest is None:
        return IndexMeta()
    # Ids just below the mark that are not committed yet (PostgreSQL) are re-checked for a while.
    recent = set(session.scalars(sa.select(SearchChange.id).where(SearchChange.id > newest.id - 200)))
    now = time.time()
    gaps = {i: now for i in range(max(1, newest.id - 199), newest.id) if i not in recent}
    applied = int(session.scalar(sa.select(sa.func.count(SearchChange.id))) or 0)
    return IndexMeta(watermark=newest.id, gaps=gaps, applied=applied, anchor=_iso(newest.created_at))


def rebuild(
    search_index: SearchEngine,
    engine: sa.Engine,
    *,
    procs: int = 1,
    multisegment: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Build a fresh index from the database beside the current one, then swap it in atomically.

    The benchmark calls this too; `procs=2, multisegment=True` roughly halves the time on 2 cores.
    Changes committed while it runs have ids above the snapshot's watermark and are applied after.
    """
    started = time.perf_counter()
    with Session(engine) as session:
        meta = _snapshot_meta(session)
        total = count_topics(session)
        count = 0

        def counted() -> Iterator[Document]:
            nonlocal count
            for doc in iter_all_documents(session):
                count += 1
                if progress is not None:
                    progress(count, total)
                yield doc

        search_index.rebuild(counted(), meta, procs=procs, multisegment=multisegment)
    return RebuildReport(
        documents=count,
        seconds=time.perf_counter() - started,
        size_bytes=search_index.size_bytes(),
        watermark=meta.watermark,
    )


def reconcile(search_index: SearchEngine, engine: sa.Engine) -> ReconcileReport:
    """Compare every topic's document with the index and queue the differences in the change log."""
    report = ReconcileReport()
    indexed = search_index.stored_digests()
    queue: set[int] = set()
    with Session(engine) as session:
        seen: set[int] = set()
        for doc in iter_all_documents(session):
            topic_id = int(doc["id"])
            seen.add(topic_id)
            report.checked += 1
            if topic_id not in indexed:
                report.missing += 1
                queue.add(topic_id)
            elif indexed[topic_id] != doc["digest"]:
                report.stale += 1
                queue.add(topic_id)
        extra = set(indexed) - seen
        report.extra = len(extra)
        queue |= extra
        if queue:
            session.execute(
                sa.insert(SearchChange),
                [{"entity_kind": "topic", "entity_id": i} for i in sorted(queue)],
            )
            session.commit()
    return report


# What one step of the worker did: applied changes (go on), found none (wait for a commit), found
# another indexer holding the writer lock (wait), or failed (wait longer each time, up to 30 s).
Outcome = Literal["applied", "idle", "busy", "failed"]


class Worker:
    """The indexer loop: `flask search worker` in production, a daemon thread under `make run`.

    An error is said (and recorded in the WorkerState, for `flask search status` and /healthz in
    other processes) once when it first happens, not at every retry, and cleared once a batch
    goes through again.
    """

    def __init__(
        self,
        search_index: SearchEngine,
        engine_factory: Callable[[], sa.Engine],
        *,
        batch_size: int = 300,
        poll: float = 1.0,
        gap_seconds: float = 120.0,
        say: Callable[[str], None] = log.info,
        state: WorkerState | None = None,
    ) -> None:
        self.index = search_index
        self.engine_factory = engine_factory
        self.batch_size = batch_size
        self.poll = poll
        self.gap_seconds = gap_seconds
        self.say = say
        self.state = state if state is not None else WorkerState(search_index.root)
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.failures = 0
        self.applied = 0
        self.last_error: str | None = None
        # What the state file says, maybe from an earlier run: cleared by the first batch that works.
        self._recorded: str | None = self.state.read().get("last_error")
        self._busy_reported = False

    def step(self) -> Outcome:
        """Apply one batch (or rebuild, when the database is not the one indexed)."""
        engine = self.engine_factory()
        try:
            report = self._apply(engine)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self.failures += 1
            self._failed(describe_error(exc, self.index.root))
            return "failed"
        self.failures = 0
        if report is None:
            if not self._busy_reported:
                self.say("another indexer holds the index's writer lock; waiting")
                self._busy_reported = True
            return "busy"
        self._busy_reported = False
        self._recovered()
        if report.rebuilt:
            return "applied"
        if not report.changes:
            return "idle"
        self.applied += report.changes
        self.say(
            f"committed: {report.changes} changes, {report.upserted} indexed, "
            f"{report.deleted} removed, watermark {report.watermark}"
        )
        return "applied"

    def _apply(self, engine: sa.Engine) -> BatchReport | None:
        try:
            return apply_batch(
                self.index,
                engine,
                batch_size=self.batch_size,
                gap_seconds=self.gap_seconds,
                on_write=lambda r: self.say(
                    f"writing batch: {r.changes} changes (ids {r.first_id}..{r.watermark})"
                ),
            )
        except LogReset as exc:
            self.say(f"rebuilding the index: {exc}")
            done = rebuild(self.index, engine)
            self.say(f"rebuilt: {done.documents} documents in {done.seconds:.1f} s")
            return BatchReport(watermark=done.watermark, rebuilt=True)

    def _failed(self, error: str) -> None:
        if error != self.last_error:  # else said already: retry quietly until it is fixed
            self.last_error = error
            self.say(f"indexer error (retrying until it is fixed): {error}")
        if error != self._recorded:
            self._recorded = error
            problem = self.state.record(error)
            if problem is not None:
                self.say(problem)

    def _recovered(self) -> None:
        if self.last_error is not None:
            self.say("indexer working again")
            self.last_error = None
        if self._recorded is not None:
            self._recorded = None
            self.state.record(None)

    def drain(self) -> str | None:
        """Apply what is in the log now (`flask search worker --once`); the error, if one stops it."""
        while (outcome := self.step()) == "applied":
            pass
        return self.last_error if outcome == "failed" else None

    def run(self) -> None:
        while not self.stop.is_set():
            outcome = self.step()
            if outcome == "failed":
                self.stop.wait(min(30.0, self.poll * 2**self.failures))
            elif outcome == "busy":
                self.stop.wait(self.poll)
            elif outcome == "idle":
                self.wake.wait(self.poll)
                self.wake.clear()
