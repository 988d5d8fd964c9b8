"""Reminder planning and the four official states, as pure functions.

Nothing here reads the clock, the database or the network: the caller passes ``now`` (aware),
the organisation's time zone and a working-day calendar (anything with
``is_workday(date) -> bool``, such as :class:`nlp.workdays.WorkCalendar`; ``jobs`` may not
import ``nlp``, so the calendar comes in as the :class:`WorkingDays` protocol).

How the caller uses :func:`plan` (the contract the keys rely on):

* Each :class:`~core.tracking.PlannedReminder` has a ``key`` that names *what* is reminded
  (task, kind, the deadline in force, the day it is for), never *when it was computed*, so
  planning twice gives the same keys. Store by key: a key already stored is left as it is (a
  sent key is never sent again), and the task's pending keys missing from a new plan are
  cancelled. After an approved extension every deadline-based key changes (it holds the
  deadline), so the old pending ones are cancelled and the new ones stored.
* A stored key keeps its first ``due_at``: changing a policy's quiet hours or
  ``nudge_after_hours`` does not move pending reminders unless the caller cancels and re-plans.
* Rolling kinds (OVERDUE, RECURRING) return at most the current one (late, due at once) and the
  next one; the caller re-plans after each send (or each event on the task) to get the next.
* Several reminders of one task may fall on the same moment (a BEFORE and an OVERDUE never, but
  an ESCALATION and an OVERDUE do): the dispatcher coalesces them into one message.

Decisions, documented here once:

* **Quiet window.** Reminders go out in ``[quiet_start, quiet_end)`` local time on an allowed
  day. With ``weekdays_only`` an allowed day is a working day of the calendar (Monday to Friday
  minus holidays, plus announced make-up Saturdays: those are official working days). Without
  it, Saturdays and Sundays are allowed too, holidays on weekdays are not.
* **Late reminders.** A reminder whose moment has passed is returned with ``due_at`` = the next
  allowed moment at or after ``now``, when it still makes sense: BEFORE only on its own day
  (and never for a moment before the task was issued: a task issued two days before its
  deadline gets no 7-day reminder), DUE up to the deadline day, RECURRING up to the occurrence
  day, OVERDUE unless the next one is due by then, ESCALATION and NUDGE always (one-shot).
* **Deadline on a non-allowed day** (a Sunday, a holiday): the DUE reminder goes on the last
  allowed day before it ("on the day" cannot be on the day); BEFORE reminders that land on or
  after the DUE one are dropped.
* **Overdue** reminders come every ``overdue_every_days`` days after the deadline (working
  days with ``working_days``), each moved into the quiet window; days that move onto the same
  day share one key. ``overdue_every_days == 0``: none.
* **Escalation**: once, when the task has been overdue ``escalate_after_days`` days (the day
  ``deadline + escalate_after_days``, working days with ``working_days``); 0: none. Who gets it
  (the secretaries' digest, the agency's head where set) is the caller's choice.
* **Nudge**: once, ``nudge_after_hours`` after issue (then into the quiet window) while the task
  is not acknowledged; 0: none.
* **Recurring duties** get RECURRING reminders only (plus the nudge), none of the
  deadline-based kinds: one reminder :data:`RECURRING_LEAD_DAYS` days (working days with
  ``working_days``) before each occurrence (0 for daily duties, then on the day). Occurrences:
  with a deadline, the deadline is the first one and they repeat from it (monthly on the same
  day of the month, clamped to the month's end; a deadline on a month's last day stays on month
  ends); without one, they are the last working day of each period (week Monday-Sunday,
  calendar month, quarter, half year, year). A duty ends when it is done or cancelled.
* **Done or cancelled** tasks get nothing.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol
from zoneinfo import ZoneInfo

from core.domain import Recurrence
from core.tracking import OfficialStatus, PlannedReminder, ReminderKind, ReminderPolicy, TaskState, TrackedTask

__all__ = [
    "RECURRING_LEAD_DAYS",
    "MondayToFriday",
    "WorkingDays",
    "next_allowed",
    "occurrences",
    "official_status",
    "plan",
    "task_status",
]

RECURRING_LEAD_DAYS = 3
"""Days before each occurrence of a recurring duty that its reminder goes out (daily duties: 0)."""

_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5
_MAX_SCAN_DAYS = 800  # a calendar without an allowed day in this many days is broken
_MAX_OCCURRENCES = 2000
_OVERDUE_MARGIN_DAYS = 60
_WEEK_DAYS = 7

# Recurrence → (months per period, days per period); exactly one is non-zero.
_STEP: dict[Recurrence, tuple[int, int]] = {
    Recurrence.DAILY: (0, 1),
    Recurrence.WEEKLY: (0, 7),
    Recurrence.MONTHLY: (1, 0),
    Recurrence.QUARTERLY: (3, 0),
    Recurrence.HALF_YEARLY: (6, 0),
    Recurrence.YEARLY: (12, 0),
}


class WorkingDays(Protocol):
    """A working-day calendar; :class:`nlp.workdays.WorkCalendar` is one."""

    def is_workday(self, day: dt.date, /) -> bool:
        """Whether ``day`` is a working day (weekends and holidays are not; make-up days are)."""
        ...


class MondayToFriday:
    """A calendar without holidays: Monday to Friday are working days."""

    def is_workday(self, day: dt.date, /) -> bool:
        """Whether ``day`` is Monday to Friday.

        Args:
            day: The date.

        Returns:
            True on Monday to Friday.
        """
        return day.weekday() < _SATURDAY


# --- the four official states ------------------------------------------------------------------


def official_status(
    deadline: dt.date | None,
    completed_at: dt.datetime | None,
    *,
    today: dt.date,
    tz: ZoneInfo,
) -> OfficialStatus:
    """The official state of a task, computed from its deadline and completion time.

    Args:
        deadline: The deadline in force (after an approved extension, the new one); None for a
            task without a date.
        completed_at: When it was reported done (aware), or None if it is not done.
        today: The local date the report is for.
        tz: The organisation's time zone; ``completed_at`` is compared by its local date.

    Returns:
        Done on time when completed on or before the deadline day (or without a deadline), done
        late when after it; in progress when not done and ``today`` is on or before the deadline
        (or there is none); overdue when not done and ``today`` is after the deadline.

    Raises:
        ValueError: If ``completed_at`` is naive.
    """
    if completed_at is not None:
        done_on = _local(completed_at, tz).date()
        if deadline is None or done_on <= deadline:
            return OfficialStatus.DONE_ON_TIME
        return OfficialStatus.DONE_LATE
    if deadline is None or today <= deadline:
        return OfficialStatus.IN_PROGRESS
    return OfficialStatus.OVERDUE


def task_status(task: TrackedTask, *, now: dt.datetime, tz: ZoneInfo) -> OfficialStatus | None:
    """The official state of a tracked task at ``now``; None for a cancelled task.

    Args:
        task: The task; its ``deadline`` is the one in force, ``completed_at`` counts only when
            its state is done.
        now: The moment of the report (aware).
        tz: The organisation's time zone.

    Returns:
        The state, or None when the task was cancelled (it is in none of the four).

    Raises:
        ValueError: If ``now`` or ``completed_at`` is naive.
    """
    if task.state is TaskState.CANCELLED:
        return None
    completed_at = task.completed_at if task.state is TaskState.DONE else None
    return official_status(task.deadline, completed_at, today=_local(now, tz).date(), tz=tz)


# --- the quiet window --------------------------------------------------------------------------


def next_allowed(moment: dt.datetime, policy: ReminderPolicy, *, tz: ZoneInfo, calendar: WorkingDays) -> dt.datetime:
    """The first moment at or after ``moment`` inside the policy's quiet window.

    Before ``quiet_start`` on an allowed day: that day's ``quiet_start``; inside
    ``[quiet_start, quiet_end)``: ``moment`` itself; at or after ``quiet_end``, or on a day
    that is not allowed (a weekend with ``weekdays_only``, a holiday): the next allowed day's
    ``quiet_start``.

    Args:
        moment: An aware moment.
        policy: Supplies the quiet hours and ``weekdays_only``.
        tz: The organisation's time zone (the quiet hours are local).
        calendar: The working-day calendar.

    Returns:
        The moment, in UTC.

    Raises:
        ValueError: If ``moment`` is naive, the quiet window is empty, or no day in the next
            :data:`_MAX_SCAN_DAYS` is allowed.
    """
    _check_window(policy)
    local = _local(moment, tz)
    day = local.date()
    if _allowed_day(day, policy, calendar):
        clock = local.time()
        if clock < policy.quiet_start:
            return _at(day, policy.quiet_start, tz)
        if clock < policy.quiet_end:
            return local.astimezone(dt.UTC)
    return _at(_next_allowed_day(day + _ONE_DAY, policy, calendar), policy.quiet_start, tz)


def _check_window(policy: ReminderPolicy) -> None:
    if not policy.quiet_start < policy.quiet_end:
        msg = f"empty quiet window: {policy.quiet_start}-{policy.quiet_end}"
        raise ValueError(msg)


def _allowed_day(day: dt.date, policy: ReminderPolicy, calendar: WorkingDays) -> bool:
    if policy.weekdays_only:
        return calendar.is_workday(day)
    return day.weekday() >= _SATURDAY or calendar.is_workday(day)


def _next_allowed_day(day: dt.date, policy: ReminderPolicy, calendar: WorkingDays) -> dt.date:
    """``day`` if allowed, else the first allowed day after it."""
    for _ in range(_MAX_SCAN_DAYS):
        if _allowed_day(day, policy, calendar):
            return day
        day += _ONE_DAY
    msg = f"no allowed day for reminders within {_MAX_SCAN_DAYS} days"
    raise ValueError(msg)


def _previous_allowed_day(day: dt.date, policy: ReminderPolicy, calendar: WorkingDays) -> dt.date | None:
    """``day`` if allowed, else the last allowed day within a month before it (None if none)."""
    for _ in range(31):
        if _allowed_day(day, policy, calendar):
            return day
        day -= _ONE_DAY
    return None


def _day_moment(day: dt.date, policy: ReminderPolicy, tz: ZoneInfo, calendar: WorkingDays) -> dt.datetime:
    """A day-based reminder for ``day``: its quiet_start, moved into the window (UTC)."""
    return _at(_next_allowed_day(day, policy, calendar), policy.quiet_start, tz)


# --- planning ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    task: TrackedTask
    policy: ReminderPolicy
    now: dt.datetime  # UTC
    today: dt.date  # local
    tz: ZoneInfo
    calendar: WorkingDays
    soonest: dt.datetime  # next_allowed(now): when a late reminder goes out

    def reminder(self, kind: ReminderKind, due_at: dt.datetime, key: str) -> PlannedReminder:
        return PlannedReminder(task_id=self.task.id, kind=kind, due_at=due_at, key=f"{self.task.id}:{kind}:{key}")

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def shift(self, day: dt.date, n: int) -> dt.date:
        """``day`` moved by ``n`` days: working days with ``policy.working_days``, else calendar days."""
        if not self.policy.working_days:
            return day + dt.timedelta(days=n)
        return _add_workdays(day, n, self.calendar)


def plan(
    task: TrackedTask,
    policy: ReminderPolicy,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    calendar: WorkingDays,
) -> list[PlannedReminder]:
    """The reminders still to come for one task, from ``now`` on.

    See the module docstring for the rules and for how the caller stores the result (by key,
    idempotently). Every ``due_at`` is in UTC, inside the quiet window on an allowed day, and
    at or after ``now`` (a late reminder that still makes sense is due at the next allowed
    moment at or after ``now``).

    Args:
        task: The task; done and cancelled tasks get nothing, nor do tasks whose reminders a
            secretary turned off; a task's own ``reminder_days`` replace the policy's ``before_days``.
        policy: The organisation's policy.
        now: The current moment (aware).
        tz: The organisation's time zone.
        calendar: The working-day calendar (holidays and make-up days).

    Returns:
        The planned reminders, ordered by ``due_at`` then ``key``, with unique keys.

    Raises:
        ValueError: If a datetime is naive, the policy is inconsistent (an empty quiet window,
            negative counts) or ``task.recurrence`` is not a :class:`core.domain.Recurrence`
            value.
    """
    if task.reminder_days is not None:  # the task's own override of the organisation's "days before"
        policy = replace(policy, before_days=task.reminder_days)
    _check_policy(policy)
    recurrence = Recurrence(task.recurrence) if task.recurrence is not None else None
    _local(task.issued_at, dt.UTC)  # naive: ValueError
    if task.state is not TaskState.OPEN or task.reminders_off:
        return []
    now_utc = _local(now, dt.UTC)
    ctx = _Ctx(
        task=task,
        policy=policy,
        now=now_utc,
        today=_local(now_utc, tz).date(),
        tz=tz,
        calendar=calendar,
        soonest=next_allowed(now_utc, policy, tz=tz, calendar=calendar),
    )
    planned = _nudge(ctx)
    if recurrence is not None:
        planned += _recurring(ctx, recurrence)
    elif task.deadline is not None:
        due = _due_moment(ctx, task.deadline)
        planned += _before(ctx, task.deadline, due)
        if policy.on_the_day:
            planned += _due(ctx, task.deadline, due)
        planned += _overdue(ctx, task.deadline)
        planned += _escalation(ctx, task.deadline)
    return sorted(planned, key=lambda r: (r.due_at, r.key))


def _check_policy(policy: ReminderPolicy) -> None:
    _check_window(policy)
    counts = (*policy.before_days, policy.overdue_every_days, policy.escalate_after_days, policy.nudge_after_hours)
    if any(n < 0 for n in counts):
        msg = f"negative day or hour count in {policy!r}"
        raise ValueError(msg)


def _nudge(ctx: _Ctx) -> list[PlannedReminder]:
    hours = ctx.policy.nudge_after_hours
    if hours == 0 or ctx.task.acknowledged_at is not None:
        return []
    moment = next_allowed(ctx.task.issued_at + dt.timedelta(hours=hours), ctx.policy, tz=ctx.tz, calendar=ctx.calendar)
    return [ctx.reminder(ReminderKind.NUDGE, max(moment, ctx.soonest), f"{hours}h")]


def _due_moment(ctx: _Ctx, deadline: dt.date) -> dt.datetime:
    """The DUE reminder's moment: the deadline day, or the last allowed day before it."""
    day = _previous_allowed_day(deadline, ctx.policy, ctx.calendar)
    if day is None:
        return _day_moment(deadline, ctx.policy, ctx.tz, ctx.calendar)
    return _at(day, ctx.policy.quiet_start, ctx.tz)


def _before(ctx: _Ctx, deadline: dt.date, due: dt.datetime) -> list[PlannedReminder]:
    moments: set[dt.datetime] = set()  # several days before may move onto one day: one reminder
    for n in ctx.policy.before_days:
        moment = _day_moment(ctx.shift(deadline, -n), ctx.policy, ctx.tz, ctx.calendar)
        too_late = moment >= due if ctx.policy.on_the_day else ctx.local_day(moment) > deadline
        if too_late or moment < ctx.task.issued_at:
            continue
        if moment <= ctx.now and ctx.local_day(ctx.soonest) != ctx.local_day(moment):
            continue  # its day is over
        moments.add(moment)
    return [
        ctx.reminder(ReminderKind.BEFORE, max(moment, ctx.soonest), f"{deadline}:{ctx.local_day(moment)}")
        for moment in moments
    ]


def _due(ctx: _Ctx, deadline: dt.date, due: dt.datetime) -> list[PlannedReminder]:
    if due <= ctx.now and ctx.local_day(ctx.soonest) > max(deadline, ctx.local_day(due)):
        return []  # the deadline day is over: the overdue reminders take over
    return [ctx.reminder(ReminderKind.DUE, max(due, ctx.soonest), str(deadline))]


def _overdue(ctx: _Ctx, deadline: dt.date) -> list[PlannedReminder]:
    every = ctx.policy.overdue_every_days
    if every == 0:
        return []
    day = deadline
    if not ctx.policy.working_days:  # skip ahead; a day off run is far shorter than the margin
        day += dt.timedelta(days=every * max(0, ((ctx.today - deadline).days - _OVERDUE_MARGIN_DAYS) // every))
    current: dt.datetime | None = None  # the latest moment at or before now
    for _ in range(_MAX_SCAN_DAYS * 10):
        day = ctx.shift(day, every)
        moment = _day_moment(day, ctx.policy, ctx.tz, ctx.calendar)
        if moment <= ctx.now:
            current = moment
            continue
        planned = [ctx.reminder(ReminderKind.OVERDUE, moment, f"{deadline}:{ctx.local_day(moment)}")]
        if current is not None and ctx.soonest < moment:
            planned.append(ctx.reminder(ReminderKind.OVERDUE, ctx.soonest, f"{deadline}:{ctx.local_day(current)}"))
        return planned
    msg = f"task {ctx.task.id}: overdue for too long to plan"
    raise ValueError(msg)


def _escalation(ctx: _Ctx, deadline: dt.date) -> list[PlannedReminder]:
    after = ctx.policy.escalate_after_days
    if after == 0:
        return []
    moment = _day_moment(ctx.shift(deadline, after), ctx.policy, ctx.tz, ctx.calendar)
    return [ctx.reminder(ReminderKind.ESCALATION, max(moment, ctx.soonest), str(deadline))]


def _recurring(ctx: _Ctx, recurrence: Recurrence) -> list[PlannedReminder]:
    lead = 0 if recurrence is Recurrence.DAILY else RECURRING_LEAD_DAYS
    late: PlannedReminder | None = None
    seen: set[dt.date] = set()
    for count, occurrence in enumerate(occurrences(recurrence, ctx.task.deadline, ctx.today, ctx.calendar)):
        if count >= _MAX_OCCURRENCES:
            break
        moment = _day_moment(ctx.shift(occurrence, -lead), ctx.policy, ctx.tz, ctx.calendar)
        day = ctx.local_day(moment)
        if day > occurrence or day in seen:
            continue  # an occurrence on a day off of a daily duty, or two on one day
        seen.add(day)
        if moment <= ctx.now:
            if ctx.local_day(ctx.soonest) <= occurrence:
                late = ctx.reminder(ReminderKind.RECURRING, ctx.soonest, str(occurrence))
            continue
        planned = [ctx.reminder(ReminderKind.RECURRING, moment, str(occurrence))]
        if late is not None and late.due_at < moment:
            planned.append(late)
        return planned
    return [] if late is None else [late]


def occurrences(
    recurrence: Recurrence,
    anchor: dt.date | None,
    start: dt.date,
    calendar: WorkingDays,
) -> Iterator[dt.date]:
    """The occurrences of a recurring duty on or after ``start``, in order (endless).

    Args:
        recurrence: How often the duty repeats.
        anchor: The first occurrence (the task's deadline), or None: then each period's last
            working day (week Monday-Sunday, month, quarter, half year, year; a period without
            a working day has no occurrence).
        start: The first day of interest.
        calendar: The working-day calendar (used without an anchor).

    Yields:
        Occurrence dates, ascending.
    """
    months, days = _STEP[recurrence]
    if anchor is not None:
        yield from _anchored(anchor, months, days, start)
        return
    period_start = _period_start(start, months, days)
    while True:
        following = _add_months(period_start, months) if months else period_start + dt.timedelta(days=days)
        last = _last_workday(period_start, following - _ONE_DAY, calendar)
        if last is not None and last >= start:
            yield last
        period_start = following


def _anchored(anchor: dt.date, months: int, days: int, start: dt.date) -> Iterator[dt.date]:
    if months:
        month_end = anchor.day == _calendar.monthrange(anchor.year, anchor.month)[1]
        elapsed = (start.year - anchor.year) * 12 + start.month - anchor.month
        k = max(0, elapsed // months - 1)
        while True:
            day = _add_months(anchor, k * months, to_month_end=month_end)
            if day >= start:
                yield day
            k += 1
    k = max(0, (start - anchor).days // days)
    while True:
        day = anchor + dt.timedelta(days=k * days)
        if day >= start:
            yield day
        k += 1


def _period_start(day: dt.date, months: int, days: int) -> dt.date:
    if not months:
        return day - dt.timedelta(days=day.weekday()) if days == _WEEK_DAYS else day
    month0 = (day.month - 1) // months * months
    return dt.date(day.year, month0 + 1, 1)


def _last_workday(first: dt.date, last: dt.date, calendar: WorkingDays) -> dt.date | None:
    day = last
    while day >= first:
        if calendar.is_workday(day):
            return day
        day -= _ONE_DAY
    return None


def _add_months(day: dt.date, months: int, *, to_month_end: bool = False) -> dt.date:
    """``day`` plus ``months`` months, the day clamped to the month's length (or its last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    length = _calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, length if to_month_end else min(day.day, length))


def _add_workdays(day: dt.date, n: int, calendar: WorkingDays) -> dt.date:
    """The ``|n|``-th working day after (n > 0) or before (n < 0) ``day``; ``day`` when 0."""
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    scanned = 0
    while remaining:
        day += step
        scanned += 1
        if calendar.is_workday(day):
            remaining -= 1
        elif scanned > _MAX_SCAN_DAYS + abs(n) * 7:
            msg = "the calendar has too few working days"
            raise ValueError(msg)
    return day


# --- time helpers ------------------------------------------------------------------------------


def _local(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"naive datetime: {moment!r}"
        raise ValueError(msg)
    return moment.astimezone(tz)


def _at(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    """``clock`` on local ``day``, in UTC."""
    return dt.datetime.combine(day, clock, tzinfo=tz).astimezone(dt.UTC)
