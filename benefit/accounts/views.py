"""Account views: parse the form, call a service, flash and redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from benefit.accounts import actions as accounts
from benefit.accounts import bp
from benefit.accounts.forms import (
    LoginForm,
    RegisterForm,
    RequestResetForm,
    ResendConfirmationForm,
    ResetPasswordForm,
)
from benefit.email import MailError, build_message, send_message
from benefit.forms_util import apply_service_error
from benefit.models import User
from benefit.permissions import login_required
from benefit.refusals import ServiceError


def safe_next(target: str | None, default: str = "forum.home") -> str:
    """Only paths on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(default)


def _mail_note() -> str:
    if current_app.config["MAIL_SERVER"]:
        return ""
    return " (No mail server is configured: the mail was written to instance/mail/.)"


def send_confirmation(user: User) -> None:
    if not user.email:
        return
    token = accounts.email_token(user, "confirm")
    msg = build_message(
        user.email,
        "Confirm your email address for BENEFIT",
        "confirm_email",
        user=user,
        url=url_for("accounts.confirm", token=token, _external=True),
    )
    try:
        send_message(msg)
    except MailError:
        current_app.logger.exception("confirmation mail to user %s failed", user.id)


@bp.route("/auth/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("forum.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = accounts.Registration(
            username=form.username.data or "",
            email=form.email.data or "",
            password=form.password.data or "",
            display_name=form.display_name.data or "",
            institution=form.institution.data or "",
            library_type=form.library_type.data or "",
            country=form.country.data or "",
            job_role=form.job_role.data or "",
        )
        try:
            user = accounts.register(data)
        except accounts.EmailAlreadyRegistered as exc:
            # Answer as for a new account; tell the owner of the address instead.
            try:
                send_message(
                    build_message(
                        exc.email,
                        "Someone tried to register with your address",
                        "already_registered",
                        login_url=url_for("accounts.login", _external=True),
                        reset_url=url_for("accounts.request_reset", _external=True),
                    )
                )
            except MailError:
                current_app.logger.exception("already-registered mail failed")
            flash("Check your email to confirm your address." + _mail_note(), "success")
            return redirect(url_for("accounts.login"))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            send_confirmation(user)
            login_user(user)
            flash(
                "Welcome to BENEFIT! Check your email to confirm your address before posting." + _mail_note(),
                "success",
            )
            return redirect(url_for("forum.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/auth/confirm/<token>")
def confirm(token: str) -> Response:
    user = accounts.confirm_email(token)
    if user is None:
        flash("That confirmation link is invalid or has expired. Log in to get a new one.", "error")
        return redirect(url_for("accounts.login"))
    flash("Your email address is confirmed. You can post now.", "success")
    return redirect(url_for("forum.home"))


@bp.route("/auth/confirm/resend", methods=["POST"])
@login_required
def resend_confirmation() -> Response:
    form = ResendConfirmationForm()
    if form.validate_on_submit() and current_user.email_confirmed_at is None:
        send_confirmation(current_user)
        flash("A new confirmation mail is on its way." + _mail_note(), "success")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/auth/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data or "", form.password.data or "")
        if user is None:
            # The same words whether the account exists or not.
            form.form_errors.append("That username or email and password do not match.")
        else:
            login_user(user, remember=bool(form.remember.data))
            flash(f"Welcome back, {user.display_name}.", "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/auth/logout", methods=["POST"])
def logout() -> Response:
    form = ResendConfirmationForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("forum.home"))


@bp.route("/auth/reset", methods=["GET", "POST"])
def request_reset() -> str | Response:
    form = RequestResetForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data or "")
        if user is not None and not user.is_deleted and user.email:
            token = accounts.email_token(user, "reset")
            try:
                send_message(
                    build_message(
                        user.email,
                        "Reset your BENEFIT password",
                        "reset_password",
                        user=user,
                        url=url_for("accounts.reset", token=token, _external=True),
                        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
                    )
                )
            except MailError:
                current_app.logger.exception("reset mail failed")
        flash(
            "If an account uses that address, a link to reset the password is on its way." + _mail_note(),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/request_reset.html", form=form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response:
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data or "")
        if user is None:
            flash("That reset link is invalid, used or expired. Ask for a new one.", "error")
            return redirect(url_for("accounts.request_reset"))
        login_user(user)
        flash("Your password is changed.", "success")
        return redirect(url_for("forum.home"))
    return render_template("accounts/reset.html", form=form)
