"""Reading the forum: home, lists, topics, reply permalinks, tags. Posting is in posting_views."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.forum import bp, queries
from benefit.forum.forms import ReplyForm
from benefit.forum.jinja import reply_url as reply_url  # re-exported until moderation imports jinja's
from benefit.forum.queries import SORTS, TopicFilter, all_tags, paginate_topics, tag_counts
from benefit.forum.tags import find_tag
from benefit.models import KIND_PLURALS, KINDS, LIBRARY_TYPES, MISTAKE_CATEGORIES, Tag
from benefit.models.forum import POST_LANGUAGES
from benefit.web import page_arg, valid_id, visible_reply_or_404, visible_topic_or_404

PLURAL_TO_KIND = {plural: kind for kind, plural in KIND_PLURALS.items()}


def _redirect_keeping_args(endpoint: str, **values: Any) -> Response:
    """A permanent redirect to the canonical address, with the query string kept."""
    # The path's values win over query arguments of the same name (?slug=… would clash).
    return redirect(url_for(endpoint, **{**dict(request.args.items()), **values}), 301)


def _choice_arg(name: str, allowed: Container[str]) -> str | None:
    """An optional query-string choice: empty is None, anything not in `allowed` is a 404."""
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        abort(404)
    return value


def _tag_arg(name: str, kind: str) -> Tag | None:
    slug = request.args.get(name, "").strip()
    if not slug:
        return None
    tag, _synonym = find_tag(slug)
    if tag is None or tag.kind != kind:
        if kind == "platform":
            abort(404, _("There is no platform tag “%(slug)s”.", slug=slug))
        abort(404, _("There is no trend tag “%(slug)s”.", slug=slug))
    return tag


def language_arg() -> str | None:
    """`?language=pl|en`: the posts written in one language; any other value is ignored."""
    value = request.args.get("language", "")
    return value if value in POST_LANGUAGES else None


def _list_filter(kind: str) -> tuple[TopicFilter, dict[str, str]]:
    """The list's filters from the query string, and the sorts it offers."""
    default_sort = "votes" if kind == "mistake" else "activity"
    allowed = ("votes", "newest", "trending") if kind == "mistake" else ("activity", "newest")
    sort = request.args.get("sort", default_sort)
    f = TopicFilter(
        kind=kind,
        platform=_tag_arg("platform", "platform"),
        trend=_tag_arg("trend", "trend"),
        library_type=_choice_arg("library_type", LIBRARY_TYPES),
        category=_choice_arg("category", MISTAKE_CATEGORIES if kind == "mistake" else ()),
        sort=sort if sort in allowed else default_sort,
        language=language_arg(),
    )
    return f, {k: SORTS[k] for k in allowed}


@bp.route("/")
def home() -> str:
    language = language_arg()
    return render_template("forum/home.html", language=language, **queries.home_lists(current_user, language))


@bp.route("/<any(practices, discussions, mistakes):plural>")
def topic_list(plural: str) -> str:
    kind = PLURAL_TO_KIND[plural]
    f, sorts = _list_filter(kind)
    pagination = paginate_topics(current_user, f, page_arg(), current_app.config["PER_PAGE"])
    return render_template(
        "forum/list.html",
        kind=kind,
        plural=plural,
        pagination=pagination,
        topics=pagination.items,
        filters=f,
        sorts=sorts,
        tags=all_tags(),
    )


@bp.route("/t/<int:topic_id>")
@bp.route("/t/<int:topic_id>/<slug>")
def topic(topic_id: int, slug: str | None = None) -> str | Response:
    target = queries.merged_into(valid_id(topic_id))
    if target is not None:
        return redirect(url_for("forum.topic", topic_id=target), 301)
    found = visible_topic_or_404(topic_id)
    if slug != found.slug:
        return _redirect_keeping_args("forum.topic", topic_id=found.id, slug=found.slug)
    page = queries.topic_page(current_user, found, page_arg())
    # A visitor gets no form: building one would put a CSRF token in a cookie (no page cache).
    form = ReplyForm() if current_user.is_authenticated else None
    return render_template("forum/topic.html", form=form, **page.context())


@bp.route("/r/<int:reply_id>")
def reply_permalink(reply_id: int) -> Response:
    return redirect(reply_url(visible_reply_or_404(reply_id)))


@bp.route("/tags")
def tags() -> str:
    counts = tag_counts()
    return render_template(
        "forum/tags.html",
        platforms=[(t, n) for t, n in counts if t.kind == "platform"],
        trends=[(t, n) for t, n in counts if t.kind == "trend"],
    )


@bp.route("/tags/<slug>")
def tag(slug: str) -> str | Response:
    found, is_synonym = find_tag(slug)
    if found is None:
        abort(404, _("There is no tag “%(slug)s”.", slug=slug))
    if is_synonym:
        return _redirect_keeping_args("forum.tag", slug=found.slug)
    f = TopicFilter(tag=found, kind=_choice_arg("kind", KINDS), sort="activity", language=language_arg())
    pagination = paginate_topics(current_user, f, page_arg(), current_app.config["PER_PAGE"])
    return render_template(
        "forum/tag.html",
        tag=found,
        synonyms=list(found.synonyms),
        kind=f.kind,
        language=f.language,
        pagination=pagination,
        topics=pagination.items,
    )
