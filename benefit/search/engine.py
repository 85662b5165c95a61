"""The search port: what the rest of BENEFIT asks of a search engine, and in what shapes.

The indexer feeds an engine documents (plain dicts, benefit/search/documents.py) through a
`ChangeWriter`; the search service asks it a `SearchRequest` and gets topic ids back in a
`SearchResult`. benefit/search/whoosh/ is the one implementation; nothing outside it knows Whoosh.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from markupsafe import Markup

# A topic as the engine indexes it: see benefit/search/documents.py for the fields.
Document = dict[str, Any]


@dataclass
class IndexMeta:
    """How far through the change log an index is (stored inside the index, committed with it)."""

    watermark: int = 0
    # Change ids skipped over, with when they were first seen missing: on PostgreSQL a transaction
    # can commit a lower id after a higher one, so a gap is re-checked for a while before it is
    # taken for a rollback.
    gaps: dict[int, float] = field(default_factory=dict)
    applied: int = 0
    # created_at of the change at the watermark: tells a reset database from a pruned log.
    anchor: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "watermark": self.watermark,
                "gaps": {str(k): v for k, v in self.gaps.items()},
                "applied": self.applied,
                "anchor": self.anchor,
            }
        )

    @classmethod
    def from_json(cls, raw: str | None) -> IndexMeta:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(
            watermark=int(data.get("watermark", 0)),
            gaps={int(k): float(v) for k, v in data.get("gaps", {}).items()},
            applied=int(data.get("applied", 0)),
            anchor=str(data.get("anchor", "")),
        )


@dataclass
class SearchRequest:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    # True: sees everything (moderators); otherwise published posts plus this member's pending ones.
    see_all: bool = False
    owner_id: int | None = None


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)
    total: int = 0
    # The page these ids are (a page past the end is answered with the last one).
    page: int = 1
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # The analysed words searched for, for highlighting.
    terms: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)
    searched: bool = False


class ChangeWriter(Protocol):
    """One batch of changes, held under the index's single writer lock, committed as one."""

    def read_meta(self) -> IndexMeta: ...

    def upsert(self, doc: Document) -> None: ...

    def delete(self, doc_id: str) -> None: ...

    def commit(self, meta: IndexMeta) -> None:
        """Write the batch and the new watermark together: a crash keeps both or neither."""

    def cancel(self) -> None: ...


class SearchEngine(Protocol):
    """A per-process search index: one writer (the indexer), any number of readers."""

    @property
    def root(self) -> Path:
        """The directory the engine keeps this node's index in."""

    # -- applying changes (the indexer only) --

    def writer(self) -> ChangeWriter | None:
        """The writer for a batch, or None when another indexer holds the lock (it does the work)."""

    def rebuild(
        self, docs: Iterable[Document], meta: IndexMeta, *, procs: int = 1, multisegment: bool = False
    ) -> None:
        """Index every document afresh beside the current index, then swap it in atomically."""

    # -- answering --

    def search(self, req: SearchRequest) -> SearchResult: ...

    def suggest(self, text: str) -> str | None:
        """The query with each word the index does not know replaced by its closest known word."""

    def highlight(self, text: str, terms: Iterable[str], *, whole: bool = False) -> Markup:
        """An escaped excerpt of `text` (all of it if `whole`) with `terms` in <mark>, or "" when
        none of them occur."""

    # -- looking after it --

    def exists(self) -> bool: ...

    def read_meta(self) -> IndexMeta: ...

    def doc_count(self) -> int: ...

    def size_bytes(self) -> int: ...

    def location(self) -> str:
        """Where the index being read is (for `flask search status`)."""

    def advice(self) -> list[str]:
        """Things an operator should do about this index (say, rebuild it), for `flask search status`."""

    def stored_digests(self) -> dict[int, str]:
        """topic id → the digest of its indexed document (for reconcile)."""

    def ids_for(self, words: str) -> list[int]:
        """Topic ids whose text matches all `words`, any state (tests and diagnostics)."""

    def warm(self, seconds: float = 0.0) -> int:
        """Open the reader and fill caches before the first query; returns how many words it read."""

    def cache_info(self) -> dict[str, int]: ...

    def close(self) -> None: ...
