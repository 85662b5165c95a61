"""Query text → a Whoosh query: bounded wildcards, at most MAX_QUERY_TERMS words, phrases as pairs."""

from __future__ import annotations

import fnmatch
import heapq
import itertools
from typing import Any

from whoosh import qparser, query

from benefit.search.engine import SearchResult
from benefit.search.whoosh.schema import ANALYZER, PAIR_FIELDS, TEXT_FIELDS, has_pairs, make_schema

# Wildcards: at least this many letters before the first * or ?, and a bounded expansion, so no
# query walks the whole vocabulary (an unbounded "abcd*" took 4 s on 100k posts).
WILDCARD_MIN_PREFIX = 2
WILDCARD_MAX_TERMS = 40
WILDCARD_MAX_SCAN = 2_000
MAX_QUERY_TERMS = 24


def make_parser() -> Any:
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), make_schema(), group=qparser.AndGroup)
    # Field prefixes are handled by the caller (only platform:, trend:, … are offered; never
    # state: or owner:), ranges and *:* would scan whole fields.
    for plugin in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.EveryPlugin):
        parser.remove_plugin_class(plugin)
    return parser


def _is_null(node: Any) -> bool:
    return node is query.NullQuery or isinstance(node, type(query.NullQuery))


def _notice(result: SearchResult, message: str) -> None:
    if message not in result.notices:
        result.notices.append(message)


class QueryParser:
    """One per engine: Whoosh's parser with the plugins a visitor may not use taken out."""

    def __init__(self) -> None:
        self.whoosh = make_parser()

    def parse(self, text: str) -> Any:
        """The text as Whoosh's parser reads it, or its plain words when the parser gives up."""
        try:
            parsed = self.whoosh.parse(text)
        except Exception:  # noqa: BLE001 - any parser failure: fall back to the plain words
            parsed = None
        if parsed is None or not isinstance(parsed, query.Query):
            plain = " ".join(t.text for t in ANALYZER(text))
            parsed = self.whoosh.parse(plain) if plain else query.NullQuery
        return parsed

    def text_query(self, text: str, searcher: Any, result: SearchResult) -> Any | None:
        """The query for `text`, or None when it has no words; sets `result.terms` (to highlight)
        and adds a notice for what was left out."""
        text = text.strip()
        if not text:
            return None
        bounded = self.parse(text).accept(lambda node: bound_wildcard(node, searcher, result))
        bounded = bounded.normalize()
        if len(list(bounded.iter_all_terms())) > MAX_QUERY_TERMS * len(TEXT_FIELDS):
            result.notices.append(f"Only the first {MAX_QUERY_TERMS} words were searched.")
            words = [t.text for t in ANALYZER(text)][:MAX_QUERY_TERMS]
            bounded = self.whoosh.parse(" ".join(words)).normalize() if words else query.NullQuery
        if _is_null(bounded):
            return None
        # The words to highlight: those of the query as typed, before phrases become word pairs.
        result.terms = frozenset(
            t.decode() if isinstance(t, bytes) else t for f, t in bounded.iter_all_terms() if f in TEXT_FIELDS
        )
        if has_pairs(searcher.schema):
            bounded = bounded.accept(phrase_as_pairs)
        return bounded


def bound_wildcard(node: Any, searcher: Any, result: SearchResult) -> Any:
    """A wildcard or prefix → the OR of at most WILDCARD_MAX_TERMS words it matches; a bare *,
    fuzzy terms, regexes and too short a prefix → nothing, with a notice saying why."""
    if isinstance(node, query.Every):
        # A bare * would walk every posting of every field: filters alone list everything.
        _notice(result, "A * alone matches everything: add a word, or use the filters to browse.")
        return query.NullQuery
    if not isinstance(node, (query.Prefix, query.Wildcard, query.FuzzyTerm, query.Regex)):
        return node
    pattern = str(node.text)
    literal = pattern if isinstance(node, query.Prefix) else pattern.split("*")[0].split("?")[0]
    if isinstance(node, (query.FuzzyTerm, query.Regex)) or len(literal) < WILDCARD_MIN_PREFIX:
        _notice(result, f"Wildcards need at least {WILDCARD_MIN_PREFIX} letters before the * or ?.")
        return query.NullQuery
    if isinstance(node, query.Prefix):
        pattern += "*"
    words = _expand(searcher.reader(), node.fieldname, literal, pattern)
    if not words:
        return query.NullQuery
    return query.Or([query.Term(node.fieldname, w) for w in words])


def _expand(reader: Any, fieldname: str, literal: str, pattern: str) -> list[str]:
    """The words starting with `literal` that match `pattern`, in order, within the bounds."""
    # The same words for every text field (the words of all of them), so each word is scored
    # across the fields as one unit, the one plain queries and warming cache.
    fields = TEXT_FIELDS if fieldname in TEXT_FIELDS else (fieldname,)
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
    return words


def phrase_as_pairs(node: Any) -> Any:
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
