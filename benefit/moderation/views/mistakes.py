"""Moderators tend the mistakes catalogue: merge a duplicate into the original, mark outdated."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.models import Topic
from benefit.moderation import actions as moderation
from benefit.moderation import bp, queries
from benefit.moderation.forms import MergeForm
from benefit.moderation.views.common import attempt, topic_or_404
from benefit.permissions import login_required

OUTDATED = _l("Marked outdated: it stays visible and ranks last.")
CURRENT = _l("No longer marked outdated.")


def _topic_url(topic: Topic) -> str:
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug)


def _moderated_mistake(topic_id: int) -> Topic:
    refusal = permissions.moderation_refusal(current_user)
    if refusal is not None:
        abort(403, refusal)
    topic = topic_or_404(topic_id)
    if topic.kind != "mistake":
        abort(404, _("That mistake does not exist."))
    if topic.merged_into_id is not None:
        abort(404, _("That mistake was already merged into #%(id)s.", id=topic.merged_into_id))
    return topic


def _merged(result: moderation.MergeResult) -> str:
    # One message with the three numbers; the Polish reads "label: number", so needs no plurals.
    return str(
        _(
            "Merged: %(votes)d vote(s) and %(replies)d repl(ies) moved; "
            "%(dropped)d duplicate vote(s) dropped.",
            votes=result.votes_moved,
            replies=result.replies_moved,
            dropped=result.votes_dropped,
        )
    )


@bp.route("/t/<int:topic_id>/merge", methods=["GET", "POST"])
@login_required
def merge_mistake(topic_id: int) -> str | Response:
    source = _moderated_mistake(topic_id)
    form = MergeForm()
    if form.validate_on_submit():
        target_id, reason = form.target_id, form.reason.data or ""
        result = attempt(lambda: moderation.merge_mistakes(current_user, source, target_id, reason), form)
        if result is not None:
            flash(_merged(result), "success")
            return redirect(_topic_url(result.target))
    candidates = queries.merge_candidates(source)
    return render_template("moderation/merge_mistake.html", form=form, topic=source, candidates=candidates)


@bp.route("/t/<int:topic_id>/outdated", methods=["POST"])
@login_required
def mark_outdated(topic_id: int) -> Response:
    topic = _moderated_mistake(topic_id)
    value = request.form.get("outdated", "")
    if value not in ("0", "1"):
        abort(400, _("Say whether the mistake is outdated."))
    reason = request.form.get("reason", "")[:500]
    if attempt(lambda: moderation.mark_outdated(current_user, topic, value == "1", reason)):
        flash(OUTDATED if value == "1" else CURRENT, "success")
    return redirect(_topic_url(topic))
