"""Routine jobs: each due time dealt with once, across restarts; empty runs retried; failures contained."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.clock import FixedClock
from jobs.routines import Routine, Routines, latest_due
from storage.db import open_database
from storage.runlog import RunLogRepository

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKLY = {"day_of_week": "mon", "hour": 8, "minute": 0}
DAILY = {"hour": 2, "minute": 0}


@pytest.mark.parametrize(
    ("now", "cron", "expected"),
    [
        (dt.datetime(2026, 12, 9, 9, 0, tzinfo=LOCAL), WEEKLY, dt.datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL)),
        (dt.datetime(2026, 12, 7, 7, 59, tzinfo=LOCAL), WEEKLY, dt.datetime(2026, 11, 30, 8, 0, tzinfo=LOCAL)),
        (dt.datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL), WEEKLY, dt.datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL)),
        (dt.datetime(2026, 12, 9, 1, 0, tzinfo=LOCAL), DAILY, dt.datetime(2026, 12, 8, 2, 0, tzinfo=LOCAL)),
    ],
)
def test_latest_due_time(now: dt.datetime, cron: dict, expected: dt.datetime) -> None:
    assert latest_due(cron, now.astimezone(dt.UTC), LOCAL) == expected


def test_each_due_time_runs_once_across_restarts_and_empty_runs_are_retried(tmp_path: Path) -> None:
    store = open_database(tmp_path / "k.db")
    clock = FixedClock(dt.datetime(2026, 12, 9, 9, 0, tzinfo=LOCAL))
    calls: list[tuple[str, dt.datetime]] = []
    have_news = [False]

    async def digest(due: dt.datetime) -> bool:
        calls.append(("digest", due))
        return have_news[0]

    async def backup(due: dt.datetime) -> bool:
        calls.append(("backup", due))
        return True

    async def broken(due: dt.datetime) -> bool:
        raise OSError("disk full")

    routines = [Routine("broken", DAILY, broken), Routine("digest", WEEKLY, digest), Routine("backup", DAILY, backup)]

    async def start_once() -> list[str]:
        runner = Routines(routines, RunLogRepository(store, clock), clock=clock, timezone=LOCAL)
        runner.start(paused=True, catch_up=False)  # the cron jobs are set but never fire here
        try:
            assert {job.id for job in runner.scheduler.get_jobs()} == {
                "routine:broken",
                "routine:digest",
                "routine:backup",
            }
            return await runner.catch_up()
        finally:
            await runner.stop()

    assert asyncio.run(start_once()) == ["digest", "backup"]  # "broken" failed (not done); the others still ran
    assert calls[-1] == ("backup", dt.datetime(2026, 12, 9, 2, 0, tzinfo=LOCAL))
    assert asyncio.run(start_once()) == ["digest"]  # the digest had nothing: tried again; the backup is done
    have_news[0] = True
    assert asyncio.run(start_once()) == ["digest"]
    assert asyncio.run(start_once()) == []  # this Monday's digest is done
    clock.advance(dt.timedelta(days=1))
    assert asyncio.run(start_once()) == ["backup"]  # a new day: the next backup
    assert sum(c[0] == "digest" for c in calls) == 3
    assert [c for c in calls if c[0] == "backup"] == [
        ("backup", dt.datetime(2026, 12, 9, 2, 0, tzinfo=LOCAL)),
        ("backup", dt.datetime(2026, 12, 10, 2, 0, tzinfo=LOCAL)),
    ]
    store.close()
