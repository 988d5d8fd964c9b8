"""Removing a meeting's stored data: source files, transcripts, and on request its whole content.

What is due is decided in ``core.services.maintenance``; this module finds the meetings
that still hold data and removes it, each removal in one write transaction with its audit
entry (what, which meeting, how many bytes). A file is deleted inside the transaction that
records it: a crash leaves at worst a row that names a missing file, which the next run
clears as 0 bytes, never a file that nothing knows about. Only files inside the data dir
are ever deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from core.clock import Clock
from core.errors import KetluanError
from core.records import MeetingState
from storage.audit import record
from storage.db import Store

logger = logging.getLogger(__name__)

RECORDING = "recording"  # the original audio or video
DOCUMENT = "document"  # notes sent as .docx, .pdf or .txt
TRANSCRIPT = "transcript"  # the meeting's text: a recording's transcript (with its segments) or typed notes
REVIEW = "review"  # conclusions, assignments not issued, and the quotes of the issued ones

REMOVE_ACTION = "data.remove"
FORGET_ACTION = "meeting.forget"

_HOLDINGS = """
SELECT m.id, m.state, m.source_kind, m.updated_at, m.forgotten_at,
       (SELECT min(t.issued_at) FROM tasks t WHERE t.meeting_id = m.id) AS issued_at,
       (SELECT count(*) FROM tasks t WHERE t.meeting_id = m.id AND t.state = 'open') AS open_tasks,
       s.file_name, s.path, s.size,
       EXISTS (SELECT 1 FROM transcripts tr WHERE tr.meeting_id = m.id) AS has_transcript
FROM meetings m LEFT JOIN source_files s ON s.meeting_id = m.id
"""
_HOLDING_DATA = (
    "WHERE s.path IS NOT NULL OR EXISTS (SELECT 1 FROM transcripts tr WHERE tr.meeting_id = m.id) ORDER BY m.id"
)
_ONE_MEETING = "WHERE m.id = ?"


@dataclass(frozen=True, slots=True)
class MeetingHoldings:
    """What a meeting still holds, with what decides whether it may go."""

    meeting_id: int
    state: MeetingState
    source_kind: str  # "text", "document" or "media"
    updated_at: dt.datetime
    issued_at: dt.datetime | None  # when its first task was issued
    open_tasks: int
    file_name: str | None  # the stored source file's name; None when no file is stored (any more)
    file_size: int | None
    has_transcript: bool
    forgotten_at: dt.datetime | None = None

    @property
    def file_kind(self) -> str | None:
        """``"recording"`` or ``"document"`` for the stored source file, None without one."""
        if self.file_name is None:
            return None
        return RECORDING if self.source_kind == "media" else DOCUMENT


@dataclass(frozen=True, slots=True)
class Removal:
    """One piece of a meeting's data that was removed."""

    meeting_id: int
    what: str  # RECORDING, DOCUMENT, TRANSCRIPT or REVIEW
    bytes: int
    name: str | None = None  # the file name, for files


class OpenTasks(KetluanError):
    """The meeting has open tasks, which still need its data (the removal was not done)."""


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _holdings(row: tuple[Any, ...]) -> MeetingHoldings:
    (meeting_id, state, kind, updated_at, forgotten_at, issued_at, open_tasks, name, path, size, transcript) = row
    updated = _moment(updated_at)
    assert updated is not None  # noqa: S101 - NOT NULL column
    stored = path is not None
    return MeetingHoldings(
        meeting_id=meeting_id,
        state=MeetingState(state),
        source_kind=kind,
        updated_at=updated,
        issued_at=_moment(issued_at),
        open_tasks=int(open_tasks),
        file_name=name if stored else None,
        file_size=size if stored else None,
        has_transcript=bool(transcript),
        forgotten_at=_moment(forgotten_at),
    )


class RetentionRepository:
    """Finds the meetings that hold data, and removes it with an audit entry per removal."""

    def __init__(self, store: Store, clock: Clock, *, data_dir: Path) -> None:
        """Use ``store``; ``clock`` stamps the audit; files are deleted only inside ``data_dir``."""
        self._store = store
        self._clock = clock
        self._data_dir = data_dir

    def holdings(self) -> list[MeetingHoldings]:
        """Every meeting that still has a stored source file or a transcript, by id."""
        with self._store.read() as db:
            rows = db.execute(_HOLDINGS + _HOLDING_DATA).fetchall()
        return [_holdings(row) for row in rows]

    def holdings_of(self, meeting_id: int) -> MeetingHoldings | None:
        """What one meeting holds, or None when there is no such meeting."""
        with self._store.read() as db:
            row = db.execute(_HOLDINGS + _ONE_MEETING, [meeting_id]).fetchone()
        return _holdings(row) if row else None

    def remove_file(self, meeting_id: int, *, actor: int | None, reason: str, **detail: Any) -> Removal | None:
        """Delete the meeting's stored source file (and its transcription checkpoints).

        Nothing is removed while the meeting has an open task. Returns None when there was
        nothing to remove or an open task keeps it.

        Raises:
            KetluanError: the stored path is outside the data dir (nothing is deleted).
            OSError: the file could not be deleted (nothing is recorded).
        """
        with self._store.write() as db:
            if _open_tasks(db, meeting_id):
                return None
            return self._remove_file(db, meeting_id, actor=actor, reason=reason, **detail)

    def remove_transcript(self, meeting_id: int, *, actor: int | None, reason: str, **detail: Any) -> Removal | None:
        """Delete the meeting's text (transcript and segments, or typed notes); None when there is none.

        Nothing is removed while the meeting has an open task.
        """
        with self._store.write() as db:
            if _open_tasks(db, meeting_id):
                return None
            return self._remove_transcript(db, meeting_id, actor=actor, reason=reason, **detail)

    def forget(self, meeting_id: int, *, actor: int, force: bool) -> list[Removal]:
        """Remove a meeting's content at an admin's request, in one transaction.

        Removes the stored source file and its checkpoints, the transcript, the conclusions,
        the assignments that were not issued, and the source quotes of those that were. The
        meeting row (date, chair, topic), its issued tasks and reminders stay, and so does the
        audit log, which gets one entry per removal and one ``meeting.forget`` entry. A meeting
        under review is cancelled.

        Raises:
            OpenTasks: the meeting has open tasks and ``force`` is False (nothing is removed).
        """
        now = self._clock.now().isoformat()
        with self._store.write() as db:
            open_tasks = _open_tasks(db, meeting_id)
            if open_tasks and not force:
                raise OpenTasks(
                    f"Cuộc họp số {meeting_id} còn {open_tasks} nhiệm vụ chưa hoàn thành.",
                    detail=f"meeting {meeting_id} has {open_tasks} open tasks",
                )
            removals = [
                r
                for r in (
                    self._remove_file(db, meeting_id, actor=actor, reason="request"),
                    self._remove_transcript(db, meeting_id, actor=actor, reason="request"),
                    self._remove_review(db, meeting_id, actor=actor),
                )
                if r is not None
            ]
            state = db.execute("SELECT state FROM meetings WHERE id = ?", [meeting_id]).fetchone()[0]
            changes: dict[str, Any] = {"forgotten_at": now, "updated_at": now}
            if state == MeetingState.REVIEW.value:
                changes["state"] = MeetingState.CANCELLED.value
            db.table("meetings").update(meeting_id, changes)
            record(
                db, self._clock, actor=actor, action=FORGET_ACTION, entity="meeting", entity_id=meeting_id,
                removed=[r.what for r in removals], bytes=sum(r.bytes for r in removals),
                open_tasks=open_tasks, forced=bool(force and open_tasks), state_before=state,
            )  # fmt: skip
        return removals

    # Inside a write transaction
    def _remove_file(
        self, db: Database, meeting_id: int, *, actor: int | None, reason: str, **detail: Any
    ) -> Removal | None:
        row = db.execute(
            "SELECT s.file_name, s.path, s.sha256, m.source_kind FROM source_files s "
            "JOIN meetings m ON m.id = s.meeting_id WHERE s.meeting_id = ? AND s.path IS NOT NULL",
            [meeting_id],
        ).fetchone()
        if row is None:
            return None
        file_name, stored, sha256, kind = row
        path = self._inside_data_dir(Path(stored))
        size = 0
        if path is not None and path.is_file():
            size += path.stat().st_size
            path.unlink()
        if sha256:
            for checkpoint in (self._data_dir / "checkpoints").glob(f"{sha256}-*.jsonl"):
                size += checkpoint.stat().st_size
                checkpoint.unlink()
        what = RECORDING if kind == "media" else DOCUMENT
        db.execute(
            "UPDATE source_files SET path = NULL, removed_at = ? WHERE meeting_id = ?",
            [self._clock.now().isoformat(), meeting_id],
        )
        record(
            db, self._clock, actor=actor, action=REMOVE_ACTION, entity="meeting", entity_id=meeting_id,
            what=what, reason=reason, file_name=file_name, bytes=size, **detail,
        )  # fmt: skip
        logger.info("stored file removed", extra={"meeting": meeting_id, "what": what, "bytes": size, "reason": reason})
        return Removal(meeting_id, what, size, file_name)

    def _remove_transcript(
        self, db: Database, meeting_id: int, *, actor: int | None, reason: str, **detail: Any
    ) -> Removal | None:
        row = db.execute(
            "SELECT length(CAST(text AS BLOB)) + length(CAST(segments AS BLOB)) FROM transcripts WHERE meeting_id = ?",
            [meeting_id],
        ).fetchone()
        if row is None:
            return None
        size = int(row[0] or 0)
        db.execute("DELETE FROM transcripts WHERE meeting_id = ?", [meeting_id])
        db.execute(
            "UPDATE meetings SET transcript_removed_at = ? WHERE id = ?", [self._clock.now().isoformat(), meeting_id]
        )
        record(
            db, self._clock, actor=actor, action=REMOVE_ACTION, entity="meeting", entity_id=meeting_id,
            what=TRANSCRIPT, reason=reason, bytes=size, **detail,
        )  # fmt: skip
        logger.info("transcript removed", extra={"meeting": meeting_id, "bytes": size, "reason": reason})
        return Removal(meeting_id, TRANSCRIPT, size)

    def _remove_review(self, db: Database, meeting_id: int, *, actor: int | None) -> Removal | None:
        conclusions = db.execute(
            "SELECT count(*), coalesce(sum(length(CAST(text AS BLOB))), 0) FROM conclusions WHERE meeting_id = ?",
            [meeting_id],
        ).fetchone()
        unissued = db.execute(
            "SELECT count(*), coalesce(sum(length(CAST(task AS BLOB)) + length(CAST(evidence AS BLOB))), 0) "
            "FROM assignments WHERE meeting_id = ? AND id NOT IN (SELECT assignment_id FROM tasks)",
            [meeting_id],
        ).fetchone()
        quotes = db.execute(
            "SELECT count(*), coalesce(sum(length(CAST(evidence AS BLOB))), 0) FROM assignments "
            "WHERE meeting_id = ? AND id IN (SELECT assignment_id FROM tasks) AND evidence != ''",
            [meeting_id],
        ).fetchone()
        if not (conclusions[0] or unissued[0] or quotes[0]):
            return None
        db.execute("DELETE FROM conclusions WHERE meeting_id = ?", [meeting_id])
        db.execute(
            "DELETE FROM assignments WHERE meeting_id = ? AND id NOT IN (SELECT assignment_id FROM tasks)",
            [meeting_id],
        )
        db.execute(
            "UPDATE assignments SET evidence = '' WHERE meeting_id = ? AND id IN (SELECT assignment_id FROM tasks)",
            [meeting_id],
        )
        size = int(conclusions[1] + unissued[1] + quotes[1])
        record(
            db, self._clock, actor=actor, action=REMOVE_ACTION, entity="meeting", entity_id=meeting_id,
            what=REVIEW, reason="request", bytes=size, conclusions=conclusions[0], assignments=unissued[0],
            quotes=quotes[0],
        )  # fmt: skip
        return Removal(meeting_id, REVIEW, size)

    def _inside_data_dir(self, stored: Path) -> Path | None:
        """The stored file, checked to lie inside the data dir; None when it is gone.

        A relative path is read from the working dir, as the bot wrote it; a path outside the
        data dir (the data dir moved) is looked for under ``files/`` by its name.

        Raises:
            KetluanError: the file exists only outside the data dir (it is not deleted).
        """
        root = self._data_dir.resolve()
        primary = stored.resolve()
        if primary.is_relative_to(root):
            return primary
        moved = (self._data_dir / "files" / stored.name).resolve()
        if moved.exists():
            return moved
        if primary.exists():
            raise KetluanError(
                f"Tệp {stored} nằm ngoài thư mục dữ liệu nên không bị xóa.",
                detail=f"refusing to delete {stored}: outside the data dir {root}",
            )
        return None


def _open_tasks(db: Database, meeting_id: int) -> int:
    row = db.execute("SELECT count(*) FROM tasks WHERE meeting_id = ? AND state = 'open'", [meeting_id]).fetchone()
    return int(row[0])
