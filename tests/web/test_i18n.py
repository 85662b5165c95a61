"""Which language a page is served in, and the switcher: bad values never fail a request."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask_babel import refresh

from benefit.i18n import format_day


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.text).group(1)


def test_a_visitor_gets_the_default_language_without_a_preference(client):
    assert html_lang(client.get("/")) == "en"


def test_accept_language_chooses_the_page_language(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})) == "pl"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE, en-GB;q=0.8"})) == "en"


@pytest.mark.parametrize("header", ["xx", ";;;", "pl;q=abc", "*", "é" * 300, "pl-PL;q=1;q=2, , ,"])
def test_an_odd_accept_language_falls_back_without_an_error(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert html_lang(response) in ("pl", "en")


def test_the_switcher_remembers_the_choice_and_keeps_the_page(client):
    response = client.get("/language/pl?next=/practices")
    assert response.status_code == 302
    assert response.location == "/practices"
    assert html_lang(client.get("/practices", headers={"Accept-Language": "en"})) == "pl"
    client.get("/language/en?next=/practices")
    assert html_lang(client.get("/practices", headers={"Accept-Language": "pl"})) == "en"


@pytest.mark.parametrize("code", ["xx", "PL-pl", "", "%00", "pl" * 50])
def test_an_unknown_language_in_the_switcher_changes_nothing(client, code):
    response = client.get(f"/language/{code}?next=/tags")
    assert response.status_code in (302, 400, 404)
    assert html_lang(client.get("/tags")) in ("en", "pl")
    if code == "PL-pl":
        assert html_lang(client.get("/tags")) == "pl"
    elif response.status_code == 302:
        assert html_lang(client.get("/tags")) == "en"


def test_the_switcher_never_redirects_off_the_site(client):
    for target in ("//evil.example", "https://evil.example/", "/\t/evil.example"):
        response = client.get("/language/pl", query_string={"next": target})
        assert response.location == "/"


def test_dates_read_as_each_language_writes_them(app):
    when = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        refresh()
        assert format_day(when) == "2 grudnia 2026"
        assert format_day(when, "month") == "grudzień 2026"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert format_day(when) == "2 Dec 2026"
        assert format_day(when, "datetime") == "2 Dec 2026, 14:05"
