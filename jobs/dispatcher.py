"""The reminder dispatcher: delivers due reminders from the database, at most one in flight.

The database is the source of truth (platform-notes §4). The dispatcher only moves reminders
through their states, through a :class:`ReminderStore` port, and sends them through a ``send``
callable the bot layer supplies (this package never imports ``telegram`` or ``storage``):

* one reminder is claimed at a time (pending → sending, one transaction), sent, then settled.
  At most one reminder is ever ``sending``, so a crash leaves at most one whose fate is unknown;
* a send that timed out is settled ``unknown`` and never retried: Telegram may have delivered it;
* a reminder a dead process left ``sending`` is sent once more at start-up and settled
  ``unknown`` (it may now have arrived twice). Reminders are therefore never lost across a crash,
  and a crash duplicates at most one, recorded as such;
* a 429 puts the reminder back to pending and pauses all sending for ``retry_after``;
* a permanent refusal (blocked by the user, chat not found) is settled with
  :data:`FAILED_STATE` and the error text; it is not retried;
* fan-out is throttled: ``per_second`` messages overall and one per ``per_chat_interval`` per chat;
* reminders of one task to one chat that are due together (typically after downtime) go out as
  one message: within one pass over the due reminders (a *drain*; the catch-up at start-up is
  one) the first of each (task, chat) is sent and the later ones are settled ``cancelled`` with
  the error ``coalesced into #<id>``. The bot renders a reminder from the task as it stands at
  send time, so the one kept says everything the others would have.

Times are aware UTC datetimes throughout; showing them in Asia/Ho_Chi_Minh is the bot's job.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.clock import Clock, SystemClock
from core.tracking import Reminder, ReminderState

logger = logging.getLogger(__name__)

FAILED_STATE = ReminderState.UNKNOWN
"""How a permanent failure is recorded (the state enum has no ``failed``): ``unknown`` with an error
that starts with ``failed:``. Unknown is the state a secretary looks at for reminders that need a
person, which is what a blocked bot or a vanished chat needs."""

INTERRUPTED_ERROR = "interrupted while sending; sent again at start-up"
TIMED_OUT_ERROR = "timed out: may have been delivered"
STOP_GRACE_S = 30.0
CLOCK_SLACK_S = 1e-6  # waits shorter than this are rounding noise
CHAT_MEMORY = 4096  # per-chat send times kept before the expired ones are dropped
MIN_RESCHEDULE_S = 1.0  # a wake-up asked for a moment already past is moved this far ahead


class OutcomeKind(StrEnum):
    """What became of one send."""

    SENT = "sent"  # Telegram accepted the message
    UNKNOWN = "unknown"  # the request may have left (timeout, network error after sending): not retried
    RETRY_AFTER = "retry_after"  # 429 or not sent at all: back to pending, all sending paused for a while
    FAILED = "failed"  # refused for good (bot blocked, chat not found): not retried


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of ``send``, built with the class methods."""

    kind: OutcomeKind
    retry_after: float = 0.0  # seconds, for RETRY_AFTER
    error: str | None = None

    @classmethod
    def sent(cls) -> Outcome:
        """Delivered."""
        return cls(OutcomeKind.SENT)

    @classmethod
    def unknown(cls, error: str = TIMED_OUT_ERROR) -> Outcome:
        """The request may or may not have been delivered (e.g. ``TimedOut``)."""
        return cls(OutcomeKind.UNKNOWN, error=error)

    @classmethod
    def retry(cls, seconds: float, error: str | None = None) -> Outcome:
        """Not delivered; try again after ``seconds`` (``RetryAfter``, or a request that never left)."""
        return cls(OutcomeKind.RETRY_AFTER, retry_after=max(0.0, seconds), error=error)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        """Not delivered and never will be (``Forbidden``, ``BadRequest: chat not found``)."""
        return cls(OutcomeKind.FAILED, error=error)


SendFn = Callable[[Reminder], Awaitable[Outcome]]


class ReminderStore(Protocol):
    """The reminders table, as :class:`storage.reminders.ReminderRepository` provides it."""

    def claim_due(self, *, limit: int = ...) -> list[Reminder]:
        """Claim up to ``limit`` due reminders, oldest first: pending → sending in one transaction."""
        ...

    def settle(self, reminder_id: int, state: ReminderState, *, error: str | None = None) -> None:
        """Record the outcome of a claimed (sending) reminder; PENDING puts it back."""
        ...

    def interrupted(self) -> list[Reminder]:
        """The reminders left ``sending`` by a process that died (read only, before any claim)."""
        ...

    def recover(self) -> int:
        """Turn reminders still ``sending`` into ``unknown``; returns how many."""
        ...

    def next_due(self) -> dt.datetime | None:
        """When the earliest pending reminder is due (UTC), or None."""
        ...


class Throttle:
    """Telegram's limits for a fan-out: a token bucket overall plus a minimum interval per chat.

    Not a coroutine itself: :meth:`reserve` says how long to wait, so the caller can wait in a way
    that a shutdown interrupts. A pause (after a 429) holds every chat.
    """

    def __init__(
        self,
        *,
        per_second: float = 25.0,
        burst: float = 1.0,
        per_chat_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow ``per_second`` messages overall (``burst`` at once) and one per chat every ``per_chat_interval`` s."""
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")
        self.per_second = per_second
        self.burst = burst
        self.per_chat_interval = per_chat_interval
        self._monotonic = monotonic
        self._tokens = burst
        self._refilled = monotonic()
        self._chat_next: dict[int, float] = {}
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold all sending for ``seconds`` from now (a longer pause already set is kept)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when none)."""
        return max(0.0, self._paused_until - self._monotonic())

    def reserve(self, chat_id: int) -> float:
        """Take a slot for a message to ``chat_id`` and return 0, or return how long to wait first."""
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.per_second)
        self._refilled = now
        wait = max(
            self._paused_until - now,
            (1.0 - self._tokens) / self.per_second,
            self._chat_next.get(chat_id, 0.0) - now,
        )
        if wait > CLOCK_SLACK_S:
            return wait
        self._tokens -= 1.0
        self._chat_next[chat_id] = now + self.per_chat_interval
        if len(self._chat_next) > CHAT_MEMORY:  # forget chats whose interval is over
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return 0.0


@dataclass
class DispatchCounts:
    """What the dispatcher did since it started (for logs, tests and benchmarks)."""

    sent: int = 0
    unknown: int = 0
    failed: int = 0
    retried: int = 0  # 429s: put back to pending
    coalesced: int = 0  # settled cancelled: another reminder of the same task and chat went out
    resent: int = 0  # left sending by a dead process, sent again at start-up
    drains: int = 0
    recovered: int = 0  # still sending after the re-sends, made unknown by recover()


class Dispatcher:
    """Delivers due reminders; :meth:`wake` it whenever reminders may have fallen due or were added."""

    def __init__(
        self,
        store: ReminderStore,
        send: SendFn,
        *,
        clock: Clock | None = None,
        throttle: Throttle | None = None,
        on_next_due: Callable[[dt.datetime | None], None] | None = None,
    ) -> None:
        """Set up the dispatcher (nothing runs before :meth:`start`).

        Args:
            store: The reminders (claims and settles run in a worker thread, off the event loop).
            send: Sends one reminder and tells what happened; it must not raise (an exception is
                recorded as an unknown outcome).
            clock: Source of "now" (UTC) for the wake-up times.
            throttle: The rate limits; 25 messages/s overall and 1/s per chat by default.
            on_next_due: Called after every drain with the next pending reminder's due time (or
                None), already moved off the past; the wake-up adapter schedules itself there.
        """
        self._store = store
        self._send = send
        self._clock = clock or SystemClock()
        self.throttle = throttle or Throttle()
        self.on_next_due = on_next_due
        self.counts = DispatchCounts()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stop = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Start on the running loop: re-send interrupted reminders, recover, then deliver what is due."""
        if self._task is not None:
            raise RuntimeError("the dispatcher is already running")
        self._loop = asyncio.get_running_loop()
        self._stop.clear()
        self._idle.clear()
        self._wake.set()
        self._task = self._loop.create_task(self._run(), name="ketluan-reminders")

    async def stop(self, *, grace_s: float = STOP_GRACE_S) -> None:
        """Stop after the send in flight; reminders claimed but not attempted go back to pending."""
        if self._task is None:
            return
        self._stop.set()
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_s)
        except TimeoutError:
            logger.warning("reminder dispatcher did not stop in time")
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        """Look for due reminders soon (safe from any thread; before :meth:`start` it is a no-op)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake_now()
        else:
            loop.call_soon_threadsafe(self._wake_now)

    def _wake_now(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - a plain deadline is clearer here
        """Wait until the dispatcher has nothing due left to do (tests, benchmarks, one-shot runs)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    @property
    def running(self) -> bool:
        """Whether the dispatcher's task is alive."""
        return self._task is not None and not self._task.done()

    # ------------------------------------------------------------------------------- the loop

    async def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            await self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                if first:
                    await self._start_up()
                    first = False
                await self._drain()
                await self._announce_next_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database error: keep the loop; the wake-up poll tries again later
                logger.exception("reminder dispatch failed")
            if not self._wake.is_set():
                self._idle.set()
        self._idle.set()

    async def _start_up(self) -> None:
        """Re-send what a dead process left sending (once each, recorded unknown), then recover()."""
        interrupted = await asyncio.to_thread(self._store.interrupted)
        for reminder in interrupted:
            if not await self._resend(reminder):
                return  # stopping: the rest stay sending for the next start
        self.counts.recovered += await asyncio.to_thread(self._store.recover)
        if interrupted:
            logger.info("reminders interrupted by a crash sent again", extra={"count": len(interrupted)})

    async def _resend(self, reminder: Reminder) -> bool:
        """Send an interrupted reminder once more; False when stopping first."""
        while True:
            if not await self._wait_for_slot(reminder.chat_id):
                return False
            outcome = await self._attempt(reminder)
            if outcome.kind is OutcomeKind.RETRY_AFTER:  # certainly not delivered this time: wait, try again
                self.counts.retried += 1
                self.throttle.pause(outcome.retry_after)
                continue
            error = INTERRUPTED_ERROR if outcome.error is None else f"{INTERRUPTED_ERROR}; {outcome.error}"
            await asyncio.to_thread(self._store.settle, reminder.id, ReminderState.UNKNOWN, error=error)
            self.counts.resent += 1
            return True

    async def _drain(self) -> None:
        """Deliver every due reminder, one at a time, coalescing per (task, chat)."""
        self.counts.drains += 1
        delivered: dict[tuple[int, int], int] = {}  # (task, chat) -> the reminder that went out in this drain
        while not self._stop.is_set():
            if not await self._sleep(self.throttle.paused_for()):
                return
            claimed = await asyncio.to_thread(self._store.claim_due, limit=1)
            if not claimed:
                return
            reminder = claimed[0]
            group = (reminder.task_id, reminder.chat_id)
            if group in delivered:
                error = f"coalesced into #{delivered[group]}"
                await asyncio.to_thread(self._store.settle, reminder.id, ReminderState.CANCELLED, error=error)
                self.counts.coalesced += 1
                continue
            if not await self._wait_for_slot(reminder.chat_id):
                await asyncio.to_thread(self._store.settle, reminder.id, ReminderState.PENDING)
                return
            outcome = await self._attempt(reminder)
            await self._settle(reminder, outcome)
            if outcome.kind is not OutcomeKind.RETRY_AFTER:
                delivered[group] = reminder.id

    async def _wait_for_slot(self, chat_id: int) -> bool:
        """Wait for the throttle to allow a message to ``chat_id``; False when stopping first."""
        while (wait := self.throttle.reserve(chat_id)) > 0:
            if not await self._sleep(wait):
                return False
        return not self._stop.is_set()

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; False when stopping."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)
        return not self._stop.is_set()

    async def _attempt(self, reminder: Reminder) -> Outcome:
        try:
            return await self._send(reminder)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in send: the request may have left
            logger.exception("reminder send raised", extra={"reminder": reminder.id})
            return Outcome.unknown(f"send raised {type(exc).__name__}")

    async def _settle(self, reminder: Reminder, outcome: Outcome) -> None:
        if outcome.kind is OutcomeKind.SENT:
            state, error = ReminderState.SENT, None
            self.counts.sent += 1
        elif outcome.kind is OutcomeKind.UNKNOWN:
            state, error = ReminderState.UNKNOWN, outcome.error or TIMED_OUT_ERROR
            self.counts.unknown += 1
        elif outcome.kind is OutcomeKind.FAILED:
            state, error = FAILED_STATE, f"failed: {outcome.error}"
            self.counts.failed += 1
        else:
            state, error = ReminderState.PENDING, None
            self.counts.retried += 1
            self.throttle.pause(outcome.retry_after)
            logger.warning("flood control: reminders paused", extra={"seconds": outcome.retry_after})
        await asyncio.to_thread(self._store.settle, reminder.id, state, error=error)
        logger.debug("reminder settled", extra={"reminder": reminder.id, "state": state.value})

    async def _announce_next_due(self) -> None:
        if self.on_next_due is None:
            return
        at = await asyncio.to_thread(self._store.next_due)
        if at is not None:
            now = self._clock.now()
            resume = now + dt.timedelta(seconds=self.throttle.paused_for())
            at = max(at.astimezone(dt.UTC), resume)
            if at <= now:  # still due after a full drain (a clock at odds with the store's): do not spin
                at = now + dt.timedelta(seconds=MIN_RESCHEDULE_S)
        self.on_next_due(at)
