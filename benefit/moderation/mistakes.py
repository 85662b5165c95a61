"""Moderators' actions on mistakes: merge a duplicate, mark outdated."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.forms_util import apply_service_error
from benefit.forum import votes as mistakes
from benefit.models import Topic
from benefit.moderation import bp
from benefit.moderation.forms import MergeForm
from benefit.permissions import login_required
from benefit.refusals import ServiceError


def _topic_url(topic: Topic, anchor: str | None = None) -> str:
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug, _anchor=anchor)


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
def merge_mistake(topic_id: int) -> str | Response:
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
    return render_template("moderation/merge.html", form=form, topic=source, candidates=candidates)


@bp.route("/t/<int:topic_id>/outdated", methods=["POST"])
@login_required
def mark_outdated(topic_id: int) -> Response:
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
