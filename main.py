"""ketluan command line and composition root.

``python main.py extract FILE [--meeting-date YYYY-MM-DD] [--json]``
``python main.py draft INPUT -o OUT.docx|OUT.pdf|OUT.md [--issuer … --code … --place … --number …]``
``python main.py transcribe AUDIO [--json|--srt] [--model …]``
``python main.py evaluate DIR``
``python main.py run`` (the Telegram bot; see README)
``python main.py backup DEST [--keep N]`` / ``python main.py restore SRC [--check]`` (backups)
``python main.py doctor [--strict] [--json] [--min-free-gb N]`` (checks the installation)

This is the only module that reads settings and builds the heavy objects (the spaCy
pipeline, later the Whisper model, the database and the scheduler).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from core.errors import ConfigError, KetluanError
from core.logsetup import configure_logging
from core.settings import Settings

if TYPE_CHECKING:
    from telegram.ext import Application

    from core.clock import Clock
    from core.domain import DraftOptions, TranscriptionProgress
    from core.services.extraction import ExtractionService, ExtractorPort
    from core.services.maintenance import BackupService, MaintenanceService
    from core.services.tracking import TrackingService
    from core.services.transcription import TranscriptionService
    from core.tracking import ReminderPolicy
    from nlp.pipeline import Extractor
    from storage.db import Store
    from storage.meetings import MeetingRepository
    from storage.people import PeopleRepository

_PROGRESS_EVERY_S = 5.0

logger = logging.getLogger("ketluan")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {value!r} (cần dạng YYYY-MM-DD)") from exc


_DRAFT_FLAGS = (  # (option, DraftOptions field, help); each overrides its setting for one draft
    ("issuer", "issuer", "issuing body, e.g. 'Văn phòng Chính phủ' (KETLUAN_ORG_NAME)"),
    ("issuer-parent", "issuer_parent", "parent body printed above the issuer (KETLUAN_ORG_PARENT)"),
    ("code", "code", "issuer's abbreviation: 'VPCP' gives 'Số: …/TB-VPCP' (KETLUAN_ORG_CODE)"),
    ("place", "place", "place name of the date line (KETLUAN_ORG_PLACE)"),
    ("number", "number", "the notice's number once known"),
    ("signer", "signer_name", "signer's name (KETLUAN_SIGNER_NAME)"),
    ("signer-title", "signer_title", "signer's title, e.g. 'CHÁNH VĂN PHÒNG' (KETLUAN_SIGNER_TITLE)"),
    ("authority", "signer_authority", "signing authority line, e.g. 'TL. CHỦ TỊCH' (KETLUAN_SIGNER_AUTHORITY)"),
    ("unit", "drafter_unit", "drafting unit in 'Lưu: VT, <unit>.' (KETLUAN_DRAFTER_UNIT)"),
)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="main.py", description="ketluan: meeting conclusions and assignments")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract meeting info, conclusions and assignments from notes")
    ex.add_argument("file", type=Path, help="notes: .txt, .docx or .pdf")
    ex.add_argument("--meeting-date", type=_iso_date, help="meeting date YYYY-MM-DD (overrides the text)")
    ex.add_argument("--json", action="store_true", help="print the JSON object of the contract")
    dr = sub.add_parser("draft", help="draft a Thông báo kết luận (.docx, .pdf, .md, .txt) from notes or extract JSON")
    dr.add_argument("input", type=Path, help="notes (.txt, .docx, .pdf) or the JSON of `extract --json`")
    dr.add_argument("-o", "--output", type=Path, required=True, help="OUT.docx, OUT.pdf, OUT.md or OUT.txt")
    dr.add_argument("--meeting-date", type=_iso_date, help="meeting date YYYY-MM-DD (overrides the text)")
    for flag, field, help_text in _DRAFT_FLAGS:
        dr.add_argument(f"--{flag}", dest=field, help=help_text)
    dr.add_argument("--date", type=_iso_date, dest="issue_date", help="date of issue YYYY-MM-DD (blank when omitted)")
    tr = sub.add_parser("transcribe", help="transcribe a recording (voice note, audio, video) offline")
    tr.add_argument("audio", type=Path, help="ogg/opus, m4a, mp3, wav, aac, flac, mp4, mov, webm …")
    fmt = tr.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON with segments, times and confidence")
    fmt.add_argument("--srt", action="store_true", help="SubRip subtitles")
    tr.add_argument("--model", help="Whisper model: 'base' (bundled), a CTranslate2 directory or a model name")
    ev = sub.add_parser("evaluate", help="score the extractor against DIR/*.gold.json")
    ev.add_argument("directory", type=Path)
    bk = sub.add_parser("backup", help="snapshot the database and stored files into DEST (safe while the bot runs)")
    bk.add_argument("dest", type=Path, help="backup folder; each backup is a ketluan-<time> folder in it")
    bk.add_argument("--keep", type=int, help="keep only the newest N backups in DEST (default KETLUAN_BACKUP_KEEP)")
    rs = sub.add_parser("restore", help="restore a backup into the data dir (the bot must be stopped)")
    rs.add_argument("src", type=Path, help="a ketluan-<time> backup folder")
    rs.add_argument("--check", action="store_true", help="only verify the backup; change nothing")
    sub.add_parser("run", help="start the Telegram bot")
    doc = sub.add_parser("doctor", help="check the installation: model, LibreOffice, database, Bot API, disk")
    doc.add_argument("--strict", action="store_true", help="warnings fail too (exit status 1)")
    doc.add_argument("--json", action="store_true", help="print the results as JSON")
    doc.add_argument(
        "--min-free-gb", type=float, default=5.0, help="warn when the data dir has less free space (default 5)"
    )
    return parser


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]).upper() for e in exc.errors() if e.get("loc"))
        raise ConfigError(f"Cấu hình không hợp lệ (biến KETLUAN_{fields}).", detail=f"invalid settings: {exc}") from exc


def _transcription_service(settings: Settings, model: str | None = None) -> TranscriptionService:
    from core.services.transcription import TranscriptionService
    from nlp.transcribe import Transcriber
    from nlp.whisper_model import SpeechModel, load_model

    setting = model or settings.whisper_model
    cache = settings.data_dir / "models"

    def load() -> SpeechModel:
        return load_model(setting, cache, compute_type=settings.whisper_compute_type, threads=settings.whisper_threads)

    # reload: a fresh model per window, so a resumed transcript equals the uninterrupted one (nlp.transcribe).
    transcriber = Transcriber(load(), beam_size=settings.whisper_beam_size, vad=settings.whisper_vad, reload=load)
    tag = f"{setting}|{settings.whisper_compute_type}|beam{settings.whisper_beam_size}|vad{settings.whisper_vad}"
    return TranscriptionService(
        transcriber=transcriber,
        checkpoint_dir=settings.data_dir / "checkpoints",
        model_tag=tag,
        max_bytes=settings.max_audio_bytes,
        max_seconds=settings.max_audio_seconds,
    )


def _progress_printer() -> Callable[[TranscriptionProgress], None]:
    """Report progress on stderr, a line every few seconds (stdout stays for the result)."""
    last = [0.0]

    def report(p: TranscriptionProgress) -> None:
        now = time.monotonic()
        if now - last[0] < _PROGRESS_EVERY_S and p.fraction < 1:
            return
        last[0] = now
        eta = f" (còn khoảng {round(p.eta_s)} giây)" if p.eta_s is not None and p.fraction < 1 else ""
        sys.stderr.write(f"Đang chuyển giọng nói thành văn bản: {p.fraction:.0%}{eta}\n")

    return report


def _extraction_service(settings: Settings, source: Path | None = None) -> ExtractionService:
    from core.services.extraction import ExtractionService
    from core.services.transcription import is_media
    from nlp.gazetteer import GazetteerError
    from nlp.pipeline import build_pipeline

    extra = [settings.agencies_file] if settings.agencies_file else []
    try:
        extractor = build_pipeline(extra_agency_files=extra, calendar_overrides=settings.calendar_overrides_file)
    except GazetteerError as exc:
        raise ConfigError(
            f"Tệp danh mục cơ quan bổ sung (KETLUAN_AGENCIES_FILE) không dùng được: {exc}", detail=str(exc)
        ) from exc
    except (OSError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"Tệp ngày nghỉ, ngày làm bù (KETLUAN_CALENDAR_OVERRIDES_FILE) không dùng được: {exc}", detail=str(exc)
        ) from exc
    transcribe = None
    if source is not None and is_media(source):
        speech = _transcription_service(settings)
        printer = _progress_printer()

        def transcribe(path: Path) -> str:
            return speech.transcribe_file(path, progress=printer).text

    return ExtractionService(extractor=extractor, max_input_bytes=settings.max_input_bytes, transcribe=transcribe)


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from render.extraction import summary_text, to_json_dict

    service = _extraction_service(settings, args.file)
    _, extraction = service.extract_file(args.file, meeting_date=args.meeting_date)
    if args.json:
        sys.stdout.write(json.dumps(to_json_dict(extraction), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(summary_text(extraction) + "\n")
    return 0


def _draft_defaults(settings: Settings) -> DraftOptions:
    from core.domain import DraftOptions

    return DraftOptions(
        issuer=settings.org_name,
        issuer_parent=settings.org_parent,
        code=settings.org_code,
        place=settings.org_place,
        signer_authority=settings.signer_authority,
        signer_title=settings.signer_title,
        signer_name=settings.signer_name,
        drafter_unit=settings.drafter_unit,
    )


def _cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from core.clock import SystemClock
    from core.domain import DraftOptions
    from core.services.drafting import DraftService

    defaults = _draft_defaults(settings)
    given = {field: getattr(args, field) for _, field, _ in _DRAFT_FLAGS}
    overrides = DraftOptions(issue_date=args.issue_date, **given)
    service = DraftService(
        extraction=_extraction_service(settings, args.input),
        options=defaults,
        clock=SystemClock(),
        timezone=ZoneInfo(settings.timezone),
        template=settings.docx_template,
    )
    out = service.draft(args.input, args.output, overrides=overrides, meeting_date=args.meeting_date)
    sys.stdout.write(f"Đã tạo dự thảo: {out}\n")
    return 0


def _cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.transcript_format import to_json_dict, to_srt, to_text

    service = _transcription_service(settings, args.model)
    transcript = service.transcribe_file(args.audio, progress=_progress_printer())
    if args.json:
        sys.stdout.write(json.dumps(to_json_dict(transcript), ensure_ascii=False, indent=2) + "\n")
    elif args.srt:
        sys.stdout.write(to_srt(transcript))
    else:
        sys.stdout.write(to_text(transcript) + "\n")
    return 0


def _cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.evaluate import format_report
    from nlp.gazetteer import Gazetteer

    service = _extraction_service(settings)
    extra = [settings.agencies_file] if settings.agencies_file else []
    gazetteer = Gazetteer.load(extra)
    scores = service.evaluate_dir(args.directory, canonical=gazetteer.canonical_name)
    sys.stdout.write(format_report(scores) + "\n")
    return 0


def build_bot(settings: Settings, extractor: ExtractorPort | None = None, clock: Clock | None = None) -> Application:
    """Compose the Telegram bot: database, services, handlers and application.

    Args:
        settings: The configuration (``telegram_token`` must be set).
        extractor: An already loaded extraction pipeline (tests share one); built when None.
        clock: Source of "now" (tests move it to a chosen day); the system clock when None.
    """
    from zoneinfo import ZoneInfo

    from bot.app import BotConfig, build_application
    from bot.handlers import BotHandlers
    from bot.routines import Housekeeping
    from bot.task_handlers import TaskHandlers
    from core.clock import SystemClock
    from core.services.access import AccessService
    from core.services.drafting import DraftService
    from core.services.extraction import ExtractionService
    from core.services.intake import CLOUD_DOWNLOAD_LIMIT, IntakeService, ProcessingService
    from core.services.reports import ReportService
    from core.services.review import ReviewService
    from core.services.status import StatusService
    from nlp.pipeline import Extractor
    from render.pdf import find_soffice
    from storage.db import open_database
    from storage.meetings import MeetingRepository
    from storage.people import PeopleRepository
    from storage.runlog import RunLogRepository
    from storage.search import SearchRepository
    from storage.workqueue import WorkQueue

    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():  # unset or empty
        raise ConfigError(
            "Chưa cấu hình mã bot: đặt biến môi trường KETLUAN_TELEGRAM_TOKEN (lấy từ @BotFather).",
            detail="KETLUAN_TELEGRAM_TOKEN is not set",
        )
    # Opt into PTB's timedelta durations (22.2+): reading RetryAfter.retry_after otherwise warns on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    clock, tz = clock or SystemClock(), ZoneInfo(settings.timezone)
    store_path = settings.data_dir / "ketluan.db"
    store = open_database(store_path)
    meetings, people, queue = MeetingRepository(store, clock), PeopleRepository(store, clock), WorkQueue(store, clock)
    if extractor is None:
        extractor = _extraction_service(settings).extractor
    if not isinstance(extractor, Extractor):
        raise ConfigError("Bộ trích xuất không hợp lệ.", detail=f"unexpected extractor {type(extractor)!r}")
    extraction = ExtractionService(extractor=extractor, max_input_bytes=settings.max_input_bytes)
    drafts = DraftService(
        extraction=extraction,
        options=_draft_defaults(settings),
        clock=clock,
        timezone=tz,
        template=settings.docx_template,
    )
    access = AccessService(people=people, admin_ids=frozenset(settings.admin_ids))
    download_limit = settings.max_audio_bytes if settings.telegram_local_mode else CLOUD_DOWNLOAD_LIMIT
    intake = IntakeService(
        meetings=meetings, queue=queue, max_download_bytes=download_limit, max_input_bytes=settings.max_input_bytes
    )
    processing = ProcessingService(
        meetings=meetings,
        queue=queue,
        extraction=extraction,
        transcription=lambda: _transcription_service(settings),
        files_dir=settings.data_dir / "files",
        max_input_bytes=settings.max_input_bytes,
        timezone=tz,
    )
    review = ReviewService(
        meetings=meetings,
        people=people,
        matcher=extractor,
        drafts=drafts,
        pdf_available=find_soffice() is not None,
        timezone=tz,
    )
    tracking = _tracking_service(settings, store, clock, extractor, meetings, people)
    status = StatusService(queue=queue, reminders=tracking.reminders, database=store_path, clock=clock, timezone=tz)
    maintenance = maintenance_service(settings, store, clock)
    handlers = BotHandlers(access=access, intake=intake, review=review, status=status, retention=maintenance.retention)
    reports = ReportService(
        tasks=tracking.tasks,
        people=people,
        search_index=SearchRepository(store),
        status_of=tracking.status_of,
        clock=clock,
        timezone=tz,
    )
    task_handlers = TaskHandlers(access=access, review=review, tracking=tracking, reports=reports)

    config = BotConfig(
        token=settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        local_mode=settings.telegram_local_mode,
    )
    housekeeping = Housekeeping(
        run_log=RunLogRepository(store, clock),
        maintenance=maintenance,
        maintenance_cron=settings.backup_cron(),
        digest_cron=settings.digest_cron(),
    )
    return build_application(config, handlers, task_handlers, processing, access.members, housekeeping)


def _reminder_policy(settings: Settings) -> ReminderPolicy:
    from datetime import time as dt_time

    from core.tracking import ReminderPolicy

    start, _, end = settings.quiet_hours.partition("-")
    return ReminderPolicy(
        before_days=tuple(settings.reminder_days_before),
        overdue_every_days=settings.reminder_overdue_every_days,
        escalate_after_days=settings.reminder_escalate_after_days,
        working_days=settings.reminder_working_days,
        quiet_start=dt_time.fromisoformat(start.strip()),
        quiet_end=dt_time.fromisoformat(end.strip()),
        nudge_after_hours=settings.reminder_nudge_after_hours,
    )


def _tracking_service(
    settings: Settings,
    store: Store,
    clock: Clock,
    extractor: Extractor,
    meetings: MeetingRepository,
    people: PeopleRepository,
) -> TrackingService:
    from zoneinfo import ZoneInfo

    from core.services.tracking import TrackingService
    from jobs.policy import official_status, plan
    from nlp.workdays import WorkCalendar
    from storage.reminders import ReminderRepository
    from storage.tasks import TaskRepository

    tz = ZoneInfo(settings.timezone)
    calendar = WorkCalendar.default(settings.calendar_overrides_file)
    policy = _reminder_policy(settings)
    return TrackingService(
        meetings=meetings,
        people=people,
        tasks=TaskRepository(store, clock),
        reminders=ReminderRepository(store, clock),
        planner=lambda task, now: plan(task, policy, now=now, tz=tz, calendar=calendar),
        status_of=lambda task, today: official_status(task.deadline, task.completed_at, today=today, tz=tz),
        clock=clock,
        timezone=tz,
        parse_deadline=lambda text, today: extractor.deadline(text, reference=today),
        admin_ids=frozenset(settings.admin_ids),
    )


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from telegram import Update

    from storage.instance import InstanceLock

    # One bot per data dir; `restore` refuses while this lock is held.
    with InstanceLock(settings.data_dir):
        app = build_bot(settings)
        if settings.telegram_webhook_url:
            app.run_webhook(
                listen="0.0.0.0",  # noqa: S104 - the webhook must be reachable from the reverse proxy
                port=settings.telegram_webhook_port,
                webhook_url=settings.telegram_webhook_url,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _backup_service(settings: Settings, clock: Clock) -> BackupService:
    from core.services.maintenance import BackupService

    return BackupService(
        data_dir=settings.data_dir, clock=clock, backup_dir=settings.backup_dir, keep=settings.backup_keep
    )


def maintenance_service(settings: Settings, store: Store, clock: Clock) -> MaintenanceService:
    """The daily maintenance (backup into ``KETLUAN_BACKUP_DIR``, then data retention) for the bot.

    The bot runs ``maintenance_service(...).run_daily()`` every day at ``settings.backup_cron()``
    (local time), in a worker thread; ``.retention.forget_meeting(...)`` serves ``/xoa``.
    """
    from core.services.maintenance import MaintenanceService, RetentionPolicy, RetentionService
    from storage.retention import RetentionRepository

    policy = RetentionPolicy(
        recordings_days=settings.retention_recordings_days,
        transcripts_days=settings.retention_transcripts_days,
        documents_days=settings.retention_documents_days,
    )
    retention = RetentionService(
        repository=RetentionRepository(store, clock, data_dir=settings.data_dir), policy=policy, clock=clock
    )
    return MaintenanceService(backups=_backup_service(settings, clock), retention=retention)


def _local_time(moment: datetime, settings: Settings) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M ngày %d/%m/%Y")


def _cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from core.clock import SystemClock
    from core.services.documents import format_size

    if args.keep is not None and args.keep < 1:
        raise ConfigError("--keep phải từ 1 trở lên.", detail=f"--keep {args.keep}")
    snapshot = _backup_service(settings, SystemClock()).backup(args.dest, keep=args.keep)
    manifest = snapshot.manifest
    shared = f"; {snapshot.linked} tệp không đổi dùng chung với bản trước" if snapshot.linked else ""
    sys.stdout.write(
        f"Đã sao lưu vào {snapshot.path}: cơ sở dữ liệu {format_size(manifest.database.size)}, "
        f"{len(manifest.files)} tệp ({format_size(manifest.total_bytes - manifest.database.size)}{shared}).\n"
    )
    if snapshot.pruned:
        sys.stdout.write(f"Đã xóa {len(snapshot.pruned)} bản sao lưu cũ (giữ {args.keep or settings.backup_keep}).\n")
    return 0


def _cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from core.clock import SystemClock

    service = _backup_service(settings, SystemClock())
    if args.check:
        manifest = service.verify(args.src)
        sys.stdout.write(
            f"Bản sao lưu {args.src} nguyên vẹn (tạo lúc {_local_time(manifest.created_at, settings)}, "
            f"{len(manifest.files)} tệp, cơ sở dữ liệu qua PRAGMA integrity_check).\n"
        )
        return 0
    result = service.restore(args.src)
    made = _local_time(result.manifest.created_at, settings)
    sys.stdout.write(f"Đã khôi phục dữ liệu từ {result.snapshot} (bản sao lưu lúc {made}) vào {settings.data_dir}.\n")
    if result.aside is not None:
        sys.stdout.write(f"Dữ liệu cũ được giữ nguyên tại {result.aside}.\n")
    return 0


def _cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from core.services.doctor import DoctorConfig, exit_code, format_result, format_summary, iter_checks, to_json

    config = DoctorConfig(
        data_dir=settings.data_dir,
        whisper_model=settings.whisper_model,
        whisper_compute_type=settings.whisper_compute_type,
        whisper_threads=settings.whisper_threads,
        telegram_token=settings.telegram_token.get_secret_value() if settings.telegram_token else None,
        telegram_base_url=settings.telegram_base_url,
        telegram_local_mode=settings.telegram_local_mode,
        min_free_bytes=int(args.min_free_gb * 1024**3),
    )
    results = []
    if not args.json:
        sys.stdout.write("ketluan doctor: kiểm tra cài đặt (installation check)\n\n")
    for result in iter_checks(config):
        results.append(result)
        if not args.json:
            sys.stdout.write(format_result(result) + "\n")
            sys.stdout.flush()
    if args.json:
        sys.stdout.write(json.dumps(to_json(results), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write("\n" + format_summary(results, strict=args.strict) + "\n")
    return exit_code(results, strict=args.strict)


_COMMANDS = {
    "extract": _cmd_extract,
    "draft": _cmd_draft,
    "transcribe": _cmd_transcribe,
    "evaluate": _cmd_evaluate,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
    "run": _cmd_run,
    "doctor": _cmd_doctor,
}


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit status (0 ok, 2 bad input or configuration)."""
    args = build_parser().parse_args(argv)
    try:
        settings = _settings()
        token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
        configure_logging(settings.log_level, json_lines=settings.log_json, secrets=(token,))
        return _COMMANDS[args.command](args, settings)
    except KetluanError as exc:
        logger.debug("%s failed: %s", args.command, exc.detail)
        sys.stderr.write(f"Lỗi: {exc.message}\n")
        return 2
    except PermissionError as exc:
        logger.debug("%s: permission denied", args.command, exc_info=True)
        where = f" «{exc.filename}»" if exc.filename else ""
        sys.stderr.write(
            f"Lỗi: không có quyền ghi hoặc đọc{where}. Hãy chạy bằng người dùng của bot "
            "(sudo ketluan …) hoặc chọn một thư mục mà người dùng này ghi được.\n"
        )
        return 2
    except Exception as exc:
        logger.debug("unexpected error", exc_info=True)
        sys.stderr.write(f"Lỗi không mong đợi: {type(exc).__name__}: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
