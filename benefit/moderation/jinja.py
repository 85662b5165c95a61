"""Moderation's template globals and filters (pure: no SQL while a page renders).

The audit log stores codes ("hide", "set_role", previous_state="pending"); what a moderator reads
is translated here, when the page is rendered, in the page's language. Codes nobody described yet
are shown as they are, marked as not linguistic (`translate="no"`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from benefit.i18n import format_day
from benefit.models import FLAG_REASONS, MISTAKE_CATEGORIES, TAG_KINDS
from benefit.moderation.actions.common import stored_reason

AUDIT_ACTIONS: dict[str, LazyString] = {
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "auto_hide": _l("Hidden by members' flags"),
    "flags_agree": _l("Flags upheld"),
    "flags_dismiss": _l("Flags dismissed"),
    "pin": _l("Pinned"),
    "unpin": _l("Unpinned"),
    "feature": _l("Featured"),
    "unfeature": _l("No longer featured"),
    "lock": _l("Locked"),
    "unlock": _l("Unlocked"),
    "move": _l("Moved"),
    "edit": _l("Edited by a moderator"),
    "suspend": _l("Suspended"),
    "unsuspend": _l("Suspension ended"),
    "set_role": _l("Role changed"),
    "tag_create": _l("Tag created"),
    "tag_edit": _l("Tag edited"),
    "tag_merge": _l("Tags merged"),
    "mistake.outdated": _l("Marked outdated"),
    "mistake.current": _l("No longer outdated"),
    "mistake.merge": _l("Duplicate mistake merged"),
    "account.deleted": _l("Account deleted by its owner"),
}
TARGET_KINDS: dict[str, LazyString] = {
    "topic": _l("Topic"),
    "reply": _l("Reply"),
    "user": _l("Member"),
    "tag": _l("Tag"),
}
POST_STATES: dict[str, LazyString] = {
    "published": _l("Published"),
    "pending": _l("Pending"),
    "hidden": _l("Hidden"),
    "rejected": _l("Rejected"),
}
# The kinds a topic is moved between (the forum's own labels, as moderators read them here).
POST_KINDS: dict[str, LazyString] = {
    "practice": _l("Good practice"),
    "discussion": _l("Discussion"),
    "mistake": _l("Mistake"),
}
ROLES: dict[str, LazyString] = {"member": _l("Member"), "moderator": _l("Moderator"), "admin": _l("Admin")}
DETAIL_KEYS: dict[str, LazyString] = {
    "flaggers": _l("members who flagged it"),
    "flags": _l("flags"),
    "flags_resolved": _l("flags resolved"),
    "flags_dismissed": _l("flags dismissed"),
    "previous_state": _l("state before"),
    "state": _l("state after"),
    "until": _l("until"),
    "previous": _l("role before"),
    "role": _l("role"),
    "via": _l("through"),
    "from_kind": _l("from"),
    "to_kind": _l("to"),
    "from_category": _l("category before"),
    "to_category": _l("category after"),
    "slug": _l("slug"),
    "kind": _l("kind"),
    "name": _l("name"),
    "description": _l("description"),
    "source_slug": _l("merged tag"),
    "source_id": _l("merged tag's number"),
    "into": _l("merged into"),
    "topics": _l("topics"),
    "followers": _l("followers"),
    "votes_moved": _l("votes moved"),
    "votes_dropped": _l("duplicate votes dropped"),
    "replies_moved": _l("replies moved"),
    "removed_posts": _l("posts removed"),
}
# The labels a detail's value is read with, by the detail's key.
_VALUE_LABELS: dict[str, dict[str, Any]] = {
    "previous_state": POST_STATES,
    "state": POST_STATES,
    "previous": ROLES,
    "role": ROLES,
    "from_kind": POST_KINDS,
    "to_kind": POST_KINDS,
    "from_category": MISTAKE_CATEGORIES,
    "to_category": MISTAKE_CATEGORIES,
    "kind": TAG_KINDS,
    "via": {"cli": _l("the command line")},
}


@dataclass(frozen=True)
class Detail:
    label: str
    value: str
    translated: bool  # False: the value is data (a slug, a date, a name), not words to translate


def audit_details(raw: str) -> dict[str, Any]:
    """The JSON details of an audit row, for display."""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"details": raw}
    return value if isinstance(value, dict) else {"details": value}


def _value(key: str, value: Any) -> tuple[str, bool]:
    if key == "until" and isinstance(value, str):
        try:
            return format_day(datetime.fromisoformat(value), "datetime"), True
        except ValueError:
            return value, False
    labels = _VALUE_LABELS.get(key, {})
    if isinstance(value, str) and value in labels:
        return str(labels[value]), True
    if value is True:
        return _("changed"), True
    if value is None or value == "":
        return "—", False
    if isinstance(value, list):
        return " → ".join(str(v) for v in value), False
    return str(value), False


def audit_detail_lines(raw: str) -> list[Detail]:
    """An audit row's details, each with a translated label, its value translated when it is a code."""
    lines = []
    for key, value in audit_details(raw).items():
        label = DETAIL_KEYS.get(key)
        text, translated = _value(key, value)
        lines.append(Detail(str(label) if label is not None else key, text, translated))
    return lines


def audit_action(code: str) -> str:
    label = AUDIT_ACTIONS.get(code)
    return str(label) if label is not None else code


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        FLAG_REASONS=FLAG_REASONS,
        AUDIT_ACTIONS=AUDIT_ACTIONS,
        AUDIT_TARGET_KINDS=TARGET_KINDS,
        POST_STATES=POST_STATES,
        ROLE_LABELS=ROLES,
    )
    app.jinja_env.filters.update(
        audit_details=audit_details,
        audit_detail_lines=audit_detail_lines,
        audit_action=audit_action,
        moderation_note=stored_reason,
    )
