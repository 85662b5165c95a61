"""Fixtures: an app on SQLite or PostgreSQL (BENEFIT_TEST_DB), its client and factories.

The schema comes from the migrations (run once per session); each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g, request_started
from flask.testing import FlaskClient, FlaskCliRunner

from benefit import create_app
from benefit.extensions import db
from benefit.search.whoosh import WhooshEngine as SearchIndex

pytest_plugins = ["tests.factories", "tests.mailserver"]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The suite reads the English interface (the site's default is Polish); the commands and servers
# tests start inherit it. Tests of the Polish interface ask for Polish.
os.environ.setdefault("BENEFIT_DEFAULT_LOCALE", "en")
PG_ADMIN_URL = os.environ.get("BENEFIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def backend() -> str:
    return os.environ.get("BENEFIT_TEST_DB", "sqlite")


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend() != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    try:
        admin = _pg_admin()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL here"
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    name = f"benefit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_config(database_url: str, tmp: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        # The suite reads the English interface; tests of the Polish one ask for it.
        "DEFAULT_LOCALE": "en",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "benefit.test",
        "SITE_URL": "http://benefit.test",
        "MAIL_DIR": str(tmp / "mail"),
        "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        "SEARCH_INDEXER": "sync",
        "REQUIRE_EMAIL_CONFIRMATION": True,
    }


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the real migrations once: the schema under test is the one users get."""
    from flask_migrate import upgrade

    app = create_app(test_config(database_url, tmp_path_factory.mktemp("mig")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
            if conn.execute(sa.text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                conn.execute(sa.text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def app_config(migrated: str, tmp_path: Path) -> dict[str, Any]:
    """Override entries in a test module with a fixture of the same name to change the app."""
    return test_config(migrated, tmp_path)


def _forget_logged_in_user(sender: Flask, **extra: Any) -> None:
    # Requests made while this fixture's app context is pushed share its `g`, where Flask-Login
    # caches the user: without this, a second test client would be served as whoever the previous
    # request loaded, and a session ended elsewhere (rotated token) would look alive.
    g.pop("_login_user", None)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    request_started.connect(_forget_logged_in_user, app)
    with app.app_context():
        _empty_tables()
        yield app
        db.session.remove()
        db.engine.dispose()
    app.extensions["benefit.search"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """Context manager counting SQL statements: `with count_queries() as q: …; q.count`."""
    from contextlib import contextmanager

    @contextmanager
    def counter() -> Iterator[Any]:
        class Box:
            count = 0
            statements: list[str] = []

        box = Box()
        box.statements = []

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            box.count += 1
            box.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield box
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counter


@pytest.fixture
def open_index() -> Iterator[Callable[[str | Path], SearchIndex]]:
    """A search index reader on a folder (a worker's, say), its files closed after the test."""
    opened: list[SearchIndex] = []

    def open_(root: str | Path) -> SearchIndex:
        opened.append(SearchIndex(root))
        return opened[-1]

    yield open_
    for index in opened:
        index.close()


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app on the same database with some settings changed; its connections closed after."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        other = create_app({**app_config, **overrides})
        request_started.connect(_forget_logged_in_user, other)
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        other.extensions["benefit.search"].close()
