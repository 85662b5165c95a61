"""Accounts and community in Polish: every page of the slice, the language setting, and mail that
goes out in its recipient's language (confirmation, already registered, reset, notifications)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask_babel import force_locale

from benefit.community import actions as community
from benefit.community.notifications import unsubscribe_token
from benefit.extensions import db
from benefit.forum import actions as posting
from benefit.i18n import format_day
from benefit.models import Notification, User
from tests.i18n_check import assert_polish, english_left
from tests.web.accounts_helpers import REGISTRATION, mail_link, mails, text_of

PL = {"Accept-Language": "pl"}
EN = {"Accept-Language": "en"}


def assert_polish_slice(html: str, where: str) -> None:
    """The whole page in Polish: header, footer, forms and the slice's own words."""
    assert_polish(html, where)


def html_of(msg) -> str:
    return str(msg.get_body(("html",)).get_content())


def polish_member(make_user, **extra) -> User:
    return make_user(locale="pl", display_name=extra.pop("display_name", "Zofia Nowak"), **extra)


# --- the pages, as a visitor whose browser asks for Polish -----------------------------------------


def test_visitor_pages_read_in_polish(client, make_user, make_topic):
    member = make_user(username="zofia", display_name="Zofia Nowak", job_role="Bibliotekarka")
    topic = make_topic(author=member)
    posting.reply_to_topic(member, topic, "Dziękuję za ten pomysł.")
    with client.application.app_context():
        token = unsubscribe_token(member.id, ["mention", "reply"])
    for url in (
        "/auth/login",
        "/auth/register",
        "/auth/reset",
        "/auth/reset/not-a-token",
        "/members",
        "/members?library_type=public&country=PL",
        "/u/zofia",
        f"/notifications/unsubscribe/{token}",
    ):
        response = client.get(url, headers=PL)
        assert response.status_code == 200, url
        assert_polish_slice(response.text, url)
    bad = client.get("/notifications/unsubscribe/forged", headers=PL)
    assert bad.status_code == 404
    assert_polish_slice(bad.text, "unsubscribe, a forged link")
    done = client.post(f"/notifications/unsubscribe/{token}", headers=PL)
    assert "nie będziesz już dostawać" in done.text
    assert_polish_slice(done.text, "unsubscribe, done")


def test_a_visitor_sent_to_log_in_is_told_why_in_their_language(client):
    response = client.get("/settings", headers=PL, follow_redirects=True)
    assert response.request.path == "/auth/login"
    assert "Zaloguj się, aby przejść dalej." in response.text
    assert_polish_slice(response.text, "login, after a members-only page")
    response = client.get("/settings", headers=EN, follow_redirects=True)
    assert "Log in to continue." in response.text


def test_counts_take_the_polish_plural_forms(client, make_user):
    for n in range(1, 6):
        make_user(display_name=f"Osoba {n}", institution="Biblioteka Miejska")
        text = BeautifulSoup(client.get("/members", headers=PL).text, "html.parser")
        count = text.select_one(".result-count").get_text(strip=True)
        assert (
            count == {1: "1 członek", 2: "2 członków", 3: "3 członków", 4: "4 członków", 5: "5 członków"}[n]
        )


def test_library_types_read_in_the_readers_language(client, make_user):
    make_user(username="ola", library_type="pedagogical", display_name="Ola Wiśniewska")
    polish = client.get("/u/ola", headers=PL).text
    assert "Biblioteka pedagogiczna" in polish and "Pedagogical library" not in polish
    assert "Pedagogical library" in client.get("/u/ola", headers=EN).text
    options = BeautifulSoup(client.get("/auth/register", headers=PL).text, "html.parser")
    labels = [o.get_text() for o in options.select("#library_type option")]
    assert labels[:3] == ["Wybierz…", "Biblioteka publiczna", "Biblioteka pedagogiczna"]


def test_the_polish_labels_are_the_taxonomys_names(app):
    import csv
    from pathlib import Path

    from benefit.models import LIBRARY_TYPES

    path = Path(app.root_path) / "demo" / "taxonomy" / "library-types.csv"
    with path.open(encoding="utf-8") as handle:
        names = {row["slug"]: row["name_pl"] for row in csv.DictReader(handle)}
    with force_locale("pl"):
        assert {slug: str(label) for slug, label in LIBRARY_TYPES.items()} == names


def test_a_bad_address_is_explained_in_polish_beside_its_field(client):
    response = client.post("/auth/register", data={**REGISTRATION, "email": "anna@@example"}, headers=PL)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    error = soup.select_one("#email-error").get_text(strip=True)
    assert error == "Wpisz adres e-mail w postaci nazwa@biblioteka.pl."
    assert soup.select_one("#email")["value"] == "anna@@example"
    assert not english_left(f'<html lang="pl"><p>{error}</p></html>')
    # The English page says it in English, in its own words too (not email-validator's).
    english = client.post("/auth/register", data={**REGISTRATION, "email": "anna@@example"}, headers=EN)
    assert "Enter an email address such as name@library.pl." in english.text


def test_failed_forms_explain_in_polish(client, make_user):
    response = client.post(
        "/auth/register", data={**REGISTRATION, "username": "a", "country": "Polska"}, headers=PL
    )
    assert_polish_slice(response.text, "register with errors")
    assert "Od 3 do 30 liter, cyfr lub podkreślników." in response.text
    make_user(username="ewa")
    response = client.post("/auth/login", data={"login": "ewa", "password": "wrong-password"}, headers=PL)
    assert "nie pasuje do hasła" in response.text
    assert_polish_slice(response.text, "login refused")


# --- the pages, as a member whose setting is Polish -----------------------------------------------


@pytest.fixture
def polish_session(client, make_user, make_topic, taxonomy, login):
    me = polish_member(make_user, username="zofia")
    other = make_user(username="jan", display_name="Jan Kowalski", locale="en")
    topic = make_topic(author=me, title="Nasz pierwszy wpis", language="pl")
    english_topic = make_topic(author=other, title="The best of BookTok for your library")
    posting.reply_to_topic(other, topic, f"@{me.username}, świetny pomysł!")
    posting.reply_to_topic(other, topic, "Jeszcze jedno.")
    community.bookmark_topic(me, english_topic)
    community.follow_tag(me, taxonomy["instagram"])
    login(me)
    return me, other


def test_member_pages_read_in_polish(client, polish_session):
    me, other = polish_session
    for url in (
        "/settings",
        "/settings/security",
        "/settings/data",
        "/settings/notifications",
        "/notifications",
        "/bookmarks",
        "/auth/logout",
        "/members",
        f"/u/{me.username}",
        f"/u/{other.username}",
    ):
        response = client.get(url)  # no Accept-Language: the member's setting decides
        assert response.status_code == 200, url
        assert_polish_slice(response.text, url)


def test_notifications_are_written_in_the_readers_language(client, polish_session):
    page = BeautifulSoup(client.get("/notifications").text, "html.parser")
    items = [li.select_one("a").get_text() for li in page.select(".notification")]
    assert items == [
        "Jan Kowalski odpowiada w temacie „Nasz pierwszy wpis”",
        "Jan Kowalski wspomina o tobie w odpowiedzi w temacie „Nasz pierwszy wpis”",
    ]
    # The quoted title carries its language.
    assert page.select_one(".notification a span[lang='pl']").get_text() == "Nasz pierwszy wpis"
    response = client.post("/notifications/read", follow_redirects=True)
    assert "Oznaczono 2 powiadomienia jako przeczytane." in response.text


def test_member_actions_flash_in_polish(client, polish_session, make_topic):
    topic = make_topic(title="Kalendarz wpisów", language="pl")
    response = client.post(f"/t/{topic.id}/bookmark", follow_redirects=True)
    assert "Dodano do zakładek." in response.text
    response = client.post("/settings/notifications", data={"reply": "sometimes", "mention": "daily",
                           "vote_milestone": "never", "moderation": "daily"})  # fmt: skip
    assert response.status_code == 200
    assert_polish_slice(response.text, "notification settings refused")


# --- the language setting ---------------------------------------------------------------------------


def profile_form(user: User, **changes: str) -> dict[str, str]:
    return {
        "display_name": user.display_name,
        "institution": user.institution,
        "library_type": user.library_type,
        "country": user.country,
        "job_role": user.job_role,
        "platforms": "",
        "bio": "",
        **changes,
    }


def test_the_settings_choice_is_saved_and_used(client, make_user, login):
    user = make_user(username="marta", display_name="Marta Lis")
    login(user)
    page = BeautifulSoup(client.get("/settings").text, "html.parser")
    assert page.select_one("#locale option[selected]")["value"] == "en"
    assert page.select_one("#locale option[value='pl']")["lang"] == "pl"
    response = client.post("/settings", data=profile_form(user, locale="pl"), follow_redirects=True)
    assert "Profil zapisany." in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "pl"
    # It wins over the browser's language and the switcher's cookie.
    client.set_cookie("benefit_lang", "en")
    settings = client.get("/settings", headers=EN)
    assert_polish_slice(settings.text, "/settings after choosing Polish")
    selected = BeautifulSoup(settings.text, "html.parser").select_one("#locale option[selected]")
    assert selected["value"] == "pl"
    client.post("/settings", data=profile_form(user, locale="en"))
    assert '<html lang="en"' in client.get("/settings", headers=PL).text


def test_an_unknown_language_is_refused_beside_the_field(client, make_user, login):
    user = make_user(locale="pl", display_name="Marta Lis")
    login(user)
    response = client.post("/settings", data=profile_form(user, locale="xx"))
    assert response.status_code == 200
    error = BeautifulSoup(response.text, "html.parser").select_one("#locale-error")
    assert error.get_text(strip=True) == "Wybierz język z listy."
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "pl"


def test_a_form_without_the_language_keeps_the_setting(client, make_user, login):
    user = make_user(locale="pl", display_name="Marta Lis")
    login(user)
    form = profile_form(user, job_role="Koordynatorka")
    client.post("/settings", data=form)
    db.session.expire_all()
    saved = db.session.get(User, user.id)
    assert saved.locale == "pl" and saved.job_role == "Koordynatorka"


def test_the_switcher_saves_a_members_choice(client, make_user, login):
    user = make_user(display_name="Marta Lis")
    login(user)
    response = client.get("/language/pl?next=/settings")
    assert response.status_code == 302 and response.location == "/settings"
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "pl"
    # The setting travels with the member: another browser, asking for English, gets Polish.
    client.delete_cookie("benefit_lang")
    assert '<html lang="pl"' in client.get("/settings", headers=EN).text
    client.get("/language/xx?next=/settings")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "pl"
    client.get("/language/en")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_a_visitor_switching_language_only_gets_the_cookie(client, make_user):
    user = make_user(locale="en")
    client.get("/language/pl")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    assert '<html lang="pl"' in client.get("/auth/login").text


# --- mail in the recipient's language ---------------------------------------------------------------


def register(client, headers, **changes):
    client.post("/auth/register", data={**REGISTRATION, **changes}, headers=headers).close()


def test_a_member_registering_in_polish_gets_polish_mail_and_keeps_polish(client, app):
    register(client, PL)
    user = db.session.scalar(sa.select(User).where(User.username == "anna_k"))
    assert user.locale == "pl"
    (msg,) = mails(app)
    assert msg["Subject"] == "Potwierdź swój adres e-mail w BENEFIT"
    assert "Witamy w BENEFIT" in text_of(msg) and "Dzień dobry, Anna Kowalska," in text_of(msg)
    assert_polish(html_of(msg), "confirmation mail")
    # The link logs the new member in, in Polish.
    response = client.get(mail_link(msg, "/auth/confirm/"), follow_redirects=True)
    assert "Adres e-mail potwierdzony. Możesz już pisać." in response.text


def test_a_member_registering_in_english_gets_english_mail(client, app):
    register(client, EN)
    assert db.session.scalar(sa.select(User.locale).where(User.username == "anna_k")) == "en"
    (msg,) = mails(app)
    assert msg["Subject"] == "Confirm your email address for BENEFIT"
    assert "Welcome to BENEFIT" in text_of(msg)
    assert '<html lang="en">' in html_of(msg)


def test_already_registered_mail_follows_the_accounts_language(client, app, make_user):
    make_user(username="owner", email="anna@example.org", locale="pl")
    register(client, EN)  # whoever tries, in whatever language, the owner reads their own
    (msg,) = mails(app)
    assert msg["Subject"] == "Ktoś próbował zarejestrować konto na Twój adres"
    assert "Jeśli to nie Ty, zignoruj tę wiadomość." in text_of(msg)
    assert_polish(html_of(msg), "already-registered mail")


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("pl", "Ustaw nowe hasło w BENEFIT", "Link działa jednorazowo, przez 60 minut."),
        ("en", "Reset your BENEFIT password", "The link works once, for 60 minutes."),
        ("", "Reset your BENEFIT password", "The link works once, for 60 minutes."),  # the default
    ],
)
def test_reset_mail_is_in_the_members_language(client, app, make_user, locale, subject, words):
    make_user(email="reset@example.org", locale=locale, display_name="Marta Lis")
    client.post("/auth/reset", data={"email": "reset@example.org"}, headers=PL).close()
    (msg,) = mails(app)
    assert msg["Subject"] == subject
    assert words in html_of(msg)
    if locale == "pl":
        assert_polish(html_of(msg), "reset mail")


def notification_mails(app, runner, *args):
    result = runner.invoke(args=["notifications", "send", *args])
    assert result.exit_code == 0, result.output
    return {m["To"]: m for m in mails(app)}


def test_notification_mail_is_in_each_recipients_language(app, runner, make_user, make_topic):
    zofia = polish_member(make_user, username="zofia")
    jan = make_user(username="jan", display_name="Jan Kowalski", locale="en")
    ola = make_user(username="ola", display_name="Ola Lis")
    topic = make_topic(author=zofia, title="Kalendarz wpisów", language="pl")
    posting.reply_to_topic(ola, topic, f"@{jan.username}, zobacz ten wątek.")
    sent = notification_mails(app, runner)
    polish, english = sent[zofia.email], sent[jan.email]
    assert polish["Subject"] == "Ola Lis odpowiada w temacie „Kalendarz wpisów”"
    assert "Zobacz: http://benefit.test/notifications/" in text_of(polish)
    assert_polish(html_of(polish), "notification mail")
    assert '<span lang="pl">Kalendarz wpisów</span>' in html_of(polish)
    assert english["Subject"] == "Ola Lis mentioned you in a reply to “Kalendarz wpisów”"
    assert "Open it: http://benefit.test/notifications/" in text_of(english)


def test_the_daily_mail_is_in_polish_with_polish_dates(app, runner, make_user, make_topic):
    zofia = polish_member(make_user, username="zofia")
    community.update_notification_settings(zofia, {"reply": "daily", "mention": "daily"})
    topic = make_topic(author=zofia, title="Kalendarz wpisów", language="pl")
    ola = make_user(display_name="Ola Lis")
    posting.reply_to_topic(ola, topic, f"@{zofia.username}, zobacz.")
    posting.reply_to_topic(ola, make_topic(author=zofia, title="Plakat", language="pl"), "Dobre!")
    msg = notification_mails(app, runner, "--daily")[zofia.email]
    assert msg["Subject"] == "2 nowe powiadomienia w serwisie BENEFIT"
    created = db.session.scalars(sa.select(Notification.created_at)).first()
    with force_locale("pl"):
        assert format_day(created, "datetime") in text_of(msg)
    months = (
        "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia"
    )
    assert re.search(rf"\d+ ({months}) \d{{4}}, \d\d:\d\d", text_of(msg))
    assert_polish(html_of(msg), "daily notification mail")
