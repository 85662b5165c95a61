"""GDPR: the privacy page, exporting one's data, deleting one's account."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import (
    Bookmark,
    Flag,
    Notification,
    NotificationSetting,
    Reply,
    Subscription,
    TagFollow,
    Topic,
    TopicFollow,
    User,
    Vote,
    utcnow,
)
from tests.factories import PASSWORD


def test_privacy_page_explains_what_is_stored_and_is_linked_from_every_page(client):
    home = client.get("/")
    assert 'href="/privacy"' in home.text
    page = client.get("/privacy")
    assert page.status_code == 200
    for words in ("email address", "Never shown to other members", "delete your account", "JSON"):
        assert words.lower() in page.text.lower(), words


def test_privacy_page_shows_the_contact_when_configured(app, client):
    assert "mailto:" not in client.get("/privacy").text
    app.config["CONTACT_EMAIL"] = "privacy@library.example"
    assert 'href="mailto:privacy@library.example"' in client.get("/privacy").text


def test_settings_have_security_and_data_tabs(client, make_user, login):
    login(make_user())
    page = client.get("/settings").text
    assert 'href="/settings/security"' in page and 'href="/settings/data"' in page
    data_page = client.get("/settings/data")
    assert data_page.status_code == 200
    assert "Download my data" in data_page.text and "Delete my account" in data_page.text


@pytest.mark.parametrize("url", ["/settings/data", "/settings/security"])
def test_account_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_export_needs_login_and_a_post(client):
    assert client.post("/settings/data/export").status_code == 302
    assert client.get("/settings/data/export").status_code == 405


@pytest.fixture
def busy_member(make_user, make_topic, taxonomy):
    """A member with something in every table, and another member who interacts with them."""
    anna = make_user(username="anna", email="anna@example.org", display_name="Anna Kowalska")
    other = make_user(username="other", email="other.secret@example.org", display_name="Olga Other")
    own = make_topic(author=anna, title="Our Instagram story polls", body="Ask one question a week.")
    mistake = make_topic(kind="mistake", author=other, title="Posting photos of children")
    db.session.add(
        Reply(topic=mistake, author=anna, body="We did this too.", body_html="<p>We did this too.</p>")
    )
    db.session.add(Vote(topic_id=mistake.id, user_id=anna.id))
    mistake.vote_count = 1
    mistake.reply_count = 1
    db.session.add_all(
        [
            TopicFollow(user_id=anna.id, topic_id=mistake.id),
            TagFollow(user_id=anna.id, tag_id=taxonomy["instagram"].id),
            Bookmark(user_id=anna.id, topic_id=mistake.id),
            Subscription(email="anna@example.org", user_id=anna.id, frequency="daily", confirmed_at=utcnow()),
            Notification(
                user_id=anna.id,
                kind="reply",
                event_key="reply:1",
                actor_id=other.id,
                topic_id=own.id,
                message="Olga Other replied to your topic",
            ),
            NotificationSetting(user_id=anna.id, kind="reply", email_frequency="daily"),
            Flag(user_id=anna.id, target_kind="topic", target_id=mistake.id, reason="privacy", note="Faces"),
            # The other member's own rows must not appear in Anna's export.
            Subscription(email="other.secret@example.org", user_id=other.id),
            Vote(topic_id=own.id, user_id=other.id),
        ]
    )
    own.vote_count = 1
    db.session.commit()
    return anna, other, own, mistake


def test_export_downloads_all_of_the_members_data_and_nobody_elses_email(client, login, busy_member):
    anna, other, own, mistake = busy_member
    login(anna)
    response = client.post("/settings/data/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="benefit-anna.json"'
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == "anna@example.org"
    assert data["profile"]["display_name"] == "Anna Kowalska"
    assert "password_hash" not in response.text and anna.password_hash not in response.text
    assert anna.session_token not in response.text
    assert [t["title"] for t in data["topics"]] == ["Our Instagram story polls"]
    assert data["topics"][0]["body"] == "Ask one question a week."
    assert [r["body"] for r in data["replies"]] == ["We did this too."]
    assert [v["topic"]["id"] for v in data["votes"]] == [mistake.id]
    assert [f["topic"]["id"] for f in data["follows"]["topics"]] == [mistake.id]
    assert [f["tag"] for f in data["follows"]["tags"]] == ["instagram"]
    assert [b["topic"]["id"] for b in data["bookmarks"]] == [mistake.id]
    assert [(s["email"], s["frequency"]) for s in data["subscriptions"]] == [("anna@example.org", "daily")]
    assert [n["actor"] for n in data["notifications"]] == ["Olga Other"]
    assert data["notification_settings"] == [{"kind": "reply", "email_frequency": "daily"}]
    assert [(f["reason"], f["note"]) for f in data["flags"]] == [("privacy", "Faces")]
    # Never another member's email or account details.
    assert "other.secret@example.org" not in response.text
    assert other.password_hash not in response.text


def _delete(client, password=PASSWORD, remove_posts=False):
    data = {"password": password}
    if remove_posts:
        data["remove_posts"] = "y"
    return client.post("/settings/data/delete", data=data)


def test_delete_account_erases_personal_data_and_keeps_posts_as_former_member(
    client, app, login, busy_member
):
    anna, other, own, mistake = busy_member
    # A second browser where Anna is also logged in.
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"login": "anna", "password": PASSWORD})
    login(anna)
    response = _delete(client)
    assert response.status_code == 302
    assert "Your account is deleted" in client.get("/").text

    user = db.session.get(User, anna.id)
    db.session.refresh(user)
    assert user.email is None
    assert user.username == f"former-member-{anna.id}"
    assert user.display_name == "Former member"
    assert (user.institution, user.job_role, user.bio, user.country) == ("", "", "", "")
    assert user.platforms == []
    assert user.is_deleted and not user.check_password(PASSWORD)
    for model in (Vote, TopicFollow, TagFollow, Bookmark, Notification, NotificationSetting):
        assert db.session.scalar(sa.select(sa.func.count()).where(model.user_id == anna.id)) == 0, model
    assert db.session.scalar(sa.select(Subscription).where(Subscription.email == "anna@example.org")) is None
    assert db.session.scalar(sa.select(Subscription).where(Subscription.user_id == other.id)) is not None
    assert db.session.get(Topic, mistake.id).vote_count == 0
    # Other members' votes on her post stay.
    assert db.session.get(Topic, own.id).vote_count == 1

    # Posts stay, under "Former member", with nothing that identifies her.
    assert db.session.get(Topic, own.id).state == "published"
    page = client.get(f"/t/{own.id}/{own.slug}").text
    assert "Our Instagram story polls" in page and "Former member" in page
    assert "Anna Kowalska" not in page
    reply_page = client.get(f"/t/{mistake.id}/{mistake.slug}").text
    assert "We did this too." in reply_page and "Anna Kowalska" not in reply_page

    # Logged out here and everywhere; cannot log in again; the member page is gone.
    assert client.get("/settings").status_code == 302
    assert elsewhere.get("/settings").status_code == 302
    for login_name in ("anna", "anna@example.org", f"former-member-{anna.id}"):
        response = client.post("/auth/login", data={"login": login_name, "password": PASSWORD})
        assert response.status_code == 200 and "do not match" in response.text
    assert client.get("/u/anna").status_code == 404


def test_the_erased_address_can_join_again(client, login, busy_member):
    anna, *_ = busy_member
    login(anna)
    _delete(client)
    response = client.post(
        "/auth/register",
        data={
            "username": "anna_again",
            "email": "anna@example.org",
            "password": "a-long-password",
            "display_name": "Anna K",
            "institution": "City Library",
            "library_type": "public",
            "country": "PL",
            "job_role": "Librarian",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "anna@example.org")).username == "anna_again"


def test_delete_account_can_remove_posts_too(client, login, busy_member):
    anna, other, own, mistake = busy_member
    login(anna)
    assert _delete(client, remove_posts=True).status_code == 302
    assert db.session.get(Topic, own.id).state == "hidden"
    reply = db.session.scalar(sa.select(Reply).where(Reply.author_id == anna.id))
    assert reply.state == "hidden"
    assert db.session.get(Topic, mistake.id).reply_count == 0
    assert client.get(f"/t/{own.id}/{own.slug}").status_code == 404
    assert "Our Instagram story polls" not in client.get("/practices").text
    assert "We did this too." not in client.get(f"/t/{mistake.id}/{mistake.slug}").text


def test_delete_account_needs_the_right_password(client, login, busy_member):
    anna, *_ = busy_member
    login(anna)
    response = _delete(client, password="not-my-password")
    assert response.status_code == 400
    assert "Your password is not right" in response.text
    response = client.post("/settings/data/delete", data={})
    assert response.status_code == 400
    user = db.session.get(User, anna.id)
    db.session.refresh(user)
    assert not user.is_deleted and user.email == "anna@example.org"
    assert client.get("/settings").status_code == 200


def test_deletion_is_in_the_audit_log(client, login, busy_member):
    from benefit.models import AuditLog

    anna, *_ = busy_member
    login(anna)
    _delete(client)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "account.deleted"))
    assert entry is not None and entry.target_id == anna.id
    assert "anna@example.org" not in entry.details


def test_export_never_names_the_moderators_behind_decisions(client, login, make_user, make_topic):
    from datetime import timedelta

    from benefit.moderation import actions as moderation

    moderator = make_user(
        username="mod_maria", email="maria.mod@example.org", display_name="Maria Moderska", role="moderator"
    )
    anna = make_user(username="anna", display_name="Anna Kowalska", approved=0)
    other = make_user(username="olga", display_name="Olga Other")
    topic = make_topic(author=other, title="Story polls on Fridays")
    own = make_topic(author=anna, title="Our library's reels")
    reply = Reply(
        topic_id=topic.id, author_id=anna.id, body="Ours too.", body_html="<p>Ours too.</p>", state="pending"
    )
    db.session.add(reply)
    db.session.add(Flag(user_id=anna.id, target_kind="topic", target_id=topic.id, reason="spam"))
    db.session.commit()
    # What a moderator does about her: approve her reply, agree with her flag, hide her post, suspend her.
    moderation.approve_post(moderator, reply)
    moderation.resolve_flags(moderator, topic, agree=True, reason="Spam indeed.")
    moderation.hide_post(moderator, own, "Off topic.")
    moderation.suspend_member(moderator, anna, utcnow() + timedelta(days=1), "Cool down.")
    db.session.refresh(anna)
    anna.suspended_until = None  # so she can log in and download it
    db.session.commit()

    login(anna)
    response = client.post("/settings/data/export")
    assert response.status_code == 200
    data = json.loads(response.data)
    messages = [n["message"] for n in data["notifications"]]
    assert any(m.startswith("A moderator approved your reply") for m in messages), messages
    assert [f["resolution"] for f in data["flags"]] == ["agreed"]
    for identity in ("mod_maria", "Maria Moderska", "maria.mod@example.org"):
        assert identity not in response.text, identity
    assert all(n["actor"] is None for n in data["notifications"])
