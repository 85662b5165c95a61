"""Every GET route that takes a page number or an id answers garbage with a page, never a crash.

The routes come from `app.url_map`: each `<int:…>` in a path gets ids past the database's range, and
each route that reads `page` (the known list, plus any view whose code reads it) or an id from the
query string gets non-ASCII digits, huge and negative numbers, an empty value, letters and repeats —
as a visitor, a member and a moderator. With TESTING on, an error inside a view propagates as an
exception instead of a 500 page: both count as failures. What a right answer is (benefit/web.py):

- a page number other than 1…MAX_PAGE in ASCII digits is a 404 where the page itself answers 200, and
  a repeated `page` takes the first value (200);
- an id past the database's range is treated as an id with no row (the same answer as for 2**31-1,
  which is 404, or the login redirect / 403 a role gets before the lookup);
- where the page itself is a redirect or refused for the role, garbage gets that same answer or 404.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from benefit.extensions import db
from benefit.models import Reply, Topic, User
from tests.factories import PASSWORD

MAX_ID = 2**31 - 1
HUGE = "99999999999999999999999"
# Routes the issue names as taking ?page=; others are found in their view's code.
KNOWN_PAGED = {
    "/search",
    "/members",
    "/notifications",
    "/bookmarks",
    "/moderation/audit",
    "/moderation/members",
    "/moderation/flags/history",
    "/<any(practices, discussions, mistakes):plural>",
    "/tags/<slug>",
}
# Each must be a 404 wherever the same page with page=1 is a 200.
BAD_PAGES = ["²", "١", "١٢", HUGE, "-1", "0", "", "abc", "1.5", "0x10", "1e3", " 1"]
# An id in the query string: absent or empty means "none" (benefit.web.id_arg), anything else not an id
# is a 404.
BAD_IDS = ["²", "١", HUGE, str(MAX_ID + 1), "-1", "0", "abc", "1.5"]
BAD_PATH_IDS = [HUGE, str(MAX_ID + 1), "0"]
QUERY_ID = re.compile(r"""(?:id_arg\(\s*|args\.get\(\s*)["']([a-z_]*id)["']""")
READS_PAGE = re.compile(r"""page_arg\(|args\.get\(\s*["']page["']|args\.getlist\(\s*["']page["']""")
# Extra query arguments some pages need before they list anything.
NEEDS = {"/search": {"q": "library"}}


def _source(app: Flask, endpoint: str) -> str:
    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        return inspect.getsource(view)
    except (OSError, TypeError):
        return ""


def _get_rules(app: Flask) -> Iterator[Rule]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if "GET" in (rule.methods or ()) and rule.endpoint != "static":
            yield rule


class Site:
    """The data the routes need (a tag, a topic with replies, three people) and a client per role."""

    def __init__(self, app: Flask, make_user: Callable[..., User], make_topic: Callable[..., Topic]) -> None:
        self.app = app
        self.member = make_user()
        self.moderator = make_user(role="moderator")
        self.topic = make_topic(replies=3, author=self.member)
        self.tag = self.topic.tags[0]

    def client(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        user = {"member": self.member, "moderator": self.moderator}.get(role)
        if user is not None:
            response = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
            assert response.status_code == 302, response.text
        return client

    def path(self, rule: Rule, **ids: str) -> str:
        """The rule's path with real values for its arguments, `ids` taking the place of some."""
        values: dict[str, str] = {}
        for name, converter in rule._converters.items():
            if name in ids:
                values[name] = ids[name]
            elif isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            elif isinstance(converter, IntegerConverter):
                values[name] = str(self._real_id(name))
            elif name == "slug":
                values[name] = self.tag.slug if rule.rule.startswith("/tags/") else self.topic.slug
            elif name == "username":
                values[name] = self.member.username
            else:
                values[name] = "x"
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[^>:]+(?:\([^)]*\))?:)?{name}>", value, path)
        return path

    def _real_id(self, name: str) -> int:
        if name in ("topic_id", "id"):
            return self.topic.id
        if name == "user_id":
            return self.member.id
        if name == "tag_id":
            return self.tag.id
        if name == "reply_id":
            first = sa.select(sa.func.min(Reply.id)).where(Reply.topic_id == self.topic.id)
            return int(db.session.scalar(first))
        return 1


@pytest.fixture
def site(app: Flask, make_user: Callable[..., User], make_topic: Callable[..., Topic]) -> Site:
    return Site(app, make_user, make_topic)


def _status(client: FlaskClient, url: str, query: Any = None) -> int | str:
    try:
        return client.get(url, query_string=query).status_code
    except Exception as exc:  # noqa: BLE001 - with TESTING on, a crash inside a view arrives here
        return f"exception {type(exc).__name__}: {str(exc)[:120]}"


def _check_pages(client: FlaskClient, rule: Rule, site: Site, failures: list[str]) -> None:
    url = site.path(rule)
    needs = NEEDS.get(rule.rule, {})
    baseline = _status(client, url, {**needs, "page": "1"})
    if not isinstance(baseline, int) or baseline >= 500:
        failures.append(f"{url}?page=1 → {baseline}")
        return
    for value in BAD_PAGES:
        got = _status(client, url, {**needs, "page": value})
        want = {404} if baseline == 200 else {baseline, 404}
        if got not in want:
            failures.append(f"{url}?page={value!r} → {got} (page=1 gives {baseline}; want {sorted(want)})")
    got = _status(client, url, [*needs.items(), ("page", "1"), ("page", "2")])
    if got != baseline:
        failures.append(f"{url}?page=1&page=2 → {got} (page=1 gives {baseline})")


def _check_query_ids(client: FlaskClient, rule: Rule, name: str, site: Site, failures: list[str]) -> None:
    url = site.path(rule)
    baseline = _status(client, url)
    if not isinstance(baseline, int) or baseline >= 500:
        failures.append(f"{url} → {baseline}")
        return
    missing = _status(client, url, {name: str(MAX_ID)})  # an id with no row
    if missing == 500 or isinstance(missing, str):
        failures.append(f"{url}?{name}={MAX_ID} → {missing}")
    for value in BAD_IDS:
        got = _status(client, url, {name: value})
        want = {404} if baseline == 200 else {baseline, 404}
        if got not in want:
            failures.append(f"{url}?{name}={value!r} → {got} (without it {baseline}; want {sorted(want)})")
    for query in ({name: ""}, [(name, str(site.topic.id)), (name, "x")]):
        got = _status(client, url, query)
        if not isinstance(got, int) or got >= 500:
            failures.append(f"{url}?{query} → {got}")


def _check_path_ids(client: FlaskClient, rule: Rule, name: str, site: Site, failures: list[str]) -> None:
    missing = _status(client, site.path(rule, **{name: str(MAX_ID)}))
    if missing not in (302, 403, 404):
        failures.append(f"{site.path(rule, **{name: str(MAX_ID)})} (no such row) → {missing}")
    for value in BAD_PATH_IDS:
        url = site.path(rule, **{name: value})
        got = _status(client, url)
        if got not in (302, 403, 404) or (missing in (302, 403, 404) and got not in (missing, 404)):
            failures.append(f"{url} → {got} (an id with no row gives {missing})")


def _fuzz(site: Site, role: str) -> list[str]:
    app = site.app
    failures: list[str] = []
    for rule in _get_rules(app):
        client = site.client(role)  # a fresh session per route: a redirect or refusal leaves nothing behind
        source = _source(app, rule.endpoint)
        if rule.rule in KNOWN_PAGED or READS_PAGE.search(source):
            _check_pages(client, rule, site, failures)
        for name in sorted(set(QUERY_ID.findall(source))):
            _check_query_ids(client, rule, name, site, failures)
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                _check_path_ids(client, rule, name, site, failures)
    return [f"[{role}] {failure}" for failure in failures]


def test_the_routes_under_test_exist(app):
    """The walk finds what it is meant to: a route list that lost its rules would pass anything."""
    rules = {rule.rule for rule in _get_rules(app)}
    assert {"/search", "/tags/<slug>", "/moderation/audit", "/t/<int:topic_id>/<slug>"} <= rules
    assert any(QUERY_ID.search(_source(app, rule.endpoint)) for rule in _get_rules(app))


@pytest.mark.parametrize("role", ["visitor", "member", "moderator"])
def test_fuzzed_page_numbers_and_ids_get_a_page_not_a_crash(site: Site, role: str) -> None:
    failures = _fuzz(site, role)
    if failures:
        # pytest.fail rather than assert: pytest would cut a long assertion message to a few lines.
        pytest.fail(f"{len(failures)} answers were wrong:\n" + "\n".join(failures), pytrace=False)
