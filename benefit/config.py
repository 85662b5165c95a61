"""Configuration defaults and the order they are loaded in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


class ConfigError(RuntimeError):
    """The configuration cannot run the application safely."""


DEFAULTS: dict[str, Any] = {
    # Development default only; production refuses it (see check_production).
    "SECRET_KEY": "dev-only-secret-key-change-me",
    "ENV_NAME": "development",
    "SQLALCHEMY_DATABASE_URI": None,  # filled in from instance_path
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SITE_NAME": "BENEFIT",
    "SITE_URL": "http://127.0.0.1:5000",
    "PER_PAGE": 20,
    "REPLIES_PER_PAGE": 25,
    # Tag counts (home page, /tags) are kept this long per process; 0 counts on every request.
    "TAG_COUNTS_CACHE_SECONDS": 60,
    # Posts by members with fewer approved posts than this wait in the review queue.
    "REVIEW_FIRST_POSTS": 1,
    # Distinct members flagging a post before it is hidden pending review.
    "FLAG_HIDE_THRESHOLD": 3,
    "REQUIRE_EMAIL_CONFIRMATION": True,
    "PASSWORD_RESET_MAX_AGE": 3600,
    "EMAIL_CONFIRM_MAX_AGE": 3 * 24 * 3600,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "BENEFIT <noreply@benefit.localhost>",
    "MAIL_TIMEOUT": 10,
    "MAIL_DIR": None,  # filled in from instance_path: where mail goes without an SMTP server
    # Digests: subscriptions walked per chunk (one SMTP connection per chunk), sections' length,
    # retries of a failed delivery, and when a claim left by a crashed run may be taken again.
    "DIGEST_CHUNK_SIZE": 200,
    "DIGEST_ITEMS_PER_SECTION": 5,
    "DIGEST_MAX_ATTEMPTS": 5,
    "DIGEST_STALE_CLAIM_SECONDS": 6 * 3600,
    "DIGEST_CONFIRM_MAX_AGE": 7 * 24 * 3600,
    # The mailto: half of List-Unsubscribe; without it, the MAIL_SENDER address.
    "DIGEST_UNSUBSCRIBE_MAILTO": None,
    # PostgreSQL: commit votes without waiting for the WAL flush (see services/mistakes.py).
    "VOTE_ASYNC_COMMIT": True,
    "SEARCH_INDEX_DIR": None,  # filled in from instance_path
    # "thread" (dev server), "sync" (tests: after each commit), "off" (a separate worker runs)
    "SEARCH_INDEXER": "off",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # "I've seen this" votes per member (Flask-Limiter syntax, e.g. "30 per minute;300 per day").
    "VOTE_RATE_LIMIT": "30 per minute;500 per day",
    # Redis down: count in each worker's memory until it is back, rather than fail every request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Overrides entries of benefit.security.RATE_LIMITS, e.g. {"accounts.login": "5/minute"}; "" = none.
    "RATE_LIMITS": {},
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    "TRUSTED_PROXIES": 0,
    # Strict-Transport-Security on HTTPS responses (seconds; 0 sends none).
    "HSTS_MAX_AGE": 365 * 24 * 3600,
    # Shown on /privacy for questions and security reports.
    "CONTACT_EMAIL": None,
    "PREFERRED_URL_SCHEME": "http",
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Defaults → instance/config.py → BENEFIT_* environment → overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("BENEFIT")
    if overrides:
        app.config.from_mapping(overrides)
    # Friendlier names for the two settings everybody sets; after the overrides, so that a
    # DATABASE_URL given by the tests is the database they use.
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]

    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'benefit.db'}"
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the driver; plain URLs from hosting providers name none.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if not app.config["MAIL_DIR"]:
        app.config["MAIL_DIR"] = str(instance / "mail")
    if not app.config["SEARCH_INDEX_DIR"]:
        app.config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    check_production(app)


def check_production(app: Flask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    if app.config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"] or not app.config["SECRET_KEY"]:
        raise ConfigError("BENEFIT_SECRET_KEY must be set in production.")
    if "DATABASE_URL" not in app.config and not os.environ.get("BENEFIT_SQLALCHEMY_DATABASE_URI"):
        raise ConfigError("BENEFIT_DATABASE_URL must be set in production.")
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["PREFERRED_URL_SCHEME"] = "https"
