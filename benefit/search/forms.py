"""The search form (GET, no CSRF) and the `field:value` words a query may carry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField

from benefit.forms_util import CachedSelect, choices
from benefit.forum import tags
from benefit.models import KINDS, MISTAKE_CATEGORIES

MAX_QUERY_CHARS = 300
SORT_LABELS = {"relevance": "Relevance", "newest": "Newest", "votes": "Most votes"}
FILTER_NAMES = ("platform", "trend", "kind", "category", "author")
_FILTER_RE = re.compile(r'(?<![\w:])(platform|trend|kind|category|author):(?:"([^"]*)"|(\S+))', re.IGNORECASE)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Search for")
    platform = SelectField("Platform", validate_choice=False, widget=CachedSelect())
    trend = SelectField("Trend", validate_choice=False, widget=CachedSelect())
    kind = SelectField(
        "Kind",
        choices=choices([("", "All kinds"), *KINDS.items()]),
        validate_choice=False,
        widget=CachedSelect(),
    )
    category = SelectField(
        "Mistake category",
        choices=choices([("", "All categories"), *MISTAKE_CATEGORIES.items()]),
        validate_choice=False,
        widget=CachedSelect(),
    )
    sort = SelectField(
        "Sort by", choices=choices(SORT_LABELS.items()), validate_choice=False, widget=CachedSelect()
    )


def search_form(args: Any) -> SearchForm:
    """The form filled from the address, its tag choices from the (cached) tag vocabulary."""
    form = SearchForm(args)
    vocabulary = tags.vocabulary()
    form.platform.choices = choices([("", "All platforms"), *vocabulary.names("platform")])
    form.trend.choices = choices([("", "All trends"), *vocabulary.names("trend")])
    return form


@dataclass
class ParsedQuery:
    text: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    truncated: bool = False


def split_query(raw: str) -> ParsedQuery:
    """Take `platform:instagram`-style words out of the query; the rest is searched as text."""
    truncated = len(raw) > MAX_QUERY_CHARS
    raw = raw[:MAX_QUERY_CHARS]
    filters: dict[str, list[str]] = {}

    def take(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        value = (match.group(2) if match.group(2) is not None else match.group(3)).strip().lower()
        if value and value not in filters.setdefault(name, []):
            filters[name].append(value)
        return " "

    text = _FILTER_RE.sub(take, raw)
    return ParsedQuery(
        text=" ".join(text.split()), filters={k: v for k, v in filters.items() if v}, truncated=truncated
    )
