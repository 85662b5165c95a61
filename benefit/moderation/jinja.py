"""Moderation's template globals and filters (pure: no SQL while a page renders)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from benefit.models import FLAG_REASONS


def audit_details(raw: str) -> dict[str, Any]:
    """The JSON details of an audit row, for display."""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"details": raw}
    return value if isinstance(value, dict) else {"details": value}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["FLAG_REASONS"] = FLAG_REASONS
    app.jinja_env.filters["audit_details"] = audit_details
