"""`flask digest send`: run by cron or a systemd timer, never from inside a web worker."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from benefit.models import FREQUENCIES


@click.group("digest", help="Email digests.")
def digest_cli() -> None:
    pass


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(_("use ISO 8601, e.g. 2026-11-23T06:00:00Z"), param_hint="--now") from exc
    # A time without an offset is taken as UTC, like every time in BENEFIT.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@digest_cli.command("send")
@click.option("--period", "frequency", type=click.Choice(list(FREQUENCIES)), required=True)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option("--now", "now", metavar="ISO", help="Pretend it is this time (UTC unless an offset is given).")
@with_appcontext
def send(frequency: str, dry_run: bool, now: str | None) -> None:
    """Send the digest of the day or week that just ended to every confirmed subscriber.

    Safe to run again and at the same time as another run: each delivery is claimed first, and
    recorded as sent the moment the mail server accepts it. Exits with status 1 when a delivery
    failed or is uncertain (the next run retries it).
    """
    from benefit.digests.send import send_digests

    report = send_digests(frequency, _parse_now(now), dry_run=dry_run, echo=click.echo if dry_run else None)
    for status, address, reason in report.errors:
        if status == "failed":
            click.echo(_("failed %(address)s: %(reason)s", address=address, reason=reason), err=True)
        else:
            click.echo(_("uncertain %(address)s: %(reason)s", address=address, reason=reason), err=True)
    click.echo(report.summary())
    if report.busy:
        stale = int(current_app.config["DIGEST_STALE_CLAIM_SECONDS"])
        click.echo(
            _(
                "%(busy)d claimed by another run, not sent by this one: if no other run is going, the "
                "next run after the claims are %(stale)d s old sends them (DIGEST_STALE_CLAIM_SECONDS).",
                busy=report.busy,
                stale=stale,
            ),
            err=True,
        )
    if report.failed or report.uncertain:
        sys.exit(1)
