"""Spelling help ("did you mean"): each unknown word → its closest word in the index's vocabulary."""

from __future__ import annotations

from typing import Any

from whoosh.support.levenshtein import distance

from benefit.search.whoosh.schema import SPELLING_FIELDS, make_schema

_SPELL_FIELDS = [make_schema()[f].spelling_fieldname(f) for f in SPELLING_FIELDS]


def suggest(reader: Any, text: str) -> str | None:
    """The query with each unknown word replaced by its closest known word, or None if none was."""
    out: list[str] = []
    changed = False
    for word in text.split():
        plain = word.lower()
        if (
            not plain.isalpha()
            or len(plain) < 3
            or any(reader.doc_frequency(f, plain) for f in _SPELL_FIELDS)
        ):
            out.append(word)
            continue
        best = closest(reader, plain)
        out.append(best if best is not None else word)
        changed = changed or best is not None
    return " ".join(out) if changed else None


def closest(reader: Any, word: str) -> str | None:
    """The known word nearest `word` (edit distance 1 for short words, else 2), the most frequent
    of equally near ones, then the first alphabetically."""
    maxdist = 1 if len(word) <= 4 else 2
    scored: dict[str, tuple[int, int]] = {}
    for name in _SPELL_FIELDS:
        for candidate in reader.terms_within(name, word, maxdist, prefix=1):
            if candidate == word:
                continue
            freq = int(reader.doc_frequency(name, candidate))
            prev = scored.get(candidate)
            scored[candidate] = (distance(candidate, word), -(freq + (-prev[1] if prev else 0)))
    if not scored:
        return None
    return min(scored.items(), key=lambda kv: (kv[1], kv[0]))[0]
