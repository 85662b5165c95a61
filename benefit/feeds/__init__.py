"""Atom feeds of the latest posts: the whole site and one per tag."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("feeds", __name__)


def init_app(app: Flask) -> None:
    from benefit.feeds import views  # noqa: F401 - the module registers its routes

    app.register_blueprint(bp)
