"""Notes typed by a secretary: no header, yearless dates, a "Kết luận …:" line, one-line assignments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.records import Meeting, MeetingState
from nlp.pipeline import Extractor

RECEIVED = dt.date(2026, 12, 4)

NOTE = (
    "Chiều 3/12, đồng chí Chủ tịch UBND tỉnh chủ trì họp giao ban.\n"
    "Kết luận cuộc họp của Chủ tịch UBND tỉnh:\n"
    "1. Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát dự toán, hoàn thành trước ngày 15/12.\n"
    "2. Giao Sở Y tế kiểm tra an toàn thực phẩm dịp Tết, báo cáo trong tháng 12.\n"
    "3. Sở Nội vụ tham mưu phương án sắp xếp bộ máy, xong trước 10/1."
)


def test_yearless_dates_read_against_the_day_received(extractor: Extractor) -> None:
    result = extractor.extract(NOTE, received=RECEIVED)
    assert result.meeting.date == dt.date(2026, 12, 3)
    assert result.meeting.document_date is None  # the day received is not presented as the document's date
    got = [(a.lead, a.cooperating, a.deadline) for a in result.assignments]
    assert got == [
        ("Sở Tài chính", ("Sở Xây dựng",), dt.date(2026, 12, 15)),
        ("Sở Y tế", (), dt.date(2026, 12, 31)),
        ("Sở Nội vụ", (), dt.date(2027, 1, 10)),  # after the meeting: next year
    ]


def test_without_the_day_received_yearless_dates_stay_unknown(extractor: Extractor) -> None:
    result = extractor.extract(NOTE)
    assert result.meeting.date is None
    assert [a.deadline for a in result.assignments] == [None, None, None]


def test_a_meeting_late_in_december_received_in_january(extractor: Extractor) -> None:
    result = extractor.extract(NOTE.replace("Chiều 3/12", "Chiều 30/12"), received=dt.date(2027, 1, 2))
    assert result.meeting.date == dt.date(2026, 12, 30)
    assert result.assignments[2].deadline == dt.date(2027, 1, 10)  # "xong trước 10/1" after 30/12/2026


def test_the_document_date_wins_over_the_day_received(extractor: Extractor) -> None:
    text = "Hà Nội, ngày 20 tháng 11 năm 2025\n" + NOTE
    result = extractor.extract(text, received=RECEIVED)
    assert result.meeting.document_date == dt.date(2025, 11, 20)
    assert result.meeting.date == dt.date(2024, 12, 3)  # yearless 3/12 is before the document, not after
    assert result.assignments[0].deadline == dt.date(2024, 12, 15)


@pytest.mark.parametrize(
    "sentence",
    [
        "Giao Sở Y tế chủ trì, hoàn thành trước ngày 15/12/2026.",
        "Sở Tài chính chủ trì họp các sở, xong trước ngày 15/12/2026.",
        "Các sở họp thống nhất, chậm nhất ngày 15/12/2026 báo cáo.",
    ],
)
def test_a_deadline_is_not_taken_for_the_meeting_date(extractor: Extractor, sentence: str) -> None:
    assert extractor.extract(sentence).meeting.date is None


def test_a_meeting_date_opening_its_sentence_is_found(extractor: Extractor) -> None:
    text = "Sáng ngày 9/7/2026, Chủ tịch UBND tỉnh chủ trì cuộc họp. Giao Sở Y tế hoàn thành trước ngày 15/12/2026."
    assert extractor.extract(text).meeting.date == dt.date(2026, 7, 9)


@pytest.mark.parametrize(
    ("sentence", "lead", "cooperating", "task", "deadline"),
    [
        (
            "Sở Tài chính rà soát dự toán, xong trước 15/12.",
            "Sở Tài chính",
            (),
            "Rà soát dự toán",
            dt.date(2026, 12, 15),
        ),
        (
            "Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát dự toán, hoàn thành trước ngày 15/12/2026",
            "Sở Tài chính",
            ("Sở Xây dựng",),
            "Rà soát dự toán",
            dt.date(2026, 12, 15),
        ),
        ("Giao Sở Y tế kiểm tra an toàn thực phẩm", "Sở Y tế", (), "Kiểm tra an toàn thực phẩm", None),
    ],
)
def test_one_assignment_typed_on_its_own(
    extractor: Extractor, sentence: str, lead: str, cooperating: tuple[str, ...], task: str, deadline: dt.date | None
) -> None:
    result = extractor.extract(sentence, received=RECEIVED, directives=True)
    assert [(a.lead, a.cooperating, a.task, a.deadline) for a in result.assignments] == [
        (lead, cooperating, task, deadline)
    ]


def test_a_typed_sentence_without_an_agency_is_not_an_assignment(extractor: Extractor) -> None:
    assert extractor.extract("rà soát dự toán trước 15/12", received=RECEIVED, directives=True).assignments == ()


@pytest.mark.parametrize(
    ("created", "local_day"),
    [
        (dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC), dt.date(2026, 12, 4)),  # 06:30 in Hà Nội
        (dt.datetime(2026, 12, 4, 16, 59, tzinfo=dt.UTC), dt.date(2026, 12, 4)),  # 23:59
    ],
)
def test_the_day_received_is_a_local_day(created: dt.datetime, local_day: dt.date) -> None:
    meeting = Meeting(id=1, created_by=1, chat_id=1, created_at=created, state=MeetingState.REVIEW, source_kind="text")
    assert meeting.received_on(ZoneInfo("Asia/Ho_Chi_Minh")) == local_day


def test_a_cited_conclusion_does_not_head_the_directives(extractor: Extractor) -> None:
    text = (
        "Chiều 3/12, Chủ tịch UBND tỉnh chủ trì họp.\n"
        "Kết luận số 137-KL/TW của Bộ Chính trị nêu rõ:\n"
        "- Sở Tài chính rà soát dự toán, xong trước 15/12."
    )
    assert extractor.extract(text, received=RECEIVED).assignments == ()
    headed = text.replace("Kết luận số 137-KL/TW của Bộ Chính trị nêu rõ:", "Kết luận của Chủ tịch UBND tỉnh:")
    assert [a.lead for a in extractor.extract(headed, received=RECEIVED).assignments] == ["Sở Tài chính"]
