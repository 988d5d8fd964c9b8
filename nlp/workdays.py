"""Vietnamese working-day calendar for deadline arithmetic and reminders.

A working day is Monday to Friday that is not a public holiday, plus any
announced make-up working day ("ngày làm bù", usually a Saturday). Public
holidays come from the ``holidays`` library (``holidays.VN``, version >= 0.108,
which knows the 2025-2026 changes such as 24/11 "Ngày Văn hóa Việt Nam"); what
it cannot express (make-up Saturdays, ad-hoc extra days off) comes from the
admin-editable table ``nlp/data/calendar_overrides.json``.

Counting follows the Civil Code 2015 (Điều 147-148): a period starts on the day
after the triggering day, and a period ending on a non-working day ends on the
next working day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import holidays

_PACKAGED_OVERRIDES = "data/calendar_overrides.json"
_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


def _public_holidays(year: int) -> frozenset[date]:
    """Vietnamese public holidays (including observed and swapped days off) of ``year``."""
    calendar = holidays.country_holidays("VN", years=year)
    return frozenset(day for day in calendar if isinstance(day, date))


def _parse_dates(values: Any, field: str, source: str) -> list[date]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise TypeError(f"{source}: '{field}' must be a list of YYYY-MM-DD strings")
    parsed: list[date] = []
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"{source}: '{field}' entries must be YYYY-MM-DD strings, got {value!r}")
        try:
            parsed.append(date.fromisoformat(value.strip()))
        except ValueError as exc:
            raise ValueError(f"{source}: bad date {value!r} in '{field}'") from exc
    return parsed


def load_overrides(text: str, source: str = "<overrides>") -> tuple[list[date], list[date]]:
    """Parse an overrides JSON document.

    Args:
        text: JSON with optional keys ``days_off`` and ``workdays`` (lists of
            ISO dates); other keys (``notes``, ``sources``) are ignored.
        source: Name used in error messages.

    Returns:
        ``(days_off, workdays)``.

    Raises:
        ValueError: If the JSON or one of the dates is malformed.
        TypeError: If a value has the wrong JSON type.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TypeError(f"{source}: top level must be a JSON object")
    return (
        _parse_dates(data.get("days_off"), "days_off", source),
        _parse_dates(data.get("workdays"), "workdays", source),
    )


class WorkCalendar:
    """Working days of Vietnamese state bodies (Monday-Friday minus holidays, plus make-up days)."""

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        """Build a calendar from the public holidays plus explicit overrides.

        Args:
            extra_days_off: Dates that are never working days (wins over
                ``extra_workdays`` when a date is in both).
            extra_workdays: Make-up working days ("làm bù"), working even on a
                weekend or a public holiday.
        """
        self._days_off = frozenset(extra_days_off)
        self._workdays = frozenset(extra_workdays) - self._days_off
        self._holidays_by_year: dict[int, frozenset[date]] = {}

    @classmethod
    def default(cls, overrides_path: Path | None = None) -> WorkCalendar:
        """Calendar with ``holidays.VN`` and the packaged override table.

        Args:
            overrides_path: Optional extra JSON file with the same schema as
                ``nlp/data/calendar_overrides.json``; its entries are added to
                the packaged ones.

        Returns:
            The calendar.

        Raises:
            ValueError: If an override file is malformed.
            TypeError: If an override file has values of the wrong JSON type.
            OSError: If ``overrides_path`` cannot be read.
        """
        packaged = resources.files("nlp").joinpath(_PACKAGED_OVERRIDES)
        days_off, workdays = load_overrides(packaged.read_text(encoding="utf-8"), _PACKAGED_OVERRIDES)
        if overrides_path is not None:
            extra_text = overrides_path.read_text(encoding="utf-8")
            extra_off, extra_work = load_overrides(extra_text, str(overrides_path))
            days_off += extra_off
            workdays += extra_work
        return cls(extra_days_off=days_off, extra_workdays=workdays)

    def _is_public_holiday(self, d: date) -> bool:
        year_holidays = self._holidays_by_year.get(d.year)
        if year_holidays is None:
            year_holidays = _public_holidays(d.year)
            self._holidays_by_year[d.year] = year_holidays
        return d in year_holidays

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day.

        Args:
            d: The date.

        Returns:
            False for explicit extra days off; True for explicit make-up
            workdays; otherwise True on Monday-Friday outside public holidays.
        """
        if d in self._days_off:
            return False
        if d in self._workdays:
            return True
        return d.weekday() < _SATURDAY and not self._is_public_holiday(d)

    def next_workday(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it.

        Args:
            d: The date.

        Returns:
            The working day.
        """
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    def add_workdays(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (Civil Code counting).

        The day after ``d`` is the first candidate, so ``add_workdays(d, 1)`` is
        the next working day strictly after ``d``. ``n == 0`` returns ``d``.

        Args:
            d: The triggering day (not counted).
            n: Number of working days, ``n >= 0``.

        Returns:
            The due date.

        Raises:
            ValueError: If ``n`` is negative.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        remaining = n
        while remaining:
            d += _ONE_DAY
            if self.is_workday(d):
                remaining -= 1
        return d
