"""Search under real processes: gunicorn workers and `flask search worker`, on loopback, bounded.

The measured failure modes (DESIGN.md §3) are lost updates under concurrent writers and lost work
when a process dies inside a commit; these tests make both happen and count what the index holds.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Reply, SearchChange, Topic
from benefit.search.indexer import reconcile
from benefit.search.whoosh import WhooshEngine as SearchIndex
from tests.factories import PASSWORD
from tests.servers import Gunicorn, start_gunicorn

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def env(app, tmp_path: Path) -> dict[str, str]:
    """Settings for the child processes: the test's database and index, no CSRF or rate limits."""
    # The test process only reads the index from here on; the worker process is its one writer.
    app.extensions["benefit.search"].mode = "off"
    out = {k: v for k, v in os.environ.items() if not k.startswith("BENEFIT_")}
    out.update(
        FLASK_APP="wsgi.py",
        PYTHONUNBUFFERED="1",
        BENEFIT_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        BENEFIT_SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"],
        BENEFIT_SEARCH_INDEXER="off",
        BENEFIT_SEARCH_POLL_SECONDS="0.2",
        BENEFIT_WTF_CSRF_ENABLED="false",
        BENEFIT_RATELIMIT_ENABLED="false",
        BENEFIT_MAIL_DIR=str(tmp_path / "mail"),
    )
    return out


class Processes:
    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.running: list[subprocess.Popen[str]] = []
        self.servers: list[Gunicorn] = []

    def start(self, name: str, *args: str, pipe: bool = False) -> subprocess.Popen[str]:
        with open(self.tmp_path / f"{name}.log", "a") as log:  # the child keeps its own copy
            proc = subprocess.Popen(
                [str(BIN / args[0]), *args[1:]],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE if pipe else log,
                stderr=log,
                text=True,
                start_new_session=True,
            )
        self.running.append(proc)
        return proc

    def gunicorn(self, workers: int) -> Gunicorn:
        """gunicorn on a free loopback port, answering /healthz; stopped with the rest."""
        server = start_gunicorn(self.env, self.tmp_path / "gunicorn.log", workers=workers, wait=False)
        self.servers.append(server)
        server.wait_until_ready()
        return server

    def flask(self, *args: str, limit: float = 60) -> str:
        command = [str(BIN / "flask"), *args]
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=limit)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.tmp_path.glob("*.log"))


@pytest.fixture
def processes(tmp_path: Path, env: dict[str, str]) -> Iterator[Processes]:
    procs = Processes(tmp_path, env)
    try:
        yield procs
    except BaseException:
        print(procs.logs())
        raise
    finally:
        procs.stop_all()


class Browser:
    """A member's session against the real server (cookies kept, redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            body: str = response.read().decode()
            return body

    def post(self, path: str, data: dict[str, str]) -> str:
        encoded = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=encoded, timeout=20) as response:
            response.read()
            url: str = response.geturl()
            return url


def topic_id_from(url: str) -> int:
    return int(url.split("/t/")[1].split("/")[0])


def search_titles(browser: Browser, q: str) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(browser.get("/search?" + urllib.parse.urlencode({"q": q})), "html.parser")
    return [h.get_text(" ", strip=True) for h in soup.select(".search-hits .topic-title")]


def caught_up(index: SearchIndex) -> bool:
    newest = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    db.session.rollback()  # a fresh snapshot next time
    return index.exists() and index.read_meta().watermark >= newest and not index.read_meta().gaps


def test_four_gunicorn_workers_and_the_indexer_lose_nothing(
    app, make_user, taxonomy, processes, env, open_index
):
    writers = [make_user().username for _ in range(4)]
    processes.start("worker", "flask", "search", "worker")
    server = processes.gunicorn(workers=4)
    base = server.base_url

    per_client = 8
    expected: dict[str, str] = {}  # unique word → title that must be found by it
    stale: list[str] = []  # words that were edited away
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            browser = Browser(base)
            browser.post("/auth/login", {"login": writers[n], "password": PASSWORD})
            for i in range(per_client):
                word, title = f"zq{n}x{i}orig", f"Client {n} post {i}"
                url = browser.post(
                    "/new",
                    {
                        "kind": "practice",
                        "title": title,
                        "body": f"A practice with the word {word} in it.",
                        "platforms": "tiktok",
                        "trends": "",
                    },
                )
                topic_id = topic_id_from(url)
                if i % 2:
                    new_word = f"zq{n}x{i}edit"
                    browser.post(
                        f"/t/{topic_id}/edit",
                        {
                            "kind": "practice",
                            "title": title,
                            "body": f"Edited: now about {new_word}.",
                            "platforms": "tiktok",
                            "trends": "",
                        },
                    )
                    with lock:
                        stale.append(word)
                        expected[new_word] = title
                else:
                    browser.post(f"/t/{topic_id}/reply", {"body": f"A reply saying zq{n}x{i}reply."})
                    with lock:
                        expected[word] = title
                        expected[f"zq{n}x{i}reply"] = title
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert db.session.scalar(sa.select(sa.func.count(Topic.id))) == 4 * per_client
    db.session.rollback()

    index = open_index(env["BENEFIT_SEARCH_INDEX_DIR"])
    wait_for(lambda: caught_up(index), 30, "the indexer to apply the log")
    reader = Browser(base)
    for word, title in sorted(expected.items()):
        assert search_titles(reader, word) == [title], word
    for word in stale:
        assert search_titles(reader, word) == [], word
    assert len(search_titles(reader, "platform:tiktok client")) == 20  # a full first page of 32
    assert index.doc_count() == 4 * per_client
    # Exactly once: every change row counted once in the index's own tally.
    assert index.read_meta().applied == db.session.scalar(sa.select(sa.func.count(SearchChange.id)))
    assert reconcile(index, db.engine).queued == 0


def seed_topics(make_user, n: int) -> None:
    authors = [make_user() for _ in range(3)]
    filler = " ".join(f"filler{i % 97}" for i in range(200))
    for i in range(n):
        topic = Topic(
            kind="practice",
            title=f"Seeded topic {i}",
            slug=f"seeded-{i}",
            body=f"uniq{i}word {filler}",
            body_html=f"<p>uniq{i}word {filler}</p>",
            author=authors[i % 3],
        )
        db.session.add(topic)
        replier = authors[(i + 1) % 3]
        db.session.add(Reply(topic=topic, author=replier, body=filler, body_html=f"<p>{filler}</p>"))
        if i % 100 == 99:
            db.session.commit()
    db.session.commit()


def test_sigkill_in_the_middle_of_a_batch_loses_and_repeats_nothing(
    app, make_user, processes, env, open_index
):
    n = 600
    seed_topics(make_user, n)
    kills = 0
    watermarks = []
    for attempt in range(3):
        # Run 1 dies in its first batch, run 2 in its second, run 3 in its third.
        proc = processes.start("worker", "flask", "search", "worker", "--batch-size", "100", pipe=True)
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        batches = 0
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if "writing batch" in line:
                batches += 1
                if batches == attempt + 1:
                    time.sleep(random.uniform(0.0, 0.1))
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                    break
        proc.wait(timeout=10)
        watermarks.append(open_index(env["BENEFIT_SEARCH_INDEX_DIR"]).read_meta().watermark)
    assert kills == 3
    assert watermarks == sorted(watermarks) and watermarks[-1] < n  # work was left to finish

    index = open_index(env["BENEFIT_SEARCH_INDEX_DIR"])
    assert index.exists()
    index.doc_count()  # the index still opens after three kills
    out = processes.flask("search", "worker", "--once")
    assert "applied" in out
    index = open_index(env["BENEFIT_SEARCH_INDEX_DIR"])
    assert index.doc_count() == n
    meta = index.read_meta()
    assert meta.applied == db.session.scalar(sa.select(sa.func.count(SearchChange.id)))
    assert meta.applied == n  # one change per topic, each applied exactly once
    for i in random.sample(range(n), 25):
        assert len(index.ids_for(f"uniq{i}word")) == 1
    assert reconcile(index, db.engine).queued == 0


def test_reconcile_repairs_changes_made_behind_the_apps_back(app, make_topic, processes, env, open_index):
    topics = [make_topic(title=f"Reconciled topic {i}", body=f"before{i}word") for i in range(5)]
    ids = [t.id for t in topics]
    processes.start("worker", "flask", "search", "worker")
    index = open_index(env["BENEFIT_SEARCH_INDEX_DIR"])
    wait_for(lambda: caught_up(index), 30, "the first documents")
    assert index.ids_for("before3word") == [ids[3]]

    with db.engine.begin() as conn:  # a manual fix in psql, say: no flush hook sees it
        conn.execute(
            sa.text("UPDATE topic SET body_html = '<p>after3word</p>', body = 'after3word' WHERE id = :id"),
            {"id": ids[3]},
        )
    time.sleep(0.5)
    assert index.ids_for("after3word") == []
    out = processes.flask("search", "reconcile")
    assert "1 out of date" in out and "1 queued" in out
    wait_for(lambda: index.ids_for("after3word") == [ids[3]], 30, "the worker to apply the repair")
    assert index.ids_for("before3word") == []
    assert processes.flask("search", "reconcile").count("0 queued") == 1
