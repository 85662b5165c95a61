"""Digest pages: subscribe (visitors with double opt-in, members from settings), confirm, unsubscribe."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.digests import bp
from benefit.digests.forms import ConfirmForm, FrequencyForm, MemberDigestForm, SubscribeForm
from benefit.digests.links import site_url_for
from benefit.email import MailError, build_message, send_message
from benefit.extensions import csrf, db
from benefit.forms_util import apply_service_error
from benefit.models import FREQUENCIES, Subscription, TagFollow
from benefit.permissions import login_required
from benefit.refusals import ServiceError
from benefit.services import subscriptions


def _send_confirmation(sub: Subscription) -> None:
    token = subscriptions.confirmation_token(sub)
    msg = build_message(
        sub.email,
        f"Confirm your {current_app.config['SITE_NAME']} digest subscription",
        "digest_confirm",
        frequency=sub.frequency,
        url=site_url_for("digest.confirm", token=token),
    )
    try:
        send_message(msg)
    except MailError:
        current_app.logger.exception("digest confirmation mail to subscription %s failed", sub.id)


def _followed_tag_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(TagFollow).where(TagFollow.user_id == current_user.id)
        )
        or 0
    )


@bp.route("", methods=["GET", "POST"])
def subscribe() -> str | Response:
    if current_user.is_authenticated:
        sub = subscriptions.subscription_of(current_user)
        return render_template(
            "digest/subscribe.html",
            form=None,
            member_form=_member_form(sub),
            subscription=sub,
            followed_tags=_followed_tag_count(),
        )
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            result = subscriptions.subscribe_email(form.email.data or "", form.frequency.data or "")
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            if result.needs_confirmation:
                _send_confirmation(result.subscription)
            # The same answer whether or not the address was subscribed already.
            flash(
                "Thank you. Check your inbox: unless this address is subscribed already, it gets a "
                "confirmation link, and the digest starts once you follow it.",
                "success",
            )
            return redirect(url_for("digest.subscribe"))
    return render_template("digest/subscribe.html", form=form)


def _member_form(sub: Subscription | None) -> MemberDigestForm:
    form = MemberDigestForm()
    if request.method == "GET" and sub is not None:
        form.frequency.data = sub.frequency
        form.only_followed_tags.data = sub.only_followed_tags
    return form


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    sub = subscriptions.subscription_of(current_user)
    form = _member_form(sub)
    if form.validate_on_submit():
        try:
            subscriptions.subscribe_member(
                current_user, form.frequency.data or "", bool(form.only_followed_tags.data)
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            label = FREQUENCIES[form.frequency.data or "weekly"].lower()
            flash(f"Saved: you get the {label} digest at your account's address.", "success")
            return redirect(url_for("digest.settings"))
    return render_template(
        "digest/settings.html", member_form=form, subscription=sub, followed_tags=_followed_tag_count()
    )


@bp.route("/settings/unsubscribe", methods=["POST"])
@login_required
def member_unsubscribe() -> Response:
    sub = subscriptions.subscription_of(current_user)
    if sub is not None:
        subscriptions.unsubscribe(sub)
    flash("You are unsubscribed: no more digests.", "success")
    return redirect(url_for("digest.settings"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    sub = subscriptions.subscription_from_confirmation(token)
    if sub is None:
        return render_template("digest/invalid_link.html", purpose="confirm"), 404
    form = ConfirmForm()
    if sub.confirmed_at is None and form.validate_on_submit():
        subscriptions.confirm_subscription(sub)
        return redirect(url_for("digest.confirm", token=token))
    return render_template("digest/confirm.html", form=form, subscription=sub, token=token)


def _subscription_or_404(token: str) -> Subscription:
    sub = subscriptions.subscription_from_token(token)
    if sub is None:
        abort(404)
    return sub


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe(token: str) -> str | tuple[str, int]:
    """A confirm page only: mail scanners open links, and must not unsubscribe anyone."""
    sub = subscriptions.subscription_from_token(token)
    if sub is None:
        return render_template("digest/invalid_link.html", purpose="unsubscribe"), 404
    form = FrequencyForm(frequency=sub.frequency)
    return render_template("digest/unsubscribe.html", subscription=sub, token=token, form=form)


# RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" with no session and no
# CSRF token. The signed per-subscription token in the URL is the proof, so only this view is exempt.
@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # type: ignore[untyped-decorator]
def unsubscribe_post(token: str) -> str | Response | tuple[str, int]:
    sub = subscriptions.subscription_from_token(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if sub is None:
        if one_click:
            return Response("This unsubscribe link is not valid.\n", 404, mimetype="text/plain")
        return render_template("digest/invalid_link.html", purpose="unsubscribe"), 404
    subscriptions.unsubscribe(sub)
    if one_click:
        return Response("You are unsubscribed.\n", 200, mimetype="text/plain")
    return render_template("digest/unsubscribed.html")


@bp.route("/unsubscribe/<token>/frequency", methods=["POST"])
def change_frequency(token: str) -> str | Response:
    sub = _subscription_or_404(token)
    form = FrequencyForm()
    if form.validate_on_submit():
        subscriptions.change_frequency(sub, form.frequency.data or "")
        flash(f"Saved: you now get the {FREQUENCIES[sub.frequency].lower()} digest.", "success")
        return redirect(url_for("digest.unsubscribe", token=token))
    return render_template("digest/unsubscribe.html", subscription=sub, token=token, form=form)
