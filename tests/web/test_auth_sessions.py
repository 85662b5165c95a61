"""Logging out ends the session for good; the short addresses lead to the real pages."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session", domain="benefit.test")
    assert cookie is not None
    return cookie.value


def _logged_in(client) -> bool:
    return client.get("/settings").status_code == 200


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, client, make_user, login):
    login(make_user(username="anna"))
    stolen = _session_cookie(client)
    copy = app.test_client()
    copy.set_cookie("session", stolen, domain="benefit.test")
    assert _logged_in(copy)

    assert client.post("/auth/logout").status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(copy)
    # Logging in again works, with a new session.
    assert client.post("/auth/login", data={"login": "anna", "password": PASSWORD}).status_code == 302
    assert _logged_in(client)


def test_a_remember_cookie_from_before_logout_is_refused_too(app, client, make_user):
    make_user(username="anna")
    client.post("/auth/login", data={"login": "anna", "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token", domain="benefit.test")
    assert remember is not None
    client.post("/auth/logout")
    copy = app.test_client()
    copy.set_cookie("remember_token", remember.value, domain="benefit.test")
    assert not _logged_in(copy)


def test_logout_by_get_asks_first_and_logs_nobody_out(client, make_user, login):
    login(make_user())
    page = client.get("/auth/logout")
    assert page.status_code == 200
    assert 'action="/auth/logout"' in page.text and "Log out</button>" in page.text
    assert _logged_in(client)
    short = client.get("/logout")
    assert short.status_code == 302 and short.headers["Location"] == "/auth/logout"
    assert _logged_in(client)


def test_logout_page_sends_a_visitor_to_the_login_page(client):
    for url in ("/auth/logout", "/logout"):
        response = client.get(url, follow_redirects=True)
        assert response.request.path == "/auth/login", url


@pytest.mark.parametrize(
    "short, real",
    [
        ("/login", "/auth/login"),
        ("/login?next=/tags", "/auth/login?next=/tags"),
        ("/register", "/auth/register"),
        ("/signup", "/auth/register"),
        ("/signup?ref=flyer&x=1", "/auth/register?ref=flyer&x=1"),
    ],
)
def test_short_addresses_redirect_to_the_real_ones_with_their_query(client, short, real):
    response = client.get(short)
    assert response.status_code in (301, 302, 308)
    assert response.headers["Location"] == real
    assert client.get(short, follow_redirects=True).status_code == 200
