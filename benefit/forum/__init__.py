"""Browsing and posting: home, lists, topics, replies, tags."""

from flask import Blueprint

bp = Blueprint("forum", __name__)

from benefit.forum import views  # noqa: E402,F401
