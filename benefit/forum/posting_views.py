"""Posting: a new topic, a reply, and editing either. Rate limits: benefit.security and forum.quota."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.forms_util import apply_service_error
from benefit.forum import actions as posting
from benefit.forum import bp, queries
from benefit.forum.forms import ReplyForm, TopicForm, parse_topic_refs
from benefit.forum.jinja import reply_url, topic_url
from benefit.forum.queries import all_tags
from benefit.forum.quota import PostingLimitReached, accepted_post
from benefit.forum.tags import split_tag_input
from benefit.models import KINDS, Reply, Topic
from benefit.permissions import login_required
from benefit.refusals import ServiceError
from benefit.web import visible_reply_or_404, visible_topic_or_404

Page = str | Response | tuple[str, int, dict[str, str]]
PostT = TypeVar("PostT", Topic, Reply)
FIRST_POST_WAITS = _l(
    "Thank you! As a new member, your first post waits for a moderator to approve it. You can see it already."
)


def draft_from_form(form: TopicForm) -> posting.TopicDraft:
    return posting.TopicDraft(
        kind=form.kind.data or "",
        title=form.title.data or "",
        body=form.body.data or "",
        language=form.language.data or None,
        platforms=split_tag_input(form.platforms.data or ""),
        trends=split_tag_input(form.trends.data or ""),
        category=form.category.data or None,
        how_to_avoid=form.how_to_avoid.data or "",
        evidence_links=[x.strip() for x in (form.evidence_links.data or "").splitlines() if x.strip()],
        library_types=list(form.library_types.data or []),
        avoided_by=parse_topic_refs(form.avoided_by.data or ""),
        is_anonymous=bool(form.is_anonymous.data),
        show_my_name=bool(form.show_my_name.data),
    )


def _fill_new(form: TopicForm, args: MultiDict[str, str]) -> None:
    """/new?kind=mistake&platforms=tiktok: the kind and tags chosen from a list or tag page."""
    kind = args.get("kind", "practice")
    form.kind.data = kind if kind in KINDS else "practice"
    for name in ("platforms", "trends"):
        if args.get(name):
            getattr(form, name).data = args[name][:200]


def _fill_from_topic(form: TopicForm, topic: Topic) -> None:
    form.kind.data = topic.kind
    form.title.data = topic.title
    form.body.data = topic.body
    form.language.data = topic.language
    form.platforms.data = ", ".join(t.slug for t in topic.platform_tags)
    form.trends.data = ", ".join(t.slug for t in topic.trend_tags)
    form.category.data = topic.category or ""
    form.how_to_avoid.data = topic.how_to_avoid
    form.library_types.data = topic.library_type_list
    form.avoided_by.data = "\n".join(topic_url(t, _external=True) for t in topic.avoided_by)
    form.evidence_links.data = topic.evidence_links
    form.is_anonymous.data = topic.is_anonymous


def _status(exc: ServiceError | None) -> tuple[int, dict[str, str]]:
    """A form shown again is a 200, or a 429 with Retry-After when the posting limit refused it."""
    if isinstance(exc, PostingLimitReached):
        return 429, {"Retry-After": str(exc.retry_after)}
    return 200, {}


def _topic_form(form: TopicForm, topic: Topic | None, exc: ServiceError | None = None) -> Page:
    if exc is not None:
        apply_service_error(form, exc)
    html = render_template("forum/edit_topic.html", form=form, topic=topic, tags=all_tags())
    return (html, *_status(exc))


def _topic_again(topic: Topic, form: ReplyForm, exc: ServiceError | None = None) -> Page:
    """The topic page with the reply box as it was sent, and its errors beside it."""
    if exc is not None:
        apply_service_error(form, exc)
    page = queries.topic_page(current_user, topic, 1)
    status, headers = _status(exc) if exc is not None else (400, {})
    return render_template("forum/topic.html", form=form, **page.context()), status, headers


def _keep_language(form: TopicForm | ReplyForm, post: Topic | Reply) -> None:
    """A form sent without the language field (a page from before it) leaves the post's as it is."""
    if request.method == "POST" and "language" not in request.form:
        form.language.data = post.language


def _editable(post: PostT) -> PostT:
    """The post, if the current user may edit it; else a 403 that says whose posts they can edit."""
    if isinstance(post, Topic) and not permissions.can_edit_topic(current_user, post):
        abort(403, _("You can only edit your own posts."))
    if isinstance(post, Reply) and not permissions.can_edit_reply(current_user, post):
        abort(403, _("You can only edit your own replies."))
    return post


def _thank(state: str, pending: str, published: str) -> None:
    if state == "pending":
        flash(pending, "info")
    else:
        flash(published, "success")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_topic() -> Page:
    form = TopicForm()
    if request.method == "GET":
        _fill_new(form, request.args)
    if not form.validate_on_submit():
        return _topic_form(form, None)
    try:
        with accepted_post("forum.new_topic"):
            topic = posting.start_topic(current_user, draft_from_form(form))
    except ServiceError as exc:
        return _topic_form(form, None, exc)
    _thank(topic.state, str(FIRST_POST_WAITS), _("Your post is published."))
    return redirect(topic_url(topic))


@bp.route("/t/<int:topic_id>/edit", methods=["GET", "POST"])
@login_required
def edit_topic(topic_id: int) -> Page:
    topic = _editable(visible_topic_or_404(topic_id))
    form = TopicForm()
    if request.method == "GET":
        _fill_from_topic(form, topic)
    _keep_language(form, topic)
    if not form.validate_on_submit():
        return _topic_form(form, topic)
    try:
        posting.edit_topic(current_user, topic, draft_from_form(form))
    except ServiceError as exc:
        return _topic_form(form, topic, exc)
    flash(_("Your changes are saved."), "success")
    return redirect(topic_url(topic))


@bp.route("/t/<int:topic_id>/reply", methods=["POST"])
@login_required
def reply(topic_id: int) -> Page:
    topic = visible_topic_or_404(topic_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _topic_again(topic, form)
    try:
        with accepted_post("forum.reply"):
            new = posting.reply_to_topic(current_user, topic, form.body.data or "", form.language.data or "")
    except PostingLimitReached as exc:
        return _topic_again(topic, form, exc)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(topic_url(topic))
    _thank(
        new.state, _("Thank you! Your reply waits for a moderator to approve it."), _("Your reply is posted.")
    )
    return redirect(reply_url(new))


@bp.route("/r/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit_reply(reply_id: int) -> Page:
    found = _editable(visible_reply_or_404(reply_id))
    form = ReplyForm()
    if request.method == "GET":
        form.body.data, form.language.data = found.body, found.language
    _keep_language(form, found)
    if form.validate_on_submit():
        try:
            posting.edit_reply(current_user, found, form.body.data or "", form.language.data or None)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Your reply is updated."), "success")
            return redirect(reply_url(found))
    return render_template("forum/edit_reply.html", form=form, reply=found)
