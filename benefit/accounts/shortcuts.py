"""The short addresses people type or old links use (/login, /register, /signup, /logout)."""

from __future__ import annotations

from urllib.parse import quote

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from benefit.accounts import bp

# Characters a query string keeps as they are; anything else (spaces, quotes, raw bytes, line
# breaks) is percent-encoded, so the Location header carries only what the visitor sent, safely.
_QUERY_SAFE = "=&;%+/?:@,!$'()*~-._"


def _to(endpoint: str, code: int) -> Response:
    """A redirect to `endpoint` with this request's query string (e.g. ?next=) kept."""
    url = url_for(endpoint)
    if request.query_string:
        url += "?" + quote(request.query_string, safe=_QUERY_SAFE)
    return redirect(url, code)


@bp.route("/login")
def login_shortcut() -> Response:
    return _to("accounts.login", 301)


@bp.route("/register")
@bp.route("/signup")
def register_shortcut() -> Response:
    return _to("accounts.register", 301)


@bp.route("/logout")
def logout_shortcut() -> Response:
    # Not permanent, and not a logout: /auth/logout asks first, or sends a visitor to log in.
    return _to("accounts.logout", 302)
