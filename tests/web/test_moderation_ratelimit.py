"""Flagging is rate-limited per member, on POST only."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATE_LIMITS": {"moderation.flag_topic": "2/hour"},
    }


def test_flags_are_limited_per_member(client, login, make_user, make_topic):
    topics = [make_topic() for _ in range(3)]
    login(make_user())
    for topic in topics[:2]:
        assert client.post(f"/t/{topic.id}/flag", data={"reason": "spam"}).status_code == 302
    assert client.get(f"/t/{topics[2].id}/flag").status_code == 200
    assert client.post(f"/t/{topics[2].id}/flag", data={"reason": "spam"}).status_code == 429
