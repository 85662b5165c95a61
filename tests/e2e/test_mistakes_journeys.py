"""Report a mistake, and say "I've seen this": with JavaScript (no reload) and without it (a form POST)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NewContext, Site

pytestmark = pytest.mark.e2e


def test_a_member_reports_a_mistake_and_colleagues_vote_with_and_without_javascript(
    new_context: NewContext, site: Site
):
    reporter = site.make_member()
    title = f"Posting photos of children without written consent {site.unique('')}"

    page = new_context(as_user=reporter).new_page()
    page.goto("/mistakes")
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Mistake", exact=True).check()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text").fill("A storytime photo went up before anyone checked the consent forms.")
    page.get_by_label("Platform tags").fill("facebook, instagram")
    page.get_by_label("Trend tags").fill("privacy-consent")
    page.get_by_label("Mistake category").select_option(label="Legal, privacy and copyright")
    page.get_by_label("How to avoid it").fill(
        "Keep a consent list at the desk and photograph only backs of heads."
    )
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page.get_by_role("heading", name="How to avoid it")).to_be_visible()
    path = re.sub(r"^https?://[^/]+", "", page.url.split("#")[0])
    # Nobody votes for their own report.
    expect(page.get_by_role("button", name="I've seen this")).to_have_count(0)

    # With JavaScript: the count changes in place and a live region says so; no reload.
    with_js = new_context(as_user=site.make_member()).new_page()
    with_js.goto(path)
    box = with_js.locator(".vote-box")
    expect(box.locator("[data-vote-count]")).to_have_text("0")
    with_js.evaluate("() => { window.__sameDocument = true; }")
    box.get_by_role("button", name="I've seen this").click()
    expect(box.locator("[data-vote-count]")).to_have_text("1")
    expect(box.get_by_role("button", name="I've seen this")).to_have_attribute("aria-pressed", "true")
    expect(box.get_by_role("status")).to_contain_text("your “I've seen this” is counted")
    assert with_js.evaluate("() => window.__sameDocument === true"), "the vote reloaded the page"

    # Without JavaScript: the same button posts the form and the page comes back with the result.
    no_js = new_context(as_user=site.make_member(), java_script_enabled=False).new_page()
    no_js.goto(path)
    no_js.get_by_role("button", name="I've seen this").click()
    expect(no_js.get_by_text("Thank you: your “I've seen this” is counted.")).to_be_visible()
    expect(no_js).to_have_url(re.compile("#vote$"))
    expect(no_js.locator(".vote-box [data-vote-count]")).to_have_text("2")
    expect(no_js.locator(".vote-box [data-vote-label]")).to_have_text("members have seen this")
    # Pressing again takes the vote back.
    no_js.get_by_role("button", name="I've seen this").click()
    expect(no_js.get_by_text("Your “I've seen this” is taken back.")).to_be_visible()
    expect(no_js.locator(".vote-box [data-vote-count]")).to_have_text("1")

    # The catalogue shows the count beside the mistake.
    with_js.goto("/mistakes?sort=newest")
    item = with_js.locator(".topic-item", has=with_js.get_by_role("link", name=title))
    expect(item).to_contain_text(re.compile(r"\b1 member (has|have) seen this"))
