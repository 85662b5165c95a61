"""WhooshEngine: the SearchEngine port (benefit/search/engine.py) on a local Whoosh index."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh import query

from benefit.search.engine import Document, IndexMeta, SearchRequest, SearchResult
from benefit.search.whoosh import evaluate, highlight, spelling
from benefit.search.whoosh.parsing import QueryParser
from benefit.search.whoosh.postings import BitmapCache, Leaf
from benefit.search.whoosh.reader import Reader
from benefit.search.whoosh.schema import META_ID, TEXT_FIELDS, has_pairs
from benefit.search.whoosh.storage import IndexWriter, Storage

# Warming reads at most this many of each text field's most frequent terms.
WARM_TERMS_PER_FIELD = 5_000


class WhooshEngine:
    """One per app (and so per worker process): a lazily opened index and one refreshed searcher."""

    def __init__(self, root: str | Path, cache_mb: int = 64) -> None:
        self.storage = Storage(root)
        self.postings = BitmapCache(cache_mb * 1024 * 1024)
        self.facets = evaluate.FacetCounter(self.postings)
        self.reader = Reader(self.storage, on_reopen=self._forget_cached)
        self.parser = QueryParser()

    def _forget_cached(self) -> None:
        self.facets.clear()
        self.postings.clear()

    @property
    def root(self) -> Path:
        return self.storage.root

    # -- applying changes ------------------------------------------------------------------

    def writer(self) -> IndexWriter | None:
        self.storage.ensure()
        with self.reader.lock:
            return self.storage.writer(self.reader.index())

    def rebuild(
        self, docs: Iterable[Document], meta: IndexMeta, *, procs: int = 1, multisegment: bool = False
    ) -> None:
        self.storage.build(docs, meta, procs=procs, multisegment=multisegment)

    # -- answering -------------------------------------------------------------------------

    def search(self, req: SearchRequest) -> SearchResult:
        try:
            return self._search(req)
        except OSError:
            # A merge removed a segment file this searcher had not opened yet: start afresh, once.
            self.reader.reset()
            return self._search(req)

    def _search(self, req: SearchRequest) -> SearchResult:
        result = SearchResult()
        with self.reader.searching() as searcher:
            if searcher is None:
                result.notices.append("The search index is being built. Try again in a minute.")
                return result
            text_q = self.parser.text_query(req.text, searcher, result)
            filter_q = [
                query.Term(f, v.lower() if f != "kind" else v) for f, vs in req.filters.items() for v in vs
            ]
            if text_q is None and not filter_q:
                return result
            parts = ([text_q] if text_q is not None else []) + filter_q + _visibility(req)
            leaves = self.postings.leaves(searcher)
            matched = {leaf.key: evaluate.matches(self.postings, leaf, query.And(parts)) for leaf in leaves}
            everything = 0
            for leaf in leaves:
                everything |= matched[leaf.key] << leaf.offset
            result.searched = True
            result.total = everything.bit_count()
            result.facets = self.facets.count(searcher, leaves, everything)
            if result.total:
                result.page = min(max(1, req.page), -(-result.total // req.per_page))
                docnums = self._top(req, searcher, leaves, text_q, matched, result.page * req.per_page)
                stored = (searcher.stored_fields(n) for n in docnums[(result.page - 1) * req.per_page :])
                result.ids = [int(doc["id"]) for doc in stored if doc.get("id", "").isdigit()]
        return result

    def _top(
        self,
        req: SearchRequest,
        searcher: Any,
        leaves: list[Leaf],
        text_q: Any,
        matched: dict[str, int],
        limit: int,
    ) -> list[int]:
        """Document numbers of the first `limit` matches in the order asked for."""
        if req.sort == "votes" or req.sort == "newest" or text_q is None:
            columns = ["vote_count", "created_at"] if req.sort == "votes" else ["created_at"]
            return evaluate.top_by_columns(self.postings, leaves, matched, columns, limit)
        return evaluate.top_by_score(self.postings, searcher, leaves, text_q, matched, limit)

    def suggest(self, text: str) -> str | None:
        if not text.split():
            return None
        with self.reader.searching() as searcher:
            return None if searcher is None else spelling.suggest(searcher.reader(), text)

    def highlight(self, text: str, terms: Iterable[str], *, whole: bool = False) -> Markup:
        return highlight.snippet(text, terms, whole=whole)

    # -- looking after it ------------------------------------------------------------------

    def exists(self) -> bool:
        return self.storage.exists()

    def current_path(self) -> Path | None:
        return self.storage.current_path()

    def location(self) -> str:
        return str(self.storage.current_path() or self.storage.root)

    def read_meta(self) -> IndexMeta:
        with self.reader.searching() as searcher:
            if searcher is None:
                return IndexMeta()
            stored = searcher.document(id=META_ID)
            return IndexMeta.from_json(stored.get("meta") if stored else None)

    def doc_count(self) -> int:
        with self.reader.searching() as searcher:
            if searcher is None:
                return 0
            return max(0, int(searcher.doc_count()) - 1)  # less the meta document

    def has_pairs(self) -> bool:
        """Whether the index has the word-pair fields that make phrases one lookup."""
        with self.reader.searching() as searcher:
            return searcher is not None and has_pairs(searcher.schema)

    def advice(self) -> list[str]:
        if self.has_pairs():
            return []
        return [
            "This index predates word-pair fields: phrases are matched the slow way until "
            "`flask search rebuild` builds a new one."
        ]

    def size_bytes(self) -> int:
        return self.storage.size_bytes()

    def stored_digests(self) -> dict[int, str]:
        out: dict[int, str] = {}
        with self.reader.searching() as searcher:
            if searcher is None:
                return out
            for stored in searcher.all_stored_fields():
                doc_id = stored.get("id", "")
                if doc_id.isdigit():
                    out[int(doc_id)] = stored.get("digest", "")
        return out

    def ids_for(self, words: str) -> list[int]:
        return self.search(SearchRequest(text=words, per_page=1000, see_all=True)).ids

    def warm(self, seconds: float = 0.0, share: float = 0.75) -> int:
        """Open the searcher and load the facet bitmaps now rather than on the first query; then,
        for up to `seconds`, score the most frequent words across the text fields (the postings
        that take longest to read on first use) until `share` of the posting cache is filled.

        The lock is taken per word, so queries can run in between. Returns the words read.
        """
        frequency = self._frequent_words()
        deadline = time.monotonic() + seconds
        done = 0
        for word in sorted(frequency, key=lambda w: (-frequency[w], w)):
            if time.monotonic() > deadline or self.postings.nbytes > share * self.postings.max_bytes:
                break
            # The word as the query parser writes it: one term per text field, scored together.
            unit = tuple((name, word, 1.0) for name in TEXT_FIELDS)
            with self.reader.searching() as searcher:
                if searcher is None:
                    break
                for leaf in self.postings.leaves(searcher):
                    self.postings.unit(leaf, unit, searcher)
            done += 1
        return done

    def _frequent_words(self) -> dict[str, int]:
        """word → its highest document frequency in a text field; loads the facet bitmaps too."""
        frequency: dict[str, int] = {}
        with self.reader.searching() as searcher:
            if searcher is None:
                return frequency
            self.facets.bits(searcher, self.postings.leaves(searcher))
            reader = searcher.reader()
            for name in TEXT_FIELDS:
                for freq, text in reader.most_frequent_terms(name, number=WARM_TERMS_PER_FIELD):
                    word = text.decode() if isinstance(text, bytes) else text
                    frequency[word] = max(frequency.get(word, 0), int(freq))
        return frequency

    def cache_info(self) -> dict[str, int]:
        """The posting cache: bytes held, hits and misses (for `flask search status`)."""
        return {
            "bytes": self.postings.nbytes,
            "max_bytes": self.postings.max_bytes,
            "hits": self.postings.hits,
            "misses": self.postings.misses,
        }

    def close(self) -> None:
        self.reader.close()


def _visibility(req: SearchRequest) -> list[Any]:
    """The filter that leaves out what the reader may not see ([] for moderators)."""
    if req.see_all:
        return []
    visible: list[Any] = [query.Term("state", "published")]
    if req.owner_id is not None:
        visible.append(query.And([query.Term("state", "pending"), query.Term("owner", str(req.owner_id))]))
    return [query.Or(visible)]
