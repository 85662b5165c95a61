"""What /healthz reports: the database, where rate limits are counted, and the search index."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from benefit.extensions import db


def database_ok() -> bool:
    # Its own connection, not the request's session: a failure leaves nothing to roll back.
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def search_state(app: Flask) -> Any:
    """benefit.search.search_health(app): {"lag": …, "last_error": …}. Never raises: a broken index
    is a field in the answer, not a failed check."""
    import benefit.search

    try:
        return benefit.search.search_health(app)
    except Exception as exc:  # noqa: BLE001 - reported in the answer, which is all a monitor reads
        app.logger.exception("search_health failed")
        return {"last_error": f"{type(exc).__name__}: {exc}"}


def health(app: Flask) -> tuple[dict[str, Any], int]:
    """The JSON body and status of /healthz: 503 only when the database is unreachable (the one thing
    no page can do without); Redis down or a lagging index are reported with 200."""
    from benefit.security import rate_limit_storage

    if not database_ok():
        body: dict[str, Any] = {"status": "error", "database": "unreachable"}
        code = 503
    else:
        body = {"status": "ok", "database": "ok"}
        code = 200
    body["rate_limits"] = rate_limit_storage(app)
    body["search"] = search_state(app)
    return body, code
