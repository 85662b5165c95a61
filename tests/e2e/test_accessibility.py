"""axe-core on every main page, in both languages and both colour schemes: zero WCAG 2.2 A/AA violations.

To check a new page, add an `A11yPage` to PAGES: a path (or a function of the site that returns
one), who is logged in, and optionally what to do first (send a form empty to show its errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MEMBER, MODERATOR, NewContext, Site, unavailable
from tests.e2e.helpers import AXE_JS, assert_accessible

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class A11yPage:
    id: str
    path: str | Callable[[Site], str]
    as_user: str | None = None
    prepare: Callable[[Any], None] | None = None

    def url(self, site: Site) -> str:
        return self.path if isinstance(self.path, str) else self.path(site)


# Buttons are found by where they are, not by their words, so one list serves both languages.
MAIN_FORM_SUBMIT = "main form[method=post] [type=submit]"


def submit_empty(button: str = MAIN_FORM_SUBMIT) -> Callable[[Any], None]:
    def prepare(page: Any) -> None:
        page.locator(button).first.click()
        expect(page.get_by_role("alert")).to_be_visible()

    return prepare


def click(button: str) -> Callable[[Any], None]:
    def prepare(page: Any) -> None:
        page.locator(button).first.click()
        page.wait_for_load_state("networkidle")

    return prepare


def open_details(page: Any) -> None:
    """Open every disclosure (moderator tools, help) so axe checks what is inside too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


def busiest(kind: str, action: str = "") -> Callable[[Site], str]:
    """The seeded topic of this kind with the most replies (the longest page), or one of its actions."""

    def path(site: Site) -> str:
        import sqlalchemy as sa

        from benefit.extensions import db
        from benefit.models import Topic

        with site.app.app_context():
            topic = db.session.scalars(
                sa.select(Topic)
                .where(Topic.kind == kind, Topic.state == "published")
                .order_by(Topic.reply_count.desc(), Topic.id)
            ).first()
            assert topic is not None, f"the demo content has no {kind}"
            return f"/t/{topic.id}/{action or topic.slug}"

    return path


PAGES = [
    A11yPage("home", "/"),
    A11yPage("home-member", "/", as_user=MEMBER),
    A11yPage("practices", "/practices"),
    A11yPage("mistakes", "/mistakes?sort=newest"),
    A11yPage("discussions-filtered", "/discussions?platform=facebook"),
    A11yPage("practice", busiest("practice")),
    A11yPage("mistake", busiest("mistake"), as_user=MEMBER),
    A11yPage("discussion", busiest("discussion"), as_user=MEMBER),
    A11yPage("tags", "/tags"),
    A11yPage("tag", "/tags/instagram"),
    A11yPage("member", f"/u/{MEMBER}"),
    A11yPage("settings", "/settings", as_user=MEMBER),
    A11yPage("login-errors", "/auth/login", prepare=submit_empty()),
    A11yPage("register-errors", "/auth/register", prepare=submit_empty()),
    A11yPage("reset-request", "/auth/reset"),
    A11yPage("new-post-errors", "/new?kind=mistake", as_user=MEMBER, prepare=submit_empty()),
    A11yPage("not-found", "/t/999999"),
    # Privacy and account security
    A11yPage("privacy", "/privacy"),
    A11yPage("account-security", "/settings/security", as_user=MEMBER),
    A11yPage("account-data", "/settings/data", as_user=MEMBER),
    # Mistakes
    A11yPage("mistake-voted", busiest("mistake"), as_user=MEMBER, prepare=click(".vote-form [type=submit]")),
    A11yPage("mistake-merge", busiest("mistake", "merge"), as_user=MODERATOR),
    # Search
    A11yPage("search-results", "/search?q=booktok"),
    A11yPage("search-filtered", "/search?q=library&platform=instagram&kind=practice&sort=newest"),
    A11yPage("search-nothing", "/search?q=qwertyuiopasdf"),
    A11yPage("search-form", "/search"),
    # Moderation, with a queued first post and an open flag waiting (see waiting_for_moderators)
    A11yPage("moderation", "/moderation/", as_user=MODERATOR),
    A11yPage("moderation-queue", "/moderation/queue", as_user=MODERATOR),
    A11yPage("moderation-flags", "/moderation/flags", as_user=MODERATOR),
    A11yPage("moderation-flag-history", "/moderation/flags/history", as_user=MODERATOR),
    A11yPage("moderation-tags", "/moderation/tags", as_user=MODERATOR),
    A11yPage("moderation-members", "/moderation/members", as_user=MODERATOR),
    A11yPage("moderation-audit", "/moderation/audit", as_user=MODERATOR),
    A11yPage("topic-moderator", busiest("discussion"), as_user=MODERATOR, prepare=open_details),
    A11yPage("flag-errors", busiest("practice", "flag"), MEMBER, submit_empty()),
    # Digest
    A11yPage("digest", "/digest"),
    A11yPage("digest-errors", "/digest", prepare=submit_empty()),
    A11yPage("digest-member", "/digest", as_user=MEMBER),
    A11yPage("digest-settings", "/digest/settings", as_user=MEMBER),
    # Members and notifications
    A11yPage("members", "/members"),
    A11yPage("members-filtered", "/members?library_type=public"),
    A11yPage("notifications", "/notifications", as_user=MEMBER),
    A11yPage("notification-settings", "/settings/notifications", as_user=MEMBER),
    A11yPage("bookmarks", "/bookmarks", as_user=MEMBER),
]


@pytest.fixture(scope="module")
def axe_available() -> None:
    if not AXE_JS.exists():
        unavailable(f"{AXE_JS} is missing: run `make test-e2e` (npm ci in tests/e2e) to install axe-core")


@pytest.fixture(scope="module")
def waiting_for_moderators(site: Site) -> None:
    """A queued first post and an open flag, so the moderation pages have something to show."""
    newcomer = site.make_member(approved=0)
    queued = f"A first post awaiting review {site.unique('')}"
    site.make_topic(author=newcomer, kind="practice", title=queued, state="pending")
    spam = f"Follow us for prizes {site.unique('')}"
    flagged, _ = site.make_topic(author=newcomer, kind="discussion", title=spam)
    site.flag_topic(by=MEMBER, topic_id=flagged, reason="spam", note="Looks like spam to me.")


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("target", PAGES, ids=[p.id for p in PAGES])
def test_page_has_no_wcag_violations(
    axe_available: None,
    waiting_for_moderators: None,
    new_context: NewContext,
    site: Site,
    target: A11yPage,
    scheme: str,
    locale: str,
):
    # axe is injected as an inline script, which the site's Content-Security-Policy rightly forbids.
    context = new_context(as_user=target.as_user, color_scheme=scheme, bypass_csp=True, locale=locale)
    page = context.new_page()
    page.goto(target.url(site))
    assert page.evaluate("document.documentElement.lang") == locale, "<html lang> is not the chosen language"
    if target.prepare:
        target.prepare(page)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    assert_accessible(page, f"{target.id} ({scheme}, {locale})")
