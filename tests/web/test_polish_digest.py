"""The digest in Polish: the subscribe form asks the language, and the mail and the pages its links
open are in the subscriber's language, whatever the browser says."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.digests.tokens import confirmation_token, unsubscribe_token
from benefit.extensions import db
from benefit.models import Subscription, utcnow
from tests.i18n_check import english_left
from tests.polish_pages import check_polish as assert_polish

PL = {"Accept-Language": "pl"}
EN = {"Accept-Language": "en"}
NOW_ARG = "2026-11-23T06:00:00Z"  # a Monday: the week of 16–22 Nov has ended
IN_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_config(app_config, smtp_config):
    return {**app_config, **smtp_config}


@pytest.fixture
def recorder(smtp_server):
    return smtp_server[0]


def subscriptions():
    db.session.expire_all()
    return {s.email: s for s in db.session.scalars(sa.select(Subscription))}


def ask(client, email, headers, **data):
    response = client.post("/digest", data={"email": email, "frequency": "weekly", **data}, headers=headers)
    response.close()  # the confirmation mail goes out once the response is sent
    return response


def confirmed(email, locale="", frequency="weekly"):
    sub = Subscription(email=email, frequency=frequency, locale=locale, confirmed_at=utcnow())
    db.session.add(sub)
    db.session.commit()
    return sub


def text_of(msg):
    return msg.get_body(("plain",)).get_content()


def html_of(msg):
    return msg.get_body(("html",)).get_content()


def polish_mail(msg, *parts):
    """The HTML part's own content read as a Polish page: its <main>, and the other `parts` the
    mail fills in (the layout around them, with its <html lang> and default footer, belongs to
    templates/email/_layout.html, another slice)."""
    soup = BeautifulSoup(html_of(msg), "html.parser")
    inner = "".join(soup.find(name).decode() for name in ("main", *parts))
    return f'<html lang="pl"><body>{inner}</body></html>'


def test_the_subscribe_page_asks_the_language_and_defaults_to_the_interface_one(client):
    page = client.get("/digest", headers=PL)
    assert_polish(page.text, "/digest")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find("input", attrs={"name": "locale", "value": "pl"}).has_attr("checked")
    english = BeautifulSoup(client.get("/digest", headers=EN).text, "html.parser")
    assert english.find("input", attrs={"name": "locale", "value": "en"}).has_attr("checked")
    assert "Language of the digest" in english.text


def test_the_chosen_language_is_stored_and_the_confirmation_mail_is_written_in_it(client, recorder):
    ask(client, "anna@example.org", EN, locale="pl")
    ask(client, "john@example.org", PL, locale="en")
    subs = subscriptions()
    assert subs["anna@example.org"].locale == "pl" and subs["john@example.org"].locale == "en"

    polish, english = recorder.messages
    assert polish["Subject"] == "Potwierdź subskrypcję przeglądu BENEFIT"
    assert "Na ten adres zamówiono przegląd tygodnia BENEFIT" in text_of(polish)
    assert english_left(polish_mail(polish)) == []
    assert english["Subject"] == "Confirm your BENEFIT digest subscription"
    assert "Someone (we hope you) asked for the weekly BENEFIT digest" in text_of(english)


def test_an_unknown_language_is_refused_beside_the_field_without_an_error(client, recorder):
    for value in ("de", "", "pl" * 40, "<script>"):
        response = client.post(
            "/digest", data={"email": "x@example.org", "frequency": "weekly", "locale": value}, headers=PL
        )
        assert response.status_code == 200, value
        field = BeautifulSoup(response.text, "html.parser").find("input", attrs={"name": "locale"})
        assert field.find_parent(class_="field-error") is not None, value
    assert subscriptions() == {} and recorder.messages == []


def test_a_form_without_the_language_gets_the_page_language(client):
    client.post("/digest", data={"email": "old@example.org", "frequency": "daily"}, headers=PL).close()
    assert subscriptions()["old@example.org"].locale == "pl"


def test_the_pages_a_mail_link_opens_are_in_the_subscription_language(client):
    sub = Subscription(email="ewa@example.org", frequency="weekly", locale="pl")
    db.session.add(sub)
    db.session.commit()
    confirm = f"/digest/confirm/{confirmation_token(sub.id, sub.email)}"
    # The browser asks for English; the link is the subscriber's, who chose Polish.
    assert_polish(client.get(confirm, headers=EN).text, confirm)
    done = client.post(confirm, headers=EN, follow_redirects=True)
    assert_polish(done.text, confirm + " (confirmed)")
    unsubscribe = f"/digest/unsubscribe/{unsubscribe_token(sub)}"
    assert_polish(client.get(unsubscribe, headers=EN).text, unsubscribe)
    changed = client.post(
        f"{unsubscribe}/frequency", data={"frequency": "daily"}, headers=EN, follow_redirects=True
    )
    assert_polish(changed.text, unsubscribe + "/frequency")
    assert "codzienny przegląd" in changed.text
    assert_polish(client.post(unsubscribe, headers=EN).text, unsubscribe + " (POST)")
    assert subscriptions() == {}


def test_an_english_subscription_keeps_its_pages_english_under_a_polish_browser(client):
    sub = confirmed("john@example.org", locale="en")
    page = client.get(f"/digest/unsubscribe/{unsubscribe_token(sub)}", headers=PL).text
    assert '<html lang="en"' in page and "Unsubscribe from the digest?" in page


def test_an_invalid_link_is_in_the_interface_language_or_the_one_it_carries(client):
    for path in ("/digest/confirm/forged", "/digest/unsubscribe/forged"):
        response = client.get(path, headers=PL)
        assert response.status_code == 404
        assert_polish(response.text, path)
        carried = client.get(path + "?lang=pl", headers=EN)
        assert carried.status_code == 404
        assert_polish(carried.text, path + "?lang=pl")
    assert client.get("/digest/confirm/forged?lang=%00xx", headers=EN).status_code in (400, 404)
    one_click = client.post("/digest/unsubscribe/forged", data={"List-Unsubscribe": "One-Click"}, headers=PL)
    assert (
        one_click.status_code == 404 and one_click.text == "Ten link do wypisania się jest nieprawidłowy.\n"
    )


def test_a_polish_subscriber_gets_a_polish_digest_and_an_english_one_an_english_digest(
    app, runner, recorder, make_topic, make_user
):
    make_topic(title="Library card sign-up month on TikTok", created_at=IN_WEEK, replies=3)
    make_topic(
        kind="mistake",
        title="Posty o 3 w nocy",
        body="Nikt ich nie czyta.",
        created_at=IN_WEEK,
        language="pl",
    )
    confirmed("ewa@example.org", locale="pl")
    confirmed("john@example.org", locale="en")
    # A member's own language wins over the one stored on the subscription.
    member = make_user(email="marta@example.org", locale="pl")
    db.session.add(Subscription(email=member.email, user_id=member.id, locale="en", confirmed_at=utcnow()))
    db.session.commit()
    result = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", NOW_ARG])
    assert result.exit_code == 0, result.output
    mails = {m["To"]: m for m in recorder.messages}

    for address in ("ewa@example.org", "marta@example.org"):
        polish = mails[address]
        assert polish["Subject"] == (
            "BENEFIT: przegląd tygodnia, 16–22 listopada 2026: 1 dobra praktyka, 1 błąd"
        ), address
        text = text_of(polish)
        assert "DOBRE PRAKTYKI" in text and "3 odpowiedzi" in text and "Wypisz się: http" in text
        assert english_left(polish_mail(polish, "footer")) == []
        html = BeautifulSoup(html_of(polish), "html.parser")
        titles = {h.get_text(strip=True): h["lang"] for h in html.find_all("h3")}
        assert titles == {"Library card sign-up month on TikTok": "en", "Posty o 3 w nocy": "pl"}

    english = mails["john@example.org"]
    assert english["Subject"] == "BENEFIT weekly digest, 16–22 Nov 2026: 1 practice, 1 mistake"
    assert "GOOD PRACTICES" in text_of(english) and "3 replies" in text_of(english)
    # The command itself speaks the site's default language (English in the suite).
    assert "weekly:2026-11-16: sent 3, skipped 0" in result.output


def test_a_member_chooses_the_digest_language_only_without_a_language_of_their_own(client, make_user, login):
    member = make_user(locale="")
    login(member)
    client.get("/", headers=PL)  # shows the login's welcome
    client.post("/digest/settings", data={"frequency": "weekly", "locale": "pl"}, headers=PL)
    assert subscriptions()[member.email].locale == "pl"
    page = client.get("/digest/settings", headers=PL).text
    assert_polish(page, "/digest/settings")
    assert (
        BeautifulSoup(page, "html.parser")
        .find("input", attrs={"name": "locale", "value": "pl"})
        .has_attr("checked")
    )
    bad = client.post("/digest/settings", data={"frequency": "weekly", "locale": "xx"})
    assert bad.status_code == 200 and subscriptions()[member.email].locale == "pl"


def test_a_member_with_a_language_gets_the_digest_in_it(client, make_user, login):
    member = make_user(locale="pl")
    login(member)
    client.get("/")  # shows the login's welcome
    page = client.get("/digest")
    assert_polish(page.text, "/digest (member)")
    assert not BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "locale"})
    assert "w języku twojego konta: Polski" in page.text
    client.post("/digest/settings", data={"frequency": "daily", "locale": "en"})
    assert subscriptions()[member.email].locale == "pl"
    assert re.search(r"codzienny przegląd", client.get("/digest/settings").text)
