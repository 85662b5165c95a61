"""Moderators review flags: the open ones grouped by post, the history, and their decision."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.moderation import actions as moderation
from benefit.moderation import bp, queries
from benefit.moderation.forms import ResolveFlagsForm
from benefit.moderation.views.common import attempt, post_or_404
from benefit.web import back_to, id_arg, page_arg


@bp.route("/moderation/flags")
def flags() -> str:
    return render_template("moderation/flags.html", items=queries.open_flags(), form=ResolveFlagsForm())


@bp.route("/moderation/flags/history")
def flag_history() -> str:
    target_id = id_arg("target_id")
    target_kind = request.args.get("target_kind", "")
    target = (target_kind, target_id) if target_kind in ("topic", "reply") and target_id else None
    return render_template(
        "moderation/flag_history.html",
        history=queries.flag_history(target, page_arg()),
        target_kind=target[0] if target else "",
        target_id=target[1] if target else "",
    )


def _resolved(count: int, kind: str, agree: bool, state: str) -> str:
    done = "hidden" if agree else "left as it was" if state != "published" else "visible"
    return f"{count} flag{'s' if count != 1 else ''} resolved; the {kind} is {done}."


@bp.route("/moderation/flags/<any(topic, reply):kind>/<int:post_id>/resolve", methods=["POST"])
def resolve_flags(kind: str, post_id: int) -> Response:
    post = post_or_404(kind, post_id)
    form = ResolveFlagsForm()
    if not form.validate():
        flash("Choose whether you agree with the flags.", "error")
        return back_to(url_for("moderation.flags"))
    agree = form.decision.data == "agree"
    count = attempt(lambda: moderation.resolve_flags(current_user, post, agree, form.reason.data or ""))
    if count is not None:
        flash(_resolved(count, kind, agree, post.state), "success")
    return back_to(url_for("moderation.flags"))
