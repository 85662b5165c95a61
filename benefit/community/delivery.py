"""Emailing notifications: `flask notifications send [--daily]` (cron), never from a web worker.

Each notification's email is claimed (services.notifications.claim_emails) before it is built,
so two senders running at once never send it twice; a failed send is retried by the next run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from benefit import permissions
from benefit.community import notifications
from benefit.email import MailError, build_message, send_messages
from benefit.extensions import db
from benefit.models import NOTIFICATION_KINDS, Notification, NotificationSetting, Topic, User, utcnow

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


@dataclass
class _Due:
    notification_id: int
    user_id: int


@contextmanager
def _site_context() -> Iterator[None]:
    """Links in mail point at SITE_URL, also when run from the command line."""
    ctx = (
        nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["SITE_URL"])
    )
    with ctx:
        yield


def _frequencies(user_ids: set[int]) -> dict[tuple[int, str], str]:
    rows = db.session.scalars(sa.select(NotificationSetting).where(NotificationSetting.user_id.in_(user_ids)))
    return {(s.user_id, s.kind): s.email_frequency for s in rows}


def _reachable(user: User | None) -> bool:
    return (
        user is not None and not user.is_deleted and bool(user.email) and user.email_confirmed_at is not None
    )


def _scan(daily: bool, since: datetime) -> tuple[list[_Due], int]:
    """Decide for every unhandled notification: email it in this run, skip it for good, or wait."""
    due: list[_Due] = []
    skipped = 0
    after = 0
    wanted = "daily" if daily else "immediately"
    while True:
        chunk = notifications.pending_emails(after, since, SCAN_BATCH)
        if not chunk:
            break
        after = chunk[-1].id
        user_ids = {n.user_id for n in chunk}
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
        frequency = _frequencies(user_ids)
        topic_ids = {n.topic_id for n in chunk if n.topic_id is not None}
        topics = {t.id: t for t in db.session.scalars(sa.select(Topic).where(Topic.id.in_(topic_ids)))}
        skip = []
        for n in chunk:
            freq = frequency.get((n.user_id, n.kind), "immediately")
            user = users.get(n.user_id)
            topic = topics.get(n.topic_id) if n.topic_id is not None else None
            hidden = (
                n.kind in ABOUT_CONTENT and topic is not None and not permissions.can_view_topic(user, topic)
            )
            if n.read_at is not None or freq == "never" or not _reachable(user) or hidden:
                skip.append(n.id)
            elif freq == wanted:
                due.append(_Due(n.id, n.user_id))
            # else: the other kind of run sends it.
        notifications.skip_emails(skip)
        skipped += len(skip)
    return due, skipped


def _unsubscribe_url(user_id: int, kinds: list[str]) -> str:
    token = notifications.unsubscribe_token(user_id, kinds)
    return url_for("community.unsubscribe", token=token, _external=True)


def _message(user: User, items: list[Notification], daily: bool) -> EmailMessage:
    kinds = sorted({n.kind for n in items})
    stop_all = _unsubscribe_url(user.id, kinds)
    headers = {
        "List-Unsubscribe": f"<{stop_all}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    context = {
        "user": user,
        "notifications": items,
        "kind_labels": NOTIFICATION_KINDS,
        "unsubscribe": {kind: _unsubscribe_url(user.id, [kind]) for kind in kinds},
        "settings_url": url_for("community.notification_settings", _external=True),
    }
    if daily:
        plural = "s" if len(items) != 1 else ""
        subject = f"{len(items)} new notification{plural} on {current_app.config['SITE_NAME']}"
        return build_message(user.email or "", subject, "notification_daily", headers=headers, **context)
    return build_message(user.email or "", items[0].message, "notification", headers=headers, **context)


def _send(batch: list[tuple[EmailMessage, list[int]]], report: DeliveryReport) -> None:
    ids_of = {id(msg): ids for msg, ids in batch}
    try:
        failed_msgs = {id(msg) for msg, _ in send_messages([msg for msg, _ in batch])}
    except MailError:
        log.exception("notification mail: cannot reach the mail server")
        failed_msgs = set(ids_of)
    sent = [i for key, ids in ids_of.items() if key not in failed_msgs for i in ids]
    failed = [i for key, ids in ids_of.items() if key in failed_msgs for i in ids]
    notifications.finish_emails(sent, failed)
    report.sent += len(sent)
    report.failed += len(failed)
    report.messages += len(batch) - len(failed_msgs)


def send_notification_emails(*, daily: bool = False) -> DeliveryReport:
    """Email the notifications due: one mail each ("immediately"), or one a day per member (--daily)."""
    max_age = int(current_app.config.get("NOTIFICATION_EMAIL_MAX_AGE", DEFAULT_MAX_AGE))
    since = utcnow() - timedelta(seconds=max_age)
    report = DeliveryReport()
    due, report.skipped = _scan(daily, since)
    by_user: dict[int, list[int]] = defaultdict(list)
    for d in due:
        by_user[d.user_id].append(d.notification_id)
    # Per member: one mail each (immediately) or one for all (daily); in SMTP batches of SEND_BATCH.
    groups: list[list[int]] = (
        list(by_user.values()) if daily else [[i] for ids in by_user.values() for i in ids]
    )
    with _site_context():
        for start in range(0, len(groups), SEND_BATCH):
            chunk = groups[start : start + SEND_BATCH]
            won = set(notifications.claim_emails(i for ids in chunk for i in ids))
            if not won:
                continue
            rows = {
                n.id: n for n in db.session.scalars(sa.select(Notification).where(Notification.id.in_(won)))
            }
            users = {
                u.id: u
                for u in db.session.scalars(
                    sa.select(User).where(User.id.in_({n.user_id for n in rows.values()}))
                )
            }
            batch = []
            for ids in chunk:
                items = [rows[i] for i in ids if i in rows]
                if items:
                    msg = _message(users[items[0].user_id], items, daily)
                    batch.append((msg, [n.id for n in items]))
            _send(batch, report)
    return report
