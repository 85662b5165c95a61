"""Registration and password reset answer alike whether or not an address has an account."""

from __future__ import annotations

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import User
from tests.factories import PASSWORD
from tests.web.accounts_helpers import REGISTRATION, mail_link, mails, text_of, without_csrf


def _register(app, email: str, username: str):
    """Register from a fresh browser; return the answer, the page it leads to, and the browser."""
    browser = app.test_client()
    answer = browser.post("/auth/register", data=dict(REGISTRATION, email=email, username=username))
    # The mail goes out once the answer is sent, so its time does not tell the two cases apart.
    sent = len(mails(app))
    answer.close()
    assert len(mails(app)) == sent + 1
    page = browser.get(answer.headers["Location"])
    return answer, page, browser


def _logged_in(browser) -> bool:
    return browser.get("/settings").status_code == 200


def test_registering_a_taken_address_answers_exactly_as_a_new_one(app, make_user):
    make_user(username="owner", email="taken@example.org", display_name="Olga Owner")
    taken, taken_page, taken_browser = _register(app, "Taken@Example.org", "visitor_one")
    new, new_page, new_browser = _register(app, "fresh@example.org", "visitor_two")

    assert taken.status_code == new.status_code == 302
    assert taken.headers["Location"] == new.headers["Location"]
    assert taken.data == new.data
    assert taken_page.status_code == new_page.status_code == 200
    assert without_csrf(taken_page.text) == without_csrf(new_page.text)
    assert "Check your email" in new_page.text
    # Neither browser is logged in: nothing tells the two apart.
    assert not _logged_in(taken_browser) and not _logged_in(new_browser)

    # The owner of the taken address hears of the attempt; the new address gets its confirmation.
    by_recipient = {m["To"]: m for m in mails(app)}
    assert sorted(by_recipient) == ["fresh@example.org", "taken@example.org"]
    assert by_recipient["taken@example.org"]["Subject"] == "Someone tried to register with your address"
    assert "/auth/confirm/" not in text_of(by_recipient["taken@example.org"])
    assert "Confirm your email" in by_recipient["fresh@example.org"]["Subject"]
    # Only the new address made an account.
    usernames = set(db.session.scalars(sa.select(User.username)))
    assert usernames == {"owner", "visitor_two"}


def test_a_new_member_confirms_from_the_mail_and_is_logged_in(app, client):
    answer = client.post("/auth/register", data=REGISTRATION)
    answer.close()
    assert not _logged_in(client)
    (msg,) = mails(app)
    confirmed = client.get(mail_link(msg, "/auth/confirm/"), follow_redirects=True)
    assert "Your email address is confirmed" in confirmed.text
    assert _logged_in(client)
    # The link logs in once: used again in another browser, it only says the address is confirmed.
    other = app.test_client()
    again = other.get(mail_link(msg, "/auth/confirm/"), follow_redirects=True)
    assert "That email address is confirmed. Log in" in again.text
    assert not _logged_in(other)


def test_password_reset_answers_alike_and_mails_only_an_existing_address(app, make_user):
    make_user(username="owner", email="reset@example.org")
    answers = []
    for email in ("reset@example.org", "nobody@example.org"):
        browser = app.test_client()
        answer = browser.post("/auth/reset", data={"email": email})
        # The answer does not wait for the mail (its time would tell the two apart): it goes after.
        sent = len(mails(app))
        answer.close()
        assert len(mails(app)) == sent + (email == "reset@example.org")
        page = browser.get(answer.headers["Location"])
        answers.append((answer.status_code, answer.headers["Location"], answer.data, without_csrf(page.text)))
    assert answers[0] == answers[1]
    assert "If an account uses that address" in answers[0][3]
    (msg,) = mails(app)
    assert msg["To"] == "reset@example.org"
    link = mail_link(msg, "/auth/reset/")
    browser = app.test_client()
    browser.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"login": "owner", "password": PASSWORD}).status_code == 200
    assert (
        fresh.post("/auth/login", data={"login": "owner", "password": "brand-new-password"}).status_code
        == 302
    )
