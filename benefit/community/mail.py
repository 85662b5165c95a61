"""Emailing notifications: `flask notifications send [--daily]` (cron), never from a web worker.

Each notification's email is claimed (actions.claim_emails) before it is built, so two senders
running at once never send it twice; a failed send is retried by the next run. Links in the mail
point at SITE_URL (benefit.email.external_url): the command runs outside any request.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext

from benefit import permissions
from benefit.community import actions, queries
from benefit.community.notifications import unsubscribe_token
from benefit.community.wording import notification_text
from benefit.email import MailError, build_message, external_url, recipient_locale, send_messages
from benefit.models import Notification, User, utcnow

log = logging.getLogger(__name__)

SCAN_BATCH = 500
SEND_BATCH = 100
# Older notifications are not emailed any more (BENEFIT_NOTIFICATION_EMAIL_MAX_AGE, seconds).
DEFAULT_MAX_AGE = 3 * 24 * 3600
# Kinds about content: not emailed once the recipient can no longer see it.
ABOUT_CONTENT = ("reply", "mention", "vote_milestone")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    messages: int = 0


def _reachable(user: User | None) -> bool:
    return (
        user is not None and not user.is_deleted and bool(user.email) and user.email_confirmed_at is not None
    )


def _sort(chunk: list[Notification], wanted: str) -> tuple[dict[int, list[int]], list[int]]:
    """The chunk's notifications to email in this run (by member), and those never to be emailed."""
    users = queries.users_by_id(n.user_id for n in chunk)
    frequency = queries.frequencies_of({n.user_id for n in chunk})
    topics = queries.topics_by_id(n.topic_id for n in chunk if n.topic_id is not None)
    due: dict[int, list[int]] = defaultdict(list)
    skip = []
    for n in chunk:
        freq = frequency.get((n.user_id, n.kind), "immediately")
        user = users.get(n.user_id)
        topic = topics.get(n.topic_id) if n.topic_id is not None else None
        hidden = n.kind in ABOUT_CONTENT and topic is not None and not permissions.can_view_topic(user, topic)
        if n.read_at is not None or freq == "never" or not _reachable(user) or hidden:
            skip.append(n.id)
        elif freq == wanted:
            due[n.user_id].append(n.id)
        # else: the other kind of run sends it.
    return due, skip


def _scan(daily: bool, since: datetime) -> tuple[dict[int, list[int]], int]:
    """Decide for every unhandled notification: email it in this run, skip it for good, or wait."""
    due: dict[int, list[int]] = defaultdict(list)
    skipped = 0
    after = 0
    wanted = "daily" if daily else "immediately"
    while chunk := queries.pending_emails(after, since, SCAN_BATCH):
        after = chunk[-1].id
        chunk_due, skip = _sort(chunk, wanted)
        for user_id, ids in chunk_due.items():
            due[user_id] += ids
        actions.skip_emails(skip)
        skipped += len(skip)
    return due, skipped


def unsubscribe_url(user_id: int, kinds: list[str]) -> str:
    return external_url("community.unsubscribe", token=unsubscribe_token(user_id, kinds))


def _message(user: User, items: list[Notification], daily: bool) -> EmailMessage:
    kinds = sorted({n.kind for n in items})
    stop_all = unsubscribe_url(user.id, kinds)
    headers = {
        "List-Unsubscribe": f"<{stop_all}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    context: dict[str, Any] = {
        "user": user,
        "notifications": items,
        "open_urls": {n.id: external_url("community.open_notification", notification_id=n.id) for n in items},
        "unsubscribe": {kind: unsubscribe_url(user.id, [kind]) for kind in kinds},
        "settings_url": external_url("community.notification_settings"),
    }
    # In the member's language, wherever the command runs: the subject, both bodies, their dates.
    locale = recipient_locale(user.locale)
    with force_locale(locale):
        if daily:
            site = current_app.config["SITE_NAME"]
            subject = ngettext(
                "%(num)d new notification on %(site)s",
                "%(num)d new notifications on %(site)s",
                len(items),
                site=site,
            )
            return build_message(user.email or "", subject, "notification_daily", headers=headers, **context)
        subject = notification_text(items[0])
        return build_message(user.email or "", subject, "notification", headers=headers, **context)


def _send(batch: list[tuple[EmailMessage, list[int]]], report: DeliveryReport) -> None:
    ids_of = {id(msg): ids for msg, ids in batch}
    try:
        failed_msgs = {id(msg) for msg, _ in send_messages([msg for msg, _ in batch])}
    except MailError:
        log.exception("notification mail: cannot reach the mail server")
        failed_msgs = set(ids_of)
    sent = [i for key, ids in ids_of.items() if key not in failed_msgs for i in ids]
    failed = [i for key, ids in ids_of.items() if key in failed_msgs for i in ids]
    actions.finish_emails(sent, failed)
    report.sent += len(sent)
    report.failed += len(failed)
    report.messages += len(batch) - len(failed_msgs)


def _send_groups(groups: list[list[int]], daily: bool, report: DeliveryReport) -> None:
    """Claim, build and send one SMTP batch: one mail per group of notifications (one member's)."""
    won = actions.claim_emails(i for ids in groups for i in ids)
    if not won:
        return
    rows = queries.notifications_by_id(won)
    users = queries.users_by_id(n.user_id for n in rows.values())
    batch = []
    for ids in groups:
        items = [rows[i] for i in ids if i in rows]
        if items:
            batch.append((_message(users[items[0].user_id], items, daily), [n.id for n in items]))
    _send(batch, report)


def send_notification_emails(*, daily: bool = False) -> DeliveryReport:
    """Email the notifications due: one mail each ("immediately"), or one a day per member (--daily)."""
    max_age = int(current_app.config.get("NOTIFICATION_EMAIL_MAX_AGE", DEFAULT_MAX_AGE))
    report = DeliveryReport()
    by_user, report.skipped = _scan(daily, utcnow() - timedelta(seconds=max_age))
    # Per member: one mail each (immediately) or one for all (daily); in SMTP batches of SEND_BATCH.
    groups = list(by_user.values()) if daily else [[i] for ids in by_user.values() for i in ids]
    for start in range(0, len(groups), SEND_BATCH):
        _send_groups(groups[start : start + SEND_BATCH], daily, report)
    return report
