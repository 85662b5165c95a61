"""Absolute links to this site, from SITE_URL, with or without a request (mail is built by the CLI)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


class SiteLinks:
    def __init__(self) -> None:
        parts = urlsplit(current_app.config["SITE_URL"])
        self.adapter: MapAdapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
        )

    def url(self, endpoint: str, **values: Any) -> str:
        return self.adapter.build(endpoint, values, force_external=True)


def site_url_for(endpoint: str, **values: Any) -> str:
    return SiteLinks().url(endpoint, **values)
