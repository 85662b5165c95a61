"""The `digest_delivery` rows: which run may send a period's digest to whom, and what became of it.

One row per (subscription, period), claimed before the mail is built and written again, in its own
commit, the moment the mail server has answered for it:

    status      meaning                                         a later run takes it
    claimed     a run owns it; not sent yet                     when the claim is stale (a crash)
    resending   a run owns the one resend of an uncertain one   when the claim is stale
    sent        the server accepted it                          never
    skipped     nothing new for that recipient                  never
    failed      refused, or it never reached the server         while attempts < DIGEST_MAX_ATTEMPTS
    uncertain   the connection was lost after it went out       once, as a resend (transport.py)
    given_up    its resend was uncertain as well                never

So a run killed mid-chunk leaves "sent" on everything the server accepted and "claimed" on the
rest, which the next run sends once the claim is stale; only the one message in flight at the
kill may arrive twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from benefit.digests.transport import Outcome
from benefit.extensions import db
from benefit.models import DigestDelivery, utcnow

OWNED = ("claimed", "resending")


class Claim(Enum):
    NEW = "new"  # no row yet
    RETRY = "retry"  # failed, or claimed by a run that is gone
    RESEND = "resend"  # uncertain: sent once more, with the same Message-ID
    BUSY = "busy"  # claimed by another run that may still be sending
    DONE = "done"  # sent, skipped, given up, or out of attempts


class Deliveries:
    def __init__(self, period_key: str, max_attempts: int, stale_after: timedelta) -> None:
        self.period_key = period_key
        self.max_attempts = max_attempts
        self.stale_after = stale_after

    def _retryable(self, stale_before: datetime) -> sa.ColumnElement[bool]:
        d = DigestDelivery
        return sa.or_(
            sa.and_(d.status.in_(("failed", "uncertain")), d.attempts < self.max_attempts),
            sa.and_(d.status.in_(OWNED), d.claimed_at < stale_before),
        )

    def classify(self, ids: list[int]) -> dict[int, Claim]:
        """A first, cheap look at a chunk; the INSERT or conditional UPDATE in claim() is the guard."""
        d = DigestDelivery
        stale_before = utcnow() - self.stale_after
        rows = db.session.execute(
            sa.select(d.subscription_id, d.status, self._retryable(stale_before)).where(
                d.period == self.period_key, d.subscription_id.in_(ids)
            )
        ).all()
        db.session.rollback()  # end the read: each claim is its own short transaction
        found = {sub_id: (status, bool(retryable)) for sub_id, status, retryable in rows}
        out: dict[int, Claim] = {}
        for sub_id in ids:
            status, retryable = found.get(sub_id, (None, False))
            if status is None:
                out[sub_id] = Claim.NEW
            elif retryable:
                out[sub_id] = Claim.RESEND if status in ("uncertain", "resending") else Claim.RETRY
            else:
                out[sub_id] = Claim.BUSY if status in OWNED else Claim.DONE
        return out

    def claim(self, sub_id: int, kind: Claim) -> bool:
        """Take the delivery for this run, in its own commit; False when another run has it."""
        now = utcnow()
        if kind is Claim.NEW:
            try:
                db.session.execute(
                    sa.insert(DigestDelivery).values(
                        subscription_id=sub_id,
                        period=self.period_key,
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
                return False
        d = DigestDelivery
        before = ("uncertain", "resending") if kind is Claim.RESEND else ("failed", "claimed")
        result = db.session.execute(
            sa.update(d)
            .where(
                d.subscription_id == sub_id,
                d.period == self.period_key,
                d.status.in_(before),
                self._retryable(now - self.stale_after),
            )
            .values(
                status="resending" if kind is Claim.RESEND else "claimed",
                attempts=d.attempts + 1,
                claimed_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return cast(CursorResult[Any], result).rowcount == 1

    def skipped(self, sub_id: int, resend: bool) -> None:
        self._write(sub_id, resend, status="skipped", error="")

    def finish(self, sub_id: int, resend: bool, outcome: Outcome, reason: str = "") -> str:
        """Record what the server said about this run's send, in its own commit; the new status."""
        if outcome is Outcome.ACCEPTED:
            self._write(sub_id, resend, status="sent", error="", sent_at=utcnow())
            return "sent"
        if outcome is Outcome.REFUSED:
            # A refused resend certainly did not arrive: the uncertain first send keeps its one resend.
            status = "uncertain" if resend else "failed"
        else:
            status = "given_up" if resend else "uncertain"
        self._write(sub_id, resend, status=status, error=reason[:500])
        return status

    def _write(self, sub_id: int, resend: bool, **values: Any) -> None:
        d = DigestDelivery
        db.session.execute(
            sa.update(d)
            .where(
                d.subscription_id == sub_id,
                d.period == self.period_key,
                d.status == ("resending" if resend else "claimed"),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
