"""Browser-suite fixtures: the app as in production, driven by a real Chromium.

One session builds, once: a throw-away PostgreSQL database migrated with `flask db upgrade` and
loaded with the demo content, a loopback SMTP server whose messages the tests read, gunicorn
(2 workers) on a free loopback port, and a headless Chromium. Each test gets fresh browser
contexts; when it fails, every page it opened leaves a screenshot and its HTML under
test-artifacts/e2e/<test>/ together with the server log.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NoReturn

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import IN_CI, PG_ADMIN_URL, _pg_admin
from tests.mailserver import Recorder, free_port
from tests.servers import start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path(os.environ.get("BENEFIT_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VENV_BIN = Path(sys.executable).parent
DEMO_PASSWORD = "benefit-demo-2026"  # benefit.demo.seed.DEMO_PASSWORD, the demo members' password
MODERATOR = "ewa_malinowska"  # a demo member with the moderator role
MEMBER = "kasia_nowak"  # a demo member without it
INDEX_TIMEOUT = 60.0


def unavailable(reason: str) -> NoReturn:
    """Outside CI a missing tool skips the browser suite; in CI it is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser suite must run)")
    pytest.skip(reason)


# ----------------------------------------------------------------------------- failure artefacts


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(request.node, f"rep_{when}", None) is not None and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )


def artifact_dir(nodeid: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("tests/e2e/", 1)[-1]).strip("_")
    return ARTIFACTS / name


def save_page(page: Any, folder: Path, stem: str) -> list[Path]:
    """A full-page screenshot and the current HTML of one page; never raises."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    try:
        path = folder / f"{stem}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    except Exception as exc:  # noqa: BLE001 - a closed page must not hide the test's own error
        (folder / f"{stem}.screenshot-error.txt").write_text(repr(exc))
    try:
        path = folder / f"{stem}.html"
        path.write_text(f"<!-- {page.url} -->\n" + page.content(), encoding="utf-8")
        saved.append(path)
    except Exception as exc:  # noqa: BLE001
        (folder / f"{stem}.html-error.txt").write_text(repr(exc))
    return saved


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


# ----------------------------------------------------------------------------- mail


@dataclass
class Mailbox:
    """The loopback SMTP server's messages, as a test reads them."""

    recorder: Recorder
    port: int

    def wait_for(self, to: str, subject: str = "", timeout: float = 10.0) -> EmailMessage:
        """The newest message to `to` whose subject contains `subject`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.recorder.to(to) if subject.lower() in str(m["Subject"]).lower()]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                got = [(m["To"], m["Subject"]) for m in self.recorder.messages]
                raise AssertionError(f"no mail to {to} about {subject!r} within {timeout}s; got {got}")
            time.sleep(0.05)

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(("plain",))
        assert part is not None, "the mail has no plain-text part"
        return str(part.get_content())

    def link(self, message: EmailMessage, path_part: str) -> str:
        """The first link in the plain-text part whose address contains `path_part`."""
        for url in re.findall(r"https?://[^\s<>\"]+", self.text(message)):
            if path_part in url:
                return str(url.rstrip(".,)"))
        raise AssertionError(f"no link containing {path_part!r} in:\n{self.text(message)}")


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Mailbox(recorder, port)
    finally:
        controller.stop()


# ----------------------------------------------------------------------------- database and app


@pytest.fixture(scope="session")
def e2e_database_url() -> Iterator[str]:
    """Always PostgreSQL, as in production, whatever BENEFIT_TEST_DB says."""
    try:
        admin = _pg_admin()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no PostgreSQL here"
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    name = f"benefit_e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def server_env(
    e2e_database_url: str, mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The environment every process of the site runs with (gunicorn, flask CLI, workers)."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENEFIT_")}
    env.update(
        FLASK_APP="wsgi.py",
        PYTHONUNBUFFERED="1",
        BENEFIT_SECRET_KEY=secrets.token_hex(32),
        BENEFIT_DATABASE_URL=e2e_database_url,
        BENEFIT_MAIL_SERVER="127.0.0.1",
        BENEFIT_MAIL_PORT=str(mailbox.port),
        BENEFIT_MAIL_DIR=str(instance / "mail"),
        BENEFIT_SEARCH_INDEX_DIR=str(instance / "search-index"),
        # Request handlers never write the index: a separate worker does, as in production.
        BENEFIT_SEARCH_INDEXER="off",
        # Every journey comes from 127.0.0.1; the limits have their own tests in tests/web/.
        BENEFIT_RATELIMIT_ENABLED="false",
        # A new member's first post waits for a moderator (the production default, made explicit).
        BENEFIT_REVIEW_FIRST_POSTS="1",
        BENEFIT_WORKERS="2",
        # Visitors' pages cached in Redis as in production, under this run's own prefix.
        BENEFIT_CACHE_URL=os.environ.get("BENEFIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        BENEFIT_PAGE_CACHE_PREFIX=f"benefit:e2e:{secrets.token_hex(6)}:",
    )
    return env


@dataclass
class Site:
    """The running site: its address, and an in-process app on the same database to arrange data."""

    base_url: str
    app: Any
    env: dict[str, str]
    log: Path
    _seq: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def url(self, path: str) -> str:
        return self.base_url + path

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq)}{secrets.token_hex(2)}"

    def has_endpoint(self, name: str) -> bool:
        return name in self.app.view_functions

    def make_member(self, *, role: str = "member", confirmed: bool = True, approved: int = 10) -> str:
        """A member who can log in with DEMO_PASSWORD; returns the username."""
        from benefit.extensions import db
        from benefit.models import User, utcnow

        username = self.unique("e2e_")
        with self.app.app_context():
            user = User(
                username=username,
                email=f"{username}@example.org",
                display_name=f"Tester {username[-6:]}",
                institution="Test Library",
                library_type="public",
                country="PL",
                job_role="Librarian",
                role=role,
                approved_post_count=approved,
                email_confirmed_at=utcnow() if confirmed else None,
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.commit()
        return username

    def make_topic(
        self,
        *,
        author: str,
        kind: str = "discussion",
        title: str | None = None,
        body: str = "What do your readers respond to this month? Share what you tried.",
        tags: tuple[str, ...] = ("instagram",),
        state: str = "published",
        **extra: Any,
    ) -> tuple[int, str]:
        """A topic written straight into the database; returns (id, path)."""
        import sqlalchemy as sa

        from benefit.extensions import db
        from benefit.models import Tag, User
        from tests.factories import build_topic

        title = title or f"A {kind} to test {self.unique('')}"
        with self.app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == author))
            topic = build_topic(
                kind=kind, title=title, body=body, author=user, state=state,
                tags=list(db.session.scalars(sa.select(Tag).where(Tag.slug.in_(tags)))), **extra,
            )  # fmt: skip
            db.session.add(topic)
            db.session.commit()
            return topic.id, f"/t/{topic.id}/{topic.slug}"

    def flag_topic(self, *, by: str, topic_id: int, reason: str = "spam", note: str = "") -> None:
        """An open flag on a topic, written straight into the database."""
        import sqlalchemy as sa

        from benefit.extensions import db
        from benefit.models import Flag, User

        with self.app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == by))
            assert user is not None
            db.session.add(
                Flag(user_id=user.id, target_kind="topic", target_id=topic_id, reason=reason, note=note)
            )
            db.session.commit()

    def topic_path(self, title: str) -> str:
        import sqlalchemy as sa

        from benefit.extensions import db
        from benefit.models import Topic

        with self.app.app_context():
            topic = db.session.scalar(sa.select(Topic).where(Topic.title == title))
            assert topic is not None, f"no topic titled {title!r}"
            return f"/t/{topic.id}/{topic.slug}"

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _wait_until_indexed(worker: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Journeys start once the worker has indexed the demo content (a word every demo has)."""
    deadline = time.monotonic() + INDEX_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the search worker exited with {worker.returncode}:\n{log.read_text()}")
        with urllib.request.urlopen(url + "/search?q=library", timeout=5) as response:  # noqa: S310
            if re.search(rb">\s*[1-9]\d* results? for", response.read()):
                return
        time.sleep(0.3)
    raise RuntimeError(f"the demo content was not searchable within {INDEX_TIMEOUT}s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    # SIGINT: gunicorn's quick shutdown (nothing is in flight once the browser is closed), and a
    # clean stop for the search worker after its current batch.
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _migrate_and_seed(app: Any) -> None:
    """The schema from the real migrations (as tests/conftest.py does), then the demo content."""
    from flask_migrate import upgrade

    from benefit.demo.seed import seed_demo

    with app.app_context():
        upgrade()
        seed_demo()


@pytest.fixture(scope="session")
def site(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from benefit import create_app
    from benefit.extensions import db

    env = dict(server_env)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env.update(BENEFIT_BIND=f"127.0.0.1:{port}", BENEFIT_SITE_URL=base_url)
    log = tmp_path_factory.mktemp("e2e-logs") / "server.log"  # gunicorn and workers
    app = create_app(
        {
            "DATABASE_URL": env["BENEFIT_DATABASE_URL"],
            "SECRET_KEY": env["BENEFIT_SECRET_KEY"],
            "SEARCH_INDEXER": "off",
            "SEARCH_INDEX_DIR": env["BENEFIT_SEARCH_INDEX_DIR"],
            "MAIL_DIR": env["BENEFIT_MAIL_DIR"],
            # This app only arranges data and makes login cookies; the site under test keeps both.
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    processes: list[subprocess.Popen[bytes]] = []

    def start(*command: str) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        processes.append(proc)
        return proc

    # gunicorn's workers boot while the database is migrated: /healthz needs no tables.
    server = start_gunicorn(env, log, workers=int(env["BENEFIT_WORKERS"]), port=port, wait=False)
    try:
        _migrate_and_seed(app)
        searching = "search.search" in app.view_functions
        if searching:
            # The single index writer, as in production: it applies the change log the seed wrote.
            worker = start(str(VENV_BIN / "flask"), "search", "worker", "--poll", "0.2")
        server.wait_until_ready()
        if searching:
            _wait_until_indexed(worker, base_url, log)
        yield Site(base_url=base_url, app=app, env=env, log=log)
    finally:
        for proc in reversed(processes):
            _stop(proc)
        # SIGINT: gunicorn's quick shutdown (nothing is in flight once the browser is closed).
        server.stop(signal.SIGINT)
        with app.app_context():
            db.engine.dispose()


# ----------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found: install Debian's chromium (`apt-get install -y chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"playwright is not installed: {exc}")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001
        playwright.stop()
        unavailable(f"Chromium at {CHROMIUM} does not start: {exc}")
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture(scope="session")
def login_states(site: Site) -> Callable[[str], dict[str, Any]]:
    """A logged-in browser state per member, made by logging in through the in-process app.

    The session cookie is signed with the server's secret key, so gunicorn accepts it; journeys
    that are about logging in use the form instead.
    """
    states: dict[str, dict[str, Any]] = {}

    def state(username: str) -> dict[str, Any]:
        if username not in states:
            with site.app.test_client() as client:
                response = client.post("/auth/login", data={"login": username, "password": DEMO_PASSWORD})
                assert response.status_code == 302, f"{username} cannot log in: {response.status_code}"
                cookie = client.get_cookie("session")
                assert cookie is not None
            states[username] = {
                "cookies": [
                    {
                        "name": "session",
                        "value": cookie.value,
                        "domain": "127.0.0.1",
                        "path": "/",
                        "expires": -1,
                        "httpOnly": True,
                        "secure": False,
                        "sameSite": "Lax",
                    }
                ],
                "origins": [],
            }
        return states[username]

    return state


NewContext = Callable[..., Any]


def language_cookie(locale: str) -> dict[str, Any]:
    """The cookie the header's language switcher sets (benefit.i18n, LOCALE_COOKIE)."""
    return {
        "name": "benefit_lang",
        "value": locale,
        "domain": "127.0.0.1",
        "path": "/",
        "expires": -1,
        "httpOnly": True,
        "secure": False,
        "sameSite": "Lax",
    }


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest,
    site: Site,
    browser: Any,
    login_states: Callable[[str], dict[str, Any]],
) -> Iterator[NewContext]:
    """`new_context(as_user=None, color_scheme="light", java_script_enabled=True, bypass_csp=False,
    locale="en")`.

    The context's browser asks for `locale` (Accept-Language, navigator.language) and carries the
    language switcher's cookie for it, so a page is in that language whoever is logged in (the
    demo members these tests log in as have no language setting of their own).

    Every page opened in these contexts is watched: a JavaScript exception or a console error
    (such as a Content-Security-Policy refusal) fails the test. HTTP error statuses do not:
    journeys check those themselves.
    """
    contexts: list[Any] = []
    console_errors: list[str] = []

    def watch(page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error" and not message.text.startswith("Failed to load resource: the server"):
                console_errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: console_errors.append(f"{page.url}: {error}"))

    def make(
        *,
        as_user: str | None = None,
        color_scheme: str = "light",
        java_script_enabled: bool = True,
        bypass_csp: bool = False,
        locale: str = "en",
    ) -> Any:
        state = dict(login_states(as_user)) if as_user else {"cookies": [], "origins": []}
        state["cookies"] = [*state["cookies"], language_cookie(locale)]
        context = browser.new_context(
            locale={"pl": "pl-PL", "en": "en-GB"}[locale],
            base_url=site.base_url,
            color_scheme=color_scheme,
            java_script_enabled=java_script_enabled,
            bypass_csp=bypass_csp,
            storage_state=state,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    test_failed = failed(request)
    if test_failed:
        folder = artifact_dir(request.node.nodeid)
        for c, context in enumerate(contexts, start=1):
            for p, page in enumerate(context.pages, start=1):
                save_page(page, folder, f"context{c}-page{p}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "server.log").write_text(site.server_log()[-200_000:])
    for context in contexts:
        context.close()
    if console_errors and not test_failed:
        pytest.fail("errors in the browser console:\n" + "\n".join(console_errors), pytrace=False)


@pytest.fixture
def page(new_context: NewContext) -> Any:
    """A page in a fresh visitor's context (no account, light scheme, JavaScript on)."""
    return new_context().new_page()
