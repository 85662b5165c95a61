"""The period a digest covers: the UTC day or the Monday–Sunday week that just ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

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
        first, last = self.start.date(), (self.end - timedelta(days=1)).date()
        if first == last:
            return f"{first.day} {first:%b %Y}"
        if first.year != last.year:
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day}–{last.day} {last:%b %Y}"


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
