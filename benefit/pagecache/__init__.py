"""Visitors' pages from a cache shared by every worker: Redis in production, in-process for `make run`.

Only anonymous GETs of the public forum pages (home, lists, topics, tags, feeds) are cached, and
only a response that sets no cookie: nothing personal (session, CSRF token, flash) can be stored.
A request that carries a session with a member or a flash, or a "remember me" cookie, is never
served from the cache either.

A page is never served after a change it shows. Its key carries the content version:
`max(search_change.id)`, which every visible change to a post, a reply, a vote count, a member's
name or a tag advances in its own transaction (the search change log, benefit.search.changes),
and a shared generation that the same commits advance once they are committed (so a page rendered
from a snapshot taken just before a commit is stored under a version nobody asks for any more),
plus tag edits the log does not record. The language is in the key too.

Redis unreachable: pages are rendered as without the cache, with one warning in the log, and the
cache is tried again after a few seconds.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, request, session
from flask_caching import Cache
from redis.exceptions import RedisError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from benefit.extensions import db
from benefit.i18n import current_locale
from benefit.models import SearchChange, Tag, User

log = logging.getLogger("benefit.pagecache")

PAGECACHE_DEFAULTS: dict[str, Any] = {
    "PAGE_CACHE": True,
    # redis://host:port/db shared by every worker and node; empty: each process keeps its own.
    "CACHE_URL": "",
    # How long an entry may live at most; a change makes it unreachable at once anyway.
    "PAGE_CACHE_SECONDS": 600,
    # Several sites on one Redis each need their own.
    "PAGE_CACHE_PREFIX": "benefit:page:",
}
CACHED_ENDPOINTS = frozenset(
    {
        "forum.home",
        "forum.topic_list",
        "forum.topic",
        "forum.tags",
        "forum.tag",
        "feeds.site_feed",
        "feeds.tag_feed",
    }
)
CACHED_TYPES = frozenset({"text/html", "application/atom+xml"})
RETRY_AFTER_SECONDS = 5.0
ENTRY_FIELDS = frozenset({"body", "content_type", "etag"})
GENERATION_KEY = "generation"
# Set on a session whose flush changed a tag or member (descriptions the change log does not record).
CHANGED_KEY = "benefit.pagecache.changed"
SEARCH_PENDING_KEY = "benefit.search.pending"  # benefit.search.changes: the commit logged changes


class PageCache:
    def __init__(self, app: Flask) -> None:
        self.cache = Cache()
        url = str(app.config["CACHE_URL"] or "")
        config: dict[str, Any]
        if url:
            separator = "&" if "?" in url else "?"
            if "socket_timeout" not in url:
                url += f"{separator}socket_timeout=0.5&socket_connect_timeout=0.5"
            config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
        else:
            config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
        timeout = app.config["PAGE_CACHE_SECONDS"]
        config.update(CACHE_KEY_PREFIX=app.config["PAGE_CACHE_PREFIX"], CACHE_DEFAULT_TIMEOUT=timeout)
        self.cache.init_app(app, config=config)
        self.shared = bool(url)
        self._down_until = 0.0
        self._generation = 0

    def _call(self, method: str, *args: Any) -> tuple[bool, Any]:
        """(reachable, result) of a cache call; a warning when the cache goes away and comes back."""
        if time.monotonic() < self._down_until:
            return False, None
        try:
            result = getattr(self.cache.cache, method)(*args)
        except (RedisError, OSError) as error:  # connection refused, timeout, …: render as usual
            if not self._down_until:
                log.warning("page cache unreachable (%s): pages are rendered without it", error)
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return False, None
        if self._down_until:
            log.warning("page cache reachable again")
            self._down_until = 0.0
        return True, result

    def lookup(self, page: str) -> tuple[str, dict[str, Any] | None] | None:
        """(key, cached entry or None) of a page at the current generation; None if unreachable.

        One round trip (MGET of the generation and the page under the generation this process
        saw last) unless the generation has moved since.
        """
        guess = self._generation
        reachable, values = self._call("get_many", GENERATION_KEY, f"{guess}:{page}")
        if not reachable:
            return None
        generation, entry = int(values[0] or 0), values[1]
        if generation != guess:
            self._generation = generation
            reachable, entry = self._call("get", f"{generation}:{page}")
            if not reachable:
                return None
        # An entry written by another release (a rolling deploy) is a miss, never an error.
        usable = isinstance(entry, dict) and ENTRY_FIELDS <= entry.keys()
        return f"{generation}:{page}", entry if usable else None

    def advance(self) -> None:
        self._call("inc", GENERATION_KEY)

    def set(self, key: str, entry: dict[str, Any]) -> None:
        self._call("set", key, entry)


def _cacheable_request() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return False
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return "_user_id" not in session and "_flashes" not in session


VERSION = sa.select(sa.func.max(SearchChange.id))


def _page() -> str:
    """What a cached page is stored under besides the generation: content version, language, URL."""
    with db.engine.connect() as connection:  # no ORM session: a hit then touches nothing else
        version = connection.execute(VERSION).scalar() or 0
    path = hashlib.sha256(request.full_path.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return f"{version}:{current_locale()}:{path}"


def _respond(entry: dict[str, Any]) -> Response:
    if request.if_none_match.contains(entry["etag"]):
        response = Response(status=304)
    else:
        response = Response(entry["body"], status=200, content_type=entry["content_type"])
    response.headers["X-Page-Cache"] = "hit"
    return _visitor_headers(response, entry["etag"])


def _visitor_headers(response: Response, etag: str) -> Response:
    # Browsers and proxies may keep the page but ask again each time (the ETag makes that a 304).
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    response.set_etag(etag)
    return response


def serve_from_cache() -> Response | None:
    pages: PageCache | None = current_app.extensions.get("benefit.pagecache")
    if pages is None or not _cacheable_request():
        return None
    found = pages.lookup(_page())
    if found is None:  # the cache is unreachable: render as usual
        return None
    key, entry = found
    if entry is not None:
        return _respond(entry)
    g.page_cache_key = key
    return None


def store_in_cache(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if key is None:
        return response
    if (
        response.status_code != 200
        or response.mimetype not in CACHED_TYPES
        or "Set-Cookie" in response.headers
        or session.modified
        or response.direct_passthrough
    ):
        return response
    pages: PageCache = current_app.extensions["benefit.pagecache"]
    body = response.get_data()
    etag = hashlib.sha256(body).hexdigest()[:32]
    pages.set(key, {"body": body, "content_type": response.content_type, "etag": etag})
    response.headers["X-Page-Cache"] = "miss"
    return _visitor_headers(response, etag)


# What cached pages show of a member (beside their posts): a login or a counter changes nothing.
SHOWN_MEMBER_FIELDS = ("username", "display_name", "institution", "library_type", "role", "deleted_at")


def _shows(obj: object) -> bool:
    if isinstance(obj, Tag):
        return True
    if isinstance(obj, User):
        attrs: Any = sa.inspect(obj).attrs
        return any(attrs[name].history.has_changes() for name in SHOWN_MEMBER_FIELDS)
    return False


def _note_changes(session: Session, flush_context: Any) -> None:
    if any(isinstance(obj, Tag) for obj in (*session.new, *session.deleted)) or any(
        _shows(obj) for obj in session.dirty
    ):
        session.info[CHANGED_KEY] = True


def _after_commit(session: Session) -> None:
    changed = session.info.pop(CHANGED_KEY, False) or session.info.get(SEARCH_PENDING_KEY, False)
    if changed and has_app_context():
        pages: PageCache | None = current_app.extensions.get("benefit.pagecache")
        if pages is not None:
            pages.advance()


def _forget(session: Session, previous_transaction: Any) -> None:
    session.info.pop(CHANGED_KEY, None)


def _listen() -> None:
    """Once per process. `insert=True`: before the search hook consumes its own pending flag."""
    for name, fn, insert in (
        ("after_flush", _note_changes, False),
        ("after_commit", _after_commit, True),
        ("after_soft_rollback", _forget, False),
    ):
        if not sa.event.contains(Session, name, fn):
            sa.event.listen(Session, name, fn, insert=insert)


def init_app(app: Flask) -> None:
    for key, value in PAGECACHE_DEFAULTS.items():
        app.config.setdefault(key, value)
    if not app.config["PAGE_CACHE"]:
        return
    app.extensions["benefit.pagecache"] = PageCache(app)
    _listen()
    app.before_request(serve_from_cache)
    app.after_request(store_in_cache)
