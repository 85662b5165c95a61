"""Search as people use it: from the header, narrowed by a filter and a facet, and with the keyboard only.

The index is written by `flask search worker`, a separate process, as in production: a new post
becomes findable once the worker has applied the change log, so those steps wait (bounded).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MEMBER, NewContext, Site
from tests.e2e.helpers import tab_to

pytestmark = pytest.mark.e2e
INDEX_WAIT = 20.0


def search_until_found(page, query: str, title: str) -> None:
    """Search again until the worker has indexed `title` (a person would press Search again)."""
    deadline = time.monotonic() + INDEX_WAIT
    while True:
        page.goto(f"/search?q={query}")
        if page.get_by_role("link", name=title).count():
            return
        assert time.monotonic() < deadline, f"{title!r} not findable {INDEX_WAIT}s after it was posted"
        time.sleep(0.3)


def results_heading(page):
    return page.get_by_role("heading", name=re.compile(r"^\d+ results?\b"))


def result_count(page) -> int:
    return int(results_heading(page).inner_text().split()[0])


def test_search_narrowed_by_a_filter_and_a_facet(new_context: NewContext, site: Site):
    page = new_context().new_page()
    page.goto("/")
    search = page.get_by_role("search").first
    search.get_by_role("searchbox", name="Search the forum").fill("booktok")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search\?q=booktok"))
    expect(results_heading(page)).to_have_text(re.compile(r"\d+ results? for “booktok”"))
    everything = result_count(page)
    assert everything > 1
    expect(page.locator(".search-hits mark").first).to_have_text(re.compile("booktok", re.I))

    # A filter from the form: only Instagram.
    page.get_by_label("Platform", exact=True).select_option(label="Instagram")
    page.locator(".search-form").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"platform=instagram"))
    on_instagram = result_count(page)
    assert 0 < on_instagram <= everything
    for hit in page.locator(".search-hits > li").all():
        expect(hit.get_by_role("link", name="Platform: Instagram")).to_be_visible()

    # A facet from the sidebar: only mistakes, with its count.
    facets = page.get_by_role("complementary", name="Narrow by")
    mistake_facet = facets.get_by_role("link", name="Mistake", exact=True)
    expected = int(re.search(r"\((\d+)", mistake_facet.locator("xpath=..").inner_text()).group(1))
    mistake_facet.click()
    expect(page).to_have_url(re.compile(r"kind=mistake"))
    assert result_count(page) == expected
    for hit in page.locator(".search-hits > li").all():
        expect(hit.locator(".kind")).to_have_text("Mistake")
    # And the facet can be taken off again.
    page.get_by_role("link", name=re.compile("remove.*Mistake")).click()
    assert result_count(page) == on_instagram


def test_a_new_post_becomes_findable_once_the_worker_indexed_it(new_context: NewContext, site: Site):
    word = f"zinefest{site.unique('')}"
    title = f"A {word} table at the library"
    site.make_topic(author=MEMBER, kind="practice", title=title, body=f"We ran a {word} with local makers.")
    page = new_context().new_page()
    search_until_found(page, word, title)
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def test_searching_with_the_keyboard_only(new_context: NewContext, site: Site):
    page = new_context().new_page()
    page.goto("/practices")
    tab_to(page, "#site-search")
    page.keyboard.type("alt text")
    page.keyboard.press("Enter")
    expect(results_heading(page)).to_have_text(re.compile(r"\d+ results? for “alt text”"))

    # Tab from the search form into the results and open the first one.
    first = page.locator(".search-hits .topic-title a").first
    title = first.inner_text()
    tab_to(page, ".search-hits .topic-title a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
