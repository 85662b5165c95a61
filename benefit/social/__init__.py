"""Members and conversation: directory, notifications, following, bookmarks."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("social", __name__)


@bp.record_once
def _settings_tab(state: BlueprintSetupState) -> None:
    state.app.extensions["benefit.settings_pages"].append(("social.notification_settings", "Notifications"))


from benefit.social import views  # noqa: E402,F401
