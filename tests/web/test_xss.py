"""Hostile input: every payload, in every field a member or visitor controls, renders inert.

The payloads (tests/data/xss-payloads.txt, a copy of the team's shared list) go in as a title, a body,
a reply, a mistake's "how to avoid", tag searches, list filters, profile fields and a search query.
Each page that shows them is parsed, and must contain no script of ours other than static files, no
event handler attribute, no javascript:/data:/vbscript: URL, nothing that embeds or re-bases the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.models import Reply, Topic

PAYLOADS = [
    line
    for line in (Path(__file__).resolve().parents[1] / "data" / "xss-payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
FORBIDDEN_ELEMENTS = {
    "iframe",
    "object",
    "embed",
    "base",
    "frame",
    "frameset",
    "applet",
    "style",
    "svg",
    "math",
}


def assert_inert(html: str, where: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    problems = []
    for tag in soup.find_all(True):
        if tag.name == "script":
            if not tag.get("src", "").startswith("/static/") or tag.string:
                problems.append(f"script element {tag}")
        if tag.name in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag.name}> element")
        if tag.name == "meta" and tag.get("http-equiv", "").lower() == "refresh":
            problems.append("meta refresh")
        for name, value in tag.attrs.items():
            name = name.lower()
            if name.startswith("on"):
                problems.append(f"handler {name}= on <{tag.name}>")
            if name in ("style", "srcdoc"):
                problems.append(f"{name}= on <{tag.name}>")
            if name in URL_ATTRIBUTES:
                # Browsers ignore whitespace and control characters inside a scheme.
                url = re.sub(r"[\x00-\x20\x7f]", "", str(value)).lower()
                if url.startswith(BAD_SCHEMES):
                    problems.append(f"{name}={value!r} on <{tag.name}>")
    assert not problems, f"{where}: {problems}"
    # Template injection: nothing of the server's configuration leaks into a page.
    assert "&lt;Config" not in html and "<Config" not in html, where


@pytest.fixture
def app_config(app_config):
    # Every hostile topic on one page of each list.
    return {**app_config, "PER_PAGE": len(PAYLOADS) + 10}


@pytest.fixture
def member(make_user, login, taxonomy):
    user = make_user(username="hostile", display_name="Hostile Tester")
    login(user)
    return user


def test_payloads_in_posts_and_replies_render_inert(client, member):
    for payload in PAYLOADS:
        body = f"{payload}\n\n{payload}"
        response = client.post(
            "/new",
            data={"kind": "practice", "title": payload, "body": body, "platforms": "instagram"},
            follow_redirects=True,
        )
        assert response.status_code == 200, payload
        assert_inert(response.text, f"topic page for {payload!r}")
        topic = db.session.scalar(sa.select(Topic).order_by(Topic.id.desc()))
        assert topic.title == payload.strip(), "the payload should be accepted as a title"
        # It is shown, as text.
        heading = BeautifulSoup(response.text, "html.parser").find("h1")
        assert heading is not None and payload.strip() in heading.get_text()

        response = client.post(f"/t/{topic.id}/reply", data={"body": body}, follow_redirects=True)
        assert response.status_code == 200, payload
        assert_inert(response.text, f"topic page with a reply {payload!r}")
        reply = db.session.scalar(sa.select(Reply).order_by(Reply.id.desc()))
        assert reply.topic_id == topic.id
        assert_inert(client.get(f"/t/{topic.id}/edit").text, f"edit topic {payload!r}")
        assert_inert(client.get(f"/r/{reply.id}/edit").text, f"edit reply {payload!r}")

        mistake = {
            "kind": "mistake",
            "title": payload,
            "body": body,
            "category": "content",
            "how_to_avoid": body,
            "evidence_links": "https://example.org/" + re.sub(r"\s", "", payload),
            "platforms": "",
        }
        response = client.post("/new", data=mistake, follow_redirects=True)
        assert response.status_code == 200
        assert_inert(response.text, f"mistake page {payload!r}")
        # Refused input comes back in the form with its errors: inert there too.
        bad = {**mistake, "evidence_links": payload, "avoided_by": payload, "trends": payload}
        assert_inert(client.post("/new", data=bad).text, f"refused mistake form {payload!r}")

    # Every hostile post at once in the lists.
    for url in ("/", "/practices", "/mistakes", "/tags/instagram", f"/u/{member.username}"):
        assert_inert(client.get(url).text, url)


def test_payloads_in_urls_and_searches_render_inert(client, member):
    for payload in PAYLOADS:
        urls = [
            "/tags/" + quote(payload, safe=""),
            "/practices?" + f"platform={quote(payload)}",
            "/practices?" + f"trend={quote(payload)}&library_type={quote(payload)}",
            "/mistakes?" + f"category={quote(payload)}&sort={quote(payload)}",
            "/new?" + f"kind={quote(payload)}&platforms={quote(payload)}&trends={quote(payload)}",
            "/t/" + quote(payload, safe=""),
            "/u/" + quote(payload, safe=""),
            "/auth/login?" + f"next={quote(payload)}",
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, url
            assert_inert(response.text, url)
        filters = "&".join(f"{name}={quote(payload)}" for name in ("platform", "trend", "kind", "sort"))
        for url in ("/search?" + f"q={quote(payload)}", "/search?" + f"q=library&{filters}"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_inert(response.text, url)
        # The search box shows the query as typed, as text.
        shown = BeautifulSoup(client.get("/search", query_string={"q": payload}).text, "html.parser")
        assert shown.select_one("form[role=search] #q")["value"] == payload


def test_payloads_in_profile_fields_render_inert(client, member, make_topic):
    topic = make_topic(author=member, replies=1)
    for payload in PAYLOADS:
        response = client.post(
            "/settings",
            data={
                "display_name": payload[:80],
                "institution": payload[:120],
                "library_type": "public",
                "country": "PL",
                "job_role": payload[:80],
                "bio": payload,
                "platforms": "instagram",
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert_inert(response.text, f"settings after saving {payload!r}")
        db.session.refresh(member)
        assert member.display_name == payload[:80].strip()
        member_page = client.get(f"/u/{member.username}").text
        assert payload[:80].strip() in BeautifulSoup(member_page, "html.parser").find("h1").get_text()
        assert_inert(member_page, f"member page {payload!r}")
        assert_inert(client.get(f"/t/{topic.id}/{topic.slug}").text, f"topic by {payload!r}")
        # An unknown platform comes back in an error message.
        response = client.post(
            "/settings",
            data={
                "display_name": "Name",
                "institution": "Library",
                "library_type": "public",
                "country": "PL",
                "job_role": "Role",
                "platforms": payload,
            },
        )
        assert_inert(response.text, f"settings with an unknown platform {payload!r}")
