"""The work-queue consumer: one meeting at a time, off the event loop, with a live status message.

The database holds the queue, so work survives a restart (interrupted jobs are requeued at
start-up and a transcription resumes from its checkpoint). Downloads run on the event loop
(async I/O); reading, transcribing and extracting run in a worker thread, so the bot keeps
answering everyone meanwhile. The status message is edited at most every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot import keyboards, texts
from core.records import Job
from core.services.intake import ProcessingService, Stage, WorkStatus

logger = logging.getLogger(__name__)

EDIT_EVERY_S = 3.0  # at most one status edit per meeting this often
IDLE_POLL_S = 5.0  # the queue is looked at this often even without a wake-up


@dataclass
class StatusMessage:
    """One meeting's status message, edited with throttling (the latest status always wins)."""

    bot: Bot
    chat_id: int
    message_id: int | None
    _last_edit: float = field(default=0.0, init=False)
    _latest: WorkStatus | None = field(default=None, init=False)
    _scheduled: asyncio.Task[None] | None = field(default=None, init=False)
    _shown: str | None = field(default=None, init=False)

    def update(self, status: WorkStatus) -> None:
        """Show ``status`` soon (called on the event loop, e.g. from a thread via call_soon_threadsafe)."""
        self._latest = status
        if self._scheduled is None or self._scheduled.done():
            delay = max(0.0, self._last_edit + EDIT_EVERY_S - time.monotonic())
            self._scheduled = asyncio.get_running_loop().create_task(self._edit_later(delay))

    async def show(self, status: WorkStatus) -> None:
        """Show ``status`` now (final states)."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduled
        self._latest = status
        await self._edit()

    async def _edit_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._edit()

    async def _edit(self) -> None:
        status = self._latest
        if status is None or self.message_id is None:
            return
        text = texts.status_text(status)
        if text == self._shown:
            return
        final = status.stage in (Stage.READY, Stage.FAILED, Stage.CANCELLED)
        markup: InlineKeyboardMarkup | None = None if final else keyboards.cancel(status.meeting_id)
        self._last_edit = time.monotonic()
        try:
            await self.bot.edit_message_text(
                text, chat_id=self.chat_id, message_id=self.message_id, reply_markup=markup, parse_mode=ParseMode.HTML
            )
            self._shown = text
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                logger.warning("status edit refused", extra={"error": str(exc)})
        except TelegramError as exc:
            logger.warning("status edit failed", extra={"error": type(exc).__name__})


class Worker:
    """Consumes the persistent work queue; call :meth:`wake` when a job is added."""

    def __init__(
        self,
        bot: Bot,
        processing: ProcessingService,
        on_ready: Callable[[int], Awaitable[None]],
    ) -> None:
        """Set up the worker.

        Args:
            bot: The bot (downloads and status edits).
            processing: The processing use case.
            on_ready: Coroutine that sends the review of a processed meeting (by id).
        """
        self._bot = bot
        self._processing = processing
        self._on_ready = on_ready
        self._wake = asyncio.Event()
        self._cancelled: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.current: int | None = None  # the meeting being processed
        self.progress: WorkStatus | None = None  # its latest status (/trangthai)

    def start(self) -> None:
        """Requeue interrupted work and start consuming (on the running event loop)."""
        self._processing.resume()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ketluan-worker")

    async def stop(self, *, grace_s: float = 30.0) -> None:
        """Stop consuming. A job in progress stops at its next segment and stays queued for the next start."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_s)
        except TimeoutError:
            logger.warning("worker did not stop in time", extra={"meeting": self.current})
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        """A job was queued."""
        self._wake.set()

    def cancel(self, meeting_id: int) -> bool:
        """Cancel a meeting's work: at once if it waits in the queue, at the next segment if it runs."""
        if self._processing.cancel_queued(meeting_id):
            return True
        if self.current == meeting_id:
            self._cancelled.add(meeting_id)
            return True
        return False

    async def _run(self) -> None:
        while not self._stopping:
            job = self._processing.next_job()
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_S)
                continue
            try:
                await self._process(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job crashed", extra={"job": job.id, "meeting": job.meeting_id})
                self._processing.finish(job, WorkStatus(job.meeting_id, Stage.FAILED, message=texts.GENERIC_ERROR))
            await self._refresh_waiting()

    async def _process(self, job: Job) -> None:
        meeting = self._processing.meetings.get(job.meeting_id)
        if meeting is None:
            return
        self.current = meeting.id
        status = StatusMessage(self._bot, meeting.chat_id, meeting.status_message_id)
        try:
            result = await self._download(meeting.id, status)
            if result is None:
                loop = asyncio.get_running_loop()

                def report(update: WorkStatus) -> None:
                    self.progress = update
                    loop.call_soon_threadsafe(status.update, update)

                def cancelled() -> bool:
                    return self._stopping or meeting.id in self._cancelled

                result = await asyncio.to_thread(self._processing.process, meeting.id, report=report, cancel=cancelled)
        finally:
            self.current, self.progress = None, None
            self._cancelled.discard(meeting.id)
        if self._stopping and result.stage == Stage.CANCELLED:
            self._processing.interrupt(job)  # shutting down: the job waits for the next start
            return
        self._processing.finish(job, result)
        await status.show(result)
        if result.stage == Stage.READY:
            try:
                await self._on_ready(meeting.id)
            except TelegramError as exc:  # the review is stored: /xem sends it again
                logger.warning("review not delivered", extra={"meeting": meeting.id, "error": type(exc).__name__})

    async def _download(self, meeting_id: int, status: StatusMessage) -> WorkStatus | None:
        """Fetch the meeting's file if it is not stored yet; a failed status when it cannot be."""
        source = self._processing.meetings.source(meeting_id)
        if source is None or source.path is not None:
            return None
        status.update(WorkStatus(meeting_id, Stage.DOWNLOADING))
        path = self._processing.file_path(meeting_id, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            telegram_file = await self._bot.get_file(source.file_id)
            await telegram_file.download_to_drive(path)
        except TelegramError as exc:
            logger.warning("download failed", extra={"meeting": meeting_id, "error": str(exc)})
            message = "Không tải được tệp từ Telegram"
            if "too big" in str(exc).lower():
                message += " (tệp vượt giới hạn 20 MB của Telegram; xem README, mục «Large files»)"
            return WorkStatus(meeting_id, Stage.FAILED, message=message + ".")
        self._processing.stored(meeting_id, path)
        return None

    async def _refresh_waiting(self) -> None:
        """Tell the meetings still waiting their new place in the queue."""
        for waiting in self._processing.waiting():
            meeting = self._processing.meetings.get(waiting.meeting_id)
            if meeting is not None and meeting.status_message_id is not None:
                await StatusMessage(self._bot, meeting.chat_id, meeting.status_message_id).show(waiting)
