"""Static pages about the site: privacy."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from benefit.pages import views  # noqa: E402,F401
