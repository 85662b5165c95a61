"""A real `flask digest send` killed with SIGKILL mid-run, then run again: nobody is left without
their digest and nobody gets it twice, except at most the one message in flight at the kill.

The SMTP server is a real aiosmtpd on loopback in this process; the sender is a child process on
the test's database (SQLite file or PostgreSQL), as cron would start it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import DigestDelivery, Subscription, utcnow

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
NOW_ARG = "2026-11-23T06:00:00Z"  # a Monday: the week of 16–22 Nov has ended
IN_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
KEY = "weekly:2026-11-16"
SUBSCRIBERS = 30
CHUNK = 20
ANSWERED_BEFORE_THE_KILL = 12


@pytest.fixture
def app_config(app_config, smtp_config):
    return {**app_config, **smtp_config}


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def env(app, tmp_path: Path) -> dict[str, str]:
    """The child's settings: this test's database and SMTP server, as BENEFIT_* variables."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("BENEFIT_")}
    out.update(
        FLASK_APP="wsgi.py",
        PYTHONUNBUFFERED="1",
        BENEFIT_DEFAULT_LOCALE="en",
        BENEFIT_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        BENEFIT_SITE_URL=app.config["SITE_URL"],
        BENEFIT_MAIL_SERVER="127.0.0.1",
        BENEFIT_MAIL_PORT=str(app.config["MAIL_PORT"]),
        # Longer than the test waits on a held reply: the sender must not give up by itself.
        BENEFIT_MAIL_TIMEOUT="120",
        BENEFIT_MAIL_DIR=str(tmp_path / "mail"),
        BENEFIT_SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        BENEFIT_SEARCH_INDEXER="off",
        BENEFIT_DIGEST_CHUNK_SIZE=str(CHUNK),
    )
    return out


def send(env: dict[str, str], **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLASK), "digest", "send", "--period", "weekly", "--now", NOW_ARG],
        cwd=ROOT,
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def statuses() -> dict[str, str]:
    rows = db.session.execute(
        sa.select(Subscription.email, DigestDelivery.status)
        .join(DigestDelivery, DigestDelivery.subscription_id == Subscription.id)
        .where(DigestDelivery.period == KEY)
    ).all()
    db.session.rollback()  # hold no snapshot while the sender writes
    return dict(rows)


def test_a_sender_killed_mid_run_loses_no_digest_and_duplicates_at_most_the_one_in_flight(
    app, env, smtp_server, make_topic, tmp_path
):
    recorder = smtp_server[0]
    make_topic(created_at=IN_WEEK)
    addresses = [f"reader{i:02d}@example.org" for i in range(SUBSCRIBERS)]
    for address in addresses:
        db.session.add(Subscription(email=address, frequency="weekly", confirmed_at=utcnow()))
    db.session.commit()
    # The server answers the first digests and then keeps the next one without answering: the
    # sender is then certainly mid-chunk, waiting on a message the server already has.
    recorder.hold_after = ANSWERED_BEFORE_THE_KILL
    in_flight = addresses[ANSWERED_BEFORE_THE_KILL]

    with open(tmp_path / "killed-sender.log", "w") as log:
        sender = subprocess.Popen(
            [str(FLASK), "digest", "send", "--period", "weekly", "--now", NOW_ARG],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(
            lambda: len(recorder.messages) > ANSWERED_BEFORE_THE_KILL or sender.poll() is not None,
            timeout=120,
            what="the sender to reach the held message",
        )
        assert sender.poll() is None, (tmp_path / "killed-sender.log").read_text()
        os.killpg(sender.pid, signal.SIGKILL)
        assert sender.wait(timeout=30) == -signal.SIGKILL
    finally:
        if sender.poll() is None:
            os.killpg(sender.pid, signal.SIGKILL)
            sender.wait(timeout=30)
        recorder.hold_after = None
        recorder.release.set()

    before = recorder.received()
    assert sum(before.values()) == ANSWERED_BEFORE_THE_KILL + 1 and before[in_flight] == 1
    # Every answered digest was recorded as it was answered; the rest of its chunk stays claimed,
    # the message in flight included (the sender never heard that it arrived).
    found = statuses()
    answered = addresses[:ANSWERED_BEFORE_THE_KILL]
    assert {a: found[a] for a in answered} == dict.fromkeys(answered, "sent")
    claimed = addresses[ANSWERED_BEFORE_THE_KILL:CHUNK]
    assert {a: found[a] for a in claimed} == dict.fromkeys(claimed, "claimed")
    assert len(found) == CHUNK  # the next chunk was never reached

    # Run again at once: the fresh claims may be a live run's, so they are neither sent nor done.
    early = send(env)
    assert early.returncode == 0, early.stdout + early.stderr
    not_reached = SUBSCRIBERS - CHUNK
    assert (
        f"{KEY}: sent {not_reached}, skipped 0, failed 0, uncertain 0, "
        f"already done {ANSWERED_BEFORE_THE_KILL}, claimed by another run {len(claimed)}"
    ) in early.stdout
    assert f"{len(claimed)} claimed by another run, not sent by this one" in early.stderr
    after_early = recorder.received()
    assert sum(after_early.values()) - sum(before.values()) == not_reached
    assert all(after_early[a] == 1 for a in addresses[CHUNK:])

    # Once the claims are stale, the next run sends what the killed one had claimed.
    late = send(env, BENEFIT_DIGEST_STALE_CLAIM_SECONDS="0")
    assert late.returncode == 0, late.stdout + late.stderr
    assert (
        f"{KEY}: sent {len(claimed)}, skipped 0, failed 0, uncertain 0, "
        f"already done {SUBSCRIBERS - len(claimed)}, claimed by another run 0"
    ) in late.stdout
    final = recorder.received()
    assert sum(final.values()) - sum(after_early.values()) == len(claimed)
    # Everybody has their digest once; only the message in flight at the kill arrived twice.
    assert set(final) == set(addresses)
    assert {a: n for a, n in final.items() if n != 1} == {in_flight: 2}
    assert set(statuses().values()) == {"sent"}
    assert "already done" in send(env).stdout and sum(recorder.received().values()) == sum(final.values())
