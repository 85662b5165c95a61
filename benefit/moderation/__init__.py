"""Moderation under /moderation, and its public side: flagging posts and reading their edit history."""

from __future__ import annotations

from flask import Blueprint, Flask

# No url_prefix: the queue and tools live under /moderation/…, while members flag posts and read
# their history at /t/<id>/flag and /t/<id>/history, and moderators merge mistakes at /t/<id>/merge.
# views.common's guard applies to the /moderation/… rules only.
bp = Blueprint("moderation", __name__)


def init_app(app: Flask) -> None:
    from benefit.moderation import jinja, views  # noqa: F401 - views register the routes

    jinja.init_app(app)
    app.register_blueprint(bp)
