"""Rate limits in memory: per address for visitors, per member once logged in, POST only."""

from __future__ import annotations

import pytest

from benefit.config import ConfigError
from benefit.extensions import limiter
from benefit.security import RATE_LIMITS, describe_wait
from tests.applog import read_app_log
from tests.factories import PASSWORD
from tests.servers import free_port


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def _wrong_login(client, addr="10.0.0.1"):
    return client.post(
        "/auth/login",
        data={"login": "nobody", "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_login_attempts_are_limited_and_the_page_says_when_to_retry(client):
    for _ in range(10):
        assert _wrong_login(client).status_code == 200
    response = _wrong_login(client)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Slow down" in response.text
    assert "try again in" in response.text
    assert "10 per 1 minute" in response.text
    # Looking at the form is not an attempt.
    assert client.get("/auth/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    # Another address is counted on its own.
    assert _wrong_login(client, addr="10.0.0.2").status_code == 200


def test_a_right_password_does_not_get_around_the_limit(client, make_user):
    user = make_user()
    for _ in range(10):
        _wrong_login(client)
    response = client.post(
        "/auth/login",
        data={"login": user.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 429


def test_registration_and_reset_requests_are_limited(client):
    for _ in range(5):
        response = client.post("/auth/reset", data={"email": "someone@example.org"})
        assert response.status_code == 302
    assert client.post("/auth/reset", data={"email": "someone@example.org"}).status_code == 429
    for _ in range(10):
        assert client.post("/auth/register", data={"username": "x"}).status_code == 200
    assert client.post("/auth/register", data={"username": "x"}).status_code == 429


@pytest.fixture
def tight(app, make_app):
    """An app with low limits for members' actions; counts start at zero (fresh memory storage)."""
    return make_app(RATE_LIMITS={"forum.reply": "2/hour", "forum.new_topic": "1/hour"})


def test_members_are_counted_by_account_not_address(tight, make_user, make_topic):
    topic = make_topic()
    anna, ben = make_user(), make_user()
    clients = {}
    for user in (anna, ben):
        client = tight.test_client()
        response = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
        assert response.status_code == 302
        clients[user.username] = client
    anna_client, ben_client = clients[anna.username], clients[ben.username]
    for n in range(2):
        assert anna_client.post(f"/t/{topic.id}/reply", data={"body": f"Reply {n}"}).status_code == 302
    response = anna_client.post(f"/t/{topic.id}/reply", data={"body": "One too many"})
    assert response.status_code == 429
    assert "try again in" in response.text
    # Same address (the test client's), another member: not limited.
    assert ben_client.post(f"/t/{topic.id}/reply", data={"body": "Mine"}).status_code == 302


def test_new_topic_limit_counts_posts_not_form_views(tight, make_user, taxonomy):
    client = tight.test_client()
    user = make_user()
    client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    draft = {"kind": "practice", "title": "Story polls", "body": "Ask a question.", "platforms": "instagram"}
    for _ in range(3):
        assert client.get("/new").status_code == 200
    assert client.post("/new", data=draft).status_code == 302
    assert client.post("/new", data=draft).status_code == 429
    assert client.get("/new").status_code == 200


def test_limits_apply_to_every_endpoint_in_the_table(app):
    limited = set(app.extensions["benefit.rate_limited_endpoints"])
    assert limited == {e for e in RATE_LIMITS if not e.endswith(".accepted")}
    assert {
        "accounts.login",
        "accounts.register",
        "accounts.request_reset",
        "forum.new_topic",
        "forum.reply",
    } <= limited


def test_a_misspelt_endpoint_in_the_limits_stops_the_app_at_start(make_app):
    with pytest.raises(ConfigError, match="forum.replly"):
        make_app(RATE_LIMITS={"forum.replly": "2/hour"})


def test_limits_are_off_when_disabled(app, make_app):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    for _ in range(12):
        assert _wrong_login(client).status_code == 200


def test_unreachable_storage_falls_back_to_memory(app, make_app):
    """Redis down must not take the site down; counting goes on in the worker's memory."""
    client = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0").test_client()
    try:
        codes = [_wrong_login(client).status_code for _ in range(11)]
    finally:
        # The limiter is one object for the process and init_app() does not clear its "storage is
        # dead" flag: without this, later tests would count in the fallback storage.
        limiter._storage_dead = False
    assert set(codes[:10]) == {200}
    assert codes[10] == 429


def test_falling_back_to_memory_is_logged_once_and_shown_in_healthz(app, make_app, caplog, monkeypatch):
    """Issue 15: with Redis unreachable each worker counted on its own, and nobody was told."""
    closed = free_port()  # nothing listens there: every connection is refused
    client = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed}/0").test_client()
    read_app_log(caplog, monkeypatch)
    try:
        codes = [_wrong_login(client).status_code for _ in range(11)]
        health = client.get("/healthz")
    finally:
        limiter._storage_dead = False  # see test_unreachable_storage_falls_back_to_memory
    assert codes == [200] * 10 + [429]
    notices = [r for r in caplog.records if r.name == "benefit" and "rate limits:" in r.getMessage()]
    assert len(notices) == 1, [r.getMessage() for r in notices]
    assert notices[0].levelname == "WARNING"
    assert f"redis://127.0.0.1:{closed}/0 is unreachable" in notices[0].getMessage()
    assert "own memory" in notices[0].getMessage()
    assert health.status_code == 200  # Redis down does not make the site unhealthy ...
    assert health.json["rate_limits"] == "memory-fallback (redis unreachable)"  # ... but it says so


def test_healthz_says_when_limited_requests_would_fail_without_a_fallback(app, make_app):
    closed = free_port()
    client = make_app(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed}/0", RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False
    ).test_client()
    assert client.get("/healthz").json["rate_limits"] == "redis unreachable"


def test_the_log_never_shows_the_storage_password():
    from benefit.security import _describe_storage

    assert _describe_storage("redis://:s3cret@10.0.0.5:6380/2") == "redis://10.0.0.5:6380/2"


@pytest.mark.parametrize(
    ("seconds", "text"), [(1, "1 second"), (59, "59 seconds"), (600, "10 minutes"), (7200, "2 hours")]
)
def test_wait_is_described_in_words(seconds, text):
    assert describe_wait(seconds) == text


def test_a_view_is_never_limited_twice(app, client):
    from benefit.security import apply_rate_limits

    # Every view in the table is wrapped already: a second pass leaves them alone ...
    assert apply_rate_limits(app) == []
    # ... so ten attempts still pass and the eleventh is refused, not the sixth.
    codes = [_wrong_login(client).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
