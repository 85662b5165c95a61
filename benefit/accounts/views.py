"""Account views (/auth/*): parse the form, call one action or query, flash and redirect."""

from __future__ import annotations

from dataclasses import fields

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from benefit.accounts import actions as accounts
from benefit.accounts import bp, mail, queries
from benefit.accounts.forms import (
    ConfirmForm,
    LoginForm,
    RegisterForm,
    RequestResetForm,
    ResetPasswordForm,
)
from benefit.forms_util import apply_service_error
from benefit.i18n import current_locale
from benefit.permissions import login_required
from benefit.refusals import ServiceError
from benefit.web import safe_next

# The same answer for a new address and for one that has an account: the mail says which.
REGISTERED = _l(
    "Welcome to BENEFIT! Check your email: we have sent a link to the address you gave. "
    "Confirm your email address to post."
)


def _registration(form: RegisterForm) -> accounts.Registration:
    typed = {f.name: form[f.name].data or "" for f in fields(accounts.Registration) if f.name in form}
    # The new member's mail, and later their pages, are in the language they registered in.
    return accounts.Registration(**typed, locale=current_locale())


@bp.route("/auth/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("forum.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            outcome = accounts.register(_registration(form))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            # Nobody is logged in either way: the confirmation link does that, once.
            flash(str(REGISTERED) + mail.note_for_developer(), "success")
            return mail.send_after(redirect(url_for("forum.home")), mail.registration(outcome))
    return render_template("accounts/register.html", form=form)


@bp.route("/auth/confirm/<token>")
def confirm(token: str) -> Response:
    confirmed = accounts.confirm_email(token)
    if confirmed is None:
        flash(_("That confirmation link is invalid or has expired. Log in to get a new one."), "error")
        return redirect(url_for("accounts.login"))
    if confirmed.first_time and not current_user.is_authenticated:
        # Only the first time: a link found later in a mailbox is no way to log in.
        login_user(confirmed.user)
    if current_user.is_authenticated and current_user.id == confirmed.user.id:
        flash(_("Your email address is confirmed. You can post now."), "success")
        return redirect(url_for("forum.home"))
    flash(_("That email address is confirmed. Log in with its account to post."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/auth/confirm/resend", methods=["POST"])
@login_required
def resend_confirmation() -> Response:
    form = ConfirmForm()
    response = redirect(safe_next(request.form.get("next")))
    if form.validate_on_submit() and current_user.email_confirmed_at is None:
        flash(_("A new confirmation mail is on its way.") + mail.note_for_developer(), "success")
        mail.send_after(response, mail.confirmation(current_user))
    return response


@bp.route("/auth/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data or "", form.password.data or "")
        if user is None:
            # The same words whether the account exists or not.
            form.form_errors.append(_("That username or email and password do not match."))
        else:
            login_user(user, remember=bool(form.remember.data))
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/auth/logout", methods=["GET", "POST"])
def logout() -> str | Response:
    """A GET only asks (a link or a prefetch must not log anybody out); the POST logs out."""
    form = ConfirmForm()
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login"))
        return render_template("accounts/logout.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        accounts.log_out(current_user)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("forum.home"))


@bp.route("/auth/reset", methods=["GET", "POST"])
def request_reset() -> str | Response:
    form = RequestResetForm()
    if form.validate_on_submit():
        user = queries.account_for_reset(form.email.data or "")
        response = redirect(url_for("accounts.login"))
        if user is not None:
            mail.send_after(response, mail.password_reset(user))
        flash(
            _("If an account uses that address, a link to reset the password is on its way.")
            + mail.note_for_developer(),
            "info",
        )
        return response
    return render_template("accounts/request_reset.html", form=form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response:
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data or "")
        if user is None:
            flash(_("That reset link is invalid, used or expired. Ask for a new one."), "error")
            return redirect(url_for("accounts.request_reset"))
        login_user(user)
        flash(_("Your password is changed."), "success")
        return redirect(url_for("forum.home"))
    return render_template("accounts/reset.html", form=form)
