"""What the moderation verbs share: one transaction each, the moderator check, a post's state."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from benefit import permissions
from benefit.community import actions as social
from benefit.community.notifications import notify
from benefit.extensions import db
from benefit.i18n import default_locale, normalise
from benefit.models import Flag, Reply, Topic, User, utcnow
from benefit.moderation.queries import Post, post_kind
from benefit.refusals import NotAllowed, ServiceError

__all__ = ["Post", "post_kind"]  # and the helpers below
P = ParamSpec("P")
R = TypeVar("R")

# Reasons the site itself writes on a post. Stored in English, like codes (the flag verbs compare
# them); pages and notifications show them in the reader's language (see stored_reason).
FLAG_HIDE_REASON = "Hidden after several members flagged it; a moderator will review it."
FLAGS_AGREED_REASON = "Hidden by a moderator after members flagged it."
STORED_REASONS: dict[str, LazyString] = {
    FLAG_HIDE_REASON: _l("Hidden after several members flagged it; a moderator will review it."),
    FLAGS_AGREED_REASON: _l("Hidden by a moderator after members flagged it."),
}


def stored_reason(reason: str | None) -> str:
    """A post's moderation reason as the reader reads it: a moderator's own words as written."""
    if not reason:
        return ""
    known = STORED_REASONS.get(reason)
    return str(known) if known is not None else reason


def one_transaction(verb: Callable[P, R]) -> Callable[P, R]:
    """The verb's one commit when it returns; when it refuses (or fails), the rollback, before the
    caller hears of it: nothing half-done stays in the session for the next statement."""

    @functools.wraps(verb)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = verb(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run


def require_moderator(actor: User) -> None:
    refusal = permissions.moderation_refusal(actor)
    if refusal is not None:
        raise NotAllowed(refusal)


def required_reason(reason: str, refusal: str) -> str:
    """The reason, trimmed; a blank one is refused with `refusal` (on the form's reason field)."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(refusal, field="reason")
    return reason


def topic_of(post: Post) -> Topic:
    return post if isinstance(post, Topic) else post.topic


def set_state(post: Post, state: str, reason: str | None) -> None:
    """Change a post's state through the ORM (so the search change log sees it) and keep counts."""
    if isinstance(post, Reply):
        was_counted = post.state == "published"
        counted = state == "published"
        if counted and not was_counted:
            post.topic.reply_count = Topic.reply_count + 1
        elif was_counted and not counted:
            post.topic.reply_count = Topic.reply_count - 1
    post.state = state
    post.moderation_reason = reason


def _author_message(post: Post, action: str, reason: str) -> str:
    """What the author reads about a moderator's decision on their post (one sentence per case)."""
    topic = isinstance(post, Topic)
    title = (post.title if isinstance(post, Topic) else post.topic.title)[:120]
    if action == "approve":
        if topic:
            return str(_("A moderator approved your post “%(title)s”.", title=title))
        return str(_("A moderator approved your reply in “%(title)s”.", title=title))
    if action == "reject":
        if topic:
            return str(
                _("A moderator did not approve your post “%(title)s”: %(reason)s", title=title, reason=reason)
            )
        return str(
            _("A moderator did not approve your reply in “%(title)s”: %(reason)s", title=title, reason=reason)
        )
    if topic:
        return str(_("A moderator hid your post “%(title)s”: %(reason)s", title=title, reason=reason))
    return str(_("A moderator hid your reply in “%(title)s”: %(reason)s", title=title, reason=reason))


def tell_author(moderator: User | None, post: Post, action: str, reason: str = "") -> None:
    """Notify the author of an approval, rejection or hide, written in the author's own language."""
    with force_locale(normalise(post.author.locale) or default_locale()):
        message = _author_message(post, action, stored_reason(reason))
    notify(
        [post.author_id],
        kind="moderation",
        event_key=f"moderation:{action}:{post_kind(post)}:{post.id}",
        actor=moderator,
        topic=topic_of(post),
        reply_id=post.id if isinstance(post, Reply) else None,
        message=message,
    )


def announce(post: Post) -> None:
    """The mentions and follower notifications held back while the post was not published."""
    if isinstance(post, Topic):
        social.announce_topic(post)
    else:
        social.announce_reply(post)


def resolve_open_flags(moderator: User, post: Post, resolution: str) -> int:
    flags = list(
        db.session.scalars(
            sa.select(Flag).where(
                Flag.target_kind == post_kind(post),
                Flag.target_id == post.id,
                Flag.resolved_at.is_(None),
            )
        )
    )
    now = utcnow()
    for flag in flags:
        flag.resolved_at = now
        flag.resolved_by_id = moderator.id
        flag.resolution = resolution
    return len(flags)
