"""Directory, following, bookmarks, notifications pages and settings through the test client."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.forum import actions as posting
from benefit.models import Bookmark, Notification, TagFollow, TopicFollow, Vote, utcnow
from tests.factories import PASSWORD


def log_in(client, user):
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert response.status_code == 302


def names_listed(html: str) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    return {a.get_text(strip=True) for a in soup.select(".member-card .member-name a")}


# --- directory ---------------------------------------------------------------------------------


@pytest.fixture
def colleagues(make_user, taxonomy):
    anna = make_user(
        username="anna", display_name="Anna Nowak", institution="Warsaw University Library",
        library_type="academic", country="PL", job_role="Social media coordinator",
    )  # fmt: skip
    anna.platforms = [taxonomy["instagram"], taxonomy["tiktok"]]
    ben = make_user(
        username="ben", display_name="Ben Okafor", institution="Lagos Public Library",
        library_type="public", country="NG", job_role="Outreach librarian",
    )  # fmt: skip
    ben.platforms = [taxonomy["facebook"]]
    make_user(username="unconfirmed", display_name="Not Confirmed", confirmed=False)
    gone = make_user(username="gone", display_name="Gone Member")
    gone.deleted_at = utcnow()
    db.session.commit()
    return anna, ben


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"Anna Nowak", "Ben Okafor"}),
        ("q=nowak", {"Anna Nowak"}),
        ("q=%40ben", {"Ben Okafor"}),
        ("institution=public+library", {"Ben Okafor"}),
        ("library_type=academic", {"Anna Nowak"}),
        ("country=ng", {"Ben Okafor"}),
        ("role=SOCIAL+MEDIA", {"Anna Nowak"}),
        ("platform=facebook", {"Ben Okafor"}),
        ("platform=instagram&country=PL", {"Anna Nowak"}),
        ("q=%25", set()),  # a literal %, not a wildcard
        ("library_type=castle", set()),
    ],
)
def test_directory_filters(client, colleagues, query, expected):
    response = client.get(f"/members?{query}")
    assert response.status_code == 200
    assert names_listed(response.text) == expected


def test_directory_never_shows_email_nor_deleted_or_unconfirmed_members(client, colleagues):
    page = client.get("/members").text
    assert "@example.org" not in page
    assert "Gone Member" not in page and "Not Confirmed" not in page
    profile = client.get("/u/anna").text
    assert "anna@example.org" not in profile


def test_directory_statement_count_does_not_grow(client, colleagues, make_user, taxonomy, count_queries):
    def measure():
        db.session.expire_all()
        with count_queries() as q:
            assert client.get("/members?platform=instagram").status_code == 200
        return q.count

    small = measure()
    for _ in range(15):
        user = make_user()
        user.platforms = [taxonomy["instagram"], taxonomy["facebook"]]
    db.session.commit()
    assert measure() == small


# --- following and bookmarks -------------------------------------------------------------------


def test_follow_unfollow_and_bookmark_from_the_topic_page(client, make_user, make_topic, login):
    topic = make_topic()
    user = make_user()
    url = f"/t/{topic.id}/{topic.slug}"
    assert (
        "Follow" not in BeautifulSoup(client.get(url).text, "html.parser").select_one(".topic-actions").text
    )
    login(user)
    page = client.get(url).text
    assert f'action="/t/{topic.id}/follow"' in page and f'action="/t/{topic.id}/bookmark"' in page
    assert client.post(f"/t/{topic.id}/follow").headers["Location"] == url
    assert client.post(f"/t/{topic.id}/follow").status_code == 302  # twice is fine
    assert client.post(f"/t/{topic.id}/bookmark").status_code == 302
    page = client.get(url).text
    assert f'action="/t/{topic.id}/unfollow"' in page and f'action="/t/{topic.id}/unbookmark"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TopicFollow)) == 1
    bookmarks = client.get("/bookmarks").text
    assert topic.title in bookmarks
    client.post(f"/t/{topic.id}/unfollow")
    client.post(f"/t/{topic.id}/unbookmark")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TopicFollow)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
    assert topic.title not in client.get("/bookmarks").text


def test_bookmarks_hide_topics_no_longer_visible(client, make_user, make_topic, login):
    user = make_user()
    topic = make_topic(title="Soon hidden")
    login(user)
    client.post(f"/t/{topic.id}/bookmark")
    topic.state = "hidden"
    db.session.commit()
    assert "Soon hidden" not in client.get("/bookmarks").text
    assert client.post(f"/t/{topic.id}/follow").status_code == 404


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/notifications"),
        ("get", "/bookmarks"),
        ("get", "/settings/notifications"),
        ("post", "/notifications/read"),
        ("post", "/t/1/follow"),
        ("post", "/t/1/bookmark"),
        ("post", "/tags/instagram/follow"),
    ],
)
def test_login_required(client, taxonomy, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def statements_about(q, table):
    return [s for s in q.statements if re.search(rf"\bFROM {table}\b", s)]


def test_follow_state_is_one_statement_per_page_and_none_for_visitors(
    client, make_user, make_topic, login, count_queries, taxonomy
):
    topic = make_topic()
    pages = {f"/t/{topic.id}/{topic.slug}": "topic_follow", "/tags/instagram": "tag_follow"}
    for url, table in pages.items():
        with count_queries() as q:
            assert client.get(url).status_code == 200
        assert statements_about(q, table) == [], url
    login(make_user())
    for url, table in pages.items():
        with count_queries() as q:
            assert client.get(url).status_code == 200
        assert len(statements_about(q, table)) == 1, (url, q.statements)


def test_follow_a_tag_from_its_page(client, make_user, login, taxonomy):
    user = make_user()
    login(user)
    page = client.get("/tags/instagram").text
    assert 'action="/tags/instagram/follow"' in page
    assert client.post("/tags/instagram/follow").headers["Location"] == "/tags/instagram"
    assert 'action="/tags/instagram/unfollow"' in client.get("/tags/instagram").text
    assert db.session.scalar(sa.select(TagFollow.tag_id)) == taxonomy["instagram"].id
    assert "Instagram" in client.get("/settings/notifications").text
    client.post("/tags/instagram/unfollow")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TagFollow)) == 0
    assert client.post("/tags/no-such-tag/follow").status_code == 404


# --- notifications -----------------------------------------------------------------------------


def test_notifications_page_open_and_mark_all_read(client, make_user, make_topic, login):
    author = make_user()
    first, second = make_topic(author=author), make_topic(author=author)
    replier = make_user()
    r1 = posting.reply_to_topic(replier, first, "One")
    posting.reply_to_topic(replier, second, "Two")
    login(author)
    page = client.get("/notifications").text
    assert page.count("notification-unread") == 2
    assert 'aria-label="2 unread"' in page
    (n1,) = db.session.scalars(sa.select(Notification).where(Notification.reply_id == r1.id))
    opened = client.get(f"/notifications/{n1.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/r/{r1.id}")
    assert 'aria-label="1 unread"' in client.get("/").text
    client.post("/notifications/read")
    page = client.get("/notifications").text
    assert "notification-unread" not in page and "unread" not in page


def test_someone_elses_notification_is_404(client, make_user, make_topic, login):
    author = make_user()
    posting.reply_to_topic(make_user(), make_topic(author=author), "Hi")
    n = db.session.scalar(sa.select(Notification))
    login(make_user())
    assert client.get(f"/notifications/{n.id}").status_code == 404
    assert db.session.get(Notification, n.id).read_at is None


def test_notification_about_a_post_hidden_since_is_read_but_not_shown(client, make_user, make_topic, login):
    author = make_user()
    topic = make_topic(author=make_user())
    reply = posting.reply_to_topic(make_user(), topic, f"@{author.username} look")
    reply.state = "hidden"
    topic.state = "hidden"
    db.session.commit()
    login(author)
    n = db.session.scalar(sa.select(Notification).where(Notification.user_id == author.id))
    response = client.get(f"/notifications/{n.id}", follow_redirects=True)
    assert "no longer available" in response.text


def test_unread_count_is_one_indexed_count_per_page(client, make_user, make_topic, login, count_queries):
    user = make_user()
    login(user)
    posting.reply_to_topic(make_user(), make_topic(author=user), "Hello")
    for url in ("/", "/practices", "/members"):
        with count_queries() as q:
            assert client.get(url).status_code == 200
        about = [s for s in q.statements if re.search(r"\bFROM notification\b", s)]
        assert len(about) == 1, (url, about)
        assert "count(notification.id)" in about[0] and "notification.read_at IS NULL" in about[0]


def test_notifications_and_bookmarks_statement_counts_do_not_grow(
    client, make_user, make_topic, login, count_queries
):
    user = make_user()
    login(user)

    def grow(n):
        for _ in range(n):
            topic = make_topic(author=user)
            posting.reply_to_topic(make_user(), topic, "A reply")
            db.session.add(Bookmark(user_id=user.id, topic_id=topic.id))
        db.session.commit()

    def measure():
        counts = {}
        for url in ("/notifications", "/bookmarks"):
            db.session.expire_all()
            with count_queries() as q:
                assert client.get(url).status_code == 200
            counts[url] = q.count
        return counts

    grow(2)
    small = measure()
    grow(12)
    assert measure() == small


def test_settings_tab_saves_email_frequencies(client, make_user, login):
    user = make_user()
    login(user)
    page = client.get("/settings").text
    assert 'href="/settings/notifications"' in page
    response = client.post(
        "/settings/notifications",
        data={"reply": "daily", "mention": "immediately", "vote_milestone": "never", "moderation": "never"},
    )
    assert response.status_code == 302
    soup = BeautifulSoup(client.get("/settings/notifications").text, "html.parser")
    assert soup.select_one("#reply option[selected]")["value"] == "daily"
    assert soup.select_one("#moderation option[selected]")["value"] == "never"
    bad = client.post("/settings/notifications", data={"reply": "hourly"})
    assert bad.status_code == 200 and "Not a valid choice" in bad.text


# --- member page -------------------------------------------------------------------------------


def test_member_page_lists_mistakes_they_voted_on_without_anonymous_authors(client, make_user, make_topic):
    voter = make_user(username="voter")
    reporter = make_user(display_name="Secret Reporter")
    anonymous = make_topic(kind="mistake", title="Anonymous mistake", author=reporter, is_anonymous=True)
    hidden = make_topic(kind="mistake", title="Hidden mistake", state="hidden")
    for topic in (anonymous, hidden):
        db.session.add(Vote(topic_id=topic.id, user_id=voter.id))
    db.session.commit()
    soup = BeautifulSoup(client.get("/u/voter").text, "html.parser")
    votes = soup.find(id="votes-title").find_parent("section").text
    assert "Anonymous mistake" in votes and "Hidden mistake" not in votes
    assert "Secret Reporter" not in soup.text


# --- the whole story ---------------------------------------------------------------------------


def test_two_new_members_meet_mention_and_hear_once(
    app, client, runner, smtp_server, make_user, make_topic, taxonomy
):
    """Done when: find each other by library type; a mention in a reply to a followed topic; one
    notification, one email; the link opens the reply and the count goes to zero."""
    recorder, port = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    anna = make_user(username="anna_k", display_name="Anna Kowalska", library_type="school")
    bob = make_user(username="bob_school", display_name="Bob Smith", library_type="school")
    make_user(display_name="Someone Else", library_type="public")
    topic = make_topic(title="Book clubs on Discord", author=make_user())

    # They find each other in the directory by library type.
    log_in(client, anna)
    assert names_listed(client.get("/members?library_type=school").text) == {"Anna Kowalska", "Bob Smith"}

    # Bob follows the topic; Anna mentions him in a reply to it.
    log_in(client, bob)
    client.post(f"/t/{topic.id}/follow")
    log_in(client, anna)
    client.post(f"/t/{topic.id}/reply", data={"body": "@bob_school runs one for teenagers!"})
    reply_page = client.get(f"/t/{topic.id}/{topic.slug}").text
    assert '<a href="/u/bob_school" class="mention"' in reply_page

    # Exactly one notification for Bob, and exactly one email, whatever the number of senders.
    (note,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == bob.id))
    assert note.kind == "mention"
    assert runner.invoke(args=["notifications", "send"]).exit_code == 0
    assert runner.invoke(args=["notifications", "send"]).exit_code == 0
    (mail,) = recorder.to(bob.email)
    link = re.search(r"http://benefit\.test(/notifications/\d+)", mail.get_body(("plain",)).get_content())

    log_in(client, bob)
    page = client.get("/").text
    assert 'aria-label="1 unread"' in page
    listed = client.get("/notifications").text
    assert listed.count("notification-unread") == 1 and "Anna Kowalska mentioned you" in listed

    # Following the link opens the reply; the count goes to zero.
    opened = client.get(link.group(1), follow_redirects=True)
    assert opened.status_code == 200 and "runs one for teenagers" in opened.text
    assert "unread" not in client.get("/").text


# --- bad input: never a 500 --------------------------------------------------------------------

BAD_PAGES = ["²", "99999999999999999999999", "-1", "0", "", "1.5", "%20"]


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("path", ["/members", "/notifications", "/bookmarks", "/u/reader"])
def test_a_page_number_that_is_not_one_is_404(client, make_user, login, path, page):
    login(make_user(username="reader"))
    assert client.get(f"{path}?page={page}").status_code == 404


@pytest.mark.parametrize("path", ["/members", "/notifications", "/bookmarks", "/u/reader"])
def test_a_repeated_page_number_takes_the_first(client, make_user, login, path):
    login(make_user(username="reader"))
    assert client.get(f"{path}?page=1&page=x").status_code == 200
    assert client.get(f"{path}?page=x&page=1").status_code == 404


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/notifications/99999999999999999999"),
        ("get", "/notifications/2147483648"),
        ("post", "/t/99999999999999999999/follow"),
        ("post", "/t/2147483648/unfollow"),
        ("post", "/t/99999999999999999999/bookmark"),
        ("post", "/t/99999999999999999999/unbookmark"),
    ],
)
def test_an_id_too_large_for_the_database_is_404(client, make_user, login, method, url):
    login(make_user())
    assert getattr(client, method)(url).status_code == 404


def field_value(html: str, name: str) -> str | None:
    form = BeautifulSoup(html, "html.parser").select_one("form.filters")
    tag = form.find(attrs={"name": name})
    if tag is None or tag.name != "select":
        return tag.get("value") if tag else None
    chosen = tag.find("option", selected=True)
    return chosen.get("value") if chosen else ""


@pytest.mark.parametrize(
    "query, field, kept, error",
    [
        ("q=" + "n" * 81, "q", "n" * 81, "Field cannot be longer than 80 characters."),
        ("institution=" + "w" * 121, "institution", "w" * 121, "longer than 120"),
        ("role=" + "r" * 81, "role", "r" * 81, "longer than 80"),
        ("country=Poland", "country", "Poland", "Two letters, e.g. PL."),
        ("library_type=castle", "library_type", "", "Not a valid choice"),
        ("platform=myspace", "platform", "", "Not a valid choice"),
    ],
)
def test_a_bad_filter_is_explained_and_what_was_typed_stays(client, colleagues, query, field, kept, error):
    response = client.get(f"/members?{query}")
    assert response.status_code == 200
    assert field_value(response.text, field) == kept
    assert error in response.text
    assert names_listed(response.text) == set()


@pytest.mark.parametrize(
    "query, expected, field, kept",
    [
        ("q=nowak&q=okafor", {"Anna Nowak"}, "q", "nowak"),
        ("library_type=public&library_type=castle", {"Ben Okafor"}, "library_type", "public"),
        ("platform=facebook&platform=instagram", {"Ben Okafor"}, "platform", "facebook"),
        ("country=NG&country=PL&q[]=x&library_type[]=y", {"Ben Okafor"}, "country", "NG"),
    ],
)
def test_a_repeated_filter_takes_the_first_value(client, colleagues, query, expected, field, kept):
    response = client.get(f"/members?{query}")
    assert response.status_code == 200
    assert names_listed(response.text) == expected
    assert field_value(response.text, field) == kept
