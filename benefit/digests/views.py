"""Digest pages: subscribe (visitors with double opt-in, members from settings), confirm, unsubscribe.

The pages reached from a mail link (confirm, unsubscribe and their answers) are in the
subscription's language, whatever the browser says: the mail was. A link that names no
subscription any more is in the language it carries (`?lang=`), else the interface's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.digests import actions, mail, queries
from benefit.digests.forms import ConfirmForm, FrequencyForm, MemberDigestForm, SubscribeForm
from benefit.digests.language import subscription_language
from benefit.extensions import csrf
from benefit.forms_util import apply_service_error
from benefit.i18n import current_locale, normalise
from benefit.models import Subscription
from benefit.permissions import login_required
from benefit.refusals import ServiceError

bp = Blueprint("digest", __name__, url_prefix="/digest")


def _subscribed() -> str:
    # The same answer whether or not the address was subscribed already.
    return str(
        _(
            "Thank you. Check your inbox: unless this address is subscribed already, it gets a "
            "confirmation link, and the digest starts once you follow it."
        )
    )


def _saved(frequency: str, member: bool) -> str:
    if member:
        if frequency == "daily":
            return str(_("Saved: you get the daily digest at your account's address."))
        return str(_("Saved: you get the weekly digest at your account's address."))
    if frequency == "daily":
        return str(_("Saved: you now get the daily digest."))
    return str(_("Saved: you now get the weekly digest."))


def _link_language() -> str:
    """The language of a page reached from a mail link that names no subscription (any more)."""
    return normalise(request.args.get("lang")) or current_locale()


def _invalid_link(purpose: str) -> tuple[str, int]:
    with force_locale(_link_language()):
        return render_template("digest/invalid_link.html", purpose=purpose), 404


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
        form.locale.data = normalise(sub.locale) or current_locale()
    return form


def _member_page(template: str, page: queries.MemberDigest, form: MemberDigestForm | None = None) -> str:
    return render_template(
        template,
        form=None,
        member_form=form or _member_form(page.subscription),
        subscription=page.subscription,
        followed_tags=page.followed_tags,
        own_language=normalise(current_user.locale),
    )


@bp.route("", methods=["GET", "POST"])
def subscribe() -> str | Response:
    if current_user.is_authenticated:
        return _member_page("digest/subscribe.html", queries.member_digest(current_user))
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            asked = actions.subscribe_email(
                form.email.data or "", form.frequency.data or "", form.locale.data or ""
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_subscribed(), "success")
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
        frequency, locale = form.frequency.data or "", form.locale.data or ""
        try:
            actions.subscribe_member(current_user, frequency, bool(form.only_followed_tags.data), locale)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_saved(frequency, member=True), "success")
            return redirect(url_for("digest.settings"))
    return _member_page("digest/settings.html", page, form)


@bp.route("/settings/unsubscribe", methods=["POST"])
@login_required
def member_unsubscribe() -> Response:
    actions.unsubscribe_member(current_user)
    flash(_("You are unsubscribed: no more digests."), "success")
    return redirect(url_for("digest.settings"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    sub = queries.subscription_from_confirmation(token)
    if sub is None:
        return _invalid_link("confirm")
    form = ConfirmForm()
    if sub.confirmed_at is None and form.validate_on_submit():
        actions.confirm_subscription(sub)
        return redirect(url_for("digest.confirm", token=token))
    with force_locale(subscription_language(sub)):
        return render_template("digest/confirm.html", form=form, subscription=sub, token=token)


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe(token: str) -> str | tuple[str, int]:
    """A confirm page only: mail scanners open links, and must not unsubscribe anyone."""
    sub = queries.subscription_from_token(token)
    if sub is None:
        return _invalid_link("unsubscribe")
    form = FrequencyForm(frequency=sub.frequency)
    with force_locale(subscription_language(sub)):
        return render_template("digest/unsubscribe.html", subscription=sub, token=token, form=form)


# RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" with no session and no
# CSRF token. The signed per-subscription token in the URL is the proof, so only this view is exempt.
@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # type: ignore[untyped-decorator]
def unsubscribe_post(token: str) -> str | Response | tuple[str, int]:
    sub = queries.subscription_from_token(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    language = subscription_language(sub) if sub is not None else _link_language()
    with force_locale(language):
        if sub is None:
            if one_click:
                return Response(_("This unsubscribe link is not valid.") + "\n", 404, mimetype="text/plain")
            return render_template("digest/invalid_link.html", purpose="unsubscribe"), 404
        actions.unsubscribe(sub)
        if one_click:
            return Response(_("You are unsubscribed.") + "\n", 200, mimetype="text/plain")
        return render_template("digest/unsubscribed.html")


@bp.route("/unsubscribe/<token>/frequency", methods=["POST"])
def change_frequency(token: str) -> str | Response:
    sub = queries.subscription_from_token(token)
    if sub is None:
        abort(404)
    form = FrequencyForm()
    with force_locale(subscription_language(sub)):
        if form.validate_on_submit():
            actions.change_frequency(sub, form.frequency.data or "")
            flash(_saved(sub.frequency, member=False), "success")
            return redirect(url_for("digest.unsubscribe", token=token))
        return render_template("digest/unsubscribe.html", subscription=sub, token=token, form=form)
