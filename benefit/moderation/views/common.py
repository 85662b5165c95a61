"""What every moderation view shares: the moderators-only guard, lookups that 404, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import login_manager
from benefit.forms_util import apply_service_error
from benefit.models import Topic
from benefit.moderation import bp, queries
from benefit.moderation.actions import Post
from benefit.refusals import ServiceError
from benefit.web import valid_id

T = TypeVar("T")


@bp.before_request
def moderators_only() -> Response | None:
    """Every page under /moderation: visitors log in first; members, and moderators while they are
    suspended, are refused. The blueprint's public routes check their own permissions."""
    if request.url_rule is None or not request.url_rule.rule.startswith("/moderation"):
        return None
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    refusal = permissions.moderation_refusal(current_user)
    if refusal is not None:
        abort(403, refusal)
    return None


def attempt(run: Callable[[], T], form: FlaskForm | None = None) -> T | None:
    """The action's result; None when it refused (it has rolled back), after saying why: on the
    form's field when there is a form, else in a flash message."""
    try:
        return run()
    except ServiceError as exc:
        if form is None:
            flash(exc.message, "error")
        else:
            apply_service_error(form, exc)
        return None


def found_or_404(row: T | None) -> T:
    if row is None:
        abort(404)
    return row


def post_or_404(kind: str, post_id: int) -> Post:
    post = queries.load_post(kind, valid_id(post_id))
    if post is None:
        abort(404)
    return post


def topic_or_404(topic_id: int) -> Topic:
    return found_or_404(queries.load_topic(valid_id(topic_id)))


def post_url(post: Post) -> str:
    if isinstance(post, Topic):
        return url_for("forum.topic", topic_id=post.id, slug=post.slug)
    return url_for("forum.reply_permalink", reply_id=post.id)
