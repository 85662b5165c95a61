"""Account views: password, other sessions, export, deletion."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from benefit.account import bp
from benefit.account.forms import ChangePasswordForm, ConfirmForm, DeleteAccountForm
from benefit.extensions import db
from benefit.forms_util import apply_service_error
from benefit.models import User
from benefit.permissions import login_required
from benefit.services import accounts, privacy
from benefit.services.errors import ServiceError


def _stay_logged_in() -> None:
    """The session token just changed: give this browser a cookie with the new one."""
    # The object behind the proxy: Flask-Login keeps what it is given as the current user.
    user: User = current_user._get_current_object()
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)


def _security_page(password_form: ChangePasswordForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "account/security.html",
        password_form=password_form or ChangePasswordForm(),
        sessions_form=ConfirmForm(),
    ), status


def _data_page(delete_form: DeleteAccountForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "account/data.html",
        export_form=ConfirmForm(),
        delete_form=delete_form or DeleteAccountForm(),
    ), status


@bp.route("/security")
@login_required
def security() -> tuple[str, int]:
    return _security_page()


@bp.route("/security/password", methods=["POST"])
@login_required
def change_password() -> tuple[str, int] | Response:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _security_page(form, 400)
    try:
        accounts.change_password(current_user, form.current_password.data or "", form.new_password.data or "")
    except ServiceError as exc:
        db.session.rollback()
        apply_service_error(form, exc)
        return _security_page(form, 400)
    _stay_logged_in()
    flash("Your password is changed. Every other session is logged out.", "success")
    return redirect(url_for("account.security"))


@bp.route("/security/sessions", methods=["POST"])
@login_required
def log_out_others() -> tuple[str, int] | Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _security_page(status=400)
    accounts.log_out_other_sessions(current_user)
    _stay_logged_in()
    flash("You are logged out on every other device and browser.", "success")
    return redirect(url_for("account.security"))


@bp.route("/data")
@login_required
def data() -> tuple[str, int]:
    return _data_page()


@bp.route("/data/export", methods=["POST"])
@login_required
def export() -> tuple[str, int] | Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _data_page(status=400)
    payload = privacy.export_data(current_user)
    body = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True)
    filename = f"benefit-{current_user.username}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data: no cache may keep a copy.
            "Cache-Control": "no-store",
        },
    )


@bp.route("/data/delete", methods=["POST"])
@login_required
def delete() -> tuple[str, int] | Response:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _data_page(form, 400)
    try:
        privacy.delete_account(
            current_user, form.password.data or "", remove_posts=bool(form.remove_posts.data)
        )
    except ServiceError as exc:
        db.session.rollback()
        apply_service_error(form, exc)
        return _data_page(form, 400)
    logout_user()
    flash("Your account is deleted. Thank you for everything you shared.", "info")
    return redirect(url_for("forum.home"))
