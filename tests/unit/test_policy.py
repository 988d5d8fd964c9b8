"""Reminder planning and the official states: pure functions, a fixed clock, table-tested."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import Recurrence
from core.tracking import OfficialStatus, PlannedReminder, ReminderKind, ReminderPolicy, TaskState, TrackedTask
from jobs.policy import MondayToFriday, WorkingDays, next_allowed, occurrences, official_status, plan, task_status
from nlp.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar.default()  # holidays.VN plus the make-up Saturdays (22/8/2026)
PLAIN = MondayToFriday()
POLICY = ReminderPolicy()
WORKING = replace(POLICY, working_days=True)

_CALENDAR_IS_A_WORKING_DAYS: WorkingDays = CAL  # mypy: WorkCalendar satisfies the protocol


def at(text: str) -> dt.datetime:
    """A local moment, 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def show(moment: dt.datetime) -> str:
    assert moment.tzinfo is dt.UTC
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def make_task(
    deadline: str | None = "2026-12-24",
    *,
    issued: str = "2026-12-01 09:00",
    acknowledged: str | None = "2026-12-01 10:00",
    recurrence: str | None = None,
    state: TaskState = TaskState.OPEN,
    completed: str | None = None,
) -> TrackedTask:
    return TrackedTask(
        id=12,
        meeting_id=3,
        lead_agency_id=7,
        cooperating_agency_ids=(8,),
        task="Báo cáo tiến độ",
        deadline=day(deadline) if deadline else None,
        original_deadline=day(deadline) if deadline else None,
        recurrence=recurrence,
        issued_at=at(issued),
        state=state,
        acknowledged_at=at(acknowledged) if acknowledged else None,
        completed_at=at(completed) if completed else None,
    )


def summary(reminders: list[PlannedReminder]) -> list[tuple[str, str, str]]:
    """(kind, local due time, key without the task id), in the planned order."""
    out = []
    for r in reminders:
        assert r.task_id == 12
        assert r.key.startswith("12:")
        out.append((r.kind.value, show(r.due_at), r.key.removeprefix("12:")))
    return out


def run(
    task: TrackedTask, now: str, policy: ReminderPolicy = POLICY, calendar: WorkingDays = CAL
) -> list[PlannedReminder]:
    return plan(task, policy, now=at(now), tz=TZ, calendar=calendar)


# --- next_allowed: the quiet window -------------------------------------------------------------

WEEKENDS_TOO = replace(POLICY, weekdays_only=False)


@pytest.mark.parametrize(
    ("moment", "policy", "calendar", "expected"),
    [
        ("2026-12-17 07:00", POLICY, CAL, "2026-12-17 08:00"),  # before the window: that day's start
        ("2026-12-17 08:00", POLICY, CAL, "2026-12-17 08:00"),
        ("2026-12-17 10:15", POLICY, CAL, "2026-12-17 10:15"),  # inside: unchanged
        ("2026-12-17 17:29", POLICY, CAL, "2026-12-17 17:29"),
        ("2026-12-17 17:30", POLICY, CAL, "2026-12-18 08:00"),  # the end is excluded
        ("2026-12-18 18:00", POLICY, CAL, "2026-12-21 08:00"),  # Friday evening: Monday
        ("2026-12-19 10:00", POLICY, CAL, "2026-12-21 08:00"),  # Saturday
        ("2026-09-02 10:00", POLICY, CAL, "2026-09-03 08:00"),  # Quốc khánh
        ("2026-08-31 09:00", POLICY, CAL, "2026-09-03 08:00"),  # swapped day off, 1/9, 2/9
        ("2026-08-22 09:00", POLICY, CAL, "2026-08-22 09:00"),  # make-up Saturday: a working day
        ("2026-09-02 10:00", POLICY, PLAIN, "2026-09-02 10:00"),  # a calendar without holidays
        ("2027-02-03 18:00", POLICY, CAL, "2027-02-11 08:00"),  # Tết Đinh Mùi 4-10/2/2027
        ("2026-12-31 17:45", POLICY, CAL, "2027-01-04 08:00"),  # 1/1 and the weekend
        ("2026-12-19 10:00", WEEKENDS_TOO, CAL, "2026-12-19 10:00"),  # weekends allowed
        ("2026-12-19 06:00", WEEKENDS_TOO, CAL, "2026-12-19 08:00"),
        ("2026-09-02 10:00", WEEKENDS_TOO, CAL, "2026-09-03 08:00"),  # holidays still not
        ("2026-12-17 12:00", replace(POLICY, quiet_start=dt.time(13, 0)), CAL, "2026-12-17 13:00"),
    ],
)
def test_next_allowed(moment: str, policy: ReminderPolicy, calendar: WorkingDays, expected: str) -> None:
    assert show(next_allowed(at(moment), policy, tz=TZ, calendar=calendar)) == expected


def test_next_allowed_takes_any_zone_and_answers_utc() -> None:
    moment = dt.datetime(2026, 12, 17, 0, 30, tzinfo=dt.UTC)  # 07:30 in Hà Nội
    result = next_allowed(moment, POLICY, tz=TZ, calendar=CAL)
    assert result == dt.datetime(2026, 12, 17, 1, 0, tzinfo=dt.UTC)
    assert result.tzinfo is dt.UTC


def test_next_allowed_rejects_naive_moments_and_empty_windows() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_allowed(dt.datetime(2026, 12, 17, 9, 0), POLICY, tz=TZ, calendar=CAL)  # noqa: DTZ001
    empty = replace(POLICY, quiet_start=dt.time(18, 0), quiet_end=dt.time(8, 0))
    with pytest.raises(ValueError, match="empty quiet window"):
        next_allowed(at("2026-12-17 09:00"), empty, tz=TZ, calendar=CAL)


def test_a_calendar_without_working_days_is_an_error() -> None:
    class NeverWorks:
        def is_workday(self, day: dt.date, /) -> bool:
            return False

    with pytest.raises(ValueError, match="no allowed day"):
        next_allowed(at("2026-12-17 09:00"), POLICY, tz=TZ, calendar=NeverWorks())


# --- the four official states ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "completed_at", "today", "expected"),
    [
        ("2026-12-24", at("2026-12-20 10:00"), "2026-12-28", OfficialStatus.DONE_ON_TIME),
        ("2026-12-24", at("2026-12-24 23:59"), "2026-12-28", OfficialStatus.DONE_ON_TIME),
        ("2026-12-24", at("2026-12-25 00:00"), "2026-12-28", OfficialStatus.DONE_LATE),  # one minute late
        # The same two minutes given in UTC: both are still the 24th in UTC, not locally.
        ("2026-12-24", dt.datetime(2026, 12, 24, 16, 59, tzinfo=dt.UTC), "2026-12-28", OfficialStatus.DONE_ON_TIME),
        ("2026-12-24", dt.datetime(2026, 12, 24, 17, 0, tzinfo=dt.UTC), "2026-12-28", OfficialStatus.DONE_LATE),
        ("2026-12-24", None, "2026-12-01", OfficialStatus.IN_PROGRESS),
        ("2026-12-24", None, "2026-12-24", OfficialStatus.IN_PROGRESS),  # the deadline day itself
        ("2026-12-24", None, "2026-12-25", OfficialStatus.OVERDUE),
        (None, None, "2030-01-01", OfficialStatus.IN_PROGRESS),  # no deadline: never overdue
        (None, at("2030-01-01 09:00"), "2030-01-01", OfficialStatus.DONE_ON_TIME),
        # Extended from 24/12/2026 to 15/1/2027: judged against the new deadline.
        ("2027-01-15", at("2027-01-10 09:00"), "2027-01-20", OfficialStatus.DONE_ON_TIME),
        ("2027-01-15", None, "2027-01-10", OfficialStatus.IN_PROGRESS),
        ("2027-01-15", None, "2027-01-16", OfficialStatus.OVERDUE),
    ],
)
def test_official_status(
    deadline: str | None, completed_at: dt.datetime | None, today: str, expected: OfficialStatus
) -> None:
    due = day(deadline) if deadline else None
    assert official_status(due, completed_at, today=day(today), tz=TZ) is expected


def test_the_original_deadline_would_have_made_it_late() -> None:
    completed = at("2027-01-10 09:00")
    assert official_status(day("2026-12-24"), completed, today=day("2027-01-20"), tz=TZ) is OfficialStatus.DONE_LATE


def test_official_status_rejects_a_naive_completion_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        official_status(day("2026-12-24"), dt.datetime(2026, 12, 24, 9, 0), today=day("2026-12-24"), tz=TZ)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("task", "now", "expected"),
    [
        (make_task(), "2026-12-24 20:00", OfficialStatus.IN_PROGRESS),
        (make_task(), "2026-12-25 00:00", OfficialStatus.OVERDUE),
        (make_task(state=TaskState.DONE, completed="2026-12-25 00:01"), "2026-12-26 09:00", OfficialStatus.DONE_LATE),
        (
            make_task(state=TaskState.DONE, completed="2026-12-24 23:00"),
            "2026-12-26 09:00",
            OfficialStatus.DONE_ON_TIME,
        ),
        # Reopened: a stale completion time does not count.
        (make_task(completed="2026-12-20 09:00"), "2026-12-26 09:00", OfficialStatus.OVERDUE),
        (make_task(state=TaskState.CANCELLED), "2026-12-26 09:00", None),
    ],
)
def test_task_status(task: TrackedTask, now: str, expected: OfficialStatus | None) -> None:
    assert task_status(task, now=at(now), tz=TZ) is expected


# --- plan: the kinds ---------------------------------------------------------------------------

D = "2026-12-24"  # a Thursday

PLAN_CASES = [
    pytest.param(
        make_task(),
        "2026-12-10 12:00",
        POLICY,
        [
            ("before", "2026-12-17 08:00", f"before:{D}:2026-12-17"),
            ("before", "2026-12-21 08:00", f"before:{D}:2026-12-21"),
            ("before", "2026-12-23 08:00", f"before:{D}:2026-12-23"),
            ("due", "2026-12-24 08:00", f"due:{D}"),
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),  # only the next one
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),  # 27/12 is a Sunday
        ],
        id="all-deadline-kinds",
    ),
    pytest.param(
        make_task(),
        "2026-12-17 09:30",
        POLICY,
        [
            ("before", "2026-12-17 09:30", f"before:{D}:2026-12-17"),  # today's, late: now
            ("before", "2026-12-21 08:00", f"before:{D}:2026-12-21"),
            ("before", "2026-12-23 08:00", f"before:{D}:2026-12-23"),
            ("due", "2026-12-24 08:00", f"due:{D}"),
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
        ],
        id="late-before-on-its-day",
    ),
    pytest.param(
        make_task(),
        "2026-12-18 09:00",
        POLICY,
        [
            ("before", "2026-12-21 08:00", f"before:{D}:2026-12-21"),  # yesterday's is gone
            ("before", "2026-12-23 08:00", f"before:{D}:2026-12-23"),
            ("due", "2026-12-24 08:00", f"due:{D}"),
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
        ],
        id="past-before-skipped",
    ),
    pytest.param(
        make_task(issued="2026-12-22 10:00", acknowledged="2026-12-22 11:00"),
        "2026-12-22 10:00",
        POLICY,
        [
            ("before", "2026-12-23 08:00", f"before:{D}:2026-12-23"),  # no 7- or 3-day reminder
            ("due", "2026-12-24 08:00", f"due:{D}"),
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
        ],
        id="issued-two-days-before",
    ),
    pytest.param(
        make_task(issued="2026-12-21 10:00", acknowledged="2026-12-21 11:00"),
        "2026-12-21 10:00",
        POLICY,
        [
            ("before", "2026-12-23 08:00", f"before:{D}:2026-12-23"),  # today 08:00 was before the issue
            ("due", "2026-12-24 08:00", f"due:{D}"),
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
        ],
        id="issued-after-todays-before",
    ),
    pytest.param(
        make_task(),
        "2026-12-24 10:00",
        POLICY,
        [
            ("due", "2026-12-24 10:00", f"due:{D}"),  # late on the day: now
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
        ],
        id="due-late-on-the-day",
    ),
    pytest.param(
        make_task(),
        "2026-12-24 18:00",
        POLICY,
        [
            ("overdue", "2026-12-25 08:00", f"overdue:{D}:2026-12-25"),  # too late for "due today"
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
        ],
        id="due-day-over",
    ),
    pytest.param(
        make_task(),
        "2026-12-26 10:00",
        POLICY,
        [
            # Saturday: 25/12's would go out on Monday together with Monday's own; only Monday's.
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),
            ("overdue", "2026-12-28 08:00", f"overdue:{D}:2026-12-28"),
        ],
        id="overdue-over-a-weekend",
    ),
    pytest.param(
        make_task(),
        "2026-12-28 08:00:05",
        POLICY,
        [
            ("escalation", "2026-12-28 08:00", f"escalation:{D}"),  # late by seconds: now
            ("overdue", "2026-12-28 08:00", f"overdue:{D}:2026-12-28"),  # the current one (sent: skipped)
            ("overdue", "2026-12-29 08:00", f"overdue:{D}:2026-12-29"),  # and the next
        ],
        id="overdue-rolling",
    ),
    pytest.param(
        make_task(),
        "2026-12-30 12:00",
        replace(POLICY, overdue_every_days=3),
        [
            ("escalation", "2026-12-30 12:00", f"escalation:{D}"),
            ("overdue", "2026-12-30 12:00", f"overdue:{D}:2026-12-30"),  # 27/12 (Sunday → 28), 30/12
            ("overdue", "2027-01-04 08:00", f"overdue:{D}:2027-01-04"),  # 2/1 is a Saturday after 1/1
        ],
        id="overdue-every-three-days",
    ),
    pytest.param(
        make_task("2026-12-10", issued="2026-12-15 10:00", acknowledged="2026-12-15 10:00"),
        "2026-12-15 10:00",
        POLICY,
        [
            ("escalation", "2026-12-15 10:00", "escalation:2026-12-10"),
            ("overdue", "2026-12-15 10:00", "overdue:2026-12-10:2026-12-15"),  # overdue now
            ("overdue", "2026-12-16 08:00", "overdue:2026-12-10:2026-12-16"),
        ],
        id="issued-after-the-deadline",
    ),
    pytest.param(
        make_task("2026-12-27"),  # a Sunday
        "2026-12-10 12:00",
        POLICY,
        [
            ("before", "2026-12-21 08:00", "before:2026-12-27:2026-12-21"),  # 20/12 is a Sunday
            ("before", "2026-12-24 08:00", "before:2026-12-27:2026-12-24"),
            ("due", "2026-12-25 08:00", "due:2026-12-27"),  # "on the day": the last working day before
            ("overdue", "2026-12-28 08:00", "overdue:2026-12-27:2026-12-28"),
            ("escalation", "2026-12-30 08:00", "escalation:2026-12-27"),
        ],
        id="deadline-on-a-sunday",
    ),
    pytest.param(
        make_task("2026-09-04", issued="2026-08-01 09:00", acknowledged="2026-08-01 09:30"),
        "2026-08-20 09:00",
        POLICY,
        [
            ("before", "2026-08-28 08:00", "before:2026-09-04:2026-08-28"),
            ("before", "2026-09-03 08:00", "before:2026-09-04:2026-09-03"),  # 1/9 and 3/9: one reminder
            ("due", "2026-09-04 08:00", "due:2026-09-04"),
            ("escalation", "2026-09-07 08:00", "escalation:2026-09-04"),  # one moment: the dispatcher coalesces
            ("overdue", "2026-09-07 08:00", "overdue:2026-09-04:2026-09-07"),
        ],
        id="holiday-quoc-khanh",
    ),
    pytest.param(
        make_task("2027-02-12", issued="2027-01-04 09:00", acknowledged="2027-01-04 09:30"),
        "2027-01-05 09:00",
        POLICY,
        [
            # 5/2, 9/2 and 11/2: Tết moves the first two onto 11/2: one reminder.
            ("before", "2027-02-11 08:00", "before:2027-02-12:2027-02-11"),
            ("due", "2027-02-12 08:00", "due:2027-02-12"),
            ("escalation", "2027-02-15 08:00", "escalation:2027-02-12"),
            ("overdue", "2027-02-15 08:00", "overdue:2027-02-12:2027-02-15"),
        ],
        id="tet-calendar-days",
    ),
    pytest.param(
        make_task("2027-02-12", issued="2027-01-04 09:00", acknowledged="2027-01-04 09:30"),
        "2027-01-05 09:00",
        WORKING,
        [
            ("before", "2027-01-27 08:00", "before:2027-02-12:2027-01-27"),  # 7 working days across Tết
            ("before", "2027-02-02 08:00", "before:2027-02-12:2027-02-02"),
            ("before", "2027-02-11 08:00", "before:2027-02-12:2027-02-11"),
            ("due", "2027-02-12 08:00", "due:2027-02-12"),
            ("overdue", "2027-02-15 08:00", "overdue:2027-02-12:2027-02-15"),
            ("escalation", "2027-02-17 08:00", "escalation:2027-02-12"),  # 3 working days
        ],
        id="tet-working-days",
    ),
    pytest.param(
        make_task(),
        "2026-12-10 12:00",
        replace(POLICY, before_days=(), on_the_day=False, overdue_every_days=0, escalate_after_days=0),
        [],
        id="everything-off",
    ),
    pytest.param(
        make_task(),
        "2026-12-10 12:00",
        replace(POLICY, before_days=(1, 0), on_the_day=False, overdue_every_days=0, escalate_after_days=0),
        [
            ("before", "2026-12-23 08:00", f"before:{D}:2026-12-23"),
            ("before", "2026-12-24 08:00", f"before:{D}:2026-12-24"),  # 0 days before, no DUE
        ],
        id="no-due-before-zero",
    ),
    pytest.param(
        make_task(),
        "2026-12-10 12:00",
        replace(POLICY, quiet_start=dt.time(9, 30), quiet_end=dt.time(11, 0), before_days=(7,)),
        [
            ("before", "2026-12-17 09:30", f"before:{D}:2026-12-17"),
            ("due", "2026-12-24 09:30", f"due:{D}"),
            ("overdue", "2026-12-25 09:30", f"overdue:{D}:2026-12-25"),
            ("escalation", "2026-12-28 09:30", f"escalation:{D}"),
        ],
        id="custom-quiet-hours",
    ),
    pytest.param(
        make_task(acknowledged=None, issued="2026-12-16 07:00"),
        "2026-12-16 07:00",
        replace(POLICY, before_days=(), on_the_day=False, overdue_every_days=0, escalate_after_days=0),
        [("nudge", "2026-12-17 08:00", "nudge:24h")],  # 07:00 the next day: 08:00
        id="nudge-before-the-window",
    ),
    pytest.param(
        make_task(acknowledged=None, issued="2026-12-18 18:00"),
        "2026-12-18 18:00",
        replace(POLICY, before_days=(), on_the_day=False, overdue_every_days=0, escalate_after_days=0),
        [("nudge", "2026-12-21 08:00", "nudge:24h")],  # Saturday 18:00: Monday
        id="nudge-on-a-saturday",
    ),
    pytest.param(
        make_task(None, acknowledged=None, issued="2026-09-01 10:00"),
        "2026-09-01 10:00",
        POLICY,
        [("nudge", "2026-09-03 08:00", "nudge:24h")],  # 2/9 10:00: the next working day
        id="nudge-on-a-holiday",
    ),
    pytest.param(
        make_task(None, acknowledged=None, issued="2026-12-01 09:00"),
        "2026-12-10 19:00",
        POLICY,
        [("nudge", "2026-12-11 08:00", "nudge:24h")],  # missed: at the next allowed moment
        id="nudge-late",
    ),
    pytest.param(
        make_task(None, acknowledged=None, issued="2026-12-01 09:00"),
        "2026-12-10 19:00",
        replace(POLICY, nudge_after_hours=0),
        [],
        id="nudge-off",
    ),
    pytest.param(make_task(None), "2026-12-10 19:00", POLICY, [], id="acknowledged-no-deadline"),
]


@pytest.mark.parametrize(("task", "now", "policy", "expected"), PLAN_CASES)
def test_plan(task: TrackedTask, now: str, policy: ReminderPolicy, expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(task, now, policy)) == expected


@pytest.mark.parametrize(
    "task",
    [
        make_task(state=TaskState.DONE, completed="2026-12-05 09:00"),
        make_task(state=TaskState.CANCELLED),
        make_task(state=TaskState.DONE, acknowledged=None, recurrence="hằng tháng", completed="2026-12-05 09:00"),
        make_task(state=TaskState.CANCELLED, acknowledged=None, recurrence="hằng tuần"),
    ],
)
def test_done_or_cancelled_tasks_get_nothing(task: TrackedTask) -> None:
    assert run(task, "2026-12-10 12:00") == []
    assert run(task, "2027-03-10 12:00") == []


def test_a_tasks_own_days_replace_the_policys_and_silenced_tasks_get_nothing() -> None:
    task = make_task(acknowledged=None)
    own = replace(task, reminder_days=(10, 2))
    before = sorted(r.key for r in run(own, "2026-12-01 12:00") if r.kind.value == "before")
    assert before == ["12:before:2026-12-24:2026-12-14", "12:before:2026-12-24:2026-12-22"]  # 10 and 2 days
    assert {r.kind.value for r in run(own, "2026-12-01 12:00")} >= {"due", "nudge"}  # the rest of the policy stays
    assert run(replace(task, reminders_off=True), "2026-12-01 12:00") == []
    assert run(replace(task, reminders_off=True), "2027-01-10 12:00") == []  # not even overdue ones


def test_acknowledged_tasks_get_no_nudge() -> None:
    unacknowledged = make_task(acknowledged=None)
    assert "nudge" in {r.kind.value for r in run(unacknowledged, "2026-12-01 09:00")}
    assert "nudge" not in {r.kind.value for r in run(make_task(), "2026-12-01 09:00")}


def test_extension_changes_every_deadline_key() -> None:
    old = make_task(acknowledged=None)
    new = replace(old, deadline=day("2027-01-15"))  # original_deadline stays 24/12/2026
    now = "2026-12-10 12:00"
    old_keys = {r.key for r in run(old, now)}
    new_keys = {r.key for r in run(new, now)}
    # The caller cancels the pending keys not planned any more; only the nudge survives.
    assert old_keys & new_keys == {"12:nudge:24h"}
    assert all("2027-01-15" in key for key in new_keys - {"12:nudge:24h"})
    assert new.original_deadline == day("2026-12-24")


def test_keys_are_stable_while_time_passes() -> None:
    task = make_task(acknowledged=None, issued="2026-12-09 10:00")
    first = {r.key: r.due_at for r in run(task, "2026-12-10 09:00")}
    later = {r.key: r.due_at for r in run(task, "2026-12-10 09:55")}
    assert "12:nudge:24h" in later
    assert later == first


def test_a_sent_overdue_key_is_followed_by_the_next() -> None:
    """Re-planned right after a send: the sent key again (stored: skipped) and the next one."""
    task = make_task()
    before_send = {r.key for r in run(task, "2026-12-25 07:59") if r.kind is ReminderKind.OVERDUE}
    after_send = {r.key for r in run(task, "2026-12-25 08:00:01") if r.kind is ReminderKind.OVERDUE}
    assert before_send == {f"12:overdue:{D}:2026-12-25"}
    assert after_send == {f"12:overdue:{D}:2026-12-25", f"12:overdue:{D}:2026-12-28"}


def test_plan_accepts_now_in_any_zone() -> None:
    task = make_task()
    local = plan(task, POLICY, now=at("2026-12-10 12:00"), tz=TZ, calendar=CAL)
    utc = plan(task, POLICY, now=at("2026-12-10 12:00").astimezone(dt.UTC), tz=TZ, calendar=CAL)
    assert local == utc


@pytest.mark.parametrize(
    ("task", "policy", "match"),
    [
        (make_task(recurrence="mỗi khi cần"), POLICY, "mỗi khi cần"),
        (make_task(), replace(POLICY, before_days=(3, -1)), "negative"),
        (make_task(), replace(POLICY, quiet_end=dt.time(8, 0)), "empty quiet window"),
        (replace(make_task(), issued_at=dt.datetime(2026, 12, 1, 9, 0)), POLICY, "naive"),  # noqa: DTZ001
    ],
)
def test_plan_rejects_bad_input(task: TrackedTask, policy: ReminderPolicy, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        run(task, "2026-12-10 12:00", policy)


# --- plan: recurring duties ----------------------------------------------------------------------

MONTHLY = Recurrence.MONTHLY.value

RECURRING_CASES = [
    pytest.param(
        make_task(None, recurrence=MONTHLY),
        "2026-12-10 12:00",
        POLICY,
        [("recurring", "2026-12-28 08:00", "recurring:2026-12-31")],  # 3 days before the month's last working day
        id="monthly",
    ),
    pytest.param(
        make_task(None, recurrence=MONTHLY),
        "2026-12-29 10:00",
        POLICY,
        [
            ("recurring", "2026-12-29 10:00", "recurring:2026-12-31"),  # missed, the report not yet due: now
            ("recurring", "2027-01-26 08:00", "recurring:2027-01-29"),  # 30-31/1/2027 is a weekend
        ],
        id="monthly-late",
    ),
    pytest.param(
        make_task(None, recurrence=MONTHLY),
        "2026-12-31 18:00",
        POLICY,
        [("recurring", "2027-01-26 08:00", "recurring:2027-01-29")],  # the period is over
        id="monthly-period-over",
    ),
    pytest.param(
        make_task("2027-01-31", recurrence=MONTHLY),
        "2027-02-20 12:00",
        POLICY,
        [("recurring", "2027-02-25 08:00", "recurring:2027-02-28")],  # anchored on month ends
        id="monthly-anchored-month-end",
    ),
    pytest.param(
        make_task("2027-01-15", recurrence=MONTHLY),
        "2027-01-20 12:00",
        POLICY,
        [("recurring", "2027-02-12 08:00", "recurring:2027-02-15")],  # the 15th of each month
        id="monthly-anchored",
    ),
    pytest.param(
        make_task("2027-01-15", recurrence=MONTHLY),
        "2026-12-20 12:00",
        POLICY,
        [("recurring", "2027-01-12 08:00", "recurring:2027-01-15")],  # the deadline is the first one
        id="monthly-anchored-first",
    ),
    pytest.param(
        make_task(None, recurrence=Recurrence.DAILY.value),
        "2026-12-18 18:00",
        POLICY,
        [("recurring", "2026-12-21 08:00", "recurring:2026-12-21")],  # working days, on the day
        id="daily",
    ),
    pytest.param(
        make_task("2026-12-17", recurrence=Recurrence.DAILY.value),
        "2026-12-18 18:00",
        POLICY,
        [("recurring", "2026-12-21 08:00", "recurring:2026-12-21")],  # the weekend's are dropped
        id="daily-anchored",
    ),
    pytest.param(
        make_task(None, recurrence=Recurrence.WEEKLY.value),
        "2027-02-01 09:00",
        WORKING,
        [
            ("recurring", "2027-02-01 09:00", "recurring:2027-02-03"),  # Tết from Thursday: Wednesday; late
            ("recurring", "2027-02-02 08:00", "recurring:2027-02-12"),  # 3 working days before 12/2 (Tết)
        ],
        id="weekly-before-tet",
    ),
    pytest.param(
        make_task(None, recurrence=Recurrence.WEEKLY.value),
        "2027-02-04 09:00",
        WORKING,
        [
            ("recurring", "2027-02-11 08:00", "recurring:2027-02-12"),  # missed during Tết: first day back
            ("recurring", "2027-02-16 08:00", "recurring:2027-02-19"),
        ],
        id="weekly-after-tet",
    ),
    pytest.param(
        make_task(None, recurrence=Recurrence.QUARTERLY.value),
        "2027-03-01 09:00",
        POLICY,
        [("recurring", "2027-03-29 08:00", "recurring:2027-03-31")],  # 28/3 is a Sunday
        id="quarterly",
    ),
    pytest.param(
        make_task(None, recurrence=Recurrence.HALF_YEARLY.value),
        "2027-01-10 09:00",
        POLICY,
        [("recurring", "2027-06-28 08:00", "recurring:2027-06-30")],
        id="half-yearly",
    ),
    pytest.param(
        make_task(None, recurrence=Recurrence.YEARLY.value),
        "2027-01-10 09:00",
        POLICY,
        [("recurring", "2027-12-28 08:00", "recurring:2027-12-31")],
        id="yearly",
    ),
    pytest.param(
        make_task(None, recurrence=MONTHLY, acknowledged=None, issued="2026-12-10 09:00"),
        "2026-12-10 12:00",
        POLICY,
        [
            ("nudge", "2026-12-11 09:00", "nudge:24h"),
            ("recurring", "2026-12-28 08:00", "recurring:2026-12-31"),
        ],
        id="recurring-with-nudge",
    ),
]


@pytest.mark.parametrize(("task", "now", "policy", "expected"), RECURRING_CASES)
def test_plan_recurring(
    task: TrackedTask, now: str, policy: ReminderPolicy, expected: list[tuple[str, str, str]]
) -> None:
    assert summary(run(task, now, policy)) == expected


@pytest.mark.parametrize(("task", "now", "policy", "expected"), PLAN_CASES + RECURRING_CASES)
def test_planning_twice_gives_the_same_reminders(
    task: TrackedTask, now: str, policy: ReminderPolicy, expected: list[tuple[str, str, str]]
) -> None:
    first = run(task, now, policy)
    assert run(task, now, policy) == first
    assert len({r.key for r in first}) == len(first) == len(expected)


@pytest.mark.parametrize(
    ("recurrence", "anchor", "start", "expected"),
    [
        (Recurrence.MONTHLY, None, "2026-12-10", ["2026-12-31", "2027-01-29", "2027-02-26", "2027-03-31"]),
        (Recurrence.MONTHLY, "2027-01-31", "2027-01-01", ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]),
        (Recurrence.MONTHLY, "2027-01-30", "2027-01-01", ["2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30"]),
        (Recurrence.QUARTERLY, "2026-06-30", "2026-07-01", ["2026-09-30", "2026-12-31", "2027-03-31", "2027-06-30"]),
        (Recurrence.WEEKLY, None, "2026-02-09", ["2026-02-13", "2026-02-27", "2026-03-06", "2026-03-13"]),  # Tết week
        (Recurrence.WEEKLY, "2026-12-18", "2026-12-20", ["2026-12-25", "2027-01-01", "2027-01-08", "2027-01-15"]),
        (Recurrence.DAILY, None, "2026-08-28", ["2026-08-28", "2026-09-03", "2026-09-04", "2026-09-07"]),
        (Recurrence.HALF_YEARLY, None, "2026-07-01", ["2026-12-31", "2027-06-30", "2027-12-31", "2028-06-30"]),
        (Recurrence.YEARLY, None, "2026-12-31", ["2026-12-31", "2027-12-31", "2028-12-29", "2029-12-31"]),
    ],
)
def test_occurrences(recurrence: Recurrence, anchor: str | None, start: str, expected: list[str]) -> None:
    found = occurrences(recurrence, day(anchor) if anchor else None, day(start), CAL)
    assert [next(found).isoformat() for _ in expected] == expected


# --- the property: inside the window, never in the past ------------------------------------------

WINDOWS = [(dt.time(8, 0), dt.time(17, 30)), (dt.time(7, 30), dt.time(11, 0)), (dt.time(0, 0), dt.time(23, 59))]

policies = st.builds(
    ReminderPolicy,
    before_days=st.lists(st.integers(0, 10), max_size=4).map(tuple),
    on_the_day=st.booleans(),
    overdue_every_days=st.integers(0, 4),
    escalate_after_days=st.integers(0, 6),
    working_days=st.booleans(),
    weekdays_only=st.booleans(),
    nudge_after_hours=st.integers(0, 96),
).flatmap(lambda p: st.sampled_from(WINDOWS).map(lambda w: replace(p, quiet_start=w[0], quiet_end=w[1])))

moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(TZ),
)


@st.composite
def tasks(draw: st.DrawFn) -> tuple[TrackedTask, dt.datetime]:
    issued = draw(moments)
    now = issued + draw(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=120)))
    deadline = draw(st.none() | st.dates(dt.date(2025, 12, 1), dt.date(2028, 2, 1)))
    acknowledged = draw(st.none() | st.just(issued + dt.timedelta(hours=2)))
    recurrence = draw(st.none() | st.sampled_from([r.value for r in Recurrence]))
    task = TrackedTask(
        id=5,
        meeting_id=1,
        lead_agency_id=2,
        cooperating_agency_ids=(),
        task="x",
        deadline=deadline,
        original_deadline=deadline,
        recurrence=recurrence,
        issued_at=issued,
        acknowledged_at=acknowledged,
    )
    return task, now


@settings(max_examples=300, deadline=None)
@given(tasks(), policies)
def test_every_reminder_is_inside_the_window_and_not_in_the_past(
    task_now: tuple[TrackedTask, dt.datetime], policy: ReminderPolicy
) -> None:
    task, now = task_now
    planned = plan(task, policy, now=now, tz=TZ, calendar=CAL)
    assert plan(task, policy, now=now, tz=TZ, calendar=CAL) == planned
    assert len({r.key for r in planned}) == len(planned)
    for r in planned:
        assert r.due_at.tzinfo is dt.UTC
        assert r.due_at > now - dt.timedelta(seconds=1)
        local = r.due_at.astimezone(TZ)
        assert policy.quiet_start <= local.time() < policy.quiet_end
        if policy.weekdays_only:
            assert CAL.is_workday(local.date())
        else:
            assert local.weekday() >= 5 or CAL.is_workday(local.date())
        assert r.key.startswith("5:")
