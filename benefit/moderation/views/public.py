"""Public side of moderation: members flag posts; anyone who can see a post reads its history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.models import KIND_PLURALS, Topic
from benefit.moderation import actions as moderation
from benefit.moderation import bp, queries
from benefit.moderation.actions import Post
from benefit.moderation.forms import FlagForm
from benefit.moderation.history import versions
from benefit.moderation.views.common import attempt, post_url
from benefit.permissions import login_required
from benefit.web import visible_reply_or_404, visible_topic_or_404


@bp.route("/t/<int:topic_id>/history")
def topic_history(topic_id: int) -> str:
    topic = visible_topic_or_404(topic_id)
    return render_template("moderation/history.html", topic=topic, reply=None, versions=versions(topic))


@bp.route("/r/<int:reply_id>/history")
def reply_history(reply_id: int) -> str:
    reply = visible_reply_or_404(reply_id)
    return render_template(
        "moderation/history.html", topic=reply.topic, reply=reply, versions=versions(reply.topic, reply)
    )


def _after_flagging(post: Post) -> str:
    """The post again, if the flag did not just hide it from the flagger; else its topic or list."""
    topic = post if isinstance(post, Topic) else post.topic
    if not permissions.can_view_topic(current_user, topic):
        return url_for("forum.topic_list", plural=KIND_PLURALS[topic.kind])
    if isinstance(post, Topic) or permissions.can_view_reply(current_user, post):
        return post_url(post)
    return post_url(topic)


def _flag(post: Post) -> str | Response:
    if not permissions.can_participate(current_user):
        abort(403, _("Only confirmed members who are not suspended can flag posts."))
    earlier = queries.own_flag(current_user, post)
    form = FlagForm()
    if earlier is None and form.validate_on_submit():
        reason, note = form.reason.data or "", form.note.data or ""
        result = attempt(lambda: moderation.flag_post(current_user, post, reason, note), form)
        if result is not None:
            if result.hidden:
                flash(
                    _(
                        "Thank you: the moderators will look at it. Several members flagged it, "
                        "so it is hidden until they do."
                    ),
                    "success",
                )
            else:
                flash(_("Thank you: the moderators will look at it."), "success")
            return redirect(_after_flagging(post))
    kind = moderation.post_kind(post)
    return render_template("moderation/flag.html", form=form, post=post, kind=kind, earlier=earlier)


@bp.route("/t/<int:topic_id>/flag", methods=["GET", "POST"])
@login_required
def flag_topic(topic_id: int) -> str | Response:
    return _flag(visible_topic_or_404(topic_id))


@bp.route("/r/<int:reply_id>/flag", methods=["GET", "POST"])
@login_required
def flag_reply(reply_id: int) -> str | Response:
    return _flag(visible_reply_or_404(reply_id))
