"""Composing a draft notice from an extraction: Decree 30 conventions, grouping, no invented values."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain import Assignment, Conclusion, DraftOptions, Extraction, MeetingInfo
from nlp.compose import (
    GAP,
    body_items,
    compose_announcement,
    nd30_date,
    number_line,
    place_date_line,
    recipients,
    summary_line,
)

TODAY = date(2026, 11, 22)


def _assignment(lead: str, task: str, *, start: int, canonical: str | None = None, **kw: object) -> Assignment:
    values: dict[str, object] = {
        "lead": lead, "lead_canonical": canonical or lead, "cooperating": (), "task": task, "deadline": None,
        "deadline_text": None, "recurrence": None, "evidence": task, "start": start, "end": start + len(task),
    }  # fmt: skip
    values.update(kw)
    return Assignment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2020, 3, 5), "ngày 05 tháng 3 năm 2020"),
        (date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
        (date(2024, 10, 14), "ngày 14 tháng 10 năm 2024"),
        (date(2024, 2, 29), "ngày 29 tháng 02 năm 2024"),
        (date(2024, 7, 16), "ngày 16 tháng 7 năm 2024"),
        (date(2026, 12, 9), "ngày 09 tháng 12 năm 2026"),
    ],
)
def test_nd30_leading_zero_rules(d: date, expected: str) -> None:
    assert nd30_date(d) == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (DraftOptions(code="VPCP"), "Số: …/TB-VPCP"),
        (DraftOptions(code="VPCP", number="467"), "Số: 467/TB-VPCP"),
        (DraftOptions(code="VP", number="5"), "Số: 05/TB-VP"),
        (DraftOptions(), f"Số: {GAP}/TB-{GAP}"),
    ],
)
def test_number_line(options: DraftOptions, expected: str) -> None:
    assert number_line(options) == expected


def test_place_date_line_before_and_after_issue() -> None:
    assert place_date_line(DraftOptions(place="Hà Nội"), TODAY) == "Hà Nội, ngày … tháng … năm 2026"
    issued = DraftOptions(place="Lào Cai", issue_date=date(2026, 2, 3))
    assert place_date_line(issued, TODAY) == "Lào Cai, ngày 03 tháng 02 năm 2026"
    assert place_date_line(DraftOptions(), TODAY).startswith("…, ngày")


def test_summary_from_title_and_chair() -> None:
    meeting = MeetingInfo(
        chair="Phó Thủ tướng Chính phủ Trần Hồng Hà", title="về việc hoàn thiện Đề án thị trường các-bon"
    )
    assert summary_line(Extraction(meeting=meeting)) == (
        "Kết luận của Phó Thủ tướng Chính phủ Trần Hồng Hà tại cuộc họp về việc hoàn thiện Đề án thị trường các-bon"
    )
    upper = MeetingInfo(
        chair="Thủ tướng Chính phủ Phạm Minh Chính", title="KẾT LUẬN CỦA THỦ TƯỚNG CHÍNH PHỦ PHẠM MINH CHÍNH"
    )
    assert summary_line(Extraction(meeting=upper)) == "Kết luận của Thủ tướng Chính phủ Phạm Minh Chính"
    assert summary_line(Extraction(meeting=MeetingInfo())) == "Kết luận của … tại cuộc họp về …"


def test_unknown_values_are_gaps_not_inventions() -> None:
    a = compose_announcement(Extraction(meeting=MeetingInfo()), DraftOptions(), today=TODAY)
    assert a.issuer == GAP
    assert a.signature.title == GAP
    assert a.signature.name == GAP
    assert a.signature.authority is None
    assert a.opening.startswith("Ngày … tháng … năm …, tại …, … đã chủ trì cuộc họp về …")
    assert a.archive == "Lưu: VT, …"
    assert a.items == ()
    assert a.recipients == ()


def test_body_groups_tasks_of_one_agency_under_one_conclusion() -> None:
    text_conclusions = (
        Conclusion("1. Ghi nhận nỗ lực của các sở.", 0, 30),
        Conclusion("2. Sở Công Thương: …", 31, 200),
        Conclusion("3. Sở Tài chính …", 201, 300),
    )
    tasks = (
        _assignment("Sở Công Thương", "Rà soát các cụm công nghiệp", start=40, deadline_text="trước ngày 31/12/2026",
                    cooperating=("Sở Xây dựng",)),
        _assignment("Sở Công Thương", "Định kỳ hằng quý báo cáo tình hình", start=120, recurrence="hằng quý"),
        _assignment("Sở Tài chính", "Bố trí kinh phí", start=210, deadline=date(2026, 9, 30)),
    )  # fmt: skip
    items = body_items(Extraction(meeting=MeetingInfo(), conclusions=text_conclusions, assignments=tasks))
    assert [(i.marker, i.text, i.level, i.heading) for i in items] == [
        ("1.", "Ghi nhận nỗ lực của các sở.", 0, False),
        ("2.", "Giao Sở Công Thương:", 0, True),
        ("a)", "Chủ trì, phối hợp với Sở Xây dựng rà soát các cụm công nghiệp, hoàn thành trước ngày 31/12/2026.", 1,
         False),
        ("b)", "Định kỳ hằng quý báo cáo tình hình.", 1, False),
        ("3.", "Giao Sở Tài chính bố trí kinh phí, hoàn thành trước ngày 30/09/2026.", 0, False),
    ]  # fmt: skip


def test_recipients_chair_first_then_agencies_once() -> None:
    meeting = MeetingInfo(chair="ông Nguyễn Văn A, Chủ tịch UBND tỉnh")
    tasks = (
        _assignment("Bộ Kế hoạch và Đầu tư", "Tổng hợp", start=0, canonical="Bộ Tài chính",
                    cooperating=("Bộ Tư pháp", "các cơ quan liên quan")),
        _assignment("Bộ Tài chính", "Báo cáo", start=50),
        _assignment("các địa phương", "Triển khai", start=90, canonical=None),
    )  # fmt: skip
    assert recipients(Extraction(meeting=meeting, assignments=tasks)) == (
        "Nguyễn Văn A, Chủ tịch UBND tỉnh (để b/c)",
        "Bộ Tài chính",
        "Bộ Tư pháp",
        "Các địa phương",
    )


def test_options_fill_the_header_and_signature() -> None:
    options = DraftOptions(
        issuer="Văn phòng Chính phủ", code="VPCP", number="467", place="Hà Nội", issue_date=date(2024, 10, 14),
        signer_authority="KT. BỘ TRƯỞNG, CHỦ NHIỆM", signer_title="PHÓ CHỦ NHIỆM", signer_name="Nguyễn Sỹ Hiệp",
        drafter_unit="NN",
    )  # fmt: skip
    a = compose_announcement(Extraction(meeting=MeetingInfo(chair="Phó Thủ tướng Trần Hồng Hà")), options, today=TODAY)
    assert (a.number, a.place_date) == ("Số: 467/TB-VPCP", "Hà Nội, ngày 14 tháng 10 năm 2024")
    assert a.closing == "Văn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./."
    assert a.archive == "Lưu: VT, NN."
    assert (a.signature.authority, a.signature.title, a.signature.name) == (
        "KT. BỘ TRƯỞNG, CHỦ NHIỆM", "PHÓ CHỦ NHIỆM", "Nguyễn Sỹ Hiệp",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lead", "evidence", "verb"),
    [
        ("Bộ Tài chính", "Bộ Tài chính chủ trì …", "Giao"),
        ("Sở Nội vụ", "yêu cầu Sở Nội vụ khẩn trương …", "Yêu cầu"),
        ("Thường trực Tỉnh ủy", "1. Đổi mới tư duy …", "Đề nghị"),
        ("Tập đoàn Điện lực Việt Nam", "Tập đoàn Điện lực Việt Nam báo cáo …", "Đề nghị"),
        ("Bộ Xây dựng", "đề nghị Bộ Xây dựng hướng dẫn …", "Đề nghị"),
    ],
)
def test_directive_verb(lead: str, evidence: str, verb: str) -> None:
    from nlp.compose import directive_verb

    assert directive_verb(_assignment(lead, "x", start=0, evidence=evidence)) == verb


def test_consecutive_tasks_of_one_lead_form_one_item_across_conclusions() -> None:
    conclusions = (Conclusion("1. Đổi mới tư duy", 0, 20), Conclusion("2. Chăm lo đời sống", 21, 40))
    tasks = (
        _assignment("Thường trực Tỉnh ủy", "Đổi mới tư duy", start=3),
        _assignment("Thường trực Tỉnh ủy", "Chăm lo đời sống Nhân dân", start=24),
    )
    items = body_items(Extraction(meeting=MeetingInfo(), conclusions=conclusions, assignments=tasks))
    assert [(i.marker, i.text) for i in items] == [
        ("1.", "Đề nghị Thường trực Tỉnh ủy:"),
        ("a)", "Đổi mới tư duy."),
        ("b)", "Chăm lo đời sống Nhân dân."),
    ]


@pytest.mark.parametrize(
    ("phrase", "due", "printed"),
    [
        ("trước ngày 20/9", date(2025, 9, 20), "hoàn thành trước ngày 20/9/2025"),
        ("trong tháng 12", date(2025, 12, 31), "hoàn thành trong tháng 12 năm 2025"),
        ("hoàn thành trong Quý I năm 2026", date(2026, 3, 31), "hoàn thành trong Quý I năm 2026"),
        ("trước Kỳ họp thứ 10", None, "hoàn thành trước Kỳ họp thứ 10"),
    ],
)
def test_deadline_phrases_carry_their_year(phrase: str, due: date | None, printed: str) -> None:
    a = _assignment("Sở Xây dựng", "Báo cáo", start=0, deadline_text=phrase, deadline=due)
    assert (
        body_items(Extraction(meeting=MeetingInfo(), assignments=(a,)))[0].text
        == f"Giao Sở Xây dựng báo cáo, {printed}."
    )
