"""Logged-in members for the write scenarios: log in over HTTP like a browser and scrape the CSRF token."""

from __future__ import annotations

import http.cookiejar
import urllib.parse
import urllib.request
from dataclasses import dataclass

from bs4 import BeautifulSoup


@dataclass
class Member:
    username: str
    cookie: str  # the Cookie header value
    csrf_token: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _csrf(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
    if field is None or not field.get("value"):
        raise RuntimeError("no csrf_token on the page")
    return str(field["value"])


def log_in(base: str, username: str, password: str) -> Member:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(f"{base}/auth/login", timeout=30) as resp:
        token = _csrf(resp.read().decode())
    data = urllib.parse.urlencode({"login": username, "password": password, "csrf_token": token}).encode()
    try:
        opener.open(f"{base}/auth/login", data=data, timeout=30)
    except urllib.error.HTTPError as exc:  # the 302 after a good login arrives as an "error"
        if exc.code != 302:
            raise RuntimeError(f"login of {username} answered {exc.code}") from exc
    else:
        raise RuntimeError(f"login of {username} did not redirect: wrong password?")
    # A page rendered for the member carries a token valid for the whole session.
    with opener.open(f"{base}/", timeout=30) as resp:
        html = resp.read().decode()
    if "Log out" not in html:
        raise RuntimeError(f"{username} is not logged in after the login form")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return Member(username=username, cookie=cookie, csrf_token=_csrf(html))
