"""Pages that explain the site."""

from __future__ import annotations

from flask import render_template

from benefit.pages import bp


@bp.route("/privacy")
def privacy() -> str:
    return render_template("pages/privacy.html")
