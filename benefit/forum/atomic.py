"""A refused use case leaves nothing behind: its action rolls the session back before raising."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from benefit.extensions import db
from benefit.refusals import ServiceError

P = ParamSpec("P")
R = TypeVar("R")


def rollback_on_refusal(action: Callable[P, R]) -> Callable[P, R]:
    """Wrap an action: on a ServiceError the session is rolled back, then the error goes on to the view."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return action(*args, **kwargs)
        except ServiceError:
            db.session.rollback()
            raise

    return run
