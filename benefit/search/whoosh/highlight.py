"""Snippets: Whoosh's highlighter, fed tokens that stem only the words that can match."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from markupsafe import Markup
from whoosh import highlight
from whoosh.lang import stemmer_for_language

from benefit.search.whoosh.internals import MarkFormatter
from benefit.search.whoosh.schema import ANALYZER

# Snippets re-analyse the row's text; past this many characters a match is not worth the time.
SNIPPET_SCAN_CHARS = 8_000
# A snippet is made from this much text, starting a little before the first likely match.
SNIPPET_WINDOW_CHARS = 360
SNIPPET_LEAD_CHARS = 90

_TOKENIZER, _LOWERCASE, _STOPS, _STEMMER = ANALYZER.items
_STEM = stemmer_for_language(_STEMMER.lang) if _STEMMER.lang else _STEMMER.stemfn  # as StemFilter does


@functools.lru_cache(maxsize=512)
def probe(terms: frozenset[str]) -> re.Pattern[str]:
    """A pattern that finds every word that can stem to one of `terms` (and a few that do not).

    porter2 keeps a stem's beginning and only rewrites its end ("stories", "story" → "stori"), so a
    word stems to a term only if it starts with all of the term but its last letter.
    """
    heads = sorted({t[: max(3, len(t) - 1)] for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(h) for h in heads) + ")", re.IGNORECASE)


@functools.lru_cache(maxsize=50_000)
def _analysed_word(word: str) -> str:
    """What ANALYZER makes of one word, stop words kept (as the highlighter asks for them)."""
    low = word.lower()
    if len(low) < _STOPS.min or low in _STOPS.stops or low in _STEMMER.ignore:
        return low
    return str(_STEM(low))


def marked_tokens(text: str, terms: frozenset[str], pattern: re.Pattern[str]) -> Iterator[Any]:
    """ANALYZER's tokens of `text` for Whoosh's highlighter, each marked matched or not.

    The same tokens `highlight.highlight` makes (same tokenizer, same positions), but only the
    words the probe finds are lowercased and stemmed: no other word can stem to a searched term.
    """
    for token in _TOKENIZER(text, chars=True, mode="query", removestops=False):
        token.matched = False
        if pattern.match(token.text):
            analysed = _analysed_word(token.text)
            if analysed in terms:
                token.text, token.matched = analysed, True
        yield token


def snippet(
    text: str, terms: Iterable[str], *, chars: int = 220, top: int = 2, whole: bool = False
) -> Markup:
    """An escaped excerpt of `text` (all of it if `whole`) with the searched words in <mark>,
    or "" when none occur."""
    termset = frozenset(terms)
    if not text or not termset:
        return Markup("")
    # Analysing text is the cost of a snippet: first look (in C) for a word that could stem to
    # a searched term, and analyse only the stretch of text around it.
    pattern = probe(termset)
    first = pattern.search(text, 0, SNIPPET_SCAN_CHARS)
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
    fragments = fragmenter.fragment_tokens(scanned, marked_tokens(scanned, termset, pattern))
    best = highlight.top_fragments(fragments, top, highlight.BasicFragmentScorer(), highlight.FIRST)
    out = MarkFormatter()(scanned, best)
    # Safe: MarkFormatter escapes every character of the text; only its <mark> tags are markup.
    return Markup(out)  # nosec B704
