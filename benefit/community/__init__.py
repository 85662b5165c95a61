"""Members and conversation: directory, member pages, notifications, following, bookmarks."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("community", __name__)


def init_app(app: Flask) -> None:
    from benefit.community import views  # noqa: F401 - the module registers its routes
    from benefit.community.cli import notifications_cli

    app.register_blueprint(bp)
    app.cli.add_command(notifications_cli)
