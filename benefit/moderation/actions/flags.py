"""Members flag posts; moderators agree (the post is hidden) or dismiss the flags."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from benefit import permissions
from benefit.extensions import db
from benefit.models import FLAG_REASONS, Flag, Topic, User
from benefit.moderation import audit, queries
from benefit.moderation.actions.common import (
    FLAG_HIDE_REASON,
    FLAGS_AGREED_REASON,
    Post,
    one_transaction,
    post_kind,
    require_moderator,
    resolve_open_flags,
    set_state,
    tell_author,
)
from benefit.refusals import Conflict, NotAllowed, NotFound, ServiceError

__all__ = ["FLAG_HIDE_REASON", "FLAGS_AGREED_REASON", "FlagResult", "flag_post", "resolve_flags"]

# The moderation_reason of a post hidden by members' flags; dismissing the flags restores it.


def _already_flagged() -> str:
    return str(_("You have already flagged this post. Thank you."))


@dataclass
class FlagResult:
    flag: Flag
    hidden: bool


def _check_can_flag(member: User, post: Post, reason: str, note: str) -> None:
    if not permissions.can_participate(member):
        raise NotAllowed(_("Only confirmed members who are not suspended can flag posts."))
    visible = (
        permissions.can_view_topic(member, post)
        if isinstance(post, Topic)
        else permissions.can_view_reply(member, post) and permissions.can_view_topic(member, post.topic)
    )
    if not visible:
        raise NotFound(_("That post does not exist."))
    if post.author_id == member.id:
        raise NotAllowed(_("You cannot flag your own post; edit it instead."))
    if reason not in FLAG_REASONS:
        raise ServiceError(_("Choose a reason."), field="reason")
    if reason == "other" and not note:
        raise ServiceError(_("Tell the moderators what is wrong."), field="note")


def _open_flaggers(kind: str, post_id: int) -> int:
    stmt = sa.select(sa.func.count(sa.distinct(Flag.user_id))).where(
        Flag.target_kind == kind, Flag.target_id == post_id, Flag.resolved_at.is_(None)
    )
    return db.session.scalar(stmt) or 0


@one_transaction
def flag_post(member: User, post: Post, reason: str, note: str = "") -> FlagResult:
    """One flag per member and post; enough open flags from distinct members hide the post."""
    note = note.strip()
    _check_can_flag(member, post, reason, note)
    if queries.own_flag(member, post) is not None:
        raise Conflict(_already_flagged())
    kind = post_kind(post)
    flag = Flag(user_id=member.id, target_kind=kind, target_id=post.id, reason=reason, note=note[:500])
    db.session.add(flag)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # the same member flagging twice at once
        raise Conflict(_already_flagged()) from exc
    flaggers = _open_flaggers(kind, post.id)
    hidden = flaggers >= current_app.config["FLAG_HIDE_THRESHOLD"] and post.state == "published"
    if hidden:
        set_state(post, "hidden", FLAG_HIDE_REASON)
        audit.record(None, "auto_hide", target_kind=kind, target_id=post.id, flaggers=flaggers)
    return FlagResult(flag=flag, hidden=hidden)


@one_transaction
def resolve_flags(moderator: User, post: Post, agree: bool, reason: str = "") -> int:
    """Agree: hide the post. Disagree: dismiss the flags and undo a hide that the flags caused."""
    require_moderator(moderator)
    reason = reason.strip()
    previous = post.state
    count = resolve_open_flags(moderator, post, "agreed" if agree else "dismissed")
    if not count:
        raise Conflict(_("There are no open flags on this post."))
    if agree and post.state != "hidden":
        set_state(post, "hidden", reason or FLAGS_AGREED_REASON)
        tell_author(moderator, post, "hide", post.moderation_reason or "")
    elif agree and reason:
        post.moderation_reason = reason
    elif not agree and post.state == "hidden" and post.moderation_reason == FLAG_HIDE_REASON:
        set_state(post, "published", None)
    audit.record(
        moderator,
        "flags_agree" if agree else "flags_dismiss",
        target_kind=post_kind(post),
        target_id=post.id,
        reason=reason,
        flags=count,
        previous_state=previous,
        state=post.state,
    )
    return count
