"""Directory, member pages, notifications, bookmarks, following: parse, call one action or query,
render or redirect."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.community import actions, bp, queries
from benefit.community.forms import DirectoryForm, NotificationSettingsForm, frequency_fields
from benefit.extensions import csrf
from benefit.forms_util import apply_service_error
from benefit.models import Tag, Topic, User
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


# Following and bookmarking a topic, following a tag: one shape each, registered from a table
# (endpoint: address, action, what the member is told), so the four and the two cannot drift apart.
TOPIC_SWITCHES: dict[str, tuple[str, Callable[[User, Topic], object], LazyString]] = {
    "follow_topic": (
        "follow",
        actions.follow_topic,
        _l("You follow this topic: replies will show in your notifications."),
    ),
    "unfollow_topic": ("unfollow", actions.unfollow_topic, _l("You no longer follow this topic.")),
    "bookmark": ("bookmark", actions.bookmark_topic, _l("Bookmarked. Find it under Bookmarks.")),
    "unbookmark": ("unbookmark", actions.remove_bookmark, _l("Bookmark removed.")),
}
TAG_SWITCHES: dict[str, tuple[str, Callable[[User, Tag], object], LazyString]] = {
    "follow_tag": ("follow", actions.follow_tag, _l("You follow %(tag)s.")),
    "unfollow_tag": ("unfollow", actions.unfollow_tag, _l("You no longer follow %(tag)s.")),
}


def _topic_switch(act: Callable[[User, Topic], object], message: LazyString) -> Callable[[int], Response]:
    @login_required
    def view(topic_id: int) -> Response:
        topic = visible_topic_or_404(topic_id)
        act(current_user, topic)
        flash(str(message), "success")
        return back_to(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))

    return view


def _tag_switch(act: Callable[[User, Tag], object], message: LazyString) -> Callable[[str], Response]:
    @login_required
    def view(slug: str) -> Response:
        tag = queries.tag_to_follow(slug)
        if tag is None:
            abort(404)
        act(current_user, tag)
        flash(str(message) % {"tag": tag.name}, "success")
        return back_to(url_for("forum.tag", slug=tag.slug))

    return view


for _endpoint, (_path, _act, _message) in TOPIC_SWITCHES.items():
    bp.add_url_rule(f"/t/<int:topic_id>/{_path}", _endpoint, _topic_switch(_act, _message), methods=["POST"])
for _endpoint, (_path, _tag_act, _message) in TAG_SWITCHES.items():
    bp.add_url_rule(f"/tags/<slug>/{_path}", _endpoint, _tag_switch(_tag_act, _message), methods=["POST"])
