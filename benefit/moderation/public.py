"""Public side of moderation: members flag posts; anyone who can see a post reads its history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.forms_util import apply_service_error
from benefit.forum.views import reply_url
from benefit.models import KIND_PLURALS, Reply, Topic
from benefit.moderation import actions as moderation
from benefit.moderation import bp
from benefit.moderation.forms import FlagForm
from benefit.moderation.history import versions
from benefit.permissions import login_required
from benefit.refusals import ServiceError


def _visible_topic(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None or not permissions.can_view_topic(current_user, topic):
        abort(404)
    return topic


def _visible_reply(reply_id: int) -> Reply:
    reply = db.session.get(Reply, reply_id)
    if reply is None or not permissions.can_view_reply(current_user, reply):
        abort(404)
    _visible_topic(reply.topic_id)
    return reply


@bp.route("/t/<int:topic_id>/history")
def topic_history(topic_id: int) -> str:
    topic = _visible_topic(topic_id)
    return render_template("moderation/history.html", topic=topic, reply=None, versions=versions(topic))


@bp.route("/r/<int:reply_id>/history")
def reply_history(reply_id: int) -> str:
    reply = _visible_reply(reply_id)
    return render_template(
        "moderation/history.html", topic=reply.topic, reply=reply, versions=versions(reply.topic, reply)
    )


def _flag(post: Topic | Reply) -> str | Response:
    if not permissions.can_participate(current_user):
        abort(403, "Only confirmed members who are not suspended can flag posts.")
    form = FlagForm()
    if form.validate_on_submit():
        try:
            result = moderation.flag_post(current_user, post, form.reason.data or "", form.note.data or "")
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            message = "Thank you: the moderators will look at it."
            if result.hidden:
                message += " Several members flagged it, so it is hidden until they do."
            flash(message, "success")
            topic = post if isinstance(post, Topic) else post.topic
            if isinstance(post, Reply) and permissions.can_view_topic(current_user, topic):
                return redirect(reply_url(post))
            if permissions.can_view_topic(current_user, topic):
                return redirect(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))
            return redirect(url_for("forum.topic_list", plural=KIND_PLURALS[topic.kind]))
    return render_template("moderation/flag.html", form=form, post=post, kind=moderation.post_kind(post))


@bp.route("/t/<int:topic_id>/flag", methods=["GET", "POST"])
@login_required
def flag_topic(topic_id: int) -> str | Response:
    return _flag(_visible_topic(topic_id))


@bp.route("/r/<int:reply_id>/flag", methods=["GET", "POST"])
@login_required
def flag_reply(reply_id: int) -> str | Response:
    return _flag(_visible_reply(reply_id))
