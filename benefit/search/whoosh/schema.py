"""The Whoosh schema: which fields a topic's document has, how each is analysed and boosted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from whoosh.analysis import LanguageAnalyzer, ShingleFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from benefit.search.engine import Document

# The document that holds the index's IndexMeta (its watermark), beside the topics.
META_ID = "__meta__"
# porter2 ("en"): "running" → "run" (Whoosh's default Porter stemmer gives "runn").
ANALYZER = LanguageAnalyzer("en")
TEXT_FIELDS = ("title", "body", "tags", "replies")
# Each text field again as word pairs ("good platform", "platform stori"): a two-word phrase is then
# one term to look up instead of a walk through both words' positions (200 ms on 100k posts).
PAIRS_ANALYZER = ANALYZER | ShingleFilter(size=2, sep=" ")
PAIR_FIELDS = {name: f"{name}_pairs" for name in TEXT_FIELDS}
FACET_FIELDS = ("platform", "trend", "kind")
SPELLING_FIELDS = ("title", "body", "replies")
FIELD_BOOSTS = {"title": 3.0, "body": 1.0, "tags": 1.5, "replies": 0.6}
# One file per part of a segment, not Whoosh's default compound file: a reader copies each part of
# a compound file into its own memory (BytesIO), which was 120 MiB of postings in every gunicorn
# worker at 100k posts; separate files are read through the operating system's shared page cache.
WRITER_OPTIONS: dict[str, Any] = {"compound": False}


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


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def index_fields(doc: Document, schema: Any) -> dict[str, Any]:
    """A document as the keyword arguments of Whoosh's add_document/update_document."""
    out = {k: v for k, v in doc.items() if k != "created_at"}
    out["created_at"] = _naive_utc(doc["created_at"])
    for name, pairs in PAIR_FIELDS.items():
        if pairs in schema:  # an index built before word pairs existed has no such field
            out[pairs] = doc[name]
    return out


def has_pairs(schema: Any) -> bool:
    """Whether the index has the word-pair fields (else `flask search rebuild` adds them)."""
    return all(pairs in schema for pairs in PAIR_FIELDS.values())
