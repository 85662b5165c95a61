"""Digest pages: subscribe with double opt-in, confirm, member settings, unsubscribe (also one-click)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from itsdangerous import URLSafeSerializer

from benefit.digests.tokens import unsubscribe_token
from benefit.extensions import db
from benefit.models import Subscription, TagFollow, utcnow

IN_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_config(app_config, smtp_config):
    return {**app_config, **smtp_config}


@pytest.fixture
def recorder(smtp_server):
    return smtp_server[0]


def subscriptions():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Subscription)))


def link_in(msg, pattern):
    text = msg.get_body(("plain",)).get_content()
    found = re.search(pattern, text)
    assert found, text
    return found.group(0).removeprefix("http://benefit.test")


def ask(client, email, frequency="weekly"):
    """Submit the subscribe form as a visitor, and close the response, as a WSGI server does once
    it has sent it: the confirmation mail goes out then."""
    response = client.post("/digest", data={"email": email, "frequency": frequency})
    response.close()
    return response


def flash_text(client):
    return BeautifulSoup(client.get("/digest").text, "html.parser").select_one(".flashes").get_text()


def confirmed(email, frequency="weekly"):
    sub = Subscription(email=email, frequency=frequency, confirmed_at=utcnow())
    db.session.add(sub)
    db.session.commit()
    return sub


def test_the_digest_page_is_linked_from_every_page(client):
    home = BeautifulSoup(client.get("/").text, "html.parser")
    assert home.find("nav", attrs={"aria-label": "Main"}).find("a", href="/digest")
    page = client.get("/digest")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find("label", attrs={"for": "email"})
    assert soup.find("legend").get_text(strip=True).startswith("How often")


def test_visitor_subscribes_and_nothing_counts_before_the_confirmation(client, recorder):
    response = ask(client, " Reader@Example.org ", "daily")
    assert response.status_code == 302
    assert "Check your inbox" in client.get("/digest").text
    (sub,) = subscriptions()
    assert sub.email == "reader@example.org" and sub.frequency == "daily" and sub.confirmed_at is None

    (mail,) = recorder.messages
    assert mail["To"] == "reader@example.org"
    assert mail["Subject"] == "Confirm your BENEFIT digest subscription"
    path = link_in(mail, r"http://benefit\.test/digest/confirm/\S+")
    html = BeautifulSoup(mail.get_body(("html",)).get_content(), "html.parser")
    assert html.find("a", string="Confirm my subscription")["href"] == "http://benefit.test" + path

    # Opening the link (or a mail scanner fetching it) only asks.
    page = client.get(path)
    assert page.status_code == 200 and "Yes, start my digest" in page.text
    assert subscriptions()[0].confirmed_at is None
    done = client.post(path, follow_redirects=True)
    assert "You are subscribed" in done.text
    assert subscriptions()[0].confirmed_at is not None


def test_the_answer_never_reveals_whether_an_address_is_subscribed(client, recorder):
    confirmed("known@example.org", frequency="weekly")
    answers = []
    for email in ("new@example.org", "known@example.org", "new@example.org"):
        ask(client, email, "daily")
        answers.append(flash_text(client))
    assert answers[0] == answers[1] == answers[2]
    # The confirmed address gets no mail and keeps its settings; the pending one gets the link again.
    assert [m["To"] for m in recorder.messages] == ["new@example.org", "new@example.org"]
    known = {s.email: s for s in subscriptions()}["known@example.org"]
    assert known.frequency == "weekly"


def test_new_pending_and_confirmed_addresses_get_one_answer_and_mail_only_after_it(client, recorder):
    confirmed("known@example.org", frequency="weekly")
    ask(client, "pending@example.org")
    recorder.messages.clear()
    client.get("/digest")  # the first answer's flash is shown and gone
    answers = {}
    for email in ("new@example.org", "pending@example.org", "known@example.org"):
        before = len(recorder.messages)
        response = client.post("/digest", data={"email": email, "frequency": "daily"})
        # The whole answer is there before any mail is built or sent, whichever the address.
        assert len(recorder.messages) == before
        response.close()
        answers[email] = (response.status_code, response.location, response.data, flash_text(client))
    assert answers["new@example.org"] == answers["pending@example.org"] == answers["known@example.org"]
    assert answers["known@example.org"][:2] == (302, "/digest")
    # New and pending addresses get a confirmation link for the frequency asked; the confirmed one
    # gets nothing and keeps its own frequency.
    assert [m["To"] for m in recorder.messages] == ["new@example.org", "pending@example.org"]
    by_email = {s.email: s for s in subscriptions()}
    assert by_email["known@example.org"].frequency == "weekly"
    assert by_email["pending@example.org"].frequency == "daily"
    for mail in recorder.messages:
        assert "the daily BENEFIT digest" in mail.get_body(("plain",)).get_content()
        path = link_in(mail, r"http://benefit\.test/digest/confirm/\S+")
        client.post(path)
    assert all(s.confirmed_at is not None for s in subscriptions())


def test_a_mail_server_that_is_down_changes_nothing_in_the_answer(app, client, recorder):
    ask(client, "first@example.org")
    expected = flash_text(client)
    app.config["MAIL_PORT"] = 1  # nothing listens there
    response = ask(client, "second@example.org")
    assert (response.status_code, response.location) == (302, "/digest")
    assert flash_text(client) == expected
    assert {s.email for s in subscriptions()} == {"first@example.org", "second@example.org"}
    assert [m["To"] for m in recorder.messages] == ["first@example.org"]


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-address", "frequency": "weekly"},
        {"email": "a@example.org", "frequency": "hourly"},
        {"email": "", "frequency": "weekly"},
    ],
)
def test_bad_subscribe_input_is_shown_next_to_the_field(client, recorder, data):
    response = client.post("/digest", data=data)
    assert response.status_code == 200
    assert "Please correct the following" in response.text
    assert subscriptions() == [] and recorder.messages == []


def test_a_tampered_or_expired_confirmation_link_is_refused(app, client, recorder):
    ask(client, "x@example.org")
    path = link_in(recorder.messages[0], r"http://benefit\.test/digest/confirm/\S+")
    assert client.post(path[:-2] + "xx").status_code == 404
    app.config["DIGEST_CONFIRM_MAX_AGE"] = -1
    assert client.post(path).status_code == 404
    assert subscriptions()[0].confirmed_at is None


def test_unsubscribe_link_shows_a_page_and_only_a_post_unsubscribes(client):
    sub = confirmed("reader@example.org")
    with client.application.test_request_context():
        path = f"/digest/unsubscribe/{unsubscribe_token(sub)}"
    page = client.get(path)
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1.get_text() == "Unsubscribe from the digest?"
    assert soup.find("form", action=path).find("button").get_text() == "Unsubscribe"
    assert len(subscriptions()) == 1

    switched = client.post(f"{path}/frequency", data={"frequency": "daily"}, follow_redirects=True)
    assert "you now get the daily digest" in switched.text
    assert subscriptions()[0].frequency == "daily"

    done = client.post(path)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert subscriptions() == []
    # The link is dead now; the page says there is nothing left to do.
    again = client.get(path)
    assert again.status_code == 404 and "nothing left to do" in again.text


def test_unsigned_or_forged_unsubscribe_tokens_do_nothing(client):
    sub = confirmed("reader@example.org")
    for token in (sub.token, "abc.def", unsubscribe_token_for_other_secret(sub)):
        assert (
            client.post(f"/digest/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code
            == 404
        )
        assert client.get(f"/digest/unsubscribe/{token}").status_code == 404
    assert len(subscriptions()) == 1


def unsubscribe_token_for_other_secret(sub):
    return URLSafeSerializer("another-secret", salt="digest-unsubscribe").dumps(sub.token)


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_one_click_works_without_session_or_csrf_token_and_other_posts_still_need_one(self, client):
        sub = confirmed("reader@example.org")
        with client.application.test_request_context():
            path = f"/digest/unsubscribe/{unsubscribe_token(sub)}"
        # Other POSTs on the digest pages still need their token.
        assert client.post(f"{path}/frequency", data={"frequency": "daily"}).status_code == 400
        assert (
            client.post("/digest", data={"email": "a@example.org", "frequency": "weekly"}).status_code == 400
        )
        response = client.post(
            path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        assert subscriptions() == []


def test_member_subscribes_from_settings_with_followed_tags(client, make_user, login, taxonomy):
    member = make_user(email="member@example.org")
    login(member)
    settings = BeautifulSoup(client.get("/settings").text, "html.parser")
    tab = settings.find("nav", attrs={"aria-label": "Settings"}).find("a", string="Email digest")
    assert tab["href"] == "/digest/settings"
    page = client.get("/digest/settings")
    assert "You are not subscribed" in page.text and "You follow no tags yet" in page.text
    db.session.add(TagFollow(user_id=member.id, tag_id=taxonomy["instagram"].id))
    db.session.commit()

    response = client.post(
        "/digest/settings", data={"frequency": "daily", "only_followed_tags": "y"}, follow_redirects=True
    )
    assert "Saved: you get the daily digest" in response.text
    (sub,) = subscriptions()
    assert (sub.user_id, sub.email, sub.frequency, sub.only_followed_tags) == (
        member.id,
        "member@example.org",
        "daily",
        True,
    )
    assert sub.confirmed_at is not None  # the account's address is confirmed already
    assert "You follow 1 tag." in client.get("/digest").text

    client.post("/digest/settings", data={"frequency": "weekly"})
    assert subscriptions()[0].frequency == "weekly" and not subscriptions()[0].only_followed_tags
    client.post("/digest/settings/unsubscribe")
    assert subscriptions() == []


def test_a_member_takes_over_an_earlier_email_subscription_of_the_same_address(client, make_user, login):
    confirmed("member@example.org", frequency="daily")
    member = make_user(email="member@example.org")
    login(member)
    client.post("/digest/settings", data={"frequency": "weekly"})
    (sub,) = subscriptions()
    assert sub.user_id == member.id and sub.frequency == "weekly"


def test_an_address_that_moved_between_accounts_stays_with_each_owner(client, recorder, make_user, login):
    old_owner = make_user(email="shared@example.org")
    db.session.add(
        Subscription(
            email="shared@example.org", user_id=old_owner.id, frequency="daily", confirmed_at=utcnow()
        )
    )
    old_owner.email = "elsewhere@example.org"
    db.session.commit()
    # A visitor typing the old owner's new address learns nothing and mails nobody.
    ask(client, "elsewhere@example.org")
    assert len(subscriptions()) == 1 and recorder.messages == []
    newcomer = make_user(email="shared@example.org")
    login(newcomer)
    client.post("/digest/settings", data={"frequency": "weekly"})
    by_user = {s.user_id: s for s in subscriptions()}
    assert by_user[old_owner.id].email == "elsewhere@example.org"
    assert by_user[old_owner.id].frequency == "daily"
    assert by_user[newcomer.id].email == "shared@example.org"


def test_an_unconfirmed_member_is_asked_to_confirm_first(client, make_user, login):
    login(make_user(confirmed=False))
    response = client.post("/digest/settings", data={"frequency": "weekly"})
    assert response.status_code == 200
    assert "Confirm your email address first" in response.text
    assert subscriptions() == []


def test_member_settings_need_a_login(client):
    response = client.get("/digest/settings")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_visitor_journey_subscribe_confirm_receive_once_and_unsubscribe_in_one_click(
    app, client, runner, recorder, make_topic
):
    ask(client, "visitor@example.org")
    confirm_path = link_in(recorder.messages[0], r"http://benefit\.test/digest/confirm/\S+")
    practice = make_topic(title="Reading challenge reels", created_at=IN_WEEK, replies=2)
    recorder.messages.clear()

    # Before confirming, a weekly run sends nothing.
    before = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "2026-11-23T06:00:00Z"])
    assert "sent 0" in before.output and recorder.messages == []
    client.post(confirm_path)

    first = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "2026-11-23T07:00:00Z"])
    assert "sent 1, skipped 0, failed 0" in first.output
    (digest,) = recorder.messages
    assert practice.title in digest.get_body(("plain",)).get_content()
    second = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "2026-11-23T08:00:00Z"])
    assert "sent 0, skipped 0, failed 0, uncertain 0, already done 1" in second.output
    assert len(recorder.messages) == 1

    one_click = digest["List-Unsubscribe"].split(",")[0].strip(" <>").removeprefix("http://benefit.test")
    assert client.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    make_topic(title="The next week's practice", created_at=datetime(2026, 11, 25, tzinfo=UTC))
    runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "2026-11-30T06:00:00Z"])
    assert len(recorder.messages) == 1


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True}

    def test_one_client_cannot_subscribe_address_after_address(self, client, recorder):
        codes = [ask(client, f"a{i}@example.org").status_code for i in range(6)]
        assert codes == [302] * 5 + [429]
        assert len(recorder.messages) == 5
