"""Email digests: the subscribe, confirm and unsubscribe pages, and the sender behind `flask digest`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the digest pages and the `flask digest` commands (the settings tab is in accounts)."""
    from benefit.digests.cli import digest_cli
    from benefit.digests.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(digest_cli)
