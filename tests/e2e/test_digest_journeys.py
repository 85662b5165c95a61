"""The email digest: subscribe, confirm from the mail, receive one, unsubscribe from its link.

The digest is sent by `flask digest send`, run here as cron would run it, against the same database
and SMTP server as the site.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MEMBER, ROOT, VENV_BIN, Mailbox, NewContext, Site

pytestmark = pytest.mark.e2e


def send_digests(site: Site, period: str, now: datetime) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "digest", "send", "--period", period, "--now", now.isoformat()],
        cwd=ROOT,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_subscribe_confirm_receive_the_digest_and_unsubscribe_from_the_mail(
    new_context: NewContext, site: Site, mailbox: Mailbox
):
    email = f"{site.unique('reader')}@library.example.org"
    page = new_context().new_page()
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Digest").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Daily").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Check your inbox")).to_be_visible()

    # Double opt-in: the link in the mail asks first, and only the button confirms.
    confirm = mailbox.wait_for(email, "Confirm")
    page.goto(mailbox.link(confirm, "/digest/confirm/"))
    expect(page.get_by_role("heading", level=1, name="Confirm your digest subscription")).to_be_visible()
    page.get_by_role("button", name="Yes, start my digest").click()
    expect(page.get_by_role("heading", level=1, name="You are subscribed")).to_be_visible()

    # Something new today, then the daily run after midnight sends it.
    title = f"Library card sign-up month on Instagram {site.unique('')}"
    site.make_topic(author=MEMBER, kind="practice", title=title, tags=("instagram",))
    tomorrow = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=1)
    send_digests(site, "daily", tomorrow)
    digest = mailbox.wait_for(email, "")
    assert digest is not confirm
    assert title in mailbox.text(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mailbox.link(digest, "/digest/unsubscribe/")
    assert unsubscribe in digest["List-Unsubscribe"]

    # Opening the link (as a mail scanner would) changes nothing; the button does.
    page.goto(unsubscribe)
    expect(page.get_by_role("heading", level=1, name="Unsubscribe from the digest?")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="You are unsubscribed")).to_be_visible()

    # The next day's run sends nothing to that address, though that day has something new.
    site.make_topic(author=MEMBER, kind="discussion", created_at=tomorrow, last_activity_at=tomorrow)
    before = len(mailbox.recorder.to(email))
    send_digests(site, "daily", tomorrow + timedelta(days=1))
    assert len(mailbox.recorder.to(email)) == before
