"""The python-telegram-bot application: handlers, rate limiter, command menus and the worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import commands, keyboards
from bot.handlers import BotHandlers
from bot.notifier import ReminderRuntime
from bot.routines import Housekeeping, start_routines
from bot.task_handlers import TaskHandlers
from bot.worker import Worker
from core.records import Role
from core.services.intake import ProcessingService

logger = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3

FILES = filters.Document.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE


@dataclass(frozen=True, slots=True)
class BotConfig:
    """How to reach the Bot API (cloud or a self-hosted server in local mode)."""

    token: str
    base_url: str
    base_file_url: str
    local_mode: bool = False
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0


def build_application(
    config: BotConfig,
    handlers: BotHandlers,
    task_handlers: TaskHandlers,
    processing: ProcessingService,
    menu_people: Callable[[], list[tuple[int, Role]]],
    housekeeping: Housekeeping,
) -> Application:
    """Wire the application; the worker starts with it and stops before it shuts down.

    Args:
        config: Bot API connection.
        handlers: The handlers and their services.
        task_handlers: The handlers of issued tasks.
        processing: The work-queue use case the worker consumes.
        menu_people: Who gets a command menu of their own (user id and role), read at start-up.
        housekeeping: The routine jobs (weekly digest, backup, retention) and where their runs are kept.
    """
    app = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .local_mode(config.local_mode)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(True)
        .connect_timeout(config.connect_timeout_s)
        .read_timeout(config.read_timeout_s)
        .get_updates_read_timeout(config.read_timeout_s + 10)
        .post_init(
            lambda application: _started(application, handlers, task_handlers, processing, menu_people, housekeeping)
        )
        .post_stop(lambda application: _stopping(handlers, task_handlers))
        .build()
    )
    app.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    methods = {
        "start": handlers.start,
        "help": handlers.help,
        "cuochop": handlers.meetings,
        "xem": handlers.show_review,
        "xuat": handlers.export,
        "coquan": handlers.agencies,
        "moi": handlers.invite,
        "huy": handlers.cancel_input,
        "thuky": handlers.add_secretary,
        "trangthai": handlers.system_status,
        "xoa": handlers.forget,
        "banhanh": task_handlers.issue_command,
        "nhiemvu": task_handlers.tasks_command,
        "nhacviec": task_handlers.reminders_command,
        "thuhoi": task_handlers.withdraw_command,
        "baocao": task_handlers.report_command,
        "tim": task_handlers.search_command,
    }
    handlers.official_message = task_handlers.answer
    handlers.official_joined = task_handlers.welcome_official
    for command in commands.COMMANDS:
        app.add_handler(CommandHandler(list(command.names), methods[command.name]))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text))
    app.add_handler(MessageHandler(FILES, handlers.file))
    task_codes = "".join(sorted({*keyboards.TASK_CODES, keyboards.APPROVE, keyboards.REJECT, keyboards.ISSUE}))
    app.add_handler(CallbackQueryHandler(task_handlers.button, pattern=f"^[{task_codes}]:"))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_error_handler(handlers.error)
    return app


async def _started(
    app: Application,
    handlers: BotHandlers,
    task_handlers: TaskHandlers,
    processing: ProcessingService,
    menu_people: Callable[[], list[tuple[int, Role]]],
    housekeeping: Housekeeping,
) -> None:
    await set_menus(app, menu_people())

    async def on_ready(meeting_id: int) -> None:
        await handlers.send_review(meeting_id, app.bot)

    worker = Worker(app.bot, processing, on_ready)
    handlers.worker = worker
    worker.start()
    task_handlers.reminders = ReminderRuntime.started(app.bot, task_handlers.tracking)
    task_handlers.routines = start_routines(app.bot, task_handlers.reports, task_handlers.tracking, housekeeping)
    logger.info("bot started", extra={"bot": app.bot.username})


async def _stopping(handlers: BotHandlers, task_handlers: TaskHandlers) -> None:
    if task_handlers.routines is not None:
        await task_handlers.routines.stop()
        task_handlers.routines = None
    if task_handlers.reminders is not None:
        await task_handlers.reminders.stop()
        task_handlers.reminders = None
    if handlers.worker is not None:
        await handlers.worker.stop()
        handlers.worker = None


async def set_menus(app: Application, people: list[tuple[int, Role]]) -> None:
    """Command menus per role: start and help for everyone, each member's own in their chat."""
    try:
        await app.bot.set_my_commands(commands.menu(Role.NONE), scope=BotCommandScopeDefault())
        for user_id, role in people:
            await app.bot.set_my_commands(commands.menu(role), scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not set the command menus", extra={"error": type(exc).__name__})
