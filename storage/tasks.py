"""Issued tasks, the agencies they involve, completion and extension requests.

Every change is written to the audit log. A task's deadline in force and its original one
are both kept: an approved extension moves the first only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from core.clock import Clock
from core.tracking import ExtensionRequest, TaskState, TrackedTask
from storage.audit import record
from storage.db import Store, insert_row


@dataclass(frozen=True, slots=True)
class NewTask:
    """A confirmed assignment being issued as a task."""

    meeting_id: int
    assignment_id: int
    lead_agency_id: int
    cooperating_agency_ids: tuple[int, ...]
    task: str
    deadline: dt.date | None
    recurrence: str | None


def _days(value: str | None) -> tuple[int, ...] | None:
    return tuple(int(d) for d in json.loads(value)) if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


class TaskRepository:
    """Reads and writes tasks and extension requests."""

    def __init__(self, store: Store, clock: Clock) -> None:
        """Use ``store``; ``clock`` stamps the rows."""
        self._store = store
        self._clock = clock

    def _now(self) -> str:
        return self._clock.now().isoformat()

    def _task(self, db: Any, row: dict[str, Any]) -> TrackedTask:
        partners = db.execute(
            "SELECT agency_id FROM task_agencies WHERE task_id = ? AND role = 'cooperating' ORDER BY agency_id",
            [row["id"]],
        ).fetchall()
        issued_at = _moment(row["issued_at"])
        assert issued_at is not None  # noqa: S101 - NOT NULL column
        return TrackedTask(
            id=row["id"],
            meeting_id=row["meeting_id"],
            lead_agency_id=row["lead_agency_id"],
            cooperating_agency_ids=tuple(p[0] for p in partners),
            task=row["task"],
            deadline=_date(row["deadline"]),
            original_deadline=_date(row["original_deadline"]),
            recurrence=row["recurrence"],
            issued_at=issued_at,
            state=TaskState(row["state"]),
            acknowledged_at=_moment(row["acknowledged_at"]),
            completed_at=_moment(row["completed_at"]),
            reminder_days=_days(row.get("reminder_days")),
            reminders_off=bool(row.get("reminders_off")),
        )

    def issue(self, tasks: list[NewTask], *, actor: int) -> list[TrackedTask]:
        """Create the tasks of a meeting (an assignment issued before is not issued again)."""
        created: list[int] = []
        with self._store.write() as db:
            for new in tasks:
                exists = db.execute("SELECT id FROM tasks WHERE assignment_id = ?", [new.assignment_id]).fetchone()
                if exists:
                    continue
                deadline = new.deadline.isoformat() if new.deadline else None
                task_id = insert_row(
                    db.table("tasks"),
                    {
                        "meeting_id": new.meeting_id,
                        "assignment_id": new.assignment_id,
                        "lead_agency_id": new.lead_agency_id,
                        "task": new.task,
                        "deadline": deadline,
                        "original_deadline": deadline,
                        "recurrence": new.recurrence,
                        "issued_at": self._now(),
                        "issued_by": actor,
                        "state": TaskState.OPEN.value,
                    },
                )
                rows = [{"task_id": task_id, "agency_id": new.lead_agency_id, "role": "lead"}]
                rows += [
                    {"task_id": task_id, "agency_id": a, "role": "cooperating"}
                    for a in dict.fromkeys(new.cooperating_agency_ids)
                    if a != new.lead_agency_id
                ]
                db.table("task_agencies").insert_all(rows)
                record(db, self._clock, actor=actor, action="task.issue", entity="task", entity_id=task_id)
                created.append(task_id)
            return [self._task(db, db.table("tasks").get(i)) for i in created]

    def get(self, task_id: int) -> TrackedTask | None:
        """One task, or None."""
        with self._store.read() as db:
            rows = list(db.table("tasks").rows_where("id = ?", [task_id]))
            return self._task(db, rows[0]) if rows else None

    def involves(self, task_id: int, agency_id: int) -> str | None:
        """The agency's role in the task ("lead" or "cooperating"), or None when it has none."""
        with self._store.read() as db:
            row = db.execute(
                "SELECT role FROM task_agencies WHERE task_id = ? AND agency_id = ?", [task_id, agency_id]
            ).fetchone()
        return str(row[0]) if row else None

    def find(
        self, *, agency_id: int | None = None, state: TaskState | None = None, meeting_id: int | None = None
    ) -> list[TrackedTask]:
        """Tasks, optionally of one agency (lead or co-operating), state or meeting, by deadline."""
        where: list[str] = []
        args: list[object] = []
        if agency_id is not None:
            where.append("id IN (SELECT task_id FROM task_agencies WHERE agency_id = ?)")
            args.append(agency_id)
        if state is not None:
            where.append("state = ?")
            args.append(state.value)
        if meeting_id is not None:
            where.append("meeting_id = ?")
            args.append(meeting_id)
        with self._store.read() as db:
            rows = db.table("tasks").rows_where(
                " AND ".join(where) or None, args, order_by="deadline IS NULL, deadline, id"
            )
            return [self._task(db, row) for row in rows]

    def acknowledge(self, task_id: int, *, actor: int) -> TrackedTask:
        """An official acknowledges the task (the first acknowledgement counts)."""
        with self._store.write() as db:
            db.execute(
                "UPDATE tasks SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL",
                [self._now(), actor, task_id],
            )
            record(db, self._clock, actor=actor, action="task.acknowledge", entity="task", entity_id=task_id)
            return self._task(db, db.table("tasks").get(task_id))

    def complete(self, task_id: int, *, actor: int, note: str | None = None) -> TrackedTask:
        """Report the task done (an open task only)."""
        with self._store.write() as db:
            db.execute(
                "UPDATE tasks SET state = ?, completed_at = ?, completed_by = ?, completion_note = ? "
                "WHERE id = ? AND state = ?",
                [TaskState.DONE.value, self._now(), actor, note, task_id, TaskState.OPEN.value],
            )
            record(db, self._clock, actor=actor, action="task.complete", entity="task", entity_id=task_id)
            return self._task(db, db.table("tasks").get(task_id))

    def add_completion_note(self, task_id: int, note: str, *, actor: int, file_id: str | None = None) -> TrackedTask:
        """Append a note (or a file's name) to a completed task's report; the audit keeps the file's id."""
        with self._store.write() as db:
            db.execute(
                "UPDATE tasks SET completion_note = trim(coalesce(completion_note || char(10), '') || ?) WHERE id = ?",
                [note, task_id],
            )
            record(
                db, self._clock, actor=actor, action="task.completion_note", entity="task", entity_id=task_id,
                file_id=file_id,
            )  # fmt: skip
            return self._task(db, db.table("tasks").get(task_id))

    def set_reminders(
        self, task_id: int, *, actor: int, days: tuple[int, ...] | None = None, off: bool = False
    ) -> TrackedTask:
        """The task's own reminder policy: its "days before" (None: the organisation's), or silenced."""
        value = json.dumps(list(days)) if days is not None else None
        with self._store.write() as db:
            db.table("tasks").update(task_id, {"reminder_days": value, "reminders_off": int(off)})
            record(
                db, self._clock, actor=actor, action="task.reminders", entity="task", entity_id=task_id,
                days=list(days) if days is not None else None, off=off,
            )  # fmt: skip
            return self._task(db, db.table("tasks").get(task_id))

    def cancel(self, task_id: int, *, actor: int) -> TrackedTask:
        """Withdraw an open task."""
        with self._store.write() as db:
            db.execute(
                "UPDATE tasks SET state = ? WHERE id = ? AND state = ?",
                [TaskState.CANCELLED.value, task_id, TaskState.OPEN.value],
            )
            record(db, self._clock, actor=actor, action="task.cancel", entity="task", entity_id=task_id)
            return self._task(db, db.table("tasks").get(task_id))

    def request_extension(self, task_id: int, *, actor: int, new_deadline: dt.date, reason: str) -> ExtensionRequest:
        """An official asks to move the deadline."""
        with self._store.write() as db:
            request_id = insert_row(
                db.table("extension_requests"),
                {
                    "task_id": task_id,
                    "requested_by": actor,
                    "requested_at": self._now(),
                    "new_deadline": new_deadline.isoformat(),
                    "reason": reason,
                },
            )
            record(
                db, self._clock, actor=actor, action="task.extension_request", entity="task", entity_id=task_id,
                new_deadline=new_deadline.isoformat(),
            )  # fmt: skip
            return _request(db.table("extension_requests").get(request_id))

    def decide_extension(self, request_id: int, *, actor: int, approve: bool) -> ExtensionRequest:
        """A secretary approves (the deadline in force moves; the original is kept) or rejects a request."""
        state = "approved" if approve else "rejected"
        with self._store.write() as db:
            row = db.table("extension_requests").get(request_id)
            if row["state"] == "pending":
                db.table("extension_requests").update(
                    request_id, {"state": state, "decided_by": actor, "decided_at": self._now()}
                )
                if approve:
                    db.table("tasks").update(row["task_id"], {"deadline": row["new_deadline"]})
                record(
                    db, self._clock, actor=actor, action=f"task.extension_{state}", entity="task",
                    entity_id=row["task_id"], new_deadline=row["new_deadline"],
                )  # fmt: skip
            return _request(db.table("extension_requests").get(request_id))

    def extension(self, request_id: int) -> ExtensionRequest | None:
        """One extension request, or None."""
        with self._store.read() as db:
            rows = list(db.table("extension_requests").rows_where("id = ?", [request_id]))
        return _request(rows[0]) if rows else None


def _request(row: dict[str, Any]) -> ExtensionRequest:
    requested_at = _moment(row["requested_at"])
    new_deadline = _date(row["new_deadline"])
    assert requested_at is not None and new_deadline is not None  # noqa: S101 - NOT NULL columns
    return ExtensionRequest(
        id=row["id"],
        task_id=row["task_id"],
        requested_by=row["requested_by"],
        requested_at=requested_at,
        new_deadline=new_deadline,
        reason=row["reason"],
        state=row["state"],
    )
