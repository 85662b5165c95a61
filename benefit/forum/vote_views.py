"""Vote "I've seen this" on a mistake (form POST or fetch)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.forum import bp
from benefit.forum import votes as mistakes
from benefit.forum.jinja import vote_phrase, vote_sentence
from benefit.permissions import login_required
from benefit.refusals import ServiceError
from benefit.web import valid_id


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _refuse(exc: ServiceError) -> Response | tuple[Response, int]:
    if wants_json():
        return jsonify(error=exc.message), exc.status_code
    abort(exc.status_code, exc.message)


def _answer(result: mistakes.VoteResult, topic_id: int) -> Response:
    if result.voted:
        message = _("Thank you: your “I've seen this” is counted.")
    else:
        message = _("Your “I've seen this” is taken back.")
    label = vote_phrase(result.count)
    if wants_json():
        spoken = f"{message} {vote_sentence(result.count)}"
        return jsonify(voted=result.voted, count=result.count, label=label, message=spoken)
    flash(message, "success")
    return redirect(url_for("forum.topic", topic_id=topic_id, slug=result.slug, _anchor="vote"))


# Rate limited by benefit.security (VOTE_RATE_LIMIT, per member).
@bp.route("/t/<int:topic_id>/vote", methods=["POST"])
@login_required
def vote(topic_id: int) -> Response | tuple[Response, int]:
    try:
        result = mistakes.toggle_vote(current_user, valid_id(topic_id))
    except ServiceError as exc:
        return _refuse(exc)
    return _answer(result, topic_id)
