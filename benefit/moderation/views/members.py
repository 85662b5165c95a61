"""Moderators look members up and suspend them; admins grant and remove the moderator role."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.i18n import format_day
from benefit.models import User, utcnow
from benefit.moderation import actions as moderation
from benefit.moderation import bp, queries
from benefit.moderation.forms import ReasonForm, RoleForm, SuspendForm
from benefit.moderation.views.common import attempt, found_or_404
from benefit.web import page_arg, valid_id


def _member_or_404(user_id: int) -> User:
    return found_or_404(queries.load_user(valid_id(user_id)))


def _back_to_member(user_id: int) -> Response:
    return redirect(url_for("moderation.member", user_id=user_id))


@bp.route("/moderation/members")
def members() -> str:
    q = request.args.get("q", "").strip()[:100]
    only_suspended = request.args.get("suspended") == "1"
    pagination = queries.members(q, only_suspended, page_arg())
    return render_template(
        "moderation/members.html", pagination=pagination, q=q, only_suspended=only_suspended
    )


@bp.route("/moderation/members/<int:user_id>")
def member(user_id: int) -> str:
    found = _member_or_404(user_id)
    suspend_form = SuspendForm()
    suspend_form.until.data = (utcnow() + timedelta(days=7)).date()
    role_form = RoleForm()
    role_form.role.data = found.role if found.role in moderation.GRANTABLE_ROLES else None
    return render_template(
        "moderation/member.html",
        member=found,
        suspend_form=suspend_form,
        role_form=role_form,
        unsuspend_form=ReasonForm(),
        history=queries.member_history(found),
        can_set_role=permissions.can_administer(current_user),
    )


@bp.route("/moderation/members/<int:user_id>/suspend", methods=["POST"])
def suspend(user_id: int) -> Response:
    found = _member_or_404(user_id)
    form = SuspendForm()
    if not form.validate() or form.until.data is None:
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return _back_to_member(user_id)
    until = datetime.combine(form.until.data, time(23, 59, 59), tzinfo=UTC)
    if attempt(lambda: moderation.suspend_member(current_user, found, until, form.reason.data or "")):
        flash(
            _("%(name)s is suspended until %(date)s.", name=found.display_name, date=format_day(until)),
            "success",
        )
    return _back_to_member(user_id)


@bp.route("/moderation/members/<int:user_id>/unsuspend", methods=["POST"])
def unsuspend(user_id: int) -> Response:
    found = _member_or_404(user_id)
    form = ReasonForm()
    form.validate()
    if attempt(lambda: moderation.unsuspend_member(current_user, found, form.reason.data or "")):
        flash(_("%(name)s can take part again.", name=found.display_name), "success")
    return _back_to_member(user_id)


@bp.route("/moderation/members/<int:user_id>/role", methods=["POST"])
def set_role(user_id: int) -> Response:
    if not permissions.can_administer(current_user):
        abort(403, _("Only admins grant or remove the moderator role."))
    found = _member_or_404(user_id)
    form = RoleForm()
    if not form.validate():
        flash(_("Choose member or moderator."), "error")
    elif attempt(lambda: moderation.set_role(current_user, found, form.role.data or "")):
        flash(
            _("%(name)s is now %(role)s.", name=found.display_name, role=moderation.role_phrase(found.role)),
            "success",
        )
    return _back_to_member(user_id)
