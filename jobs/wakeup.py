"""The APScheduler adapter: wakes the reminder dispatcher up, and does nothing else.

APScheduler 3.11 holds exactly two in-memory jobs, whatever the number of reminders: one date job
at the next pending reminder's due time (replaced whenever that changes) and a safety poll. Both
only call :meth:`jobs.dispatcher.Dispatcher.wake`; the database decides what is due. Nothing is
persisted in APScheduler: at start-up the dispatcher reads the database and reschedules
(platform-notes §4). Jobs never misfire away (``misfire_grace_time=None``: a wake-up that comes
late still runs) and late runs coalesce into one.

Wiring, on the running event loop::

    dispatcher = Dispatcher(repository, send)
    wakeup = WakeUp.attached(dispatcher)
    wakeup.start()
    dispatcher.start()  # re-send interrupted, recover, catch up, then wakeup.reschedule(next due)
    ...
    await dispatcher.stop()
    await wakeup.stop()

Code that stores new reminders calls ``dispatcher.wake()`` afterwards (from any thread).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from apscheduler.job import Job  # type: ignore[import-untyped]  # APScheduler 3 ships no types
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from jobs.dispatcher import Dispatcher

logger = logging.getLogger(__name__)

NEXT_JOB_ID = "reminders:next-due"
POLL_JOB_ID = "reminders:poll"
POLL_EVERY_S = 60.0


class WakeUp:
    """One date job at the next due time plus a periodic poll, both calling ``wake``."""

    def __init__(
        self,
        wake: Callable[[], None],
        *,
        poll_every_s: float = POLL_EVERY_S,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        """Set up (not start) the scheduler.

        Args:
            wake: What to call (the dispatcher's ``wake``); it must return at once.
            poll_every_s: The safety poll's period (a missed wake-up costs at most this long).
            scheduler: An unstarted scheduler to use instead of a fresh UTC one.
        """
        self._wake = wake
        self.poll_every_s = poll_every_s
        self.scheduler = scheduler or AsyncIOScheduler(timezone=dt.UTC)

    @classmethod
    def attached(cls, dispatcher: Dispatcher, **options: float) -> WakeUp:
        """A wake-up for ``dispatcher`` that the dispatcher reschedules after every pass."""
        wakeup = cls(dispatcher.wake, **options)
        dispatcher.on_next_due = wakeup.reschedule
        return wakeup

    def start(self, *, paused: bool = False) -> None:
        """Start on the running event loop (``paused=True`` in tests: jobs are set but never run)."""
        self.scheduler.start(paused=paused)
        self.scheduler.add_job(
            self.fire,
            "interval",
            seconds=self.poll_every_s,
            id=POLL_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    async def stop(self) -> None:
        """Shut the scheduler down (running wake-ups are not waited for: they return at once)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def reschedule(self, at: dt.datetime | None) -> None:
        """Wake up at ``at`` (aware; a past moment means at once), replacing the previous wake-up; None: none."""
        if at is None:
            if self.next_job() is not None:
                self.scheduler.remove_job(NEXT_JOB_ID)
            return
        if at.tzinfo is None:
            raise ValueError(f"naive wake-up time: {at!r}")
        self.scheduler.add_job(
            self.fire,
            "date",
            run_date=at.astimezone(dt.UTC),
            id=NEXT_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def next_job(self) -> Job | None:
        """The date job, or None when no reminder is pending."""
        return self.scheduler.get_job(NEXT_JOB_ID)

    def next_wakeup(self) -> dt.datetime | None:
        """When the date job will run (UTC), or None."""
        job = self.next_job()
        run_time: dt.datetime | None = job.next_run_time if job is not None else None
        return run_time

    async def fire(self) -> None:
        """The job function (a coroutine, so the executor runs it on the loop, not in a thread)."""
        self._wake()
