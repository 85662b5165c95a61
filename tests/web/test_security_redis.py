"""The login limit holds across two gunicorn workers when the counts live in Redis.

In-memory counts are per worker: with two workers an attacker would get twice the attempts. This starts
a real gunicorn (2 workers) on a free loopback port against a migrated throw-away SQLite file and the
Redis at 127.0.0.1:6379, sends a bounded number of concurrent login attempts and checks that exactly
the limit gets through, whichever worker answers.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import IN_CI
from tests.servers import start_gunicorn

REDIS_URL = os.environ.get("BENEFIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LOGIN_LIMIT = 10  # "10/minute" in benefit.security.RATE_LIMITS
ATTEMPTS = 16

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if IN_CI:
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    client.close()


def _migrate(database_url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    from benefit import create_app
    from benefit.extensions import db

    app = create_app({"DATABASE_URL": database_url, "MAIL_DIR": str(tmp_path / "mail")})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture
def gunicorn(tmp_path, redis_client):
    prefix = f"benefit-test-{uuid.uuid4().hex[:12]}"
    database_url = f"sqlite:///{tmp_path / 'gunicorn.db'}"
    _migrate(database_url, tmp_path)
    access_log = tmp_path / "access.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BENEFIT_")},
        "BENEFIT_DATABASE_URL": database_url,
        "BENEFIT_RATELIMIT_STORAGE_URI": REDIS_URL,
        "BENEFIT_RATELIMIT_KEY_PREFIX": prefix,
        # Fail loudly rather than quietly count in each worker's memory.
        "BENEFIT_RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": "false",
        "BENEFIT_MAIL_DIR": str(tmp_path / "mail"),
        "BENEFIT_SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "BENEFIT_ACCESS_LOG": str(access_log),
    }
    # The worker's pid on each line shows which worker answered.
    server = start_gunicorn(
        env, tmp_path / "gunicorn.log", args=["--access-logformat", "%(p)s %(m)s %(U)s %(s)s"], workers=2
    )
    try:
        yield server.base_url, access_log, redis_client, prefix
    finally:
        server.stop()
        for key in redis_client.scan_iter(match=f"*{prefix}*", count=500):
            redis_client.delete(key)


def _attempt(base: str) -> int:
    """One login attempt with a real CSRF token, from a fresh browser (its own cookie jar)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/auth/login", timeout=15) as response:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
    assert token, "no CSRF token on the login page"
    body = urlencode({"csrf_token": token.group(1), "login": "nobody", "password": "wrong-password"})
    try:
        with opener.open(f"{base}/auth/login", data=body.encode(), timeout=15) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def test_login_limit_holds_across_two_workers(gunicorn):
    base, access_log, redis_client, prefix = gunicorn
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(lambda _: _attempt(base), range(ATTEMPTS)))
    counts = Counter(codes)
    assert counts == {200: LOGIN_LIMIT, 429: ATTEMPTS - LOGIN_LIMIT}, counts
    # The counts are in Redis under this run's prefix ...
    assert any(True for _ in redis_client.scan_iter(match=f"*{prefix}*"))
    # ... and both workers answered login attempts, so no single worker's memory could hold the count.
    time.sleep(0.5)  # let the access log flush
    posts = [line.split() for line in access_log.read_text().splitlines() if " POST /auth/login " in line]
    assert len(posts) == ATTEMPTS
    workers = {pid for pid, *_ in posts}
    assert len(workers) == 2, f"only one worker answered: {posts}"
    limited_by = {pid for pid, _, _, status in posts if status == "429"}
    allowed_by = {pid for pid, _, _, status in posts if status == "200"}
    assert limited_by and allowed_by
