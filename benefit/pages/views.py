"""Pages that explain the site, the health check and the favicon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template, send_from_directory

from benefit.pages import bp
from benefit.pages.health import health

# A week: the icon changes with a release, if ever.
ICON_MAX_AGE = 7 * 24 * 3600


@bp.route("/privacy")
def privacy() -> str:
    return render_template("pages/privacy.html")


@bp.route("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    return health(current_app)


@bp.route("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for /favicon.ico whatever the page says; the SVG beside it is /static/img/favicon.svg.
    folder = Path(current_app.static_folder or "static") / "img"
    return send_from_directory(
        folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=ICON_MAX_AGE
    )
