"""The interface language: Flask-Babel, which locale a request gets, and the language switcher.

A request's locale is, in order: the member's own setting, the visitor's remembered choice (a
cookie set by the switcher), the browser's `Accept-Language`, and `BENEFIT_DEFAULT_LOCALE`. An
unknown or malformed value at any step is passed over, never an error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request
from flask_babel import Babel, format_date, format_datetime, get_locale, refresh
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit.web import safe_next

# The interface languages, each named in itself (a switcher link reads "Polski", never "Polish").
LANGUAGES: dict[str, str] = {"pl": "Polski", "en": "English"}

I18N_DEFAULTS: dict[str, Any] = {
    # The community starts in Polish; a visitor whose browser prefers English gets English.
    "DEFAULT_LOCALE": "pl",
    "LOCALE_COOKIE": "benefit_lang",
    "LOCALE_COOKIE_MAX_AGE": 365 * 24 * 3600,
}

# Dates as a librarian writes them, per style: "2 grudnia 2026" / "2 Dec 2026", with the time, or
# the month alone ("grudzień 2026" / "December 2026").
DATE_PATTERNS: dict[str, dict[str, str]] = {
    "day": {"pl": "d MMMM y", "en": "d MMM y"},
    "datetime": {"pl": "d MMMM y, HH:mm", "en": "d MMM y, HH:mm"},
    "month": {"pl": "LLLL y", "en": "MMMM y"},
}

babel = Babel()
bp = Blueprint("i18n", __name__)


def normalise(code: str | None) -> str | None:
    """ "pl", "PL", "pl-PL" and "pl_PL" are Polish; anything not in LANGUAGES is None."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def default_locale() -> str:
    return normalise(str(current_app.config["DEFAULT_LOCALE"])) or "pl"


def select_locale() -> str:
    if not has_request_context():
        return default_locale()
    own = normalise(getattr(current_user, "locale", None)) if current_user.is_authenticated else None
    if own:
        return own
    remembered = normalise(request.cookies.get(current_app.config["LOCALE_COOKIE"]))
    if remembered:
        return remembered
    offered = request.accept_languages.best_match(list(LANGUAGES))
    return normalise(offered) or default_locale()


def current_locale() -> str:
    return str(get_locale() or default_locale())


def _style(style: str) -> str:
    """A style name, or an strftime pattern from before the interface was bilingual."""
    if style in DATE_PATTERNS:
        return style
    if "%H" in style:
        return "datetime"
    return "month" if "%d" not in style else "day"


def format_day(value: date | datetime | None, style: str = "day") -> str:
    """The `date` filter: `{{ topic.created_at|date }}`, `|date('datetime')`, `|date('month')`."""
    if value is None:
        return ""
    patterns = DATE_PATTERNS[_style(style)]
    if isinstance(value, datetime):
        return str(format_datetime(value, patterns.get(current_locale(), patterns["en"])))
    return str(format_date(value, patterns.get(current_locale(), patterns["en"])))


@bp.route("/language/<code>")
def switch_language(code: str) -> Response:
    """The header's switcher: a plain link, so it works without JavaScript and keeps the page.

    A member's choice is also their setting (it wins over the cookie, and their mail follows it)."""
    response = redirect(safe_next(request.args.get("next")))
    chosen = normalise(code)
    if chosen is not None and current_user.is_authenticated:
        from benefit.accounts.actions import set_locale

        set_locale(current_user, chosen)
    if chosen is not None:
        response.set_cookie(
            current_app.config["LOCALE_COOKIE"],
            chosen,
            max_age=int(current_app.config["LOCALE_COOKIE_MAX_AGE"]),
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def init_app(app: Flask) -> None:
    for key, value in I18N_DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")
    # Flask-Babel keeps the locale on `g`, which lives as long as the app context: a test, or a
    # command serving several requests inside one context, would otherwise keep the first one's.
    app.before_request(refresh)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_locale=current_locale)
    app.jinja_env.filters["date"] = format_day
