"""Reminders benchmark: rebuilding the schedule at start-up with 10,000 pending reminders.

The start-up rebuild is what the bot does before it can wake up on time: the dispatcher's
start (interrupted reminders, ``recover()``, the catch-up pass, which finds nothing due here)
then reading the next due time and setting the one APScheduler date job. Each run is a fresh
process on the same database; the memory is the RSS growth of that process from before the
scheduler part is imported to after the rebuild, plus tracemalloc's peak during the rebuild.
For comparison, the same reminders as one APScheduler job each (the design this avoids).

``python -m bench.reminders`` prints the section and writes it to bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PENDING = 10_000
HISTORY = 10_000  # reminders already sent, as a bot in use has
CHATS = 50
RUNS = 5
SPREAD = dt.timedelta(days=60)


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def seed(path: Path) -> dt.datetime:
    """A database with PENDING future reminders and HISTORY sent ones; returns the earliest due time."""
    from core.clock import SystemClock
    from core.tracking import ReminderKind
    from storage.db import insert_row, open_database
    from storage.reminders import NewReminder, ReminderRepository
    from storage.tasks import NewTask, TaskRepository

    clock = SystemClock()
    store = open_database(path)
    now = clock.now()
    stamp = now.isoformat()
    tasks = (PENDING + HISTORY) // CHATS
    with store.write() as db:
        agency = insert_row(db.table("agencies"), {"name": "Sở Tài chính", "created_at": stamp})
        meeting = insert_row(
            db.table("meetings"),
            {
                "created_by": 1,
                "chat_id": 1,
                "created_at": stamp,
                "updated_at": stamp,
                "state": "issued",
                "source_kind": "text",
            },
        )
        assignments = [
            insert_row(
                db.table("assignments"),
                {
                    "meeting_id": meeting,
                    "position": i,
                    "lead": "Sở Tài chính",
                    "task": f"Nhiệm vụ {i}",
                    "updated_at": stamp,
                },
            )
            for i in range(tasks)
        ]
    issued = TaskRepository(store, clock).issue(
        [
            NewTask(meeting, a, agency, (), f"Nhiệm vụ {i}", dt.date(2027, 1, 31), None)
            for i, a in enumerate(assignments)
        ],
        actor=1,
    )
    first = now + dt.timedelta(hours=1)
    step = SPREAD / PENDING
    reminders = []
    for n in range(PENDING + HISTORY):
        task = issued[n // CHATS].id
        due = first + step * n if n < PENDING else now - dt.timedelta(days=1) - step * n
        reminders.append(
            NewReminder(task, f"{task}:due:{n}", ReminderKind.DUE, 10_000 + n % CHATS, due),
        )
    ReminderRepository(store, clock).schedule(reminders)
    with store.write() as db:
        db.execute("UPDATE reminders SET state = 'sent' WHERE due_at < ?", [now.isoformat()])
    store.close()
    return first.replace(microsecond=0)


async def _rebuild(path: Path) -> dict[str, float | str | None]:
    from core.clock import SystemClock
    from storage.db import open_database
    from storage.reminders import ReminderRepository

    store = open_database(path)
    repository = ReminderRepository(store, SystemClock())

    rss_before = _rss_mb()
    t_import = time.perf_counter()
    from jobs.dispatcher import Dispatcher, Outcome
    from jobs.wakeup import WakeUp

    import_s = time.perf_counter() - t_import

    async def send(reminder: object) -> Outcome:
        return Outcome.sent()

    tracemalloc.start()
    t0 = time.perf_counter()
    dispatcher = Dispatcher(repository, send)
    wakeup = WakeUp.attached(dispatcher)
    wakeup.start()
    dispatcher.start()
    await dispatcher.wait_idle(60)
    next_wakeup = wakeup.next_wakeup()
    rebuild_s = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _rss_mb()
    jobs = len(wakeup.scheduler.get_jobs())
    await dispatcher.stop()
    await wakeup.stop()
    await asyncio.sleep(0)
    store.close()
    return {
        "rebuild_s": rebuild_s,
        "import_s": import_s,
        "rss_growth_mb": rss_after - rss_before,
        "rss_mb": rss_after,
        "traced_peak_mb": traced_peak / 2**20,
        "jobs": jobs,
        "next_wakeup": next_wakeup.isoformat() if next_wakeup else None,
        "sent": dispatcher.counts.sent,
    }


async def _job_per_reminder(path: Path) -> dict[str, float | str | None]:
    """The avoided design: every pending reminder as its own APScheduler date job (paused scheduler)."""
    from storage.db import open_database

    store = open_database(path)
    with store.read() as db:
        rows = [
            (r[0], dt.datetime.fromisoformat(r[1]))
            for r in db.execute("SELECT id, due_at FROM reminders WHERE state = 'pending'")
        ]
    store.close()
    rss_before = _rss_mb()
    from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

    async def fire() -> None:
        return None

    t0 = time.perf_counter()
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.start(paused=True)
    for reminder_id, due in rows:
        scheduler.add_job(fire, "date", run_date=due, id=str(reminder_id), misfire_grace_time=None)
    await asyncio.sleep(0)
    seconds = time.perf_counter() - t0
    rss_after = _rss_mb()
    jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)
    return {"rebuild_s": seconds, "rss_growth_mb": rss_after - rss_before, "jobs": jobs}


def _child(mode: str, path: Path) -> dict[str, float | str | None]:
    res = subprocess.run(
        [sys.executable, "-m", "bench.reminders", mode, str(path)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result: dict[str, float | str | None] = json.loads(res.stdout.strip().splitlines()[-1])
    return result


def run() -> str:
    """Run the reminders benchmark and return its Markdown section."""
    with tempfile.TemporaryDirectory(prefix="ketluan-bench-") as tmp:
        path = Path(tmp) / "ketluan.db"
        t0 = time.perf_counter()
        first = seed(path)
        seed_s = time.perf_counter() - t0
        runs = [_child("--rebuild", path) for _ in range(RUNS)]
        per_job = _child("--job-per-reminder", path)
    for r in runs:
        assert r["next_wakeup"] == first.isoformat(), (r, first)
        assert r["jobs"] == 2 and r["sent"] == 0, r

    def values(key: str) -> list[float]:
        return [float(r[key] or 0) for r in runs]

    rebuild = values("rebuild_s")
    growth = values("rss_growth_mb")
    return "\n".join(
        [
            "## Reminders (issue 6)",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python "
            f"{platform.python_version()}; a database of {PENDING:,} pending reminders (due over the next "
            f"{SPREAD.days} days, {CHATS} chats) and {HISTORY:,} sent ones; {RUNS} fresh processes, medians "
            f"(seeding took {seed_s:.1f} s).",
            "",
            "| metric | value |",
            "|---|---|",
            f"| start-up rebuild (dispatcher start: interrupted + recover + catch-up pass, next due, "
            f"APScheduler job set) | {statistics.median(rebuild) * 1000:.0f} ms "
            f"(runs: {', '.join(f'{x * 1000:.0f}' for x in rebuild)}; target < 2 s) |",
            f"| import of jobs/ + APScheduler (once per process) | {statistics.median(values('import_s')) * 1000:.0f} ms |",
            f"| scheduler part: RSS growth (import + rebuild) | {statistics.median(growth):.1f} MB "
            f"(max {max(growth):.1f} MB; target < 200 MB) |",
            f"| scheduler part: Python allocations, peak during the rebuild (tracemalloc) | "
            f"{statistics.median(values('traced_peak_mb')):.2f} MB |",
            f"| APScheduler jobs held | {runs[0]['jobs']} (one date job at the next due time, one 60 s poll) |",
            f"| for comparison: one APScheduler job per pending reminder | {per_job['jobs']:,} jobs, "
            f"{float(per_job['rebuild_s'] or 0):.2f} s, RSS growth {float(per_job['rss_growth_mb'] or 0):.1f} MB |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """``--rebuild DB`` / ``--job-per-reminder DB``: one measurement as JSON; no argument: the whole benchmark."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in {"--rebuild", "--job-per-reminder"}:
        measure = _rebuild if args[0] == "--rebuild" else _job_per_reminder
        sys.stdout.write(json.dumps(asyncio.run(measure(Path(args[1])))) + "\n")
        return 0
    from bench.results import write_results

    section = run()
    write_results(section)
    sys.stdout.write(section + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
