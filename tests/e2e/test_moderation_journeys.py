"""Moderators at work: a member's flag resolved from the flags page, a topic locked.

Approving a new member's queued first post is part of the join journey in test_core_journeys.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MEMBER, MODERATOR, NewContext, Site

pytestmark = pytest.mark.e2e


def test_a_member_flags_a_reply_and_a_moderator_agrees_and_hides_it(new_context: NewContext, site: Site):
    topic_id, path = site.make_topic(author=MEMBER, kind="discussion")
    spammer = site.make_member()
    spam = f"Buy followers cheap at example.com {site.unique('')}"
    writer = new_context(as_user=spammer).new_page()
    writer.goto(path)
    writer.get_by_label("Your reply").fill(spam)
    writer.get_by_role("button", name="Post reply").click()
    expect(writer.get_by_text(spam)).to_be_visible()

    member = new_context(as_user=site.make_member()).new_page()
    member.goto(path)
    reply = member.get_by_role("article", name=re.compile("^Reply by"))
    reply.get_by_role("link", name="Flag this reply").click()
    expect(member.get_by_role("heading", level=1, name="Flag this reply")).to_be_visible()
    member.get_by_label("Spam").check()
    member.get_by_label("Note for the moderators").fill("Selling followers.")
    member.get_by_role("button", name="Send the flag").click()
    expect(member.get_by_text("Thank you: the moderators will look at it.")).to_be_visible()

    moderator = new_context(as_user=MODERATOR).new_page()
    moderator.goto("/")
    moderator.get_by_role("link", name="Moderation", exact=True).click()
    moderator.get_by_role("navigation", name="Moderation").get_by_role("link", name="Flags").click()
    item = moderator.locator(".mod-item", has_text=spam)
    expect(item.get_by_role("list", name="Flags on this reply")).to_contain_text("Selling followers.")
    item.get_by_label("Agree: hide it").check()
    item.get_by_label(re.compile("^Reason")).fill("Advertising.")
    item.get_by_role("button", name="Resolve").click()
    expect(moderator.get_by_text("1 flag resolved; the reply is hidden.")).to_be_visible()
    expect(moderator.locator(".mod-item", has_text=spam)).to_have_count(0)

    # Everyone else no longer sees it; its author sees why.
    visitor = new_context().new_page()
    visitor.goto(path)
    expect(visitor.get_by_role("heading", name="0 replies")).to_be_visible()
    expect(visitor.get_by_text(spam)).to_have_count(0)
    writer.reload()
    expect(writer.get_by_text("Moderator's note: Advertising.")).to_be_visible()


def test_a_moderator_locks_a_topic_and_members_can_no_longer_reply(new_context: NewContext, site: Site):
    _, path = site.make_topic(author=MEMBER, kind="discussion")
    moderator = new_context(as_user=MODERATOR).new_page()
    moderator.goto(path)
    tools = moderator.locator("details.mod-tools").first
    tools.locator("summary").click()
    tools.get_by_role("button", name="Lock").click()
    expect(moderator.get_by_text("Done: the topic is locked.")).to_be_visible()
    expect(moderator.locator(".topic-head .badge-locked")).to_have_text("Locked")

    member = new_context(as_user=site.make_member()).new_page()
    member.goto(path)
    expect(member.get_by_text("This topic is locked: it takes no new replies.")).to_be_visible()
    expect(member.get_by_label("Your reply")).to_have_count(0)

    # Unlocking opens it again.
    moderator.locator("details.mod-tools").first.locator("summary").click()
    moderator.locator("details.mod-tools").first.get_by_role("button", name="Unlock").click()
    expect(moderator.get_by_text("Done: the topic is unlocked.")).to_be_visible()
    member.reload()
    expect(member.get_by_label("Your reply")).to_be_visible()
