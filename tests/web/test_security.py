"""Security headers, cookies, rate limits, redirects, oversized and malformed requests."""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.models import User
from tests.factories import PASSWORD
from tests.servers import start_gunicorn

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


# --- headers -------------------------------------------------------------------------------------


def test_pages_carry_security_headers(client):
    for url in ("/", "/auth/login", "/no-such-page"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    response = client.get("/", base_url="https://benefit.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1]) >= 180 * 24 * 3600


def test_hsts_follows_the_proxy_when_trusted(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    # Not trusted by default: a client cannot claim to be on HTTPS.
    untrusted = make_app().test_client()
    response = untrusted.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def _gunicorn_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENEFIT_")}
    env.update(
        BENEFIT_DATABASE_URL=f"sqlite:///{tmp_path / 'site.db'}",  # /healthz needs no tables
        BENEFIT_SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        BENEFIT_MAIL_DIR=str(tmp_path / "mail"),
        BENEFIT_RATELIMIT_ENABLED="false",
        **settings,
    )
    return env


def _headers_over_loopback(base_url: str, **headers: str) -> dict[str, str]:
    request = urllib.request.Request(base_url + "/healthz", headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
        return dict(response.headers)


@pytest.mark.slow
def test_a_loopback_client_cannot_claim_https_to_gunicorn(tmp_path):
    """gunicorn's own forwarded_allow_ips (127.0.0.1 by default) once made it believe X-Forwarded-Proto
    from any loopback peer, so a plain-HTTP request got HSTS although BENEFIT_TRUSTED_PROXIES=0."""
    server = start_gunicorn(_gunicorn_env(tmp_path), tmp_path / "gunicorn.log", workers=1)
    try:
        for claim in (
            {"X-Forwarded-Proto": "https"},
            {"X-Forwarded-Ssl": "on"},
            {"X-Forwarded-Protocol": "ssl"},
        ):
            assert "Strict-Transport-Security" not in _headers_over_loopback(server.base_url, **claim), claim
    finally:
        server.stop()


@pytest.mark.slow
def test_gunicorn_behind_one_trusted_proxy_sends_hsts_for_https(tmp_path):
    env = _gunicorn_env(tmp_path, BENEFIT_TRUSTED_PROXIES="1")
    server = start_gunicorn(env, tmp_path / "gunicorn.log", workers=1)
    try:
        headers = _headers_over_loopback(server.base_url, **{"X-Forwarded-Proto": "https"})
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Strict-Transport-Security" not in _headers_over_loopback(server.base_url)
    finally:
        server.stop()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style[\s>]", re.I)


def test_no_template_has_inline_script_handlers_or_styles():
    """The CSP refuses them: any such markup would silently stop working. Email is not a web page."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "email" in path.relative_to(TEMPLATES).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE, re.compile(r"javascript:", re.I)):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)!r}")
    assert not offenders, "\n".join(offenders)


def test_rendered_pages_load_only_static_scripts(client, make_topic, login, make_user):
    topic = make_topic(replies=2)
    user = make_user()
    login(user)
    for url in ("/", f"/t/{topic.id}/{topic.slug}", "/new", "/settings", "/settings/security", "/privacy"):
        soup = BeautifulSoup(client.get(url).text, "html.parser")
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/static/"), (url, script)
            assert not script.string
        assert not soup.find_all(style=True), url


# --- cookies -------------------------------------------------------------------------------------


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_login_cookies_are_httponly_and_samesite(client, make_user):
    user = make_user()
    response = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD, "remember": "y"}
    )
    cookies = _set_cookies(response)
    assert {"session", "remember_token"} <= cookies.keys()
    for header in cookies.values():
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Secure" not in header  # development over plain HTTP


def test_production_cookies_are_secure(app, make_app, monkeypatch):
    monkeypatch.setenv("BENEFIT_SECRET_KEY", "a-real-secret-for-this-test-only")
    app = make_app(ENV_NAME="production")
    with app.app_context():
        user = User(username="prod", email="prod@example.org", display_name="Prod")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        response = client.post(
            "/auth/login",
            data={"login": "prod", "password": PASSWORD, "remember": "y"},
            base_url="https://benefit.test",
        )
        cookies = _set_cookies(response)
        assert {"session", "remember_token"} <= cookies.keys()
        for header in cookies.values():
            assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
        db.session.remove()


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(app, make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def test_post_without_csrf_token_is_refused(csrf_client, make_user):
    user = make_user()
    response = csrf_client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.text


# --- open redirects ------------------------------------------------------------------------------

REDIRECT_VECTORS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "%2F%2Fevil.example",
    "evil.example",
    "@evil.example",
]


@pytest.mark.parametrize("target", REDIRECT_VECTORS)
def test_login_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"login": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and "evil.example" not in location.split("/")[1]
    # Logged in already: the same check applies.
    response = client.get("/auth/login", query_string={"next": target})
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location


def test_login_next_keeps_paths_on_this_site(client, make_user):
    user = make_user()
    response = client.post(
        "/auth/login",
        query_string={"next": "/mistakes?sort=newest"},
        data={"login": user.username, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/mistakes?sort=newest"


# --- oversized and malformed requests ------------------------------------------------------------


def test_oversized_request_gets_the_413_page(client, make_user):
    response = client.post(
        "/auth/login",
        data={"login": "x", "password": "y" * (2 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "larger than this site accepts" in response.text


def test_oversized_upload_to_a_member_form_gets_413(client, make_user, login, make_topic):
    topic = make_topic()
    login(make_user())
    response = client.post(f"/t/{topic.id}/reply", data={"body": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413


FORM = "application/x-www-form-urlencoded"
# Each with the one answer it must get: garbled login forms are a failed login (the form again), a NUL
# anywhere is 400, an address naming nothing is 404, a member-only page sends a visitor to log in.
MALFORMED = [
    ("post", "/auth/login", {"data": b"login=%ZZ&password=%", "content_type": FORM}, 200),
    ("post", "/auth/login", {"data": b"login=\xff\xfe&password=\xc3", "content_type": FORM}, 200),
    (
        "post",
        "/auth/login",
        {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
        200,
    ),
    ("post", "/auth/login", {"data": b"--x\r\n", "content_type": "multipart/form-data"}, 200),
    ("post", "/auth/login", {"data": b"{not json", "content_type": "application/json"}, 400),
    ("post", "/auth/register", {"data": {"username": ["a", "b"], "library_type": "\x00"}}, 400),
    ("post", "/auth/login", {"data": {"login": "nul\x00byte", "password": "x"}}, 400),
    ("post", "/auth/reset", {"data": {"email\x00": "a@example.org"}}, 400),
    ("get", "/practices?platform=%00", {}, 400),
    ("get", "/t/abc", {}, 404),
    ("get", "/t/-1", {}, 404),
    ("get", "/t/0", {}, 404),
    ("get", "/t/99999999999999999999999", {}, 404),
    ("get", "/r/99999999999999999999999", {}, 404),
    ("get", "/t/1/edit", {}, 302),
    ("get", "/practices?page=abc", {}, 404),
    ("get", "/practices?page=0", {}, 404),
    ("get", "/practices?page=%C2%B2", {}, 404),
    ("get", "/practices?page=99999999999999999999999", {}, 404),
    ("get", "/practices?platform=%ff%fe", {}, 404),
    ("get", "/practices?library_type=%00", {}, 400),
    ("get", "/mistakes?category[]=x&sort=%00", {}, 400),
    ("get", "/tags/%ff%00", {}, 400),
    ("get", "/tags/" + "a" * 5000, {}, 404),
    ("get", "/u/%00", {}, 400),
    ("get", "/u/someone?page=99999999999999999999", {}, 404),
    # The form is shown whatever the token; a wrong one is refused when it is sent.
    ("get", "/auth/reset/not-a-token", {}, 200),
    ("get", "/auth/confirm/%ff", {}, 302),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"), MALFORMED, ids=[f"{m[0]} {m[1][:40]}" for m in MALFORMED]
)
def test_malformed_requests_get_a_page_not_a_crash(client, make_user, method, url, kwargs, status):
    make_user(username="someone")
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status
    if status >= 400:
        assert "<main" in response.text  # the site's own error page
    if status == 302:
        assert response.headers["Location"].startswith("/auth/login")


def test_malformed_ids_inside_logged_in_routes(client, make_user, login):
    login(make_user())
    for url in ("/t/99999999999999999999/edit", "/r/99999999999999999999/edit", "/t/0/edit"):
        assert client.get(url).status_code == 404
    response = client.post("/t/99999999999999999999/reply", data={"body": "hello"})
    assert response.status_code == 404
    # PostgreSQL refuses NUL characters: they are refused before they reach it.
    response = client.post("/settings", data={"display_name": "A\x00B", "institution": "L"})
    assert response.status_code == 400
    assert "U+0000" in response.text


def test_unknown_member_count_unchanged_by_garbage_registration(client):
    client.post("/auth/register", data=b"\xff" * 100, content_type=FORM)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_demo_members_with_a_published_password_are_refused_in_production(make_app, monkeypatch):
    # No `app` fixture: with its context pushed, the CLI would run in that (development) app.
    monkeypatch.setenv("BENEFIT_SECRET_KEY", "a-real-secret-for-this-test-only")
    production = make_app(ENV_NAME="production")
    with production.app_context():
        before = db.session.scalar(sa.select(sa.func.count(User.id)))
        db.session.remove()
    result = production.test_cli_runner().invoke(args=["benefit", "seed-demo"])
    assert result.exit_code != 0
    assert "not in production" in result.output
    with production.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
