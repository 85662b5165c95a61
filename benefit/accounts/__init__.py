"""Accounts: register, confirm, log in and out, reset, and the settings area (profile, security, data)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)

# The settings area's tabs, in the order they show: (endpoint, label). Declared here, once.
SETTINGS_TABS: tuple[tuple[str, str], ...] = (
    ("accounts.settings", "Profile"),
    ("accounts.security", "Security"),
    ("community.notification_settings", "Notifications"),
    ("digest.settings", "Email digest"),
    ("accounts.data", "Your data"),
)


def init_app(app: Flask) -> None:
    """The blueprint with its routes (/auth, /settings and the short addresses) and its globals."""
    from benefit.accounts import jinja, settings, shortcuts, views  # noqa: F401 - they register routes

    app.register_blueprint(bp)
    jinja.init_app(app)
