"""Atom feeds of the latest posts: the whole site and one per tag."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("feeds", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


# The routes must be on `bp` before anyone registers it: create_app still does so itself
# (app.register_blueprint(feeds.bp)); once it calls init_app, this import moves into init_app.
from benefit.feeds import views  # noqa: E402,F401
