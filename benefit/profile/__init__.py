"""Member pages and the member's own settings."""

from flask import Blueprint

bp = Blueprint("profile", __name__)

from benefit.profile import views  # noqa: E402,F401
