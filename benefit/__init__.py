"""BENEFIT: the forum where librarians learn from each other how to run library social media."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask_login
import sqlalchemy as sa
from flask import Flask, has_request_context, request


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    from benefit.config import load_config

    load_config(app, overrides)
    register_extensions(app)
    from benefit import i18n

    i18n.init_app(app)
    from benefit import pagecache

    # After i18n (a cached page's key carries the language), before the blueprints' own hooks.
    pagecache.init_app(app)
    register_blueprints(app)
    from benefit.errors import register_error_handlers
    from benefit.security import register_security

    register_error_handlers(app)
    # After the blueprints: rate limits wrap their view functions by endpoint name.
    register_security(app)
    register_cli(app)
    register_jinja(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from benefit.extensions import csrf, db, limiter, login_manager, migrate
    from benefit.models import User

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Flashed in the reader's language: the lazy text is made a string when the flash is made.
    login_manager.login_message = lazy_gettext("Log in to continue.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"

    @login_manager.user_loader  # type: ignore[untyped-decorator]
    def load_user(user_id: str) -> User | None:
        # The cookie carries "id:session_token"; a rotated token logs that session out.
        ident, _, token = user_id.partition(":")
        if not ident.isdigit():
            return None
        user = db.session.get(User, int(ident))
        if user is None or user.session_token != token or user.is_deleted:
            return None
        return user

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _sqlite_pragmas(db.engine)


def _sqlite_pragmas(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers never block the writer (request threads, the indexer thread, tests).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    """Each feature registers its own blueprint, template globals and CLI group."""
    from benefit import accounts, community, digests, feeds, forum, moderation, pages, search

    # Search first: its change-log hooks must be in place before anything else writes.
    search.init_app(app)
    accounts.init_app(app)
    forum.init_app(app)
    community.init_app(app)
    moderation.init_app(app)
    digests.init_app(app)
    feeds.init_app(app)
    pages.init_app(app)


def register_cli(app: Flask) -> None:
    from benefit.cli import benefit_cli

    app.cli.add_command(benefit_cli)


def register_jinja(app: Flask) -> None:
    from benefit import permissions
    from benefit.models import (
        KIND_PLURALS,
        KINDS,
        LIBRARY_TYPES,
        MISTAKE_CATEGORIES,
        TAG_KINDS,
    )

    app.jinja_env.globals.update(permissions.JINJA_GLOBALS)
    app.jinja_env.globals.update(
        KINDS=KINDS,
        KIND_PLURALS=KIND_PLURALS,
        LIBRARY_TYPES=LIBRARY_TYPES,
        MISTAKE_CATEGORIES=MISTAKE_CATEGORIES,
        TAG_KINDS=TAG_KINDS,
        site_name=app.config["SITE_NAME"],
    )

    # Macros imported without context (`{% from … import … %}`) see globals, not the
    # context processor's current_user: without this, author_name() never recognised a
    # moderator or the reporter of an anonymous mistake.
    app.jinja_env.globals["current_user"] = flask_login.current_user

    @app.context_processor
    def current_path() -> dict[str, Any]:
        # Mail is rendered by CLI commands too (`flask digest send`), outside any request.
        if not has_request_context():
            return {}
        return {"current_path": request.full_path.rstrip("?")}
