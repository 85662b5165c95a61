"""Who is notified of what: same transaction, never your own actions, never hidden content, never twice."""

from __future__ import annotations

import sqlalchemy as sa

from benefit.community import actions
from benefit.extensions import db
from benefit.forum import actions as posting
from benefit.markup import render_markdown, sanitize
from benefit.models import Notification, Reply, TopicFollow


def notes(user=None):
    stmt = sa.select(Notification).order_by(Notification.id)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return list(db.session.scalars(stmt))


def follow(user, topic):
    actions.follow_topic(user, topic)


def test_reply_notifies_topic_author_and_followers_but_not_the_replier(make_user, make_topic):
    author, follower, replier, bystander = (make_user() for _ in range(4))
    topic = make_topic(author=author)
    follow(follower, topic)
    follow(replier, topic)
    reply = posting.reply_to_topic(replier, topic, "We tried this too.")
    got = {(n.user_id, n.kind, n.event_key) for n in notes()}
    assert got == {
        (author.id, "reply", f"reply:{reply.id}"),
        (follower.id, "reply", f"reply:{reply.id}"),
    }
    assert notes(bystander) == []
    (n,) = notes(author)
    assert n.actor_id == replier.id and n.topic_id == topic.id and n.reply_id == reply.id
    assert n.message == f"{replier.display_name} replied to “{topic.title}”"


def test_posting_and_replying_follow_the_topic(make_user, make_topic, taxonomy):
    author, replier = make_user(), make_user()
    topic = posting.start_topic(
        author,
        posting.TopicDraft(kind="practice", title="Reels on Fridays", body="b", platforms=["instagram"]),
    )
    posting.reply_to_topic(replier, topic, "Thanks")
    followers = set(
        db.session.scalars(sa.select(TopicFollow.user_id).where(TopicFollow.topic_id == topic.id))
    )
    assert followers == {author.id, replier.id}
    # Replying again to a topic you follow is not an error.
    posting.reply_to_topic(replier, topic, "Again")


def test_own_reply_notifies_nobody(make_user, make_topic):
    author = make_user()
    topic = make_topic(author=author)
    follow(author, topic)
    posting.reply_to_topic(author, topic, "A note to self, @" + author.username)
    assert notes() == []


def test_mention_of_a_follower_notifies_once_as_a_mention(make_user, make_topic):
    author, anna, bob = make_user(), make_user(), make_user()
    topic = make_topic(author=author)
    follow(bob, topic)
    reply = posting.reply_to_topic(anna, topic, f"@{bob.username} and @{author.username}, look!")
    by_user = {n.user_id: n for n in notes()}
    assert set(by_user) == {author.id, bob.id}
    assert by_user[bob.id].kind == "mention" and by_user[author.id].kind == "mention"
    assert by_user[bob.id].event_key == f"reply:{reply.id}"
    # Telling about the same reply again (say, a moderator approving it) adds nothing.
    actions.announce_reply(reply)
    db.session.commit()
    assert len(notes()) == 2


def test_mentions_link_only_existing_members_at_most_ten(make_user, make_topic):
    topic = make_topic()
    members = [make_user(username=f"colleague{i:02d}") for i in range(12)]
    writer = make_user()
    deleted = make_user(username="gone_member")
    deleted.deleted_at = deleted.created_at
    db.session.commit()
    body = " ".join(f"@{m.username}" for m in members) + " @nobody_here @gone_member"
    reply = posting.reply_to_topic(writer, topic, body)
    assert reply.body_html.count('class="mention"') == 10
    assert '<a href="/u/colleague00" class="mention"' in reply.body_html
    assert "/u/colleague10" not in reply.body_html and "/u/nobody_here" not in reply.body_html
    assert "/u/gone_member" not in reply.body_html
    mentioned = {n.user_id for n in notes() if n.kind == "mention"}
    assert mentioned == {m.id for m in members[:10]}


def test_pending_reply_notifies_nobody_until_it_is_published(app, make_user, make_topic):
    app.config["REVIEW_FIRST_POSTS"] = 3
    author, bob = make_user(), make_user()
    newcomer = make_user(approved=0)
    topic = make_topic(author=author)
    reply = posting.reply_to_topic(newcomer, topic, f"Hello @{bob.username}")
    assert reply.state == "pending"
    assert notes() == []
    # What an approval does: publish, then announce inside the same transaction.
    reply.state = "published"
    actions.announce_reply(reply)
    db.session.commit()
    assert {(n.user_id, n.kind) for n in notes()} == {(bob.id, "mention"), (author.id, "reply")}


def test_pending_topic_mentions_nobody(app, make_user, taxonomy):
    app.config["REVIEW_FIRST_POSTS"] = 3
    bob = make_user()
    newcomer = make_user(approved=0)
    draft = posting.TopicDraft(
        kind="practice", title="Ask @bob", body=f"What do you think, @{bob.username}?", platforms=["tiktok"]
    )
    topic = posting.start_topic(newcomer, draft)
    assert topic.state == "pending"
    assert f'href="/u/{bob.username}"' in topic.body_html
    assert notes() == []


def test_followers_who_cannot_see_a_reply_are_not_told(make_user, make_topic):
    author, replier = make_user(), make_user()
    topic = make_topic(author=author)
    reply = Reply(topic=topic, author=replier, body="x", body_html="x", state="hidden")
    db.session.add(reply)
    db.session.commit()
    actions.announce_reply(reply)
    db.session.commit()
    assert notes() == []


def test_edit_that_adds_a_mention_tells_only_the_new_member(make_user, make_topic):
    topic = make_topic()
    writer, anna, bob = make_user(), make_user(), make_user()
    reply = posting.reply_to_topic(writer, topic, f"Hi @{anna.username}")
    posting.edit_reply(writer, reply, f"Hi @{anna.username} and @{bob.username}")
    assert sorted((n.user_id, n.kind) for n in notes() if n.kind == "mention") == [
        (anna.id, "mention"),
        (bob.id, "mention"),
    ]
    assert f'href="/u/{bob.username}"' in reply.body_html


def test_topic_mention_in_an_anonymous_mistake_does_not_name_the_reporter(make_user, taxonomy):
    reporter, bob = make_user(), make_user()
    draft = posting.TopicDraft(
        kind="mistake",
        title="We posted patron photos without consent",
        body=f"@{bob.username} warned us.",
        category="legal-privacy-copyright",
        how_to_avoid="Ask first.",
        is_anonymous=True,
    )
    posting.start_topic(reporter, draft)
    (n,) = notes(bob)
    assert n.kind == "mention" and n.actor_id is None
    assert reporter.display_name not in n.message and n.message.startswith("A member mentioned you")


def test_rolled_back_reply_leaves_no_notification(make_user, make_topic):
    author, replier = make_user(), make_user()
    topic = make_topic(author=author)
    reply = Reply(topic=topic, author=replier, body="x", body_html="x")
    db.session.add(reply)
    db.session.flush()
    actions.announce_reply(reply)
    db.session.rollback()
    assert notes() == []


def test_mentions_in_code_links_and_addresses_are_not_mentions():
    html = render_markdown("`@anna` [@anna](https://example.org) anna@example.org @anna", mentions=["anna"])
    assert html.count('class="mention"') == 1
    assert "<code>@anna</code>" in html
    assert "anna@example.org" in html


def test_sanitiser_still_strips_scripts_and_foreign_classes():
    html = render_markdown("<script>alert(1)</script> @anna", ["anna"])
    assert "<script" not in html and 'class="mention"' in html
    cleaned = sanitize(
        '<a class="evil mention" href="javascript:x" onclick="y">x</a><p class="mention">p</p>'
    )
    assert "evil" not in cleaned and "javascript" not in cleaned and "onclick" not in cleaned
    assert cleaned.count('class="mention"') == 1
