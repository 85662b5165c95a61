"""Servers under test (gunicorn on loopback) and the load that drives them (wrk with a Lua script)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk" / "requests.lua"
CONNECTIONS = 4


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak), and RssAnon/RssFile (the process's own memory, and pages of mapped
    files such as the search index, shared with other workers) of a process, in KiB."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
    except FileNotFoundError:
        pass
    return out


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # The command name is in parentheses and may hold spaces: the ppid follows the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return sorted(found)


@dataclass
class Server:
    """gunicorn with the project's gunicorn.conf.py, bound to a free loopback port."""

    app: str
    env: dict[str, str]
    log_path: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/", timeout: float = 60.0) -> None:
        self.port = free_port()
        env = {**os.environ, **self.env, "BENEFIT_BIND": f"127.0.0.1:{self.port}", "BENEFIT_WORKERS": "2"}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", *self.extra_args, self.app],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            if len(self.workers()) == 2 and self._answers(ready_path):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def _answers(self, path: str) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", path)
            ok = conn.getresponse().status < 500
            conn.close()
            return ok
        except OSError:
            return False

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []

    def worker_memory(self) -> list[dict[str, int]]:
        return [{"pid": pid, **rss_kib(pid)} for pid in self.workers()]

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.log.close()


@dataclass
class Requests:
    """What each of the 4 connections sends: its cookie (or none) and its requests, in order."""

    per_connection: list[tuple[str | None, list[tuple[str, str, str]]]]

    @classmethod
    def gets(cls, paths: list[str], cookie: str | None = None) -> Requests:
        # Every connection walks the same list from a different starting point.
        n = len(paths)
        conns = []
        for i in range(CONNECTIONS):
            start = (i * n) // CONNECTIONS
            rotated = paths[start:] + paths[:start]
            conns.append((cookie, [("GET", p, "") for p in rotated]))
        return cls(conns)

    def write(self, prefix: Path) -> None:
        for i, (cookie, reqs) in enumerate(self.per_connection, start=1):
            lines = [cookie or "-"] + [f"{m}\t{p}\t{b}" for m, p, b in reqs]
            Path(f"{prefix}.{i}.txt").write_text("\n".join(lines) + "\n")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base: str, requests: Requests, seconds: float, workdir: Path, name: str) -> dict[str, Any]:
    """4 connections (one per wrk thread) for a fixed time; returns wrk's summary as a dict."""
    prefix = workdir / f"wrk-{name}"
    requests.write(prefix)
    cmd = [
        "wrk",
        f"-t{CONNECTIONS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        base,
        "--",
        str(prefix),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH-JSON "))
            return result
    raise RuntimeError(f"wrk printed no result for {name}: {out.stdout}\n{out.stderr}")
