"""Posting bitmaps and scores per (segment, field, term), cached in each process.

Whoosh's matchers walk every posting of every query term in Python, one call per posting: on the
benchmark's 20,000 topics (each with its replies folded in) an ordinary two-word query touches
about 60,000 postings and took 300-900 ms, three times over (matching, scoring, counting). Here each
(segment, field, term) posting list is read once, a block at a time, into

- a bitmap (a Python int, bit n = document n of the segment), so AND/OR/NOT, the total and every
  facet count are a handful of big-integer operations (microseconds, in C), and
- for text fields, the term's BM25F score per document, computed by the index's own weighting
  (its scorer's formula, the one Whoosh's matchers use), so relevance ranking adds those scores up
  per document as Whoosh's And/Or matchers do (benefit/search/whoosh/evaluate.py).

Entries are kept per segment, which never changes once written (deletions are applied through a
per-reader "live" bitmap), so a commit that adds a small segment keeps everything cached for the
big ones. The cache is bounded in bytes and evicts least recently used entries. Scores use the
collection statistics (idf, average length) of when they were computed and are recomputed when the
document count has moved by more than SCORE_DRIFT since.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound

from benefit.search.whoosh.internals import read_blocks, score_formula

# Recompute cached scores once the number of documents changed by more than this fraction.
SCORE_DRIFT = 0.05

Unit = tuple[tuple[str, str, float], ...]  # (field, text, boost) of terms scored together


@dataclass
class Posting:
    """One term's postings in one segment."""

    bits: int
    ids: array[int] | None = None  # local document numbers, ascending (only when scored)
    scores: array[float] | None = None  # BM25F score per entry of `ids` (single precision)
    scored_at: int = 0  # the collection's document count when the scores were computed
    # Positions in `ids`, best score first (ties: lower document first); made on first need.
    ranking: array[int] | None = None

    def nbytes(self) -> int:
        size = 64 + self.bits.bit_length() // 8
        if self.ids is not None and self.scores is not None:
            size += self.ids.itemsize * len(self.ids) + self.scores.itemsize * len(self.scores)
        if self.ranking is not None:
            size += self.ranking.itemsize * len(self.ranking)
        return size

    def ranked(self) -> array[int]:
        """Positions in `ids` from the best score down: a one-word query reads its best from here."""
        if self.ranking is None:
            ids, scores = self.ids or array("I"), self.scores or array("f")
            self.ranking = array("I", sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i])))
        return self.ranking


@dataclass
class Leaf:
    """A segment of the searcher: its reader, where its documents start, which of them are live."""

    key: str
    reader: Any
    searcher: Any
    offset: int
    live: int


def _bitmap(ids: Iterable[int]) -> int:
    """Document numbers → a bitmap (bit n set for document n)."""
    ids = list(ids)
    if not ids:
        return 0
    buf = bytearray(max(ids) // 8 + 1)
    for n in ids:
        buf[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buf, "little")


def iter_bits(bits: int) -> Iterator[int]:
    """The positions of the set bits, ascending."""
    text = bin(bits)[:1:-1]  # least significant bit first, without the "0b"
    pos = text.find("1")
    while pos != -1:
        yield pos
        pos = text.find("1", pos + 1)


def _raw_postings(reader: Any, field: str, text: str) -> Any:
    """The segment's postings of a term, deleted documents included (the live bitmap drops those)."""
    matcher = reader.postings(field, text)
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


class BitmapCache:
    """Posting bitmaps and scores per (segment, field, term), least recently used out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str, str], Posting] = OrderedDict()  # terms, units
        self._extra: OrderedDict[tuple[str, str], tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._live: dict[int, tuple[Any, int]] = {}
        self._lock = threading.RLock()
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._extra.clear()
            self._live.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def _store(self, key: tuple[str, str, str], entry: Posting, old: Posting | None) -> None:
        if old is not None:
            self._bytes -= old.nbytes()
        self._entries[key] = entry
        self._entries.move_to_end(key)
        self._bytes += entry.nbytes()
        self._evict()

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and (self._entries or self._extra):
            if self._extra:
                _, (value, size) = self._extra.popitem(last=False)
                self._bytes -= size
            else:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes()

    # -- segments --------------------------------------------------------------------------

    def leaves(self, searcher: Any) -> list[Leaf]:
        out = []
        subs = searcher.leaf_searchers() if not searcher.is_atomic() else [(searcher, 0)]
        for sub, offset in subs:
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None:  # an empty index
                continue
            out.append(Leaf(segment.segment_id(), reader, sub, offset, self._live_bits(reader)))
        return out

    def _live_bits(self, reader: Any) -> int:
        """Bitmap of the reader's documents that are not deleted (per reader: deletions change it)."""
        with self._lock:
            cached = self._live.get(id(reader))
            if cached is not None and cached[0] is reader:
                return cached[1]
            total = int(reader.doc_count_all())
            bits: int = (1 << total) - 1
            for n in reader.deleted_docs_set:
                bits &= ~(1 << n)
            if len(self._live) > 64:
                self._live.clear()
            self._live[id(reader)] = (reader, bits)
            return bits

    # -- terms -----------------------------------------------------------------------------

    def term(self, leaf: Leaf, field: str, text: str, top: Any = None) -> Posting:
        """The term's bitmap in this segment; with `top` (the top-level searcher), its scores too."""
        key = (leaf.key, field, text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                if top is None or (entry.ids is not None and not self._stale(entry, top)):
                    self.hits += 1
                    return entry
            self.misses += 1
            try:
                matcher = _raw_postings(leaf.reader, field, text)
            except TermNotFound:
                fresh = Posting(bits=0, ids=array("I"), scores=array("f"), scored_at=_doc_count(top))
                self._store(key, fresh, entry)
                return fresh
            ids, weights = read_blocks(matcher, weights=top is not None)
            fresh = Posting(bits=_bitmap(ids))
            if top is not None:
                fresh.ids = array("I", ids)
                fresh.scores = array("f", self._scores(leaf, top, field, text, ids, weights))
                fresh.scored_at = _doc_count(top)
            self._store(key, fresh, entry)
            return fresh

    def unit(self, leaf: Leaf, unit: Unit, top: Any) -> Posting:
        """The summed scores of a group of terms (boosts applied) in this segment, cached as one."""
        if len(unit) == 1 and unit[0][2] == 1.0:
            return self.term(leaf, unit[0][0], unit[0][1], top=top)
        key = (leaf.key, "unit", repr(unit))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and not self._stale(entry, top):
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            acc = [0.0] * leaf.reader.doc_count_all()
            bits = 0
            for field, text, boost in unit:
                posting = self.term(leaf, field, text, top=top)
                bits |= posting.bits
                for n, s in zip(posting.ids or (), posting.scores or (), strict=True):
                    acc[n] += s * boost
                # Queries score the unit, not its terms: keep only the term's bitmap (for matching).
                self._store((leaf.key, field, text), Posting(bits=posting.bits), posting)
            ids = list(iter_bits(bits))
            fresh = Posting(
                bits=bits,
                ids=array("I", ids),
                scores=array("f", [acc[n] for n in ids]),
                scored_at=_doc_count(top),
            )
            self._store(key, fresh, entry)
            return fresh

    @staticmethod
    def _stale(entry: Posting, top: Any) -> bool:
        now = _doc_count(top)
        return abs(now - entry.scored_at) > SCORE_DRIFT * max(entry.scored_at, 1)

    def _scores(
        self, leaf: Leaf, top: Any, field: str, text: str, ids: list[int], weights: list[float]
    ) -> Iterable[float]:
        """BM25F (or the searcher's weighting) per posting, from the weighting's own scorer."""
        scorer = top.weighting.scorer(top, field, text)
        lengths = self._lengths(leaf, field)
        score = score_formula(scorer)
        if score is not None and lengths is not None:
            return [score(w, lengths[n]) for n, w in zip(ids, weights, strict=True)]
        # A weighting without a (weight, length) formula: ask it per posting through a matcher.
        matcher = _raw_postings(leaf.reader, field, text)
        out = []
        while matcher.is_active():
            out.append(scorer.score(matcher))
            matcher.next()
        return out

    def _lengths(self, leaf: Leaf, field: str) -> array[int] | None:
        key = (leaf.key, "len:" + field)
        with self._lock:
            cached = self._extra.get(key)
            if cached is not None:
                self._extra.move_to_end(key)
                value: array[int] = cached[0]
                return value
            reader = leaf.reader
            if not hasattr(reader, "doc_field_length"):
                return None
            total = reader.doc_count_all()
            lengths = array("I", (reader.doc_field_length(n, field, 0) or 0 for n in range(total)))
            size = lengths.itemsize * len(lengths)
            self._extra[key] = (lengths, size)
            self._bytes += size
            self._evict()
            return lengths

    def column(self, leaf: Leaf, field: str) -> list[Any]:
        """A sortable field's values for every document of the segment (segments never change)."""
        key = (leaf.key, "col:" + field)
        with self._lock:
            cached = self._extra.get(key)
            if cached is not None:
                self._extra.move_to_end(key)
                values: list[Any] = cached[0]
                return values
            values = list(leaf.reader.column_reader(field, translate=False))
            size = 16 * len(values)
            self._extra[key] = (values, size)
            self._bytes += size
            self._evict()
            return values

    def other(self, leaf: Leaf, node: Any) -> int:
        """Bitmap of a query node this module does not evaluate itself (a phrase): Whoosh matches it."""
        key = (leaf.key, "q:" + repr(node))
        with self._lock:
            cached = self._extra.get(key)
            if cached is not None:
                self._extra.move_to_end(key)
                found: int = cached[0]
                return found
            matcher = node.matcher(leaf.searcher)
            ids = []
            while matcher.is_active():
                ids.append(matcher.id())
                matcher.next()
            found = _bitmap(ids)
            size = 64 + found.bit_length() // 8
            self._extra[key] = (found, size)
            self._bytes += size
            self._evict()
            return found


def _doc_count(top: Any) -> int:
    return int(top.doc_count_all()) if top is not None else 0
