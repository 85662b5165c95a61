from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit import create_app
from benefit.extensions import db
from benefit.models import AuditLog, Notification, Reply, Topic, Vote, utcnow
from tests.factories import PASSWORD

JSON = {"Accept": "application/json"}


def votes_on(topic: Topic) -> int:
    return db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.topic_id == topic.id)) or 0


def stored_count(topic: Topic) -> int:
    return db.session.scalar(sa.select(Topic.vote_count).where(Topic.id == topic.id)) or 0


def list_titles(client, url: str = "/mistakes") -> list[str]:
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    return [a.get_text(strip=True) for a in soup.select(".topic-list .topic-title a")]


def topic_byline(client, topic: Topic) -> str:
    soup = BeautifulSoup(client.get(f"/t/{topic.id}/{topic.slug}").text, "html.parser")
    return soup.select_one(".topic-head .meta").get_text(" ", strip=True)


def vote_as(client, login, user, topic, **kwargs):
    client.post("/auth/logout")
    login(user)
    return client.post(f"/t/{topic.id}/vote", **kwargs)


def test_report_vote_unvote_rank_and_merge_keep_counts_exact(client, make_user, make_topic, login):
    other = make_topic(kind="mistake", title="Posting only during office hours")
    duplicate = make_topic(kind="mistake", title="Posting at 3 am by accident", replies=2)
    reporter = make_user(display_name="Ada Reporter")
    login(reporter)
    response = client.post(
        "/new",
        data={
            "kind": "mistake",
            "title": "Scheduling posts for the wrong time zone",
            "body": "The post goes out at night and nobody sees it.",
            "platforms": "",
            "category": "strategy",
            "how_to_avoid": "Check the scheduler's time zone.",
            "is_anonymous": "y",
        },
    )
    assert response.status_code == 302
    mistake = db.session.scalar(sa.select(Topic).where(Topic.title.startswith("Scheduling")))
    assert "Ada Reporter" in topic_byline(client, mistake)  # the reporter sees who they are
    client.post("/auth/logout")
    byline = topic_byline(client, mistake)
    assert "Ada Reporter" not in byline and "by a member" in byline

    a, b, c = make_user(), make_user(), make_user()
    vote_as(client, login, a, other)
    for member in (a, b, c):
        assert vote_as(client, login, member, mistake).status_code == 302
    assert stored_count(mistake) == votes_on(mistake) == 3
    assert list_titles(client)[:2] == [mistake.title, other.title]

    # One un-votes, two others vote on the other mistake: the order flips.
    vote_as(client, login, b, mistake)
    vote_as(client, login, b, other)
    vote_as(client, login, c, other)
    assert stored_count(mistake) == votes_on(mistake) == 2
    assert stored_count(other) == 3
    assert list_titles(client)[:2] == [other.title, mistake.title]

    # The duplicate: a voted on both (counts once), d only on the duplicate.
    d = make_user()
    vote_as(client, login, a, duplicate)
    vote_as(client, login, d, duplicate)
    moderator = make_user(role="moderator")
    client.post("/auth/logout")
    login(moderator)
    response = client.post(f"/t/{duplicate.id}/merge", data={"target": str(mistake.id), "reason": "same"})
    assert response.status_code == 302
    assert stored_count(mistake) == votes_on(mistake) == 3
    assert votes_on(duplicate) == 0
    db.session.expire_all()
    assert mistake.reply_count == 2 and duplicate.merged_into_id == mistake.id
    assert client.get(f"/t/{duplicate.id}/{duplicate.slug}").location.endswith(f"/t/{mistake.id}")
    titles = list_titles(client)
    assert titles[:2] == [mistake.title, other.title] and duplicate.title not in titles
    # Moderators see who reported it.
    assert "Ada Reporter" in topic_byline(client, mistake)


def test_vote_without_javascript_redirects_back_and_shows_the_state(client, make_user, make_topic, login):
    mistake = make_topic(kind="mistake")
    login(make_user())
    response = client.post(f"/t/{mistake.id}/vote")
    assert response.status_code == 302
    assert response.location.endswith(f"/t/{mistake.id}/{mistake.slug}#vote")
    soup = BeautifulSoup(client.get(response.location).text, "html.parser")
    assert "your “I've seen this” is counted" in soup.text
    assert soup.select_one(".vote-form button")["aria-pressed"] == "true"
    assert soup.select_one("[data-vote-count]").text == "1"
    assert "1 member has seen this" in soup.select_one(".vote-total").get_text(" ", strip=True)
    response = client.post(f"/t/{mistake.id}/vote", follow_redirects=True)
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one(".vote-form button")["aria-pressed"] == "false"
    assert soup.select_one("[data-vote-count]").text == "0"


def test_vote_with_javascript_gets_json_and_the_page_has_a_live_region(client, make_user, make_topic, login):
    mistake = make_topic(kind="mistake")
    login(make_user())
    page = BeautifulSoup(client.get(f"/t/{mistake.id}/{mistake.slug}").text, "html.parser")
    assert page.select_one(".vote-box [aria-live=polite]") is not None
    assert page.find("script", src=re.compile(r"/static/js/vote\.js"))
    assert not [s for s in page.find_all("script") if not s.get("src")], "no inline script"
    response = client.post(f"/t/{mistake.id}/vote", headers=JSON)
    assert response.status_code == 200
    assert response.json == {
        "voted": True,
        "count": 1,
        "label": "member has seen this",
        "message": "Thank you: your “I've seen this” is counted. 1 member has seen this.",
    }
    response = client.post(f"/t/{mistake.id}/vote", headers=JSON)
    assert response.json["voted"] is False and response.json["count"] == 0
    with client.get("/static/js/vote.js") as script:
        assert script.status_code == 200


@pytest.mark.parametrize(
    "case, status, message",
    [
        ("missing", 404, "does not exist"),
        ("hidden", 404, "does not exist"),
        ("pending", 404, "does not exist"),
        ("practice", 404, "Only mistakes"),
        ("merged", 404, "does not exist"),
        ("own", 403, "You reported this mistake"),
        ("unconfirmed", 403, "Confirm your email address to vote"),
        ("suspended", 403, "suspended"),
    ],
)
@pytest.mark.parametrize("accept", ["html", "json"])
def test_votes_that_are_not_allowed_get_a_clear_refusal(
    client, make_user, make_topic, login, case, status, message, accept
):
    voter = make_user(
        confirmed=case != "unconfirmed",
        suspended_until=utcnow() + timedelta(days=3) if case == "suspended" else None,
        suspension_reason="spam" if case == "suspended" else None,
    )
    url = "/t/9999/vote"
    if case != "missing":
        kwargs = {
            "hidden": {"state": "hidden"},
            "pending": {"state": "pending"},
            "practice": {"kind": "practice"},
            "own": {"author": voter},
        }.get(case, {})
        kwargs.setdefault("kind", "mistake")
        topic = make_topic(**kwargs)
        if case == "merged":
            target = make_topic(kind="mistake")
            topic.merged_into_id = target.id
            db.session.commit()
        url = f"/t/{topic.id}/vote"
    login(voter)
    response = client.post(url, headers=JSON if accept == "json" else {})
    assert response.status_code == status
    if accept == "json":
        assert message in response.json["error"]
    else:
        assert message in response.text and "Skip to main content" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 0


def test_logged_out_vote_goes_to_login_and_the_page_says_why_members_cannot_vote(
    client, make_user, make_topic, login
):
    author = make_user()
    mistake = make_topic(kind="mistake", author=author)
    url = f"/t/{mistake.id}/{mistake.slug}"
    response = client.post(f"/t/{mistake.id}/vote")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert "to say you've seen this" in client.get(url).text
    login(author)
    page = BeautifulSoup(client.get(url).text, "html.parser")
    assert page.select_one(".vote-form") is None
    assert "You reported this mistake" in page.select_one(".vote-refusal").text
    client.post("/auth/logout")
    login(make_user(confirmed=False))
    assert "Confirm your email address to vote" in client.get(url).text


def test_a_practice_page_has_no_vote_box(client, make_topic, make_user, login):
    practice = make_topic(kind="practice")
    login(make_user())
    page = client.get(f"/t/{practice.id}/{practice.slug}").text
    assert 'class="vote-box"' not in page


@pytest.fixture
def limited_client(app, app_config):
    # Created after `app`: the limiter is one object, configured by the last app initialised.
    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True, VOTE_RATE_LIMIT="3 per minute"))
    yield limited.test_client()
    with limited.app_context():
        db.engine.dispose()  # its own pool: close its connections, not leave them to the GC


def test_votes_are_rate_limited_per_member(limited_client, make_user, make_topic):
    mistake = make_topic(kind="mistake")
    first, second = make_user(), make_user()
    limited_client.post("/auth/login", data={"login": first.username, "password": PASSWORD})
    codes = [limited_client.post(f"/t/{mistake.id}/vote").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    response = limited_client.post(f"/t/{mistake.id}/vote")
    assert response.status_code == 429 and "Too many requests" in response.text
    # Another member (same address) still has their own budget.
    limited_client.post("/auth/logout")
    limited_client.post("/auth/login", data={"login": second.username, "password": PASSWORD})
    assert limited_client.post(f"/t/{mistake.id}/vote").status_code == 302
    assert stored_count(mistake) == votes_on(mistake) == 2


def test_reporter_is_notified_once_when_ten_members_have_seen_it(client, make_user, make_topic, login):
    author = make_user()
    mistake = make_topic(kind="mistake", author=author)
    voters = [make_user() for _ in range(11)]
    for voter in voters[:9]:
        vote_as(client, login, voter, mistake)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    vote_as(client, login, voters[9], mistake)
    vote_as(client, login, voters[9], mistake)  # back to 9
    vote_as(client, login, voters[10], mistake)  # 10 again
    notes = list(db.session.scalars(sa.select(Notification)))
    assert len(notes) == 1
    note = notes[0]
    assert (note.user_id, note.kind, note.topic_id) == (author.id, "vote_milestone", mistake.id)
    assert note.event_key == f"votes10:{mistake.id}" and "10 members" in note.message


def test_merge_moves_replies_practices_tags_and_records_an_audit_row(client, make_user, make_topic, login):
    practice_a = make_topic(kind="practice", title="Alt text checklist")
    practice_b = make_topic(kind="practice", title="Caption every video")
    target = make_topic(kind="mistake", tags=("instagram",), avoided_by=[practice_a])
    source = make_topic(
        kind="mistake",
        tags=("tiktok", "booktok"),
        avoided_by=[practice_a, practice_b],
        replies=3,
        evidence_links="https://example.org/a",
    )
    db.session.add(Reply(topic=source, author=source.author, body="p", body_html="<p>p</p>", state="pending"))
    # The target's reporter voted on the duplicate: they cannot vote on their own report.
    db.session.add(Vote(topic_id=source.id, user_id=target.author_id))
    source.vote_count = 1
    db.session.commit()
    moderator = make_user(role="moderator")
    login(moderator)
    form = client.get(f"/t/{source.id}/merge")
    assert form.status_code == 200 and target.title in form.text  # a candidate in the same category
    response = client.post(
        f"/t/{source.id}/merge",
        data={"target": f"http://benefit.test/t/{target.id}/x", "reason": "duplicate"},
        follow_redirects=True,
    )
    assert "Merged: 0 vote(s) and 4 repl(ies) moved; 1 duplicate vote(s) dropped." in response.text
    db.session.expire_all()
    assert target.reply_count == 3 and source.reply_count == 0
    assert db.session.scalar(sa.select(sa.func.count(Reply.id)).where(Reply.topic_id == target.id)) == 4
    assert {p.title for p in target.avoided_by} == {"Alt text checklist", "Caption every video"}
    assert {t.slug for t in target.tags} == {"instagram", "tiktok", "booktok"}
    assert target.evidence_link_list == ["https://example.org/a"]
    assert stored_count(target) == votes_on(target) == 0
    entry = db.session.scalar(sa.select(AuditLog))
    assert (entry.actor_id, entry.action, entry.target_id, entry.reason) == (
        moderator.id,
        "mistake.merge",
        source.id,
        "duplicate",
    )
    assert json.loads(entry.details)["into"] == target.id
    # The practice page lists the target, not the merged duplicate.
    page = client.get(f"/t/{practice_b.id}/{practice_b.slug}").text
    assert target.title in page and source.title not in page
    # A merged mistake cannot be merged again or voted on.
    assert client.get(f"/t/{source.id}/merge").status_code == 404


@pytest.mark.parametrize(
    "target, message",
    [
        ("SELF", "cannot be merged into itself"),
        ("PRACTICE", "Merge into another mistake"),
        ("MERGED", "was itself merged into"),
        ("99999", "There is no mistake with that number"),
        ("not a number", "is not a mistake"),
        ("", "This field is required"),
    ],
)
def test_bad_merges_are_refused_with_a_form_error(client, make_user, make_topic, login, target, message):
    source = make_topic(kind="mistake")
    practice = make_topic(kind="practice")
    final = make_topic(kind="mistake")
    merged = make_topic(kind="mistake", merged_into_id=final.id)
    value = {"SELF": source.id, "PRACTICE": practice.id, "MERGED": merged.id}.get(target, target)
    login(make_user(role="moderator"))
    response = client.post(f"/t/{source.id}/merge", data={"target": str(value)})
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    assert source.merged_into_id is None
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0


def test_only_moderators_merge_or_mark_outdated(client, make_user, make_topic, login):
    source, target = make_topic(kind="mistake"), make_topic(kind="mistake")
    login(make_user())
    assert client.get(f"/t/{source.id}/merge").status_code == 403
    response = client.post(f"/t/{source.id}/merge", data={"target": str(target.id)})
    assert response.status_code == 403 and "Only moderators" in response.text
    assert client.post(f"/t/{source.id}/outdated", data={"outdated": "1"}).status_code == 403
    page = client.get(f"/t/{source.id}/{source.slug}").text
    assert "Merge into another mistake" not in page
    db.session.expire_all()
    assert source.merged_into_id is None and source.is_outdated is False


def test_outdated_mistakes_stay_visible_but_rank_last(client, make_user, make_topic, login):
    popular = make_topic(kind="mistake", title="Popular but outdated", vote_count=5)
    make_topic(kind="mistake", title="Less seen", vote_count=1)
    moderator = make_user(role="moderator")
    login(moderator)
    assert "Mark outdated" in client.get(f"/t/{popular.id}/{popular.slug}").text
    assert client.post(f"/t/{popular.id}/outdated", data={"outdated": "1"}).status_code == 302
    for sort in ("votes", "trending"):
        assert list_titles(client, f"/mistakes?sort={sort}") == ["Less seen", "Popular but outdated"]
    page = client.get(f"/t/{popular.id}/{popular.slug}").text
    assert "Marked outdated" in page and "Mark as current" in page
    entry = db.session.scalar(sa.select(AuditLog))
    assert (entry.action, entry.target_id) == ("mistake.outdated", popular.id)
    client.post(f"/t/{popular.id}/outdated", data={"outdated": "0"})
    assert list_titles(client)[0] == "Popular but outdated"
    assert client.post(f"/t/{popular.id}/outdated", data={"outdated": "maybe"}).status_code == 400


def test_any_platform_mistakes_show_under_every_platform_and_lists_show_practices(
    client, make_topic, make_user, login
):
    practice = make_topic(kind="practice", title="Describe every image")
    hidden_practice = make_topic(kind="practice", title="Secret hidden practice", state="hidden")
    make_topic(kind="mistake", title="Anywhere mistake", tags=(), avoided_by=[practice, hidden_practice])
    make_topic(kind="mistake", title="TikTok only mistake", tags=("tiktok",))
    make_topic(kind="mistake", title="Instagram only mistake", tags=("instagram",))
    assert sorted(list_titles(client, "/mistakes?platform=tiktok")) == [
        "Anywhere mistake",
        "TikTok only mistake",
    ]
    page = client.get("/mistakes").text
    assert "Any platform" in page
    soup = BeautifulSoup(page, "html.parser")
    avoided = [p.get_text(" ", strip=True) for p in soup.select(".avoided-by")]
    assert "Avoided by: Describe every image" in avoided
    assert "Secret hidden practice" not in page
    assert "Describe every image" in client.get("/").text


def test_new_topic_form_explains_mistake_fields(client, make_user, login):
    login(make_user())
    page = client.get("/new?kind=mistake").text
    assert "<h1>Report a mistake</h1>" in page
    assert "Leave the platform tags empty if it happens on any platform" in page
    assert "<h1>Share a good practice</h1>" in client.get("/new?kind=practice").text


ANONYMOUS_REPORT = {
    "kind": "mistake",
    "title": "Posting a reader photo without asking",
    "body": "A reader saw their child on our page and complained.",
    "platforms": "",
    "category": "legal-privacy-copyright",
    "how_to_avoid": "Ask for written consent first.",
    "is_anonymous": "y",
}


def public_views(client, topic: Topic) -> dict[str, str]:
    """Everything a visitor reads about the topic: its page, its list, the feed, search and the profile."""
    db.session.refresh(topic)
    plural = {"mistake": "mistakes", "practice": "practices", "discussion": "discussions"}[topic.kind]

    def text(url: str) -> str:
        return BeautifulSoup(client.get(url).text, "html.parser").get_text(" ", strip=True)

    return {
        "page": topic_byline(client, topic),
        "list": text(f"/{plural}"),
        "feed": client.get("/feed.atom").text,
        "search": text("/search?q=photo"),
        "profile": text(f"/u/{topic.author.username}"),
    }


def edit_as_discussion(client, topic: Topic, body: str, **extra: str):
    data = {"kind": "discussion", "title": ANONYMOUS_REPORT["title"], "body": body, "platforms": "instagram"}
    return client.post(f"/t/{topic.id}/edit", data={**data, **extra})


def test_an_anonymous_report_stays_anonymous_when_moved_and_edited(client, make_user, login, taxonomy):
    reporter = make_user(username="adareporter", display_name="Ada Reporter")
    login(reporter)
    assert client.post("/new", data=ANONYMOUS_REPORT).status_code == 302
    mistake = db.session.scalar(sa.select(Topic))
    client.post("/auth/logout")
    login(make_user(role="moderator"))
    response = client.post(
        f"/moderation/topic/{mistake.id}/move", data={"kind": "discussion", "reason": "a question, really"}
    )
    assert response.status_code == 302
    # A moderator's edit keeps it too, although the form they send has no anonymity box ticked.
    assert edit_as_discussion(client, mistake, "Fixed a typo.").status_code == 302
    client.post("/auth/logout")
    login(reporter)
    form = BeautifulSoup(client.get(f"/t/{mistake.id}/edit").text, "html.parser")
    assert form.select_one("input[name=is_anonymous]").has_attr("checked")
    body = "A reader saw their child on our page and complained about the photo."
    assert edit_as_discussion(client, mistake, body, is_anonymous="y").status_code == 302
    client.post("/auth/logout")
    views = public_views(client, mistake)
    assert mistake.kind == "discussion" and mistake.is_anonymous
    assert "by a member" in views["page"]
    assert ANONYMOUS_REPORT["title"] in views["list"] and ANONYMOUS_REPORT["title"] in views["search"]
    assert ANONYMOUS_REPORT["title"] in views["feed"]
    for where in ("page", "list", "feed", "search"):
        assert "Ada Reporter" not in views[where] and "adareporter" not in views[where], where
    assert ANONYMOUS_REPORT["title"] not in views["profile"]
    search = BeautifulSoup(client.get("/search?q=author:adareporter").text, "html.parser")
    assert ANONYMOUS_REPORT["title"] not in search.get_text(" ", strip=True)


def test_giving_up_anonymity_takes_an_explicit_confirmation(client, make_user, login, taxonomy):
    reporter = make_user(username="adareporter", display_name="Ada Reporter")
    login(reporter)
    client.post("/new", data=ANONYMOUS_REPORT)
    mistake = db.session.scalar(sa.select(Topic))
    edit = {k: v for k, v in ANONYMOUS_REPORT.items() if k != "is_anonymous"}
    # Unticking the box alone is refused, with the box and the text kept as sent.
    response = client.post(f"/t/{mistake.id}/edit", data={**edit, "body": "Unticked by accident."})
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert "your name will show on this post" in soup.select_one("#is_anonymous-error").text
    assert "Unticked by accident." in soup.select_one("textarea[name=body]").text
    db.session.refresh(mistake)
    assert mistake.is_anonymous and mistake.body == ANONYMOUS_REPORT["body"]
    # With the confirmation, the reporter's name shows from now on.
    response = client.post(f"/t/{mistake.id}/edit", data={**edit, "show_my_name": "y"})
    assert response.status_code == 302
    client.post("/auth/logout")
    assert "Ada Reporter" in topic_byline(client, mistake)
