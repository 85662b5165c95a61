"""Atom feeds of the latest posts: the whole site and one per tag."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from benefit.feeds import views  # noqa: E402,F401
