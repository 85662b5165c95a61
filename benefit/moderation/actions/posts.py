"""Moderators' verbs on posts: the review queue, hide and restore, pin/feature/lock, move."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from benefit import permissions
from benefit.models import KINDS, MISTAKE_CATEGORIES, Reply, Topic, User, utcnow
from benefit.moderation import audit
from benefit.moderation.actions.common import (
    Post,
    announce,
    one_transaction,
    post_kind,
    require_moderator,
    required_reason,
    resolve_open_flags,
    set_state,
    tell_author,
)
from benefit.refusals import Conflict, ServiceError

TOPIC_SWITCHES = {
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "feature": ("is_featured", True),
    "unfeature": ("is_featured", False),
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
}
# "the topic is …": lazy, read in the language of the message that uses it.
SWITCH_WORDS: dict[str, LazyString] = {
    "pin": _l("pinned"),
    "unpin": _l("not pinned"),
    "feature": _l("featured"),
    "unfeature": _l("not featured"),
    "lock": _l("locked"),
    "unlock": _l("unlocked"),
}


@one_transaction
def approve_post(moderator: User, post: Post) -> Post:
    require_moderator(moderator)
    if post.state != "pending":
        raise Conflict(_("This post is not waiting for review any more."))
    set_state(post, "published", None)
    post.author.approved_post_count = User.approved_post_count + 1
    if isinstance(post, Reply):
        post.topic.last_activity_at = utcnow()
    else:
        post.last_activity_at = utcnow()
    announce(post)
    tell_author(moderator, post, "approve")
    audit.record(moderator, "approve", target_kind=post_kind(post), target_id=post.id)
    return post


@one_transaction
def reject_post(moderator: User, post: Post, reason: str) -> Post:
    require_moderator(moderator)
    reason = required_reason(reason, _("Say why, so the author can learn from it."))
    if post.state != "pending":
        raise Conflict(_("This post is not waiting for review any more."))
    set_state(post, "rejected", reason)
    tell_author(moderator, post, "reject", reason)
    audit.record(moderator, "reject", target_kind=post_kind(post), target_id=post.id, reason=reason)
    return post


@one_transaction
def hide_post(moderator: User, post: Post, reason: str) -> Post:
    require_moderator(moderator)
    reason = required_reason(reason, _("Say why this post is hidden."))
    if post.state == "hidden":
        raise Conflict(_("This post is already hidden."))
    previous = post.state
    set_state(post, "hidden", reason)
    flags = resolve_open_flags(moderator, post, "agreed")
    tell_author(moderator, post, "hide", reason)
    audit.record(
        moderator,
        "hide",
        target_kind=post_kind(post),
        target_id=post.id,
        reason=reason,
        previous_state=previous,
        flags_resolved=flags,
    )
    return post


@one_transaction
def restore_post(moderator: User, post: Post, reason: str = "") -> Post:
    require_moderator(moderator)
    if post.state not in ("hidden", "rejected"):
        raise Conflict(_("Only hidden or rejected posts can be restored."))
    previous = post.state
    set_state(post, "published", None)
    announce(post)
    flags = resolve_open_flags(moderator, post, "dismissed")
    audit.record(
        moderator,
        "restore",
        target_kind=post_kind(post),
        target_id=post.id,
        reason=reason.strip(),
        previous_state=previous,
        flags_dismissed=flags,
    )
    return post


@one_transaction
def switch_topic(moderator: User, topic: Topic, action: str) -> Topic:
    """Pin, feature or lock a topic, or undo it."""
    require_moderator(moderator)
    if action not in TOPIC_SWITCHES:
        raise ServiceError(_("Unknown action."))
    attribute, value = TOPIC_SWITCHES[action]
    if getattr(topic, attribute) == value:
        raise Conflict(_("Nothing to change: the topic is already %(state)s.", state=SWITCH_WORDS[action]))
    setattr(topic, attribute, value)
    audit.record(moderator, action, target_kind="topic", target_id=topic.id)
    return topic


@one_transaction
def move_topic(moderator: User, topic: Topic, kind: str, category: str | None, reason: str = "") -> Topic:
    """Another kind (or mistake category); everything else, anonymity included, stays as it is."""
    require_moderator(moderator)
    if kind not in KINDS:
        raise ServiceError(_("Choose practice, discussion or mistake."), field="kind")
    if kind == "mistake":
        if category not in MISTAKE_CATEGORIES:
            raise ServiceError(_("A mistake needs a category: choose one."), field="category")
    else:
        category = None
    if kind == topic.kind and category == topic.category:
        raise Conflict(_("Nothing to change: the topic is already there."))
    details = {
        "from_kind": topic.kind,
        "to_kind": kind,
        "from_category": topic.category,
        "to_category": category,
    }
    topic.kind = kind
    topic.category = category
    audit.record(moderator, "move", target_kind="topic", target_id=topic.id, reason=reason.strip(), **details)
    return topic


def record_moderator_edit(editor: User, post: Post) -> None:
    """Called by posting's edit verbs inside their transaction: a moderator edited someone's post."""
    if permissions.can_moderate(editor) and editor.id != post.author_id:
        audit.record(editor, "edit", target_kind=post_kind(post), target_id=post.id)
