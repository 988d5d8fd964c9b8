"""Which due times of the routine jobs were dealt with, kept in the append-only audit log."""

from __future__ import annotations

import datetime as dt
import json

from core.clock import Clock
from storage.audit import record
from storage.db import Store

ACTION = "routine.run"


class RunLogRepository:
    """The routines' run log (:class:`jobs.routines.RunLog`) on the audit table."""

    def __init__(self, store: Store, clock: Clock) -> None:
        """Use ``store``; ``clock`` stamps the entries."""
        self._store = store
        self._clock = clock

    def last_run(self, name: str) -> dt.datetime | None:
        """The latest due time of ``name`` that was dealt with, or None."""
        with self._store.read() as db:
            rows = db.execute(
                "SELECT detail FROM audit WHERE action = ? AND json_extract(detail, '$.name') = ?",
                [ACTION, name],
            ).fetchall()
        dues = [dt.datetime.fromisoformat(json.loads(row[0])["due"]) for row in rows]
        return max(dues, default=None)

    def mark(self, name: str, due: dt.datetime) -> None:
        """Record that ``name``'s due time ``due`` was dealt with."""
        with self._store.write() as db:
            record(db, self._clock, actor=None, action=ACTION, entity="routine", entity_id=None, name=name,
                   due=due.astimezone(dt.UTC).isoformat())  # fmt: skip
