"""/search through the test client: the index is fed synchronously after each commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.models import Reply, TagSynonym, Topic


def results(response) -> list[str]:
    soup = BeautifulSoup(response.text, "html.parser")
    return [h.get_text(" ", strip=True) for h in soup.select(".search-hits .topic-title")]


def facets(response, heading: str) -> dict[str, str]:
    soup = BeautifulSoup(response.text, "html.parser")
    for h3 in soup.select(".facets h3"):
        if h3.get_text(strip=True) == heading:
            ul = h3.find_next_sibling("ul")
            items = ul.select("li")
            return {li.find(["a", "strong"]).get_text(strip=True): li.get_text(" ", True) for li in items}
    return {}


def test_new_member_finds_their_tiktok_practice_with_facets_snippet_and_spelling_help(
    client, make_user, login, taxonomy, make_topic
):
    make_topic(title="Instagram reels for story time", body="Reels of storytime.", tags=("instagram",))
    login(make_user())
    response = client.post(
        "/new",
        data={
            "kind": "practice",
            "title": "Duet the author on TikTok",
            "body": "We stitched a duet with the author of our summer reading pick; the *puppeteer* joined.",
            "platforms": "tiktok",
            "trends": "booktok",
        },
    )
    assert response.status_code == 302

    found = client.get("/search", query_string={"q": "platform:tiktok puppeteer"})
    assert found.status_code == 200
    assert results(found) == ["Duet the author on TikTok"]
    assert "<mark>puppeteer</mark>" in found.text
    assert facets(found, "Platform")["TikTok"].startswith("TikTok (1")
    assert "BookTok" in facets(found, "Trend")

    misspelt = client.get("/search", query_string={"q": "platform:tiktok pupeteer"})
    assert results(misspelt) == []
    soup = BeautifulSoup(misspelt.text, "html.parser")
    suggestion = soup.select_one(".did-you-mean a")
    assert suggestion is not None and suggestion.get_text(strip=True) == "puppeteer platform:tiktok"
    assert results(client.get(suggestion["href"])) == ["Duet the author on TikTok"]


def test_stemming_matches_other_forms_of_a_word(client, make_topic):
    make_topic(title="Running a library account", body="Who runs it on weekends?")
    assert results(client.get("/search?q=run")) == ["Running a library account"]
    assert results(client.get("/search?q=runs")) == ["Running a library account"]


def test_a_phrase_matches_words_in_that_order(client, make_topic):
    make_topic(title="Story time online", body="We stream story time.")
    make_topic(title="Time for a story", body="Any time, any story.")
    assert results(client.get('/search?q="story time"')) == ["Story time online"]
    assert len(results(client.get("/search?q=story time"))) == 2


def test_facet_link_narrows_the_search(client, make_topic):
    make_topic(title="Captions everywhere", body="Alt text and captions.", tags=("instagram",))
    make_topic(title="Captions on video", body="Captions for every video.", tags=("youtube",))
    both = client.get("/search?q=captions")
    assert sorted(results(both)) == ["Captions everywhere", "Captions on video"]
    soup = BeautifulSoup(both.text, "html.parser")
    link = next(a for a in soup.select(".facets a") if a.get_text(strip=True) == "YouTube")
    narrowed = client.get(link["href"])
    assert results(narrowed) == ["Captions on video"]


def test_filters_in_the_query_and_as_controls(client, make_topic, make_user):
    alice = make_user(username="alice")
    make_topic(title="Wrong hashtag again", body="A hashtag mishap.", kind="mistake", author=alice, tags=())
    make_topic(title="Hashtag strategy", body="Hashtag research first.", tags=("instagram",))
    assert results(client.get("/search?q=hashtag+kind:mistake")) == ["Wrong hashtag again"]
    assert results(client.get("/search?q=hashtag&kind=mistake")) == ["Wrong hashtag again"]
    assert results(client.get("/search?q=hashtag+kind:mistakes")) == ["Wrong hashtag again"]
    assert results(client.get("/search?q=author:alice")) == ["Wrong hashtag again"]
    assert results(client.get("/search?q=hashtag+category:content")) == ["Wrong hashtag again"]
    assert results(client.get("/search?q=platform:ig+hashtag")) == ["Hashtag strategy"]  # a synonym
    unknown = client.get("/search?q=platform:myspace+hashtag")
    assert results(unknown) == [] and "is not a platform tag" in unknown.text


def test_a_renamed_tag_and_a_new_synonym_reach_the_search_page_at_once(client, make_topic, taxonomy):
    make_topic(title="Hashtag strategy", body="Hashtag research first.", tags=("instagram",))
    assert "Insta (Meta)" not in client.get("/search").text  # the vocabulary is now cached
    taxonomy["instagram"].name = "Insta (Meta)"
    db.session.add(TagSynonym(slug="gram", tag=taxonomy["instagram"]))
    db.session.commit()
    page = BeautifulSoup(client.get("/search").text, "html.parser")
    assert "Insta (Meta)" in [o.text for o in page.select("select[name=platform] option")]
    assert results(client.get("/search?q=platform:gram+hashtag")) == ["Hashtag strategy"]


def test_anonymous_mistake_reporter_is_not_searchable_by_author(client, make_topic, make_user):
    bob = make_user(username="bob")
    make_topic(title="Posted a patron photo", kind="mistake", author=bob, is_anonymous=True, tags=())
    make_topic(title="Open practice by bob", author=bob, body="Open.")
    assert results(client.get("/search?q=author:bob")) == ["Open practice by bob"]
    page = client.get("/search?q=patron+photo")
    assert results(page) == ["Posted a patron photo"]
    assert "Member" not in BeautifulSoup(page.text, "html.parser").select_one(".search-hits .meta").text


def test_sort_by_newest_and_votes(client, make_topic):
    from datetime import timedelta

    from benefit.models import utcnow

    old = make_topic(title="Quiz night old", kind="mistake", vote_count=9, tags=())
    old.created_at = utcnow() - timedelta(days=5)
    db.session.commit()
    make_topic(title="Quiz night new", kind="mistake", vote_count=1, tags=())
    assert results(client.get("/search?q=quiz&sort=newest")) == ["Quiz night new", "Quiz night old"]
    assert results(client.get("/search?q=quiz&sort=votes")) == ["Quiz night old", "Quiz night new"]


def test_results_are_paginated(client, make_topic, app):
    app.config["PER_PAGE"] = 3
    for i in range(7):
        make_topic(title=f"Mascot post {i}", body="Our mascot.")
    first = client.get("/search?q=mascot")
    assert len(results(first)) == 3 and "7 results" in first.text
    third = client.get("/search?q=mascot&page=3")
    assert len(results(third)) == 1
    seen = set(results(first)) | set(results(client.get("/search?q=mascot&page=2"))) | set(results(third))
    assert len(seen) == 7


def test_hidden_pending_and_merged_topics_never_show(client, make_topic, make_user, login):
    author = make_user()
    make_topic(title="Zeppelin visible", body="zeppelin")
    make_topic(title="Zeppelin hidden", body="zeppelin", state="hidden")
    pending = make_topic(title="Zeppelin pending", body="zeppelin", state="pending", author=author)
    target = make_topic(title="Zeppelin target", body="zeppelin")
    make_topic(title="Zeppelin merged", body="zeppelin", merged_into_id=target.id)
    everyone = ["Zeppelin target", "Zeppelin visible"]
    assert sorted(results(client.get("/search?q=zeppelin"))) == everyone
    login(make_user())
    assert sorted(results(client.get("/search?q=zeppelin"))) == everyone  # another member's pending post
    client.post("/auth/logout")
    login(author)
    # Its author finds their own post awaiting review, and still nothing hidden or merged.
    assert sorted(results(client.get("/search?q=zeppelin"))) == sorted([pending.title, *everyone])


def test_visibility_is_rechecked_while_the_index_lags(client, make_topic, app):
    topic = make_topic(title="Lagging kraken", body="kraken")
    app.extensions["benefit.search"].mode = "off"  # the index stops following the log
    topic.state = "hidden"
    db.session.commit()
    page = client.get("/search?q=kraken")
    assert results(page) == []
    assert "no longer available" in page.text


def test_reply_text_is_found_and_shown_as_the_snippet(client, make_topic, make_user, login):
    topic = make_topic(title="Weekly schedule", body="When do you post?")
    member = make_user()
    login(member)
    response = client.post(f"/t/{topic.id}/reply", data={"body": "We post on Tuesday with a gazebo photo."})
    assert response.status_code == 302
    page = client.get("/search?q=gazebo")
    assert results(page) == ["Weekly schedule"]
    assert "In a reply:" in page.text and "<mark>gazebo</mark>" in page.text


def test_hidden_reply_text_is_never_shown(client, make_topic, make_user):
    topic = make_topic(title="Budget talk", body="Money matters.")
    reply = Reply(topic=topic, author=make_user(), body="secret walrus", body_html="<p>secret walrus</p>")
    db.session.add(reply)
    db.session.commit()
    assert results(client.get("/search?q=walrus")) == ["Budget talk"]
    reply.state = "hidden"
    db.session.commit()
    page = client.get("/search?q=walrus")
    shown = BeautifulSoup(page.text, "html.parser").select_one("main").text
    assert results(page) == [] and "secret" not in shown


def test_snippets_escape_html_except_the_marks(client, make_topic, make_user):
    make_topic(
        title="<img src=x onerror=alert(1)> banner",
        body='Try <script>alert("pwned")</script> and a banner <b>bold</b>.',
    )
    page = client.get("/search?q=banner")
    assert results(page)
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert "<mark>banner</mark>" in page.text


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',
        "AND",
        "OR OR NOT",
        "x" * 5000,
        "*",
        "a*",
        "*tok",
        "?",
        "(((",
        ")",
        "[a TO z]",
        "state:hidden",
        "title:",
        "platform:",
        "kind:poem",
        "^^^",
        "\\",
        "word~2",
        "a" * 300 + "*",
        " ".join(f"w{i}" for i in range(200)),
    ],
)
def test_malformed_queries_never_fail(client, make_topic, q):
    make_topic(title="Library week", body="A week of library posts.")
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200


def test_wildcards_are_bounded_but_useful(client, make_topic):
    make_topic(title="Librarians on TikTok", body="Library life.")
    assert results(client.get("/search?q=librar*")) == ["Librarians on TikTok"]
    short = client.get("/search?q=l*")
    assert results(short) == [] and "at least 2 letters" in short.text


def test_a_lone_star_explains_itself_and_filters_alone_browse(client, make_topic):
    make_topic(title="Star topic", tags=("tiktok",))
    star = client.get("/search?q=*")
    assert results(star) == [] and "alone matches everything" in star.text
    assert results(client.get("/search?q=platform:tiktok")) == ["Star topic"]


def test_empty_search_shows_the_form(client):
    page = client.get("/search")
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").select_one("form[role=search] #q") is not None


def test_search_box_is_on_every_page(client):
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert soup.select_one("header form[role=search]")["action"] == "/search"


def test_rollback_never_reaches_the_index(client, make_topic, make_user):
    make_topic(title="Committed narwhal", body="narwhal")
    db.session.add(
        Topic(
            kind="practice",
            title="Rolled back narwhal",
            slug="x",
            body="narwhal",
            body_html="<p>narwhal</p>",
            author=make_user(),
        )
    )
    db.session.flush()
    db.session.rollback()
    assert results(client.get("/search?q=narwhal")) == ["Committed narwhal"]
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 1


def test_votes_cast_on_the_site_reorder_search_by_votes(client, make_topic, make_user, login):
    older = make_topic(title="Quiz answers posted early", kind="mistake", tags=())
    newer = make_topic(title="Quiz winners not tagged", kind="mistake", tags=())
    assert results(client.get("/search?q=quiz&sort=votes")) == [newer.title, older.title]  # a tie
    for _ in range(2):
        client.post("/auth/logout")
        login(make_user())
        assert client.post(f"/t/{older.id}/vote").status_code == 302
    assert results(client.get("/search?q=quiz&sort=votes")) == [older.title, newer.title]
    client.post(f"/t/{older.id}/vote")  # one vote taken back: one still beats none
    assert results(client.get("/search?q=quiz&sort=votes")) == [older.title, newer.title]
    client.post("/auth/logout")
    login(make_user())
    client.post(f"/t/{newer.id}/vote")  # one each: a tie again
    assert results(client.get("/search?q=quiz&sort=votes")) == [newer.title, older.title]


@pytest.mark.parametrize("page", ["²", "99999999999999999999999", "100001", "0", "-1", "abc", "", "1.5", "١"])
def test_a_page_number_that_is_no_page_is_not_found(client, make_topic, page):
    make_topic(title="Library week", body="A week of library posts.")
    response = client.get("/search", query_string={"q": "library", "page": page})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query_string",
    [
        "q=library&q=week",
        "q=library&sort=votes&sort=newest",
        "q=library&platform=instagram&platform=tiktok",
        "q=library&sort=&kind=",
        "q=&platform=&trend=&kind=&category=&author=&sort=",
        "q=99999999999999999999999",
        "q=library&author=99999999999999999999999&category=99999999999999999999999",
        "q=library&kind=%C2%B2&category=%D9%A1%D9%A2",
        "q=%C2%B2+%D9%A1&platform=%D9%A1&trend=%C2%B2",
        "q=library&page=1&page=%C2%B2",
        "q[]=library&page[]=2&platform[]=x",
        "q=library&trend=" + "a" * 5000,
        "sort=votes&kind=mistakes",
    ],
)
def test_odd_search_addresses_never_fail(client, make_topic, query_string):
    make_topic(title="Library week", body="A week of library posts.", kind="mistake")
    response = client.get("/search?" + query_string)
    assert response.status_code == 200, response.text[:500]


def test_a_page_past_the_last_shows_the_last(client, make_topic, app):
    app.config["PER_PAGE"] = 2
    for i in range(3):
        make_topic(title=f"Lighthouse post {i}", body="Our lighthouse.")
    page = client.get("/search?q=lighthouse&page=99999")
    assert page.status_code == 200 and len(results(page)) == 1
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one(".pager [aria-current=page]").get_text(strip=True) == "2"
    assert soup.select_one("ol.search-hits")["start"] == "3"
