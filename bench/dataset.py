"""Generate the deterministic benchmark data set and bulk-load it into a fresh PostgreSQL database.

The schema comes from the real migrations (`flask db upgrade`) and the tags from the real taxonomy
(`benefit.forum.tags.load_taxonomy`); everything else goes in with COPY, so 100,000 replies load in
seconds. COPY bypasses the ORM, so it writes no `search_change` rows: the search index is built
afterwards with a full rebuild.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from bench import corpus

PASSWORD = "bench-password-2026"
KIND_WEIGHTS = (("practice", 0.4), ("discussion", 0.3), ("mistake", 0.3))
CATEGORIES = [
    "strategy",
    "content",
    "engagement",
    "visuals-accessibility",
    "legal-privacy-copyright",
    "staffing-policy",
    "measurement",
]
LIBRARY_TYPES = ["public", "pedagogical", "school", "academic", "national", "special", "community", "other"]


@dataclass
class Sizes:
    members: int
    topics: int
    replies: int
    # Topics that get exactly 50 replies: the topic-page scenario reads these.
    long_topics: int
    long_topic_replies: int = 50

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        return cls(
            members=max(20, round(2_000 * scale)),
            topics=max(60, round(20_000 * scale)),
            replies=max(1_000, round(100_000 * scale)),
            long_topics=max(10, round(200 * scale)),
        )


@dataclass
class LoadReport:
    sizes: Sizes
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    long_topic_ids: list[int] = field(default_factory=list)
    mistake_ids: list[int] = field(default_factory=list)
    member_usernames: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # slug -> kind


def admin_connect(admin_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=5)


def database_url(admin_url: str, name: str) -> str:
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def recreate_database(admin_url: str, name: str) -> None:
    with admin_connect(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _migrate_and_tag(url: str) -> dict[str, tuple[int, str]]:
    """`flask db upgrade` and the taxonomy, through the app itself; returns slug -> (id, kind)."""
    from flask_migrate import upgrade

    from benefit import create_app
    from benefit.extensions import db
    from benefit.forum.tags import load_taxonomy
    from benefit.models import Tag

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        load_taxonomy()
        db.session.commit()
        tags = {t.slug: (t.id, t.kind) for t in db.session.scalars(sa.select(Tag))}
        db.session.remove()
        db.engine.dispose()
    return tags


def generate_and_load(url: str, scale: float = 1.0, seed: int = 20261123) -> LoadReport:
    from benefit.forum.actions import make_slug

    sizes = Sizes.for_scale(scale)
    report = LoadReport(sizes=sizes)
    rng = random.Random(seed)
    t0 = time.perf_counter()
    tags = _migrate_and_tag(url)
    report.seconds["migrate+taxonomy"] = time.perf_counter() - t0
    report.tags = {slug: kind for slug, (_, kind) in tags.items()}
    platforms = [tid for tid, kind in tags.values() if kind == "platform"]
    trends = [tid for tid, kind in tags.values() if kind == "trend"]

    # Timestamps count back from the moment of loading, so "trending" (votes in 30 days) has data.
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=730)

    t = time.perf_counter()
    password_hash = generate_password_hash(PASSWORD)  # one hash: scrypt for 2,000 rows would take minutes
    users: list[tuple[Any, ...]] = []
    for uid in range(1, sizes.members + 1):
        first, last = rng.choice(corpus.FIRST_NAMES), rng.choice(corpus.LAST_NAMES)
        username = f"member{uid:05d}"
        report.member_usernames.append(username)
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
        users.append(
            (
                uid,
                username,
                f"{username}@example.org",
                created,
                password_hash,
                f"{first} {last}",
                f"{rng.choice(corpus.TOWNS)} {rng.choice(corpus.INSTITUTION_KINDS)}",
                rng.choice(LIBRARY_TYPES),
                rng.choice(corpus.COUNTRIES),
                rng.choice(corpus.JOB_ROLES),
                "",
                "member",
                created,
                10,
                f"{rng.getrandbits(64):016x}",
            )
        )

    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    topics: list[list[Any]] = []
    topic_tags: list[tuple[int, int]] = []
    mistake_ids: list[int] = []
    practice_ids: list[int] = []
    pinned_left = {"practice": 2, "discussion": 2, "mistake": 2}
    for tid in range(1, sizes.topics + 1):
        kind = rng.choices(kinds, weights)[0]
        author = rng.randint(1, sizes.members)
        title = corpus.title(rng)
        body = corpus.body(rng)
        # Spread over two years, newest last, with some jitter.
        created = start + timedelta(seconds=int((tid / sizes.topics) * 729 * 86400) + rng.randrange(3600))
        is_pinned = pinned_left[kind] > 0 and rng.random() < 0.01
        if is_pinned:
            pinned_left[kind] -= 1
        row: list[Any] = [
            tid,
            kind,
            title,
            make_slug(title),
            body,
            "",  # body_html, rendered in bulk below
            author,
            "published",
            created,
            created,  # last_activity_at, moved on by replies below
            0,  # reply_count
            0,  # vote_count
            is_pinned,
            rng.random() < 0.0005,  # is_featured
            False,
            None,
            "",
            "",
            "",
            "",
            False,
            False,
        ]
        if kind == "mistake":
            avoid = corpus.body(rng, 20, 40)
            row[15] = rng.choice(CATEGORIES)
            row[16] = avoid
            row[18] = "https://example.org/evidence/" + str(tid) if rng.random() < 0.3 else ""
            row[19] = ",".join(sorted(rng.sample(LIBRARY_TYPES, rng.randint(0, 2))))
            row[20] = rng.random() < 0.1
            mistake_ids.append(tid)
        elif kind == "practice":
            practice_ids.append(tid)
        chosen = rng.sample(platforms, rng.randint(0 if kind == "mistake" else 1, 2))
        chosen += rng.sample(trends, rng.randint(0, 2))
        topic_tags.extend((tid, tag_id) for tag_id in chosen)
        topics.append(row)
    report.mistake_ids = mistake_ids

    links: set[tuple[int, int]] = set()
    for mid in mistake_ids:
        for _ in range(rng.randint(0, 3)):
            links.add((mid, rng.choice(practice_ids)))

    # 50 replies each on `long_topics` topics spread through the list; the rest anywhere else.
    step = sizes.topics // sizes.long_topics
    long_ids = [1 + i * step + rng.randrange(step) for i in range(sizes.long_topics)]
    report.long_topic_ids = long_ids
    long_set = set(long_ids)
    others = [tid for tid in range(1, sizes.topics + 1) if tid not in long_set]
    targets = [tid for tid in long_ids for _ in range(sizes.long_topic_replies)]
    targets += [rng.choice(others) for _ in range(sizes.replies - len(targets))]
    targets.sort()
    replies: list[list[Any]] = []
    for rid, tid in enumerate(targets, start=1):
        topic = topics[tid - 1]
        created = topic[8] + timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
        body = corpus.body(rng)
        replies.append([rid, tid, rng.randint(1, sizes.members), body, "", created])
        topic[10] += 1
        if created > topic[9]:
            topic[9] = created
    report.seconds["generate"] = time.perf_counter() - t

    t = time.perf_counter()
    _render_all(topics, replies)
    report.seconds["render markdown"] = time.perf_counter() - t

    votes: list[tuple[int, int, int, datetime]] = []
    vid = 0
    for mid in mistake_ids:
        topic = topics[mid - 1]
        n = min(sizes.members - 1, int(rng.expovariate(1 / 9)))
        voters = rng.sample(range(1, sizes.members + 1), n + 1)
        voters = [v for v in voters if v != topic[6]][:n]
        for voter in voters:
            vid += 1
            age = rng.randrange(0, max(1, int((now - topic[8]).total_seconds())))
            votes.append((vid, mid, voter, now - timedelta(seconds=age)))
        topic[11] = len(voters)

    t = time.perf_counter()
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            _copy(
                cur,
                "user",
                "id, username, email, email_confirmed_at, password_hash, display_name, institution, "
                "library_type, country, job_role, bio, role, created_at, approved_post_count, session_token",
                users,
            )
            _copy(
                cur,
                "topic",
                "id, kind, title, slug, body, body_html, author_id, state, created_at, last_activity_at, "
                "reply_count, vote_count, is_pinned, is_featured, is_locked, category, how_to_avoid, "
                "how_to_avoid_html, evidence_links, library_types, is_anonymous, is_outdated",
                topics,
            )
            _copy(cur, "topic_tag", "topic_id, tag_id", topic_tags)
            cur.execute(
                "UPDATE topic SET has_platform = EXISTS (SELECT 1 FROM topic_tag JOIN tag"
                " ON tag.id = topic_tag.tag_id WHERE topic_tag.topic_id = topic.id AND tag.kind = 'platform')"
            )
            _copy(cur, "mistake_practice", "mistake_id, practice_id", sorted(links))
            _copy(
                cur,
                "reply",
                "id, topic_id, author_id, body, body_html, created_at, state",
                replies,
                "published",
            )
            _copy(cur, "vote", "id, topic_id, user_id, created_at", votes)
            for table in ("user", "topic", "reply", "vote"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT max(id) FROM "{table}"))'
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    report.seconds["copy+analyze"] = time.perf_counter() - t
    report.counts = {
        "members": len(users),
        "topics": len(topics),
        "replies": len(replies),
        "votes": len(votes),
        "tags": len(tags),
        "topic_tags": len(topic_tags),
    }
    return report


def _render_all(topics: list[list[Any]], replies: list[list[Any]]) -> None:
    """Markdown → HTML with the app's own renderer, on every core (the slowest step of the load)."""
    from benefit.markup import render_markdown

    texts = [t[4] for t in topics] + [t[16] for t in topics if t[1] == "mistake"] + [r[3] for r in replies]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        html = iter(pool.map(render_markdown, texts, chunksize=2000))
    for t in topics:
        t[5] = next(html)
    for t in topics:
        if t[1] == "mistake":
            t[17] = next(html)
    for r in replies:
        r[4] = next(html)


def _copy(cur: psycopg.Cursor[Any], table: str, columns: str, rows: list[Any], *extra: Any) -> None:
    with cur.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row((*row, *extra) if extra else row)
