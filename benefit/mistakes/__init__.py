"""Mistakes catalogue: "I've seen this" votes and the moderators' merge and outdated actions."""

from flask import Blueprint

bp = Blueprint("mistakes", __name__)

from benefit.mistakes import views  # noqa: E402,F401
