"""Directory, member pages, notifications, bookmarks, following: parse, call one action or query,
render or redirect."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.community import actions, bp, queries
from benefit.community.forms import DirectoryForm, NotificationSettingsForm, frequency_fields
from benefit.extensions import csrf
from benefit.forms_util import apply_service_error
from benefit.models import Tag
from benefit.permissions import login_required
from benefit.refusals import ServiceError
from benefit.web import back_to, page_arg, valid_id, visible_topic_or_404

# --- the directory and member pages ------------------------------------------------------------


@bp.route("/members")
def directory() -> str:
    page = page_arg()
    form = DirectoryForm(request.args)
    form.set_platforms(queries.platforms())
    members = queries.find_members(form.filters(), page)
    return render_template("community/directory.html", form=form, members=members)


@bp.route("/u/<username>")
def member(username: str) -> str:
    found = queries.member_page(current_user, username, page_arg())
    if found is None:
        abort(404, _("There is no member with that username."))
    return render_template(
        "community/member.html",
        member=found.member,
        topics=found.topics,
        replies=found.replies,
        votes=found.votes,
    )


# --- notifications -----------------------------------------------------------------------------


@bp.route("/notifications")
@login_required
def notifications() -> str:
    page = queries.notifications_page(current_user, page_arg())
    return render_template("community/notifications.html", page=page)


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Response:
    opened = actions.open_notification(current_user, valid_id(notification_id))
    if opened is None:
        abort(404)
    if opened.topic is None:
        if opened.gone:
            flash(_("That post is no longer available."), "info")
        return redirect(url_for("community.notifications"))
    if opened.reply_id is not None:
        return redirect(url_for("forum.reply_permalink", reply_id=opened.reply_id))
    return redirect(url_for("forum.topic", topic_id=opened.topic.id, slug=opened.topic.slug))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read() -> Response:
    count = actions.mark_all_read(current_user)
    flash(
        ngettext("Marked %(num)d notification as read.", "Marked %(num)d notifications as read.", count),
        "success",
    )
    return redirect(url_for("community.notifications"))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def notification_settings() -> str | Response:
    saved = queries.email_frequencies(current_user.id) if request.method == "GET" else None
    form = NotificationSettingsForm(data=saved)
    if form.validate_on_submit():
        try:
            actions.update_notification_settings(current_user, form.frequencies())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("community.notification_settings"))
    return render_template(
        "community/notification_settings.html",
        form=form,
        fields=frequency_fields(form),
        tags=queries.followed_tags(current_user),
    )


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # RFC 8058 one-click: the mail client POSTs without our form; the signed token is the proof.
def unsubscribe(token: str) -> str | tuple[str, int]:
    asked = queries.unsubscribe_request(token)
    if asked is None:
        return render_template("community/unsubscribe.html", asked=None), 404
    # A GET only asks: mail scanners open links, and must not unsubscribe anyone.
    done = request.method == "POST"
    if done:
        actions.stop_emails(asked.user_id, asked.kinds)
    return render_template("community/unsubscribe.html", asked=asked, done=done, token=token)


# --- bookmarks and following -------------------------------------------------------------------


@bp.route("/bookmarks")
@login_required
def bookmarks() -> str:
    page = queries.bookmarks_page(current_user, page_arg())
    return render_template("community/bookmarks.html", page=page)


@bp.route("/t/<int:topic_id>/follow", methods=["POST"])
@login_required
def follow_topic(topic_id: int) -> Response:
    topic = visible_topic_or_404(topic_id)
    actions.follow_topic(current_user, topic)
    flash(_("You follow this topic: replies will show in your notifications."), "success")
    return back_to(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))


@bp.route("/t/<int:topic_id>/unfollow", methods=["POST"])
@login_required
def unfollow_topic(topic_id: int) -> Response:
    topic = visible_topic_or_404(topic_id)
    actions.unfollow_topic(current_user, topic)
    flash(_("You no longer follow this topic."), "success")
    return back_to(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))


@bp.route("/t/<int:topic_id>/bookmark", methods=["POST"])
@login_required
def bookmark(topic_id: int) -> Response:
    topic = visible_topic_or_404(topic_id)
    actions.bookmark_topic(current_user, topic)
    flash(_("Bookmarked. Find it under Bookmarks."), "success")
    return back_to(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))


@bp.route("/t/<int:topic_id>/unbookmark", methods=["POST"])
@login_required
def unbookmark(topic_id: int) -> Response:
    topic = visible_topic_or_404(topic_id)
    actions.remove_bookmark(current_user, topic)
    flash(_("Bookmark removed."), "success")
    return back_to(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))


def _tag_or_404(slug: str) -> Tag:
    tag = queries.tag_to_follow(slug)
    if tag is None:
        abort(404)
    return tag


@bp.route("/tags/<slug>/follow", methods=["POST"])
@login_required
def follow_tag(slug: str) -> Response:
    tag = _tag_or_404(slug)
    actions.follow_tag(current_user, tag)
    flash(_("You follow %(tag)s.", tag=tag.name), "success")
    return back_to(url_for("forum.tag", slug=tag.slug))


@bp.route("/tags/<slug>/unfollow", methods=["POST"])
@login_required
def unfollow_tag(slug: str) -> Response:
    tag = _tag_or_404(slug)
    actions.unfollow_tag(current_user, tag)
    flash(_("You no longer follow %(tag)s.", tag=tag.name), "success")
    return back_to(url_for("forum.tag", slug=tag.slug))
