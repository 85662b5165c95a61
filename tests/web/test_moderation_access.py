"""Every moderation route, walked with every role: visitors log in, members are refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Tag
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
