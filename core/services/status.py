"""Use case: the admins' status view (/trangthai): queue, reminders, database and disk."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import Clock
from storage.reminders import ReminderRepository
from storage.workqueue import QUEUED, WorkQueue

LOW_DISK_BYTES = 2 * 1024**3  # below this, the status warns


@dataclass(frozen=True, slots=True)
class SystemStatus:
    """A snapshot of the running instance."""

    queued: int  # jobs waiting (the one in progress excluded)
    reminders_next_24h: int  # pending, due within a day (overdue ones included)
    last_reminder_sent: dt.datetime | None  # local time
    database_bytes: int  # the database file plus its write-ahead log
    free_bytes: int  # on the data directory's disk

    @property
    def low_disk(self) -> bool:
        """Whether free space is below :data:`LOW_DISK_BYTES`."""
        return self.free_bytes < LOW_DISK_BYTES


@dataclass
class StatusService:
    """Reads the instance's state; nothing here writes."""

    queue: WorkQueue
    reminders: ReminderRepository
    database: Path
    clock: Clock
    timezone: ZoneInfo

    def snapshot(self) -> SystemStatus:
        """The current state."""
        due, last = self.reminders.outlook(self.clock.now() + dt.timedelta(hours=24))
        files = [self.database, self.database.with_name(self.database.name + "-wal")]
        return SystemStatus(
            queued=len(self.queue.jobs(state=QUEUED)),
            reminders_next_24h=due,
            last_reminder_sent=last.astimezone(self.timezone) if last is not None else None,
            database_bytes=sum(f.stat().st_size for f in files if f.exists()),
            free_bytes=shutil.disk_usage(self.database.parent).free,
        )
