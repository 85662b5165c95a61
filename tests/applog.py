"""The app's log ("benefit") as a test reads it through caplog."""

from __future__ import annotations

import logging

import pytest


def read_app_log(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture the app's warnings in this test.

    An in-process `flask db upgrade` (alembic's fileConfig() in migrations/env.py, which disables every
    logger that exists at the time) silences the app's logger for the rest of the session; tests that
    migrate a database of their own do that, so whether a record arrives would depend on test order.
    """
    monkeypatch.setattr(logging.getLogger("benefit"), "disabled", False)
    caplog.set_level("WARNING", logger="benefit")
