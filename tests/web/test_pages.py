"""The favicon and /healthz: what a browser and a monitor read."""

from __future__ import annotations

import struct

import pytest

import benefit.search
from tests.applog import read_app_log

ICO_MAGIC = b"\x00\x00\x01\x00"


def test_browsers_get_a_real_icon_at_favicon_ico(client):
    # `with`: a file sent by send_file stays open until the response is closed.
    with client.get("/favicon.ico") as response:
        data = response.data
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert data.startswith(ICO_MAGIC)
    count = struct.unpack("<H", data[4:6])[0]
    sizes = {data[6 + 16 * i] for i in range(count)}
    assert {16, 32} <= sizes  # the tab's size and the high-density one
    assert "max-age=" in response.headers["Cache-Control"]


def test_the_scalable_icon_is_an_svg(client):
    with client.get("/static/img/favicon.svg") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data


def test_healthz_reports_the_database_rate_limits_and_search(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["rate_limits"] == "off"  # the tests' configuration
    assert "search" in body


def test_healthz_says_rate_limits_count_in_memory(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    assert client.get("/healthz").json["rate_limits"] == "memory"


def test_healthz_is_503_when_the_database_is_unreachable(make_app):
    # A closed loopback port: the connection is refused at once.
    client = make_app(DATABASE_URL="postgresql://postgres@127.0.0.1:9/nothing").test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error" and response.json["database"] == "unreachable"


def test_healthz_shows_the_search_state(client, monkeypatch):
    seen = []

    def search_health(app):
        seen.append(app)
        return {"lag": 3, "last_error": None}

    monkeypatch.setattr(benefit.search, "search_health", search_health, raising=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["search"] == {"lag": 3, "last_error": None}
    assert len(seen) == 1


def test_a_failing_search_check_is_reported_not_a_failed_health_check(client, monkeypatch, caplog):
    def search_health(app):
        raise OSError("index folder is gone")

    monkeypatch.setattr(benefit.search, "search_health", search_health, raising=False)
    read_app_log(caplog, monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert "index folder is gone" in response.json["search"]["last_error"]
    assert "search_health failed" in caplog.text


@pytest.mark.parametrize("path", ["/healthz", "/favicon.ico"])
def test_the_health_check_and_icon_need_no_login_and_carry_the_security_headers(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
