"""Search: an engine fed by the `search_change` log, and the /search page (DESIGN.md §3).

engine.py is the port (SearchEngine, SearchRequest → SearchResult) and whoosh/ its one
implementation; service.py answers the search page; documents.py, changes.py and indexer.py feed
the index; health.py reports on it. This module wires them into an app: `register_search(app)` for
the change-log hooks and the per-app SearchService, or `init_app(app)` for that plus the blueprint
and the `flask search` commands.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from benefit.search.engine import SearchEngine
    from benefit.search.indexer import Worker

SEARCH_DEFAULTS: dict[str, Any] = {
    "SEARCH_BATCH_SIZE": 300,
    "SEARCH_POLL_SECONDS": 1.0,
    # How long a skipped change id is waited for before it is taken for a rolled-back transaction.
    "SEARCH_GAP_SECONDS": 120.0,
    # Each worker's cache of posting bitmaps and scores (benefit/search/whoosh/postings.py), and how
    # long a gunicorn worker spends filling it with the most frequent terms before it takes requests.
    "SEARCH_CACHE_MB": 64,
    "SEARCH_WARM_SECONDS": 10.0,
}


def make_engine(app: Flask) -> SearchEngine:
    """This node's search engine, on SEARCH_INDEX_DIR (the one place that picks Whoosh)."""
    from benefit.search.whoosh import WhooshEngine

    return WhooshEngine(app.config["SEARCH_INDEX_DIR"], cache_mb=int(app.config["SEARCH_CACHE_MB"]))


class SearchService:
    """Per app (so per worker process): the engine with its one searcher, and who runs the indexer."""

    def __init__(self, app: Flask) -> None:
        from benefit.search.health import WorkerState

        self.app = app
        self.engine = make_engine(app)
        self.mode = str(app.config["SEARCH_INDEXER"])
        # The indexer's last error, where the web processes can read it (benefit/search/health.py).
        self.worker_state = WorkerState(app.config["SEARCH_INDEX_DIR"])
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._worker: Worker | None = None

    def make_worker(self, **kwargs: Any) -> Worker:
        from benefit.extensions import db
        from benefit.search.indexer import Worker

        def engine() -> Any:
            with self.app.app_context():
                return db.engine

        config = self.app.config
        kwargs.setdefault("batch_size", int(config["SEARCH_BATCH_SIZE"]))
        kwargs.setdefault("poll", float(config["SEARCH_POLL_SECONDS"]))
        kwargs.setdefault("gap_seconds", float(config["SEARCH_GAP_SECONDS"]))
        kwargs.setdefault("state", self.worker_state)
        return Worker(self.engine, engine, **kwargs)

    def changes_committed(self) -> None:
        """Called after a commit that wrote change-log rows."""
        if self.mode == "sync":
            # Tests: apply right away, in the committing thread, so they are deterministic.
            from benefit.extensions import db
            from benefit.search.indexer import apply_pending

            apply_pending(self.engine, db.engine, batch_size=int(self.app.config["SEARCH_BATCH_SIZE"]))
        elif self.mode == "thread":
            self.start_thread()
            if self._worker is not None:
                self._worker.wake.set()

    def start_thread(self) -> None:
        """The dev server's indexer: one daemon thread, started by the process that serves requests."""
        if self._thread is not None:
            return
        with self._thread_lock:
            if self._thread is not None:
                return
            self._worker = self.make_worker()
            self._thread = threading.Thread(target=self._worker.run, name="search-indexer", daemon=True)
            self._thread.start()

    def stop_thread(self) -> None:
        if self._thread is not None and self._worker is not None:
            self._worker.stop.set()
            self._worker.wake.set()
            self._thread.join(timeout=10)
            self._thread = None

    def close(self) -> None:
        """Stop the indexer thread and close the index's files (tests; a worker just exits)."""
        self.stop_thread()
        self.engine.close()

    def warm(self) -> None:
        """Open the searcher and fill the posting cache before the first query (gunicorn's
        post_worker_init calls this)."""
        try:
            if self.engine.exists():
                started = time.monotonic()
                terms = self.engine.warm(seconds=float(self.app.config["SEARCH_WARM_SECONDS"]))
                self.app.logger.info(
                    "search: warmed %d terms (%.1f MiB) in %.1f s",
                    terms,
                    self.engine.cache_info()["bytes"] / 2**20,
                    time.monotonic() - started,
                )
        except Exception:  # noqa: BLE001 - a cold searcher is slower, not broken
            self.app.logger.exception("could not warm the search index")


def register_search(app: Flask) -> None:
    """Change-log hooks, the per-app search service, and the indexer thread in "thread" mode."""
    from benefit.search.changes import register_change_log

    for key, value in SEARCH_DEFAULTS.items():
        app.config.setdefault(key, value)
    if app.config["SEARCH_INDEXER"] not in ("sync", "thread", "off"):
        raise ValueError("SEARCH_INDEXER must be sync, thread or off.")
    register_change_log()
    service = SearchService(app)
    app.extensions["benefit.search"] = service
    if service.mode == "thread":
        # Started by the first request rather than here: under the reloader only the child process
        # serves requests, and `flask db upgrade` or other commands never start one.
        app.before_request(service.start_thread)


def init_app(app: Flask) -> None:
    """Everything search adds to an app: register_search, the /search blueprint, `flask search`."""
    from benefit.search.cli import search_cli
    from benefit.search.views import bp as search_bp

    register_search(app)
    app.register_blueprint(search_bp)
    app.cli.add_command(search_cli)


def get_service(app: Flask) -> SearchService:
    service: SearchService = app.extensions["benefit.search"]
    return service


def search_health(app: Flask) -> dict[str, Any]:
    """The search index's state for /healthz and `flask search status`; never raises.

    {"lag": changes not applied yet (None when unknown: no database, an unreadable index),
     "last_error": the indexer's error, or None while it works (it may run in another process),
     "last_error_at": when that error first happened, "index": the index directory,
     "exists": whether an index is there, "indexer": sync, thread or off}
    """
    from benefit.search.health import report

    return report(get_service(app))
