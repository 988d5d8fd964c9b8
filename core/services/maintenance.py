"""Use cases that keep an installation healthy: backups, data retention, removing a meeting's data.

Nothing here talks to Telegram. The daily job (:meth:`MaintenanceService.run_daily`) makes a
backup when a backup dir is configured, then applies the retention policy; it blocks on
file copies, so the bot runs it in a worker thread.

Retention policy: a meeting's data starts ageing when the meeting is issued (its first
task), or when it failed or was cancelled (it never will be); a meeting still queued, being
processed or under review keeps everything. A meeting with any open task keeps everything,
whatever its age: its recording and transcript are the evidence the follow-up may need.
Each kind of data (original recording, notes file, transcript) has its own number of days;
0 or unset keeps it forever.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from core.clock import Clock
from core.errors import ConfigError, InputError, KetluanError
from core.records import MeetingState
from storage.backup import Manifest, RestoreResult, Snapshot, create_snapshot, restore_snapshot, verify_snapshot
from storage.retention import (
    DOCUMENT,
    RECORDING,
    TRANSCRIPT,
    MeetingHoldings,
    OpenTasks,
    Removal,
    RetentionRepository,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DOCUMENT",
    "RECORDING",
    "TRANSCRIPT",
    "BackupService",
    "DailyReport",
    "ForgetReport",
    "MaintenanceService",
    "Removal",
    "RetentionPolicy",
    "RetentionReport",
    "RetentionService",
    "due_items",
    "retention_start",
]


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How many days after a meeting is issued each kind of its data is kept (None or 0: forever)."""

    recordings_days: int | None = 90
    transcripts_days: int | None = None
    documents_days: int | None = None

    def days(self, what: str) -> int | None:
        """The days for ``what`` (RECORDING, DOCUMENT or TRANSCRIPT); None when it is kept forever."""
        value = {
            RECORDING: self.recordings_days,
            DOCUMENT: self.documents_days,
            TRANSCRIPT: self.transcripts_days,
        }[what]
        return value or None


def retention_start(meeting: MeetingHoldings) -> dt.datetime | None:
    """When a meeting's data starts ageing; None while the meeting is still being worked on.

    An issued meeting ages from its issue; a failed or cancelled one from when it stopped.
    """
    if meeting.issued_at is not None:
        return meeting.issued_at
    if meeting.state in (MeetingState.FAILED, MeetingState.CANCELLED):
        return meeting.updated_at
    return None


def due_items(meeting: MeetingHoldings, policy: RetentionPolicy, now: dt.datetime) -> tuple[str, ...]:
    """The kinds of data of ``meeting`` whose time is up at ``now``, ignoring open tasks (pure).

    Args:
        meeting: What the meeting holds.
        policy: Days per kind of data.
        now: The moment to judge at (aware).

    Returns:
        Some of RECORDING or DOCUMENT (its stored file) and TRANSCRIPT, in that order.
    """
    start = retention_start(meeting)
    if start is None:
        return ()
    held = [meeting.file_kind] if meeting.file_kind else []
    if meeting.has_transcript:
        held.append(TRANSCRIPT)
    due = []
    for what in held:
        days = policy.days(what)
        if days is not None and now >= start + dt.timedelta(days=days):
            due.append(what)
    return tuple(due)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one application of the retention policy did."""

    at: dt.datetime
    removed: tuple[Removal, ...]
    kept_for_open_tasks: tuple[int, ...]  # meetings with data due that open tasks keep
    failed: tuple[tuple[int, str, str], ...]  # (meeting, what, English reason) that could not be removed

    @property
    def bytes_freed(self) -> int:
        """Bytes removed in all."""
        return sum(r.bytes for r in self.removed)


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What removing one meeting's data did."""

    meeting_id: int
    removed: tuple[Removal, ...]
    open_tasks: int  # open tasks the meeting had (non-zero only when forced)

    @property
    def bytes_freed(self) -> int:
        """Bytes removed in all."""
        return sum(r.bytes for r in self.removed)


@dataclass(frozen=True, slots=True)
class RetentionService:
    """Applies the retention policy, and removes one meeting's data on an admin's request."""

    repository: RetentionRepository
    policy: RetentionPolicy
    clock: Clock

    def apply_retention(self, now: dt.datetime | None = None) -> RetentionReport:
        """Remove every piece of data whose time is up, except what an open task still needs.

        Each removal is written to the audit log (``data.remove``: what, meeting, bytes).
        A piece that cannot be removed (a permission problem) is reported and left for the
        next run; the others still go.

        Args:
            now: The moment to judge at; the clock's time when None.
        """
        now = now or self.clock.now()
        removed: list[Removal] = []
        kept: list[int] = []
        failed: list[tuple[int, str, str]] = []
        for meeting in self.repository.holdings():
            due = due_items(meeting, self.policy, now)
            if not due:
                continue
            if meeting.open_tasks:
                kept.append(meeting.meeting_id)
                continue
            for what in due:
                days = self.policy.days(what)
                try:
                    if what == TRANSCRIPT:
                        removal = self.repository.remove_transcript(
                            meeting.meeting_id, actor=None, reason="retention", days=days
                        )
                    else:
                        removal = self.repository.remove_file(
                            meeting.meeting_id, actor=None, reason="retention", days=days
                        )
                except (OSError, KetluanError) as exc:
                    logger.warning(
                        "retention could not remove data",
                        extra={"meeting": meeting.meeting_id, "what": what, "detail": str(exc)},
                    )
                    failed.append((meeting.meeting_id, what, str(exc)))
                    continue
                if removal is not None:
                    removed.append(removal)
                elif meeting.meeting_id not in kept:
                    kept.append(meeting.meeting_id)  # a task was issued meanwhile
        report = RetentionReport(now, tuple(removed), tuple(kept), tuple(failed))
        logger.info(
            "retention applied",
            extra={
                "removed": len(report.removed),
                "bytes": report.bytes_freed,
                "kept_for_open_tasks": len(report.kept_for_open_tasks),
                "failed": len(report.failed),
            },
        )
        return report

    def forget_meeting(self, meeting_id: int, actor: int, *, force: bool = False) -> ForgetReport:
        """Remove one meeting's data at an admin's request (``/xoa``).

        Removes the recording or notes file, the transcript, the conclusions, the assignments
        not issued and the source quotes of the issued ones. The meeting's entry (date, chair,
        topic), its tasks and reminders stay; the audit log records each removal and a
        ``meeting.forget`` entry.

        Args:
            meeting_id: The meeting.
            actor: Telegram id of the admin.
            force: Remove even though the meeting has open tasks.

        Raises:
            InputError: no such meeting, already removed, still being processed, or open
                tasks without ``force`` (the message says which, in Vietnamese).
        """
        meeting = self.repository.holdings_of(meeting_id)
        if meeting is None:
            raise InputError(f"Không có cuộc họp số {meeting_id}.", detail=f"no meeting {meeting_id}")
        if meeting.forgotten_at is not None:
            raise InputError(
                f"Dữ liệu của cuộc họp số {meeting_id} đã được xóa trước đó.",
                detail=f"meeting {meeting_id} was forgotten at {meeting.forgotten_at.isoformat()}",
            )
        if meeting.state in (MeetingState.QUEUED, MeetingState.WORKING):
            raise InputError(
                f"Cuộc họp số {meeting_id} đang được xử lý. Hãy hủy việc xử lý (nút ⛔) rồi xóa sau.",
                detail=f"meeting {meeting_id} is {meeting.state.value}",
            )
        try:
            removed = self.repository.forget(meeting_id, actor=actor, force=force)
        except OpenTasks as exc:
            raise InputError(
                f"Cuộc họp số {meeting_id} còn {meeting.open_tasks or 'một số'} nhiệm vụ chưa hoàn thành; "
                "bản ghi và biên bản còn cần cho việc theo dõi nên chưa xóa. Chỉ xóa được khi các nhiệm vụ đã "
                "hoàn thành hoặc đã được thu hồi (/thuhoi).",
                detail=exc.detail,
            ) from exc
        logger.info(
            "meeting data removed on request",
            extra={"meeting": meeting_id, "actor": actor, "bytes": sum(r.bytes for r in removed), "forced": force},
        )
        return ForgetReport(meeting_id, tuple(removed), meeting.open_tasks if force else 0)


@dataclass(frozen=True, slots=True)
class BackupService:
    """Backups of the data dir into a backup dir, and restore."""

    data_dir: Path
    clock: Clock
    backup_dir: Path | None = None  # the daily backups' folder; None: no daily backup
    keep: int = 7  # snapshots kept in a backup folder

    def backup(self, dest: Path | None = None, *, keep: int | None = None) -> Snapshot:
        """Make a snapshot (database and files) under ``dest`` and keep the newest ``keep``.

        Safe while the bot runs. Blocking: copies every new file.

        Args:
            dest: The backup folder; the configured backup dir when None.
            keep: How many snapshots to keep there; the configured count when None.

        Raises:
            ConfigError: no ``dest`` and no backup dir configured.
            InputError: there is no database to back up.
        """
        target = dest or self.backup_dir
        if target is None:
            raise ConfigError(
                "Chưa có thư mục sao lưu: đặt biến KETLUAN_BACKUP_DIR hoặc ghi rõ thư mục đích.",
                detail="no backup destination",
            )
        exclude = [self.backup_dir] if self.backup_dir is not None else []
        return create_snapshot(
            self.data_dir, target, now=self.clock.now(), keep=keep if keep is not None else self.keep, exclude=exclude
        )

    def verify(self, snapshot: Path) -> Manifest:
        """Check a snapshot (checksums, ``PRAGMA integrity_check``, schema) without restoring it.

        Raises:
            InputError: what is wrong with it.
        """
        return verify_snapshot(snapshot)

    def restore(self, snapshot: Path) -> RestoreResult:
        """Put a verified snapshot in place of the data dir's data, keeping the replaced data aside.

        Raises:
            storage.instance.InstanceLocked: the bot is running on this data dir.
            InputError: the snapshot is not one, is damaged, or is from a newer version.
        """
        exclude = [self.backup_dir] if self.backup_dir is not None else []
        return restore_snapshot(snapshot, self.data_dir, now=self.clock.now(), exclude=exclude)


@dataclass(frozen=True, slots=True)
class DailyReport:
    """What the daily maintenance did."""

    backup: Snapshot | None  # None: no backup dir configured, or it failed
    backup_error: str | None  # English detail of a failed backup
    retention: RetentionReport


@dataclass(frozen=True, slots=True)
class MaintenanceService:
    """The daily maintenance job the bot schedules at ``KETLUAN_BACKUP_AT``."""

    backups: BackupService
    retention: RetentionService

    def run_daily(self) -> DailyReport:
        """Back up into the configured backup dir (when set), then apply the retention policy.

        A failed backup is logged and reported; retention runs all the same. Blocking: run it
        in a worker thread (``asyncio.to_thread``).
        """
        snapshot: Snapshot | None = None
        error: str | None = None
        if self.backups.backup_dir is not None:
            try:
                snapshot = self.backups.backup()
            except Exception as exc:  # a background job: report it, and still apply retention
                error = exc.detail if isinstance(exc, KetluanError) else f"{type(exc).__name__}: {exc}"
                logger.exception("daily backup failed", extra={"detail": error})
        return DailyReport(snapshot, error, self.retention.apply_retention())
