"""Data retention and an admin's removal of a meeting's data, on a real SQLite file and real files."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.domain import Transcript, TranscriptSegment
from core.errors import InputError
from core.records import MeetingState, SourceFile
from core.services.maintenance import (
    BackupService,
    MaintenanceService,
    RetentionPolicy,
    RetentionService,
)
from storage.audit import entries
from storage.backup import list_snapshots
from storage.db import DATABASE_NAME, Store, open_database
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository
from storage.retention import DOCUMENT, RECORDING, REVIEW, TRANSCRIPT, RetentionRepository
from storage.search import SearchRepository
from storage.tasks import NewTask, TaskRepository

ISSUED = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)
SECRETARY, ADMIN = 100, 1
SPOKEN = "Giao Sở Tài chính chủ trì rà soát nguồn vốn đầu tư công, báo cáo trước ngày 30/6."


@dataclass
class World:
    data: Path
    store: Store
    clock: FixedClock
    meetings: MeetingRepository
    tasks: TaskRepository
    people: PeopleRepository
    service: RetentionService
    update_id: int = 0

    def meeting(self, kind: str = "media", *, with_transcript: bool = True) -> int:
        """A processed meeting with its stored file (recording or notes), transcript and a checkpoint."""
        self.update_id += 1
        name = {"media": "hop-giao-ban.ogg", "document": "ghi-chu.docx"}.get(kind)
        source = SourceFile("tg-file", name) if name else None
        text = SPOKEN if kind == "text" else None
        meeting, _ = self.meetings.create(
            created_by=SECRETARY, chat_id=SECRETARY, source_kind=kind, update_id=self.update_id, text=text,
            source=source,
        )  # fmt: skip
        if name:
            path = self.data / "files" / f"{meeting.id}{Path(name).suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes([meeting.id]) * (1000 * meeting.id))
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            self.meetings.set_source_path(meeting.id, str(path), sha)
            checkpoints = self.data / "checkpoints"
            checkpoints.mkdir(exist_ok=True)
            (checkpoints / f"{sha}-0123456789ab.jsonl").write_text('{"start": 0.0}\n', encoding="utf-8")
        if with_transcript and kind == "media":
            segment = TranscriptSegment(start=0.0, end=4.0, text=SPOKEN)
            self.meetings.save_text(meeting.id, SPOKEN, Transcript("vi", 4.0, "base", (segment,)))
        elif with_transcript and kind == "document":
            self.meetings.save_text(meeting.id, SPOKEN)
        self.meetings.set_state(meeting.id, MeetingState.REVIEW)
        with self.store.write() as db:
            db.table("conclusions").insert({"meeting_id": meeting.id, "position": 0, "text": "Kết luận về vốn."})
        return meeting.id

    def issue(self, meeting_id: int, *, done: bool) -> int:
        """Issue the meeting with one task (done or still open) and one assignment left unissued."""
        agency = self.people.add_agency("Sở Tài chính", actor=SECRETARY)
        item = self.meetings.add_item(meeting_id, actor=SECRETARY, lead=agency.name, task="rà soát nguồn vốn")
        self.meetings.add_item(meeting_id, actor=SECRETARY, lead=agency.name, task="không ban hành")
        with self.store.write() as db:
            db.table("assignments").update(item.id, {"evidence": SPOKEN})
        (task,) = self.tasks.issue(
            [NewTask(meeting_id, item.id, agency.id, (), item.task, dt.date(2026, 6, 30), None)], actor=SECRETARY
        )
        self.meetings.set_state(meeting_id, MeetingState.ISSUED, actor=SECRETARY)
        if done:
            self.tasks.complete(task.id, actor=SECRETARY)
        return task.id

    def file_of(self, meeting_id: int) -> Path:
        return next((self.data / "files").glob(f"{meeting_id}.*"))

    def removals(self) -> list[dict]:
        return [e for e in entries(self.store.db, entity="meeting") if e["action"] == "data.remove"]


@pytest.fixture
def world(tmp_path: Path):
    data = tmp_path / "data"
    store = open_database(data / DATABASE_NAME)
    clock = FixedClock(ISSUED)
    service = RetentionService(
        repository=RetentionRepository(store, clock, data_dir=data), policy=RetentionPolicy(), clock=clock
    )
    yield World(
        data, store, clock, MeetingRepository(store, clock), TaskRepository(store, clock),
        PeopleRepository(store, clock), service,
    )  # fmt: skip
    store.close()


def test_after_the_configured_days_recordings_go_open_tasks_stay_and_the_audit_says_what(world: World) -> None:
    done = world.meeting("media")
    world.issue(done, done=True)
    open_ = world.meeting("media")
    open_task = world.issue(open_, done=False)
    notes = world.meeting("document")
    world.issue(notes, done=True)
    typed = world.meeting("text")
    world.issue(typed, done=True)
    reviewing = world.meeting("media")  # never issued: still being worked on
    done_bytes = world.file_of(done).stat().st_size + len('{"start": 0.0}\n')

    day_89 = ISSUED + dt.timedelta(days=89, hours=23)
    early = world.service.apply_retention(day_89)
    assert early.removed == () and early.kept_for_open_tasks == ()

    world.clock.set(ISSUED + dt.timedelta(days=90))
    report = world.service.apply_retention()

    assert [(r.meeting_id, r.what, r.bytes, r.name) for r in report.removed] == [
        (done, RECORDING, done_bytes, "hop-giao-ban.ogg")
    ]
    assert report.bytes_freed == done_bytes
    assert report.kept_for_open_tasks == (open_,)
    assert report.failed == ()
    # The recording and its checkpoint are gone; its transcript (kept by default) is not.
    assert not list((world.data / "files").glob(f"{done}.*"))
    source = world.meetings.source(done)
    assert source is not None and source.path is None and source.sha256 is not None
    assert not list((world.data / "checkpoints").glob(f"{source.sha256}-*"))
    assert world.meetings.text(done) == SPOKEN
    # The meeting with an open task keeps everything; so do notes, typed text and the meeting under review.
    assert world.file_of(open_).exists() and world.meetings.text(open_) == SPOKEN
    assert world.tasks.get(open_task) is not None and world.tasks.get(open_task).state.value == "open"
    assert world.file_of(notes).exists() and world.file_of(reviewing).exists()
    assert world.meetings.text(typed) == SPOKEN
    # The audit log says what went, from which meeting, how many bytes, and why.
    (entry,) = world.removals()
    assert entry["entity_id"] == done and entry["actor"] is None
    assert entry["detail"] == {
        "what": "recording", "reason": "retention", "file_name": "hop-giao-ban.ogg", "bytes": done_bytes, "days": 90,
    }  # fmt: skip
    assert entry["at"] == world.clock.now().isoformat()
    # A second run finds nothing more to do.
    assert world.service.apply_retention().removed == ()
    assert len(world.removals()) == 1


def test_each_kind_has_its_own_days_and_zero_keeps_forever(world: World) -> None:
    media, notes, typed = world.meeting("media"), world.meeting("document"), world.meeting("text")
    for meeting_id in (media, notes, typed):
        world.issue(meeting_id, done=True)
    policy = RetentionPolicy(recordings_days=0, transcripts_days=30, documents_days=60)
    service = RetentionService(repository=world.service.repository, policy=policy, clock=world.clock)

    at_30 = service.apply_retention(ISSUED + dt.timedelta(days=30))
    assert sorted((r.meeting_id, r.what) for r in at_30.removed) == [
        (media, TRANSCRIPT), (notes, TRANSCRIPT), (typed, TRANSCRIPT),
    ]  # fmt: skip
    assert world.meetings.text(media) is None and world.meetings.transcript(media) is None
    assert SearchRepository(world.store).search("nguồn vốn", kinds=("text",)) == []  # gone from search too
    assert world.meetings.items(media)  # the reviewed assignments stay

    at_60 = service.apply_retention(ISSUED + dt.timedelta(days=3650))
    assert [(r.meeting_id, r.what) for r in at_60.removed] == [(notes, DOCUMENT)]
    assert world.file_of(media).exists()  # recordings_days=0: kept forever


def test_failed_and_cancelled_meetings_age_from_when_they_stopped(world: World) -> None:
    failed, cancelled = world.meeting("media"), world.meeting("media")
    world.clock.set(ISSUED + dt.timedelta(days=10))
    world.meetings.set_state(failed, MeetingState.FAILED, error="Không nhận ra lời nói nào")
    world.meetings.set_state(cancelled, MeetingState.CANCELLED)
    assert world.service.apply_retention(ISSUED + dt.timedelta(days=99)).removed == ()
    report = world.service.apply_retention(ISSUED + dt.timedelta(days=100))
    assert sorted((r.meeting_id, r.what) for r in report.removed) == [(failed, RECORDING), (cancelled, RECORDING)]


def test_a_file_that_cannot_be_deleted_is_reported_and_the_rest_still_goes(world: World) -> None:
    stuck, fine = world.meeting("media"), world.meeting("media")
    world.issue(stuck, done=True)
    world.issue(fine, done=True)
    outside = world.data.parent / "elsewhere.ogg"  # a path outside the data dir is never deleted
    outside.write_bytes(b"not ours")
    with world.store.write() as db:
        db.execute("UPDATE source_files SET path = ? WHERE meeting_id = ?", [str(outside), stuck])
    world.file_of(stuck).unlink()
    report = world.service.apply_retention(ISSUED + dt.timedelta(days=91))
    assert [(r.meeting_id, r.what) for r in report.removed] == [(fine, RECORDING)]
    assert [(m, what) for m, what, _ in report.failed] == [(stuck, RECORDING)]
    assert outside.read_bytes() == b"not ours"


def test_a_file_already_gone_is_recorded_as_removed_with_zero_bytes(world: World) -> None:
    meeting_id = world.meeting("media")
    world.issue(meeting_id, done=True)
    source = world.meetings.source(meeting_id)
    assert source is not None and source.sha256 is not None
    world.file_of(meeting_id).unlink()
    next((world.data / "checkpoints").glob(f"{source.sha256}-*")).unlink()
    (removal,) = world.service.apply_retention(ISSUED + dt.timedelta(days=91)).removed
    assert (removal.what, removal.bytes) == (RECORDING, 0)


def test_forget_refuses_a_meeting_with_open_tasks_unless_forced(world: World) -> None:
    meeting_id = world.meeting("media")
    task_id = world.issue(meeting_id, done=False)
    with pytest.raises(InputError) as refused:
        world.service.forget_meeting(meeting_id, ADMIN)
    assert "còn 1 nhiệm vụ chưa hoàn thành" in refused.value.message
    assert world.file_of(meeting_id).exists() and world.meetings.text(meeting_id) == SPOKEN
    assert world.removals() == []

    report = world.service.forget_meeting(meeting_id, ADMIN, force=True)

    assert [r.what for r in report.removed] == [RECORDING, TRANSCRIPT, REVIEW]
    assert report.open_tasks == 1 and report.bytes_freed > 0
    assert not list((world.data / "files").glob(f"{meeting_id}.*"))
    assert not list((world.data / "checkpoints").iterdir())
    assert world.meetings.text(meeting_id) is None
    assert world.meetings.conclusions(meeting_id) == []
    (kept,) = world.meetings.items(meeting_id)  # the issued assignment stays, without its quote
    assert kept.task == "rà soát nguồn vốn" and kept.evidence == ""
    task = world.tasks.get(task_id)
    assert task is not None and task.state.value == "open"  # tracking goes on
    meeting = world.meetings.get(meeting_id)
    assert meeting is not None and meeting.state is MeetingState.ISSUED
    # The audit log keeps the record that it was removed, and by whom.
    log = entries(world.store.db, entity="meeting", entity_id=meeting_id)
    forget = [e for e in log if e["action"] == "meeting.forget"]
    assert len(forget) == 1 and forget[0]["actor"] == ADMIN
    assert forget[0]["detail"]["forced"] is True and forget[0]["detail"]["removed"] == [
        "recording",
        "transcript",
        "review",
    ]
    assert {e["detail"]["what"] for e in world.removals()} == {"recording", "transcript", "review"}
    assert all(e["detail"]["reason"] == "request" for e in world.removals())
    with pytest.raises(InputError, match="forgotten") as again:
        world.service.forget_meeting(meeting_id, ADMIN, force=True)
    assert "đã được xóa trước đó" in again.value.message
    assert world.service.apply_retention(ISSUED + dt.timedelta(days=3650)).removed == ()


def test_forget_a_meeting_under_review_cancels_it(world: World) -> None:
    meeting_id = world.meeting("document")
    world.meetings.add_item(meeting_id, actor=SECRETARY, lead="Sở Xây dựng", task="lập quy hoạch")
    report = world.service.forget_meeting(meeting_id, ADMIN)
    assert [r.what for r in report.removed] == [DOCUMENT, TRANSCRIPT, REVIEW]
    assert report.open_tasks == 0
    assert world.meetings.items(meeting_id) == []
    meeting = world.meetings.get(meeting_id)
    assert meeting is not None and meeting.state is MeetingState.CANCELLED


def test_forget_refuses_unknown_and_busy_meetings(world: World) -> None:
    with pytest.raises(InputError) as unknown:
        world.service.forget_meeting(999, ADMIN)
    assert unknown.value.message == "Không có cuộc họp số 999."
    queued, _ = world.meetings.create(created_by=SECRETARY, chat_id=SECRETARY, source_kind="text", update_id=77,
                                      text=SPOKEN)  # fmt: skip
    with pytest.raises(InputError) as busy:
        world.service.forget_meeting(queued.id, ADMIN, force=True)
    assert "đang được xử lý" in busy.value.message


def test_daily_maintenance_backs_up_then_applies_retention(world: World, tmp_path: Path) -> None:
    meeting_id = world.meeting("media")
    world.issue(meeting_id, done=True)
    world.clock.set(ISSUED + dt.timedelta(days=90))
    backups = BackupService(data_dir=world.data, clock=world.clock, backup_dir=tmp_path / "backups", keep=2)
    maintenance = MaintenanceService(backups=backups, retention=world.service)

    report = maintenance.run_daily()

    assert report.backup is not None and report.backup_error is None
    assert f"files/{meeting_id}.ogg" in {f.path for f in report.backup.manifest.files}  # backed up before removal
    assert [r.what for r in report.retention.removed] == [RECORDING]
    world.clock.advance(dt.timedelta(days=1))
    maintenance.run_daily()
    maintenance.run_daily()
    assert len(list_snapshots(tmp_path / "backups")) == 2


def test_daily_maintenance_without_a_backup_dir_applies_retention_only(world: World) -> None:
    maintenance = MaintenanceService(
        backups=BackupService(data_dir=world.data, clock=world.clock), retention=world.service
    )
    report = maintenance.run_daily()
    assert report.backup is None and report.backup_error is None and report.retention.removed == ()
