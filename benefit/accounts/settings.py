"""The settings area's views: profile, security, your data (GDPR export and deletion)."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from benefit.accounts import actions as accounts
from benefit.accounts import bp, queries
from benefit.accounts.forms import ChangePasswordForm, ConfirmForm, DeleteAccountForm, ProfileForm
from benefit.forms_util import apply_service_error
from benefit.forum.queries import all_tags
from benefit.forum.tags import split_tag_input
from benefit.i18n import current_locale
from benefit.models import User
from benefit.permissions import login_required
from benefit.refusals import ServiceError


def _stay_logged_in() -> None:
    """The session token just changed: give this browser a cookie with the new one."""
    # The object behind the proxy: Flask-Login keeps what it is given as the current user.
    user: User = current_user._get_current_object()
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)


def _security_page(password_form: ChangePasswordForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "accounts/security.html",
        password_form=password_form or ChangePasswordForm(),
        sessions_form=ConfirmForm(),
    ), status


def _data_page(delete_form: DeleteAccountForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "accounts/data.html",
        export_form=ConfirmForm(),
        delete_form=delete_form or DeleteAccountForm(),
    ), status


def _profile(form: ProfileForm) -> accounts.Profile:
    return accounts.Profile(
        display_name=form.display_name.data or "",
        institution=form.institution.data or "",
        library_type=form.library_type.data or "",
        country=form.country.data or "",
        job_role=form.job_role.data or "",
        bio=form.bio.data or "",
        platforms=split_tag_input(form.platforms.data or ""),
        locale=form.locale.data or "",
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.platforms.data = ", ".join(t.slug for t in current_user.platforms)
        form.locale.data = current_user.locale or current_locale()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, _profile(form))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form, tags=all_tags())


@bp.route("/settings/security")
@login_required
def security() -> tuple[str, int]:
    return _security_page()


@bp.route("/settings/security/password", methods=["POST"])
@login_required
def change_password() -> tuple[str, int] | Response:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _security_page(form, 400)
    try:
        accounts.change_password(current_user, form.current_password.data or "", form.new_password.data or "")
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _security_page(form, 400)
    _stay_logged_in()
    flash(_("Your password is changed. Every other session is logged out."), "success")
    return redirect(url_for("accounts.security"))


@bp.route("/settings/security/sessions", methods=["POST"])
@login_required
def log_out_others() -> tuple[str, int] | Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _security_page(status=400)
    accounts.log_out_other_sessions(current_user)
    _stay_logged_in()
    flash(_("You are logged out on every other device and browser."), "success")
    return redirect(url_for("accounts.security"))


@bp.route("/settings/data")
@login_required
def data() -> tuple[str, int]:
    return _data_page()


@bp.route("/settings/data/export", methods=["POST"])
@login_required
def export() -> tuple[str, int] | Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _data_page(status=400)
    body = json.dumps(queries.export_data(current_user), ensure_ascii=False, indent=2, sort_keys=True)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="benefit-{current_user.username}.json"',
            # Personal data: no cache may keep a copy.
            "Cache-Control": "no-store",
        },
    )


@bp.route("/settings/data/delete", methods=["POST"])
@login_required
def delete() -> tuple[str, int] | Response:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _data_page(form, 400)
    try:
        accounts.delete_account(
            current_user, form.password.data or "", remove_posts=bool(form.remove_posts.data)
        )
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _data_page(form, 400)
    logout_user()
    flash(_("Your account is deleted. Thank you for everything you shared."), "info")
    return redirect(url_for("forum.home"))
