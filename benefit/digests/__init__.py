"""Email digests: the subscribe, confirm and unsubscribe pages, and the sender behind `flask digest`."""

from flask import Blueprint

bp = Blueprint("digest", __name__, url_prefix="/digest")


from benefit.digests import views  # noqa: E402,F401
