from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.models import Reply, Revision, Topic
from tests.factories import PASSWORD


def post_practice(client, **overrides):
    data = {
        "kind": "practice",
        "title": "A BookTok shelf that doubled holds",
        "body": "We built a **BookTok** shelf by the entrance.",
        "platforms": "Instagram, tiktok",
        "trends": "booktok",
    }
    data.update(overrides)
    return client.post("/new", data=data)


def test_member_posts_practice_and_it_shows_on_tag_pages_and_home(client, make_user, login, taxonomy):
    login(make_user())
    response = post_practice(client)
    assert response.status_code == 302
    topic = db.session.scalar(sa.select(Topic))
    assert {t.slug for t in topic.tags} == {"instagram", "tiktok", "booktok"}
    assert "<strong>BookTok</strong>" in topic.body_html
    for url in ("/tags/instagram", "/tags/booktok", "/", "/practices"):
        assert topic.title in client.get(url).text, url


def test_synonyms_resolve_and_unknown_tags_are_refused(client, make_user, login, taxonomy):
    login(make_user())
    post_practice(client, platforms="fb, twitter", trends="")
    topic = db.session.scalar(sa.select(Topic))
    assert {t.slug for t in topic.tags} == {"facebook", "x-twitter"}
    response = post_practice(client, title="Another one", platforms="myspace")
    assert response.status_code == 200
    assert "is not a known platform tag" in response.text
    response = post_practice(client, title="Another one", platforms="booktok")
    assert "is a trend tag, not a platform" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "This field is required"),
        ({"title": "x" * 201}, "between 5 and 200"),
        ({"body": ""}, "This field is required"),
        ({"kind": "poem"}, "Not a valid choice"),
        ({"platforms": ""}, "Tag at least one platform"),
        ({"kind": "mistake", "category": ""}, "Choose the category"),
    ],
)
def test_bad_topic_input_gets_a_form_error_and_writes_nothing(
    client, make_user, login, taxonomy, overrides, message
):
    login(make_user())
    response = post_practice(client, **overrides)
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 0


def test_mistake_with_avoiding_practice(client, make_user, login, make_topic):
    practice = make_topic(title="Alt text on every image")
    login(make_user())
    response = client.post(
        "/new",
        data={
            "kind": "mistake",
            "title": "Images without alt text",
            "body": "Screen reader users miss the content.",
            "platforms": "",
            "category": "visuals-accessibility",
            "how_to_avoid": "Write alt text *every* time.",
            "library_types": ["public", "school"],
            "avoided_by": f"http://benefit.test/t/{practice.id}/alt",
            "evidence_links": "https://example.org/study",
        },
    )
    assert response.status_code == 302
    mistake = db.session.scalar(sa.select(Topic).where(Topic.kind == "mistake"))
    assert mistake.avoided_by == [practice]
    page = client.get(response.location).text
    assert "Any platform" in page and "Alt text on every image" in page and "School library" in page
    assert "Images without alt text" in client.get(f"/t/{practice.id}/{practice.slug}").text


def test_reply_and_locked_topic(client, make_user, login, make_topic):
    topic = make_topic(kind="discussion")
    login(make_user())
    response = client.post(f"/t/{topic.id}/reply", data={"body": "We tried this too!"})
    assert response.status_code == 302 and "#reply-" in response.location
    assert "We tried this too!" in client.get(f"/t/{topic.id}/{topic.slug}").text
    db.session.refresh(topic)
    assert topic.reply_count == 1
    topic.is_locked = True
    db.session.commit()
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Too late?"}, follow_redirects=True)
    assert "This topic is locked" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 1


def test_reply_to_missing_topic_is_404_and_empty_reply_is_refused(client, make_user, login, make_topic):
    login(make_user())
    assert client.post("/t/999/reply", data={"body": "hello"}).status_code == 404
    topic = make_topic()
    response = client.post(f"/t/{topic.id}/reply", data={"body": ""})
    assert response.status_code == 400 and "This field is required" in response.text


def test_only_the_author_edits_and_edits_keep_revisions(client, make_user, login, make_topic):
    author = make_user()
    topic = make_topic(author=author, title="Original title")
    login(make_user())
    assert client.get(f"/t/{topic.id}/edit").status_code == 403
    client.post("/auth/logout")
    login(author)
    response = client.post(
        f"/t/{topic.id}/edit",
        data={
            "kind": "discussion",
            "title": "Better title",
            "body": "New body text",
            "platforms": "youtube",
            "trends": "booktube",
        },
    )
    assert response.status_code == 302
    db.session.refresh(topic)
    assert topic.kind == "discussion" and topic.title == "Better title"
    assert [t.slug for t in topic.tags] == ["youtube", "booktube"]
    revision = db.session.scalar(sa.select(Revision))
    assert revision.title == "Original title"


def test_wrong_slug_redirects_to_canonical(client, make_topic):
    topic = make_topic(title="Canonical slug here")
    response = client.get(f"/t/{topic.id}/wrong")
    assert response.status_code == 301 and response.location.endswith(f"/t/{topic.id}/canonical-slug-here")
    assert client.get(f"/t/{topic.id}").status_code == 301


@pytest.mark.parametrize(
    "url",
    [
        "/t/abc",
        "/t/99999",
        "/practices?page=x",
        "/tags/nope",
        "/practices?platform=booktok",
        "/mistakes?category=nope",
    ],
)
def test_bad_urls_are_404_in_the_site_layout(client, taxonomy, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Skip to main content" in response.text


def test_list_filters(client, make_topic, make_user):
    school = make_user(library_type="school")
    make_topic(title="Instagram school thing", tags=("instagram",), author=school)
    make_topic(title="TikTok public thing", tags=("tiktok", "booktok"))
    page = client.get("/practices?platform=tiktok").text
    assert "TikTok public thing" in page and "Instagram school thing" not in page
    page = client.get("/practices?library_type=school").text
    assert "Instagram school thing" in page and "TikTok public thing" not in page
    page = client.get("/practices?trend=booktok").text
    assert "TikTok public thing" in page and "Instagram school thing" not in page


def test_hidden_and_pending_topics_are_not_shown_to_others(client, make_topic, make_user, login):
    author = make_user()
    make_topic(title="Pending one", state="pending", author=author)
    make_topic(title="Hidden one", state="hidden")
    assert "Pending one" not in client.get("/practices").text
    assert "Hidden one" not in client.get("/practices").text
    login(author)
    page = client.get("/practices").text
    assert "Pending one" in page and "Awaiting review" in page and "Hidden one" not in page


def test_request_too_large_is_413(client, app, make_user, login, make_topic):
    login(make_user())
    topic = make_topic()
    response = client.post(
        f"/t/{topic.id}/reply", data={"body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    )
    assert response.status_code == 413
    assert "larger than this site accepts" in response.text


def test_csrf_is_required(app_config, make_user):
    from benefit import create_app

    app = create_app(dict(app_config, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    response = client.post("/auth/login", data={"login": "x", "password": "y"})
    assert response.status_code == 400
    assert "form expired" in response.text


def tag_rows(page: str, caption: str) -> dict[str, str]:
    """Tag name → its "Posts" cell, in the table whose caption starts with `caption`."""
    soup = BeautifulSoup(page, "html.parser")
    (table,) = [t for t in soup.select("table.tag-table") if t.caption.get_text().startswith(caption)]
    return {
        row.th.get_text(" ", strip=True).split(": ", 1)[-1]: row.td.get_text(strip=True)
        for row in table.select("tbody tr")
    }


def test_tags_page_lists_both_vocabularies_with_counts(client, make_topic):
    make_topic(tags=("instagram", "booktok"))
    make_topic(tags=("instagram",))
    make_topic(tags=("instagram", "booktok"), state="hidden")  # not counted: nobody sees it
    page = client.get("/tags").text
    platforms, trends = tag_rows(page, "Platform"), tag_rows(page, "Trend")
    assert platforms["Instagram"] == "2" and platforms["TikTok"] == "0"
    assert trends["BookTok"] == "1" and "BookTok" not in platforms


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_member_page_hides_email_and_shows_posts(client, make_user, make_topic):
    user = make_user(username="librarian1", email="secret@example.org")
    make_topic(author=user, title="My visible practice")
    page = client.get("/u/librarian1").text
    assert "My visible practice" in page and "secret@example.org" not in page
    assert client.get("/u/nobody").status_code == 404


def test_markdown_is_sanitised(client, make_user, login, taxonomy):
    login(make_user())
    post_practice(client, body="<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)")
    topic = db.session.scalar(sa.select(Topic))
    assert "<script" not in topic.body_html and 'href="javascript' not in topic.body_html
    assert 'rel="nofollow ugc noopener"' in topic.body_html


def test_a_title_that_is_an_action_word_still_opens_its_topic(client, make_user, login, taxonomy):
    login(make_user())
    response = post_practice(client, title="History")
    assert response.status_code == 302
    page = client.get(response.location)
    assert page.status_code == 200 and "<h1" in page.text and "History" in page.text


@pytest.mark.parametrize("title", ["      ", "\t \u00a0   ", "📚📚📚📚📚", "!!! ??? ...", "— · — · —"])
def test_a_title_without_a_letter_or_digit_is_refused_beside_the_field(
    client, make_user, login, taxonomy, title
):
    login(make_user())
    response = post_practice(client, title=title)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    error = soup.select_one("#title-error")
    assert error is not None and ("letter or digit" in error.text or "required" in error.text)
    # What was typed in the other fields is kept.
    assert "BookTok" in soup.select_one("textarea[name=body]").text
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 0


def test_an_emoji_only_title_keeps_what_was_typed(client, make_user, login, taxonomy):
    login(make_user())
    response = post_practice(client, title="📚📚📚📚📚")
    soup = BeautifulSoup(response.text, "html.parser")
    assert "at least one letter or digit" in soup.select_one("#title-error").text
    assert soup.select_one("input[name=title]")["value"] == "📚📚📚📚📚"


def test_title_lengths_count_what_is_kept_after_trimming(client, make_user, login, taxonomy):
    login(make_user())
    response = post_practice(client, title="   Ab c   ")
    assert response.status_code == 200 and "between 5 and 200" in response.text
    response = post_practice(client, title="  " + "x" * 200 + "  ")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Topic.title)) == "x" * 200


def test_a_title_with_letters_beyond_ascii_gets_a_readable_slug(client, make_user, login, taxonomy):
    login(make_user())
    response = post_practice(client, title="  Łódź 2026 📚  ")
    assert response.status_code == 302
    topic = db.session.scalar(sa.select(Topic))
    assert topic.title == "Łódź 2026 📚" and topic.slug == "lodz-2026"
    assert response.location.endswith(f"/t/{topic.id}/lodz-2026")
    feed = client.get("/feed.atom").text
    assert "<title>Good practice: Łódź 2026 📚</title>" in feed


@pytest.mark.parametrize("body", ["   ", "\n\n\t  \n", "\u00a0 \u3000"])
def test_a_reply_of_only_spaces_is_refused(client, make_user, login, make_topic, body):
    topic = make_topic()
    login(make_user())
    response = client.post(f"/t/{topic.id}/reply", data={"body": body})
    assert response.status_code == 400
    assert BeautifulSoup(response.text, "html.parser").select_one("#body-error") is not None
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0


def test_editing_a_reply_to_only_spaces_is_refused(client, make_user, login, make_topic):
    author = make_user()
    topic = make_topic(author=author, replies=1)
    reply = db.session.scalar(sa.select(Reply))
    login(author)
    response = client.post(f"/r/{reply.id}/edit", data={"body": "    "})
    assert response.status_code == 200 and "This field is required" in response.text
    db.session.refresh(reply)
    assert reply.body == "Reply 0" and topic.reply_count == 1


BAD_PAGES = ["²", "99999999999999999999999", "-1", "0", "", "1.5", "%20", "1e3"]


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("path", ["/practices", "/mistakes", "/discussions", "/tags/instagram", "TOPIC"])
def test_a_page_number_that_is_not_one_is_404(client, make_topic, path, page):
    topic = make_topic()
    url = f"/t/{topic.id}/{topic.slug}" if path == "TOPIC" else path
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/practices", "/mistakes", "/tags/instagram", "TOPIC"])
def test_a_repeated_page_argument_takes_the_first(client, make_topic, path):
    topic = make_topic()
    url = f"/t/{topic.id}/{topic.slug}" if path == "TOPIC" else path
    assert client.get(f"{url}?page=1&page=x").status_code == 200
    assert client.get(f"{url}?page=x&page=1").status_code == 404
    assert client.get(f"{url}?page[]=1&sort[]=votes").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/t/99999999999999999999999",
        "/t/2147483648/slug",
        "/t/99999999999999999999999/edit",
        "/r/99999999999999999999999",
        "/r/2147483648/edit",
        "/t/0",
    ],
)
def test_huge_ids_are_404(client, make_user, login, url):
    login(make_user())
    assert client.get(url).status_code == 404


def test_huge_ids_in_posts_are_404(client, make_user, login):
    login(make_user())
    assert client.post("/t/99999999999999999999999/reply", data={"body": "Hello there"}).status_code == 404
    assert client.post("/t/2147483648/vote").status_code == 404


# --- posting limits: only accepted posts count ------------------------------------------------


@pytest.fixture
def limited(app, make_app, make_user, taxonomy):
    """A client of an app with rate limits on (fresh memory storage) and a logged-in member."""
    other = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATE_LIMITS={"forum.new_topic.accepted": "2/hour", "forum.reply.accepted": "2/hour"},
    )
    client = other.test_client()
    user = make_user()
    assert client.post("/auth/login", data={"login": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_refused_topics_do_not_use_up_the_posting_limit(limited):
    for _ in range(5):
        assert post_practice(limited, title="  ").status_code == 200
        assert post_practice(limited, platforms="myspace").status_code == 200
    assert post_practice(limited, title="First accepted post").status_code == 302
    assert post_practice(limited, title="Second accepted post").status_code == 302
    response = post_practice(limited, title="Third post, over the limit", body="Kept **exactly** as typed.")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("input[name=title]")["value"] == "Third post, over the limit"
    assert soup.select_one("textarea[name=body]").text.strip() == "Kept **exactly** as typed."
    assert "post again in" in soup.text
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 2


def test_refused_replies_do_not_use_up_the_reply_limit(limited, make_topic):
    topic = make_topic()
    for _ in range(5):
        assert limited.post(f"/t/{topic.id}/reply", data={"body": "   "}).status_code == 400
    for n in range(2):
        assert limited.post(f"/t/{topic.id}/reply", data={"body": f"Reply {n}"}).status_code == 302
    response = limited.post(f"/t/{topic.id}/reply", data={"body": "My third reply, kept."})
    assert response.status_code == 429
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("textarea[name=body]").text.strip() == "My third reply, kept."
    assert "post again in" in soup.text and topic.title in soup.select_one("h1").text
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 2


def test_a_flood_of_posts_is_still_stopped(app, make_app, make_user, taxonomy):
    flooded = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATE_LIMITS={"forum.new_topic": "3/hour"}
    )
    client = flooded.test_client()
    user = make_user()
    client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    codes = [post_practice(client, title="  ").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_default_posting_limits_leave_room_for_mistakes(app, make_app, make_user, taxonomy):
    """Five refused forms and five posts: a new member can still post (the default limits)."""
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    user = make_user()
    client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    for n in range(5):
        assert post_practice(client, title=" ").status_code == 200
        assert post_practice(client, title=f"Accepted post number {n}").status_code == 302
    assert post_practice(client, title="The sixth accepted post").status_code == 302


def test_query_arguments_named_like_the_path_do_not_break_the_canonical_redirect(client, make_topic):
    topic = make_topic(title="Canonical slug here")
    response = client.get(f"/t/{topic.id}/wrong?slug=x&topic_id=5&page=1")
    assert response.status_code == 301
    assert f"/t/{topic.id}/canonical-slug-here?" in response.location and "page=1" in response.location
    response = client.get("/tags/fb?slug=x&kind=mistake")
    assert response.status_code == 301 and response.location.endswith("/tags/facebook?kind=mistake")
