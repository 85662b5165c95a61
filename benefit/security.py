"""Security headers, rate limits by endpoint name, and the 429 page."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, current_app, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# Everything comes from this site: no inline script or style, no plugins, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Primary keys are 32-bit integers on PostgreSQL.
MAX_ID = 2**31 - 1

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

# Limits per endpoint, counted on POST only: showing a form costs nothing, sending one is the attempt.
# Keyed by member when logged in, else by address (see rate_limit_key). Endpoints that do not exist in
# this app (a feature not merged yet) are skipped; RATE_LIMITS in the config overrides entries, and an
# empty string switches one off.
RATE_LIMITS: dict[str, str] = {
    "accounts.login": "10/minute;50/hour",
    # Generous: a whole training session may register from one library's address.
    "accounts.register": "10/hour;50/day",
    "accounts.request_reset": "5/hour;20/day",
    "accounts.resend_confirmation": "5/hour",
    # Raw POSTs, refused forms included: a generous guard against floods. What counts against a
    # member's posting are the ".accepted" entries, counted on success by benefit.forum.quota (they
    # name no endpoint, so apply_rate_limits skips them).
    "forum.new_topic": "60/hour",
    "forum.new_topic.accepted": "10/hour;30/day",
    "forum.reply": "120/hour",
    "forum.reply.accepted": "30/hour;200/day",
    "forum.edit_topic": "30/hour",
    "forum.edit_reply": "30/hour",
    # VOTE_RATE_LIMIT in the config, when set, takes the place of this entry.
    "forum.vote": "30/minute;500/day",
    # Flag forms live on the small "posts" blueprint: members use them, unlike /moderation.
    "moderation.flag_topic": "20/hour",
    "moderation.flag_reply": "20/hour",
    "digest.subscribe": "5/minute;30/hour",
    "accounts.change_password": "10/hour",
    "accounts.delete": "10/hour",
}


def rate_limit_key() -> str:
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"addr:{get_remote_address()}"


_providers: dict[str, Callable[[], str]] = {}


def _limit_provider(endpoint: str) -> Callable[[], str]:
    """One callable per endpoint for the process, so apps created again (tests) share one Limit.

    Flask-Limiter keeps decorated limits on the module-level limiter, keyed by the view's name; a new
    callable per app would stack another limit each time. The value is read from the current app.
    """
    if endpoint not in _providers:

        def provider() -> str:
            return str(current_app.extensions["benefit.rate_limits"].get(endpoint, ""))

        _providers[endpoint] = provider
    return _providers[endpoint]


def apply_rate_limits(app: Flask) -> list[str]:
    """Wrap the view functions named in the table; return the endpoints that got a limit."""
    from benefit.extensions import limiter

    table = dict(RATE_LIMITS)
    if app.config.get("VOTE_RATE_LIMIT"):
        table["forum.vote"] = app.config["VOTE_RATE_LIMIT"]
    table.update(app.config.get("RATE_LIMITS", {}))
    app.extensions["benefit.rate_limits"] = table
    limited = []
    for endpoint, value in table.items():
        view = app.view_functions.get(endpoint)
        if view is None or not value:
            continue
        if hasattr(view, "__wrapper-limiter-instance"):
            # Decorated with @limiter.limit in its module: wrapping it again would count twice.
            app.logger.warning("%s has its own rate limit; move it to benefit.security.RATE_LIMITS", endpoint)
            continue
        wrapped: Any = limiter.limit(_limit_provider(endpoint), key_func=rate_limit_key, methods=["POST"])(
            view
        )
        app.view_functions[endpoint] = wrapped
        limited.append(endpoint)
    return limited


def retry_seconds() -> int | None:
    """Seconds until the limit that stopped this request lets it through again."""
    from benefit.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def describe_wait(seconds: int) -> str:
    if seconds < 90:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def register_security(app: Flask) -> None:
    """Call after the blueprints are registered: the rate limits wrap their view functions."""
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        # Behind a reverse proxy the client's address and scheme come from X-Forwarded-*; trust only as
        # many hops as there are proxies, or anyone could choose the address they are counted under.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    @app.url_value_preprocessor
    def refuse_out_of_range_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
        # /t/99999999999999999999 parses as an int that overflows the database driver: no such row.
        for value in (values or {}).values():
            if isinstance(value, int) and not 0 <= value <= MAX_ID:
                abort(404)

    @app.before_request
    def refuse_nul_characters() -> None:
        # No text needs U+0000, and PostgreSQL refuses it in any string: without this, /u/%00 or a
        # form field with a NUL in it would be a 500 there (SQLite would store it).
        values = [request.path, *request.args.keys(), *(v for _, v in request.args.items(multi=True))]
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_MIMETYPES:
            values += [*request.form.keys(), *(v for _, v in request.form.items(multi=True))]
        if any("\x00" in value for value in values):
            abort(400, "The request contained a character this site does not accept (U+0000).")

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure and app.config["HSTS_MAX_AGE"]:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE']}")
        return response

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> tuple[str, int, dict[str, Any]]:
        from benefit.errors import render_error

        seconds = retry_seconds()
        headers: dict[str, Any] = {}
        message = "Too many requests in a short time."
        if seconds is not None:
            headers["Retry-After"] = str(seconds)
            message += f" You can try again in {describe_wait(seconds)}."
        return render_error(429, message, str(error.description)), 429, headers

    app.extensions["benefit.rate_limited_endpoints"] = apply_rate_limits(app)
