"""`make bench`: load 100,000 posts into a fresh PostgreSQL database, drive gunicorn with wrk, print a table.

    .venv/bin/python -m bench.run [--scale 1.0] [--duration 20] [--reuse] [--only home,topic]

Steps: (1) generate and bulk-load the data set (bench/dataset.py); (2) build the search index, when
search exists; (3) a bare Flask "hello world" under the same gunicorn settings, the ceiling; (4) the
app under the same load, one scenario after another, each warmed up first; (5) SQL statements per
page via the test client; (6) the digest run, when digests exist. Results: a table on stdout, and
JSON (plus the same table in Markdown) under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import corpus, dataset, loadgen
from bench.loadgen import Requests, Server
from bench.sessions import Member, log_in

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PG_ADMIN_URL = os.environ.get("BENEFIT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENEFIT_BENCH_DB", "benefit_bench")
MEMORY_BUDGET_MIB = 150
SEARCH_MAX_BUDGET_MS = 500
# What the benchmark server runs with, besides the project's gunicorn.conf.py (said in the output too).
NOTES = [
    "gunicorn -c gunicorn.conf.py, 2 sync workers, loopback; --max-requests 0 so no worker is recycled "
    "mid-run (the memory figure is then after the whole load)",
    "BENEFIT_RATELIMIT_ENABLED=false: rate limits on voting and posting are off for the benchmark",
    "BENEFIT_REPLIES_PER_PAGE=50: the topic page renders all 50 replies of its topic",
    "visitors' pages come from the page cache in Redis (BENEFIT_CACHE_URL); member rows are logged in "
    "and always rendered",
    "wrk: 4 threads x 1 connection each (sync workers close each connection after its response); "
    "every scenario warmed up before it is measured",
]


@dataclass
class Context:
    base: str
    long_topics: list[tuple[int, str]]
    reply_targets: list[int]
    mistakes: list[tuple[int, int]]  # (topic id, author id)
    tags: list[str]
    platforms: list[str]
    trends: list[str]
    members: list[Member] = field(default_factory=list)
    member_ids: dict[str, int] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    vote_path: str = "/t/{id}/vote"


@dataclass
class Scenario:
    name: str
    label: str
    budget_p95_ms: float | None
    build: Callable[[Context], Requests]
    ok_statuses: tuple[int, ...] = (200,)
    # An endpoint that must exist (the feature may not have landed yet).
    requires: str | None = None
    logged_in: bool = False


def _list_paths(plural: str, ctx: Context) -> list[str]:
    paths = [f"/{plural}"] + [f"/{plural}?page={p}" for p in range(2, 6)]
    paths += [f"/{plural}?platform={slug}" for slug in ctx.platforms[:6]]
    paths += [f"/{plural}?trend={slug}" for slug in ctx.trends[:4]]
    paths.append(f"/{plural}?sort=newest")
    return paths


def _reply_requests(ctx: Context) -> Requests:
    rng = random.Random(7)
    conns = []
    for member in ctx.members:
        reqs = []
        for i in range(400):
            body = urllib.parse.urlencode(
                {"csrf_token": member.csrf_token, "body": corpus.body(rng, 80, 150)}
            )
            reqs.append(
                ("POST", f"/t/{ctx.reply_targets[(i * 7 + len(conns)) % len(ctx.reply_targets)]}/reply", body)
            )
        conns.append((member.cookie, reqs))
    return Requests(conns)


def _vote_requests(ctx: Context) -> Requests:
    conns = []
    for member in ctx.members:
        me = ctx.member_ids[member.username]
        ids = [tid for tid, author in ctx.mistakes if author != me][:500]
        body = urllib.parse.urlencode({"csrf_token": member.csrf_token})
        conns.append((member.cookie, [("POST", ctx.vote_path.format(id=tid), body) for tid in ids]))
    return Requests(conns)


def _as_members(paths: Callable[[Context], list[str]]) -> Callable[[Context], Requests]:
    """The same GETs, each connection logged in as one of the bench members."""

    def build(ctx: Context) -> Requests:
        walks = Requests.gets(paths(ctx)).per_connection
        return Requests([(member.cookie, reqs) for member, (_, reqs) in zip(ctx.members, walks, strict=True)])

    return build


# Read pages: (name, label, members' p95 budget in ms, the paths). Each is measured twice: as a
# visitor (served from the page cache: budget VISITOR_BUDGET_MS) and as a logged-in member.
READ_PAGES: list[tuple[str, str, float, Callable[[Context], list[str]]]] = [
    ("home", "home /", 25, lambda c: ["/"]),
    ("practices", "list /practices", 25, lambda c: _list_paths("practices", c)),
    ("discussions", "list /discussions", 25, lambda c: _list_paths("discussions", c)),
    ("mistakes", "list /mistakes", 25, lambda c: _list_paths("mistakes", c)),
    ("tag", "tag page (all 53 tags)", 25, lambda c: [f"/tags/{s}" for s in c.tags]),
    ("topic", "topic, 50 replies", 30, lambda c: [f"/t/{tid}/{slug}" for tid, slug in c.long_topics]),
]
VISITOR_BUDGET_MS = 5


def _search_paths(ctx: Context) -> list[str]:
    return [f"/search?{urllib.parse.urlencode({'q': q})}" for q in ctx.queries]


SCENARIOS: list[Scenario] = [
    *(
        Scenario(name, f"{label}, visitor", VISITOR_BUDGET_MS, lambda c, paths=paths: Requests.gets(paths(c)))
        for name, label, _, paths in READ_PAGES
    ),
    *(
        Scenario(f"{name}-member", f"{label}, member", budget, _as_members(paths), logged_in=True)
        for name, label, budget, paths in READ_PAGES
    ),
    Scenario(
        "search",
        "search, 200 queries",
        60,
        lambda c: Requests.gets(_search_paths(c)),
        requires="search.search",
    ),
    Scenario(
        "search-member",
        "search, 200 queries, member",
        60,
        _as_members(_search_paths),
        requires="search.search",
        logged_in=True,
    ),
    Scenario(
        "vote",
        "vote toggle (POST)",
        15,
        _vote_requests,
        ok_statuses=(200, 302, 303),
        requires="vote",
        logged_in=True,
    ),
    Scenario("reply", "post a reply (POST)", None, _reply_requests, ok_statuses=(302, 303), logged_in=True),
]


def make_app(url: str, index_dir: Path) -> Any:
    from benefit import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(index_dir),
            "SEARCH_INDEXER": "off",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "REPLIES_PER_PAGE": 50,
        }
    )


def vote_rule(app: Any) -> str | None:
    """The vote endpoint's URL pattern, if the mistakes feature has landed (POST /t/<id>/vote)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith("/vote") and "POST" in (rule.methods or ()) and "<" in rule.rule:
            return re.sub(r"<[^>]+>", "{id}", rule.rule)
    return None


def available(app: Any, scenario: Scenario) -> bool:
    if scenario.requires is None:
        return True
    if scenario.requires == "vote":
        return vote_rule(app) is not None
    return scenario.requires in app.view_functions


def load_context(url: str, app: Any, scale: float) -> Context:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        long_topics = [
            (r[0], r[1])
            for r in conn.execute(
                sa.text(
                    "SELECT id, slug FROM topic WHERE reply_count = 50 AND state = 'published' ORDER BY id"
                )
            )
        ]
        reply_targets = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT id FROM topic WHERE reply_count < 10 AND state = 'published' "
                    "AND NOT is_locked ORDER BY id LIMIT 2000"
                )
            )
        ]
        mistakes = [
            (r[0], r[1])
            for r in conn.execute(
                sa.text(
                    "SELECT id, author_id FROM topic WHERE kind = 'mistake' AND state = 'published' "
                    "ORDER BY id"
                )
            )
        ]
        tags = [(r[0], r[1]) for r in conn.execute(sa.text("SELECT slug, kind FROM tag ORDER BY kind, slug"))]
        members = {r[0]: r[1] for r in conn.execute(sa.text('SELECT username, id FROM "user" WHERE id <= 8'))}
    engine.dispose()
    platforms = [s for s, k in tags if k == "platform"]
    trends = [s for s, k in tags if k == "trend"]
    ctx = Context(
        base="",
        long_topics=long_topics[: max(10, round(200 * scale))],
        reply_targets=reply_targets,
        mistakes=mistakes,
        tags=[s for s, _ in tags],
        platforms=platforms,
        trends=trends,
        member_ids=members,
        queries=corpus.search_queries(random.Random(11), 200, platforms, trends),
    )
    rule = vote_rule(app)
    if rule:
        ctx.vote_path = rule
    return ctx


def build_search_index(env: dict[str, str], workdir: Path) -> float | None:
    """`flask search rebuild`, when the search feature is there: COPY wrote no search_change rows."""
    from benefit import create_app

    probe = create_app({"DATABASE_URL": env["BENEFIT_DATABASE_URL"]})
    if "search" not in probe.cli.commands:  # type: ignore[attr-defined]
        return None
    flask = str(Path(sys.executable).parent / "flask")
    t = time.perf_counter()
    with open(workdir / "search-rebuild.log", "wb") as log:
        # Two indexing processes, one segment each: half the time of one (DESIGN.md §3).
        for options in (["--procs", "2", "--multisegment"], []):
            done = subprocess.run(
                [flask, "--app", "wsgi", "search", "rebuild", *options],
                cwd=ROOT,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=1200,
            )
            if done.returncode == 0:
                break
            if done.returncode != 2:  # 2: click's usage error, these options do not exist
                raise RuntimeError(f"flask search rebuild failed; see {workdir / 'search-rebuild.log'}")
        else:
            raise RuntimeError(f"flask search rebuild failed; see {workdir / 'search-rebuild.log'}")
    return time.perf_counter() - t


def measure(
    server: Server, scenario_name: str, requests: Requests, args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    if args.warmup > 0:
        loadgen.run_wrk(server.base, requests, args.warmup, workdir, scenario_name + "-warmup")
    return loadgen.run_wrk(server.base, requests, args.duration, workdir, scenario_name)


def summarise(raw: dict[str, Any], ok: tuple[int, ...]) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    bad_status = sum(n for code, n in raw["statuses"].items() if int(code) not in ok)
    socket_errors = sum(v for k, v in raw["errors"].items() if k != "status")
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": lat["p50"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "max_ms": lat["max"] / 1000,
        "errors": bad_status + socket_errors,
        "statuses": raw["statuses"],
        "raw": raw,
    }


def verdict(row: dict[str, Any]) -> str:
    budget = row.get("budget_p95_ms")
    if "skipped" in row:
        return "n/a"
    notes = []
    if row["errors"]:
        notes.append("ERRORS")
    if budget is not None:
        notes.append("ok" if row["p95_ms"] <= budget else "MISS")
    if row["name"] == "search" and row["max_ms"] > SEARCH_MAX_BUDGET_MS:
        notes.append(f"max>{SEARCH_MAX_BUDGET_MS}ms")
    return " ".join(notes) or "-"


def render_table(rows: list[dict[str, Any]], hello: dict[str, Any] | None, markdown: bool) -> str:
    head = [
        "page",
        "req/s",
        "of hello",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "errors",
        "SQL",
        "p95 budget",
        "",
    ]
    lines: list[list[str]] = []
    if hello:
        lines.append(
            [
                "hello world (ceiling)",
                f"{hello['rps']:.0f}",
                "1.00",
                f"{hello['p50_ms']:.1f}",
                f"{hello['p95_ms']:.1f}",
                f"{hello['p99_ms']:.1f}",
                f"{hello['max_ms']:.1f}",
                str(hello["errors"]),
                "-",
                "-",
                "",
            ]
        )
    for row in rows:
        if "skipped" in row:
            lines.append([row["label"], "-", "-", "-", "-", "-", "-", "-", "-", _budget(row), row["skipped"]])
            continue
        fraction = f"{row['rps'] / hello['rps']:.2f}" if hello and hello["rps"] else "-"
        lines.append(
            [
                row["label"],
                f"{row['rps']:.0f}",
                fraction,
                f"{row['p50_ms']:.1f}",
                f"{row['p95_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                f"{row['max_ms']:.1f}",
                str(row["errors"]),
                row.get("sql", "-"),
                _budget(row),
                verdict(row),
            ]
        )
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(head[i]), *(len(line[i]) for line in lines)) for i in range(len(head))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join(
        [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*ln) for ln in lines]
    )


def _budget(row: dict[str, Any]) -> str:
    b = row.get("budget_p95_ms")
    return f"≤ {b:g}" if b is not None else "-"


def count_sql(app: Any, ctx: Context, scenario: Scenario, requests: Requests) -> str:
    from bench.querycount import Counter

    counter = Counter(app, dataset.PASSWORD)
    user = ctx.members[0].username if scenario.logged_in else None
    counts = []
    # A handful of the scenario's own requests (POST bodies without the CSRF token: it is off here).
    for method, path, body in requests.per_connection[0][1][:5]:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items() if k != "csrf_token"}
        counts.append(counter.count(method, path, form or None, user=user))
    lo, hi = min(counts), max(counts)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", "15")))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", "3")))
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database and search index")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--no-hello", action="store_true")
    parser.add_argument("--no-digest", action="store_true")
    args = parser.parse_args(argv)

    if not loadgen.wrk_available():
        print("wrk is missing: `apt-get install -y wrk` (Debian's package), then run again.", file=sys.stderr)
        return 2
    workdir = ROOT / "instance" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    url = dataset.database_url(PG_ADMIN_URL, DB_NAME)
    index_dir = workdir / "search-index"
    started = datetime.now(UTC)
    result: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "scale": args.scale,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": loadgen.CONNECTIONS,
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": os.getloadavg(),
            "python": platform.python_version(),
        },
        "notes": NOTES,
    }
    print(
        f"BENEFIT benchmark: scale {args.scale:g}, "
        f"{args.duration:g} s per page after {args.warmup:g} s warm-up"
    )
    for note in NOTES:
        print(f"  - {note}")

    # 1. Data.
    if not args.reuse:
        dataset.recreate_database(PG_ADMIN_URL, DB_NAME)
        t = time.perf_counter()
        report = dataset.generate_and_load(url, scale=args.scale)
        load_s = time.perf_counter() - t
        result["load"] = {"seconds": load_s, "steps": report.seconds, "counts": report.counts}
        print(
            f"\nLoaded {report.counts} in {load_s:.1f} s "
            f"({', '.join(f'{k} {v:.1f} s' for k, v in report.seconds.items())})"
        )

    server_env = {
        "BENEFIT_DATABASE_URL": url,
        "BENEFIT_SEARCH_INDEX_DIR": str(index_dir),
        "BENEFIT_SEARCH_INDEXER": "off",
        "BENEFIT_RATELIMIT_ENABLED": "false",
        "BENEFIT_REPLIES_PER_PAGE": "50",
        "BENEFIT_SECRET_KEY": "bench-only-secret",
        "BENEFIT_ACCESS_LOG": "",
        # Visitors' pages from Redis, as in production (each run under its own prefix).
        "BENEFIT_CACHE_URL": os.environ.get("BENEFIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "BENEFIT_PAGE_CACHE_PREFIX": f"benefit:bench:{started.strftime('%Y%m%dT%H%M%S')}:",
    }

    # 2. Search index.
    if not args.reuse or not index_dir.exists():
        index_s = build_search_index(server_env, workdir)
        result["search_index_build_s"] = index_s
        print(
            "Search index: "
            + (f"built in {index_s:.1f} s" if index_s is not None else "no search feature yet")
        )

    app = make_app(url, index_dir)
    ctx = load_context(url, app, args.scale)
    only = {s for s in args.only.split(",") if s}
    chosen = [s for s in SCENARIOS if not only or s.name in only]
    gunicorn_args = ["--max-requests", "0"]

    # 3. The ceiling.
    hello = None
    if not args.no_hello:
        server = Server("bench.hello:app", {}, workdir / "gunicorn-hello.log", extra_args=gunicorn_args)
        server.start()
        try:
            hello = summarise(measure(server, "hello", Requests.gets(["/"]), args, workdir), (200,))
            hello["memory"] = server.worker_memory()
        finally:
            server.stop()
        result["hello"] = hello
        print(f"hello world: {hello['rps']:.0f} req/s, p95 {hello['p95_ms']:.1f} ms")

    # 4. The app.
    rows: list[dict[str, Any]] = []
    server = Server("wsgi:app", server_env, workdir / "gunicorn-app.log", extra_args=gunicorn_args)
    server.start(ready_path="/healthz")
    try:
        ctx.base = server.base
        if any(s.logged_in for s in chosen):
            names = sorted(ctx.member_ids, key=lambda n: ctx.member_ids[n])[: loadgen.CONNECTIONS]
            ctx.members = [log_in(server.base, name, dataset.PASSWORD) for name in names]
        for scenario in chosen:
            row: dict[str, Any] = {
                "name": scenario.name,
                "label": scenario.label,
                "budget_p95_ms": scenario.budget_p95_ms,
            }
            if not available(app, scenario):
                row["skipped"] = "not on this branch yet"
                rows.append(row)
                print(f"{scenario.label}: skipped ({row['skipped']})")
                continue
            requests = scenario.build(ctx)
            row["distinct_requests"] = len({r[1] for conn in requests.per_connection for r in conn[1]})
            row.update(
                summarise(measure(server, scenario.name, requests, args, workdir), scenario.ok_statuses)
            )
            row["memory_after"] = server.worker_memory()
            rows.append(row)
            print(
                f"{scenario.label}: {row['rps']:.0f} req/s, p95 {row['p95_ms']:.1f} ms, "
                f"max {row['max_ms']:.1f} ms, errors {row['errors']} {row['statuses']}"
            )
        memory = server.worker_memory()
    finally:
        server.stop()

    # 5. SQL statements per page, with the same requests through the test client.
    for row, scenario in ((r, s) for r in rows for s in chosen if s.name == r["name"]):
        if "skipped" in row:
            continue
        try:
            row["sql"] = count_sql(app, ctx, scenario, scenario.build(ctx))
        except Exception as exc:  # noqa: BLE001 - reported, not fatal: the timings stand on their own
            row["sql"] = "?"
            row["sql_error"] = str(exc)

    # 6. Digest.
    if not args.no_digest:
        try:
            from bench import digest
        except ImportError:
            digest = None  # type: ignore[assignment]
        if digest is not None and digest.available():
            subscribers = max(100, round(digest.SUBSCRIBERS * args.scale))
            print(f"\nWeekly digest to {subscribers} subscribers through an SMTP sink on loopback…")
            result["digest"] = digest.run(url, workdir, subscribers)

    result["scenarios"] = rows
    result["memory"] = memory
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["machine"]["loadavg_after"] = os.getloadavg()

    table = render_table(rows, hello, markdown=False)
    print("\n" + table)
    print(f"\nWorker memory after the run (budget ≤ {MEMORY_BUDGET_MIB} MiB each):")
    for w in memory:
        mib = w.get("VmRSS", 0) / 1024
        print(
            f"  pid {w['pid']}: RSS {mib:.0f} MiB (peak {w.get('VmHWM', 0) / 1024:.0f} MiB; "
            f"own {w.get('RssAnon', 0) / 1024:.0f} MiB, mapped files {w.get('RssFile', 0) / 1024:.0f} MiB) "
            f"{'ok' if mib <= MEMORY_BUDGET_MIB else 'MISS'}"
        )
    if "digest" in result:
        d = result["digest"]
        print(
            f"\nWeekly digest to {d['subscribers']} subscribers: {d['seconds']:.1f} s, "
            f"peak RSS {d['peak_rss_mib']:.0f} MiB, "
            f"{d['messages']} messages received by the SMTP sink"
        )
    for row in rows:
        if row.get("sql_error"):
            print(f"SQL count for {row['name']} failed: {row['sql_error']}")

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    payload = json.dumps(result, indent=2, default=str)
    (RESULTS / f"{stamp}-scale{args.scale:g}.json").write_text(payload)
    (RESULTS / "latest.json").write_text(payload)
    md = render_table(rows, hello, markdown=True)
    (RESULTS / "latest.md").write_text(md + "\n")
    print(
        f"\nResults: bench/results/latest.json (and {stamp}-scale{args.scale:g}.json); "
        "Markdown table in bench/results/latest.md"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
