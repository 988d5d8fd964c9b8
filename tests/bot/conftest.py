"""The real bot (main.build_bot: real SQLite, real services, real PTB Application) against the fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.settings import Settings
from tests.bot.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token-never-logged-abcdefghijkl"
ADMIN = 1000
SECRETARY = 2000
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# Flows run on a Saturday noon, local time: reminders (Monday to Friday, 08:00-17:30) never interleave
# with the messages a test counts, whatever the real time. Reminder tests choose a working morning.
SATURDAY_NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=LOCAL)


class ShiftedClock:
    """The real clock moved to ``at`` when created: time passes, from a chosen moment (the edge we fake)."""

    def __init__(self, at: dt.datetime) -> None:
        self._offset = at - dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset


class RunningBot:
    """The application polling the fake server from its own thread and event loop."""

    def __init__(self, settings: Settings, extractor, at: dt.datetime = SATURDAY_NOON) -> None:
        import main

        self.clock = ShiftedClock(at)
        self.app = main.build_bot(settings, extractor=extractor, clock=self.clock)
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bot-under-test", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = self.app
        assert app.updater is not None
        # The order of Application.run_polling, whose post_init/post_stop hooks start and stop the worker.
        await app.initialize()
        try:
            if app.post_init is not None:
                await app.post_init(app)
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            await app.start()
            self._ready.set()
            await self._stop.wait()
            await app.updater.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        finally:
            await app.shutdown()

    def start(self) -> RunningBot:
        self._thread.start()
        assert self._ready.wait(30), "bot did not start"
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)
        assert not self._thread.is_alive(), "bot did not stop"
        if self._error is not None:
            raise self._error


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as server:
        yield server


def bot_settings(fake_api: FakeBotApi, data_dir: Path, **extra) -> Settings:
    """Settings of a bot talking to ``fake_api`` with its data in ``data_dir``."""
    return Settings(
        data_dir=data_dir,
        telegram_token=TOKEN,
        telegram_base_url=f"{fake_api.url}/bot",
        telegram_base_file_url=f"{fake_api.url}/file/bot",
        admin_ids=[ADMIN],
        **extra,
    )


@pytest.fixture
def running_bot(fake_api: FakeBotApi, tmp_path: Path, extractor) -> Iterator[RunningBot]:
    bot = RunningBot(bot_settings(fake_api, tmp_path / "data"), extractor).start()
    try:
        yield bot
    finally:
        bot.stop()
