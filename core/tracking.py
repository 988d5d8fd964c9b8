"""Task tracking types: issued tasks, the reminder policy, planned reminders and the official states.

Times are aware UTC datetimes; deadlines are calendar dates in the organisation's time zone
(Asia/Ho_Chi_Minh by default). Plain frozen dataclasses, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class TaskState(StrEnum):
    """Where a task is in its life."""

    OPEN = "open"  # issued, not reported done
    DONE = "done"  # reported done (completed_at set)
    CANCELLED = "cancelled"  # withdrawn by a secretary


class OfficialStatus(StrEnum):
    """The four states of the official task reports (computed, never stored)."""

    DONE_ON_TIME = "hoàn thành đúng hạn"
    DONE_LATE = "hoàn thành quá hạn"
    IN_PROGRESS = "đang thực hiện trong hạn"
    OVERDUE = "quá hạn"


class ReminderKind(StrEnum):
    """Why a reminder is sent."""

    BEFORE = "before"  # n days before the deadline
    DUE = "due"  # on the day
    OVERDUE = "overdue"  # daily while overdue
    ESCALATION = "escalation"  # overdue long enough: the secretaries' digest and the agency's head
    NUDGE = "nudge"  # issued but not acknowledged
    RECURRING = "recurring"  # the next period of a recurring duty ("báo cáo hằng tháng")


class ReminderState(StrEnum):
    """A reminder's delivery state; the database is the source of truth."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher; a crash leaves it here, read as UNKNOWN at start-up
    SENT = "sent"
    UNKNOWN = "unknown"  # the send timed out or crashed: it may or may not have arrived; not retried
    CANCELLED = "cancelled"  # the task was done or cancelled first


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """When reminders go out (organisation settings, overridable per task)."""

    before_days: tuple[int, ...] = (7, 3, 1)
    on_the_day: bool = True
    overdue_every_days: int = 1  # 0: no overdue reminders
    escalate_after_days: int = 3  # overdue this long: escalation to the secretaries and the agency's head
    working_days: bool = False  # count before_days in working days (holidays, make-up Saturdays)
    quiet_start: dt.time = dt.time(8, 0)  # reminders are moved into [quiet_start, quiet_end) local time
    quiet_end: dt.time = dt.time(17, 30)
    weekdays_only: bool = True  # and onto Monday to Friday
    nudge_after_hours: int = 24  # unacknowledged this long after issue: one nudge (0: none)


@dataclass(frozen=True, slots=True)
class TrackedTask:
    """An issued task: one lead agency, co-operating agencies, a deadline that may be extended."""

    id: int
    meeting_id: int
    lead_agency_id: int
    cooperating_agency_ids: tuple[int, ...]
    task: str
    deadline: dt.date | None  # the one in force (after an approved extension, the new one)
    original_deadline: dt.date | None  # as issued
    recurrence: str | None  # "hằng tháng", ... (core.domain.Recurrence values)
    issued_at: dt.datetime
    state: TaskState = TaskState.OPEN
    acknowledged_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    reminder_days: tuple[int, ...] | None = None  # the task's own "days before" (None: the organisation's)
    reminders_off: bool = False  # a secretary silenced this task's reminders


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """A reminder the policy asks for; ``key`` makes planning idempotent (one row per key)."""

    task_id: int
    kind: ReminderKind
    due_at: dt.datetime  # UTC, inside the quiet-hours window
    key: str  # e.g. "12:before:2026-12-24"


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder message to one chat, as stored (planned reminders fan out to each official)."""

    id: int
    task_id: int
    key: str  # the planned key plus the chat: unique
    kind: ReminderKind
    chat_id: int
    due_at: dt.datetime  # UTC
    state: ReminderState


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """An official's request to move a deadline, decided by a secretary."""

    id: int
    task_id: int
    requested_by: int
    requested_at: dt.datetime
    new_deadline: dt.date
    reason: str
    state: str  # "pending", "approved", "rejected"
