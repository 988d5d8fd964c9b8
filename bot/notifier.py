"""Reminder messages: the dispatcher's send function, with Telegram's answers mapped to outcomes.

A timeout may mean the message arrived (no idempotency key in the Bot API): it is recorded
as unknown and never retried; a 429 puts the reminder back with its ``retry_after``; a
blocked bot or an unknown chat fails for good.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import httpx
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot import keyboards, texts
from core.services.tracking import TaskView, TrackingService
from core.tracking import Reminder, ReminderKind
from jobs.dispatcher import Dispatcher, Outcome, SendFn
from jobs.wakeup import POLL_EVERY_S, WakeUp

logger = logging.getLogger(__name__)


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def outcome_of(exc: TelegramError) -> Outcome:
    """What a PTB error means for a reminder: retry, unknown (may have arrived) or failed for good."""
    if isinstance(exc, RetryAfter):
        return Outcome.retry(_seconds(exc.retry_after), str(exc))
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        if isinstance(cause, httpx.PoolTimeout | httpx.ConnectTimeout):
            return Outcome.retry(1.0, str(exc))  # the request never left
        return Outcome.unknown(f"timed out: {exc}")
    if isinstance(exc, Forbidden | BadRequest | ChatMigrated):
        return Outcome.failed(str(exc))
    if isinstance(exc, NetworkError) and isinstance(cause, httpx.ConnectError):
        return Outcome.retry(5.0, str(exc))  # nothing was sent
    return Outcome.unknown(f"{type(exc).__name__}: {exc}")


def reminder_text(kind: ReminderKind, view: TaskView, role: str | None, today: dt.date) -> str:
    """The reminder's headline followed by the task (HTML)."""
    deadline = view.task.deadline
    days = (deadline - today).days if deadline is not None else None
    due = texts.vn_date(deadline)
    heads = {
        ReminderKind.BEFORE: f"⏰ Còn {days} ngày đến hạn ({due}).",
        ReminderKind.DUE: f"⏰ Hôm nay ({due}) là hạn của nhiệm vụ.",
        ReminderKind.OVERDUE: f"⚠️ Nhiệm vụ đã quá hạn {-(days or 0)} ngày (hạn {due}).",
        ReminderKind.ESCALATION: f"🚨 {texts.e(view.lead)} chưa hoàn thành nhiệm vụ, quá hạn {-(days or 0)} ngày.",
        ReminderKind.NUDGE: "👋 Nhiệm vụ chưa được xác nhận đã nhận; xin bấm «Đã nhận».",
        ReminderKind.RECURRING: "🔁 Nhắc nhiệm vụ định kỳ.",
    }
    return heads[kind] + "\n\n" + texts.task_text(view, role)


def reminder_sender(bot: Bot, tracking: TrackingService) -> SendFn:
    """The dispatcher's send function for ``bot``."""

    async def send(reminder: Reminder) -> Outcome:
        context = tracking.reminder_context(reminder.task_id, reminder.chat_id)
        if context is None:
            return Outcome.failed("task closed before its reminder went out")
        view, role = context
        markup = None
        if role is not None:
            lead = role == "lead"
            markup = keyboards.task(view.task.id, lead=lead, acknowledged=view.task.acknowledged_at is not None)
        try:
            await bot.send_message(
                reminder.chat_id,
                reminder_text(reminder.kind, view, role, tracking.today()),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except TelegramError as exc:
            logger.info("reminder not sent", extra={"reminder": reminder.id, "error": type(exc).__name__})
            return outcome_of(exc)
        tracking.after_send(reminder.task_id)
        return Outcome.sent()

    return send


@dataclass(slots=True)
class ReminderRuntime:
    """The running dispatcher and its APScheduler wake-up."""

    dispatcher: Dispatcher
    wakeup: WakeUp

    @classmethod
    def started(cls, bot: Bot, tracking: TrackingService, *, poll_every_s: float = POLL_EVERY_S) -> ReminderRuntime:
        """Start delivering ``tracking``'s reminders through ``bot`` (on the running event loop).

        The dispatcher re-sends what a dead process left half-sent, catches up on what fell due
        while the bot was down, and is woken whenever tracking plans new reminders.
        """
        dispatcher = Dispatcher(tracking.reminders, reminder_sender(bot, tracking), clock=tracking.clock)
        wakeup = WakeUp.attached(dispatcher, poll_every_s=poll_every_s)
        tracking.on_schedule_change = dispatcher.wake
        wakeup.start()
        dispatcher.start()
        return cls(dispatcher, wakeup)

    async def stop(self) -> None:
        """Stop after the send in flight, then the scheduler."""
        await self.dispatcher.stop()
        await self.wakeup.stop()
