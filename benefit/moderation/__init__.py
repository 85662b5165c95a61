"""Moderation at /moderation, and the public side of it: flagging posts and their edit history."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
# Not under /moderation: members flag posts here and anyone who can see a post reads its history.
posts_bp = Blueprint("posts", __name__)

from benefit.moderation import public, views  # noqa: E402,F401
