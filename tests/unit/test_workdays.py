"""Working-day calendar: Vietnamese holidays, make-up days, Civil Code counting."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.workdays import WorkCalendar, load_overrides

DEFAULT = WorkCalendar.default()
PLAIN = WorkCalendar()

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


# --- public holidays ---------------------------------------------------------------------------

HOLIDAYS = [
    date(2025, 1, 1),
    *(date(2025, 1, d) for d in range(27, 32)),  # Tết Ất Tỵ (weekdays)
    date(2025, 4, 7),  # Giỗ Tổ Hùng Vương
    date(2025, 4, 30),
    date(2025, 5, 1),
    date(2025, 5, 2),  # swapped day off (made up on Saturday 26/4)
    date(2025, 9, 1),
    date(2025, 9, 2),
    date(2026, 1, 1),
    *(date(2026, 2, d) for d in range(16, 21)),  # Tết Bính Ngọ 16-20/2/2026
    date(2026, 4, 27),  # Giỗ Tổ falls on Sunday 26/4: observed Monday
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 8, 31),  # swapped day off (made up on Saturday 22/8)
    date(2026, 9, 1),
    date(2026, 9, 2),
    date(2026, 11, 24),  # Ngày Văn hóa Việt Nam, from 2026
]


@pytest.mark.parametrize("day", HOLIDAYS, ids=str)
def test_public_holidays_are_not_workdays(day: date) -> None:
    assert day.weekday() < 5
    assert not PLAIN.is_workday(day)
    assert not DEFAULT.is_workday(day)


@pytest.mark.parametrize(
    "day",
    [date(2025, 11, 24), date(2026, 2, 13), date(2026, 2, 23), date(2026, 5, 4), date(2026, 9, 3)],
    ids=str,
)
def test_ordinary_weekdays_are_workdays(day: date) -> None:
    assert DEFAULT.is_workday(day)


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 2, 15), date(2025, 11, 8)], ids=str)
def test_weekends_are_not_workdays(day: date) -> None:
    assert not DEFAULT.is_workday(day)


# --- override table ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2024, 5, 4), date(2025, 4, 26), date(2026, 8, 22)], ids=str)
def test_packaged_make_up_saturdays_are_workdays(day: date) -> None:
    assert day.weekday() == 5
    assert DEFAULT.is_workday(day)
    assert not PLAIN.is_workday(day)


def test_extra_day_off_and_extra_workday() -> None:
    cal = WorkCalendar(extra_days_off=[date(2026, 1, 2)], extra_workdays=[date(2026, 1, 10)])
    assert not cal.is_workday(date(2026, 1, 2))  # a Friday made a day off
    assert cal.is_workday(date(2026, 1, 10))  # a Saturday made a working day
    assert cal.next_workday(date(2026, 1, 1)) == date(2026, 1, 5)


def test_day_off_wins_over_workday() -> None:
    day = date(2026, 3, 7)
    cal = WorkCalendar(extra_days_off=[day], extra_workdays=[day])
    assert not cal.is_workday(day)


def test_packaged_table_is_documented_and_valid() -> None:
    text = resources.files("nlp").joinpath("data/calendar_overrides.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert "admin" in data["notes"].lower()
    days_off, workdays = load_overrides(text)
    assert all(d.weekday() == 5 for d in workdays)
    assert set(days_off).isdisjoint(workdays)


def test_default_merges_an_extra_file(tmp_path: Path) -> None:
    extra = tmp_path / "extra.json"
    extra.write_text(
        json.dumps({"days_off": ["2026-01-02"], "workdays": ["2026-01-10"], "notes": "test"}),
        encoding="utf-8",
    )
    cal = WorkCalendar.default(extra)
    assert not cal.is_workday(date(2026, 1, 2))
    assert cal.is_workday(date(2026, 1, 10))
    assert cal.is_workday(date(2025, 4, 26))  # packaged entries are kept


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("{not json", ValueError),
        ('{"days_off": ["2026-13-01"]}', ValueError),
        ('{"days_off": "2026-01-02"}', TypeError),
        ('{"workdays": [20260102]}', TypeError),
        ("[]", TypeError),
    ],
)
def test_malformed_overrides_are_rejected(tmp_path: Path, content: str, error: type[Exception]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(error):
        WorkCalendar.default(bad)


def test_empty_overrides_are_fine() -> None:
    assert load_overrides("{}") == ([], [])


# --- arithmetic --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 2, 14), date(2026, 2, 23)),  # Saturday before Tết -> Monday after it
        (date(2026, 4, 30), date(2026, 5, 4)),
        (date(2026, 11, 24), date(2026, 11, 25)),
        (date(2026, 11, 25), date(2026, 11, 25)),
    ],
    ids=str,
)
def test_next_workday(start: date, expected: date) -> None:
    assert DEFAULT.next_workday(start) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 2, 13), 1, date(2026, 2, 23)),  # across Tết 2026
        (date(2026, 2, 12), 3, date(2026, 2, 24)),
        (date(2026, 4, 29), 1, date(2026, 5, 4)),  # 30/4, 1/5, weekend
        (date(2026, 11, 23), 1, date(2026, 11, 25)),  # 24/11
        (date(2026, 8, 28), 1, date(2026, 9, 3)),  # 31/8, 1/9, 2/9
        (date(2026, 8, 21), 1, date(2026, 8, 22)),  # make-up Saturday counts
        (date(2025, 11, 8), 15, date(2025, 11, 28)),
        (date(2025, 11, 10), 5, date(2025, 11, 17)),
        (date(2025, 11, 10), 0, date(2025, 11, 10)),
    ],
    ids=str,
)
def test_add_workdays(start: date, n: int, expected: date) -> None:
    assert DEFAULT.add_workdays(start, n) == expected


def test_add_workdays_rejects_negative() -> None:
    with pytest.raises(ValueError, match="n must be"):
        DEFAULT.add_workdays(date(2026, 1, 5), -1)


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=1, max_value=40))
def test_add_workdays_lands_on_a_later_workday(d: date, n: int) -> None:
    result = DEFAULT.add_workdays(d, n)
    assert result > d
    assert DEFAULT.is_workday(result)
    between = [d + timedelta(days=i) for i in range(1, (result - d).days + 1)]
    assert sum(DEFAULT.is_workday(x) for x in between) == n


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=0, max_value=30))
def test_add_workdays_is_monotonic_and_additive(d: date, n: int) -> None:
    assert DEFAULT.add_workdays(d, n + 1) > DEFAULT.add_workdays(d, n)
    assert DEFAULT.add_workdays(d, n + 1) == DEFAULT.add_workdays(DEFAULT.add_workdays(d, n), 1)


@settings(max_examples=200, deadline=None)
@given(dates)
def test_next_workday_is_idempotent_and_minimal(d: date) -> None:
    nxt = DEFAULT.next_workday(d)
    assert nxt >= d
    assert DEFAULT.is_workday(nxt)
    assert DEFAULT.next_workday(nxt) == nxt
    assert not any(DEFAULT.is_workday(d + timedelta(days=i)) for i in range((nxt - d).days))


@settings(max_examples=100, deadline=None)
@given(dates)
def test_weekends_only_work_when_listed(d: date) -> None:
    if d.weekday() >= 5:
        assert PLAIN.is_workday(d) is False
