"""The Whoosh index behind a small interface: with bitmaps.py, the only modules that import whoosh.

Layout on disk: SEARCH_INDEX_DIR/current is a symlink to a generation directory (gen-…); a rebuild
writes a new generation beside it and swaps the link atomically. The indexer's progress through the
change log (its watermark) is a stored "meta" document, written in the same commit as the documents
it covers, so a crash re-applies a batch and never skips one.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import functools
import heapq
import itertools
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from whoosh import highlight, index, qparser, query
from whoosh.analysis import LanguageAnalyzer, ShingleFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import TOC, LockError
from whoosh.lang import stemmer_for_language
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from benefit.search import bitmaps

META_ID = "__meta__"
# porter2 ("en"): "running" → "run" (Whoosh's default Porter stemmer gives "runn").
ANALYZER = LanguageAnalyzer("en")
TEXT_FIELDS = ("title", "body", "tags", "replies")
# Each text field again as word pairs ("good platform", "platform stori"): a two-word phrase is then
# one term to look up instead of a walk through both words' positions (200 ms on 100k posts).
PAIRS_ANALYZER = ANALYZER | ShingleFilter(size=2, sep=" ")
PAIR_FIELDS = {name: f"{name}_pairs" for name in TEXT_FIELDS}
FACET_FIELDS = ("platform", "trend", "kind")
FILTER_FIELDS = ("platform", "trend", "kind", "category", "author")
SORTS = ("relevance", "newest", "votes")
# Wildcards: at least this many letters before the first * or ?, and a bounded expansion, so no
# query walks the whole vocabulary (an unbounded "abcd*" took 4 s on 100k posts).
WILDCARD_MIN_PREFIX = 2
WILDCARD_MAX_TERMS = 40
WILDCARD_MAX_SCAN = 2_000
MAX_QUERY_TERMS = 24
# One file per part of a segment, not Whoosh's default compound file: a reader copies each part of
# a compound file into its own memory (BytesIO), which was 120 MiB of postings in every gunicorn
# worker at 100k posts; separate files are read through the operating system's shared page cache.
WRITER_OPTIONS: dict[str, Any] = {"compound": False}
# Warming reads at most this many of each text field's most frequent terms.
WARM_TERMS_PER_FIELD = 5_000
# Snippets re-analyse the row's text; past this many characters a match is not worth the time.
SNIPPET_SCAN_CHARS = 8_000
# A snippet is made from this much text, starting a little before the first likely match.
SNIPPET_WINDOW_CHARS = 360
SNIPPET_LEAD_CHARS = 90


FIELD_BOOSTS = {"title": 3.0, "body": 1.0, "tags": 1.5, "replies": 0.6}


def make_schema() -> Schema:
    pairs = {
        PAIR_FIELDS[name]: TEXT(analyzer=PAIRS_ANALYZER, phrase=False, field_boost=FIELD_BOOSTS[name])
        for name in TEXT_FIELDS
    }
    return Schema(
        id=ID(unique=True, stored=True),
        title=TEXT(analyzer=ANALYZER, field_boost=FIELD_BOOSTS["title"], spelling=True),
        body=TEXT(analyzer=ANALYZER, spelling=True),
        tags=TEXT(analyzer=ANALYZER, field_boost=FIELD_BOOSTS["tags"]),
        replies=TEXT(analyzer=ANALYZER, field_boost=FIELD_BOOSTS["replies"], spelling=True),
        **pairs,
        kind=ID,
        platform=KEYWORD(commas=True, lowercase=True),
        trend=KEYWORD(commas=True, lowercase=True),
        category=ID,
        author=ID,
        owner=ID,
        state=ID,
        vote_count=NUMERIC(int, bits=32, sortable=True),
        created_at=DATETIME(sortable=True),
        digest=STORED,
        meta=STORED,
    )


@dataclass
class IndexMeta:
    """How far through the change log this index is (stored inside the index itself)."""

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
    # None: sees everything (moderators); otherwise published posts plus this member's pending ones.
    see_all: bool = False
    owner_id: int | None = None


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    terms: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)
    searched: bool = False


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _fields(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k != "created_at"}
    out["created_at"] = _naive_utc(doc["created_at"])
    for name, pairs in PAIR_FIELDS.items():
        if pairs in schema:  # an index built before word pairs existed has no such field
            out[pairs] = doc[name]
    return out


def has_pairs(schema: Any) -> bool:
    """Whether the index has the word-pair fields (else `flask search rebuild` adds them)."""
    return all(pairs in schema for pairs in PAIR_FIELDS.values())


class _MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Escapes every character of the text and wraps matches in <mark>: snippets are never raw HTML."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"


def _phrase_as_pairs(node: Any) -> Any:
    """A phrase → all of its consecutive word pairs, each one term of the field's pairs field.

    Exact for two words (most phrases); for longer ones every pair must occur, not necessarily in
    one run, which can let through a document that has "a b" and "b c" but never "a b c".
    """
    if not isinstance(node, query.Phrase) or node.slop != 1 or node.fieldname not in PAIR_FIELDS:
        return node
    words = [w.decode() if isinstance(w, bytes) else w for w in node.words]
    if len(words) < 2:
        return node
    field = PAIR_FIELDS[node.fieldname]
    pairs = [query.Term(field, f"{a} {b}") for a, b in itertools.pairwise(words)]
    return query.And(pairs, boost=node.boost) if len(pairs) > 1 else pairs[0].with_boost(node.boost)


@functools.lru_cache(maxsize=512)
def _probe(terms: frozenset[str]) -> re.Pattern[str]:
    """A pattern that finds every word that can stem to one of `terms` (and a few that do not).

    porter2 keeps a stem's beginning and only rewrites its end ("stories", "story" → "stori"), so a
    word stems to a term only if it starts with all of the term but its last letter.
    """
    heads = sorted({t[: max(3, len(t) - 1)] for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(h) for h in heads) + ")", re.IGNORECASE)


_TOKENIZER, _LOWERCASE, _STOPS, _STEMMER = ANALYZER.items
_STEM = stemmer_for_language(_STEMMER.lang) if _STEMMER.lang else _STEMMER.stemfn  # as StemFilter does


@functools.lru_cache(maxsize=50_000)
def _analysed_word(word: str) -> str:
    """What ANALYZER makes of one word, stop words kept (as the highlighter asks for them)."""
    low = word.lower()
    if len(low) < _STOPS.min or low in _STOPS.stops or low in _STEMMER.ignore:
        return low
    return str(_STEM(low))


def _marked_tokens(text: str, terms: frozenset[str], probe: re.Pattern[str]) -> Iterator[Any]:
    """ANALYZER's tokens of `text` for Whoosh's highlighter, each marked matched or not.

    The same tokens `highlight.highlight` makes (same tokenizer, same positions), but only the
    words the probe finds are lowercased and stemmed: no other word can stem to a searched term.
    """
    for token in _TOKENIZER(text, chars=True, mode="query", removestops=False):
        token.matched = False
        if probe.match(token.text):
            analysed = _analysed_word(token.text)
            if analysed in terms:
                token.text, token.matched = analysed, True
        yield token


# A searcher is opened again from the start when a commit lands while it opens (bounded).
OPEN_ATTEMPTS = 5


def _open_columns(reader: Any) -> None:
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


def _refreshed(ix: Any, old: Any) -> Any:
    """A searcher for the latest commit, reusing the readers of segments that did not change.

    Not Searcher.refresh(): in whoosh-reloaded 2.7.5 it adds back segments a merge removed and
    reuses a segment's reader even when the commit deleted documents from it, so updated documents
    would show twice and deleted ones would stay. New segments have every file opened at once,
    and the whole opening starts again if a commit landed meanwhile (it may have deleted files
    this opening still needed).
    """
    if old is not None and ix.latest_generation() == old.reader().generation():
        return old
    reusable: dict[Any, Any] = {}
    if old is not None:
        reusable = {r.segment().segment_id(): r for r, _ in old.reader().leaf_readers() if r.segment()}
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
                _open_columns(opened[-1])
                readers.append(opened[-1])
            if ix.latest_generation() == toc.generation:
                break
        except (OSError, TypeError):
            pass  # a file went missing (TypeError: Whoosh's reader of a column it found gone)
        for reader in opened:
            reader.close()
    else:
        raise OSError(f"the search index kept changing while it was opened ({OPEN_ATTEMPTS} attempts)")
    kept = {id(r) for r in readers}
    for unused in reusable.values():
        if id(unused) not in kept:
            unused.close()
    reader = MultiReader(readers, generation=toc.generation) if readers else EmptyReader(toc.schema)
    return Searcher(reader, fromindex=ix)


class IndexWriter:
    """One batch of changes, committed together with the new watermark."""

    def __init__(self, ix: Any, writer: Any) -> None:
        self._ix = ix
        self._writer = writer

    def read_meta(self) -> IndexMeta:
        with self._ix.searcher() as searcher:
            stored = searcher.document(id=META_ID)
        return IndexMeta.from_json(stored.get("meta") if stored else None)

    def upsert(self, doc: dict[str, Any]) -> None:
        self._writer.update_document(**_fields(doc, self._ix.schema))

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)

    def commit(self, meta: IndexMeta) -> None:
        self._writer.update_document(id=META_ID, meta=meta.to_json())
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.cancel()


class SearchIndex:
    """One per app (and so per worker process): a lazily opened index and one refreshed searcher."""

    def __init__(self, root: str | Path, cache_mb: int = 64) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._ix: Any = None
        self._ix_path: Path | None = None
        self._searcher: Any = None
        self._facet_cache: tuple[Any, dict[str, dict[str, int]]] | None = None
        self._bitmaps = bitmaps.BitmapCache(cache_mb * 1024 * 1024)
        self._parser = self._make_parser()

    # -- where the index lives -------------------------------------------------------------

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

    def _open(self) -> Any:
        """The open index for the current generation (reopened after a rebuild swapped it)."""
        path = self.current_path()
        if path is None:
            return None
        if self._ix is None or self._ix_path != path:
            if self._searcher is not None:
                self._searcher.close()
            self._ix = index.open_dir(str(path))
            self._ix_path = path
            self._searcher = None
            self._facet_cache = None
            self._bitmaps.clear()
        return self._ix

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._ix = self._ix_path = None
            self._facet_cache = None
            self._bitmaps.clear()

    # -- writing (the indexer only) --------------------------------------------------------

    def writer(self) -> IndexWriter | None:
        """The index's writer, or None when another indexer holds the lock (it does the work)."""
        self.ensure()
        with self._lock:
            ix = self._open()
            try:
                return IndexWriter(ix, ix.writer(timeout=0.0, **WRITER_OPTIONS))
            except LockError:
                return None

    def build(
        self,
        docs: Iterable[dict[str, Any]],
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
                writer.add_document(**_fields(doc, ix.schema))
            writer.add_document(id=META_ID, meta=meta.to_json())
            writer.commit()
            ix.close()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._swap(path)
        self._remove_old_generations()
        return path

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _searching(self) -> Iterator[Any]:
        """The process's searcher, refreshed (9 µs when nothing changed), used under a lock.

        Whoosh readers share file handles, so threads of the dev server take turns.
        """
        with self._lock:
            ix = self._open()
            if ix is None:
                yield None
                return
            self._searcher = _refreshed(ix, self._searcher)
            yield self._searcher

    def warm(self, seconds: float = 0.0, share: float = 0.75) -> int:
        """Open the searcher and load the facet bitmaps now rather than on the first query; then,
        for up to `seconds`, score the most frequent words across the text fields (the postings
        that take longest to read on first use) until `share` of the posting cache is filled.

        The lock is taken per word, so queries can run in between. Returns the words read.
        """
        with self._searching() as searcher:
            if searcher is None:
                return 0
            self._facet_bits(searcher, self._bitmaps.leaves(searcher))
            reader = searcher.reader()
            frequency: dict[str, int] = {}
            for name in TEXT_FIELDS:
                for freq, text in reader.most_frequent_terms(name, number=WARM_TERMS_PER_FIELD):
                    word = text.decode() if isinstance(text, bytes) else text
                    frequency[word] = max(frequency.get(word, 0), int(freq))
        deadline = time.monotonic() + seconds
        done = 0
        for word in sorted(frequency, key=lambda w: (-frequency[w], w)):
            if time.monotonic() > deadline or self._bitmaps.nbytes > share * self._bitmaps.max_bytes:
                break
            # The word as the query parser writes it: one term per text field, scored together.
            unit = tuple((name, word, 1.0) for name in TEXT_FIELDS)
            with self._searching() as searcher:
                if searcher is None:
                    break
                for leaf in self._bitmaps.leaves(searcher):
                    self._bitmaps.unit(leaf, unit, searcher)
            done += 1
        return done

    def cache_info(self) -> dict[str, int]:
        """The posting cache: bytes held, hits and misses (for `flask search status`)."""
        return {
            "bytes": self._bitmaps.nbytes,
            "max_bytes": self._bitmaps.max_bytes,
            "hits": self._bitmaps.hits,
            "misses": self._bitmaps.misses,
        }

    def read_meta(self) -> IndexMeta:
        with self._searching() as searcher:
            if searcher is None:
                return IndexMeta()
            stored = searcher.document(id=META_ID)
            return IndexMeta.from_json(stored.get("meta") if stored else None)

    def doc_count(self) -> int:
        with self._searching() as searcher:
            if searcher is None:
                return 0
            return max(0, int(searcher.doc_count()) - 1)  # less the meta document

    def has_pairs(self) -> bool:
        """Whether the index has the word-pair fields that make phrases one lookup."""
        with self._searching() as searcher:
            return searcher is not None and has_pairs(searcher.schema)

    def size_bytes(self) -> int:
        path = self.current_path()
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file()) if path else 0

    def stored_digests(self) -> dict[int, str]:
        """topic id → the digest of its indexed document (for reconcile)."""
        out: dict[int, str] = {}
        with self._searching() as searcher:
            if searcher is None:
                return out
            for stored in searcher.all_stored_fields():
                doc_id = stored.get("id", "")
                if doc_id.isdigit():
                    out[int(doc_id)] = stored.get("digest", "")
        return out

    def ids_for(self, words: str) -> list[int]:
        """Topic ids whose text matches all `words` (tests and diagnostics)."""
        return self.search(SearchRequest(text=words, per_page=1000, see_all=True)).ids

    def search(self, req: SearchRequest) -> SearchResult:
        try:
            return self._search(req)
        except OSError:
            # A merge removed a segment file this searcher had not opened yet: start afresh, once.
            with self._lock:
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher = None
            return self._search(req)

    def _search(self, req: SearchRequest) -> SearchResult:
        result = SearchResult()
        with self._searching() as searcher:
            if searcher is None:
                result.notices.append("The search index is being built. Try again in a minute.")
                return result
            text_q = self._text_query(req.text, searcher, result)
            filter_q = [
                query.Term(f, v.lower() if f != "kind" else v) for f, vs in req.filters.items() for v in vs
            ]
            if text_q is None and not filter_q:
                return result
            parts = ([text_q] if text_q is not None else []) + filter_q
            if not req.see_all:
                visible: list[Any] = [query.Term("state", "published")]
                if req.owner_id is not None:
                    visible.append(
                        query.And([query.Term("state", "pending"), query.Term("owner", str(req.owner_id))])
                    )
                parts.append(query.Or(visible))
            full = query.And(parts)
            leaves = self._bitmaps.leaves(searcher)
            matched = {leaf.key: bitmaps.matches(self._bitmaps, leaf, full) for leaf in leaves}
            everything = 0
            for leaf in leaves:
                everything |= matched[leaf.key] << leaf.offset
            result.searched = True
            result.total = everything.bit_count()
            result.facets = self._count_facets(searcher, leaves, everything)
            if not result.total:
                return result
            last_page = -(-result.total // req.per_page)
            page = min(max(1, req.page), last_page)
            limit = page * req.per_page
            if req.sort == "votes":
                docnums = bitmaps.top_by_columns(
                    self._bitmaps, leaves, matched, ["vote_count", "created_at"], limit
                )
            elif req.sort == "newest" or text_q is None:
                docnums = bitmaps.top_by_columns(self._bitmaps, leaves, matched, ["created_at"], limit)
            else:
                docnums = bitmaps.top_by_score(self._bitmaps, searcher, leaves, text_q, matched, limit)
            stored = (searcher.stored_fields(n) for n in docnums[(page - 1) * req.per_page :])
            result.ids = [int(doc["id"]) for doc in stored if doc.get("id", "").isdigit()]
        return result

    # -- query parsing ---------------------------------------------------------------------

    def _make_parser(self) -> Any:
        schema = make_schema()
        parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
        # Field prefixes are handled by the caller (only platform:, trend:, … are offered; never
        # state: or owner:), ranges and *:* would scan whole fields.
        for plugin in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.EveryPlugin):
            parser.remove_plugin_class(plugin)
        return parser

    def _text_query(self, text: str, searcher: Any, result: SearchResult) -> Any:
        text = text.strip()
        if not text:
            return None
        try:
            parsed = self._parser.parse(text)
        except Exception:  # noqa: BLE001 - any parser failure: fall back to the plain words
            parsed = None
        if parsed is None or not isinstance(parsed, query.Query):
            plain = " ".join(t.text for t in ANALYZER(text))
            parsed = self._parser.parse(plain) if plain else query.NullQuery
        bounded = parsed.accept(lambda node: self._bound_wildcard(node, searcher, result))
        bounded = bounded.normalize()
        terms = list(bounded.iter_all_terms())
        if len(terms) > MAX_QUERY_TERMS * len(TEXT_FIELDS):
            result.notices.append(f"Only the first {MAX_QUERY_TERMS} words were searched.")
            words = [t.text for t in ANALYZER(text)][:MAX_QUERY_TERMS]
            bounded = self._parser.parse(" ".join(words)).normalize() if words else query.NullQuery
        if bounded is query.NullQuery or isinstance(bounded, type(query.NullQuery)):
            return None
        # The words to highlight: those of the query as typed, before phrases become word pairs.
        result.terms = frozenset(
            t.decode() if isinstance(t, bytes) else t for f, t in bounded.iter_all_terms() if f in TEXT_FIELDS
        )
        if has_pairs(searcher.schema):
            bounded = bounded.accept(_phrase_as_pairs)
        return bounded

    def _bound_wildcard(self, node: Any, searcher: Any, result: SearchResult) -> Any:
        if isinstance(node, query.Every):
            # A bare * would walk every posting of every field: filters alone list everything.
            msg = "A * alone matches everything: add a word, or use the filters to browse."
            if msg not in result.notices:
                result.notices.append(msg)
            return query.NullQuery
        if not isinstance(node, (query.Prefix, query.Wildcard, query.FuzzyTerm, query.Regex)):
            return node
        pattern = str(node.text)
        literal = pattern if isinstance(node, query.Prefix) else pattern.split("*")[0].split("?")[0]
        if isinstance(node, (query.FuzzyTerm, query.Regex)) or len(literal) < WILDCARD_MIN_PREFIX:
            msg = f"Wildcards need at least {WILDCARD_MIN_PREFIX} letters before the * or ?."
            if msg not in result.notices:
                result.notices.append(msg)
            return query.NullQuery
        if isinstance(node, query.Prefix):
            pattern += "*"
        reader = searcher.reader()
        # The same words for every text field (the words of all of them), so each word is scored
        # across the fields as one unit, the one plain queries and warming cache.
        fields = TEXT_FIELDS if node.fieldname in TEXT_FIELDS else (node.fieldname,)
        words: list[str] = []
        scanned = heapq.merge(
            *(itertools.islice(reader.expand_prefix(f, literal), WILDCARD_MAX_SCAN) for f in fields)
        )
        for n, btext in enumerate(scanned):
            if n >= WILDCARD_MAX_SCAN * len(fields) or len(words) >= WILDCARD_MAX_TERMS:
                break
            word = btext.decode("utf-8")
            if (not words or words[-1] != word) and fnmatch.fnmatchcase(word, pattern):
                words.append(word)
        if not words:
            return query.NullQuery
        return query.Or([query.Term(node.fieldname, w) for w in words])

    # -- facets ----------------------------------------------------------------------------

    def _facet_bits(self, searcher: Any, leaves: list[bitmaps.Leaf]) -> dict[str, dict[str, int]]:
        """value → bitmap of its live documents, per facet field; built once per searcher."""
        if self._facet_cache is not None and self._facet_cache[0] is searcher:
            return self._facet_cache[1]
        out: dict[str, dict[str, int]] = {}
        reader = searcher.reader()
        for name in FACET_FIELDS:
            values: dict[str, int] = {}
            for btext in reader.lexicon(name):
                value = btext.decode("utf-8")
                bits = 0
                for leaf in leaves:
                    bits |= (self._bitmaps.term(leaf, name, value).bits & leaf.live) << leaf.offset
                values[value] = bits
            out[name] = values
        self._facet_cache = (searcher, out)
        return out

    def _count_facets(
        self, searcher: Any, leaves: list[bitmaps.Leaf], matched: int
    ) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for name, values in self._facet_bits(searcher, leaves).items():
            found = {value: (bits & matched).bit_count() for value, bits in values.items()}
            counts[name] = dict(
                sorted(((v, n) for v, n in found.items() if n), key=lambda vn: (-vn[1], vn[0]))
            )
        return counts

    # -- "did you mean" --------------------------------------------------------------------

    def suggest(self, text: str) -> str | None:
        """The query with each word the index does not know replaced by its closest known word."""
        words = text.split()
        if not words:
            return None
        changed = False
        with self._searching() as searcher:
            if searcher is None:
                return None
            reader = searcher.reader()
            spell_fields = [make_schema()[f].spelling_fieldname(f) for f in ("title", "body", "replies")]
            out: list[str] = []
            for word in words:
                plain = word.lower()
                if (
                    not plain.isalpha()
                    or len(plain) < 3
                    or any(reader.doc_frequency(f, plain) for f in spell_fields)
                ):
                    out.append(word)
                    continue
                best = self._closest(reader, spell_fields, plain)
                if best is None:
                    out.append(word)
                else:
                    out.append(best)
                    changed = True
        return " ".join(out) if changed else None

    @staticmethod
    def _closest(reader: Any, spell_fields: list[str], word: str) -> str | None:
        from whoosh.support.levenshtein import distance

        maxdist = 1 if len(word) <= 4 else 2
        scored: dict[str, tuple[int, int]] = {}
        for name in spell_fields:
            for candidate in reader.terms_within(name, word, maxdist, prefix=1):
                if candidate == word:
                    continue
                freq = int(reader.doc_frequency(name, candidate))
                dist = distance(candidate, word)
                prev = scored.get(candidate)
                scored[candidate] = (dist, -(freq + (-prev[1] if prev else 0)))
        if not scored:
            return None
        return min(scored.items(), key=lambda kv: (kv[1], kv[0]))[0]

    # -- snippets --------------------------------------------------------------------------

    def snippet(
        self, text: str, terms: Iterable[str], *, chars: int = 220, top: int = 2, whole: bool = False
    ) -> Markup:
        """An escaped excerpt of `text` (all of it if `whole`) with the searched words in <mark>,
        or "" when none occur."""
        termset = frozenset(terms)
        if not text or not termset:
            return Markup("")
        # Analysing text is the cost of a snippet: first look (in C) for a word that could stem to
        # a searched term, and analyse only the stretch of text around it.
        probe = _probe(termset)
        first = probe.search(text, 0, SNIPPET_SCAN_CHARS)
        if first is None:
            return Markup("")
        if whole:
            fragmenter: Any = highlight.WholeFragmenter()
            scanned = text[:SNIPPET_SCAN_CHARS]
        else:
            fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=70)
            start = max(0, first.start() - SNIPPET_LEAD_CHARS)
            scanned = text[start : min(start + SNIPPET_WINDOW_CHARS, SNIPPET_SCAN_CHARS)]
        # highlight.highlight(), fed tokens that only analyse the words that can match.
        fragments = fragmenter.fragment_tokens(scanned, _marked_tokens(scanned, termset, probe))
        best = highlight.top_fragments(fragments, top, highlight.BasicFragmentScorer(), highlight.FIRST)
        out = _MarkFormatter()(scanned, best)
        # Safe: _MarkFormatter escapes every character of the text; only its <mark> tags are markup.
        return Markup(out)  # nosec B704

    @staticmethod
    def excerpt(text: str, chars: int = 220) -> Markup:
        cut = text[:chars].rsplit(" ", 1)[0] + " …" if len(text) > chars else text
        return escape(cut)
