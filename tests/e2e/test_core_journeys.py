"""Journeys through the core forum: join, confirm, post, reply — with a mouse and with the keyboard only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, MEMBER, MODERATOR, Mailbox, NewContext, Site
from tests.e2e.helpers import assert_focus_visible, tab_to

pytestmark = pytest.mark.e2e


def test_a_new_librarian_joins_posts_a_practice_and_once_approved_it_shows_on_its_tag_pages(
    new_context: NewContext, site: Site, mailbox: Mailbox
):
    username = site.unique("newbie_")
    email = f"{username}@library.example.org"
    title = f"Shelf talkers that point to our Instagram {site.unique('')}"

    page = new_context().new_page()
    page.goto("/")
    page.get_by_role("link", name="Join the network").click()
    expect(page.get_by_role("heading", name="Join BENEFIT")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Full name").fill("Marta Kowalska")
    page.get_by_label("Institution").fill("Municipal Public Library, Gdynia")
    page.get_by_label("Library type").select_option(label="Public library")
    page.get_by_label("Country").fill("PL")
    page.get_by_label("Role", exact=True).fill("Social media coordinator")
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_text("Welcome to BENEFIT!")).to_be_visible()
    # Until the address is confirmed the site says so, and the post form is not offered yet.
    expect(page.get_by_text("Confirm your email address to post")).to_be_visible()

    mail = mailbox.wait_for(email, "Confirm your email")
    page.goto(mailbox.link(mail, "/auth/confirm/"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    expect(page.get_by_text("Confirm your email address to post")).to_have_count(0)

    page.get_by_role("link", name="New post").click()
    page.get_by_label("Good practice").check()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text").fill(
        "We print a **QR code** to our Instagram on every shelf talker.\n\n- Holds went up\n- So did follows"
    )
    page.get_by_label("Platform tags").fill("instagram")
    page.get_by_label("Trend tags").fill("booktok")
    page.get_by_role("button", name="Publish").click()

    # A new member's first post waits for a moderator; its author sees it already.
    expect(page.get_by_text("your first post waits for a moderator")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.locator(".topic-head .badge-pending")).to_have_text("Awaiting review")
    expect(page.locator(".post-body strong", has_text="QR code")).to_be_visible()
    tags = page.get_by_role("list", name="Tags")
    expect(tags.get_by_role("link", name="Platform: Instagram")).to_be_visible()
    expect(tags.get_by_role("link", name="Trend: BookTok")).to_be_visible()
    visitor = new_context().new_page()
    visitor.goto("/tags/instagram")
    expect(visitor.get_by_role("link", name=title)).to_have_count(0)

    # A moderator approves it from the review queue.
    moderator = new_context(as_user=MODERATOR).new_page()
    moderator.goto("/")
    moderator.get_by_role("link", name="Moderation", exact=True).click()
    moderator.get_by_role("navigation", name="Moderation").get_by_role("link", name="Review queue").click()
    queued = moderator.locator(".mod-item", has=moderator.get_by_role("link", name=title))
    queued.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_text("Approved: the topic is published.")).to_be_visible()
    expect(moderator.get_by_role("link", name=title)).to_have_count(0)

    # Now everybody sees it: a visitor finds it on both tag pages and on the home page.
    for path in ("/tags/instagram", "/tags/booktok", "/"):
        visitor.goto(path)
        expect(visitor.get_by_role("link", name=title)).to_be_visible()
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(visitor.get_by_role("link", name="Marta Kowalska")).to_be_visible()


def test_a_member_replies_to_a_discussion(new_context: NewContext, site: Site):
    title = f"Reels or carousels? {site.unique('')}"
    _, path = site.make_topic(author=MEMBER, kind="discussion", title=title)
    member = site.make_member()
    page = new_context().new_page()

    page.goto("/discussions")
    page.get_by_role("link", name=re.compile(r"^Reels or carousels\?")).click()
    expect(page.get_by_role("heading", name="0 replies")).to_be_visible()

    # A visitor logs in from the reply box and comes back to the same topic.
    page.get_by_role("region", name="Reply").get_by_role("link", name="Log in").click()
    page.get_by_label("Username or email").fill(member)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))

    # An empty reply is refused beside the box, and nothing is lost.
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("alert")).to_contain_text("Your reply")

    page.get_by_label("Your reply").fill("Carousels: our **book lists** get saved twice as often.")
    page.get_by_role("button", name="Post reply").click()

    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(path) + r"#reply-\d+$"))
    expect(page.get_by_role("heading", name="1 reply")).to_be_visible()
    reply = page.get_by_role("article", name=re.compile("^Reply by Tester"))
    expect(reply.locator("strong", has_text="book lists")).to_be_visible()

    # The author can edit it; the change shows.
    reply.get_by_role("link", name="Edit this reply").click()
    page.get_by_label("Your reply").fill("Carousels: our book lists get saved three times as often.")
    page.get_by_role("button", name=re.compile("Save|Update")).click()
    expect(page.get_by_text("Your reply is updated.")).to_be_visible()
    expect(page.get_by_text("three times as often")).to_be_visible()


def test_posting_with_the_keyboard_only(new_context: NewContext, site: Site):
    member = site.make_member()
    page = new_context(as_user=member).new_page()
    title = f"Alt text on every Reel cover {site.unique('')}"
    page.goto("/")

    # The first Tab reaches the skip link; Enter moves focus into the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_to(page, "a[href='/new']", backwards=True)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/new$"))
    expect(page.get_by_role("group", name=re.compile("^What are you posting"))).to_be_visible()

    # The kind radios are one Tab stop; arrows move within them.
    tab_to(page, "input[name=kind]:checked")
    page.keyboard.press("ArrowRight")  # Good practice → Discussion
    page.keyboard.press("ArrowLeft")  # and back
    expect(page.get_by_label("Good practice")).to_be_checked()
    tab_to(page, "#title")
    page.keyboard.type(title)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Text")).to_be_focused()
    page.keyboard.type("Every Reel cover gets a described image: a sentence about who and what is shown.")
    page.keyboard.press("Tab")
    # The post's language follows its text; it starts as the interface language.
    expect(page.get_by_label("Language of this post")).to_be_focused()
    expect(page.get_by_label("Language of this post")).to_have_value("en")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Platform tags")).to_be_focused()
    page.keyboard.type("instagram, tiktok")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Trend tags")).to_be_focused()
    page.keyboard.type("accessibility")
    tab_to(page, ".topic-form button[type=submit]")
    assert_focus_visible(page)
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your post is published.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()

    # A form with errors moves focus to its summary, whose links lead to the fields.
    page.goto("/new")
    tab_to(page, ".topic-form button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Title")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#title$"))
