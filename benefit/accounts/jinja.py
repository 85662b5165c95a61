"""Accounts' template globals: the settings area's tabs (pure data, no SQL while a page renders)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from benefit.accounts import SETTINGS_TABS

    app.jinja_env.globals["SETTINGS_TABS"] = SETTINGS_TABS
