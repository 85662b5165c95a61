"""The member's account: password, sessions, data export and deletion."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/settings")

from benefit.account import views  # noqa: E402,F401
