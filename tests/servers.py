"""A real gunicorn for tests: started on a free loopback port, waited for until it answers, stopped.

Used by every test that needs the site as it runs in production (tests/web/test_security_redis.py,
tests/slow/, tests/e2e/). A busy machine makes a worker slow to boot, so readiness is "the process is
alive and /healthz answers 200", waited for up to READY_TIMEOUT; when gunicorn exits first, the test
fails at once with what it wrote to its log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A bound, not a wait: a server that is up is seen within a fifth of a second of answering.
READY_TIMEOUT = 180.0
LOG_TAIL = 6000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerFailed(RuntimeError):
    """gunicorn exited, or did not answer /healthz within the bound."""


@dataclass
class Gunicorn:
    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def output(self) -> str:
        """The end of what gunicorn and its workers wrote (stdout and stderr)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-LOG_TAIL:]

    def wait_until_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(f"gunicorn exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}: {exc.read()[:500]!r}"
                exc.close()
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise ServerFailed(
            f"gunicorn did not answer /healthz within {timeout:.0f} s ({last}):\n{self.output()}"
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop gunicorn and its workers (its own process group); SIGKILL when it will not go."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_gunicorn(
    env: Mapping[str, str],
    log: Path,
    *,
    args: Sequence[str] = (),
    workers: int = 2,
    port: int | None = None,
    wait: bool = True,
) -> Gunicorn:
    """gunicorn -c gunicorn.conf.py wsgi:app on 127.0.0.1 and a free port, with `env` as its whole
    environment (plus the bind address, the worker count and no search warm-up). `port` when the
    caller needs the address beforehand (for BENEFIT_SITE_URL, say), else a free one.

    Its output goes to `log`. With wait=False the caller does something else first (migrates the
    database, say) and calls wait_until_ready() itself; either way the caller stops it.
    """
    port = port or free_port()
    child_env = {
        **env,
        "BENEFIT_BIND": f"127.0.0.1:{port}",
        "BENEFIT_WORKERS": str(workers),
        # Each worker would otherwise spend up to 10 s filling its search cache before it answers.
        "BENEFIT_SEARCH_WARM_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *args, "wsgi:app"]
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(proc=proc, base_url=f"http://127.0.0.1:{port}", log=log)
    if wait:
        try:
            server.wait_until_ready()
        except BaseException:
            server.stop(signal.SIGKILL)
            raise
    return server
