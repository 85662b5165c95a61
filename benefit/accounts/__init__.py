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
    from benefit.accounts import settings, views  # noqa: F401 - the modules register their routes

    app.register_blueprint(bp)
    app.jinja_env.globals["SETTINGS_TABS"] = SETTINGS_TABS
