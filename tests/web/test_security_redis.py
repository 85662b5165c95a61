"""The login limit holds across two gunicorn workers when the counts live in Redis.

In-memory counts are per worker: with two workers an attacker would get twice the attempts. This starts
a real gunicorn (2 workers) on a free loopback port against a migrated throw-away SQLite file and the
Redis at 127.0.0.1:6379, sends a bounded number of concurrent login attempts and checks that exactly
the limit gets through, whichever worker answers.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import socket
import socketserver
import threading
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

from tests.applog import read_app_log
from tests.conftest import IN_CI
from tests.servers import free_port, start_gunicorn

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


# --- Redis unreachable, then back ----------------------------------------------------------------


class Forwarder(socketserver.ThreadingTCPServer):
    """A loopback port that forwards to Redis: opened, it is Redis; closed, nothing listens there."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.target = target
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", port), _Pipe)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=10)


class _Pipe(socketserver.BaseRequestHandler):
    server: Forwarder

    def handle(self) -> None:
        with socket.create_connection(self.server.target, timeout=5) as upstream:
            peers = {self.request: upstream, upstream: self.request}
            with selectors.DefaultSelector() as selector:
                for end in peers:
                    selector.register(end, selectors.EVENT_READ)
                while not self.server.stopping.is_set():
                    for key, _ in selector.select(timeout=0.2):
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        peers[key.fileobj].sendall(data)  # type: ignore[index]


def test_healthz_says_redis_when_the_counts_are_shared(redis_client, make_app):
    prefix = f"benefit-test-{uuid.uuid4().hex[:12]}"
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    client = app.test_client()
    try:
        response = client.post("/auth/login", data={"login": "nobody", "password": "wrong-password"})
        assert response.status_code == 200
        assert any(True for _ in redis_client.scan_iter(match=f"*{prefix}*"))
        assert client.get("/healthz").json["rate_limits"] == "redis"
    finally:
        for key in redis_client.scan_iter(match=f"*{prefix}*", count=500):
            redis_client.delete(key)


def test_fallback_and_recovery_are_each_logged_once(redis_client, make_app, caplog, monkeypatch):
    """Redis goes away and comes back: one warning for each, and /healthz follows."""
    from benefit.extensions import limiter

    redis_port = int(REDIS_URL.split(":")[2].split("/")[0])
    port = free_port()  # closed for now
    prefix = f"benefit-test-{uuid.uuid4().hex[:12]}"
    uri = f"redis://127.0.0.1:{port}/15"
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=uri, RATELIMIT_KEY_PREFIX=prefix)
    client = app.test_client()
    read_app_log(caplog, monkeypatch)
    forwarder = None
    try:
        for _ in range(3):
            client.post("/auth/login", data={"login": "nobody", "password": "wrong-password"})
        assert client.get("/healthz").json["rate_limits"] == "memory-fallback (redis unreachable)"
        forwarder = Forwarder(port, ("127.0.0.1", redis_port))
        # Flask-Limiter tries the storage again on a later request, waiting 2, 4 … 32 s between tries.
        deadline = time.monotonic() + 120
        while client.get("/healthz").json["rate_limits"] != "redis":
            assert time.monotonic() < deadline, "the limiter never went back to Redis"
            client.get("/")
            time.sleep(0.5)
    finally:
        limiter._storage_dead = False  # one limiter per process: never leave it on the fallback
        if forwarder is not None:
            forwarder.close()
        for key in redis_client.scan_iter(match=f"*{prefix}*", count=500):
            redis_client.delete(key)
    notices = [r.getMessage() for r in caplog.records if r.name == "benefit"]
    notices = [text for text in notices if text.startswith("rate limits:")]
    assert len(notices) == 2, notices
    assert f"{uri} is unreachable" in notices[0]
    assert f"{uri} is reachable again" in notices[1]


def test_each_worker_says_in_the_server_log_when_it_counts_in_memory(tmp_path):
    """The silent fallback of issue 15, under gunicorn: each worker that falls back says so, once."""
    closed = free_port()
    database_url = f"sqlite:///{tmp_path / 'gunicorn.db'}"
    _migrate(database_url, tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BENEFIT_")},
        "BENEFIT_DATABASE_URL": database_url,
        "BENEFIT_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed}/0",
        "BENEFIT_MAIL_DIR": str(tmp_path / "mail"),
        "BENEFIT_SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
    }
    server = start_gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(pool.map(lambda _: _attempt(server.base_url), range(12)))
        with urllib.request.urlopen(server.url("/healthz"), timeout=15) as response:  # noqa: S310
            health = json.load(response)
    finally:
        server.stop()
    assert set(codes) <= {200, 429}
    assert health["rate_limits"] == "memory-fallback (redis unreachable)"
    notices = re.findall(r"is unreachable; worker (\d+) counts in its own memory", server.output())
    assert notices, server.output()
    assert len(notices) == len(set(notices)), notices  # once per worker
