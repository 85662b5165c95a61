"""Vote "I've seen this" (form POST or fetch), and the moderators' merge and outdated actions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.forms_util import apply_service_error
from benefit.mistakes import bp
from benefit.mistakes.forms import MergeForm
from benefit.models import Topic
from benefit.permissions import login_required
from benefit.services import mistakes
from benefit.services.errors import ServiceError


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _vote_phrase(count: int) -> str:
    return "member has seen this" if count == 1 else "members have seen this"


@bp.app_template_global()
def vote_refusal(user: Any, topic: Topic) -> str | None:
    return mistakes.vote_refusal(user, topic)


@bp.app_template_global()
def has_voted(user: Any, topic: Topic) -> bool:
    return mistakes.has_voted(user, topic)


@bp.app_template_global()
def vote_phrase(count: int) -> str:
    return _vote_phrase(count)


@bp.app_template_global()
def avoiding_practices(topic: Topic) -> list[Topic] | None:
    """The visible practices that avoid a mistake, when the list preloaded them (else None).

    Lists preload `avoided_by` in one statement; a template never triggers a query per topic.
    """
    if "avoided_by" in sa.inspect(topic).unloaded:
        return None
    return [p for p in topic.avoided_by if permissions.can_view_topic(current_user, p)]


def _topic_url(topic: Topic, anchor: str | None = None) -> str:
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug, _anchor=anchor)


def _refuse(exc: ServiceError) -> Response | tuple[Response, int]:
    if wants_json():
        return jsonify(error=exc.message), exc.status_code
    abort(exc.status_code, exc.message)


# Rate limited by benefit.security (VOTE_RATE_LIMIT, per member).
@bp.route("/t/<int:topic_id>/vote", methods=["POST"])
@login_required
def vote(topic_id: int) -> Response | tuple[Response, int]:
    try:
        result = mistakes.toggle_vote(current_user, topic_id)
    except ServiceError as exc:
        db.session.rollback()
        return _refuse(exc)
    if result.voted:
        message = "Thank you: your “I've seen this” is counted."
    else:
        message = "Your “I've seen this” is taken back."
    if wants_json():
        return jsonify(
            voted=result.voted,
            count=result.count,
            label=_vote_phrase(result.count),
            message=f"{message} {result.count} {_vote_phrase(result.count)}.",
        )
    flash(message, "success")
    return redirect(url_for("forum.topic", topic_id=topic_id, slug=result.slug, _anchor="vote"))


def _moderated_mistake(topic_id: int) -> Topic:
    if not permissions.is_moderator(current_user):
        abort(403, "Only moderators can merge mistakes or mark them outdated.")
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.kind != "mistake":
        abort(404, "That mistake does not exist.")
    if topic.merged_into_id is not None:
        abort(404, f"That mistake was already merged into #{topic.merged_into_id}.")
    return topic


@bp.route("/t/<int:topic_id>/merge", methods=["GET", "POST"])
@login_required
def merge(topic_id: int) -> str | Response:
    source = _moderated_mistake(topic_id)
    form = MergeForm()
    if form.validate_on_submit():
        target = db.session.get(Topic, form.target_id)
        try:
            if target is None:
                raise ServiceError("There is no mistake with that number.", field="target")
            result = mistakes.merge_mistakes(current_user, source, target, form.reason.data or "")
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash(
                f"Merged: {result.votes_moved} vote(s) and {result.replies_moved} repl(ies) moved; "
                f"{result.votes_dropped} duplicate vote(s) dropped.",
                "success",
            )
            return redirect(_topic_url(result.target))
    candidates = list(
        db.session.scalars(
            sa.select(Topic)
            .where(
                Topic.kind == "mistake",
                Topic.id != source.id,
                Topic.category == source.category,
                Topic.state == "published",
                Topic.merged_into_id.is_(None),
            )
            .order_by(Topic.vote_count.desc(), Topic.id.desc())
            .limit(15)
        )
    )
    return render_template("mistakes/merge.html", form=form, topic=source, candidates=candidates)


@bp.route("/t/<int:topic_id>/outdated", methods=["POST"])
@login_required
def outdated(topic_id: int) -> Response:
    topic = _moderated_mistake(topic_id)
    value = request.form.get("outdated", "")
    if value not in ("0", "1"):
        abort(400, "Say whether the mistake is outdated.")
    try:
        mistakes.mark_outdated(current_user, topic, value == "1", request.form.get("reason", "")[:500])
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status_code, exc.message)
    if topic.is_outdated:
        flash("Marked outdated: it stays visible and ranks last.", "success")
    else:
        flash("No longer marked outdated.", "success")
    return redirect(_topic_url(topic))
