"""The search page's one call: what the reader typed → the engine → rows they may see, highlighted.

`search_topics` parses the query (`platform:…` words, the filter controls, synonyms and plural
kinds), asks the engine (benefit/search/engine.py) for a page of topic ids, suggests a spelling when
nothing matched, loads those rows and applies visibility again (the index may lag behind the
database), and makes the snippets from the rows as they are now, never from the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy.orm import defer, selectinload

from benefit import permissions
from benefit.extensions import db
from benefit.forum import tags
from benefit.models import KINDS, MISTAKE_CATEGORIES, Reply, Topic
from benefit.search import get_service
from benefit.search.documents import plain_text, topic_body_text
from benefit.search.engine import SearchEngine, SearchRequest, SearchResult
from benefit.search.forms import FILTER_NAMES, MAX_QUERY_CHARS, SORT_LABELS, ParsedQuery, split_query

KIND_WORDS = {
    **{k: k for k in KINDS},
    "practices": "practice",
    "discussions": "discussion",
    "mistakes": "mistake",
}
# Deeper pages are answered with this one: each page ranks every result before it.
MAX_PAGE = 50
# Replies read per topic, at most, to find one with the searched words for its snippet.
REPLIES_FOR_SNIPPET = 20


@dataclass(frozen=True)
class SearchAsk:
    """What the address asks for, as the view read it."""

    q: str = ""
    # The filter controls (platform, trend, kind, category, author): name → value, "" when unset.
    controls: Mapping[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1


@dataclass
class Hit:
    topic: Topic
    title: Markup
    snippet: Markup
    in_replies: bool


@dataclass
class SearchPage:
    """Everything the search page shows."""

    query: str
    parsed: ParsedQuery
    filters: dict[str, list[str]]
    sort: str
    per_page: int
    result: SearchResult
    hits: list[Hit]
    # Results the index still had that this reader may no longer see (hidden since it was indexed).
    withheld: int
    notices: list[str]
    suggestion: str | None
    # facet field → value → label (tag names, kind names)
    labels: dict[str, dict[str, str]]


def search_topics(ask: SearchAsk, viewer: Any, *, per_page: int) -> SearchPage:
    """The page of results for `ask`, as `viewer` (a member or an anonymous visitor) may see it."""
    vocabulary = tags.vocabulary()
    parsed = split_query(ask.q)
    notices: list[str] = []
    if parsed.truncated:
        notices.append(f"That search was long: only its first {MAX_QUERY_CHARS} characters were used.")
    filters = _resolve_filters(_with_controls(parsed.filters, ask.controls), vocabulary, notices)
    sort = ask.sort if ask.sort in SORT_LABELS else "relevance"
    result, suggestion = SearchResult(page=min(max(ask.page, 1), MAX_PAGE)), None
    if parsed.text or filters:
        req = SearchRequest(
            text=parsed.text,
            filters=filters,
            sort=sort,
            page=result.page,
            per_page=per_page,
            see_all=permissions.is_moderator(viewer),
            owner_id=viewer.id if viewer.is_authenticated else None,
        )
        result, suggestion = _ask_engine(get_service(current_app).engine, req, ask.q, notices)
    elif ask.q.strip():
        notices.append("Type a word or two to search: that query has none.")
    topics = _load_visible(result.ids, viewer)
    tag_names = {slug: name for slug, (name, _) in vocabulary.tags.items()}
    return SearchPage(
        query=ask.q,
        parsed=parsed,
        filters=filters,
        sort=sort,
        per_page=per_page,
        result=result,
        hits=_hits(topics, result.terms, viewer),
        withheld=len(result.ids) - len(topics),
        notices=notices,
        suggestion=suggestion,
        labels={"platform": tag_names, "trend": tag_names, "kind": dict(KINDS)},
    )


def _with_controls(filters: dict[str, list[str]], controls: Mapping[str, str]) -> dict[str, list[str]]:
    """The query's `name:value` filters plus the filter controls' values (lowercased, once each)."""
    out = {name: list(values) for name, values in filters.items()}
    for name in FILTER_NAMES:
        value = controls.get(name, "").strip().lower()
        if value and value not in out.get(name, []):
            out.setdefault(name, []).append(value)
    return out


def _resolve_filters(
    filters: dict[str, list[str]], vocabulary: tags.Vocabulary, notices: list[str]
) -> dict[str, list[str]]:
    """Map synonyms to canonical tags and plural kinds to kinds; say so when a value is unknown."""
    out: dict[str, list[str]] = {}
    for name, values in filters.items():
        for value in values:
            resolved: str | None = value
            if name in ("platform", "trend"):
                tag = vocabulary.resolve(value)
                resolved = tag[0] if tag is not None and tag[1] == name else None
                if resolved is None:
                    notices.append(f"“{value}” is not a {name} tag, so nothing matches it.")
            elif name == "kind":
                resolved = KIND_WORDS.get(value)
                if resolved is None:
                    notices.append(f"“{value}” is not a kind: use practice, discussion or mistake.")
            elif name == "category" and value not in MISTAKE_CATEGORIES:
                notices.append(f"“{value}” is not a mistake category, so nothing matches it.")
            out.setdefault(name, []).append(resolved or f"unknown-{value}")
    return out


def _ask_engine(
    engine: SearchEngine, req: SearchRequest, raw: str, notices: list[str]
) -> tuple[SearchResult, str | None]:
    """The engine's result, and a corrected query when nothing matched; a failing engine is a
    notice on the page, never an error page."""
    try:
        result = engine.search(req)
        suggestion = None
        if result.total == 0 and req.text:
            corrected = engine.suggest(req.text)
            if corrected:
                suggestion = " ".join([corrected, *_filter_words(raw[:MAX_QUERY_CHARS])])
    except Exception:  # noqa: BLE001 - a broken index must not break the page
        current_app.logger.exception("search failed for %r", raw)
        notices.append("Search is not available right now. Please try again in a moment.")
        return SearchResult(page=req.page), None
    notices.extend(result.notices)
    return result, suggestion


def _filter_words(raw: str) -> list[str]:
    """The field:value words of a query, kept as typed when suggesting a correction."""
    return [w for w in raw.split() if ":" in w and w.split(":", 1)[0].lower() in FILTER_NAMES]


def _load_visible(ids: list[int], viewer: Any) -> list[Topic]:
    """The rows for the index's ids that this reader may see now: the index may lag behind."""
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(Topic)
        .where(Topic.id.in_(ids), permissions.topic_visibility(viewer))
        # Snippets need the rendered texts only, not the Markdown sources.
        .options(
            selectinload(Topic.tags),
            defer(Topic.body),
            defer(Topic.how_to_avoid),
            defer(Topic.evidence_links),
        )
    )
    by_id = {t.id: t for t in rows}
    return [by_id[i] for i in ids if i in by_id]


def excerpt(text: str, chars: int = 220) -> Markup:
    """The start of `text`, escaped, cut at a word: the snippet when no searched word is in it."""
    cut = text[:chars].rsplit(" ", 1)[0] + " …" if len(text) > chars else text
    return escape(cut)


def _hits(topics: list[Topic], terms: frozenset[str], viewer: Any) -> list[Hit]:
    """Highlighted titles and snippets, built from the rows as they are now (never from the index)."""
    engine = get_service(current_app).engine
    hits: list[Hit] = []
    for topic in topics:
        title = engine.highlight(topic.title, terms, whole=True) or escape(topic.title)
        hits.append(Hit(topic, title, engine.highlight(topic_body_text(topic), terms), in_replies=False))
    unmatched = [hit.topic.id for hit in hits if not hit.snippet]
    found = _reply_snippets(engine, unmatched, terms, viewer) if terms and unmatched else {}
    for hit in hits:
        if hit.topic.id in found:
            hit.snippet, hit.in_replies = found[hit.topic.id], True
        elif not hit.snippet:
            hit.snippet = excerpt(topic_body_text(hit.topic))
    return hits


def _reply_snippets(
    engine: SearchEngine, topic_ids: list[int], terms: frozenset[str], viewer: Any
) -> dict[int, Markup]:
    """topic id → a snippet of its first reply the viewer may see that has the searched words
    (the words matched only in replies)."""
    found: dict[int, Markup] = {}
    rows = db.session.execute(
        sa.select(Reply.topic_id, Reply.body_html)
        .where(Reply.topic_id.in_(topic_ids), permissions.reply_visibility(viewer))
        .order_by(Reply.topic_id, Reply.id)
        .limit(REPLIES_FOR_SNIPPET * len(topic_ids))
    )
    for topic_id, body_html in rows:
        if topic_id not in found:
            snippet = engine.highlight(plain_text(body_html), terms)
            if snippet:
                found[topic_id] = snippet
    return found
