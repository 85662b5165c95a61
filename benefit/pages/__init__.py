"""Pages about the site (privacy), the health check and the favicon."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("pages", __name__)

from benefit.pages import views  # noqa: E402


@bp.record_once
def _take_over_old_healthz(state: BlueprintSetupState) -> None:
    # TEMPORARY, until forum/views.py loses its own /healthz: the forum blueprint is registered first
    # and the first of two identical rules wins, so its endpoint is pointed at this one. Does nothing
    # once that route is gone; delete it then.
    if "forum.healthz" in state.app.view_functions:
        state.app.view_functions["forum.healthz"] = views.healthz
