"""Sending a period's digests: claim each delivery before sending, so no run ever sends twice.

For each confirmed subscription of the frequency, in chunks of DIGEST_CHUNK_SIZE:

1. claim a `digest_delivery` row for (subscription, period): INSERT it and commit; a unique
   violation means another run has it. A failed row (or one a crashed run left claimed for too
   long) is taken over by a conditional UPDATE, so of two runs only one can win it;
2. collect what that recipient may see; nothing new → the row says "skipped", no mail;
3. send the chunk's mail over one SMTP connection and record "sent" or "failed" per row.

A failed delivery is retried by the next run for the same period, up to DIGEST_MAX_ATTEMPTS, so
running the command hourly retries failures and reaches subscribers who confirmed later.
`send_digests()` is the entry point for the CLI and for benchmarks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from benefit.digests.collect import Collector
from benefit.digests.links import SiteLinks
from benefit.digests.period import Period, period_ending_before
from benefit.digests.mail import render_digest
from benefit.email import MailError, send_messages
from benefit.extensions import db
from benefit.models import DigestDelivery, Subscription, User, utcnow

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    period: Period
    dry_run: bool = False
    sent: int = 0
    skipped: int = 0  # nothing new for that recipient: no mail
    failed: int = 0  # recorded; the next run retries
    already: int = 0  # delivered or skipped before, claimed by another run, or out of attempts
    errors: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        return (
            f"{self.period.key}: {verb} {self.sent}, skipped {self.skipped}, failed {self.failed}, "
            f"already done {self.already}"
        )


def send_digests(
    frequency: str,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    chunk_size: int | None = None,
    echo: Callable[[str], None] | None = None,
) -> SendReport:
    """Send the digests of the `frequency` period that ended before `now` (default: the clock)."""
    period = period_ending_before(frequency, now or utcnow())
    return _Run(period, dry_run, chunk_size or int(current_app.config["DIGEST_CHUNK_SIZE"]), echo).run()


class _Run:
    def __init__(self, period: Period, dry_run: bool, chunk_size: int, echo: Callable[[str], None] | None):
        self.period = period
        self.dry_run = dry_run
        self.chunk_size = chunk_size
        self.echo = echo or (lambda line: None)
        self.report = SendReport(period, dry_run=dry_run)
        self.collector = Collector(period)
        self.links = SiteLinks()
        config = current_app.config
        self.max_attempts = int(config["DIGEST_MAX_ATTEMPTS"])
        self.stale_after = timedelta(seconds=int(config["DIGEST_STALE_CLAIM_SECONDS"]))

    def run(self) -> SendReport:
        last_id = 0
        while True:
            chunk = self._next_chunk(last_id)
            if not chunk:
                break
            last_id = chunk[-1][0].id
            self._process(chunk)
        return self.report

    def _next_chunk(self, after_id: int) -> list[tuple[Subscription, str]]:
        """Confirmed subscriptions of this frequency with the address to write to."""
        stmt = (
            sa.select(Subscription, User.email)
            .outerjoin(User, User.id == Subscription.user_id)
            .where(
                Subscription.id > after_id,
                Subscription.frequency == self.period.frequency,
                Subscription.confirmed_at.is_not(None),
                sa.or_(
                    Subscription.user_id.is_(None),
                    sa.and_(User.deleted_at.is_(None), User.email.is_not(None)),
                ),
            )
            .order_by(Subscription.id)
            .limit(self.chunk_size)
        )
        rows = [(sub, user_email or sub.email) for sub, user_email in db.session.execute(stmt)]
        for sub, _ in rows:
            # Detached, the rows keep their loaded values through the commits of the claims.
            db.session.expunge(sub)
        db.session.rollback()  # end the read: each claim below is its own short transaction
        return rows

    def _claimable(self, ids: list[int]) -> set[int]:
        """A first, cheap filter; the INSERT or conditional UPDATE in _claim is the real guard."""
        stale_before = utcnow() - self.stale_after
        rows = db.session.execute(
            sa.select(
                DigestDelivery.subscription_id,
                DigestDelivery.status,
                DigestDelivery.attempts,
                DigestDelivery.claimed_at,
            ).where(DigestDelivery.period == self.period.key, DigestDelivery.subscription_id.in_(ids))
        ).all()
        db.session.rollback()
        taken = {
            sub_id
            for sub_id, status, attempts, claimed_at in rows
            if not (
                (status == "failed" and attempts < self.max_attempts)
                or (status == "claimed" and claimed_at < stale_before)
            )
        }
        return set(ids) - taken

    def _claim(self, sub_id: int) -> bool:
        now = utcnow()
        try:
            db.session.execute(
                sa.insert(DigestDelivery).values(
                    subscription_id=sub_id,
                    period=self.period.key,
                    status="claimed",
                    attempts=1,
                    claimed_at=now,
                )
            )
            db.session.commit()
            return True
        except IntegrityError:
            # Another run claimed it first (or the subscription was just deleted).
            db.session.rollback()
        d = DigestDelivery
        result = db.session.execute(
            sa.update(d)
            .where(
                d.subscription_id == sub_id,
                d.period == self.period.key,
                sa.or_(
                    sa.and_(d.status == "failed", d.attempts < self.max_attempts),
                    sa.and_(d.status == "claimed", d.claimed_at < now - self.stale_after),
                ),
            )
            .values(status="claimed", attempts=d.attempts + 1, claimed_at=now, error="")
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return cast(CursorResult[Any], result).rowcount == 1

    def _process(self, chunk: list[tuple[Subscription, str]]) -> None:
        claimable = self._claimable([sub.id for sub, _ in chunk])
        self.report.already += len(chunk) - len(claimable)
        if self.dry_run:
            claimed = [(sub, to) for sub, to in chunk if sub.id in claimable]
        else:
            claimed = [(sub, to) for sub, to in chunk if sub.id in claimable and self._claim(sub.id)]
            self.report.already += len(claimable) - len(claimed)
        followed = self.collector.followed_tags(
            sub.user_id for sub, _ in claimed if sub.only_followed_tags and sub.user_id is not None
        )
        skipped: list[int] = []
        outgoing: list[tuple[int, EmailMessage]] = []
        failed: dict[int, str] = {}
        for sub, to in claimed:
            try:
                digest = self.collector.for_subscription(sub, followed)
                if digest is None:
                    skipped.append(sub.id)
                    self.echo(f"skip {to}: nothing new")
                    continue
                msg = render_digest(sub, to, digest, self.links)
            except Exception as exc:  # one broken recipient must not stop the others
                log.exception("digest for subscription %s could not be built", sub.id)
                failed[sub.id] = f"build failed: {exc}"
                continue
            outgoing.append((sub.id, msg))
            self.echo(f"{'would send' if self.dry_run else 'send'} {to}: {msg['Subject']}")
        if not self.dry_run and outgoing:
            failed.update(self._send(outgoing))
        sent = [sub_id for sub_id, _ in outgoing if sub_id not in failed]
        self.report.sent += len(sent)
        self.report.skipped += len(skipped)
        self.report.failed += len(failed)
        addresses = {sub.id: to for sub, to in claimed}
        self.report.errors += [(addresses[sub_id], reason) for sub_id, reason in failed.items()]
        if not self.dry_run:
            self._record(sent, skipped, failed)

    def _send(self, outgoing: list[tuple[int, EmailMessage]]) -> dict[int, str]:
        by_message = {id(msg): sub_id for sub_id, msg in outgoing}
        try:
            refused = send_messages([msg for _, msg in outgoing])
        except MailError as exc:
            log.error("digest batch not sent: %s", exc)
            return {sub_id: str(exc) for sub_id, _ in outgoing}
        return {by_message[id(msg)]: reason for msg, reason in refused}

    def _record(self, sent: list[int], skipped: list[int], failed: dict[int, str]) -> None:
        d = DigestDelivery
        mine = sa.and_(d.period == self.period.key, d.status == "claimed")
        now = utcnow()
        for ids, values in ((sent, {"status": "sent", "sent_at": now}), (skipped, {"status": "skipped"})):
            if ids:
                db.session.execute(
                    sa.update(d)
                    .where(mine, d.subscription_id.in_(ids))
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
        for sub_id, reason in failed.items():
            db.session.execute(
                sa.update(d)
                .where(mine, d.subscription_id == sub_id)
                .values(status="failed", error=reason[:500])
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
