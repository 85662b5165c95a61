"""SQL statements per request, counted with a before_cursor_execute listener through the test client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from benefit.extensions import db


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


class Counter:
    """One test client per member (or anonymous), against the benchmark database."""

    def __init__(self, app: Flask, password: str) -> None:
        self.app = app
        self.password = password
        self.clients: dict[str | None, FlaskClient] = {}

    def client(self, username: str | None) -> FlaskClient:
        if username not in self.clients:
            client = self.app.test_client()
            if username is not None:
                resp = client.post("/auth/login", data={"login": username, "password": self.password})
                if resp.status_code != 302:
                    raise RuntimeError(f"test-client login of {username} answered {resp.status_code}")
            self.clients[username] = client
        return self.clients[username]

    def count(
        self, method: str, path: str, body: dict[str, str] | None = None, user: str | None = None
    ) -> int:
        client = self.client(user)
        with counting(self.app) as statements:
            resp = client.open(path, method=method, data=body)
        if resp.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {resp.status_code} while counting SQL")
        return len(statements)
