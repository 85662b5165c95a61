"""Moderation end to end through the web: queue, flags, curation, tags, members, audit log."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import g

from benefit.extensions import db
from benefit.models import (
    AuditLog,
    Flag,
    Notification,
    Reply,
    SearchChange,
    Tag,
    TagFollow,
    TagSynonym,
    Topic,
    utcnow,
)
from tests.factories import PASSWORD
from tests.web.test_security import REDIRECT_VECTORS


@pytest.fixture
def client_for(app):
    """A separate client logged in as `user`: several people act in one test.

    The tests share one app context with the requests, and Flask-Login caches the user on `g`,
    so each request forgets the previous request's user before it starts.
    """

    def forget_user():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)

    def make(user):
        c = app.test_client()
        response = c.post("/auth/login", data={"login": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return c

    return make


@pytest.fixture
def moderator(make_user):
    return make_user(username="mod_maria", role="moderator")


def audit_actions(**where):
    stmt = sa.select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditLog, key) == value)
    return [a.action for a in db.session.scalars(stmt)]


PRACTICE = {
    "kind": "practice",
    "title": "Story time clips on Instagram",
    "body": "We post a 30-second clip of every story time.",
    "platforms": "instagram",
}


def test_new_members_first_post_waits_in_the_queue_and_is_approved(
    client_for, make_user, moderator, taxonomy
):
    newcomer = make_user(approved=0)
    author = client_for(newcomer)
    response = author.post("/new", data=PRACTICE, follow_redirects=True)
    assert "waits for a moderator" in response.text
    topic = db.session.scalar(sa.select(Topic))
    assert topic.state == "pending"
    # Invisible to others, visible to its author with a badge.
    other = client_for(make_user())
    assert other.get(f"/t/{topic.id}/{topic.slug}").status_code == 404
    assert PRACTICE["title"] not in other.get("/practices").text
    assert "Awaiting review" in author.get(f"/t/{topic.id}/{topic.slug}").text

    mod = client_for(moderator)
    queue = mod.get("/moderation/queue").text
    assert PRACTICE["title"] in queue
    assert "1 in the review queue" in mod.get("/moderation/").text.replace("<strong>", "").replace(
        "</strong>", ""
    )
    response = mod.post(f"/moderation/topic/{topic.id}/approve", follow_redirects=True)
    assert "Approved" in response.text
    db.session.refresh(topic)
    db.session.refresh(newcomer)
    assert topic.state == "published"
    assert newcomer.approved_post_count == 1
    assert PRACTICE["title"] in other.get("/practices").text
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == newcomer.id))
    assert note.kind == "moderation" and note.event_key == f"moderation:approve:topic:{topic.id}"
    assert audit_actions(target_kind="topic", target_id=topic.id) == ["approve"]
    # The next post goes straight out.
    author.post("/new", data=dict(PRACTICE, title="Second post about clips"))
    second = db.session.scalar(sa.select(Topic).where(Topic.title == "Second post about clips"))
    assert second.state == "published"


def test_rejected_post_shows_the_reason_to_its_author_only(client_for, make_user, moderator, taxonomy):
    newcomer = make_user(approved=0)
    author = client_for(newcomer)
    author.post("/new", data=PRACTICE)
    topic = db.session.scalar(sa.select(Topic))
    mod = client_for(moderator)
    response = mod.post(f"/moderation/topic/{topic.id}/reject", data={"reason": ""}, follow_redirects=True)
    assert "Say why" in response.text
    mod.post(f"/moderation/topic/{topic.id}/reject", data={"reason": "Please add what you measured."})
    db.session.refresh(topic)
    assert topic.state == "rejected"
    page = author.get(f"/t/{topic.id}/{topic.slug}").text
    assert "Please add what you measured." in page and "Rejected" in page
    assert client_for(make_user()).get(f"/t/{topic.id}/{topic.slug}").status_code == 404
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == newcomer.id))
    assert "Please add what you measured." in note.message
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "reject"))
    assert entry.actor_id == moderator.id and entry.reason == "Please add what you measured."


def test_approving_a_reply_counts_it_on_the_topic(client_for, make_user, moderator, make_topic):
    topic = make_topic()
    newcomer = make_user(approved=0)
    client_for(newcomer).post(f"/t/{topic.id}/reply", data={"body": "Thanks, we will try it!"})
    reply = db.session.scalar(sa.select(Reply))
    db.session.refresh(topic)
    assert reply.state == "pending" and topic.reply_count == 0
    # Held back: the topic's author hears of the reply only once it is approved.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    before = topic.last_activity_at
    client_for(moderator).post(f"/moderation/reply/{reply.id}/approve")
    db.session.refresh(topic)
    db.session.refresh(reply)
    assert reply.state == "published" and topic.reply_count == 1
    assert topic.last_activity_at >= before
    notes = {(n.user_id, n.kind, n.reply_id) for n in db.session.scalars(sa.select(Notification))}
    assert notes == {(newcomer.id, "moderation", reply.id), (topic.author_id, "reply", reply.id)}


def test_three_members_flag_a_reply_and_it_is_hidden_until_reviewed(
    client_for, make_user, moderator, make_topic
):
    topic = make_topic(replies=1)
    reply = db.session.scalar(sa.select(Reply))
    flaggers = [make_user() for _ in range(3)]
    for i, member in enumerate(flaggers):
        c = client_for(member)
        assert f"/r/{reply.id}/flag" in c.get(f"/t/{topic.id}/{topic.slug}").text
        response = c.post(f"/r/{reply.id}/flag", data={"reason": "abusive"}, follow_redirects=True)
        assert "Thank you" in response.text
        db.session.refresh(reply)
        assert reply.state == ("hidden" if i == 2 else "published")
    assert "hidden until they do" in response.text
    db.session.refresh(topic)
    assert topic.reply_count == 0
    assert "Reply 0" not in client_for(make_user()).get(f"/t/{topic.id}/{topic.slug}").text
    assert audit_actions(target_kind="reply") == ["auto_hide"]

    mod = client_for(moderator)
    page = mod.get("/moderation/flags").text
    assert "Abusive or disrespectful" in page and flaggers[0].username in page
    # Disagree: the flags are dismissed and the reply the flags hid is back.
    mod.post(f"/moderation/flags/reply/{reply.id}/resolve", data={"decision": "disagree"})
    db.session.refresh(reply)
    db.session.refresh(topic)
    assert reply.state == "published" and topic.reply_count == 1
    assert "No open flags" in mod.get("/moderation/flags").text
    history = mod.get(f"/moderation/flags/history?target_kind=reply&target_id={reply.id}").text
    assert history.count("dismissed by mod_maria") == 3
    assert audit_actions(target_kind="reply") == ["auto_hide", "flags_dismiss"]


def test_moderator_agrees_with_a_flag_and_the_post_is_hidden_with_a_reason(
    client_for, make_user, moderator, make_topic
):
    topic = make_topic(title="Buy cheap followers here")
    client_for(make_user()).post(f"/t/{topic.id}/flag", data={"reason": "spam"})
    mod = client_for(moderator)
    mod.post(
        f"/moderation/flags/topic/{topic.id}/resolve", data={"decision": "agree", "reason": "Advertising."}
    )
    db.session.refresh(topic)
    assert topic.state == "hidden" and topic.moderation_reason == "Advertising."
    assert db.session.scalar(sa.select(Flag.resolution)) == "agreed"
    assert "Buy cheap followers" not in client_for(make_user()).get("/practices").text
    author_page = client_for(topic.author).get(f"/t/{topic.id}/{topic.slug}").text
    assert "Advertising." in author_page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "other"}, "Tell the moderators what is wrong"),
        ({"reason": "nonsense"}, "Not a valid choice"),
        ({}, "This field is required"),
    ],
)
def test_bad_flags_are_refused_with_a_message(client_for, make_user, make_topic, data, message):
    topic = make_topic()
    response = client_for(make_user()).post(f"/t/{topic.id}/flag", data=data)
    assert response.status_code == 200 and message in response.text
    assert db.session.scalar(sa.select(sa.func.count(Flag.id))) == 0


def test_one_flag_per_member_per_post_and_only_participants_flag(client_for, make_user, make_topic):
    topic = make_topic()
    member = client_for(make_user())
    member.post(f"/t/{topic.id}/flag", data={"reason": "other", "note": "Looks copied from a blog."})
    response = member.post(f"/t/{topic.id}/flag", data={"reason": "spam"})
    assert "You flagged this on" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Flag.id))) == 1
    assert client_for(topic.author).post(f"/t/{topic.id}/flag", data={"reason": "spam"}).status_code == 200
    unconfirmed = client_for(make_user(confirmed=False))
    assert unconfirmed.post(f"/t/{topic.id}/flag", data={"reason": "spam"}).status_code == 403
    suspended = make_user(suspended_until=utcnow() + timedelta(days=2), suspension_reason="Spam")
    assert client_for(suspended).get(f"/t/{topic.id}/flag").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Flag.id))) == 1


def test_merge_twitter_into_x_twitter(client_for, make_user, moderator, make_topic, taxonomy):
    # An old free-form tag "twitter" from before the synonym existed.
    db.session.execute(sa.delete(TagSynonym).where(TagSynonym.slug == "twitter"))
    db.session.commit()
    mod = client_for(moderator)
    response = mod.post(
        "/moderation/tags", data={"kind": "platform", "name": "Twitter", "slug": "twitter", "description": ""}
    )
    assert response.status_code == 302
    twitter = db.session.scalar(sa.select(Tag).where(Tag.slug == "twitter"))
    taxonomy["twitter"] = twitter
    x_twitter = taxonomy["x-twitter"]
    only_old = make_topic(title="Threads on the old Twitter", tags=("twitter",))
    both = make_topic(title="Cross-posting tips", tags=("twitter", "x-twitter"))
    follower, double_follower = make_user(), make_user()
    db.session.add_all(
        [
            TagFollow(user_id=follower.id, tag_id=twitter.id),
            TagFollow(user_id=double_follower.id, tag_id=twitter.id),
            TagFollow(user_id=double_follower.id, tag_id=x_twitter.id),
        ]
    )
    db.session.commit()
    twitter_id = twitter.id

    response = mod.post(f"/moderation/tags/{twitter_id}/merge", data={"merge-target": str(x_twitter.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tag, twitter_id) is None
    assert [t.slug for t in db.session.get(Topic, only_old.id).tags] == ["x-twitter"]
    assert [t.slug for t in db.session.get(Topic, both.id).tags] == ["x-twitter"]
    follows = {tuple(row) for row in db.session.execute(sa.select(TagFollow.user_id, TagFollow.tag_id))}
    assert follows == {(follower.id, x_twitter.id), (double_follower.id, x_twitter.id)}
    response = client_for(make_user()).get("/tags/twitter")
    assert response.status_code == 301 and response.location.endswith("/tags/x-twitter")
    page = mod.get("/tags/x-twitter").text
    assert "Threads on the old Twitter" in page and "Cross-posting tips" in page
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "tag_merge"))
    assert json.loads(entry.details)["source_slug"] == "twitter" and entry.target_id == x_twitter.id


def test_renaming_a_tag_slug_keeps_the_old_address(client_for, moderator, taxonomy, make_topic):
    make_topic(tags=("instagram", "booktok"))
    tag = taxonomy["booktok"]
    mod = client_for(moderator)
    mod.post(
        f"/moderation/tags/{tag.id}",
        data={"name": "BookTok (TikTok)", "slug": "booktok-tiktok", "description": "Books on TikTok."},
    )
    db.session.refresh(tag)
    assert tag.slug == "booktok-tiktok" and tag.name == "BookTok (TikTok)"
    assert mod.get("/tags/booktok").location.endswith("/tags/booktok-tiktok")
    response = mod.post("/moderation/tags", data={"kind": "trend", "name": "Booktok", "slug": "booktok"})
    assert "already a tag or a synonym" in response.text


def test_lock_topic_stops_member_replies(client_for, make_user, moderator, make_topic):
    topic = make_topic()
    mod = client_for(moderator)
    assert "Lock" in mod.get(f"/t/{topic.id}/{topic.slug}").text
    mod.post(f"/moderation/topic/{topic.id}/lock", data={"next": f"/t/{topic.id}"})
    db.session.refresh(topic)
    assert topic.is_locked
    member = client_for(make_user())
    assert "This topic is locked" in member.get(f"/t/{topic.id}/{topic.slug}").text
    member.post(f"/t/{topic.id}/reply", data={"body": "Can I still reply?"})
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    mod.post(f"/moderation/topic/{topic.id}/unlock")
    db.session.refresh(topic)
    assert not topic.is_locked
    assert audit_actions(target_kind="topic") == ["lock", "unlock"]


def test_pin_and_feature_put_a_topic_first_and_on_the_home_page(client_for, moderator, make_topic):
    first = make_topic(title="An older practice")
    make_topic(title="A newer practice")
    mod = client_for(moderator)
    mod.post(f"/moderation/topic/{first.id}/pin")
    mod.post(f"/moderation/topic/{first.id}/feature")
    page = mod.get("/practices").text
    assert page.index("An older practice") < page.index("A newer practice")
    assert "Featured" in mod.get("/").text
    response = mod.post(f"/moderation/topic/{first.id}/pin", follow_redirects=True)
    assert "already pinned" in response.text


def test_hide_and_restore_a_topic_never_deletes_it(client_for, make_user, moderator, make_topic):
    topic = make_topic(title="A questionable practice")
    mod = client_for(moderator)
    mod.post(f"/moderation/topic/{topic.id}/hide", data={"reason": ""})
    db.session.refresh(topic)
    assert topic.state == "published"
    mod.post(f"/moderation/topic/{topic.id}/hide", data={"reason": "Shows faces of children."})
    db.session.refresh(topic)
    assert topic.state == "hidden"
    visitor = client_for(make_user())
    assert "A questionable practice" not in visitor.get("/practices").text
    assert visitor.get(f"/t/{topic.id}/{topic.slug}").status_code == 404
    assert "Shows faces of children." in client_for(topic.author).get(f"/t/{topic.id}/{topic.slug}").text
    mod.post(f"/moderation/topic/{topic.id}/restore")
    db.session.refresh(topic)
    assert topic.state == "published" and topic.moderation_reason is None
    assert "A questionable practice" in visitor.get("/practices").text
    assert audit_actions(target_kind="topic") == ["hide", "restore"]


def test_move_to_mistakes_asks_for_a_category(client_for, moderator, make_topic):
    topic = make_topic(kind="discussion", title="We posted the wrong opening hours")
    mod = client_for(moderator)
    assert "Mistake category" in mod.get(f"/moderation/topic/{topic.id}/move").text
    response = mod.post(f"/moderation/topic/{topic.id}/move", data={"kind": "mistake", "category": ""})
    assert "needs a category" in response.text
    mod.post(f"/moderation/topic/{topic.id}/move", data={"kind": "mistake", "category": "content"})
    db.session.refresh(topic)
    assert topic.kind == "mistake" and topic.category == "content"
    assert "We posted the wrong opening hours" in mod.get("/mistakes").text
    mod.post(f"/moderation/topic/{topic.id}/move", data={"kind": "practice"})
    db.session.refresh(topic)
    assert topic.kind == "practice" and topic.category is None
    details = [json.loads(a.details) for a in db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id))]
    assert [(d["from_kind"], d["to_kind"]) for d in details] == [
        ("discussion", "mistake"),
        ("mistake", "practice"),
    ]


def test_moderator_edits_a_post_and_everyone_sees_the_history_with_a_diff(
    client_for, make_user, moderator, make_topic
):
    topic = make_topic(title="Alt text for every image", body="Line one.\nLine two.")
    mod = client_for(moderator)
    data = {
        "kind": "practice",
        "title": "Alt text for every image we post",
        "body": "Line one.\nLine two, improved.",
        "platforms": "instagram",
    }
    assert mod.post(f"/t/{topic.id}/edit", data=data).status_code == 302
    page = client_for(make_user()).get(f"/t/{topic.id}/history").text
    assert '<del><span class="visually-hidden">removed: </span>Line two.</del>' in page
    assert '<ins><span class="visually-hidden">added: </span>Line two, improved.</ins>' in page
    assert f"Edit 1, by {moderator.display_name}" in page
    assert f"Original, by {topic.author.display_name}" in page
    assert "Alt text for every image we post" in page
    assert audit_actions(target_kind="topic") == ["edit"]
    # History follows the post's visibility.
    mod.post(f"/moderation/topic/{topic.id}/hide", data={"reason": "Check"})
    assert client_for(make_user()).get(f"/t/{topic.id}/history").status_code == 404


def test_reply_history(client_for, make_topic):
    topic = make_topic(replies=1)
    reply = db.session.scalar(sa.select(Reply))
    author = client_for(topic.author)
    author.post(f"/r/{reply.id}/edit", data={"body": "Reply 0, with a link."})
    page = author.get(f"/t/{topic.id}/{topic.slug}").text
    assert f"/r/{reply.id}/history" in page
    history = author.get(f"/r/{reply.id}/history").text
    assert "Reply 0, with a link." in history and "Original" in history


def test_suspend_a_member_for_a_week(client_for, make_user, moderator, make_topic, taxonomy):
    member = make_user(display_name="Jan Kowalski")
    topic = make_topic()
    mod = client_for(moderator)
    assert "Jan Kowalski" in mod.get("/moderation/members?q=kowal").text
    until = (utcnow() + timedelta(days=7)).date().isoformat()
    response = mod.post(
        f"/moderation/members/{member.id}/suspend",
        data={"until": until, "reason": "Repeated self-promotion."},
        follow_redirects=True,
    )
    assert "is suspended until" in response.text
    db.session.refresh(member)
    assert member.is_suspended()
    c = client_for(member)
    page = c.get("/").text
    assert "Your account is suspended" in page and "Repeated self-promotion." in page
    response = c.post("/new", data=PRACTICE)
    assert "suspended" in response.text
    c.post(f"/t/{topic.id}/reply", data={"body": "Let me in"})
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    assert "Jan Kowalski" in mod.get("/moderation/members?suspended=1").text
    mod.post(f"/moderation/members/{member.id}/unsuspend", data={"reason": "Talked it over."})
    db.session.refresh(member)
    assert not member.is_suspended()
    assert audit_actions(target_kind="user", target_id=member.id) == ["suspend", "unsuspend"]


@pytest.mark.parametrize(
    "target, message",
    [
        ("moderator", "Only an admin can suspend a moderator, and nobody can suspend an admin here."),
        ("admin", "Only an admin can suspend a moderator, and nobody can suspend an admin here."),
        ("self", "You cannot do that to your own account."),
    ],
)
def test_moderators_cannot_suspend_moderators_admins_or_themselves(
    client_for, make_user, moderator, target, message
):
    victim = moderator if target == "self" else make_user(role=target)
    mod = client_for(moderator)
    until = (utcnow() + timedelta(days=7)).date().isoformat()
    response = mod.post(f"/moderation/members/{victim.id}/suspend", data={"until": until, "reason": "x"})
    assert response.status_code == 302
    assert response.location == f"/moderation/members/{victim.id}"
    page = BeautifulSoup(mod.get(response.location).text, "html.parser")
    assert [f.get_text(strip=True) for f in page.select(".flashes .notice-error")] == [message]
    db.session.refresh(victim)
    assert not victim.is_suspended()
    assert audit_actions(action="suspend") == []


def test_only_admins_grant_and_remove_the_moderator_role(client_for, make_user, moderator):
    member = make_user()
    admin = make_user(role="admin")
    response = client_for(moderator).post(f"/moderation/members/{member.id}/role", data={"role": "moderator"})
    assert response.status_code == 403
    assert "Save role" not in client_for(moderator).get(f"/moderation/members/{member.id}").text
    boss = client_for(admin)
    assert "Save role" in boss.get(f"/moderation/members/{member.id}").text
    boss.post(f"/moderation/members/{member.id}/role", data={"role": "moderator"})
    db.session.refresh(member)
    assert member.role == "moderator"
    assert client_for(member).get("/moderation/").status_code == 200
    boss.post(f"/moderation/members/{member.id}/role", data={"role": "member"})
    db.session.refresh(member)
    assert member.role == "member"
    boss.post(f"/moderation/members/{admin.id}/role", data={"role": "member"})
    db.session.refresh(admin)
    assert admin.role == "admin"
    assert audit_actions(action="set_role") == ["set_role", "set_role"]


def test_every_step_appears_in_the_filterable_audit_log(
    client_for, make_user, moderator, make_topic, taxonomy
):
    topic = make_topic(title="A topic to lock")
    member = make_user(username="jan_k")
    mod = client_for(moderator)
    mod.post(f"/moderation/topic/{topic.id}/lock")
    until = (utcnow() + timedelta(days=7)).date().isoformat()
    mod.post(f"/moderation/members/{member.id}/suspend", data={"until": until, "reason": "Spam links."})
    page = mod.get("/moderation/audit").text
    assert "lock" in page and "suspend" in page and "Spam links." in page
    only_suspend = mod.get("/moderation/audit?action=suspend").text
    assert "Spam links." in only_suspend and f"topic #{topic.id}" not in only_suspend
    by_target = mod.get(f"/moderation/audit?target_kind=topic&target_id={topic.id}").text
    assert f"topic #{topic.id}" in by_target and "Spam links." not in by_target
    assert "1 entry" in mod.get("/moderation/audit?actor=mod_maria&action=lock").text
    assert "0 entries" in mod.get("/moderation/audit?actor=somebody_else").text
    # Read-only: nothing edits or deletes an entry.
    assert mod.post("/moderation/audit").status_code == 405
    assert mod.delete("/moderation/audit").status_code == 405


def search_titles(client, q):
    soup = BeautifulSoup(client.get("/search", query_string={"q": q}).text, "html.parser")
    return [h.get_text(" ", strip=True) for h in soup.select(".search-hits .topic-title")]


def test_hiding_restoring_and_merging_tags_reach_search_at_once(client_for, make_user, moderator, make_topic):
    topic = make_topic(title="Zeppelin story time", body="zeppelin", tags=("instagram",))
    reader = client_for(make_user())
    assert search_titles(reader, "zeppelin") == ["Zeppelin story time"]
    mod = client_for(moderator)
    logged = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    mod.post(f"/moderation/topic/{topic.id}/hide", data={"reason": "Checking the photos."})
    changes = db.session.execute(
        sa.select(SearchChange.entity_kind, SearchChange.entity_id).where(SearchChange.id > logged)
    ).all()
    assert ("topic", topic.id) in {tuple(c) for c in changes}
    assert search_titles(reader, "zeppelin") == []
    mod.post(f"/moderation/topic/{topic.id}/restore")
    assert search_titles(reader, "zeppelin") == ["Zeppelin story time"]
    # Retagged by a merge: found under the tag it was merged into.
    instagram = db.session.scalar(sa.select(Tag).where(Tag.slug == "instagram"))
    facebook = db.session.scalar(sa.select(Tag).where(Tag.slug == "facebook"))
    mod.post(f"/moderation/tags/{instagram.id}/merge", data={"merge-target": str(facebook.id)})
    assert search_titles(reader, "zeppelin platform:facebook") == ["Zeppelin story time"]


@pytest.mark.parametrize("target", REDIRECT_VECTORS)
def test_back_to_where_you_were_never_leaves_the_site(client_for, moderator, make_topic, target):
    topic = make_topic()
    response = client_for(moderator).post(f"/moderation/topic/{topic.id}/pin", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{topic.id}/{topic.slug}"
    db.session.refresh(topic)
    assert topic.is_pinned


def test_back_to_where_you_were_keeps_a_path_on_this_site(client_for, moderator, make_topic):
    topic = make_topic()
    response = client_for(moderator).post(
        f"/moderation/topic/{topic.id}/lock", data={"next": "/moderation/queue?x=1"}
    )
    assert response.headers["Location"] == "/moderation/queue?x=1"


@pytest.mark.parametrize("kind", ["topic", "reply"])
def test_flagging_again_says_when_you_flagged(client_for, make_user, make_topic, kind):
    topic = make_topic(replies=1)
    post_id = topic.id if kind == "topic" else db.session.scalar(sa.select(Reply.id))
    url = f"/{kind[0]}/{post_id}/flag"
    member = client_for(make_user())
    assert "Send the flag" in member.get(url).text
    assert member.post(url, data={"reason": "spam"}).status_code == 302
    when = db.session.scalar(sa.select(Flag.created_at))
    notice = f"You flagged this on {when.day} {when:%b %Y}; moderators will look at it."
    for response in (member.get(url), member.post(url, data={"reason": "abusive"})):
        assert response.status_code == 200
        assert notice in response.text and "Send the flag" not in response.text
    assert db.session.scalar(sa.select(sa.func.count(Flag.id))) == 1
    # Someone else still gets the form.
    assert "Send the flag" in client_for(make_user()).get(url).text


def test_flagging_a_reviewed_post_again_says_it_was_reviewed(client_for, make_user, make_topic, moderator):
    topic = make_topic()
    member = client_for(make_user())
    member.post(f"/t/{topic.id}/flag", data={"reason": "spam"})
    client_for(moderator).post(f"/moderation/flags/topic/{topic.id}/resolve", data={"decision": "disagree"})
    page = member.get(f"/t/{topic.id}/flag").text
    assert "You flagged this on" in page and "a moderator reviewed it on" in page
    assert "Send the flag" not in page


BAD_NUMBERS = ["%C2%B2", "99999999999999999999999", "-1", "0", "abc&page=2", "1.5"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("path", ["/moderation/audit", "/moderation/members", "/moderation/flags/history"])
def test_moderation_lists_answer_bad_page_numbers_with_404(client_for, moderator, path, value):
    assert client_for(moderator).get(f"{path}?page={value}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "/moderation/audit?target_id=99999999999999999999",
        "/moderation/audit?target_id=2147483648",
        "/moderation/audit?target_id=-3",
        "/moderation/flags/history?target_kind=topic&target_id=99999999999999999999",
        "/moderation/flags/history?target_kind=reply&target_id=%C2%B2",
    ],
)
def test_moderation_filters_answer_bad_ids_with_404(client_for, moderator, query):
    assert client_for(moderator).get(query).status_code == 404


def test_an_anonymous_mistake_moved_to_the_discussions_stays_anonymous(
    client_for, make_user, moderator, make_topic
):
    reporter = make_user(display_name="Quiet Reporter")
    topic = make_topic(kind="mistake", title="We tagged the wrong author", author=reporter, is_anonymous=True)
    mod = client_for(moderator)
    assert mod.post(f"/moderation/topic/{topic.id}/move", data={"kind": "discussion"}).status_code == 302
    db.session.refresh(topic)
    assert topic.kind == "discussion" and topic.is_anonymous
    page = client_for(make_user()).get(f"/t/{topic.id}/{topic.slug}").text
    assert "We tagged the wrong author" in page and "Quiet Reporter" not in page
    assert "Quiet Reporter" not in client_for(make_user()).get("/discussions").text


def test_a_merge_into_a_number_out_of_range_is_refused_on_the_form(client_for, moderator, make_topic):
    source = make_topic(kind="mistake")
    response = client_for(moderator).post(f"/t/{source.id}/merge", data={"target": "99999999999999999999"})
    assert response.status_code == 200 and "There is no mistake with that number" in response.text
    db.session.refresh(source)
    assert source.merged_into_id is None
