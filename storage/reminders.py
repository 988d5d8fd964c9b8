"""Reminders as the source of truth: one row per message, pending → sending → sent | unknown | cancelled.

A dispatcher claims due reminders in one write transaction (pending → sending) before it
sends, and settles each one after: sent, or unknown when the send timed out (it may have
arrived: never blindly retried). A process that dies mid-send leaves ``sending`` rows; at
start-up they become ``unknown``. Planning is idempotent: a reminder's key is unique, so
planning the same reminder twice stores it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.clock import Clock
from core.tracking import Reminder, ReminderKind, ReminderState
from storage.audit import record
from storage.db import Store

PENDING, SENDING, SENT, UNKNOWN, CANCELLED = (s.value for s in ReminderState)


@dataclass(frozen=True, slots=True)
class NewReminder:
    """A reminder to store: the planned key, kind and time, for one chat."""

    task_id: int
    key: str
    kind: ReminderKind
    chat_id: int
    due_at: dt.datetime  # aware


def _utc(moment: dt.datetime) -> str:
    """UTC ISO text that sorts in time order."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _reminder(row: dict[str, Any]) -> Reminder:
    return Reminder(
        id=row["id"],
        task_id=row["task_id"],
        key=row["key"],
        kind=ReminderKind(row["kind"]),
        chat_id=row["chat_id"],
        due_at=dt.datetime.fromisoformat(row["due_at"]),
        state=ReminderState(row["state"]),
    )


class ReminderRepository:
    """Stores, claims and settles reminders."""

    def __init__(self, store: Store, clock: Clock) -> None:
        """Use ``store``; ``clock`` stamps the state changes."""
        self._store = store
        self._clock = clock

    def schedule(self, reminders: Iterable[NewReminder], *, replace_for_task: int | None = None) -> int:
        """Store planned reminders (a key already stored is left as it is); returns how many are new.

        A key that a re-plan had cancelled is pending again when planned again (not counted as new).

        Args:
            reminders: The planned reminders, one per chat.
            replace_for_task: Cancel this task's pending reminders whose keys are not planned any
                more (a changed deadline or recipients).
        """
        items = list(reminders)
        keys = {r.key for r in items}
        with self._store.write() as db:
            before = db.execute("SELECT count(*) FROM reminders").fetchone()[0]
            db.execute("CREATE TEMP TABLE IF NOT EXISTS planned_keys (key TEXT PRIMARY KEY)")
            db.execute("DELETE FROM planned_keys")
            db.conn.executemany("INSERT OR IGNORE INTO temp.planned_keys (key) VALUES (?)", [(k,) for k in keys])
            db.conn.executemany(
                "INSERT OR IGNORE INTO reminders (task_id, key, kind, chat_id, due_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(r.task_id, r.key, r.kind.value, r.chat_id, _utc(r.due_at), PENDING) for r in items],
            )
            # Planned again after a re-plan withdrew it (reminders turned off, then on): pending once more.
            # Coalesced ones (an error says so) and those of closed tasks stay as they are.
            db.conn.executemany(
                "UPDATE reminders SET state = ?, due_at = ?, finished_at = NULL WHERE key = ? AND state = ? "
                "AND error IS NULL AND task_id IN (SELECT id FROM tasks WHERE state = 'open')",
                [(PENDING, _utc(r.due_at), r.key, CANCELLED) for r in items],
            )
            if replace_for_task is not None:
                db.execute(
                    "UPDATE reminders SET state = ?, finished_at = ? WHERE task_id = ? AND state = ? "
                    "AND key NOT IN (SELECT key FROM temp.planned_keys)",
                    [CANCELLED, self._now(), replace_for_task, PENDING],
                )
            after = db.execute("SELECT count(*) FROM reminders").fetchone()[0]
        return int(after - before)

    def _now(self) -> str:
        return _utc(self._clock.now())

    def claim_due(self, *, limit: int = 50) -> list[Reminder]:
        """Claim the reminders due now, oldest first: pending → sending, in one transaction."""
        now = self._now()
        with self._store.write() as db:
            rows = list(
                db.table("reminders").rows_where(
                    "state = ? AND due_at <= ?", [PENDING, now], order_by="due_at, id", limit=limit
                )
            )
            if rows:
                db.conn.executemany(
                    "UPDATE reminders SET state = ?, claimed_at = ? WHERE id = ? AND state = ?",
                    [(SENDING, now, row["id"], PENDING) for row in rows],
                )
        return [_reminder({**row, "state": SENDING}) for row in rows]

    def settle(self, reminder_id: int, state: ReminderState, *, error: str | None = None) -> None:
        """Record the outcome of a claimed reminder: sent, unknown, cancelled, or pending again (retry later)."""
        with self._store.write() as db:
            db.execute(
                "UPDATE reminders SET state = ?, finished_at = ?, error = ? WHERE id = ? AND state = ?",
                [state.value, self._now(), error, reminder_id, SENDING],
            )
            if state is not ReminderState.PENDING:
                record(
                    db, self._clock, actor=None, action=f"reminder.{state.value}", entity="reminder",
                    entity_id=reminder_id, error=error,
                )  # fmt: skip

    def interrupted(self) -> list[Reminder]:
        """Reminders a dead process left ``sending`` (claimed, outcome never recorded), oldest claim first."""
        with self._store.read() as db:
            rows = list(db.table("reminders").rows_where("state = ?", [SENDING], order_by="claimed_at, id"))
        return [_reminder(row) for row in rows]

    def recover(self) -> int:
        """At start-up: reminders a dead process left ``sending`` become ``unknown``; returns how many."""
        with self._store.write() as db:
            cursor = db.execute(
                "UPDATE reminders SET state = ?, finished_at = ?, error = 'interrupted while sending' WHERE state = ?",
                [UNKNOWN, self._now(), SENDING],
            )
            return cursor.rowcount

    def cancel_for_task(self, task_id: int) -> int:
        """Cancel a task's pending reminders (done or cancelled); returns how many."""
        with self._store.write() as db:
            cursor = db.execute(
                "UPDATE reminders SET state = ?, finished_at = ? WHERE task_id = ? AND state = ?",
                [CANCELLED, self._now(), task_id, PENDING],
            )
            return cursor.rowcount

    def next_due(self) -> dt.datetime | None:
        """When the earliest pending reminder is due, or None."""
        with self._store.read() as db:
            row = db.execute("SELECT min(due_at) FROM reminders WHERE state = ?", [PENDING]).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def counts(self) -> dict[str, int]:
        """How many reminders are in each state."""
        with self._store.read() as db:
            return dict(db.execute("SELECT state, count(*) FROM reminders GROUP BY state").fetchall())

    def pending_for(self, task_id: int) -> int:
        """How many reminders of a task are pending."""
        with self._store.read() as db:
            row = db.execute("SELECT count(*) FROM reminders WHERE task_id = ? AND state = ?", [task_id, PENDING])
            return int(row.fetchone()[0])

    def outlook(self, until: dt.datetime) -> tuple[int, dt.datetime | None]:
        """Pending reminders due by ``until``, and when the last one was sent (None: never)."""
        with self._store.read() as db:
            due = db.execute(
                "SELECT count(*) FROM reminders WHERE state = ? AND due_at <= ?", [PENDING, _utc(until)]
            ).fetchone()[0]
            last = db.execute("SELECT max(finished_at) FROM reminders WHERE state = ?", [SENT]).fetchone()[0]
        return int(due), dt.datetime.fromisoformat(last) if last else None

    def get(self, reminder_id: int) -> Reminder | None:
        """One reminder, or None."""
        with self._store.read() as db:
            rows = list(db.table("reminders").rows_where("id = ?", [reminder_id]))
        return _reminder(rows[0]) if rows else None
