"""Moderators act on posts: approve or reject what waits for review, hide, restore, switch, move."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.moderation import actions as moderation
from benefit.moderation import bp, queries
from benefit.moderation.forms import MoveForm, ReasonForm
from benefit.moderation.views.common import attempt, post_or_404, post_url, topic_or_404
from benefit.web import back_to

POST_RULE = "/moderation/<any(topic, reply):kind>/<int:post_id>"
# "Moved to …": the list the topic is in now.
MOVED: dict[str, LazyString] = {
    "practice": _l("Moved to good practices."),
    "discussion": _l("Moved to discussions."),
    "mistake": _l("Moved to mistakes."),
}
SWITCH_RULE = "/moderation/topic/<int:topic_id>/<any(pin, unpin, feature, unfeature, lock, unlock):action>"


def _reason_too_long() -> str:
    return str(_("The reason is too long."))


@bp.route("/moderation/queue")
def queue() -> str:
    return render_template("moderation/queue.html", queue=queries.review_queue())


@bp.route(f"{POST_RULE}/approve", methods=["POST"])
def approve(kind: str, post_id: int) -> Response:
    post = post_or_404(kind, post_id)
    if attempt(lambda: moderation.approve_post(current_user, post)):
        flash(
            _("Approved: the topic is published.")
            if kind == "topic"
            else _("Approved: the reply is published."),
            "success",
        )
    return back_to(url_for("moderation.queue"))


@bp.route(f"{POST_RULE}/reject", methods=["POST"])
def reject(kind: str, post_id: int) -> Response:
    post = post_or_404(kind, post_id)
    form = ReasonForm()
    if not form.validate():
        flash(_reason_too_long(), "error")
    elif attempt(lambda: moderation.reject_post(current_user, post, form.reason.data or "")):
        flash(
            _("Rejected: the author sees your reason on the topic.")
            if kind == "topic"
            else _("Rejected: the author sees your reason on the reply."),
            "success",
        )
    return back_to(url_for("moderation.queue"))


@bp.route(f"{POST_RULE}/hide", methods=["POST"])
def hide(kind: str, post_id: int) -> Response:
    post = post_or_404(kind, post_id)
    form = ReasonForm()
    if not form.validate():
        flash(_reason_too_long(), "error")
        return redirect(post_url(post))
    if attempt(lambda: moderation.hide_post(current_user, post, form.reason.data or "")):
        flash(
            _("The topic is hidden. Nothing is deleted: you can restore it.")
            if kind == "topic"
            else _("The reply is hidden. Nothing is deleted: you can restore it."),
            "success",
        )
    return back_to(post_url(post))


@bp.route(f"{POST_RULE}/restore", methods=["POST"])
def restore(kind: str, post_id: int) -> Response:
    post = post_or_404(kind, post_id)
    form = ReasonForm()
    form.validate()
    if attempt(lambda: moderation.restore_post(current_user, post, form.reason.data or "")):
        flash(
            _("The topic is visible again.") if kind == "topic" else _("The reply is visible again."),
            "success",
        )
    return back_to(post_url(post))


@bp.route(SWITCH_RULE, methods=["POST"])
def switch(topic_id: int, action: str) -> Response:
    topic = topic_or_404(topic_id)
    if attempt(lambda: moderation.switch_topic(current_user, topic, action)):
        flash(_("Done: the topic is %(state)s.", state=moderation.SWITCH_WORDS[action]), "success")
    return back_to(post_url(topic))


@bp.route("/moderation/topic/<int:topic_id>/move", methods=["GET", "POST"])
def move(topic_id: int) -> str | Response:
    topic = topic_or_404(topic_id)
    form = MoveForm()
    if request.method == "GET":
        form.kind.data = topic.kind
        form.category.data = topic.category or ""
    if form.validate_on_submit():
        kind, category, reason = form.kind.data or "", form.category.data or None, form.reason.data or ""
        if attempt(lambda: moderation.move_topic(current_user, topic, kind, category, reason), form):
            flash(MOVED[topic.kind], "success")
            return redirect(post_url(topic))
    return render_template("moderation/move.html", form=form, topic=topic)
