"""Moderation services: the rules behind the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.forum import actions as posting
from benefit.models import AuditLog, Reply, Revision, Tag, TagSynonym, User, utcnow
from benefit.moderation import actions as moderation
from benefit.moderation.history import line_diff, versions
from benefit.refusals import Conflict, NotAllowed, ServiceError, Suspended


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditLog.id))) or 0


@pytest.fixture
def moderator(make_user):
    return make_user(role="moderator")


def test_only_open_flags_from_distinct_members_count_towards_hiding(make_user, make_topic, moderator):
    topic = make_topic()
    members = [make_user() for _ in range(4)]
    results = [moderation.flag_post(m, topic, "spam") for m in members[:3]]
    assert [r.hidden for r in results] == [False, False, True]
    assert topic.state == "hidden" and topic.moderation_reason == moderation.FLAG_HIDE_REASON
    moderation.resolve_flags(moderator, topic, agree=False)
    assert topic.state == "published"
    # The dismissed flags no longer count: one new flag does not hide it again.
    assert moderation.flag_post(members[3], topic, "spam").hidden is False
    assert topic.state == "published"


def test_flag_threshold_comes_from_the_configuration(app, make_user, make_topic):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    topic = make_topic()
    assert moderation.flag_post(make_user(), topic, "privacy").hidden is True


def test_hiding_and_restoring_a_reply_keeps_the_reply_count(make_topic, moderator):
    topic = make_topic(replies=2)
    reply = db.session.scalar(sa.select(Reply).order_by(Reply.id))
    moderation.hide_post(moderator, reply, "Off-topic")
    db.session.refresh(topic)
    assert topic.reply_count == 1
    moderation.restore_post(moderator, reply)
    db.session.refresh(topic)
    assert topic.reply_count == 2


def test_a_refused_action_leaves_no_audit_entry(make_topic, moderator, make_user):
    topic = make_topic()
    with pytest.raises(Conflict):
        moderation.switch_topic(moderator, topic, "unpin")
    with pytest.raises(Conflict):
        moderation.approve_post(moderator, topic)
    with pytest.raises(NotAllowed):
        moderation.hide_post(make_user(), topic, "because")
    db.session.rollback()
    assert audit_count() == 0
    moderation.switch_topic(moderator, topic, "pin")
    assert audit_count() == 1


def test_merge_refuses_itself_and_another_kind(taxonomy, moderator):
    with pytest.raises(ServiceError):
        moderation.merge_tags(moderator, taxonomy["instagram"], taxonomy["instagram"])
    with pytest.raises(ServiceError, match="platform tag into another platform"):
        moderation.merge_tags(moderator, taxonomy["instagram"], taxonomy["booktok"])


def test_merge_moves_synonyms_and_member_platforms(taxonomy, moderator, make_user):
    member = make_user()
    member.platforms = [taxonomy["facebook"], taxonomy["instagram"]]
    db.session.commit()
    moderation.merge_tags(moderator, taxonomy["facebook"], taxonomy["instagram"])
    db.session.expire_all()
    synonyms = dict(db.session.execute(sa.select(TagSynonym.slug, TagSynonym.tag_id)).all())
    instagram_id = taxonomy["instagram"].id
    assert synonyms["fb"] == synonyms["facebook"] == synonyms["ig"] == instagram_id
    assert [t.slug for t in db.session.get(User, member.id).platforms] == ["instagram"]


def test_renaming_a_slug_back_and_forth_keeps_one_synonym_per_slug(taxonomy, moderator):
    tag = taxonomy["booktok"]
    moderation.update_tag(moderator, tag, "booktok-2", tag.name, tag.description)
    moderation.update_tag(moderator, tag, "booktok", tag.name, tag.description)
    slugs = set(db.session.scalars(sa.select(TagSynonym.slug).where(TagSynonym.tag_id == tag.id)))
    assert "booktok-2" in slugs and "booktok" not in slugs
    assert tag.slug == "booktok"
    with pytest.raises(Conflict):
        moderation.update_tag(moderator, tag, "instagram", tag.name, tag.description)


def test_create_tag_refuses_a_synonym_slug(taxonomy, moderator):
    with pytest.raises(Conflict):
        moderation.create_tag(moderator, "platform", "fb", "FB")
    tag = moderation.create_tag(moderator, "trend", "", "Library Cats")
    assert tag.slug == "library-cats" and db.session.get(Tag, tag.id) is not None


def test_suspension_rules(make_user, moderator):
    admin = make_user(role="admin")
    member = make_user()
    week = utcnow() + timedelta(days=7)
    with pytest.raises(ServiceError, match="future"):
        moderation.suspend_member(moderator, member, utcnow() - timedelta(days=1), "Spam")
    with pytest.raises(ServiceError, match="Say why"):
        moderation.suspend_member(moderator, member, week, "  ")
    with pytest.raises(NotAllowed):
        moderation.suspend_member(moderator, admin, week, "x")
    with pytest.raises(NotAllowed):
        moderation.suspend_member(moderator, make_user(role="moderator"), week, "x")
    moderation.suspend_member(admin, moderator, week, "Holiday")
    assert moderator.is_suspended()
    with pytest.raises(Suspended):
        posting.check_can_post(moderator)


def test_role_rules(make_user, moderator):
    admin, member = make_user(role="admin"), make_user()
    with pytest.raises(NotAllowed):
        moderation.set_role(moderator, member, "moderator")
    with pytest.raises(ServiceError):
        moderation.set_role(admin, member, "admin")
    with pytest.raises(NotAllowed):
        moderation.set_role(admin, admin, "member")
    moderation.set_role(admin, member, "moderator")
    assert member.is_moderator


def test_line_diff_marks_removed_and_added_lines_with_context():
    old = "\n".join(f"line {i}" for i in range(10))
    new = old.replace("line 5", "line five")
    diff = line_diff(old, new)
    assert [(d.kind, d.text) for d in diff if d.kind in ("del", "ins")] == [
        ("del", "line 5"),
        ("ins", "line five"),
    ]
    assert [d.text for d in diff if d.kind == "same"] == ["line 3", "line 4", "line 6", "line 7"]


def test_versions_run_from_the_original_to_the_current_text(make_topic, make_user, moderator):
    topic = make_topic(title="First title", body="one")
    draft = posting.TopicDraft(kind="practice", title="First title", body="two", platforms=["instagram"])
    posting.edit_topic(topic.author, topic, draft)
    draft.body, draft.title = "three", "Second title"
    posting.edit_topic(moderator, topic, draft)
    found = versions(topic)
    assert [(v.title, v.body) for v in found] == [
        ("First title", "one"),
        ("First title", "two"),
        ("Second title", "three"),
    ]
    assert [v.by.id for v in found] == [topic.author_id, topic.author_id, moderator.id]
    assert found[2].title_changed and not found[1].title_changed
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 2
    # Only the moderator's edit of someone else's post is a moderation action.
    assert [a.action for a in db.session.scalars(sa.select(AuditLog))] == ["edit"]


def test_every_verb_refuses_a_suspended_moderator_or_admin(make_user, make_topic, taxonomy):
    """The actions check too, not only the pages: a suspended moderator keeps no power."""
    away = {"suspended_until": utcnow() + timedelta(days=3), "suspension_reason": "A break"}
    moderator, admin = make_user(role="moderator", **away), make_user(role="admin", **away)
    member, topic = make_user(), make_topic()
    pending = make_topic(state="pending")
    week = utcnow() + timedelta(days=7)
    attempts = [
        lambda who: moderation.approve_post(who, pending),
        lambda who: moderation.reject_post(who, pending, "No"),
        lambda who: moderation.hide_post(who, topic, "Spam"),
        lambda who: moderation.switch_topic(who, topic, "pin"),
        lambda who: moderation.move_topic(who, topic, "discussion", None),
        lambda who: moderation.create_tag(who, "trend", "", "Library cats"),
        lambda who: moderation.merge_tags(who, taxonomy["tiktok"], taxonomy["instagram"]),
        lambda who: moderation.suspend_member(who, member, week, "Spam"),
        lambda who: moderation.set_role(who, member, "moderator"),
        lambda who: moderation.mark_outdated(who, make_topic(kind="mistake"), True),
    ]
    for who in (moderator, admin):
        for attempt in attempts:
            with pytest.raises(NotAllowed):
                attempt(who)
    assert audit_count() == 0
    assert (topic.state, topic.is_pinned, topic.kind) == ("published", False, "practice")
    assert pending.state == "pending"
    assert not member.is_suspended() and member.role == "member"


def test_permissions_give_a_suspended_moderator_no_moderators_visibility(make_user, make_topic):
    from benefit import permissions

    moderator = make_user(role="moderator", suspended_until=utcnow() + timedelta(days=1))
    hidden = make_topic(state="hidden")
    assert not permissions.can_moderate(moderator) and not permissions.is_moderator(moderator)
    assert not permissions.can_view_topic(moderator, hidden)
    assert "suspended" in (permissions.moderation_refusal(moderator) or "")
    moderator.suspended_until = None
    assert permissions.can_moderate(moderator) and permissions.can_view_topic(moderator, hidden)
