"""The weekly digest to 5,000 confirmed subscribers, through a local SMTP sink (aiosmtpd on loopback).

Run by bench/run.py after the page load, or alone against the loaded database:

    .venv/bin/python -m bench.digest [--subscribers 5000]

The sender runs in its own process (`--send`), so its peak memory (ru_maxrss) is the digest's
alone, not the data generator's; the SMTP sink runs here, counts messages and throws them away.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = 5_000
# This many of them are members who narrowed their digest to the tags they follow.
FOLLOWING_MEMBERS = 500


def available() -> bool:
    return importlib.util.find_spec("benefit.digests.send") is not None


class Sink:
    """Accepts every message and counts it; keeps nothing."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages += 1
            self.bytes += len(envelope.content)
        return "250 Message accepted"


def seed_subscribers(url: str, n: int) -> None:
    """n confirmed weekly subscriptions, the first FOLLOWING_MEMBERS of them members following tags."""
    rng = random.Random(5)
    confirmed = datetime.now(UTC) - timedelta(days=30)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM digest_delivery")
        cur.execute("DELETE FROM subscription")
        cur.execute("DELETE FROM tag_follow")
        members = [
            r[0] for r in cur.execute('SELECT id FROM "user" ORDER BY id LIMIT %s', (FOLLOWING_MEMBERS,))
        ]
        tags = [r[0] for r in cur.execute("SELECT id FROM tag ORDER BY id")]
        with cur.copy(
            "COPY subscription (email, user_id, frequency, only_followed_tags, token, created_at, "
            "confirmed_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                user_id = members[i] if i < len(members) else None
                copy.write_row(
                    (
                        f"digest{i:05d}@example.org",
                        user_id,
                        "weekly",
                        user_id is not None,
                        f"bench-{i:05d}-{rng.getrandbits(64):016x}",
                        confirmed,
                        confirmed,
                    )
                )
        with cur.copy("COPY tag_follow (user_id, tag_id, created_at) FROM STDIN") as copy:
            for user_id in members:
                for tag_id in rng.sample(tags, 3):
                    copy.write_row((user_id, tag_id, confirmed))
        conn.commit()


def run(url: str, workdir: Path, subscribers: int = SUBSCRIBERS) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    from bench.loadgen import free_port

    seed_subscribers(url, subscribers)
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.digest", "--send", "--url", url, "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        (workdir / "digest.log").write_text(out.stdout + out.stderr)
        if out.returncode not in (0, 1):
            raise RuntimeError(f"digest sender exited {out.returncode}; see {workdir / 'digest.log'}")
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith("BENCH-JSON "))
        result: dict[str, Any] = json.loads(line.removeprefix("BENCH-JSON "))
    finally:
        controller.stop()
    result.update(subscribers=subscribers, messages=sink.messages, smtp_bytes=sink.bytes)
    return result


def _send(url: str, port: int) -> None:
    from benefit import create_app
    from benefit.digests.send import send_digests

    app = create_app(
        {
            "DATABASE_URL": url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "SITE_URL": "http://127.0.0.1:5000",
        }
    )
    with app.app_context():
        t = time.perf_counter()
        report = send_digests("weekly")
        seconds = time.perf_counter() - t
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result = {
        "seconds": seconds,
        "peak_rss_mib": peak_kib / 1024,
        "sent": report.sent,
        "skipped": report.skipped,
        "failed": report.failed,
        "period": report.period.key,
    }
    print("BENCH-JSON " + json.dumps(result), flush=True)
    sys.exit(1 if report.failed else 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=SUBSCRIBERS)
    parser.add_argument("--send", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        _send(args.url, args.port)
        return
    from bench import dataset
    from bench.run import DB_NAME, PG_ADMIN_URL

    workdir = ROOT / "instance" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    result = run(dataset.database_url(PG_ADMIN_URL, DB_NAME), workdir, args.subscribers)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
