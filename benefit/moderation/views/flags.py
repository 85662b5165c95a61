"""Moderators review flags: the open ones grouped by post, the history, and their decision."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
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
    """E.g. "2 flags resolved; the reply is hidden." (one sentence per outcome, for the translator)."""
    if kind == "topic":
        if agree:
            return str(
                ngettext(
                    "%(num)d flag resolved; the topic is hidden.",
                    "%(num)d flags resolved; the topic is hidden.",
                    count,
                )
            )
        if state != "published":
            return str(
                ngettext(
                    "%(num)d flag resolved; the topic is left as it was.",
                    "%(num)d flags resolved; the topic is left as it was.",
                    count,
                )
            )
        return str(
            ngettext(
                "%(num)d flag resolved; the topic is visible.",
                "%(num)d flags resolved; the topic is visible.",
                count,
            )
        )
    if agree:
        return str(
            ngettext(
                "%(num)d flag resolved; the reply is hidden.",
                "%(num)d flags resolved; the reply is hidden.",
                count,
            )
        )
    if state != "published":
        return str(
            ngettext(
                "%(num)d flag resolved; the reply is left as it was.",
                "%(num)d flags resolved; the reply is left as it was.",
                count,
            )
        )
    return str(
        ngettext(
            "%(num)d flag resolved; the reply is visible.",
            "%(num)d flags resolved; the reply is visible.",
            count,
        )
    )


@bp.route("/moderation/flags/<any(topic, reply):kind>/<int:post_id>/resolve", methods=["POST"])
def resolve_flags(kind: str, post_id: int) -> Response:
    post = post_or_404(kind, post_id)
    form = ResolveFlagsForm()
    if not form.validate():
        flash(_("Choose whether you agree with the flags."), "error")
        return back_to(url_for("moderation.flags"))
    agree = form.decision.data == "agree"
    count = attempt(lambda: moderation.resolve_flags(current_user, post, agree, form.reason.data or ""))
    if count is not None:
        flash(_resolved(count, kind, agree, post.state), "success")
    return back_to(url_for("moderation.flags"))
