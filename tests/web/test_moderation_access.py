"""Every moderation route, walked with every role: visitors log in, members are refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import AuditLog, Flag, Reply, Tag, utcnow
from tests.factories import PASSWORD

ADMIN_ONLY = {"moderation.set_role"}
EXPECTED = {
    "moderation.index",
    "moderation.queue",
    "moderation.approve",
    "moderation.reject",
    "moderation.hide",
    "moderation.restore",
    "moderation.switch",
    "moderation.move",
    "moderation.flags",
    "moderation.flag_history",
    "moderation.resolve_flags",
    "moderation.tags",
    "moderation.tag",
    "moderation.merge_tag",
    "moderation.members",
    "moderation.member",
    "moderation.suspend",
    "moderation.unsuspend",
    "moderation.set_role",
    "moderation.audit_log",
}


def moderation_requests(app, topic, tag, user):
    """One (endpoint, method, url) per moderation route, with real ids filled in."""
    values = {
        "kind": "topic",
        "post_id": topic.id,
        "topic_id": topic.id,
        "tag_id": tag.id,
        "user_id": user.id,
        "action": "pin",
    }
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/moderation/"):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        found.append((rule.endpoint, method, url))
    return found


@pytest.mark.parametrize("role", ["anonymous", "member", "moderator", "admin"])
def test_every_moderation_route_checks_the_role(app, role, make_user, make_topic):
    topic = make_topic()
    tag = db.session.scalar(sa.select(Tag).where(Tag.slug == "tiktok"))
    target = make_user()
    client = app.test_client()
    if role != "anonymous":
        me = make_user(role=role)
        assert (
            client.post("/auth/login", data={"login": me.username, "password": PASSWORD}).status_code == 302
        )
    requests = moderation_requests(app, topic, tag, target)
    assert {endpoint for endpoint, _, _ in requests} == EXPECTED
    for endpoint, method, url in requests:
        response = client.open(url, method=method, data={})
        where = f"{method} {url} as {role}"
        if role == "anonymous":
            assert response.status_code == 302, where
            assert response.location.startswith("/auth/login"), where
        elif role == "member" or (role == "moderator" and endpoint in ADMIN_ONLY):
            assert response.status_code == 403, where
        else:
            assert response.status_code in (200, 302), where
            if response.status_code == 302:
                assert not response.location.startswith("/auth/login"), where


def test_public_moderation_pages_need_a_login_to_flag_but_not_to_read_history(client, make_topic):
    topic = make_topic(replies=1)
    assert client.get(f"/t/{topic.id}/history").status_code == 200
    for url in (f"/t/{topic.id}/flag", "/r/1/flag"):
        assert client.get(url).location.startswith("/auth/login")
        assert client.post(url, data={"reason": "spam"}).location.startswith("/auth/login")


def test_moderation_actions_need_a_csrf_token(app_config, make_user, make_topic):
    from benefit import create_app

    topic = make_topic()
    moderator = make_user(role="moderator")
    app = create_app(dict(app_config, WTF_CSRF_ENABLED=True))
    try:
        client = app.test_client()
        page = client.get("/auth/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        login = {"login": moderator.username, "password": PASSWORD, "csrf_token": token}
        assert client.post("/auth/login", data=login).status_code == 302
        response = client.post(f"/moderation/topic/{topic.id}/lock", data={})
        assert response.status_code == 400
    finally:
        with app.app_context():  # this second app has its own connection pool
            db.engine.dispose()
    db.session.refresh(topic)
    assert not topic.is_locked


# --- a suspended moderator or admin moderates nothing ----------------------------------------------

PUBLIC_MODERATOR_ONLY = {
    "moderation.merge_mistake",
    "moderation.mark_outdated",
    "moderation.topic_history",
    "moderation.reply_history",
}


def a_moderators_request(endpoint, make_topic, make_user):
    """(method, url, form data) of a request that an active moderator's session carries out."""
    hidden = {"state": "hidden", "moderation_reason": "Checking."}
    week = (utcnow() + timedelta(days=7)).date().isoformat()
    tiktok = db.session.scalar(sa.select(Tag).where(Tag.slug == "tiktok"))
    topic_cases = {
        "moderation.approve": ({"state": "pending"}, "approve", {}),
        "moderation.reject": ({"state": "pending"}, "reject", {"reason": "Say what you measured."}),
        "moderation.hide": ({}, "hide", {"reason": "Advertising."}),
        "moderation.restore": (hidden, "restore", {}),
        "moderation.switch": ({}, "pin", {}),
        "moderation.move": ({}, "move", {"kind": "discussion"}),
    }
    if endpoint in topic_cases:
        extra, verb, data = topic_cases[endpoint]
        return "POST", f"/moderation/topic/{make_topic(**extra).id}/{verb}", data
    if endpoint == "moderation.resolve_flags":
        topic = make_topic()
        db.session.add(Flag(user_id=make_user().id, target_kind="topic", target_id=topic.id, reason="spam"))
        db.session.commit()
        return "POST", f"/moderation/flags/topic/{topic.id}/resolve", {"decision": "agree"}
    if endpoint in ("moderation.suspend", "moderation.unsuspend", "moderation.set_role", "moderation.member"):
        until = utcnow() + timedelta(days=2) if endpoint == "moderation.unsuspend" else None
        member = make_user(suspended_until=until, suspension_reason="Spam" if until else None)
        verb = {"moderation.suspend": "/suspend", "moderation.unsuspend": "/unsuspend"}
        verb["moderation.set_role"] = "/role"
        data = {"until": week, "reason": "Spam links."} if endpoint == "moderation.suspend" else {}
        if endpoint == "moderation.set_role":
            data = {"role": "moderator"}
        method = "GET" if endpoint == "moderation.member" else "POST"
        return method, f"/moderation/members/{member.id}{verb.get(endpoint, '')}", data
    if endpoint in ("moderation.merge_mistake", "moderation.mark_outdated"):
        source, target = make_topic(kind="mistake"), make_topic(kind="mistake")
        if endpoint == "moderation.merge_mistake":
            return "POST", f"/t/{source.id}/merge", {"target": str(target.id)}
        return "POST", f"/t/{source.id}/outdated", {"outdated": "1"}
    if endpoint == "moderation.topic_history":
        return "GET", f"/t/{make_topic(**hidden).id}/history", {}
    if endpoint == "moderation.reply_history":
        topic = make_topic(replies=1)
        reply = db.session.scalar(sa.select(Reply).where(Reply.topic_id == topic.id))
        reply.state = "hidden"
        db.session.commit()
        return "GET", f"/r/{reply.id}/history", {}
    posts = {
        "moderation.tags": ("/moderation/tags", {"kind": "trend", "name": "Library cats"}),
        "moderation.tag": (f"/moderation/tags/{tiktok.id}", {"name": "TikTok!", "slug": "tiktok"}),
        "moderation.merge_tag": (
            f"/moderation/tags/{tiktok.id}/merge",
            {"merge-target": str(db.session.scalar(sa.select(Tag.id).where(Tag.slug == "instagram")))},
        ),
    }
    if endpoint in posts:
        return "POST", *posts[endpoint]
    pages = {
        "moderation.index": "/moderation/",
        "moderation.queue": "/moderation/queue",
        "moderation.flags": "/moderation/flags",
        "moderation.flag_history": "/moderation/flags/history",
        "moderation.members": "/moderation/members",
        "moderation.audit_log": "/moderation/audit",
    }
    return "GET", pages[endpoint], {}


def audit_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditLog.id))) or 0


@pytest.mark.parametrize("endpoint", sorted(EXPECTED | PUBLIC_MODERATOR_ONLY))
@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_a_suspended_moderator_or_admin_moderates_nothing(app, role, endpoint, make_user, make_topic):
    me = make_user(role=role, suspended_until=utcnow() + timedelta(days=3), suspension_reason="A break")
    method, url, data = a_moderators_request(endpoint, make_topic, make_user)
    client = app.test_client()
    assert client.post("/auth/login", data={"login": me.username, "password": PASSWORD}).status_code == 302

    refused = client.open(url, method=method, data=data)
    if endpoint in ("moderation.topic_history", "moderation.reply_history"):
        assert refused.status_code == 404  # a hidden post's history: as hidden as the post
    else:
        assert refused.status_code == 403
        assert "Your account is suspended: you cannot moderate until" in refused.text
    assert audit_rows() == 0

    # The same request once the suspension ends: it was a moderator's request that works.
    me.suspended_until = None
    db.session.commit()
    allowed = client.open(url, method=method, data=data)
    if role == "moderator" and endpoint in ADMIN_ONLY:
        assert allowed.status_code == 403 and "Only admins" in allowed.text
        return
    assert allowed.status_code in (200, 302), allowed.text
    if method == "POST":
        assert audit_rows() == 1


def test_a_suspended_moderator_reads_what_a_member_reads(app, make_user, make_topic):
    me = make_user(role="moderator", suspended_until=utcnow() + timedelta(days=3), suspension_reason="x")
    hidden = make_topic(title="A hidden practice", state="hidden", moderation_reason="Checking.")
    pending = make_topic(title="A practice waiting for review", state="pending")
    reporter = make_user(display_name="Quiet Reporter")
    anonymous = make_topic(kind="mistake", title="An anonymous mistake", author=reporter, is_anonymous=True)
    client = app.test_client()
    assert client.post("/auth/login", data={"login": me.username, "password": PASSWORD}).status_code == 302
    assert client.get(f"/t/{hidden.id}/{hidden.slug}").status_code == 404
    assert client.get(f"/t/{pending.id}/{pending.slug}").status_code == 404
    listing = client.get("/practices").text
    assert "A hidden practice" not in listing and "A practice waiting for review" not in listing
    page = client.get(f"/t/{anonymous.id}/{anonymous.slug}").text
    assert "Quiet Reporter" not in page
    assert "Moderate<span" not in page and 'href="/moderation/"' not in page
