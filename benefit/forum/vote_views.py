"""Vote "I've seen this" on a mistake (form POST or fetch)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.forum import bp
from benefit.forum import votes as mistakes
from benefit.models import Topic
from benefit.permissions import login_required
from benefit.refusals import ServiceError


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _vote_phrase(count: int) -> str:
    return "member has seen this" if count == 1 else "members have seen this"


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


def _refuse(exc: ServiceError) -> Response | tuple[Response, int]:
    if wants_json():
        return jsonify(error=exc.message), exc.status_code
    abort(exc.status_code, exc.message)


@bp.app_template_global()
def vote_refusal(user: Any, topic: Topic) -> str | None:
    return mistakes.vote_refusal(user, topic)


@bp.app_template_global()
def has_voted(user: Any, topic: Topic) -> bool:
    return mistakes.has_voted(user, topic)


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
