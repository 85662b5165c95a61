"""Digest pages: subscribe (visitors with double opt-in, members from settings), confirm, unsubscribe."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.digests import actions, mail, queries
from benefit.digests.forms import ConfirmForm, FrequencyForm, MemberDigestForm, SubscribeForm
from benefit.extensions import csrf
from benefit.forms_util import apply_service_error
from benefit.models import FREQUENCIES, Subscription
from benefit.permissions import login_required
from benefit.refusals import ServiceError

bp = Blueprint("digest", __name__, url_prefix="/digest")

# The same answer whether or not the address was subscribed already.
SUBSCRIBED = (
    "Thank you. Check your inbox: unless this address is subscribed already, it gets a "
    "confirmation link, and the digest starts once you follow it."
)


def _after_response(response: Response, job: Callable[[], None]) -> Response:
    """Run `job` once the server has sent the response (WSGI close), in an app context of its own."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:  # the visitor has the answer already; nobody else would see this
                app.logger.exception("digest mail after the response failed")

    response.call_on_close(run)
    return response


def _member_form(sub: Subscription | None) -> MemberDigestForm:
    form = MemberDigestForm()
    if request.method == "GET" and sub is not None:
        form.frequency.data = sub.frequency
        form.only_followed_tags.data = sub.only_followed_tags
    return form


def _member_page(template: str, page: queries.MemberDigest, form: MemberDigestForm | None = None) -> str:
    return render_template(
        template,
        form=None,
        member_form=form or _member_form(page.subscription),
        subscription=page.subscription,
        followed_tags=page.followed_tags,
    )


@bp.route("", methods=["GET", "POST"])
def subscribe() -> str | Response:
    if current_user.is_authenticated:
        return _member_page("digest/subscribe.html", queries.member_digest(current_user))
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            asked = actions.subscribe_email(form.email.data or "", form.frequency.data or "")
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(SUBSCRIBED, "success")
            # Mail after the response, so that its time does not tell which addresses are subscribed.
            response = redirect(url_for("digest.subscribe"))
            return _after_response(response, partial(mail.send_confirmation, asked))
    return render_template("digest/subscribe.html", form=form)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    page = queries.member_digest(current_user)
    form = _member_form(page.subscription)
    if form.validate_on_submit():
        frequency = form.frequency.data or ""
        try:
            actions.subscribe_member(current_user, frequency, bool(form.only_followed_tags.data))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            label = FREQUENCIES[frequency].lower()
            flash(f"Saved: you get the {label} digest at your account's address.", "success")
            return redirect(url_for("digest.settings"))
    return _member_page("digest/settings.html", page, form)


@bp.route("/settings/unsubscribe", methods=["POST"])
@login_required
def member_unsubscribe() -> Response:
    actions.unsubscribe_member(current_user)
    flash("You are unsubscribed: no more digests.", "success")
    return redirect(url_for("digest.settings"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    sub = queries.subscription_from_confirmation(token)
    if sub is None:
        return render_template("digest/invalid_link.html", purpose="confirm"), 404
    form = ConfirmForm()
    if sub.confirmed_at is None and form.validate_on_submit():
        actions.confirm_subscription(sub)
        return redirect(url_for("digest.confirm", token=token))
    return render_template("digest/confirm.html", form=form, subscription=sub, token=token)


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe(token: str) -> str | tuple[str, int]:
    """A confirm page only: mail scanners open links, and must not unsubscribe anyone."""
    sub = queries.subscription_from_token(token)
    if sub is None:
        return render_template("digest/invalid_link.html", purpose="unsubscribe"), 404
    form = FrequencyForm(frequency=sub.frequency)
    return render_template("digest/unsubscribe.html", subscription=sub, token=token, form=form)


# RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" with no session and no
# CSRF token. The signed per-subscription token in the URL is the proof, so only this view is exempt.
@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # type: ignore[untyped-decorator]
def unsubscribe_post(token: str) -> str | Response | tuple[str, int]:
    sub = queries.subscription_from_token(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if sub is None:
        if one_click:
            return Response("This unsubscribe link is not valid.\n", 404, mimetype="text/plain")
        return render_template("digest/invalid_link.html", purpose="unsubscribe"), 404
    actions.unsubscribe(sub)
    if one_click:
        return Response("You are unsubscribed.\n", 200, mimetype="text/plain")
    return render_template("digest/unsubscribed.html")


@bp.route("/unsubscribe/<token>/frequency", methods=["POST"])
def change_frequency(token: str) -> str | Response:
    sub = queries.subscription_from_token(token)
    if sub is None:
        abort(404)
    form = FrequencyForm()
    if form.validate_on_submit():
        actions.change_frequency(sub, form.frequency.data or "")
        flash(f"Saved: you now get the {FREQUENCIES[sub.frequency].lower()} digest.", "success")
        return redirect(url_for("digest.unsubscribe", token=token))
    return render_template("digest/unsubscribe.html", subscription=sub, token=token, form=form)
