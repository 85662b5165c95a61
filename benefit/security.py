"""Security headers, rate limits by endpoint name, and the 429 page."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import RateLimitItem
from werkzeug.middleware.proxy_fix import ProxyFix

from benefit.config import ConfigError

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
# Keyed by member when logged in, else by address (see rate_limit_key). Every entry names an endpoint
# (a misspelt one stops the app at start), except the ".accepted" counters of benefit.forum.quota;
# RATE_LIMITS in the config overrides entries, and an empty string switches one off.
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


ACCEPTED = ".accepted"  # counted by benefit.forum.quota on success, not on a view


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
        if view is None and not endpoint.endswith(ACCEPTED):
            raise ConfigError(f"RATE_LIMITS names {endpoint!r}, which is no endpoint of this app")
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


def _period(unit: str, n: int) -> str:
    """ "1 minute", "5 minutes": a count of one unit, as it reads after "in" and "per"."""
    if unit == "second":
        return str(ngettext("%(num)d second", "%(num)d seconds", n))
    if unit == "minute":
        return str(ngettext("%(num)d minute", "%(num)d minutes", n))
    if unit == "hour":
        return str(ngettext("%(num)d hour", "%(num)d hours", n))
    return str(ngettext("%(num)d day", "%(num)d days", n))


def describe_wait(seconds: int) -> str:
    if seconds < 90:
        return _period("second", seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return _period("minute", minutes)
    return _period("hour", math.ceil(minutes / 60))


def describe_limit(item: RateLimitItem) -> str:
    """ "10 per 1 minute", in the reader's language (Flask-Limiter's own text is English only)."""
    unit = item.GRANULARITY.name
    if unit not in ("second", "minute", "hour", "day"):
        return str(item)
    return str(_("%(amount)d per %(period)s", amount=item.amount, period=_period(unit, item.multiples)))


def storage_name(uri: str) -> str:
    """The kind of storage a RATELIMIT_STORAGE_URI names: "redis" for redis://, rediss://, redis+cluster://…"""
    kind = urlsplit(uri).scheme.lower().removeprefix("async+").split("+", 1)[0]
    return "redis" if kind == "rediss" else kind


def _counting_in_fallback() -> bool:
    """Whether Flask-Limiter counts in its in-memory fallback because its storage failed.

    Only public attributes: `limiter.limiter` is the strategy in use (the fallback's while the storage
    is taken for dead), `limiter.storage` the configured storage.
    """
    from benefit.extensions import limiter

    return bool(limiter.initialized) and limiter.limiter.storage is not limiter.storage


class StorageWatch:
    """Says in the log, once per worker, when the rate limits start counting in this worker's memory
    because their storage (Redis) is unreachable, and when they count there again.

    Flask-Limiter's own notices go to a logger with no handler, and its "recovered" is at INFO: without
    this a worker silently gives every client its own allowance per worker.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.fallback = False
        self._lock = threading.Lock()

    def note(self) -> bool:
        """Compare with the limiter's state after a request; log a change. Returns "in fallback"."""
        now = _counting_in_fallback()
        if now == self.fallback:
            return now
        with self._lock:
            if now == self.fallback:
                return now
            self.fallback = now
        where = _describe_storage(str(self.app.config.get("RATELIMIT_STORAGE_URI", "")))
        if now:
            self.app.logger.warning(
                "rate limits: %s is unreachable; worker %d counts in its own memory until it is back,"
                " so each worker allows the full limit meanwhile",
                where,
                os.getpid(),
            )
        else:
            self.app.logger.warning(
                "rate limits: %s is reachable again; worker %d counts there again", where, os.getpid()
            )
        return now


def _describe_storage(uri: str) -> str:
    """The storage's address without its password, for the log."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


def rate_limit_storage(app: Flask) -> str:
    """Where this worker counts rate limits now, for /healthz: "redis", "memory" (one process's),
    "memory-fallback (redis unreachable)", "redis unreachable" (no fallback: limited requests fail),
    or "off"."""
    from benefit.extensions import limiter

    if not app.config.get("RATELIMIT_ENABLED", True):
        return "off"
    name = storage_name(str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://"))
    if name == "memory":
        return "memory"
    fallback = app.extensions["benefit.rate_limit_watch"].note()
    reachable = limiter.initialized and limiter.storage.check()
    if fallback:
        # Flask-Limiter tries the storage again on a later request, waiting longer each time (≤ 32 s).
        return f"memory-fallback ({name} {'reachable again' if reachable else 'unreachable'})"
    if reachable:
        return name
    if app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"):
        return f"memory-fallback ({name} unreachable)"
    return f"{name} unreachable"


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
            abort(400, _("The request contained a character this site does not accept (U+0000)."))

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
        message = _("Too many requests in a short time.")
        if seconds is not None:
            headers["Retry-After"] = str(seconds)
            message += " " + _("You can try again in %(wait)s.", wait=describe_wait(seconds))
        return render_error(429, message, describe_limit(error.limit.limit)), 429, headers

    app.extensions["benefit.rate_limited_endpoints"] = apply_rate_limits(app)
    watch = app.extensions["benefit.rate_limit_watch"] = StorageWatch(app)

    @app.teardown_request
    def watch_rate_limit_storage(error: BaseException | None) -> None:
        # After Flask-Limiter's own after_request, which may have found the storage dead too.
        if app.config.get("RATELIMIT_ENABLED", True):
            watch.note()
