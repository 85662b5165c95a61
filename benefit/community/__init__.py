"""Members and conversation: directory, member pages, notifications, following, bookmarks."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("community", __name__)


def init_app(app: Flask) -> None:
    from benefit.community import views  # noqa: F401 - the module registers its routes
    from benefit.community.cli import notifications_cli
    from benefit.community.jinja import init_jinja

    app.register_blueprint(bp)
    init_jinja(app)
    app.cli.add_command(notifications_cli)
