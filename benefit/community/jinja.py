"""Community's template globals: the header's unread count and the viewer's follow state.

They are overlays on pages other features render (every page's header, the topic and tag pages),
so they are lazy and remembered for the request: a page runs at most one statement for each, and
none when it does not show it. Everything else a page shows comes from its view's query.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from benefit.community import queries
from benefit.community.wording import notification_html, notification_text
from benefit.models import NOTIFICATION_KINDS, Tag, Topic, User


def _member() -> User | None:
    user = current_user if has_request_context() else None
    return user if isinstance(user, User) and user.is_authenticated else None


class UnreadCount:
    """The header's unread count: one indexed COUNT, run only if the page shows it."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = queries.unread_count(self.user)
        return self._value

    def __bool__(self) -> bool:
        return self.value > 0

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)


def unread_notifications() -> dict[str, Any]:
    member = _member()
    return {"unread_notifications": UnreadCount(member) if member is not None else 0}


def _remembered(key: tuple[str, int], load: Any) -> Any:
    """`load()` once per request and key: a partial included twice asks the database once.

    Kept in `g` with the request it belongs to: tests run many requests in one app context.
    """
    this_request = request._get_current_object()  # type: ignore[attr-defined]
    owner, seen = g.get("community_overlay", (None, {}))
    if owner is not this_request:
        seen = {}
        g.community_overlay = (this_request, seen)
    if key not in seen:
        seen[key] = load()
    return seen[key]


def community_topic_state(topic: Topic) -> tuple[bool, bool]:
    """(following, bookmarked) for the current member, for community/_topic_actions.html."""
    member = _member()
    if member is None:
        return False, False
    state: tuple[bool, bool] = _remembered(("topic", topic.id), lambda: queries.topic_state(member, topic.id))
    return state


def community_follows_tag(tag: Tag) -> bool:
    """Whether the current member follows the tag, for community/_tag_actions.html."""
    member = _member()
    if member is None:
        return False
    return bool(_remembered(("tag", tag.id), lambda: queries.follows_tag(member, tag.id)))


def init_jinja(app: Flask) -> None:
    app.context_processor(unread_notifications)
    app.jinja_env.globals.update(
        NOTIFICATION_KINDS=NOTIFICATION_KINDS,
        notification_html=notification_html,
        notification_text=notification_text,
        community_topic_state=community_topic_state,
        community_follows_tag=community_follows_tag,
    )
