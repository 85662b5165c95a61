"""Why is a page slow? Profile it in-process against the benchmark database, and EXPLAIN its SQL.

    .venv/bin/python -m bench.profile /practices            # pyinstrument tree + per-statement timings
    .venv/bin/python -m bench.profile /practices --explain  # plus the full EXPLAIN (ANALYZE, BUFFERS)
    .venv/bin/python -m bench.profile /t/123/vote --post --user member7  # a form POST (no CSRF here)

Needs the database that `make bench` loaded (kept after the run).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import psycopg
import sqlalchemy as sa

from bench import dataset
from bench.run import DB_NAME, PG_ADMIN_URL, ROOT, make_app


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path")
    parser.add_argument("--user", help="log in as this member first (password: the benchmark's)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--post", action="store_true", help="POST to the path (an empty form) instead of GET")
    args = parser.parse_args()

    from pyinstrument import Profiler

    from benefit.extensions import db

    url = dataset.database_url(PG_ADMIN_URL, DB_NAME)
    app = make_app(url, ROOT / "instance" / "bench" / "search-index")
    client = app.test_client()
    if args.user:
        client.post("/auth/login", data={"login": args.user, "password": dataset.PASSWORD})
    request: Any = client.get
    if args.post:
        # Like wrk, send the same session cookie every time: the flashed messages the redirect
        # would show are not left to pile up in the cookie.
        cookie = client.get_cookie("session")

        def request(path: str) -> Any:
            if cookie is not None:
                client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
            return client.post(path)

    for _ in range(3):
        request(args.path)

    cpu = time.process_time()
    walls = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        request(args.path)
        walls.append((time.perf_counter() - t) * 1000)
    cpu = (time.process_time() - cpu) / args.repeat * 1000
    walls.sort()
    # The fastest run is the best estimate of the uncontended cost on a busy machine.
    print(
        f"{args.path}: min {walls[0]:.1f} ms, median {walls[len(walls) // 2]:.1f} ms, "
        f"{cpu:.1f} ms CPU per request"
    )

    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.repeat):
            request(args.path)
    print(profiler.output_text(color=False, show_all=bool(__import__("os").environ.get("SHOW_ALL"))))

    captured: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        captured.append((statement, params))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    request(args.path)
    sa.event.remove(engine, "before_cursor_execute", before)
    with psycopg.connect(url) as conn:
        for statement, params in captured:
            plan = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).fetchall()]
            timing = next((line for line in plan if line.startswith("Execution Time")), "")
            print("-" * 100)
            print(" ".join(statement.split())[:240])
            print(timing)
            if args.explain:
                print("\n".join(plan))


if __name__ == "__main__":
    main()
