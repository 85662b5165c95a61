"""Pages about the site (privacy), the health check and the favicon."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("pages", __name__)


def init_app(app: Flask) -> None:
    from benefit.pages import views  # noqa: F401 - the module registers its routes

    app.register_blueprint(bp)
