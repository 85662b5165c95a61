"""The forum in Polish (issue 17): every page of the forum slice reads in Polish, posts say which
language they are written in, lists narrow by it, tags and categories speak the reader's language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.forum.tags import apply_polish_names
from benefit.models import Reply, Topic
from tests.i18n_check import assert_polish

PL = {"Accept-Language": "pl"}


@pytest.fixture
def polish_tags(taxonomy):
    apply_polish_names()
    db.session.commit()
    return taxonomy


@pytest.fixture
def forum(make_user, make_topic, polish_tags):
    """A Polish practice with a Polish and an English reply, an English mistake, a discussion."""
    anna = make_user(username="anna", display_name="Anna Kowalska", institution="MBP Gdańsk", locale="pl")
    jane = make_user(username="jane", display_name="Jane Doe", institution="Leeds Libraries")
    practice = make_topic(
        title="Półka z BookToka przy wejściu",
        body="Ustawiliśmy półkę z książkami z **BookToka** tuż przy wejściu.",
        author=anna,
        language="pl",
        tags=("tiktok", "booktok", "influencer-partnerships"),
    )
    db.session.add_all(
        [
            Reply(
                topic=practice, author=jane, body="Great idea", body_html="<p>Great idea, we did it too.</p>"
            ),
            Reply(
                topic=practice, author=anna, body="Dzięki", body_html="<p>Dzięki, polecam!</p>", language="pl"
            ),
        ]
    )
    practice.reply_count = 2
    mistake = make_topic(
        kind="mistake",
        title="Posting images without alt text",
        body="Images go out without any description for screen reader users.",
        author=jane,
        tags=("instagram",),
        category="visuals-accessibility",
        vote_count=3,
    )
    discussion = make_topic(
        kind="discussion",
        title="Czy warto zakładać konto na Threads?",
        body="Zastanawiamy się, czy Threads ma sens dla biblioteki.",
        author=anna,
        language="pl",
        tags=("threads",),
    )
    db.session.commit()
    return {"anna": anna, "jane": jane, "practice": practice, "mistake": mistake, "discussion": discussion}


def forum_part(html: str) -> str:
    """The whole page: the community and moderation parts it includes are Polish too."""
    return html


def _url(topic: Topic) -> str:
    return f"/t/{topic.id}/{topic.slug}"


def test_reading_pages_are_polish(client, forum):
    urls = [
        *("/", "/practices", "/mistakes", "/discussions", "/practices?language=pl"),
        *("/tags", "/tags/booktok", "/tags/instagram", "/privacy"),
        *(_url(forum["practice"]), _url(forum["mistake"])),
    ]
    for url in urls:
        response = client.get(url, headers=PL)
        assert response.status_code == 200, url
        assert_polish(response.text, url)


def test_forms_are_polish_for_a_polish_member(client, login, forum):
    login(forum["anna"])
    client.get("/")  # the login's welcome (accounts' message) is shown once, here
    practice = forum["practice"]
    reply = db.session.scalar(sa.select(Reply).where(Reply.language == "pl"))
    for url in ["/new", "/new?kind=mistake", f"/t/{practice.id}/edit", f"/r/{reply.id}/edit", _url(practice)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_polish(forum_part(response.text), url)
    # A form sent back with errors: WTForms' own messages and the forum's, beside their fields.
    response = client.post("/new", data={"kind": "practice", "title": "", "body": "Krótko", "language": "xx"})
    assert_polish(response.text, "/new (errors)")
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("#title-error").text == "To pole jest wymagane."
    assert "Nieprawidłowy wybór" in soup.select_one("#language-error").text
    assert soup.select_one("#body").text.strip() == "Krótko"


def test_every_post_and_reply_carries_its_language_and_names_are_not_translated(client, forum):
    soup = BeautifulSoup(client.get(_url(forum["practice"]), headers=PL).text, "html.parser")
    assert soup.select_one("#topic-title")["lang"] == "pl"
    assert soup.select_one("article.topic .post-body")["lang"] == "pl"
    assert [b["lang"] for b in soup.select(".reply .post-body")] == ["en", "pl"]
    names = {a.text: a.get("translate") for a in soup.select(".reply .meta a[translate]")}
    assert names == {"Jane Doe": "no", "Anna Kowalska": "no"}
    # Lists: each title in its own language.
    soup = BeautifulSoup(client.get("/", headers=PL).text, "html.parser")
    titles = {a.text: a["lang"] for a in soup.select(".topic-title a")}
    assert titles["Posting images without alt text"] == "en"
    assert titles["Półka z BookToka przy wejściu"] == "pl"


def test_header_switcher_names_each_language_in_itself(client, forum):
    soup = BeautifulSoup(client.get("/practices?page=1", headers=PL).text, "html.parser")
    switch = soup.select_one(".language-switch")
    current = switch.select_one('[aria-current="true"]')
    assert (current.name, current.text, current["lang"]) == ("span", "Polski", "pl")
    english = switch.select_one('a[lang="en"]')
    assert english.text == "English"
    response = client.get(english["href"])
    assert response.status_code == 302 and response.location.endswith("/practices?page=1")
    assert '<html lang="en"' in client.get("/practices").text


def test_the_composer_stores_the_language_defaulting_to_the_interface(client, login, forum):
    login(forum["anna"])  # locale "pl"
    soup = BeautifulSoup(client.get("/new").text, "html.parser")
    assert soup.select_one("#language option[selected]")["value"] == "pl"
    data = {"kind": "practice", "title": "Konkurs na recenzję", "body": "Co miesiąc nagradzamy recenzję.",
            "platforms": "facebook"}  # fmt: skip
    assert client.post("/new", data={**data, "language": "en"}).status_code == 302
    assert client.post("/new", data={**data, "title": "Bez wyboru języka"}).status_code == 302
    stored = dict(
        db.session.execute(
            sa.select(Topic.title, Topic.language).where(Topic.author_id == forum["anna"].id)
        ).all()
    )
    assert stored["Konkurs na recenzję"] == "en"
    assert stored["Bez wyboru języka"] == "pl"  # a form without the field: the interface's language
    practice = forum["practice"]
    response = client.post(f"/t/{practice.id}/reply", data={"body": "An answer in English", "language": "en"})
    assert response.status_code == 302
    reply = db.session.scalar(sa.select(Reply).where(Reply.body == "An answer in English"))
    assert reply.language == "en"
    client.post(f"/r/{reply.id}/edit", data={"body": "Odpowiedź po polsku", "language": "pl"})
    db.session.refresh(reply)
    assert (reply.body, reply.language) == ("Odpowiedź po polsku", "pl")
    edited = {"kind": "practice", "title": practice.title, "body": practice.body, "platforms": "tiktok"}
    client.post(f"/t/{practice.id}/edit", data={**edited, "language": "en"})
    db.session.refresh(practice)
    assert practice.language == "en"


def test_an_english_member_defaults_to_english_and_a_bad_language_is_refused_beside_the_field(
    client, login, forum
):
    login(forum["jane"])
    soup = BeautifulSoup(client.get("/new").text, "html.parser")
    assert soup.select_one("#language option[selected]")["value"] == "en"
    assert [o["lang"] for o in soup.select("#language option")] == ["pl", "en"]
    data = {"kind": "practice", "title": "Reading challenge", "body": "Every month a new reading theme.",
            "platforms": "facebook", "language": "de"}  # fmt: skip
    response = client.post("/new", data=data)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("#language-error").text == "Not a valid choice."
    assert soup.select_one("#title")["value"] == "Reading challenge"
    assert db.session.scalar(sa.select(Topic).where(Topic.title == "Reading challenge")) is None
    practice = forum["practice"]
    response = client.post(f"/t/{practice.id}/reply", data={"body": "A reply", "language": "xx"})
    assert response.status_code == 400
    assert (
        "Not a valid choice."
        in BeautifulSoup(response.text, "html.parser").select_one("#language-error").text
    )


def _titles(response) -> set[str]:
    return {a.text for a in BeautifulSoup(response.text, "html.parser").select(".topic-title a")}


def test_lists_narrow_by_language_and_keep_it_across_pages(client, app, forum, make_topic):
    app.config["PER_PAGE"] = 2
    for n in range(3):
        make_topic(title=f"Praktyka numer {n}", language="pl", tags=("facebook",))
    make_topic(title="An English practice", tags=("facebook",))
    first = client.get("/practices?language=pl", headers=PL)
    assert "An English practice" not in _titles(first) and len(_titles(first)) == 2
    soup = BeautifulSoup(first.text, "html.parser")
    assert soup.select_one("#f-language option[selected]")["value"] == "pl"
    following = soup.select_one('.pager a[rel="next"]')["href"]
    assert "language=pl" in following
    assert "An English practice" not in _titles(client.get(following, headers=PL))
    assert _titles(client.get("/practices?language=en")) == {"An English practice"}
    assert _titles(client.get("/?language=en")) >= {"An English practice", "Posting images without alt text"}
    assert "Półka z BookToka przy wejściu" not in _titles(client.get("/?language=en"))
    assert _titles(client.get("/tags/booktok?language=en")) == set()
    assert _titles(client.get("/tags/booktok?language=pl")) == {"Półka z BookToka przy wejściu"}
    # Unknown values are ignored, never an error.
    for value in ("de", "", "%00", "pl" * 40, "PL"):
        response = client.get("/practices", query_string={"language": value})
        assert response.status_code == 200, value
        assert "An English practice" in _titles(response)


def test_tags_and_categories_read_in_the_readers_language(client, forum):
    soup = BeautifulSoup(client.get("/tags/influencer-partnerships", headers=PL).text, "html.parser")
    heading = soup.select_one("h1 span[lang]")
    assert (heading.text, heading["lang"]) == ("Współpraca z influencerami", "pl")
    assert soup.select_one("p.lede")["lang"] == "pl"
    soup = BeautifulSoup(client.get("/tags/influencer-partnerships").text, "html.parser")
    assert soup.select_one("h1 span[lang]").text == "Influencer partnerships"
    # A tag without a Polish name keeps its own, marked as English.
    soup = BeautifulSoup(client.get("/tags/instagram", headers=PL).text, "html.parser")
    assert (soup.select_one("h1 span[lang]").text, soup.select_one("h1 span[lang]")["lang"]) == (
        "Instagram",
        "en",
    )
    mistakes = client.get("/mistakes", headers=PL).text
    assert "Grafika i dostępność" in mistakes
    assert "Visuals and accessibility" in client.get("/mistakes").text


def test_english_and_polish_counts_use_their_plural_forms(client, forum, make_topic):
    practice = forum["practice"]
    soup = BeautifulSoup(client.get(_url(practice), headers=PL).text, "html.parser")
    assert soup.select_one("#replies-title").text == "2 odpowiedzi"
    assert "3 osoby znają ten błąd" in client.get("/mistakes", headers=PL).text
    assert "3 members have seen this" in client.get("/mistakes").text


def test_feed_entries_carry_their_own_language(client, forum):
    response = client.get("/feed.atom", headers=PL)
    soup = BeautifulSoup(response.text, "xml")
    assert soup.find("feed")["xml:lang"] == "en"  # the interface default, whoever asks
    languages = {e.find("title").text: e["xml:lang"] for e in soup.find_all("entry")}
    assert languages["Good practice: Półka z BookToka przy wejściu"] == "pl"
    assert languages["Mistake: Posting images without alt text"] == "en"
    tag_feed = BeautifulSoup(client.get("/tags/booktok/feed.atom").text, "xml")
    assert [e["xml:lang"] for e in tag_feed.find_all("entry")] == ["pl"]


def _error_page(response, status: int, where: str) -> BeautifulSoup:
    assert response.status_code == status, where
    assert_polish(response.text, where)
    return BeautifulSoup(response.text, "html.parser")


def test_error_pages_are_polish(client, login, forum, make_app):
    assert "Nie znaleziono strony" in _error_page(client.get("/t/999999", headers=PL), 404, "404").h1.text
    soup = _error_page(client.get("/tags/nic-takiego", headers=PL), 404, "404 tag")
    assert "Nie ma tagu „nic-takiego”." in soup.text
    soup = _error_page(client.get("/practices", query_string={"q": "\x00"}, headers=PL), 400, "400")
    assert "nie przyjmuje (U+0000)" in soup.text
    _error_page(client.post("/tags", headers=PL), 405, "405")
    big = client.post("/new", data={"body": "x" * (1024 * 1024 + 10)}, headers=PL)
    assert "1 MB" in _error_page(big, 413, "413").text
    login(forum["anna"])
    client.get("/")
    soup = _error_page(client.get(f"/t/{forum['mistake'].id}/edit"), 403, "403")
    assert "Możesz edytować tylko własne wpisy." in soup.text
    # The form sent without its CSRF token (an expired page).
    strict = make_app(WTF_CSRF_ENABLED=True).test_client()
    soup = _error_page(strict.post("/auth/logout", headers=PL), 400, "400 CSRF")
    assert "Formularz wygasł" in soup.text


def test_server_error_page_is_polish(make_app):
    live = make_app(TESTING=False)
    live.add_url_rule("/boom", "boom", lambda: 1 / 0)
    response = live.test_client().get("/boom", headers=PL)
    assert "Coś poszło nie tak" in _error_page(response, 500, "500").h1.text


def test_rate_limit_page_is_polish_with_the_wait_in_words(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    for _ in range(11):
        response = limited.post("/auth/login", data={"login": "nikt", "password": "złe-hasło"}, headers=PL)
    soup = _error_page(response, 429, "429")
    assert soup.h1.text.startswith("Zwolnij")
    assert "Osiągnięto limit: 10 na 1 minutę." in soup.text
    assert "Spróbuj ponownie za" in soup.text and "sekund" in soup.text
