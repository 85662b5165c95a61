"""Accounts: register, confirm, log in and out, reset, and the settings area (profile, security, data)."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

bp = Blueprint("accounts", __name__)

# The settings area's tabs, in the order they show: (endpoint, label). Declared here, once.
SETTINGS_TABS: tuple[tuple[str, LazyString], ...] = (
    ("accounts.settings", _l("Profile")),
    ("accounts.security", _l("Security")),
    ("community.notification_settings", _l("Notifications")),
    ("digest.settings", _l("Email digest")),
    ("accounts.data", _l("Your data")),
)


def init_app(app: Flask) -> None:
    """The blueprint with its routes (/auth, /settings and the short addresses) and its globals."""
    from benefit.accounts import jinja, settings, shortcuts, views  # noqa: F401 - they register routes

    app.register_blueprint(bp)
    jinja.init_app(app)
