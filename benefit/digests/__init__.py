"""Email digests: the subscribe, confirm and unsubscribe pages, and the sender behind `flask digest`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the digest pages (with their settings tab) and the `flask digest` commands."""
    from benefit.digests.cli import digest_cli
    from benefit.digests.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(digest_cli)


def __getattr__(name: str) -> Any:
    # Until create_app calls init_app: `from benefit.digests import bp` still finds the blueprint,
    # with its views, without importing them for every `benefit.digests.*` import. Remove then.
    if name == "bp":
        from benefit.digests.views import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
