"""Members hear back: follow a topic, @mention a colleague, read the notification it brings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NewContext, Site

pytestmark = pytest.mark.e2e


def test_a_mention_and_a_reply_reach_their_members_as_notifications(new_context: NewContext, site: Site):
    author = site.make_member()
    title = f"Who runs your library's Bluesky? {site.unique('')}"
    _, path = site.make_topic(author=author, kind="discussion", title=title, tags=("bluesky",))

    # A colleague follows the topic and answers, mentioning its author.
    colleague = site.make_member()
    page = new_context(as_user=colleague).new_page()
    page.goto(path)
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    page.get_by_label("Your reply").fill(f"We share it between two people, @{author}. What about you?")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()

    # The author sees an unread count in the header and follows the notification to the reply.
    reader = new_context(as_user=author).new_page()
    reader.goto("/")
    notifications = reader.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(notifications.locator(".badge")).to_have_attribute("aria-label", "1 unread")
    notifications.click()
    quoted = re.escape(f"“{title}”")
    reader.get_by_role("link", name=re.compile("mentioned you in a reply to " + quoted)).click()
    expect(reader).to_have_url(re.compile(r"#reply-\d+$"))
    expect(reader.get_by_text("We share it between two people")).to_be_visible()
    expect(reader.get_by_role("link", name=re.compile(r"^Notifications")).locator(".badge")).to_have_count(0)

    # The author answers; the colleague, who follows the topic, hears about it.
    reader.get_by_label("Your reply").fill("Our outreach librarian, with a shared password manager.")
    reader.get_by_role("button", name="Post reply").click()
    expect(reader.get_by_text("Your reply is posted.")).to_be_visible()
    page.goto("/notifications")
    expect(page.get_by_role("link", name=re.compile("replied to " + quoted))).to_be_visible()
