"""Notifications: who hears of what, and the signed unsubscribe link their mail carries.

Everything here runs inside the caller's use case (posting, a vote, moderation): it only adds
rows, and the caller's commit makes them real together with the event, so a rolled-back event
notifies nobody. Reading them is in queries.py, marking them read and the email states in
actions.py, the mail itself in mail.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from benefit import permissions
from benefit.email import read_token, sign_token
from benefit.extensions import db
from benefit.markup import MAX_MENTIONS, mention_candidates
from benefit.models import Notification, Reply, Topic, TopicFollow, User

# Candidates looked up per post: enough for MAX_MENTIONS real members among some typos.
_MENTION_LOOKUP = 5 * MAX_MENTIONS

# A notification's email: NULL (not handled yet) → "claimed" (a sender owns it) → "sent" |
# "failed" (retried by the next run) | "skipped" (read already, emails off, nobody to send to).
RETRYABLE = sa.or_(Notification.email_state.is_(None), Notification.email_state == "failed")
UNSUBSCRIBE_SALT = "notification-unsubscribe"


def notify(
    recipients: Iterable[int],
    *,
    kind: str,
    event_key: str,
    actor: User | None,
    topic: Topic | None = None,
    reply_id: int | None = None,
    message: str = "",
) -> list[Notification]:
    """Add one notification per recipient for an event, never to the actor, never twice."""
    ids = {i for i in recipients if actor is None or i != actor.id}
    if not ids:
        return []
    # The (user_id, event_key) constraint is the real guard; this skips the known ones.
    already = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.event_key == event_key, Notification.user_id.in_(ids)
            )
        )
    )
    created = []
    for user_id in sorted(ids - already):
        n = Notification(
            user_id=user_id,
            kind=kind,
            event_key=event_key,
            actor_id=actor.id if actor else None,
            topic_id=topic.id if topic else None,
            reply_id=reply_id,
            message=message[:300],
        )
        db.session.add(n)
        created.append(n)
    return created


# --- who hears of a post ---------------------------------------------------------------------


def resolve_mentions(*texts: str) -> list[User]:
    """The existing members @mentioned in these texts, first mention first, at most MAX_MENTIONS."""
    candidates = mention_candidates(*texts)[:_MENTION_LOOKUP]
    if not candidates:
        return []
    found = {
        u.username: u
        for u in db.session.scalars(
            sa.select(User).where(User.username.in_(candidates), User.deleted_at.is_(None))
        )
    }
    return [found[name] for name in candidates if name in found][:MAX_MENTIONS]


def _who_can_see(user_ids: Iterable[int], topic: Topic, reply: Reply | None = None) -> set[int]:
    """The members among `user_ids` who may see the topic (and reply): nobody hears of hidden things."""
    ids = set(user_ids)
    if not ids:
        return set()
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids), User.deleted_at.is_(None)))
    return {
        u.id
        for u in users
        if permissions.can_view_topic(u, topic) and (reply is None or permissions.can_view_reply(u, reply))
    }


def announce_reply(
    reply: Reply, mentioned: list[User] | None = None, *, include_followers: bool = True
) -> None:
    """Notify about a published reply: its mentions ("mention"), the topic's followers and author ("reply").

    One event key per reply, so a member both mentioned and following hears once, as a mention.
    Call it again when a pending reply is approved; rows already made are not repeated.
    """
    topic = reply.topic
    if not reply.is_published or not topic.is_published:
        return
    if mentioned is None:
        mentioned = resolve_mentions(reply.body)
    mention_ids = {u.id for u in mentioned}
    reply_ids: set[int] = set()
    if include_followers:
        reply_ids = set(
            db.session.scalars(sa.select(TopicFollow.user_id).where(TopicFollow.topic_id == topic.id))
        )
        reply_ids.add(topic.author_id)
    allowed = _who_can_see(mention_ids | reply_ids, topic, reply)
    actor = reply.author
    for ids, kind, message in (
        (mention_ids, "mention", f"{actor.display_name} mentioned you in a reply to “{topic.title}”"),
        (reply_ids - mention_ids, "reply", f"{actor.display_name} replied to “{topic.title}”"),
    ):
        notify(
            sorted(allowed & ids),
            kind=kind,
            event_key=f"reply:{reply.id}",
            actor=actor,
            topic=topic,
            reply_id=reply.id,
            message=message,
        )


def announce_topic(topic: Topic, mentioned: list[User] | None = None) -> None:
    """Notify the members @mentioned in a published topic (again after an edit: only new ones)."""
    if not topic.is_published:
        return
    if mentioned is None:
        mentioned = resolve_mentions(topic.body, topic.how_to_avoid)
    allowed = _who_can_see((u.id for u in mentioned), topic)
    author = topic.author
    who = "A member" if topic.is_anonymous else author.display_name
    created = notify(
        sorted(allowed),
        kind="mention",
        event_key=f"topic:{topic.id}",
        actor=author,
        topic=topic,
        message=f"{who} mentioned you in “{topic.title}”",
    )
    if topic.is_anonymous:
        # The reporter of an anonymous mistake stays anonymous in notifications too.
        for n in created:
            n.actor_id = None


# --- the unsubscribe link in notification mail -------------------------------------------------


def unsubscribe_token(user_id: int, kinds: Iterable[str]) -> str:
    """A signed, non-expiring token: mail in an old inbox must still unsubscribe in one click."""
    return sign_token({"u": user_id, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, list[str]] | None:
    """(member id, kinds) from a token of `unsubscribe_token`, or None."""
    payload = read_token(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    kinds = payload.get("k")
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        return None
    return payload["u"], kinds
