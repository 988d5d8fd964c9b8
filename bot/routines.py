"""The bot's routine jobs: the secretaries' weekly digest and the daily maintenance (backup, retention)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import texts
from core.services.maintenance import MaintenanceService
from core.services.reports import ReportService
from core.services.tracking import TrackingService
from jobs.routines import Routine, Routines, RunLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Housekeeping:
    """What runs on a calendar besides reminders."""

    run_log: RunLog
    maintenance: MaintenanceService
    maintenance_cron: Mapping[str, int | str]  # daily backup and retention, e.g. {"hour": 2, "minute": 0}
    digest_cron: Mapping[str, int | str] | None = None  # e.g. {"day_of_week": "mon", "hour": 8}; None: no digest


def digest_routine(
    bot: Bot, reports: ReportService, tracking: TrackingService, cron: Mapping[str, int | str]
) -> Routine:
    """The weekly digest to every secretary and admin; not sent (tried again later) while there is nothing."""

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


def maintenance_routine(
    bot: Bot, maintenance: MaintenanceService, admins: Sequence[int], cron: Mapping[str, int | str]
) -> Routine:
    """The daily backup and data retention (in a worker thread); the admins hear of a failed backup."""

    async def run(due: dt.datetime) -> bool:
        report = await asyncio.to_thread(maintenance.run_daily)
        if report.backup_error is not None:
            for chat in admins:
                try:
                    await bot.send_message(chat, texts.BACKUP_FAILED)
                except TelegramError as exc:
                    logger.warning("backup failure not delivered", extra={"error": type(exc).__name__})
        return True

    return Routine("maintenance", cron, run)


def start_routines(bot: Bot, reports: ReportService, tracking: TrackingService, housekeeping: Housekeeping) -> Routines:
    """Start the routines on the running loop (their catch-up runs in the background)."""
    admins = sorted(tracking.admin_ids)
    routines = [maintenance_routine(bot, housekeeping.maintenance, admins, housekeeping.maintenance_cron)]
    if housekeeping.digest_cron is not None:
        routines.append(digest_routine(bot, reports, tracking, housekeeping.digest_cron))
    runner = Routines(routines, housekeeping.run_log, clock=tracking.clock, timezone=tracking.timezone)
    runner.start()
    return runner
