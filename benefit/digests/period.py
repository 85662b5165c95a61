"""The period a digest covers: the UTC day or the Monday–Sunday week that just ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date
from flask import has_app_context

from benefit.i18n import current_locale
from benefit.models import FREQUENCIES


@dataclass(frozen=True)
class Period:
    frequency: str
    start: datetime  # inclusive
    end: datetime  # exclusive

    @property
    def key(self) -> str:
        """The delivery key, e.g. "weekly:2026-11-16" (the first day of the period)."""
        return f"{self.frequency}:{self.start.date().isoformat()}"

    @property
    def label(self) -> str:
        """E.g. "16–22 Nov 2026" / "16–22 listopada 2026", in the language being rendered."""
        first, last = self.start.date(), (self.end - timedelta(days=1)).date()
        # The language being rendered (English with no app at all, as in a plain unit test).
        locale = current_locale() if has_app_context() else "en"
        month = "MMMM" if locale == "pl" else "MMM"  # Polish writes the month out, in the genitive

        def day(value: date, pattern: str) -> str:
            return str(format_date(value, pattern, locale=locale))

        if first == last:
            return day(first, f"d {month} y")
        if first.year != last.year:
            return f"{day(first, f'd {month} y')} – {day(last, f'd {month} y')}"
        if first.month != last.month:
            return f"{day(first, f'd {month}')} – {day(last, f'd {month} y')}"
        return f"{first.day}–{day(last, f'd {month} y')}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def period_ending_before(frequency: str, now: datetime) -> Period:
    """Daily: yesterday (UTC). Weekly: the previous Monday to Sunday."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(UTC).date()
    if frequency == "daily":
        return Period("daily", _midnight(today - timedelta(days=1)), _midnight(today))
    this_monday = today - timedelta(days=today.weekday())
    return Period("weekly", _midnight(this_monday - timedelta(days=7)), _midnight(this_monday))
