"""Browsing and posting: home, lists, topics, replies, tags, and the mistakes' "I've seen this" vote."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("forum", __name__)


def init_app(app: Flask) -> None:
    from benefit.forum import jinja, platforms, posting_views, views, vote_views  # noqa: F401 - routes

    app.register_blueprint(bp)
    jinja.init_app(app)
    platforms.register()
