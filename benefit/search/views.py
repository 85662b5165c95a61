"""/search: parse the query, ask the index for ids, load the rows and re-check visibility."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape
from sqlalchemy.orm import defer, selectinload

from benefit import permissions
from benefit.extensions import db
from benefit.forms_util import choices
from benefit.forum import tags
from benefit.models import KINDS, MISTAKE_CATEGORIES, Reply, Topic
from benefit.search import bp, get_service
from benefit.search.documents import plain_text, topic_body_text
from benefit.search.forms import FILTER_NAMES, MAX_QUERY_CHARS, SORT_LABELS, SearchForm, split_query
from benefit.search.index import SearchRequest, SearchResult

KIND_WORDS = {
    **{k: k for k in KINDS},
    "practices": "practice",
    "discussions": "discussion",
    "mistakes": "mistake",
}
MAX_PAGE = 50


class ResultPage(Pagination):
    """A page of search results in the shape the `pager` macro expects."""

    def _query_items(self) -> list[Any]:
        items: list[Any] = self._query_args["items"]
        return items

    def _query_count(self) -> int:
        total: int = self._query_args["total"]
        return total


@dataclass
class Hit:
    topic: Topic
    title: Markup
    snippet: Markup
    in_replies: bool


def _page() -> int:
    raw = request.args.get("page", "1")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) >= 1 else 1


def _resolve_filters(filters: dict[str, list[str]], notices: list[str]) -> dict[str, list[str]]:
    """Map synonyms to canonical tags and plural kinds to kinds; say so when a value is unknown."""
    out: dict[str, list[str]] = {}
    vocabulary = tags.vocabulary()
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


def _hits(topics: list[Topic], terms: frozenset[str]) -> list[Hit]:
    """Highlighted titles and snippets, built from the rows as they are now (never from the index)."""
    index = get_service(current_app).index
    hits: list[Hit] = []
    need_replies: list[int] = []
    for topic in topics:
        body = topic_body_text(topic)
        snippet = index.snippet(body, terms)
        hits.append(
            Hit(
                topic=topic,
                title=index.snippet(topic.title, terms, whole=True) or escape(topic.title),
                snippet=snippet,
                in_replies=False,
            )
        )
        if not snippet and terms:
            need_replies.append(topic.id)
    if need_replies:
        # The words matched only in replies: show the first visible reply that has them.
        found: dict[int, Markup] = {}
        rows = db.session.execute(
            sa.select(Reply.topic_id, Reply.body_html)
            .where(Reply.topic_id.in_(need_replies), permissions.reply_visibility(current_user))
            .order_by(Reply.topic_id, Reply.id)
            .limit(20 * len(need_replies))
        )
        for topic_id, body_html in rows:
            if topic_id not in found:
                snippet = index.snippet(plain_text(body_html), terms)
                if snippet:
                    found[topic_id] = snippet
        for hit in hits:
            if hit.topic.id in found:
                hit.snippet, hit.in_replies = found[hit.topic.id], True
    for hit in hits:
        if not hit.snippet:
            hit.snippet = index.excerpt(topic_body_text(hit.topic))
    return hits


def _load_visible(ids: list[int]) -> list[Topic]:
    """The rows for the index's ids that this reader may see now: the index may lag behind."""
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(Topic)
        .where(Topic.id.in_(ids), permissions.topic_visibility(current_user))
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


class _Links:
    """This search's address with one argument changed (None: removed), back on page 1 unless
    the argument changed is the page.

    A results page links every facet value: the rest of the address is encoded once per
    argument, not once per link (and not with url_for).
    """

    def __init__(self) -> None:
        self.base = request.script_root + request.path
        self.args = {k: v for k, v in request.args.items() if k != "page"}
        self._rest: dict[str, str] = {}

    def __call__(self, name: str, value: str | None) -> str:
        rest = self._rest.get(name)
        if rest is None:
            others = {k: v for k, v in self.args.items() if k != name}
            rest = self._rest[name] = urllib.parse.urlencode(others)
        changed = urllib.parse.urlencode({name: value}) if value is not None else ""
        query = f"{rest}&{changed}" if rest and changed else rest or changed
        return f"{self.base}?{query}" if query else self.base


@bp.route("/search")
def search() -> str:
    form = SearchForm(request.args)
    vocabulary = tags.vocabulary()  # per process, not a statement per search
    tag_names = {slug: name for slug, (name, _) in vocabulary.tags.items()}
    form.platform.choices = choices([("", "All platforms"), *vocabulary.names("platform")])
    form.trend.choices = choices([("", "All trends"), *vocabulary.names("trend")])
    raw = request.args.get("q", "")
    parsed = split_query(raw)
    notices: list[str] = []
    if parsed.truncated:
        notices.append(f"That search was long: only its first {MAX_QUERY_CHARS} characters were used.")
    filters = dict(parsed.filters)
    for name in FILTER_NAMES:
        value = request.args.get(name, "").strip().lower()
        if value and value not in filters.get(name, []):
            filters.setdefault(name, []).append(value)
    filters = _resolve_filters(filters, notices)
    sort = request.args.get("sort", "relevance")
    if sort not in SORT_LABELS:
        sort = "relevance"
    page = _page()
    per_page = int(current_app.config["PER_PAGE"])
    member = current_user if current_user.is_authenticated else None
    result = SearchResult()
    suggestion: str | None = None
    if parsed.text or filters:
        index = get_service(current_app).index
        req = SearchRequest(
            text=parsed.text,
            filters=filters,
            sort=sort,
            page=page,
            per_page=per_page,
            see_all=permissions.is_moderator(current_user),
            owner_id=member.id if member is not None else None,
        )
        try:
            result = index.search(req)
            if result.total == 0 and parsed.text:
                corrected = index.suggest(parsed.text)
                if corrected:
                    kept = raw[:MAX_QUERY_CHARS]
                    suggestion = " ".join([corrected, *_filter_words(kept)])
        except Exception:  # noqa: BLE001 - a broken index must not break the page
            current_app.logger.exception("search failed for %r", raw)
            notices.append("Search is not available right now. Please try again in a moment.")
        notices.extend(result.notices)
        if not parsed.text and not filters:
            notices.append("Type a word or two to search.")
    elif raw.strip():
        notices.append("Type a word or two to search: that query has none.")
    topics = _load_visible(result.ids)
    pagination = ResultPage(page=page, per_page=per_page, error_out=False, items=topics, total=result.total)
    links = _Links()
    return render_template(
        "search/search.html",
        form=form,
        query=raw,
        parsed=parsed,
        filters=filters,
        result=result,
        hits=_hits(topics, result.terms),
        withheld=len(result.ids) - len(topics),
        pagination=pagination,
        notices=notices,
        suggestion=suggestion,
        suggestion_url=links("q", suggestion) if suggestion else None,
        facet_labels={"platform": tag_names, "trend": tag_names, "kind": KINDS},
        facet_url=links,
        clear_url=lambda name: links(name, None),
        page_url=lambda page: links("page", str(page)),
        sort=sort,
        sort_labels=SORT_LABELS,
    )


def _filter_words(raw: str) -> list[str]:
    """The field:value words of a query, kept as typed when suggesting a correction."""
    return [w for w in raw.split() if ":" in w and w.split(":", 1)[0].lower() in FILTER_NAMES]
