"""Accounts: register, confirm email, log in and out, reset password."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from benefit.auth import views  # noqa: E402,F401
