"""Sending a period's digests: claim each delivery, send it, record it the moment the server answers.

For each confirmed subscription of the frequency, in chunks of DIGEST_CHUNK_SIZE:

1. claim its `digest_delivery` row for the period (deliveries.py), each claim its own commit, so
   that of two runs at once only one sends it;
2. collect what that recipient may see; nothing new → the row says "skipped", no mail;
3. send the chunk's mail over one SMTP connection, one message at a time, and write "sent",
   "failed" or "uncertain" on its row in its own commit as soon as the server has answered
   (transport.py says what "uncertain" is and why such a delivery is resent only once).

A run killed half-way therefore loses nothing and duplicates at most the one message in flight:
what it sent says "sent", what it claimed and did not send is sent by a later run once the claim
is older than DIGEST_STALE_CLAIM_SECONDS, and until then is reported as claimed by another run,
never as done. Running the command hourly retries failures and reaches subscribers who confirmed
later. `send_digests()` is the entry point for the CLI and for benchmarks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from benefit.digests.collect import Collector
from benefit.digests.deliveries import Claim, Deliveries
from benefit.digests.language import digest_locale
from benefit.digests.links import SiteLinks
from benefit.digests.mail import render_digest
from benefit.digests.period import Period, period_ending_before
from benefit.digests.transport import DigestMailer, Outcome, Unreachable
from benefit.extensions import db
from benefit.models import Subscription, User, utcnow

log = logging.getLogger(__name__)

# What happens next to a delivery left in that status, for the run's error lines (read in the
# command's language, the site's default).
NEXT: dict[str, LazyString] = {
    "uncertain": _l("; the next run sends it once more, with the same Message-ID"),
    "given_up": _l("; sent twice without an answer: not sent again"),
}


@dataclass
class SendReport:
    period: Period
    dry_run: bool = False
    sent: int = 0  # accepted by the mail server in this run
    skipped: int = 0  # nothing new for that recipient: no mail
    failed: int = 0  # refused or not sent; the next run retries
    uncertain: int = 0  # the connection was lost after the mail went out: resent once
    already: int = 0  # sent, skipped or given up by an earlier run, or out of attempts
    busy: int = 0  # claimed by another run (or by one that died: sent once the claim is stale)
    # (status, address, reason) of each delivery that was not accepted
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def count(self, status: str, address: str, reason: str) -> None:
        """Count one delivery by the status now on its row (see deliveries.py)."""
        if status == "sent":
            self.sent += 1
            return
        if status == "failed":
            self.failed += 1
        else:
            self.uncertain += 1
        self.errors.append((status, address, reason + str(NEXT.get(status, ""))))

    def summary(self) -> str:
        counts = {
            "period": self.period.key,
            "sent": self.sent,
            "skipped": self.skipped,
            "failed": self.failed,
            "uncertain": self.uncertain,
            "already": self.already,
            "busy": self.busy,
        }
        if self.dry_run:
            return str(
                _(
                    "%(period)s: would send %(sent)d, skipped %(skipped)d, failed %(failed)d, uncertain "
                    "%(uncertain)d, already done %(already)d, claimed by another run %(busy)d",
                    **counts,
                )
            )
        return str(
            _(
                "%(period)s: sent %(sent)d, skipped %(skipped)d, failed %(failed)d, uncertain %(uncertain)d, "
                "already done %(already)d, claimed by another run %(busy)d",
                **counts,
            )
        )


@dataclass
class _Recipient:
    sub: Subscription
    to: str
    locale: str  # the language of this recipient's digest
    resend: bool = False


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
        self.deliveries = Deliveries(
            period.key,
            max_attempts=int(config["DIGEST_MAX_ATTEMPTS"]),
            stale_after=timedelta(seconds=float(config["DIGEST_STALE_CLAIM_SECONDS"])),
        )

    def run(self) -> SendReport:
        last_id = 0
        while chunk := self._next_chunk(last_id):
            last_id = chunk[-1].sub.id
            self._process(chunk)
        return self.report

    def _next_chunk(self, after_id: int) -> list[_Recipient]:
        """Confirmed subscriptions of this frequency with the address to write to."""
        stmt = (
            sa.select(Subscription, User.email, User.locale)
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
        rows = [
            _Recipient(sub, user_email or sub.email, digest_locale(sub.locale, user_locale))
            for sub, user_email, user_locale in db.session.execute(stmt)
        ]
        for r in rows:
            # Detached, the rows keep their loaded values through the commits of the claims.
            db.session.expunge(r.sub)
        db.session.rollback()  # end the read: each claim and each record is its own transaction
        return rows

    def _claim(self, chunk: list[_Recipient]) -> list[_Recipient]:
        kinds = self.deliveries.classify([r.sub.id for r in chunk])
        claimed = []
        for r in chunk:
            kind = kinds[r.sub.id]
            if kind is Claim.DONE:
                self.report.already += 1
            elif kind is Claim.BUSY or not (self.dry_run or self.deliveries.claim(r.sub.id, kind)):
                self.report.busy += 1
            else:
                r.resend = kind is Claim.RESEND
                claimed.append(r)
        return claimed

    def _process(self, chunk: list[_Recipient]) -> None:
        claimed = self._claim(chunk)
        followed = self.collector.followed_tags(
            r.sub.user_id for r in claimed if r.sub.only_followed_tags and r.sub.user_id is not None
        )
        with DigestMailer() as mailer:
            for i, r in enumerate(claimed):
                msg = self._build(r, followed)
                if msg is None or self.dry_run:
                    continue
                try:
                    result = mailer.deliver(msg)
                except Unreachable as exc:
                    log.error("digests not sent: %s", exc)
                    for rest in claimed[i:]:
                        self._finish(rest, Outcome.REFUSED, str(exc))
                    return
                self._finish(r, result.outcome, result.reason)

    def _build(self, r: _Recipient, followed: dict[int, frozenset[int]]) -> EmailMessage | None:
        """The recipient's digest as a mail; None when there is nothing to send (recorded here)."""
        try:
            digest = self.collector.for_subscription(r.sub, followed)
            if digest is None:
                self.report.skipped += 1
                self.echo(_("skip %(address)s: nothing new", address=r.to))
                if not self.dry_run:
                    self.deliveries.skipped(r.sub.id, r.resend)
                return None
            msg = render_digest(r.sub, r.to, digest, self.links, r.locale)
        except Exception as exc:  # one broken recipient must not stop the others
            log.exception("digest for subscription %s could not be built", r.sub.id)
            if self.dry_run:
                self.report.failed += 1
            else:
                self._finish(r, Outcome.REFUSED, f"build failed: {exc}")
            return None
        if self.dry_run:
            self.report.sent += 1
        if self.dry_run:
            self.echo(_("would send %(address)s: %(subject)s", address=r.to, subject=msg["Subject"]))
        else:
            self.echo(_("send %(address)s: %(subject)s", address=r.to, subject=msg["Subject"]))
        return msg

    def _finish(self, r: _Recipient, outcome: Outcome, reason: str) -> None:
        self.report.count(self.deliveries.finish(r.sub.id, r.resend, outcome, reason), r.to, reason)
