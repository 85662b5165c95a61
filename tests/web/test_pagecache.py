"""Visitors' pages come from the shared cache, and never show less than the last change."""

from __future__ import annotations

import logging
import uuid

import pytest
from flask import g

from benefit.extensions import db
from benefit.models import Tag, Topic
from tests.conftest import IN_CI
from tests.factories import PASSWORD
from tests.web.test_security_redis import REDIS_URL

PUBLIC = ("/", "/practices", "/mistakes", "/tags", "/tags/instagram", "/feed.atom")


@pytest.fixture
def client_for(app):
    def forget_user():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)

    def make(user):
        c = app.test_client()
        response = c.post("/auth/login", data={"login": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return c

    return make


def through_cache(client, path, **kwargs):
    """A visitor's GET that the cache answered (so a stale entry would show)."""
    client.get(path, **kwargs)
    response = client.get(path, **kwargs)
    assert response.headers.get("X-Page-Cache") == "hit", path
    return response


def test_a_visitor_gets_each_public_page_from_the_cache_and_a_304_for_an_unchanged_one(client, make_topic):
    topic = make_topic(title="Story time clips on Instagram")
    for path in (*PUBLIC, f"/t/{topic.id}/{topic.slug}"):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["X-Page-Cache"] == "miss", path
        second = client.get(path)
        assert second.headers["X-Page-Cache"] == "hit" and second.data == first.data, path
        assert second.headers["Cache-Control"] == "public, no-cache"
        unchanged = client.get(path, headers={"If-None-Match": second.headers["ETag"]})
        assert unchanged.status_code == 304, path


def test_with_csrf_on_as_in_production_no_public_page_gives_a_visitor_a_cookie(make_app, make_topic):
    # The suite turns CSRF off; a form built for a visitor would put a token in a session cookie,
    # and the page could then never be cached.
    node = make_app(WTF_CSRF_ENABLED=True)
    topics = [make_topic(kind=kind, replies=2) for kind in ("practice", "mistake", "discussion")]
    for path in (*PUBLIC, *(f"/t/{t.id}/{t.slug}" for t in topics)):
        fresh = node.test_client()
        first = fresh.get(path)
        assert "Set-Cookie" not in first.headers, path
        assert fresh.get(path).headers["X-Page-Cache"] == "hit", path


def test_what_members_do_shows_at_once_to_visitors(client, client_for, make_user, make_topic):
    author = make_user()
    mistake = make_topic(kind="mistake", title="Posting without alt text", author=author)
    through_cache(client, "/practices")
    through_cache(client, f"/t/{mistake.id}/{mistake.slug}")
    member = client_for(author)

    member.post("/new", data={"kind": "practice", "title": "A BookTok shelf by the door",
                              "body": "It doubled holds.", "platforms": "tiktok"})  # fmt: skip
    assert "A BookTok shelf by the door" in through_cache(client, "/practices").text

    member.post(f"/t/{mistake.id}/reply", data={"body": "We did this in 2023, sadly."})
    assert "We did this in 2023, sadly." in through_cache(client, f"/t/{mistake.id}/{mistake.slug}").text

    client_for(make_user()).post(f"/t/{mistake.id}/vote")
    page = through_cache(client, f"/t/{mistake.id}/{mistake.slug}").text
    assert "data-vote-count>1</strong>" in page

    edit = {"kind": "mistake", "title": "Images posted without alt text", "body": "No descriptions.",
            "category": "visuals-accessibility", "how_to_avoid": "Write alt text first."}  # fmt: skip
    member.post(f"/t/{mistake.id}/edit", data=edit)
    assert "Images posted without alt text" in through_cache(client, "/mistakes").text

    member.post("/settings", data={"display_name": "Anna from Łódź", "institution": "City Library",
                                   "library_type": "public", "country": "PL", "job_role": "Librarian",
                                   "platforms": "", "bio": ""})  # fmt: skip
    assert "Anna from Łódź" in through_cache(client, f"/t/{mistake.id}/{mistake.slug}").text


def test_what_moderators_do_shows_at_once_to_visitors(client, client_for, make_user, make_topic, taxonomy):
    topic = make_topic(title="A questionable practice", tags=("instagram",))
    through_cache(client, "/practices")
    through_cache(client, "/tags")
    mod = client_for(make_user(role="moderator"))

    mod.post(f"/moderation/topic/{topic.id}/hide", data={"reason": "Shows faces of children."})
    assert "A questionable practice" not in through_cache(client, "/practices").text
    assert client.get(f"/t/{topic.id}/{topic.slug}").status_code == 404

    mod.post(f"/moderation/topic/{topic.id}/restore")
    assert "A questionable practice" in through_cache(client, "/practices").text

    tag = taxonomy["instagram"]
    mod.post(f"/moderation/tags/{tag.id}", data={"name": "Instagram (Meta)", "slug": "instagram",
                                                 "description": "Photos, Reels and Stories."})  # fmt: skip
    assert "Instagram (Meta)" in through_cache(client, "/tags").text
    assert "Photos, Reels and Stories." in through_cache(client, "/tags/instagram").text

    target = taxonomy["threads"]
    mod.post(f"/moderation/tags/{tag.id}/merge", data={"merge-target": str(target.id)})
    assert db.session.get(Tag, tag.id) is None
    assert "Instagram (Meta)" not in through_cache(client, "/tags").text


def test_members_never_get_a_visitors_page_nor_another_members(client, client_for, make_user, make_topic):
    topic = make_topic()
    path = f"/t/{topic.id}/{topic.slug}"
    through_cache(client, path)
    anna, ben = make_user(display_name="Anna Nowak"), make_user(display_name="Ben Hughes")
    for user, other in ((anna, ben), (ben, anna)):
        for _ in range(2):
            response = client_for(user).get(path)
            assert "X-Page-Cache" not in response.headers
            assert user.display_name in response.text and other.display_name not in response.text


def test_a_flash_is_never_cached_nor_hidden_by_the_cache(app, client, make_topic):
    make_topic()
    through_cache(client, "/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Your subscription is confirmed.")]
    response = client.get("/")
    assert "X-Page-Cache" not in response.headers and "Your subscription is confirmed." in response.text
    assert "Your subscription is confirmed." not in through_cache(client, "/").text


def test_each_language_has_its_own_copy(client, make_topic):
    make_topic()
    polish = through_cache(client, "/tags", headers={"Accept-Language": "pl"})
    english = through_cache(client, "/tags", headers={"Accept-Language": "en"})
    assert '<html lang="pl"' in polish.text and '<html lang="en"' in english.text


def test_a_change_rolled_back_leaves_the_cached_page_in_use(client, make_topic):
    topic = make_topic(title="Kept as it is")
    through_cache(client, "/practices")
    db.session.get(Topic, topic.id).title = "Never committed"
    db.session.flush()
    db.session.rollback()
    assert "Kept as it is" in through_cache(client, "/practices").text


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def two_nodes(make_app, redis_url):
    """Two app instances (two workers, or two nodes) sharing one database and one Redis."""
    prefix = f"benefit:test:{uuid.uuid4().hex}:"
    return [make_app(CACHE_URL=redis_url, PAGE_CACHE_PREFIX=prefix) for _ in range(2)]


def test_on_redis_a_change_made_on_one_node_shows_at_once_on_the_other(two_nodes, make_topic, make_user):
    node_a, node_b = (node.test_client() for node in two_nodes)
    topic = make_topic(title="Seen from both nodes")
    through_cache(node_b, "/practices")
    assert node_a.get("/practices").headers["X-Page-Cache"] == "hit"  # one cache for both
    with two_nodes[0].app_context():
        db.session.get(Topic, topic.id).title = "Renamed on node A"
        db.session.commit()
    assert "Renamed on node A" in through_cache(node_b, "/practices").text


def test_with_redis_unreachable_pages_render_and_say_so_once_in_the_log(make_app, make_topic, caplog):
    node = make_app(CACHE_URL="redis://127.0.0.1:1/0").test_client()  # a closed port
    make_topic(title="Still readable")
    with caplog.at_level(logging.WARNING, logger="benefit.pagecache"):
        for _ in range(3):
            response = node.get("/practices")
            assert response.status_code == 200 and "Still readable" in response.text
            assert "X-Page-Cache" not in response.headers
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1


def test_the_page_cache_can_be_switched_off(make_app, make_topic):
    node = make_app(PAGE_CACHE=False).test_client()
    make_topic()
    node.get("/")
    assert "X-Page-Cache" not in node.get("/").headers
