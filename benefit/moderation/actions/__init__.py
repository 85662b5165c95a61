"""Moderation verbs, one module per seam; each verb is one transaction, audited, rolled back when
it refuses. Import them from here: `from benefit.moderation import actions as moderation`."""

from __future__ import annotations

from benefit.moderation.actions.common import Post, post_kind
from benefit.moderation.actions.flags import FLAG_HIDE_REASON, FlagResult, flag_post, resolve_flags
from benefit.moderation.actions.members import (
    GRANTABLE_ROLES,
    role_phrase,
    set_role,
    set_role_from_cli,
    suspend_member,
    unsuspend_member,
)
from benefit.moderation.actions.mistakes import MergeResult, mark_outdated, merge_mistakes
from benefit.moderation.actions.posts import (
    SWITCH_WORDS,
    TOPIC_SWITCHES,
    approve_post,
    hide_post,
    move_topic,
    record_moderator_edit,
    reject_post,
    restore_post,
    switch_topic,
)
from benefit.moderation.actions.tags import create_tag, merge_tags, update_tag

__all__ = [
    "FLAG_HIDE_REASON",
    "GRANTABLE_ROLES",
    "SWITCH_WORDS",
    "TOPIC_SWITCHES",
    "FlagResult",
    "MergeResult",
    "Post",
    "approve_post",
    "create_tag",
    "flag_post",
    "hide_post",
    "mark_outdated",
    "merge_mistakes",
    "merge_tags",
    "move_topic",
    "post_kind",
    "record_moderator_edit",
    "reject_post",
    "resolve_flags",
    "restore_post",
    "role_phrase",
    "set_role",
    "set_role_from_cli",
    "suspend_member",
    "switch_topic",
    "unsuspend_member",
    "update_tag",
]
