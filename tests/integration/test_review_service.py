"""Processing a typed note, reviewing its assignments and exporting the draft, on a real SQLite file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from core.clock import FixedClock
from core.domain import DraftOptions
from core.errors import InputError
from core.records import ItemStatus, MeetingState
from core.services.drafting import DraftService
from core.services.extraction import ExtractionService
from core.services.intake import IntakeService, ProcessingService, Stage, WorkStatus
from core.services.review import ReviewService
from storage.db import open_database
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository
from storage.workqueue import WorkQueue

NOTE = (Path(__file__).resolve().parents[1] / "data" / "provincial_notice.txt").read_text(encoding="utf-8")
SECRETARY = 100


def _no_speech():
    raise AssertionError("typed notes must not load the speech model")


HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 6, 12, 3, 0, tzinfo=dt.UTC))


@pytest.fixture
def world(tmp_path: Path, extractor, clock: FixedClock):
    store = open_database(tmp_path / "k.db")
    meetings, people, queue = MeetingRepository(store, clock), PeopleRepository(store, clock), WorkQueue(store, clock)
    extraction = ExtractionService(extractor=extractor, max_input_bytes=1_000_000)
    intake = IntakeService(meetings=meetings, queue=queue, max_download_bytes=20 << 20, max_input_bytes=1_000_000)
    processing = ProcessingService(
        meetings=meetings,
        queue=queue,
        extraction=extraction,
        transcription=_no_speech,
        files_dir=tmp_path / "files",
        max_input_bytes=1_000_000,
        timezone=HANOI,
    )
    drafts = DraftService(extraction, DraftOptions(issuer="Văn phòng UBND tỉnh", code="VP"), clock, HANOI)
    review = ReviewService(
        meetings=meetings, people=people, matcher=extractor, drafts=drafts, pdf_available=False, timezone=HANOI
    )
    yield intake, processing, review
    store.close()


def _processed(intake: IntakeService, processing: ProcessingService, text: str = NOTE) -> int:
    submission = intake.submit_text(user_id=SECRETARY, chat_id=SECRETARY, update_id=1, text=text)
    job = processing.next_job()
    assert job is not None and job.meeting_id == submission.meeting.id
    stages: list[str] = []
    result = processing.process(job.meeting_id, report=lambda s: stages.append(s.stage))
    processing.finish(job, result)
    assert result == WorkStatus(job.meeting_id, Stage.READY)
    assert stages == [Stage.EXTRACTING]
    return job.meeting_id


def test_typed_note_is_processed_into_review_items(world) -> None:
    intake, processing, review = world
    meeting_id = _processed(intake, processing)
    meeting = review.meetings.get(meeting_id)
    assert meeting is not None and meeting.state is MeetingState.REVIEW
    assert meeting.meeting_date == dt.date(2026, 6, 9)
    items = review.meetings.items(meeting_id)
    assert len(items) >= 4
    assert all(item.status is ItemStatus.PROPOSED for item in items)
    assert any(item.lead == "Sở Công Thương" and item.deadline == dt.date(2026, 12, 31) for item in items)
    assert all(item.evidence and item.evidence in NOTE for item in items)


def test_edits_reuse_the_agency_matcher_and_deadline_resolver(world) -> None:
    intake, processing, review = world
    meeting_id = _processed(intake, processing)
    item = review.meetings.items(meeting_id)[0]
    review.ask(SECRETARY, kind="item", target_id=item.id, field="lead")
    result = review.answer(SECRETARY, "sở tài chính")
    assert result is not None and result.item is not None
    assert result.item.lead == "Sở Tài chính" and not result.unknown_agencies

    review.ask(SECRETARY, kind="item", target_id=item.id, field="deadline")
    result = review.answer(SECRETARY, "trước ngày 15/7")
    assert result is not None and result.item is not None and result.item.deadline == dt.date(2026, 7, 15)

    review.ask(SECRETARY, kind="item", target_id=item.id, field="deadline")
    with pytest.raises(InputError) as bad:
        review.answer(SECRETARY, "sớm nhất có thể")
    assert "Không hiểu thời hạn" in bad.value.message
    result = review.answer(SECRETARY, "30/9/2026")  # the question is asked again after a bad reply
    assert result is not None and result.item is not None and result.item.deadline == dt.date(2026, 9, 30)

    review.ask(SECRETARY, kind="item", target_id=item.id, field="cooperating")
    result = review.answer(SECRETARY, "Sở Xây dựng, Ban Quản lý dự án Cụm công nghiệp Bắc Hà")
    assert result is not None and result.item is not None
    assert result.item.cooperating[0] == "Sở Xây dựng"
    assert [m.name for m in result.unknown_agencies] == ["Ban Quản lý dự án Cụm công nghiệp Bắc Hà"]
    assert review.answer(SECRETARY, "anything") is None  # nothing asked any more


def test_added_assignment_and_meeting_edit(world) -> None:
    intake, processing, review = world
    meeting_id = _processed(intake, processing)
    before = len(review.meetings.items(meeting_id))
    review.ask(SECRETARY, kind="add", target_id=meeting_id)
    result = review.answer(
        SECRETARY,
        "Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính rà soát trang thiết bị, hoàn thành trước ngày 30/8/2026.",
    )
    assert result is not None and result.item is not None
    assert result.item.lead == "Sở Y tế" and result.item.cooperating == ("Sở Tài chính",)
    assert result.item.deadline == dt.date(2026, 8, 30) and result.item.status is ItemStatus.CONFIRMED
    assert len(review.meetings.items(meeting_id)) == before + 1

    review.ask(SECRETARY, kind="add", target_id=meeting_id)  # shorthand: no "Giao", no year
    result = review.answer(SECRETARY, "Sở Nội vụ rà soát biên chế, xong trước 15/9.")
    assert result is not None and result.item is not None
    assert (result.item.lead, result.item.task, result.item.deadline) == (
        "Sở Nội vụ",
        "Rà soát biên chế",
        dt.date(2026, 9, 15),
    )

    review.ask(SECRETARY, kind="meeting", target_id=meeting_id, field="meeting_date")
    result = review.answer(SECRETARY, "10/6/2026")
    assert result is not None and result.meeting is not None and result.meeting.meeting_date == dt.date(2026, 6, 10)


def test_typed_shorthand_note_reads_dates_against_the_local_day_received(world, clock: FixedClock) -> None:
    intake, processing, review = world
    clock.set(dt.datetime(2026, 6, 11, 23, 30, tzinfo=dt.UTC))  # 06:30 on 12 June in Hà Nội
    note = (
        "Sáng 12/6, Chủ tịch UBND tỉnh chủ trì họp giao ban.\n"
        "Kết luận cuộc họp:\n"
        "- Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát dự toán, hoàn thành trước ngày 30/6.\n"
        "- Sở Y tế báo cáo tình hình dịch bệnh trong tháng 7."
    )
    meeting_id = _processed(intake, processing, note)
    meeting = review.meetings.get(meeting_id)
    assert meeting is not None and meeting.meeting_date == dt.date(2026, 6, 12)  # not 12/6/2025
    items = review.meetings.items(meeting_id)
    assert [(i.lead, i.cooperating, i.deadline) for i in items] == [
        ("Sở Tài chính", ("Sở Xây dựng",), dt.date(2026, 6, 30)),
        ("Sở Y tế", (), dt.date(2026, 7, 31)),
    ]


def test_export_holds_only_confirmed_assignments(world, tmp_path: Path) -> None:
    intake, processing, review = world
    meeting_id = _processed(intake, processing)
    items = review.meetings.items(meeting_id)
    for item, task in ((items[0], "kiểm tra mốc xác nhận thứ nhất"), (items[1], "kiểm tra mốc bị bỏ thứ hai")):
        review.ask(SECRETARY, kind="item", target_id=item.id, field="task")
        review.answer(SECRETARY, task)
    review.set_status(items[0].id, ItemStatus.CONFIRMED, actor=SECRETARY)
    review.set_status(items[1].id, ItemStatus.DROPPED, actor=SECRETARY)
    files = review.export(meeting_id, tmp_path / "out")
    assert [f.suffix for f in files] == [".docx"]
    body = "\n".join(p.text for p in Document(str(files[0])).paragraphs)
    assert "kiểm tra mốc xác nhận thứ nhất" in body
    assert "kiểm tra mốc bị bỏ thứ hai" not in body


def test_unknown_file_kinds_and_oversized_files_are_refused_before_download(world) -> None:
    from core.records import SourceFile

    intake, *_ = world
    with pytest.raises(InputError) as kind:
        intake.submit_file(user_id=1, chat_id=1, update_id=5, source=SourceFile("F", "bang.xlsx", None, 10))
    assert "Không đọc được tệp bang.xlsx" in kind.value.message
    with pytest.raises(InputError) as size:
        intake.submit_file(user_id=1, chat_id=1, update_id=6, source=SourceFile("F", "hop.m4a", "audio/mp4", 30 << 20))
    assert "vượt giới hạn" in size.value.message and "máy chủ Bot API riêng" in size.value.message
    with pytest.raises(InputError) as short:
        intake.submit_text(user_id=1, chat_id=1, update_id=7, text="xin chào")
    assert "quá ngắn" in short.value.message
    assert intake.queue.jobs() == []  # nothing refused was queued
