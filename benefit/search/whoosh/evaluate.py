"""The bitmap evaluator: a query answered from cached postings (benefit/search/whoosh/postings.py).

Exact matches and totals are bitmap operations; relevance adds up each word's cached BM25F
scores per document and keeps the best (the order Whoosh's exhaustive scoring gives); "newest" and
"votes" take the top of the segments' sortable columns; facet counts are the matches ANDed with a
bitmap per facet value. Query nodes other than Term/And/Or/Not/AndNot (phrases, for one) are matched
by Whoosh itself, per segment, cached the same way, and score the sum of their terms' scores.
"""

from __future__ import annotations

import heapq
from array import array
from typing import Any

from whoosh import query

from benefit.search.whoosh.postings import BitmapCache, Leaf, Posting, Unit, iter_bits
from benefit.search.whoosh.schema import FACET_FIELDS


def matches(cache: BitmapCache, leaf: Leaf, node: Any) -> int:
    """Bitmap of the segment's live documents that match the query node."""
    return _match(cache, leaf, node) & leaf.live


def _match(cache: BitmapCache, leaf: Leaf, node: Any) -> int:
    if isinstance(node, query.Term):
        return cache.term(leaf, node.fieldname, node.text).bits
    if isinstance(node, query.And):
        bits = -1
        for sub in node.subqueries:
            bits &= _match(cache, leaf, sub)
            if not bits:
                return 0
        return bits if bits != -1 else 0
    if isinstance(node, query.Or):
        bits = 0
        for sub in node.subqueries:
            bits |= _match(cache, leaf, sub)
        return bits
    if isinstance(node, query.AndNot):
        return _match(cache, leaf, node.a) & ~_match(cache, leaf, node.b)
    if isinstance(node, query.Not):
        return leaf.live & ~_match(cache, leaf, node.query)
    if isinstance(node, query.Every) and not node.fieldname:
        return leaf.live
    if node is query.NullQuery or isinstance(node, type(query.NullQuery)):
        return 0
    return cache.other(leaf, node)


def scoring_units(node: Any) -> list[Unit]:
    """The terms that add to a document's score (not those under a NOT), grouped: the terms of one
    word in an OR (the word across the text fields, as the parser writes it) are one unit, scored
    as the sum of its terms and cached that way, so a query adds up one list per word rather than
    one per field.
    """
    out: list[Unit] = []

    def walk(n: Any, boost: float) -> None:
        b = boost * float(getattr(n, "boost", 1.0) or 1.0)
        if isinstance(n, query.Term):
            out.append(((n.fieldname, n.text, b),))
        elif isinstance(n, query.Or) and all(isinstance(sub, query.Term) for sub in n.subqueries):
            # One unit per word: "a OR b" and a wildcard's words reuse each word's cached unit.
            words: dict[str, list[tuple[str, str, float]]] = {}
            for sub in n.subqueries:
                words.setdefault(sub.text, []).append((sub.fieldname, sub.text, b * float(sub.boost)))
            out.extend(tuple(group) for group in words.values())
        elif isinstance(n, query.AndNot):
            walk(n.a, b)
        elif isinstance(n, query.Not):
            return
        elif isinstance(n, query.compound.CompoundQuery):
            for sub in n.subqueries:
                walk(sub, b)
        else:
            for field, text in n.iter_all_terms():
                out.append(((field, text.decode() if isinstance(text, bytes) else text, b),))

    walk(node, 1.0)
    return out


def scored_terms(node: Any) -> list[tuple[str, str, float]]:
    """(field, text, boost) of every term that adds to a document's score."""
    return [term for unit in scoring_units(node) for term in unit]


def top_by_score(
    cache: BitmapCache, top: Any, leaves: list[Leaf], node: Any, matched: dict[str, int], limit: int
) -> list[int]:
    """Global document numbers of the `limit` best-scoring matched documents, best first.

    A document's score is the sum of its matching terms' scores (Whoosh's And/Or do the same);
    ties go to the lower document number, as in Whoosh.
    """
    units = scoring_units(node)
    ranked: list[tuple[float, int]] = []
    for leaf in leaves:
        bits = matched.get(leaf.key, 0)
        if not bits:
            continue
        scoring = [
            posting
            for posting in (cache.unit(leaf, unit, top) for unit in units)
            if posting.ids and posting.scores is not None and posting.bits & bits
        ]
        if len(scoring) == 1 and not bits & ~scoring[0].bits and bits.bit_count() > 4 * limit:
            # One word scores every match (filters only narrow): walk its postings from the best down.
            ranked.extend((-s, leaf.offset + n) for s, n in _best_of_one(scoring[0], bits, limit))
            continue
        # A dense list of scores over the segment: list indexing is the cheapest add in Python.
        acc = [0.0] * leaf.reader.doc_count_all()
        for posting in scoring:
            for n, s in zip(posting.ids or (), posting.scores or (), strict=True):
                acc[n] += s
        ranked.extend((-acc[n], leaf.offset + n) for n in _best(acc, bits, limit))
    ranked.sort()
    return [docnum for _, docnum in ranked[:limit]]


def _best_of_one(posting: Posting, bits: int, limit: int) -> list[tuple[float, int]]:
    """(score, local document) of the `limit` best matched documents of one scoring posting."""
    ids, scores = posting.ids or array("I"), posting.scores or array("f")
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    size = len(raw)
    best: list[tuple[float, int]] = []
    for i in posting.ranked():
        n = ids[i]
        if n >> 3 < size and raw[n >> 3] >> (n & 7) & 1:
            best.append((scores[i], n))
            if len(best) == limit:
                break
    return best


def _best(acc: list[float], bits: int, limit: int) -> list[int]:
    """The `limit` matched documents with the highest scores, ties to the lower number.

    heapq.nlargest is stable, so equal scores keep ascending document order. When few documents
    match (a filter), pick among them; otherwise pick among all and drop the unmatched, asking
    for more until enough are left.
    """
    count = bits.bit_count()
    if count <= 4 * limit or count * 8 <= len(acc):
        return heapq.nlargest(limit, iter_bits(bits), key=acc.__getitem__)
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    size = len(raw)
    want = 2 * limit + 16
    while True:
        top = heapq.nlargest(want, range(len(acc)), key=acc.__getitem__)
        picked = [n for n in top if n >> 3 < size and raw[n >> 3] >> (n & 7) & 1]
        if len(picked) >= limit or want >= len(acc):
            return picked[:limit]
        want *= 4


def top_by_columns(
    cache: BitmapCache, leaves: list[Leaf], matched: dict[str, int], fields: list[str], limit: int
) -> list[int]:
    """Global document numbers of the `limit` matched documents with the highest values of
    `fields` (compared in order), ties to the newer document number."""
    best: list[tuple[tuple[Any, ...], int]] = []
    for leaf in leaves:
        bits = matched.get(leaf.key, 0)
        if not bits:
            continue
        columns = [cache.column(leaf, f) for f in fields]
        keyed = ((tuple(col[n] for col in columns), leaf.offset + n) for n in iter_bits(bits))
        best = heapq.nlargest(limit, [*best, *keyed])
    return [docnum for _, docnum in best]


class FacetCounter:
    """Facet counts of a set of matches: value → bitmap of its live documents, per facet field,
    built once per searcher (a new commit means a new searcher)."""

    def __init__(self, cache: BitmapCache) -> None:
        self._cache = cache
        self._built: tuple[Any, dict[str, dict[str, int]]] | None = None

    def clear(self) -> None:
        self._built = None

    def bits(self, searcher: Any, leaves: list[Leaf]) -> dict[str, dict[str, int]]:
        if self._built is not None and self._built[0] is searcher:
            return self._built[1]
        out: dict[str, dict[str, int]] = {}
        reader = searcher.reader()
        for name in FACET_FIELDS:
            values: dict[str, int] = {}
            for btext in reader.lexicon(name):
                value = btext.decode("utf-8")
                bits = 0
                for leaf in leaves:
                    bits |= (self._cache.term(leaf, name, value).bits & leaf.live) << leaf.offset
                values[value] = bits
            out[name] = values
        self._built = (searcher, out)
        return out

    def count(self, searcher: Any, leaves: list[Leaf], matched: int) -> dict[str, dict[str, int]]:
        """value → matches, per facet field, most first (ties by value), values with none left out."""
        counts: dict[str, dict[str, int]] = {}
        for name, values in self.bits(searcher, leaves).items():
            found = {value: (bits & matched).bit_count() for value, bits in values.items()}
            counts[name] = dict(
                sorted(((v, n) for v, n in found.items() if n), key=lambda vn: (-vn[1], vn[0]))
            )
        return counts
