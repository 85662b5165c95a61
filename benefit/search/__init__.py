"""Search: a Whoosh index fed by the `search_change` log, and the /search page (DESIGN.md §3)."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Blueprint, Flask

from benefit.search.index import SearchIndex

bp = Blueprint("search", __name__)

SEARCH_DEFAULTS: dict[str, Any] = {
    "SEARCH_BATCH_SIZE": 300,
    "SEARCH_POLL_SECONDS": 1.0,
    # How long a skipped change id is waited for before it is taken for a rolled-back transaction.
    "SEARCH_GAP_SECONDS": 120.0,
    # Each worker's cache of posting bitmaps and scores (benefit/search/bitmaps.py), and how long
    # a gunicorn worker spends filling it with the most frequent terms before it takes requests.
    "SEARCH_CACHE_MB": 64,
    "SEARCH_WARM_SECONDS": 10.0,
}


class SearchService:
    """Per app (so per worker process): the index with its one searcher, and who runs the indexer."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.index = SearchIndex(app.config["SEARCH_INDEX_DIR"], cache_mb=int(app.config["SEARCH_CACHE_MB"]))
        self.mode = str(app.config["SEARCH_INDEXER"])
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._worker: Any = None

    def make_worker(self, **kwargs: Any) -> Any:
        from benefit.extensions import db
        from benefit.search.indexer import Worker

        def engine() -> Any:
            with self.app.app_context():
                return db.engine

        config = self.app.config
        kwargs.setdefault("batch_size", int(config["SEARCH_BATCH_SIZE"]))
        kwargs.setdefault("poll", float(config["SEARCH_POLL_SECONDS"]))
        kwargs.setdefault("gap_seconds", float(config["SEARCH_GAP_SECONDS"]))
        return Worker(self.index, engine, **kwargs)

    def changes_committed(self) -> None:
        """Called after a commit that wrote change-log rows."""
        if self.mode == "sync":
            # Tests: apply right away, in the committing thread, so they are deterministic.
            from benefit.extensions import db
            from benefit.search.indexer import apply_pending

            apply_pending(self.index, db.engine, batch_size=int(self.app.config["SEARCH_BATCH_SIZE"]))
        elif self.mode == "thread":
            self.start_thread()
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
        self.index.close()

    def warm(self) -> None:
        """Open the searcher and fill the posting cache before the first query (gunicorn's
        post_worker_init calls this)."""
        try:
            if self.index.exists():
                started = time.monotonic()
                terms = self.index.warm(seconds=float(self.app.config["SEARCH_WARM_SECONDS"]))
                self.app.logger.info(
                    "search: warmed %d terms (%.1f MiB) in %.1f s",
                    terms,
                    self.index.cache_info()["bytes"] / 2**20,
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


def get_service(app: Flask) -> SearchService:
    service: SearchService = app.extensions["benefit.search"]
    return service


from benefit.search import views  # noqa: E402,F401
