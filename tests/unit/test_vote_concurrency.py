"""Concurrent "I've seen this" toggles keep the stored count equal to the vote rows (PostgreSQL)."""

from __future__ import annotations

import random
import threading

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.forum import votes as mistakes
from benefit.models import Topic, User, Vote
from tests.conftest import backend

pytestmark = pytest.mark.skipif(
    backend() != "postgresql",
    reason="row locks and concurrent writers are what is tested; SQLite serialises writers and "
    "answers a concurrent one with 'database is locked' (run: make test-postgresql)",
)

THREADS = 6
TOGGLES = 25


def vote_rows(topic_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.topic_id == topic_id)) or 0


def test_concurrent_toggles_keep_the_count_exact_and_one_vote_per_member(app, make_user, make_topic):
    mistake = make_topic(kind="mistake")
    other = make_topic(kind="mistake")
    # Fewer members than threads, so the same member often toggles from two threads at once.
    member_ids = [make_user().id for _ in range(4)]
    topic_ids = [mistake.id, other.id]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    results: list[mistakes.VoteResult] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                for _ in range(TOGGLES):
                    user = db.session.get(User, rng.choice(member_ids))
                    results.append(mistakes.toggle_vote(user, rng.choice(topic_ids)))
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == []
    assert len(results) == THREADS * TOGGLES

    db.session.expire_all()
    for topic_id in topic_ids:
        stored = db.session.scalar(sa.select(Topic.vote_count).where(Topic.id == topic_id))
        assert stored == vote_rows(topic_id)
    pairs = sa.select(Vote.topic_id, Vote.user_id).group_by(Vote.topic_id, Vote.user_id)
    doubles = db.session.execute(pairs.having(sa.func.count() > 1)).all()
    assert doubles == []


def test_a_vote_recorded_meanwhile_by_the_same_member_counts_as_already_voted(app, make_user, make_topic):
    """The unique constraint, not a check in Python, refuses the second vote.

    Another connection commits the member's vote between this request's DELETE (which found
    nothing) and its INSERT: the INSERT hits the constraint and the request answers "voted".
    """
    mistake = make_topic(kind="mistake")
    voter = make_user()
    topic_id, user_id = mistake.id, voter.id
    fired = []

    def sneak_in(conn, cursor, statement, parameters, context, executemany):
        if not fired and statement.startswith("DELETE FROM vote"):
            fired.append(True)
            with db.engine.connect() as other:
                other.execute(sa.insert(Vote).values(topic_id=topic_id, user_id=user_id))
                other.commit()

    sa.event.listen(db.engine, "after_cursor_execute", sneak_in)
    try:
        result = mistakes.toggle_vote(voter, topic_id)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", sneak_in)
    assert fired
    assert (result.voted, result.count, result.changed) == (True, 1, False)
    assert vote_rows(topic_id) == 1
    assert db.session.scalar(sa.select(Topic.vote_count).where(Topic.id == topic_id)) == 1
    result = mistakes.toggle_vote(voter, topic_id)
    assert result.voted is False and result.count == 0 == vote_rows(topic_id)
