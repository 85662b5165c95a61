"""Directory, notifications, bookmarks, following: parse, call one service, render or redirect."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.accounts.views import safe_next
from benefit.community import actions as social
from benefit.community import bp
from benefit.community.forms import DirectoryForm, NotificationSettingsForm, frequency_fields
from benefit.community.notifications import read_unsubscribe_token
from benefit.extensions import csrf, db
from benefit.forms_util import apply_service_error
from benefit.forum.queries import TopicFilter, paginate_topics
from benefit.forum.tags import find_tag
from benefit.models import (
    NOTIFICATION_KINDS,
    Bookmark,
    Notification,
    Reply,
    Tag,
    Topic,
    User,
    Vote,
    user_platform,
)
from benefit.permissions import login_required
from benefit.refusals import ServiceError
from benefit.web import page_arg


def _page() -> int:
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404)
    return int(page)


# --- for every page and the partials other blueprints include ----------------------------------


class UnreadCount:
    """The header's unread count: one indexed COUNT, run only if the page shows it."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = social.unread_count(self.user)
        return self._value

    def __bool__(self) -> bool:
        return self.value > 0

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)


@bp.app_context_processor
def unread_notifications() -> dict[str, Any]:
    if isinstance(current_user, User) and current_user.is_authenticated:
        return {"unread_notifications": UnreadCount(current_user)}
    return {"unread_notifications": 0}


@bp.app_template_global()
def social_topic_state(topic: Topic) -> tuple[bool, bool]:
    """(following, bookmarked) for the current member, for social/_topic_actions.html."""
    if not isinstance(current_user, User) or not current_user.is_authenticated:
        return False, False
    return social.topic_state(current_user, topic)


@bp.app_template_global()
def social_follows_tag(tag: Tag) -> bool:
    if not isinstance(current_user, User) or not current_user.is_authenticated:
        return False
    return social.follows_tag(current_user, tag)


@bp.app_template_global()
def social_member_votes(member: User, limit: int = 20) -> list[Topic]:
    """Mistakes the member said "I've seen this" to, that the viewer may see (one statement)."""
    return list(
        db.session.scalars(
            sa.select(Topic)
            .join(Vote, Vote.topic_id == Topic.id)
            .where(
                Vote.user_id == member.id, Topic.kind == "mistake", permissions.topic_visibility(current_user)
            )
            .order_by(Vote.created_at.desc(), Vote.id.desc())
            .limit(limit)
        )
    )


# --- directory ---------------------------------------------------------------------------------


@bp.route("/members")
def directory() -> str:
    form = DirectoryForm(request.args)
    platforms = list(db.session.scalars(sa.select(Tag).where(Tag.kind == "platform").order_by(Tag.name)))
    form.set_platforms(platforms)
    stmt = sa.select(User).where(User.deleted_at.is_(None), User.email_confirmed_at.is_not(None))
    if form.validate():
        if q := (form.q.data or "").strip():
            stmt = stmt.where(
                sa.or_(
                    User.display_name.icontains(q, autoescape=True),
                    User.username.icontains(q.lstrip("@"), autoescape=True),
                )
            )
        if institution := (form.institution.data or "").strip():
            stmt = stmt.where(User.institution.icontains(institution, autoescape=True))
        if form.library_type.data:
            stmt = stmt.where(User.library_type == form.library_type.data)
        if country := (form.country.data or "").strip():
            stmt = stmt.where(User.country == country.upper())
        if role := (form.role.data or "").strip():
            stmt = stmt.where(User.job_role.icontains(role, autoescape=True))
        if form.platform.data:
            tag = next((t for t in platforms if t.slug == form.platform.data), None)
            if tag is not None:
                stmt = stmt.where(
                    sa.exists().where(user_platform.c.user_id == User.id, user_platform.c.tag_id == tag.id)
                )
    else:
        stmt = stmt.where(sa.false())
    stmt = stmt.order_by(User.display_name, User.id).options(selectinload(User.platforms))
    members = db.paginate(stmt, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("community/directory.html", form=form, members=members)


# --- notifications -----------------------------------------------------------------------------


@bp.route("/notifications")
@login_required
def notifications() -> str:
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
        .options(selectinload(Notification.actor))
    )
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("community/notifications.html", page=page, kinds=NOTIFICATION_KINDS)


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Response:
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != current_user.id:
        abort(404)
    social.open_notification(current_user, found)
    topic = db.session.get(Topic, found.topic_id) if found.topic_id is not None else None
    if topic is None or not permissions.can_view_topic(current_user, topic):
        if topic is not None:
            flash("That post is no longer available.", "info")
        return redirect(url_for("community.notifications"))
    if found.reply_id is not None:
        return redirect(url_for("forum.reply_permalink", reply_id=found.reply_id))
    return redirect(url_for("forum.topic", topic_id=topic.id, slug=topic.slug))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read() -> Response:
    count = social.mark_all_read(current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for("community.notifications"))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def notification_settings() -> str | Response:
    form = NotificationSettingsForm()
    if request.method == "GET":
        for kind, frequency in social.email_frequencies(current_user.id).items():
            form[kind].data = frequency
    if form.validate_on_submit():
        try:
            social.update_notification_settings(current_user, {k: form[k].data for k in NOTIFICATION_KINDS})
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash("Your notification settings are saved.", "success")
            return redirect(url_for("community.notification_settings"))
    return render_template(
        "community/settings.html",
        form=form,
        fields=frequency_fields(form),
        tags=social.followed_tags(current_user),
    )


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # RFC 8058 one-click: the mail client POSTs without our form; the signed token is the proof.
def unsubscribe(token: str) -> str | tuple[str, int]:
    parsed = read_unsubscribe_token(token)
    user = db.session.get(User, parsed[0]) if parsed else None
    if parsed is None or user is None or user.is_deleted:
        return render_template(
            "community/unsubscribe.html", valid=False, done=False, kinds=[], labels={}
        ), 404
    kinds = [k for k in parsed[1] if k in NOTIFICATION_KINDS]
    if request.method == "POST":
        # A GET only asks: mail scanners open links, and must not unsubscribe anyone.
        social.stop_emails(user.id, kinds)
        return render_template(
            "community/unsubscribe.html", valid=True, done=True, kinds=kinds, labels=NOTIFICATION_KINDS
        )
    return render_template(
        "community/unsubscribe.html",
        valid=True,
        done=False,
        kinds=kinds,
        labels=NOTIFICATION_KINDS,
        token=token,
    )


# --- bookmarks and following -------------------------------------------------------------------


@bp.route("/bookmarks")
@login_required
def bookmarks() -> str:
    stmt = (
        sa.select(Topic)
        .join(Bookmark, Bookmark.topic_id == Topic.id)
        .where(Bookmark.user_id == current_user.id, permissions.topic_visibility(current_user))
        .order_by(Bookmark.created_at.desc(), Topic.id.desc())
        .options(selectinload(Topic.tags))
    )
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("community/bookmarks.html", page=page)


def _visible_topic(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None or not permissions.can_view_topic(current_user, topic):
        abort(404)
    return topic


def _back(topic: Topic) -> Response:
    default = url_for("forum.topic", topic_id=topic.id, slug=topic.slug)
    target = request.form.get("next")
    return redirect(safe_next(target) if target else default)


@bp.route("/t/<int:topic_id>/follow", methods=["POST"])
@login_required
def follow_topic(topic_id: int) -> Response:
    topic = _visible_topic(topic_id)
    social.follow_topic(current_user, topic)
    flash("You follow this topic: replies will show in your notifications.", "success")
    return _back(topic)


@bp.route("/t/<int:topic_id>/unfollow", methods=["POST"])
@login_required
def unfollow_topic(topic_id: int) -> Response:
    topic = _visible_topic(topic_id)
    social.unfollow_topic(current_user, topic)
    flash("You no longer follow this topic.", "success")
    return _back(topic)


@bp.route("/t/<int:topic_id>/bookmark", methods=["POST"])
@login_required
def bookmark(topic_id: int) -> Response:
    topic = _visible_topic(topic_id)
    social.bookmark_topic(current_user, topic)
    flash("Bookmarked. Find it under Bookmarks.", "success")
    return _back(topic)


@bp.route("/t/<int:topic_id>/unbookmark", methods=["POST"])
@login_required
def unbookmark(topic_id: int) -> Response:
    topic = _visible_topic(topic_id)
    social.remove_bookmark(current_user, topic)
    flash("Bookmark removed.", "success")
    return _back(topic)


def _tag(slug: str) -> Tag:
    tag, _ = find_tag(slug)
    if tag is None:
        abort(404)
    return tag


def _back_to_tag(tag: Tag) -> Response:
    target = request.form.get("next")
    return redirect(safe_next(target) if target else url_for("forum.tag", slug=tag.slug))


@bp.route("/tags/<slug>/follow", methods=["POST"])
@login_required
def follow_tag(slug: str) -> Response:
    tag = _tag(slug)
    social.follow_tag(current_user, tag)
    flash(f"You follow {tag.name}.", "success")
    return _back_to_tag(tag)


@bp.route("/tags/<slug>/unfollow", methods=["POST"])
@login_required
def unfollow_tag(slug: str) -> Response:
    tag = _tag(slug)
    social.unfollow_tag(current_user, tag)
    flash(f"You no longer follow {tag.name}.", "success")
    return _back_to_tag(tag)


@bp.route("/u/<username>")
def member(username: str) -> str:
    user = db.session.scalar(
        sa.select(User)
        .where(User.username == username.lower(), User.deleted_at.is_(None))
        .options(selectinload(User.platforms))
    )
    if user is None:
        abort(404, "There is no member with that username.")
    # Anonymous reports are not listed under the reporter's name.
    own_or_mod = permissions.is_moderator(current_user) or current_user == user
    f = TopicFilter(author_id=user.id, sort="newest", include_anonymous=own_or_mod)
    topics = paginate_topics(current_user, f, page_arg(), current_app.config["PER_PAGE"])
    replies = list(
        db.session.scalars(
            sa.select(Reply)
            .join(Topic, Topic.id == Reply.topic_id)
            .where(
                Reply.author_id == user.id,
                permissions.reply_visibility(current_user),
                permissions.topic_visibility(current_user),
            )
            .options(selectinload(Reply.topic))
            .order_by(Reply.id.desc())
            .limit(10)
        )
    )
    return render_template("community/member.html", member=user, topics=topics, replies=replies)
