"""The reminder dispatcher and its APScheduler wake-up, against SQLite and the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from core.clock import Clock, FixedClock, SystemClock
from core.tracking import Reminder, ReminderKind, ReminderState
from jobs.dispatcher import Dispatcher, Outcome, OutcomeKind, Throttle
from jobs.wakeup import NEXT_JOB_ID, POLL_JOB_ID, WakeUp
from storage.db import Store, open_database
from storage.reminders import ReminderRepository
from tests.bot.fake_bot_api import FakeBotApi
from tests.integration.reminder_child import (
    MARK,
    build_bot,
    schedule,
    seed_tasks,
    telegram_send,
)

TOKEN = "123456:TEST-reminder-dispatcher-token-xyz"
CHAT_A, CHAT_B = 10_001, 10_002
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 08:00 in Hà Nội


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else RetryAfter.retry_after warns (an error here)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_database(tmp_path / "ketluan.db")
    yield opened
    opened.close()


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as server:
        yield server


def _states(store: Store) -> dict[int, tuple[str, str | None]]:
    with store.read() as db:
        return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, state, error FROM reminders")}


def _delivered(server: FakeBotApi) -> list[int]:
    """Reminder ids of the accepted sendMessage calls, in order."""
    ids = []
    for call in server.calls_for("sendMessage"):
        if call["status"] == 200:
            match = MARK.search(str(call["params"]["text"]))
            assert match
            ids.append(int(match.group(1)))
    return ids


@contextlib.asynccontextmanager
async def _running(
    store: Store, send: Callable, *, clock: Clock | None = None, throttle: Throttle | None = None, paused: bool = False
) -> AsyncIterator[tuple[Dispatcher, WakeUp]]:
    clock = clock or SystemClock()
    dispatcher = Dispatcher(ReminderRepository(store, clock), send, clock=clock, throttle=throttle)
    wakeup = WakeUp.attached(dispatcher)
    wakeup.start(paused=paused)
    dispatcher.start()
    try:
        yield dispatcher, wakeup
    finally:
        await dispatcher.stop()
        await wakeup.stop()
        await asyncio.sleep(0)  # the scheduler shuts down on the loop


@contextlib.asynccontextmanager
async def _bot_send(server: FakeBotApi, *, read_timeout: float = 5.0) -> AsyncIterator[Callable]:
    bot = build_bot(server.url, TOKEN, read_timeout=read_timeout)
    await bot.initialize()
    try:
        yield telegram_send(bot)
    finally:
        await bot.shutdown()


# ----------------------------------------------------------------------------------- throttle


class _Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_throttle_spaces_messages_overall_and_per_chat() -> None:
    ticks = _Ticks()
    throttle = Throttle(per_second=25, per_chat_interval=1.0, monotonic=ticks)
    assert throttle.reserve(1) == 0
    assert throttle.reserve(2) == pytest.approx(0.04)  # 25/s overall
    ticks.now += 0.04
    assert throttle.reserve(2) == 0
    ticks.now += 0.04
    assert throttle.reserve(1) == pytest.approx(0.92)  # one per second per chat
    ticks.now += 0.92
    assert throttle.reserve(1) == 0


def test_throttle_never_exceeds_its_rate_over_a_second() -> None:
    ticks = _Ticks()
    throttle = Throttle(per_second=25, burst=5, per_chat_interval=1.0, monotonic=ticks)
    sent: list[float] = []
    chat = 0
    while ticks.now < 110:
        wait = throttle.reserve(chat)
        if wait:
            ticks.now += wait
            continue
        sent.append(ticks.now)
        chat += 1
    windows = [sum(1 for t in sent if start <= t < start + 1.0) for start in sent]
    assert max(windows) <= 25 + 5  # the rate plus the burst
    assert len(sent) == pytest.approx(25 * 10, abs=6)


def test_throttle_pause_holds_every_chat() -> None:
    ticks = _Ticks()
    throttle = Throttle(monotonic=ticks)
    throttle.pause(3.0)
    throttle.pause(1.0)  # a shorter pause does not cut the longer one
    assert throttle.paused_for() == pytest.approx(3.0)
    assert throttle.reserve(7) == pytest.approx(3.0)
    ticks.now += 3.0
    assert throttle.reserve(7) == 0


# ----------------------------------------------------------------------------------- wake-up (paused scheduler)


def test_paused_scheduler_has_one_job_at_next_due_and_its_function_wakes_the_dispatcher(store: Store) -> None:
    clock = FixedClock(T0 - dt.timedelta(hours=1))
    (task,) = seed_tasks(store, clock, 1)
    schedule(
        store,
        clock,
        [(task, CHAT_A, T0, ReminderKind.DUE), (task, CHAT_A, T0 + dt.timedelta(days=1), ReminderKind.OVERDUE)],
    )
    sent: list[Reminder] = []

    async def send(reminder: Reminder) -> Outcome:
        sent.append(reminder)
        return Outcome.sent()

    async def scenario() -> None:
        async with _running(store, send, clock=clock, paused=True) as (dispatcher, wakeup):
            await dispatcher.wait_idle(5)
            assert sent == []
            job = wakeup.next_job()
            assert job.id == NEXT_JOB_ID
            assert job.next_run_time == T0
            assert job.misfire_grace_time is None and job.coalesce
            poll = wakeup.scheduler.get_job(POLL_JOB_ID)
            assert poll.trigger.interval == dt.timedelta(seconds=60)
            assert {j.id for j in wakeup.scheduler.get_jobs()} == {NEXT_JOB_ID, POLL_JOB_ID}

            clock.set(T0)
            await job.func()  # the scheduler never runs: call the job function ourselves
            await dispatcher.wait_idle(5)
            assert [r.kind for r in sent] == [ReminderKind.DUE]
            assert wakeup.next_wakeup() == T0 + dt.timedelta(days=1)  # the job was replaced

            clock.set(T0 + dt.timedelta(days=2))
            await poll.func()
            await dispatcher.wait_idle(5)
            assert [r.kind for r in sent] == [ReminderKind.DUE, ReminderKind.OVERDUE]
            assert wakeup.next_job() is None  # nothing pending: no date job, the poll stays

    asyncio.run(scenario())
    assert {s for s, _ in _states(store).values()} == {"sent"}


# ----------------------------------------------------------------------------------- against the fake Bot API


def test_restart_with_reminders_already_due_sends_each_task_once_per_chat(store: Store, fake_api: FakeBotApi) -> None:
    clock = SystemClock()
    now = clock.now()
    task1, task2, task3 = seed_tasks(store, clock, 3)
    day = dt.timedelta(days=1)
    schedule(
        store,
        clock,
        [
            (task1, CHAT_A, now - 3 * day, ReminderKind.BEFORE),  # the bot was down for three days
            (task1, CHAT_A, now - 2 * day, ReminderKind.DUE),
            (task1, CHAT_A, now - day, ReminderKind.OVERDUE),
            (task1, CHAT_B, now - day, ReminderKind.OVERDUE),
            (task2, CHAT_A, now - 2 * day, ReminderKind.DUE),
            (task3, CHAT_B, now - 4 * day, ReminderKind.DUE),  # a dead process was sending this one
            (task2, CHAT_B, now + dt.timedelta(hours=1), ReminderKind.BEFORE),  # not due yet
        ],
    )
    repository = ReminderRepository(store, clock)
    (crashed,) = repository.claim_due(limit=1)
    assert crashed.task_id == task3
    ids = {(r.task_id, r.chat_id, r.kind): r.id for r in _all(store)}

    async def scenario() -> None:
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, wakeup):
            await dispatcher.wait_idle(15)
            assert dispatcher.counts.resent == 1 and dispatcher.counts.coalesced == 2
            assert wakeup.next_wakeup() == (now + dt.timedelta(hours=1)).replace(microsecond=0)
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, _):
            await dispatcher.wait_idle(15)  # a second restart: nothing is due any more
            assert dispatcher.counts.sent == dispatcher.counts.resent == 0

    asyncio.run(scenario())
    first = ids[task1, CHAT_A, ReminderKind.BEFORE]  # the oldest of a task and chat goes out
    assert sorted(_delivered(fake_api)) == sorted([
        crashed.id, first, ids[task1, CHAT_B, ReminderKind.OVERDUE], ids[task2, CHAT_A, ReminderKind.DUE]
    ])  # fmt: skip
    states = _states(store)
    assert states[crashed.id] == ("unknown", "interrupted while sending; sent again at start-up")
    assert states[ids[task1, CHAT_A, ReminderKind.DUE]] == ("cancelled", f"coalesced into #{first}")
    assert states[ids[task1, CHAT_A, ReminderKind.OVERDUE]] == ("cancelled", f"coalesced into #{first}")
    assert states[ids[task2, CHAT_B, ReminderKind.BEFORE]] == ("pending", None)
    assert states[first] == states[ids[task2, CHAT_A, ReminderKind.DUE]] == ("sent", None)
    a_times = [c["time"] for c in fake_api.calls_for("sendMessage") if c["params"]["chat_id"] == CHAT_A]
    assert a_times[1] - a_times[0] >= 0.95  # one message per second per chat


def _all(store: Store) -> list[Reminder]:
    repository = ReminderRepository(store, SystemClock())
    with store.read() as db:
        ids = [row[0] for row in db.execute("SELECT id FROM reminders ORDER BY id")]
    return [r for r in map(repository.get, ids) if r is not None]


def test_a_send_that_times_out_is_unknown_and_not_sent_again(store: Store, fake_api: FakeBotApi) -> None:
    clock = SystemClock()
    (task,) = seed_tasks(store, clock, 1)
    schedule(store, clock, [(task, CHAT_A, clock.now() - dt.timedelta(minutes=1), ReminderKind.DUE)])
    fake_api.delay_next("sendMessage", 1.0)

    async def scenario() -> None:
        async with _bot_send(fake_api, read_timeout=0.3) as send, _running(store, send) as (dispatcher, _):
            await dispatcher.wait_idle(10)
            assert dispatcher.counts.unknown == 1
        await fake_api.wait_for_async(lambda s: all(c["status"] == 200 for c in s.calls_for("sendMessage")), 5)
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, _):
            await dispatcher.wait_idle(10)
            assert dispatcher.counts.sent == dispatcher.counts.resent == 0

    asyncio.run(scenario())
    (state,) = _states(store).values()
    assert state[0] == "unknown" and state[1].startswith("timed out")
    assert len(fake_api.calls_for("sendMessage")) == 1  # Telegram got it once; it was not retried


def test_retry_after_puts_the_reminder_back_and_pauses_all_sending(store: Store, fake_api: FakeBotApi) -> None:
    clock = SystemClock()
    (task,) = seed_tasks(store, clock, 1)
    due = clock.now() - dt.timedelta(minutes=1)
    schedule(store, clock, [(task, CHAT_A, due, ReminderKind.DUE), (task, CHAT_B, due, ReminderKind.DUE)])
    fake_api.fail_next("sendMessage", error_code=429, retry_after=1)

    async def scenario() -> None:
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, _):
            await fake_api.wait_for_async(lambda s: len(s.calls_for("sendMessage")) >= 3, 10)
            await dispatcher.wait_idle(10)
            assert dispatcher.counts.retried == 1 and dispatcher.counts.sent == 2

    asyncio.run(scenario())
    calls = fake_api.calls_for("sendMessage")
    assert [c["status"] for c in calls] == [429, 200, 200]
    assert calls[1]["params"]["chat_id"] == calls[0]["params"]["chat_id"]  # the same reminder, again
    assert calls[1]["time"] - calls[0]["time"] >= 0.95  # nothing at all went out during the pause
    assert {s for s, _ in _states(store).values()} == {"sent"}


def test_a_blocked_chat_is_recorded_as_failed_and_not_retried(store: Store, fake_api: FakeBotApi) -> None:
    clock = SystemClock()
    (task,) = seed_tasks(store, clock, 1)
    schedule(store, clock, [(task, CHAT_A, clock.now() - dt.timedelta(minutes=1), ReminderKind.DUE)])
    fake_api.fail_next("sendMessage", error_code=403)

    async def scenario() -> None:
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, _):
            await dispatcher.wait_idle(10)
            assert dispatcher.counts.failed == 1
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, _):
            await dispatcher.wait_idle(10)

    asyncio.run(scenario())
    (state,) = _states(store).values()
    assert state == ("unknown", "failed: Forbidden: bot was blocked by the user")
    assert len(fake_api.calls_for("sendMessage")) == 1


def test_a_send_that_raises_is_recorded_unknown() -> None:
    async def send(reminder: Reminder) -> Outcome:
        raise RuntimeError("bug")

    class Store1:
        def __init__(self) -> None:
            self.due = [Reminder(1, 1, "k", ReminderKind.DUE, CHAT_A, T0, ReminderState.SENDING)]
            self.settled: list[tuple[int, ReminderState, str | None]] = []

        def claim_due(self, *, limit: int = 50) -> list[Reminder]:
            claimed, self.due = self.due[:limit], self.due[limit:]
            return claimed

        def settle(self, reminder_id: int, state: ReminderState, *, error: str | None = None) -> None:
            self.settled.append((reminder_id, state, error))

        def interrupted(self) -> list[Reminder]:
            return []

        def recover(self) -> int:
            return 0

        def next_due(self) -> dt.datetime | None:
            return None

    fake = Store1()

    async def scenario() -> None:
        dispatcher = Dispatcher(fake, send)
        dispatcher.start()
        await dispatcher.wait_idle(5)
        await dispatcher.stop()

    asyncio.run(scenario())
    assert fake.settled == [(1, ReminderState.UNKNOWN, "send raised RuntimeError")]


def test_outcomes_cover_the_four_kinds() -> None:
    assert Outcome.sent().kind is OutcomeKind.SENT
    assert Outcome.unknown().kind is OutcomeKind.UNKNOWN
    assert Outcome.retry(-3).retry_after == 0.0
    assert Outcome.failed("Forbidden").error == "Forbidden"


# ----------------------------------------------------------------------------------- real time


def test_a_reminder_added_while_running_is_delivered_within_2_s_of_its_time(store: Store, fake_api: FakeBotApi) -> None:
    clock = SystemClock()
    (task,) = seed_tasks(store, clock, 1)
    due = dt.datetime.fromtimestamp(math.ceil(time.time()) + 3, dt.UTC)  # stored to the second

    async def scenario() -> float:
        async with _bot_send(fake_api) as send, _running(store, send) as (dispatcher, wakeup):
            await dispatcher.wait_idle(5)
            assert wakeup.next_job() is None

            def add() -> None:  # another thread stores a reminder and wakes the dispatcher
                schedule(store, clock, [(task, CHAT_A, due, ReminderKind.DUE)])
                dispatcher.wake()

            adder = threading.Thread(target=add)
            adder.start()
            adder.join()
            await fake_api.wait_for_async(lambda s: s.calls_for("sendMessage"), 8)
            assert wakeup.next_job() is None
            call = fake_api.calls_for("sendMessage")[0]
            return call["time"] - time.monotonic() + time.time()

    delivered = asyncio.run(scenario())
    late = delivered - due.timestamp()
    assert 0 <= late < 2.0, late
    assert {s for s, _ in _states(store).values()} == {"sent"}
