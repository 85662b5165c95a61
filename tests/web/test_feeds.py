"""Atom feeds: the whole site and one per tag."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def parse_atom(response):
    """Parse and check what RFC 4287 requires of a feed and its entries."""
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    datetime.fromisoformat(feed.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        for name in ("id", "title", "updated", "published", "summary"):
            assert entry.findtext(f"{ATOM}{name}"), name
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        assert alternate(entry).startswith("http://benefit.test/t/")
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        assert entry.find(f"{ATOM}content").get("type") == "html"
    return feed, entries


def alternate(element):
    """The alternate link's address (rel defaults to "alternate" in Atom)."""
    (link,) = [x for x in element.findall(f"{ATOM}link") if x.get("rel", "alternate") == "alternate"]
    return link.get("href")


def titles(entries):
    return [e.findtext(f"{ATOM}title") for e in entries]


def test_site_feed_lists_the_latest_public_posts_newest_first(client, make_topic, make_user):
    practice = make_topic(title="Shelfie Sunday", created_at=T0)
    make_topic(kind="discussion", title="Do you answer at night?", created_at=T0 + timedelta(hours=1))
    make_topic(
        kind="mistake", title="Stock photos of books", created_at=T0 + timedelta(hours=2), is_anonymous=True
    )
    make_topic(title="Waiting for review", created_at=T0 + timedelta(hours=3), state="pending")
    make_topic(title="Hidden by a moderator", created_at=T0 + timedelta(hours=4), state="hidden")
    make_topic(kind="mistake", title="Merged duplicate", merged_into_id=practice.id, created_at=T0)
    feed, entries = parse_atom(client.get("/feed.atom"))
    assert feed.findtext(f"{ATOM}id") == "http://benefit.test/feed.atom"
    assert titles(entries) == [
        "Mistake: Stock photos of books",
        "Discussion: Do you answer at night?",
        "Good practice: Shelfie Sunday",
    ]
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "A member"
    assert "How to avoid it" in entries[0].findtext(f"{ATOM}content")
    last = entries[-1]
    assert last.findtext(f"{ATOM}id") == f"http://benefit.test/t/{practice.id}"
    assert last.find(f"{ATOM}link").get("href") == f"http://benefit.test/t/{practice.id}/{practice.slug}"
    assert {c.get("term") for c in last.findall(f"{ATOM}category")} == {"instagram", "booktok"}
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == T0 + timedelta(hours=2)


def test_a_logged_in_moderator_still_gets_only_public_posts(client, make_topic, make_user, login):
    make_topic(title="Waiting for review", state="pending")
    login(make_user(role="moderator"))
    _, entries = parse_atom(client.get("/feed.atom"))
    assert entries == []


def test_tag_feed_lists_only_that_tag_beside_the_tag_page(client, make_topic):
    make_topic(title="On Instagram", tags=("instagram",), created_at=T0)
    make_topic(title="On TikTok", tags=("tiktok",), created_at=T0)
    feed, entries = parse_atom(client.get("/tags/instagram/feed.atom"))
    assert titles(entries) == ["Good practice: On Instagram"]
    assert alternate(feed) == "http://benefit.test/tags/instagram"
    # The forum's tag page is untouched, and links its feed.
    page = client.get("/tags/instagram")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'href="/tags/instagram/feed.atom"' in page.text


@pytest.mark.parametrize(
    "path, status, location",
    [
        ("/tags/fb/feed.atom", 301, "/tags/facebook/feed.atom"),
        ("/tags/myspace/feed.atom", 404, None),
    ],
)
def test_tag_feed_follows_synonyms_and_refuses_unknown_tags(client, taxonomy, path, status, location):
    response = client.get(path)
    assert response.status_code == status
    if location:
        assert response.location.endswith(location)


def test_an_empty_tag_feed_is_still_valid(client, taxonomy):
    _, entries = parse_atom(client.get("/tags/booktok/feed.atom"))
    assert entries == []
