"""`flask notifications …`: email delivery, run by cron or a systemd timer."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("notifications", help="Email notifications.")
def notifications_cli() -> None:
    pass


@notifications_cli.command("send")
@click.option("--daily", is_flag=True, help="Send the once-a-day summaries instead of the immediate mails.")
@with_appcontext
def send(daily: bool) -> None:
    """Email the notifications that are due; safe to run from several places at once."""
    from benefit.community.mail import send_notification_emails

    report = send_notification_emails(daily=daily)
    click.echo(
        _(
            "Mails sent: %(messages)d (%(sent)d notifications); failed: %(failed)d; skipped: %(skipped)d.",
            messages=report.messages,
            sent=report.sent,
            failed=report.failed,
            skipped=report.skipped,
        )
    )
    if report.failed:
        sys.exit(1)
