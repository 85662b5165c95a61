"""Forum views: parse, call one service or query, render or redirect."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.forms_util import apply_service_error
from benefit.forum import actions as posting
from benefit.forum import bp
from benefit.forum.forms import ReplyForm, TopicForm, parse_topic_refs
from benefit.forum.queries import (
    SORTS,
    TopicFilter,
    all_tags,
    featured,
    latest,
    load_tags,
    paginate_topics,
    tag_counts,
)
from benefit.forum.tags import find_tag, split_tag_input
from benefit.models import KIND_PLURALS, KINDS, LIBRARY_TYPES, MISTAKE_CATEGORIES, Reply, Tag, Topic
from benefit.permissions import login_required
from benefit.refusals import ServiceError

PLURAL_TO_KIND = {plural: kind for kind, plural in KIND_PLURALS.items()}


MAX_PAGE = 100_000


def page_arg() -> int:
    page = request.args.get("page", "1")
    # ASCII digits only ("²".isdigit() is true but int() refuses it), and bounded: a huge page number
    # overflows the database's OFFSET.
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= MAX_PAGE:
        abort(404)
    return int(page)


@bp.route("/")
def home() -> str:
    user = current_user
    lists = {
        "featured": featured(user, with_tags=False),
        "practices": latest(user, "practice", "newest", 6, with_tags=False),
        "mistakes": latest(user, "mistake", "votes", 6, with_tags=False),
        "discussions": latest(user, "discussion", "activity", 6, with_tags=False),
    }
    # One statement for the tags of all four lists rather than one per list.
    load_tags(topic for topics in lists.values() for topic in topics)
    return render_template(
        "forum/home.html",
        **lists,
        tags=[(t, n) for t, n in tag_counts() if n][:24],
    )


@bp.route("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


def _tag_arg(name: str, kind: str) -> Tag | None:
    slug = request.args.get(name, "").strip()
    if not slug:
        return None
    tag, _ = find_tag(slug)
    if tag is None or tag.kind != kind:
        abort(404, f"There is no {kind} tag “{slug}”.")
    return tag


@bp.route("/<any(practices, discussions, mistakes):plural>")
def topic_list(plural: str) -> str:
    kind = PLURAL_TO_KIND[plural]
    default_sort = "votes" if kind == "mistake" else "activity"
    sort = request.args.get("sort", default_sort)
    allowed = ("votes", "newest", "trending") if kind == "mistake" else ("activity", "newest")
    if sort not in allowed:
        sort = default_sort
    library_type = request.args.get("library_type") or None
    if library_type is not None and library_type not in LIBRARY_TYPES:
        abort(404)
    category = request.args.get("category") or None
    if category is not None and (kind != "mistake" or category not in MISTAKE_CATEGORIES):
        abort(404)
    f = TopicFilter(
        kind=kind,
        platform=_tag_arg("platform", "platform"),
        trend=_tag_arg("trend", "trend"),
        library_type=library_type,
        category=category,
        sort=sort,
    )
    pagination = paginate_topics(current_user, f, page_arg(), current_app.config["PER_PAGE"])
    return render_template(
        "forum/list.html",
        kind=kind,
        plural=plural,
        pagination=pagination,
        topics=pagination.items,
        filters=f,
        sorts={k: SORTS[k] for k in allowed},
        tags=all_tags(),
    )


def load_topic(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None or not permissions.can_view_topic(current_user, topic):
        abort(404)
    return topic


@bp.route("/t/<int:topic_id>")
@bp.route("/t/<int:topic_id>/<slug>")
def topic(topic_id: int, slug: str | None = None) -> str | Response:
    found = db.session.get(Topic, topic_id)
    if found is not None and found.merged_into_id is not None:
        return redirect(url_for("forum.topic", topic_id=found.merged_into_id), 301)
    topic = load_topic(topic_id)
    if slug != topic.slug:
        args: dict[str, Any] = dict(request.args.items())
        return redirect(url_for("forum.topic", topic_id=topic.id, slug=topic.slug, **args), 301)
    replies = db.paginate(
        sa.select(Reply)
        .where(Reply.topic_id == topic.id, permissions.reply_visibility(current_user))
        .order_by(Reply.id),
        page=page_arg(),
        per_page=current_app.config["REPLIES_PER_PAGE"],
        error_out=False,
    )
    linked: list[Topic] = []
    if topic.kind == "mistake":
        linked = [t for t in topic.avoided_by if permissions.can_view_topic(current_user, t)]
    elif topic.kind == "practice":
        linked = [t for t in topic.avoids if permissions.can_view_topic(current_user, t)]
    return render_template(
        "forum/topic.html",
        topic=topic,
        replies=replies,
        linked=linked,
        form=ReplyForm(),
    )


def _draft_from_form(form: TopicForm) -> posting.TopicDraft:
    return posting.TopicDraft(
        kind=form.kind.data or "",
        title=form.title.data or "",
        body=form.body.data or "",
        platforms=split_tag_input(form.platforms.data or ""),
        trends=split_tag_input(form.trends.data or ""),
        category=form.category.data or None,
        how_to_avoid=form.how_to_avoid.data or "",
        evidence_links=[x.strip() for x in (form.evidence_links.data or "").splitlines() if x.strip()],
        library_types=list(form.library_types.data or []),
        avoided_by=parse_topic_refs(form.avoided_by.data or ""),
        is_anonymous=bool(form.is_anonymous.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_topic() -> str | Response:
    form = TopicForm()
    if request.method == "GET":
        kind = request.args.get("kind", "practice")
        form.kind.data = kind if kind in KINDS else "practice"
        for name in ("platforms", "trends"):
            if request.args.get(name):
                getattr(form, name).data = request.args[name][:200]
    if form.validate_on_submit():
        try:
            topic = posting.start_topic(current_user, _draft_from_form(form))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            if topic.state == "pending":
                flash(
                    "Thank you! As a new member, your first post waits for a moderator "
                    "to approve it. You can see it already.",
                    "info",
                )
            else:
                flash("Your post is published.", "success")
            return redirect(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))
    return render_template("forum/edit_topic.html", form=form, topic=None, tags=all_tags())


@bp.route("/t/<int:topic_id>/edit", methods=["GET", "POST"])
@login_required
def edit_topic(topic_id: int) -> str | Response:
    topic = load_topic(topic_id)
    if not permissions.can_edit_topic(current_user, topic):
        abort(403, "You can only edit your own posts.")
    form = TopicForm()
    if request.method == "GET":
        form.kind.data = topic.kind
        form.title.data = topic.title
        form.body.data = topic.body
        form.platforms.data = ", ".join(t.slug for t in topic.platform_tags)
        form.trends.data = ", ".join(t.slug for t in topic.trend_tags)
        form.category.data = topic.category or ""
        form.how_to_avoid.data = topic.how_to_avoid
        form.library_types.data = topic.library_type_list
        form.avoided_by.data = "\n".join(
            url_for("forum.topic", topic_id=t.id, slug=t.slug, _external=True) for t in topic.avoided_by
        )
        form.evidence_links.data = topic.evidence_links
        form.is_anonymous.data = topic.is_anonymous
    if form.validate_on_submit():
        try:
            posting.edit_topic(current_user, topic, _draft_from_form(form))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))
    return render_template("forum/edit_topic.html", form=form, topic=topic, tags=all_tags())


@bp.route("/t/<int:topic_id>/reply", methods=["POST"])
@login_required
def reply(topic_id: int) -> str | Response | tuple[str, int]:
    topic = load_topic(topic_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            new = posting.reply_to_topic(current_user, topic, form.body.data or "")
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))
        if new.state == "pending":
            flash("Thank you! Your reply waits for a moderator to approve it.", "info")
        else:
            flash("Your reply is posted.", "success")
        return redirect(reply_url(new))
    # Show the topic again with the errors beside the reply box.
    replies = db.paginate(
        sa.select(Reply)
        .where(Reply.topic_id == topic.id, permissions.reply_visibility(current_user))
        .order_by(Reply.id),
        page=1,
        per_page=current_app.config["REPLIES_PER_PAGE"],
        error_out=False,
    )
    return render_template("forum/topic.html", topic=topic, replies=replies, linked=[], form=form), 400


def reply_url(reply: Reply) -> str:
    """The page of the topic that shows this reply, with its anchor."""
    before = (
        db.session.scalar(
            sa.select(sa.func.count(Reply.id)).where(
                Reply.topic_id == reply.topic_id,
                Reply.id < reply.id,
                permissions.reply_visibility(current_user),
            )
        )
        or 0
    )
    page = before // current_app.config["REPLIES_PER_PAGE"] + 1
    topic = reply.topic
    args = {"page": page} if page > 1 else {}
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug, _anchor=f"reply-{reply.id}", **args)


@bp.route("/r/<int:reply_id>")
def reply_permalink(reply_id: int) -> Response:
    found = db.session.get(Reply, reply_id)
    if found is None or not permissions.can_view_reply(current_user, found):
        abort(404)
    load_topic(found.topic_id)
    return redirect(reply_url(found))


@bp.route("/r/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit_reply(reply_id: int) -> str | Response:
    found = db.session.get(Reply, reply_id)
    if found is None or not permissions.can_view_reply(current_user, found):
        abort(404)
    load_topic(found.topic_id)
    if not permissions.can_edit_reply(current_user, found):
        abort(403, "You can only edit your own replies.")
    form = ReplyForm()
    if request.method == "GET":
        form.body.data = found.body
    if form.validate_on_submit():
        try:
            posting.edit_reply(current_user, found, form.body.data or "")
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash("Your reply is updated.", "success")
            return redirect(reply_url(found))
    return render_template("forum/edit_reply.html", form=form, reply=found)


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
        abort(404, f"There is no tag “{slug}”.")
    if is_synonym:
        args: dict[str, Any] = dict(request.args.items())
        return redirect(url_for("forum.tag", slug=found.slug, **args), 301)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(404)
    f = TopicFilter(tag=found, kind=kind, sort="activity")
    pagination = paginate_topics(current_user, f, page_arg(), current_app.config["PER_PAGE"])
    synonyms = list(found.synonyms)
    return render_template(
        "forum/tag.html",
        tag=found,
        synonyms=synonyms,
        kind=kind,
        pagination=pagination,
        topics=pagination.items,
    )


def preload_tags(topics: list[Topic]) -> None:
    """Load the tags of many topics in one statement (for lists built elsewhere)."""
    load_tags(topics)
