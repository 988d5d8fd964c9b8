"""Meetings under review: their source, transcript, conclusions and assignments.

Creating a meeting is idempotent on the Telegram update that brought it (the same update
delivered twice makes one meeting) and queues its processing in the same transaction.
Every review change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, fields
from typing import Any

from core.clock import Clock
from core.domain import Extraction, Transcript, TranscriptSegment
from core.records import ItemStatus, Meeting, MeetingState, ReviewItem, SourceFile
from storage.audit import record
from storage.db import Store, insert_row
from storage.workqueue import enqueue

ITEM_FIELDS = frozenset({"lead", "lead_canonical", "cooperating", "task", "deadline", "deadline_text", "recurrence"})
MEETING_FIELDS = frozenset({"title", "meeting_date", "chair", "location", "attendees"})


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _meeting(row: dict[str, Any]) -> Meeting:
    return Meeting(
        id=row["id"],
        created_by=row["created_by"],
        chat_id=row["chat_id"],
        created_at=dt.datetime.fromisoformat(row["created_at"]),
        state=MeetingState(row["state"]),
        source_kind=row["source_kind"],
        status_message_id=row["status_message_id"],
        title=row["title"],
        meeting_date=_date(row["meeting_date"]),
        chair=row["chair"],
        location=row["location"],
        attendees=tuple(json.loads(row["attendees"])),
        error=row["error"],
    )


def _item(row: dict[str, Any]) -> ReviewItem:
    return ReviewItem(
        id=row["id"],
        meeting_id=row["meeting_id"],
        position=row["position"],
        lead=row["lead"],
        lead_canonical=row["lead_canonical"],
        cooperating=tuple(json.loads(row["cooperating"])),
        task=row["task"],
        deadline=_date(row["deadline"]),
        deadline_text=row["deadline_text"],
        recurrence=row["recurrence"],
        evidence=row["evidence"],
        status=ItemStatus(row["status"]),
        origin=row["origin"],
    )


def _column(value: Any) -> Any:
    """A Python value as stored: tuples as JSON lists, dates as ISO text."""
    if isinstance(value, tuple | list):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class MeetingRepository:
    """Reads and writes meetings and their review items."""

    def __init__(self, store: Store, clock: Clock) -> None:
        """Use ``store``; ``clock`` stamps the rows."""
        self._store = store
        self._clock = clock

    def _now(self) -> str:
        return self._clock.now().isoformat()

    def create(
        self,
        *,
        created_by: int,
        chat_id: int,
        source_kind: str,
        update_id: int | None,
        text: str | None = None,
        source: SourceFile | None = None,
    ) -> tuple[Meeting, bool]:
        """Record a new meeting and queue its processing.

        Args:
            created_by: Telegram id of the secretary.
            chat_id: Chat to report to.
            source_kind: ``"text"``, ``"document"`` or ``"media"``.
            update_id: The Telegram update that brought it (None from elsewhere).
            text: Typed notes, kept as the meeting's text.
            source: The file to download and process.

        Returns:
            The meeting and whether it is new (False: the update was seen before).
        """
        with self._store.write() as db:
            if update_id is not None:
                rows = list(db.table("meetings").rows_where("source_update_id = ?", [update_id]))
                if rows:
                    return _meeting(rows[0]), False
            now = self._now()
            meeting_id = insert_row(
                db.table("meetings"),
                {
                    "created_by": created_by,
                    "chat_id": chat_id,
                    "created_at": now,
                    "updated_at": now,
                    "state": MeetingState.QUEUED.value,
                    "source_kind": source_kind,
                    "source_update_id": update_id,
                },
            )
            if text is not None:
                insert_row(db.table("transcripts"), {"meeting_id": meeting_id, "text": text})
            if source is not None:
                db.table("source_files").insert({"meeting_id": meeting_id, **asdict(source)})
            enqueue(db, self._clock, meeting_id)
            record(
                db, self._clock, actor=created_by, action="meeting.create", entity="meeting",
                entity_id=meeting_id, source_kind=source_kind,
            )  # fmt: skip
            row = db.table("meetings").get(meeting_id)
        return _meeting(row), True

    def get(self, meeting_id: int) -> Meeting | None:
        """One meeting, or None."""
        with self._store.read() as db:
            rows = list(db.table("meetings").rows_where("id = ?", [meeting_id]))
        return _meeting(rows[0]) if rows else None

    def recent(self, *, limit: int = 10) -> list[Meeting]:
        """The latest meetings, newest first."""
        with self._store.read() as db:
            return [_meeting(row) for row in db.table("meetings").rows_where(order_by="id desc", limit=limit)]

    def latest_for(self, user_id: int) -> Meeting | None:
        """The latest meeting a secretary sent that is not failed or cancelled."""
        with self._store.read() as db:
            rows = list(
                db.table("meetings").rows_where(
                    "created_by = ? AND state NOT IN ('failed', 'cancelled')", [user_id], order_by="id desc", limit=1
                )
            )
        return _meeting(rows[0]) if rows else None

    def set_state(
        self, meeting_id: int, state: MeetingState, *, error: str | None = None, actor: int | None = None
    ) -> None:
        """Move a meeting to ``state`` (with the error that failed it)."""
        with self._store.write() as db:
            db.table("meetings").update(meeting_id, {"state": state.value, "error": error, "updated_at": self._now()})
            record(
                db, self._clock, actor=actor, action="meeting.state", entity="meeting", entity_id=meeting_id,
                state=state.value, error=error,
            )  # fmt: skip

    def set_status_message(self, meeting_id: int, message_id: int) -> None:
        """Remember the status message edited as the work advances."""
        with self._store.write() as db:
            db.table("meetings").update(meeting_id, {"status_message_id": message_id})

    def update_info(self, meeting_id: int, *, actor: int | None, **fields: Any) -> Meeting:
        """Change the meeting's metadata (title, meeting_date, chair, location, attendees)."""
        unknown = set(fields) - MEETING_FIELDS
        if unknown:
            msg = f"not meeting fields: {sorted(unknown)}"
            raise ValueError(msg)
        with self._store.write() as db:
            db.table("meetings").update(
                meeting_id, {**{k: _column(v) for k, v in fields.items()}, "updated_at": self._now()}
            )
            record(
                db, self._clock, actor=actor, action="meeting.edit", entity="meeting", entity_id=meeting_id, **fields
            )
            row = db.table("meetings").get(meeting_id)
        return _meeting(row)

    # Source and transcript
    def source(self, meeting_id: int) -> SourceFile | None:
        """The meeting's source file, or None for typed notes."""
        with self._store.read() as db:
            rows = list(db.table("source_files").rows_where("meeting_id = ?", [meeting_id]))
        if not rows:
            return None
        return SourceFile(**{f.name: rows[0][f.name] for f in fields(SourceFile)})

    def set_source_path(self, meeting_id: int, path: str, sha256: str) -> None:
        """Record where the downloaded source is stored and its sha256."""
        with self._store.write() as db:
            db.table("source_files").update(meeting_id, {"path": path, "sha256": sha256})

    def text(self, meeting_id: int) -> str | None:
        """The meeting's text (typed notes or transcript), or None before there is one."""
        with self._store.read() as db:
            rows = list(db.table("transcripts").rows_where("meeting_id = ?", [meeting_id]))
        return rows[0]["text"] if rows else None

    def transcript(self, meeting_id: int) -> Transcript | None:
        """The transcript of a recording (None for notes, or before transcription)."""
        with self._store.read() as db:
            rows = list(db.table("transcripts").rows_where("meeting_id = ? AND model IS NOT NULL", [meeting_id]))
        if not rows:
            return None
        row = rows[0]
        segments = tuple(TranscriptSegment(**s) for s in json.loads(row["segments"]))
        return Transcript(
            language=row["language"] or "", duration=row["duration"] or 0.0, model=row["model"], segments=segments
        )

    def save_text(self, meeting_id: int, text: str, transcript: Transcript | None = None) -> None:
        """Store the meeting's text, and the transcript it came from for recordings."""
        row: dict[str, Any] = {"meeting_id": meeting_id, "text": text}
        if transcript is not None:
            row |= {
                "language": transcript.language,
                "duration": transcript.duration,
                "model": transcript.model,
                "segments": json.dumps([asdict(s) for s in transcript.segments], ensure_ascii=False),
            }
        with self._store.write() as db:
            db.table("transcripts").upsert(row, pk="meeting_id")

    # Extraction and review
    def save_extraction(self, meeting_id: int, extraction: Extraction) -> None:
        """Store what the extractor proposed (replacing an earlier proposal) and open the review."""
        info = extraction.meeting
        now = self._now()
        with self._store.write() as db:
            db.execute("DELETE FROM conclusions WHERE meeting_id = ?", [meeting_id])
            db.execute("DELETE FROM assignments WHERE meeting_id = ? AND origin = 'extracted'", [meeting_id])
            db.table("conclusions").insert_all(
                {"meeting_id": meeting_id, "position": i, "text": c.text} for i, c in enumerate(extraction.conclusions)
            )
            db.table("assignments").insert_all(
                {
                    "meeting_id": meeting_id,
                    "position": i,
                    "lead": a.lead_canonical or a.lead,
                    "lead_canonical": a.lead_canonical,
                    "cooperating": _column(a.cooperating),
                    "task": a.task,
                    "deadline": _column(a.deadline),
                    "deadline_text": a.deadline_text,
                    "recurrence": a.recurrence,
                    "evidence": a.evidence,
                    "status": ItemStatus.PROPOSED.value,
                    "updated_at": now,
                }
                for i, a in enumerate(extraction.assignments)
            )
            db.table("meetings").update(
                meeting_id,
                {
                    "title": info.title,
                    "meeting_date": _column(info.date),
                    "chair": info.chair,
                    "location": info.location,
                    "attendees": _column(info.attendees),
                    "state": MeetingState.REVIEW.value,
                    "error": None,
                    "updated_at": now,
                },
            )
            record(
                db, self._clock, actor=None, action="meeting.extracted", entity="meeting", entity_id=meeting_id,
                conclusions=len(extraction.conclusions), assignments=len(extraction.assignments),
            )  # fmt: skip

    def conclusions(self, meeting_id: int) -> list[str]:
        """The meeting's conclusions in order."""
        with self._store.read() as db:
            return [
                r["text"]
                for r in db.table("conclusions").rows_where("meeting_id = ?", [meeting_id], order_by="position")
            ]

    def items(self, meeting_id: int) -> list[ReviewItem]:
        """The meeting's assignments in order, dropped ones included."""
        with self._store.read() as db:
            rows = db.table("assignments").rows_where("meeting_id = ?", [meeting_id], order_by="position, id")
            return [_item(row) for row in rows]

    def item(self, item_id: int) -> ReviewItem | None:
        """One assignment, or None."""
        with self._store.read() as db:
            rows = list(db.table("assignments").rows_where("id = ?", [item_id]))
        return _item(rows[0]) if rows else None

    def update_item(self, item_id: int, *, actor: int, **fields: Any) -> ReviewItem:
        """Change an assignment's status or fields (see :data:`ITEM_FIELDS`)."""
        unknown = set(fields) - ITEM_FIELDS - {"status"}
        if unknown:
            msg = f"not assignment fields: {sorted(unknown)}"
            raise ValueError(msg)
        changes = {k: _column(v.value if isinstance(v, ItemStatus) else v) for k, v in fields.items()}
        with self._store.write() as db:
            db.table("assignments").update(item_id, {**changes, "updated_at": self._now()})
            record(
                db,
                self._clock,
                actor=actor,
                action="assignment.edit",
                entity="assignment",
                entity_id=item_id,
                **changes,
            )
            row = db.table("assignments").get(item_id)
        return _item(row)

    def add_item(self, meeting_id: int, *, actor: int, lead: str, task: str, **fields: Any) -> ReviewItem:
        """Add an assignment the extractor missed (confirmed: the secretary wrote it)."""
        with self._store.write() as db:
            position = db.execute(
                "SELECT coalesce(max(position), -1) + 1 FROM assignments WHERE meeting_id = ?", [meeting_id]
            ).fetchone()[0]
            row_id = insert_row(
                db.table("assignments"),
                {
                    "meeting_id": meeting_id,
                    "position": position,
                    "lead": lead,
                    "task": task,
                    **{k: _column(v) for k, v in fields.items() if k in ITEM_FIELDS},
                    "status": ItemStatus.CONFIRMED.value,
                    "origin": "added",
                    "updated_at": self._now(),
                },
            )
            record(
                db, self._clock, actor=actor, action="assignment.add", entity="assignment", entity_id=row_id, lead=lead
            )
            row = db.table("assignments").get(row_id)
        return _item(row)

    # What a user was asked to type next (survives a restart)
    def set_pending(self, user_id: int, *, kind: str, target_id: int, field: str | None = None) -> None:
        """Remember that the next text from ``user_id`` answers a question (edit a field, add an item)."""
        with self._store.write() as db:
            db.table("pending_inputs").upsert(
                {"user_id": user_id, "kind": kind, "target_id": target_id, "field": field, "created_at": self._now()},
                pk="user_id",
            )

    def pending(self, user_id: int) -> tuple[str, int, str | None] | None:
        """The question ``user_id`` is answering, left in place; None if there is none."""
        with self._store.read() as db:
            rows = list(db.table("pending_inputs").rows_where("user_id = ?", [user_id]))
        return (rows[0]["kind"], rows[0]["target_id"], rows[0]["field"]) if rows else None

    def pop_pending(self, user_id: int) -> tuple[str, int, str | None] | None:
        """The question ``user_id`` is answering, forgotten once read; None if there is none."""
        with self._store.write() as db:
            rows = list(db.table("pending_inputs").rows_where("user_id = ?", [user_id]))
            if not rows:
                return None
            db.execute("DELETE FROM pending_inputs WHERE user_id = ?", [user_id])
        return rows[0]["kind"], rows[0]["target_id"], rows[0]["field"]
