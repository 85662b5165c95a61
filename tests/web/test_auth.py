from __future__ import annotations

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Topic, User
from tests.factories import PASSWORD
from tests.web.accounts_helpers import REGISTRATION, mail_link, mails, text_of

NEW_TOPIC = {
    "kind": "practice",
    "title": "Shelf talkers that point to our Instagram",
    "body": "We print a QR code to our Instagram on every shelf talker.",
    "platforms": "instagram",
}


def test_register_confirm_and_post(client, app, taxonomy):
    response = client.post("/auth/register", data=REGISTRATION, follow_redirects=True)
    assert "Check your email" in response.text
    user = db.session.scalar(sa.select(User).where(User.username == "anna_k"))
    assert user.email == "anna@example.org" and user.country == "PL"
    assert user.email_confirmed_at is None
    # Logged in but not confirmed yet: posting is refused with a message.
    client.post("/auth/login", data={"login": "anna_k", "password": REGISTRATION["password"]})
    response = client.post("/new", data=NEW_TOPIC)
    assert "Confirm your email address" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 0
    (msg,) = mails(app)
    assert msg["To"] == "anna@example.org"
    response = client.get(mail_link(msg, "/auth/confirm/"), follow_redirects=True)
    assert "You can post now" in response.text
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    # Now the post goes in (to the review queue: a new member's first post waits for a moderator).
    response = client.post("/new", data=NEW_TOPIC, follow_redirects=True)
    assert response.status_code == 200
    assert "your first post waits for a moderator" in response.text
    topic = db.session.scalar(sa.select(Topic))
    assert topic.title == NEW_TOPIC["title"] and topic.author_id == user.id
    assert response.request.path == f"/t/{topic.id}/{topic.slug}"
    assert NEW_TOPIC["title"] in response.text


def test_register_refuses_taken_username_and_bad_fields(client, make_user):
    make_user(username="anna_k")
    response = client.post("/auth/register", data=REGISTRATION)
    assert response.status_code == 200
    assert "That username is taken" in response.text
    bad = dict(REGISTRATION, username="a b", password="short", country="Poland", library_type="castle")
    response = client.post("/auth/register", data=bad)
    assert "3 to 30 letters" in response.text
    assert "At least 10 characters" in response.text
    assert "Two letters" in response.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_register_with_existing_email_does_not_reveal_it(client, app, make_user):
    make_user(username="owner", email="anna@example.org")
    response = client.post("/auth/register", data=REGISTRATION, follow_redirects=True)
    assert "Check your email" in response.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    (msg,) = mails(app)
    assert "already has one" in text_of(msg)


def test_login_failure_message_is_the_same_for_unknown_and_wrong(client, make_user):
    user = make_user()
    wrong = client.post("/auth/login", data={"login": user.username, "password": "nope-nope-nope"})
    unknown = client.post("/auth/login", data={"login": "ghost", "password": "nope-nope-nope"})
    assert "do not match" in wrong.text and "do not match" in unknown.text


def test_login_redirects_only_within_the_site(client, make_user):
    user = make_user()
    for target, expected in [
        ("/tags", "/tags"),
        ("https://evil.example/x", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ]:
        client.post("/auth/logout")
        response = client.post(
            "/auth/login?next=" + target, data={"login": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert response.location in (expected, "http://benefit.test" + expected), target


def test_only_a_post_logs_out(client, make_user, login):
    login(make_user())
    assert client.get("/auth/logout").status_code == 200
    assert client.get("/settings").status_code == 200
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/settings").status_code == 302


def test_password_reset_token_is_single_use(client, app, make_user):
    user = make_user(email="reset@example.org")
    client.post("/auth/reset", data={"email": "RESET@example.org"}).close()
    client.post("/auth/reset", data={"email": "nobody@example.org"}).close()
    (msg,) = mails(app)  # nothing is sent for an unknown address
    link = mail_link(msg, "/auth/reset/")
    response = client.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302
    client.post("/auth/logout")
    again = client.post(link, data={"password": "another-password!", "confirm": "another-password!"})
    assert again.status_code == 302 and "/auth/reset" in again.location
    ok = client.post("/auth/login", data={"login": user.username, "password": "brand-new-password"})
    assert ok.status_code == 302
