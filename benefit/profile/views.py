"""Member pages and own settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.forms_util import apply_service_error
from benefit.forum.queries import TopicFilter, all_tags, paginate_topics
from benefit.forum.views import page_arg
from benefit.models import Reply, Topic, User
from benefit.permissions import login_required
from benefit.profile import bp
from benefit.profile.forms import ProfileForm
from benefit.services import accounts
from benefit.services.errors import ServiceError
from benefit.services.tags import split_tag_input


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
    return render_template("profile/member.html", member=user, topics=topics, replies=replies)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.platforms.data = ", ".join(t.slug for t in current_user.platforms)
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                display_name=form.display_name.data or "",
                institution=form.institution.data or "",
                library_type=form.library_type.data or "",
                country=form.country.data or "",
                job_role=form.job_role.data or "",
                bio=form.bio.data or "",
                platforms=split_tag_input(form.platforms.data or ""),
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("profile.settings"))
    return render_template("profile/settings.html", form=form, tags=all_tags())
