"""The persistent work queue (one job per meeting to process) and the processed-update ids.

Jobs survive a restart: a job found ``running`` at start-up was interrupted and goes back to
the queue (its transcription resumes from the checkpoint). Claiming takes one write
transaction, so a job is never handed out twice.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from core.clock import Clock
from core.records import Job
from storage.db import Store, insert_row

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


def _job(row: dict[str, Any]) -> Job:
    return Job(id=row["id"], meeting_id=row["meeting_id"], state=row["state"], attempts=row["attempts"])


def enqueue(db: Database, clock: Clock, meeting_id: int) -> int:
    """Add a job for ``meeting_id`` inside the caller's write transaction; returns its id."""
    return insert_row(
        db.table("work_queue"), {"meeting_id": meeting_id, "state": QUEUED, "created_at": clock.now().isoformat()}
    )


class WorkQueue:
    """Claims and settles the jobs of the queue."""

    def __init__(self, store: Store, clock: Clock) -> None:
        """Use ``store``; ``clock`` stamps the rows."""
        self._store = store
        self._clock = clock

    def claim(self) -> Job | None:
        """Take the oldest queued job and mark it running, or None when the queue is empty."""
        with self._store.write() as db:
            rows = list(db.table("work_queue").rows_where("state = ?", [QUEUED], order_by="id", limit=1))
            if not rows:
                return None
            row = rows[0]
            db.table("work_queue").update(
                row["id"],
                {"state": RUNNING, "attempts": row["attempts"] + 1, "started_at": self._clock.now().isoformat()},
            )
        return Job(id=row["id"], meeting_id=row["meeting_id"], state=RUNNING, attempts=row["attempts"] + 1)

    def finish(self, job_id: int, state: str, error: str | None = None) -> None:
        """Settle a job: done, failed or cancelled."""
        with self._store.write() as db:
            db.table("work_queue").update(
                job_id, {"state": state, "error": error, "finished_at": self._clock.now().isoformat()}
            )

    def requeue_interrupted(self) -> int:
        """Put jobs left running by a previous process back in the queue; returns how many."""
        with self._store.write() as db:
            cursor = db.execute("UPDATE work_queue SET state = ? WHERE state = ?", [QUEUED, RUNNING])
            return cursor.rowcount

    def cancel(self, meeting_id: int) -> bool:
        """Cancel the queued job of a meeting; True if one was waiting (a running one is stopped by its flag)."""
        with self._store.write() as db:
            cursor = db.execute(
                "UPDATE work_queue SET state = ?, finished_at = ? WHERE meeting_id = ? AND state = ?",
                [CANCELLED, self._clock.now().isoformat(), meeting_id, QUEUED],
            )
            return cursor.rowcount > 0

    def position(self, meeting_id: int) -> int | None:
        """How many jobs are ahead of this meeting's (0: it is next or running), None if not waiting."""
        with self._store.read() as db:
            rows = list(
                db.table("work_queue").rows_where("meeting_id = ? AND state IN (?, ?)", [meeting_id, QUEUED, RUNNING])
            )
            if not rows:
                return None
            if rows[0]["state"] == RUNNING:
                return 0
            ahead = db.execute(
                "SELECT count(*) FROM work_queue WHERE state = ? AND id < ?", [QUEUED, rows[0]["id"]]
            ).fetchone()[0]
            running = db.execute("SELECT count(*) FROM work_queue WHERE state = ?", [RUNNING]).fetchone()[0]
        return int(ahead) + int(running)

    def jobs(self, *, state: str | None = None) -> list[Job]:
        """Jobs in order, optionally in one state."""
        with self._store.read() as db:
            rows = db.table("work_queue").rows_where(
                "state = ?" if state else None, [state] if state else [], order_by="id"
            )
            return [_job(row) for row in rows]

    def first_delivery(self, update_id: int) -> bool:
        """Remember a Telegram update id; False when it was seen before (a redelivery after a crash)."""
        with self._store.write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO processed_updates (update_id, at) VALUES (?, ?)",
                [update_id, self._clock.now().isoformat()],
            )
            return cursor.rowcount == 1
