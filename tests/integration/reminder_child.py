"""The reminder dispatcher as a process of its own, for the crash test; plus the helpers its tests share.

``python reminder_child.py DB URL TOKEN [--per-second N]`` opens the database, builds a real PTB
``ExtBot`` with ``AIORateLimiter`` against the Bot API at ``URL``, starts the real dispatcher and
its APScheduler wake-up, prints ``delivering`` once it begins, delivers everything due and exits
with a JSON line of what it did. The crash test kills it with SIGKILL at random moments.

The helpers (``seed_reminders``, ``telegram_send``, ``build_bot``) are
imported by the tests; ``telegram_send`` is the reference for the bot layer's send function.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.notifier import outcome_of
from core.clock import Clock, SystemClock
from core.tracking import Reminder, ReminderKind
from jobs.dispatcher import Dispatcher, Outcome, SendFn, Throttle
from jobs.wakeup import WakeUp
from storage.db import Store, insert_row, open_database
from storage.reminders import NewReminder, ReminderRepository
from storage.tasks import NewTask, TaskRepository

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MARK = re.compile(r"#(\d+)\b")
SECRETARY = 2000


def seed_tasks(store: Store, clock: Clock, count: int) -> list[int]:
    """One meeting, one agency and ``count`` issued tasks; returns the task ids."""
    now = clock.now().isoformat()
    meeting_row = {
        "created_by": SECRETARY, "chat_id": SECRETARY, "created_at": now, "updated_at": now,
        "state": "issued", "source_kind": "text",
    }  # fmt: skip
    with store.write() as db:
        agency = insert_row(db.table("agencies"), {"name": "Sở Tài chính", "created_at": now})
        meeting = insert_row(db.table("meetings"), meeting_row)
        assignments = [
            insert_row(
                db.table("assignments"),
                {
                    "meeting_id": meeting,
                    "position": i,
                    "lead": "Sở Tài chính",
                    "task": f"Nhiệm vụ số {i + 1}",
                    "status": "confirmed",
                    "updated_at": now,
                },
            )
            for i in range(count)
        ]
    new = [
        NewTask(meeting_id=meeting, assignment_id=a, lead_agency_id=agency, cooperating_agency_ids=(),
                task=f"Nhiệm vụ số {i + 1}", deadline=dt.date(2026, 12, 31), recurrence=None)
        for i, a in enumerate(assignments)
    ]  # fmt: skip
    return [t.id for t in TaskRepository(store, clock).issue(new, actor=SECRETARY)]


def schedule(store: Store, clock: Clock, reminders: Iterable[tuple[int, int, dt.datetime, ReminderKind]]) -> int:
    """Store reminders given as (task, chat, due, kind); returns how many are new."""
    return ReminderRepository(store, clock).schedule(
        NewReminder(task_id=t, key=f"{t}:{k.value}:{due.isoformat()}:{c}", kind=k, chat_id=c, due_at=due)
        for t, c, due, k in reminders
    )


def seed_reminders(path: Path, *, tasks: int, chats: int, due_at: dt.datetime) -> list[int]:
    """A database with ``tasks`` tasks times ``chats`` chats reminders, all due at ``due_at``; their ids.

    Each (task, chat) pair gets one reminder (nothing to coalesce), ids running over the chats first.
    """
    store = open_database(path)
    clock = SystemClock()
    try:
        task_ids = seed_tasks(store, clock, tasks)
        schedule(store, clock, ((t, 10_001 + c, due_at, ReminderKind.DUE) for t in task_ids for c in range(chats)))
        with store.read() as db:
            return [row[0] for row in db.execute("SELECT id FROM reminders ORDER BY id")]
    finally:
        store.close()


def reminder_text(reminder: Reminder) -> str:
    """What the test bot sends: the reminder id (``#12``) and its time in Asia/Ho_Chi_Minh."""
    local = reminder.due_at.astimezone(LOCAL_TZ)
    return f"⏰ Nhắc việc #{reminder.id}: nhiệm vụ {reminder.task_id}, hạn nhắc {local:%H:%M %d/%m/%Y}."


def telegram_send(bot: ExtBot[None]) -> SendFn:
    """The send function: Telegram's answers mapped to the dispatcher's outcomes."""

    async def send(reminder: Reminder) -> Outcome:
        try:
            await bot.send_message(reminder.chat_id, reminder_text(reminder))
        except TelegramError as exc:
            return outcome_of(exc)
        return Outcome.sent()

    return send


def build_bot(url: str, token: str, *, read_timeout: float = 5.0) -> ExtBot[None]:
    """A PTB bot with AIORateLimiter (no retries: a 429 reaches the dispatcher) against ``url``."""
    return ExtBot(
        token,
        base_url=f"{url}/bot",
        base_file_url=f"{url}/file/bot",
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=5.0),
        rate_limiter=AIORateLimiter(overall_max_rate=0, max_retries=0),  # the dispatcher's throttle rules
    )


async def run(db_path: Path, url: str, token: str, *, per_second: float) -> dict[str, int]:
    """Deliver everything due, then stop; returns the dispatcher's counts."""
    store = open_database(db_path)
    repository = ReminderRepository(store, SystemClock())
    bot = build_bot(url, token)
    await bot.initialize()
    dispatcher = Dispatcher(repository, telegram_send(bot), throttle=Throttle(per_second=per_second))
    wakeup = WakeUp.attached(dispatcher)
    wakeup.start()
    sys.stdout.write("delivering\n")
    sys.stdout.flush()
    dispatcher.start()
    try:
        now = dt.datetime.now(dt.UTC)
        while (due := repository.next_due()) is not None and due <= now:
            await dispatcher.wait_idle()
            await asyncio.sleep(0.05)
        await dispatcher.wait_idle()
    finally:
        await dispatcher.stop()
        await wakeup.stop()
        await bot.shutdown()
        store.close()
    counts = dispatcher.counts
    return {
        "sent": counts.sent, "unknown": counts.unknown, "failed": counts.failed, "retried": counts.retried,
        "coalesced": counts.coalesced, "resent": counts.resent, "recovered": counts.recovered,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the dispatcher until nothing is due."""
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--per-second", type=float, default=25.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    counts = asyncio.run(run(args.db, args.url, args.token, per_second=args.per_second))
    sys.stdout.write(json.dumps(counts) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
