"""Every use of Whoosh's private attributes, in one place: they hold for whoosh-reloaded 2.7.5.

That version is pinned in pyproject.toml (`whoosh-reloaded==2.7.5`). Upgrading it means checking
each function here against the new source; `tests/unit/test_search_bitmaps.py` (matches and scores
against Whoosh's own matchers) and the snippet test in `tests/unit/test_search.py` (marks against
`highlight.highlight`) fail if one of them no longer holds. Everything else in benefit/search/whoosh/
uses Whoosh's public interface only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import escape
from whoosh import highlight


def read_blocks(matcher: Any, weights: bool) -> tuple[list[int], list[float]]:
    """All ids (and weights) of a leaf matcher, a stored block at a time where the codec allows it.

    2.7.5's W3LeafMatcher decodes a block into arrays (`_read_ids`/`_read_weights` fill `_ids` and
    `_weights` from position `_i`; `_next_block` moves on): reading those whole is ~10x faster than
    next()/id() per posting. Other matchers go one posting at a time, through the public interface.
    """
    ids: list[int] = []
    ws: list[float] = []
    if all(hasattr(matcher, a) for a in ("_read_ids", "_read_weights", "_next_block", "_i")):
        while matcher.is_active():
            matcher._read_ids()
            ids.extend(matcher._ids[matcher._i :])
            if weights:
                matcher._read_weights()
                ws.extend(matcher._weights[matcher._i :])
            matcher._next_block()
        return ids, ws
    while matcher.is_active():
        ids.append(matcher.id())
        if weights:
            ws.append(matcher.weight())
        matcher.next()
    return ids, ws


def score_formula(scorer: Any) -> Callable[[float, int], float] | None:
    """The weighting's (weight, field length) → score formula, or None if it has none.

    2.7.5's WeightLengthScorer (BM25F's scorer among them) scores a posting with `_score(weight,
    length)`, the function its matchers call: asking it directly scores a whole posting list
    without a matcher per posting.
    """
    formula: Callable[[float, int], float] | None = getattr(scorer, "_score", None)
    return formula


class MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Escapes every character of the text and wraps matches in <mark>: snippets are never raw HTML.

    2.7.5's Formatter passes the text between matches through `_text()` (its HtmlFormatter
    overrides it to escape): overriding it here escapes that text too.
    """

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"
