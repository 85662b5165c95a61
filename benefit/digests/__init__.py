"""Email digests: the subscribe, confirm and unsubscribe pages, and the sender behind `flask digest`."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("digest", __name__, url_prefix="/digest")


@bp.record_once
def _add_settings_tab(state: BlueprintSetupState) -> None:
    state.app.extensions["benefit.settings_pages"].append(("digest.settings", "Email digest"))


from benefit.digests import views  # noqa: E402,F401
