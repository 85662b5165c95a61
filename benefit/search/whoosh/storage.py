"""The index on disk: generations behind a `current` link, the single writer, and building afresh.

Layout: SEARCH_INDEX_DIR/current is a symlink to a generation directory (gen-…); a rebuild writes a
new generation beside it and swaps the link atomically. The indexer's progress through the change
log (its watermark) is a stored "meta" document, written in the same commit as the documents it
covers, so a crash re-applies a batch and never skips one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import LockError

from benefit.search.engine import Document, IndexMeta
from benefit.search.whoosh.schema import META_ID, WRITER_OPTIONS, index_fields, make_schema


class IndexWriter:
    """One batch of changes, committed together with the new watermark (a ChangeWriter)."""

    def __init__(self, ix: Any, writer: Any) -> None:
        self._ix = ix
        self._writer = writer

    def read_meta(self) -> IndexMeta:
        with self._ix.searcher() as searcher:
            stored = searcher.document(id=META_ID)
        return IndexMeta.from_json(stored.get("meta") if stored else None)

    def upsert(self, doc: Document) -> None:
        self._writer.update_document(**index_fields(doc, self._ix.schema))

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)

    def commit(self, meta: IndexMeta) -> None:
        self._writer.update_document(id=META_ID, meta=meta.to_json())
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.cancel()


class Storage:
    """The generations of one index directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def link(self) -> Path:
        return self.root / "current"

    def current_path(self) -> Path | None:
        try:
            target = os.readlink(self.link)
        except OSError:
            return None
        path = self.root / target
        return path if path.is_dir() else None

    def exists(self) -> bool:
        for _ in range(3):
            path = self.current_path()
            try:
                return path is not None and index.exists_in(str(path))
            except FileNotFoundError:
                # A writer committed (or a rebuild swapped generations) while Whoosh read the
                # table of contents it was replacing: look again.
                continue
        return True  # the index kept changing under us: it is there

    def ensure(self) -> None:
        """Create an empty index (watermark 0) unless one exists; safe across processes."""
        if self.exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".create.lock", "a+") as lockfile:
            fcntl.flock(lockfile, fcntl.LOCK_EX)
            try:
                if self.exists():
                    return
                path = self._new_generation()
                ix = index.create_in(str(path), make_schema())
                writer = ix.writer(**WRITER_OPTIONS)
                writer.update_document(id=META_ID, meta=IndexMeta().to_json())
                writer.commit()
                ix.close()
                self._swap(path)
            finally:
                fcntl.flock(lockfile, fcntl.LOCK_UN)

    def open(self, path: Path) -> Any:
        return index.open_dir(str(path))

    def writer(self, ix: Any) -> IndexWriter | None:
        """The open index's writer, or None when another indexer holds its lock."""
        try:
            return IndexWriter(ix, ix.writer(timeout=0.0, **WRITER_OPTIONS))
        except LockError:
            return None

    def build(
        self,
        docs: Iterable[Document],
        meta: IndexMeta,
        *,
        procs: int = 1,
        multisegment: bool = False,
        memory_mb: int = 256,
    ) -> Path:
        """Write every document into a fresh generation beside the current one, then swap it in."""
        path = self._new_generation()
        try:
            ix = index.create_in(str(path), make_schema())
            kwargs: dict[str, Any] = {"limitmb": memory_mb, **WRITER_OPTIONS}
            if procs > 1:
                kwargs.update(procs=procs, multisegment=multisegment)
            writer = ix.writer(**kwargs)
            for doc in docs:
                writer.add_document(**index_fields(doc, ix.schema))
            writer.add_document(id=META_ID, meta=meta.to_json())
            writer.commit()
            ix.close()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._swap(path)
        self._remove_old_generations()
        return path

    def size_bytes(self) -> int:
        path = self.current_path()
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file()) if path else 0

    def _new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"gen-{time.time_ns()}-{os.getpid()}"
        path.mkdir()
        return path

    def _swap(self, path: Path) -> None:
        tmp = self.root / f".current-{os.getpid()}-{threading.get_ident()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(path.name, tmp)
        os.replace(tmp, self.link)  # atomic: readers see the old index or the new one, never none

    def _remove_old_generations(self, keep: int = 1) -> None:
        """Delete generations older than the current one and the `keep` before it."""
        current = self.current_path()
        gens = sorted(
            (p for p in self.root.glob("gen-*") if p.is_dir() and p != current),
            key=lambda p: p.stat().st_mtime,
        )
        for old in gens[: max(0, len(gens) - keep)]:
            shutil.rmtree(old, ignore_errors=True)
