"""Posting limits that count accepted posts only: a form refused for its content costs nothing.

benefit.security limits the raw POSTs of each endpoint (RATE_LIMITS["forum.new_topic"], a generous
flood guard). The limits here, RATE_LIMITS["forum.new_topic.accepted"] and
RATE_LIMITS["forum.reply.accepted"], are tested before the action and counted once it has succeeded,
in Flask-Limiter's own storage and strategy (`limiter.limiter`, which falls back to memory when the
storage is down), under the member's rate-limit key.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many

from benefit.extensions import limiter
from benefit.refusals import ServiceError
from benefit.security import describe_limit, describe_wait, rate_limit_key


class PostingLimitReached(ServiceError):
    """Too many accepted posts in a while: the view shows the form again, with the text kept."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _items(name: str) -> list[RateLimitItem]:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return []
    value = current_app.extensions["benefit.rate_limits"].get(name, "")
    return parse_many(value) if value else []


def _wait(item: RateLimitItem, key: str, scope: str) -> int:
    reset_at = limiter.limiter.get_window_stats(item, key, scope).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def _check(items: list[RateLimitItem], key: str, scope: str) -> None:
    waits = [(item, _wait(item, key, scope)) for item in items if not limiter.limiter.test(item, key, scope)]
    if waits:
        item, seconds = max(waits, key=lambda pair: pair[1])
        raise PostingLimitReached(
            _(
                "You have reached the posting limit (%(limit)s). You can post again in %(wait)s; "
                "what you wrote is kept below.",
                limit=describe_limit(item),
                wait=describe_wait(seconds),
            ),
            retry_after=seconds,
        )


@contextmanager
def accepted_post(endpoint: str) -> Iterator[None]:
    """`with accepted_post("forum.reply"): action(…)` — refuse when the limit is reached, count on success."""
    name = f"{endpoint}.accepted"
    items, key = _items(name), rate_limit_key()
    try:
        _check(items, key, name)
    except PostingLimitReached:
        raise
    except Exception:  # noqa: BLE001 - an unreachable limit storage never stops a post
        current_app.logger.warning("posting limit storage unreachable: %s not checked", name, exc_info=True)
        items = []
    yield
    for item in items:
        try:
            limiter.limiter.hit(item, key, name)
        except Exception:  # noqa: BLE001 - as above: the post is made, only its count is lost
            current_app.logger.warning(
                "posting limit storage unreachable: %s not counted", name, exc_info=True
            )
            return
