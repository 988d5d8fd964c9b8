"""The bot's routine jobs: the secretaries' weekly digest, next to the maintenance routines main.py builds."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import texts
from core.services.reports import ReportService
from core.services.tracking import TrackingService
from jobs.routines import Routine, Routines, RunLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Housekeeping:
    """What runs on a calendar besides reminders."""

    run_log: RunLog
    digest_cron: Mapping[str, int | str] | None = None  # e.g. {"day_of_week": "mon", "hour": 8}; None: no digest
    routines: Sequence[Routine] = field(default_factory=tuple)  # backup, retention (no Telegram in them)


def digest_routine(
    bot: Bot, reports: ReportService, tracking: TrackingService, cron: Mapping[str, int | str]
) -> Routine:
    """The weekly digest to every secretary and admin; not sent (and tried again later) while there is nothing."""

    async def run(due: dt.datetime) -> bool:
        digest = reports.digest()
        if digest.empty:
            return False
        text = texts.digest_text(digest)
        for chat in tracking.secretaries():
            try:
                await bot.send_message(chat, text, parse_mode=ParseMode.HTML)
            except TelegramError as exc:  # not retried: the others must not get it twice
                logger.warning("digest not delivered", extra={"error": type(exc).__name__})
        return True

    return Routine("digest", cron, run)


def start_routines(bot: Bot, reports: ReportService, tracking: TrackingService, housekeeping: Housekeeping) -> Routines:
    """Start the routines on the running loop (their catch-up runs in the background)."""
    routines = list(housekeeping.routines)
    if housekeeping.digest_cron is not None:
        routines.append(digest_routine(bot, reports, tracking, housekeeping.digest_cron))
    runner = Routines(routines, housekeeping.run_log, clock=tracking.clock, timezone=tracking.timezone)
    runner.start()
    return runner
