"""Routine jobs on a calendar (the weekly digest, the daily backup and retention), each done once per due time.

APScheduler fires a cron job at each due time, in the organisation's time zone. Whether a due
time was dealt with is kept in the database (:class:`RunLog`, the audit log), not in APScheduler:
at start-up :meth:`Routines.catch_up` runs, once, every routine whose latest due time passed while
the process was down; a routine fired twice for the same due time (a restart right after it ran)
does nothing the second time. A routine's ``run`` returns False when it had nothing to do yet
(an empty digest): that due time stays open and is tried again at the next start or firing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from core.clock import Clock

logger = logging.getLogger(__name__)

LOOKBACK = dt.timedelta(days=8)  # the longest period of a routine (weekly) plus a day


class RunLog(Protocol):
    """Where the due times dealt with are kept."""

    def last_run(self, name: str) -> dt.datetime | None:
        """The latest due time of ``name`` that was dealt with, or None."""
        ...

    def mark(self, name: str, due: dt.datetime) -> None:
        """Record that ``name``'s due time ``due`` was dealt with."""
        ...


@dataclass(frozen=True, slots=True)
class Routine:
    """A job on a calendar: ``cron`` holds APScheduler ``CronTrigger`` fields (``day_of_week``, ``hour``, ...)."""

    name: str
    cron: Mapping[str, int | str]
    run: Callable[[dt.datetime], Awaitable[bool]] = field(compare=False)  # given the due time; False: not done yet


def latest_due(cron: Mapping[str, int | str], now: dt.datetime, timezone: ZoneInfo) -> dt.datetime | None:
    """The latest due time of ``cron`` at or before ``now`` within :data:`LOOKBACK` (aware), or None."""
    trigger = CronTrigger(timezone=timezone, **cron)
    latest = None
    moment = trigger.get_next_fire_time(None, now - LOOKBACK)
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + dt.timedelta(seconds=1))
    return latest


class Routines:
    """The routines' cron jobs plus the catch-up at start-up."""

    def __init__(
        self,
        routines: Sequence[Routine],
        log: RunLog,
        *,
        clock: Clock,
        timezone: ZoneInfo,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        """Set up (not start): ``routines`` run at their due times in ``timezone``; ``log`` remembers which ran."""
        self.routines = tuple(routines)
        self._log = log
        self._clock = clock
        self._timezone = timezone
        self.scheduler = scheduler or AsyncIOScheduler(timezone=timezone)
        self._lock = asyncio.Lock()
        self._catch_up: asyncio.Task[list[str]] | None = None

    def start(self, *, paused: bool = False, catch_up: bool = True) -> None:
        """Start on the running loop: one cron job per routine, and the catch-up in the background.

        Tests pass ``paused=True, catch_up=False``: the jobs are set but never fire, and they
        call :meth:`catch_up` themselves.
        """
        self.scheduler.start(paused=paused)
        for routine in self.routines:
            self.scheduler.add_job(
                self._fire,
                CronTrigger(timezone=self._timezone, **routine.cron),
                args=[routine],
                id=f"routine:{routine.name}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        if catch_up:
            self._catch_up = asyncio.get_running_loop().create_task(self.catch_up(), name="ketluan-routines")

    async def stop(self) -> None:
        """Stop the cron jobs; a routine in progress finishes first."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._catch_up is not None:
            await asyncio.gather(self._catch_up, return_exceptions=True)
        async with self._lock:
            pass

    async def catch_up(self) -> list[str]:
        """Run each routine whose latest due time was not dealt with; the names of those that ran without error."""
        ran = []
        for routine in self.routines:
            if await self._fire(routine):
                ran.append(routine.name)
        return ran

    async def _fire(self, routine: Routine) -> bool:
        """Run ``routine`` for its latest due time unless that was dealt with; True when it ran."""
        async with self._lock:  # one routine at a time: a firing and the catch-up never overlap
            due = latest_due(routine.cron, self._clock.now(), self._timezone)
            last = self._log.last_run(routine.name)
            if due is None or (last is not None and last >= due):
                return False
            try:
                done = await routine.run(due)
            except Exception:  # one failing routine must not stop the others, nor the bot: tried again later
                logger.exception("routine failed", extra={"routine": routine.name})
                return False
            if done:
                self._log.mark(routine.name, due)
            logger.info("routine ran", extra={"routine": routine.name, "due": due.isoformat(), "done": done})
            return True
