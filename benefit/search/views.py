"""/search: read the address → search_topics (benefit/search/service.py) → render."""

from __future__ import annotations

import urllib.parse
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from werkzeug.datastructures import MultiDict

from benefit.search.forms import FILTER_NAMES, search_form
from benefit.search.service import SearchAsk, SearchPage, search_topics
from benefit.web import page_arg

bp = Blueprint("search", __name__)


class ResultPage(Pagination):
    """A page of search results in the shape the `pager` macro expects."""

    def __init__(self, found: SearchPage) -> None:
        result = found.result
        super().__init__(result.page, found.per_page, error_out=False, items=found.hits, total=result.total)

    def _query_items(self) -> list[Any]:
        items: list[Any] = self._query_args["items"]
        return items

    def _query_count(self) -> int:
        total: int = self._query_args["total"]
        return total


class Links:
    """This search's address with one argument changed (None: removed), back on page 1 unless
    the argument changed is the page.

    A results page links every facet value: the rest of the address is encoded once per
    argument, not once per link (and not with url_for).
    """

    def __init__(self, base: str, args: MultiDict[str, str]) -> None:
        self.base = base
        self.args = {k: v for k, v in args.items() if k != "page"}
        self._rest: dict[str, str] = {}

    def __call__(self, name: str, value: str | None) -> str:
        rest = self._rest.get(name)
        if rest is None:
            others = {k: v for k, v in self.args.items() if k != name}
            rest = self._rest[name] = urllib.parse.urlencode(others)
        changed = urllib.parse.urlencode({name: value}) if value is not None else ""
        query = f"{rest}&{changed}" if rest and changed else rest or changed
        return f"{self.base}?{query}" if query else self.base

    def page(self, number: int) -> str:
        return self("page", str(number))

    def without(self, name: str) -> str:
        return self(name, None)


@bp.route("/search")
def search() -> str:
    args = request.args
    ask = SearchAsk(
        q=args.get("q", ""),
        controls={name: args.get(name, "") for name in FILTER_NAMES},
        sort=args.get("sort", "relevance"),
        page=page_arg(),
    )
    found = search_topics(ask, current_user, per_page=int(current_app.config["PER_PAGE"]))
    return render_template(
        "search/search.html",
        form=search_form(args),
        found=found,
        pagination=ResultPage(found),
        links=Links(request.script_root + request.path, args),
    )
