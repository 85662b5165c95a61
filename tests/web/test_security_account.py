"""Password change and "log out other sessions" in the member's security settings."""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from benefit.extensions import db
from tests.factories import PASSWORD

NEW = "a-brand-new-password"


def _browser(app, user, remember=False):
    client = app.test_client()
    data = {"login": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/auth/login", data=data).status_code == 302
    return client


def _logged_in(client) -> bool:
    return client.get("/settings/security").status_code == 200


def test_change_password_logs_out_other_sessions_but_not_this_one(app, make_user):
    user = make_user()
    here, there = _browser(app, user), _browser(app, user)
    response = here.post(
        "/settings/security/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW},
    )
    assert response.status_code == 302
    assert "Your password is changed" in here.get("/settings/security").text
    assert _logged_in(here)
    assert not _logged_in(there)
    # The new password works, the old one no longer does.
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"login": user.username, "password": PASSWORD}).status_code == 200
    assert fresh.post("/auth/login", data={"login": user.username, "password": NEW}).status_code == 302


def test_change_password_needs_the_current_one_and_a_good_new_one(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post(
        "/settings/security/password",
        data={"current_password": "wrong-password", "new_password": NEW, "confirm": NEW},
    )
    assert response.status_code == 400
    assert "Your current password is not right" in response.text
    response = client.post(
        "/settings/security/password",
        data={"current_password": PASSWORD, "new_password": "short", "confirm": "other"},
    )
    assert response.status_code == 400
    assert "At least 10 characters" in response.text and "The passwords differ" in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_log_out_other_sessions(app, make_user):
    user = make_user()
    here, there, remembered = _browser(app, user), _browser(app, user), _browser(app, user, remember=True)
    response = here.post("/settings/security/sessions")
    assert response.status_code == 302
    assert "logged out on every other device" in here.get("/settings/security").text
    assert _logged_in(here)
    assert not _logged_in(there)
    # A "keep me logged in" cookie from before is dead too, even after its session cookie goes.
    remembered.delete_cookie("session", domain="benefit.test")
    assert not _logged_in(remembered)


def test_remembered_browser_keeps_its_login_after_changing_the_password(app, make_user):
    user = make_user()
    here = _browser(app, user, remember=True)
    here.post(
        "/settings/security/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW},
    )
    # Session cookie gone (browser restarted): the re-issued remember cookie carries the new token.
    here.delete_cookie("session", domain="benefit.test")
    assert _logged_in(here)


def test_security_page_needs_login(client):
    response = client.get("/settings/security")
    assert response.status_code == 302


def test_passwords_use_werkzeugs_current_default_and_only_the_current_one_logs_in(app, make_user):
    user = make_user()
    method = user.password_hash.split("$", 1)[0].split(":", 1)[0]
    assert method == generate_password_hash("x").split("$", 1)[0].split(":", 1)[0]
    here = _browser(app, user)
    here.post(
        "/settings/security/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW},
    )
    db.session.refresh(user)
    # The new hash is made the same way, and it is what the login checks: the new password and
    # nothing like it opens the account; the old one no longer does.
    assert user.password_hash.split("$", 1)[0].split(":", 1)[0] == method
    fresh = app.test_client()
    for wrong in (PASSWORD, NEW.upper(), NEW + " ", NEW[:-1]):
        response = fresh.post("/auth/login", data={"login": user.username, "password": wrong})
        assert response.status_code == 200 and "do not match" in response.text, wrong
    assert fresh.post("/auth/login", data={"login": user.username, "password": NEW}).status_code == 302
    assert _logged_in(fresh)
