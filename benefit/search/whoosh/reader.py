"""Reading: the process's open index and its one searcher, refreshed before each use.

A refresh reuses the readers of segments that did not change and opens every file of a new
segment at once: the indexer's merges delete old segment files, and a file opened before that
outlives its deletion (POSIX) where a lazy open after it would fail.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh.index import TOC
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from benefit.search.whoosh.storage import Storage

# A searcher is opened again from the start when a commit lands while it opens (bounded).
OPEN_ATTEMPTS = 5


def open_columns(reader: Any) -> None:
    """Open the segment's per-document files now (stored fields, lengths, sortable columns).

    Whoosh opens them lazily, on first use, and the indexer deletes a merged segment's files
    when it commits: a file opened before that outlives its deletion (POSIX), a lazy open
    after it fails, or reads every length as 0.
    """
    if not reader.doc_count_all():
        return
    reader.stored_fields(0)
    for name, spec in reader.schema.items():
        if spec.scorable:
            reader.doc_field_length(0, name)
        if spec.column_type is not None and reader.has_column(name):
            reader.column_reader(name)


def _open_readers(ix: Any, reusable: dict[Any, Any]) -> tuple[Any, list[Any]]:
    """(table of contents, a reader per segment) of the latest commit, reusing unchanged readers.

    The whole opening starts again if a commit landed meanwhile (it may have deleted files this
    opening still needed).
    """
    for _ in range(OPEN_ATTEMPTS):
        readers: list[Any] = []
        opened: list[Any] = []
        try:
            toc = TOC.read(ix.storage, ix.indexname, schema=ix.schema)
            for segment in toc.segments:
                previous = reusable.get(segment.segment_id())
                if previous is not None and previous.segment().deleted_count() == segment.deleted_count():
                    readers.append(previous)
                    continue
                opened.append(SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation))
                open_columns(opened[-1])
                readers.append(opened[-1])
            if ix.latest_generation() == toc.generation:
                return toc, readers
        except (OSError, TypeError):
            pass  # a file went missing (TypeError: Whoosh's reader of a column it found gone)
        for reader in opened:
            reader.close()
    raise OSError(f"the search index kept changing while it was opened ({OPEN_ATTEMPTS} attempts)")


def refreshed(ix: Any, old: Any) -> Any:
    """A searcher for the latest commit, reusing the readers of segments that did not change.

    Not Searcher.refresh(): in whoosh-reloaded 2.7.5 it adds back segments a merge removed and
    reuses a segment's reader even when the commit deleted documents from it, so updated documents
    would show twice and deleted ones would stay.
    """
    if old is not None and ix.latest_generation() == old.reader().generation():
        return old
    reusable: dict[Any, Any] = {}
    if old is not None:
        reusable = {r.segment().segment_id(): r for r, _ in old.reader().leaf_readers() if r.segment()}
    toc, readers = _open_readers(ix, reusable)
    kept = {id(r) for r in readers}
    for unused in reusable.values():
        if id(unused) not in kept:
            unused.close()
    reader = MultiReader(readers, generation=toc.generation) if readers else EmptyReader(toc.schema)
    return Searcher(reader, fromindex=ix)


class Reader:
    """The open index of the current generation and one searcher on it, used under a lock.

    Whoosh readers share file handles, so threads of the dev server take turns. `on_reopen` is
    called when a rebuild swapped generations (every cached posting belongs to the old one).
    """

    def __init__(self, storage: Storage, on_reopen: Callable[[], None]) -> None:
        self.storage = storage
        self.lock = threading.RLock()
        self._on_reopen = on_reopen
        self._ix: Any = None
        self._ix_path: Path | None = None
        self._searcher: Any = None

    def index(self) -> Any:
        """The open index for the current generation, or None when there is none (hold the lock)."""
        path = self.storage.current_path()
        if path is None:
            return None
        if self._ix is None or self._ix_path != path:
            if self._searcher is not None:
                self._searcher.close()
            self._ix = self.storage.open(path)
            self._ix_path = path
            self._searcher = None
            self._on_reopen()
        return self._ix

    @contextlib.contextmanager
    def searching(self) -> Iterator[Any]:
        """The process's searcher, refreshed (9 µs when nothing changed), or None with no index."""
        with self.lock:
            ix = self.index()
            if ix is None:
                yield None
                return
            self._searcher = refreshed(ix, self._searcher)
            yield self._searcher

    def reset(self) -> None:
        """Drop the searcher: the next use opens every segment afresh."""
        with self.lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None

    def close(self) -> None:
        with self.lock:
            self.reset()
            self._ix = self._ix_path = None
            self._on_reopen()
