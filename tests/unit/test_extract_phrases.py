"""Table-driven extraction tests: one phrasing pattern of real notices per case.

Each case is a short text and the (lead, cooperating, deadline) the extractor must find.
They run the real pipeline (spaCy + pyvi + gazetteer + deadline resolver).
"""

from __future__ import annotations

from datetime import date

import pytest

from nlp.pipeline import Extractor

NOTICE = (
    "THÔNG BÁO\nKết luận của Phó Thủ tướng tại cuộc họp về đề án\n"
    "Ngày 07 tháng 10 năm 2024, tại trụ sở Chính phủ, Phó Thủ tướng Chính phủ Trần Hồng Hà chủ trì cuộc họp. "
    "Phó Thủ tướng kết luận như sau:\n{body}\nNơi nhận:\n- Như trên;\n- Lưu: VT, NN.\n"
)

CASES = [
    (
        "giao-chu-tri-phoi-hop",
        "1. Giao Bộ Tài chính chủ trì, phối hợp với Bộ Tư pháp hoàn thiện dự thảo Đề án, trình Thủ tướng "
        "Chính phủ trước ngày 20 tháng 10 năm 2024.",
        [("Bộ Tài chính", ["Bộ Tư pháp"], date(2024, 10, 20))],
    ),
    (
        "subject-chu-tri",
        "1. Bộ Xây dựng chủ trì, phối hợp với Bộ Công an rà soát các quy chuẩn kỹ thuật trong tháng 12/2024.",
        [("Bộ Xây dựng", ["Bộ Công an"], date(2024, 12, 31))],
    ),
    (
        "yeu-cau",
        "1. Yêu cầu Ủy ban nhân dân tỉnh Thanh Hóa khẩn trương báo cáo Thủ tướng Chính phủ trong quý I/2025.",
        [("Ủy ban nhân dân tỉnh Thanh Hóa", [], date(2025, 3, 31))],
    ),
    (
        "de-nghi",
        "1. Đề nghị Ban Tổ chức Trung ương có ý kiến về đề án trước ngày 15/11/2024.",
        [("Ban Tổ chức Trung ương", [], date(2024, 11, 15))],
    ),
    (
        "co-trach-nhiem",
        "1. Bộ Nội vụ có trách nhiệm hướng dẫn các địa phương sắp xếp bộ máy.",
        [("Bộ Nội vụ", [], None)],
    ),
    (
        "khan-truong",
        "1. Bộ Nông nghiệp và Môi trường khẩn trương có văn bản gửi Bộ Tài chính.",
        [("Bộ Nông nghiệp và Môi trường", [], None)],
    ),
    (
        "headed-section-doi-voi",
        "1. Đối với Bộ Tài chính:\na) Hoàn thiện dự thảo Nghị định trong tháng 11/2024.\n"
        "b) Tổng hợp ý kiến các bộ, báo cáo Thủ tướng.",
        [("Bộ Tài chính", [], date(2024, 11, 30)), ("Bộ Tài chính", [], None)],
    ),
    (
        "headed-section-giao",
        "2. Giao Bộ Xây dựng:\na) Rà soát quy hoạch mạng lưới đường sắt.\nb) Hướng dẫn chủ đầu tư thủ tục đầu tư.",
        [("Bộ Xây dựng", [], None), ("Bộ Xây dựng", [], None)],
    ),
    (
        "inline-agency-heading",
        "1. Văn phòng Sở: Tiếp tục đôn đốc các phòng hoàn thành báo cáo số liệu trước ngày 15 hằng tháng; rà soát "
        "thiết bị phòng họp.\n2. Phòng Kế hoạch - Tài chính: Khẩn trương hoàn thiện hồ sơ dự toán, trình Giám đốc Sở "
        "trước ngày 30/10/2024.",
        [("Văn phòng Sở", [], None), ("Phòng Kế hoạch - Tài chính", [], date(2024, 10, 30))],
    ),
    (
        "one-sentence-several-agencies",
        "3. Bộ Xây dựng chủ trì xây dựng tiêu chuẩn trước ngày 20/12/2024; Bộ Khoa học và Công nghệ thẩm định, "
        "công bố tiêu chuẩn trước ngày 10/01/2025.",
        [("Bộ Xây dựng", [], date(2024, 12, 20)), ("Bộ Khoa học và Công nghệ", [], date(2025, 1, 10))],
    ),
    (
        "title-before-agency",
        "1. Giao đồng chí Bộ trưởng Bộ Xây dựng chỉ đạo hoàn thành dự án trong năm 2025.",
        [("đồng chí Bộ trưởng Bộ Xây dựng", [], date(2025, 12, 31))],
    ),
    (
        "old-ministry-name",
        "1. Giao Bộ Kế hoạch và Đầu tư chủ trì tổng hợp, báo cáo Chính phủ.",
        [("Bộ Kế hoạch và Đầu tư", [], None)],
    ),
    (
        "enumerated-joint-agencies",
        "1. Đề nghị các Tập đoàn: Bưu chính Viễn thông Việt Nam, Công nghiệp - Viễn thông Quân đội triển khai "
        "phủ sóng, hoàn thành trong tháng 12 năm 2024.",
        [("Bưu chính Viễn thông Việt Nam", ["Công nghiệp - Viễn thông Quân đội"], date(2024, 12, 31))],
    ),
]


@pytest.mark.parametrize(("name", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_phrasing(
    extractor: Extractor, name: str, body: str, expected: list[tuple[str, list[str], date | None]]
) -> None:
    text = NOTICE.format(body=body)
    result = extractor.extract(text)
    got = [(a.lead, list(a.cooperating), a.deadline) for a in result.assignments]
    assert got == expected
    for a in result.assignments:
        assert text[a.start : a.end] == a.evidence
        assert a.task


def test_old_ministry_resolves_to_new(extractor: Extractor) -> None:
    text = NOTICE.format(body="1. Giao Bộ Giao thông vận tải chủ trì rà soát dự án.")
    (a,) = extractor.extract(text).assignments
    assert a.lead == "Bộ Giao thông vận tải"
    assert a.lead_canonical == "Bộ Xây dựng"


def test_news_style(extractor: Extractor) -> None:
    text = (
        "# TP.HCM gỡ vướng về bồi thường\n\nChiều 2/8, UBND thành phố họp về giải phóng mặt bằng. "
        "Chủ tịch UBND thành phố yêu cầu Sở Xây dựng khẩn trương làm việc với Bộ Xây dựng, "
        "báo cáo UBND thành phố trước ngày 20/9. Sở Tài chính chủ trì, tham mưu bố trí kinh phí.\n"
        "Các sở, ngành đã triển khai nhiều giải pháp.\n\nGiờ đăng: 03/08/2025 10:00\n"
    )
    result = extractor.extract(text)
    assert result.meeting.date == date(2025, 8, 2)
    leads = [(a.lead, a.deadline) for a in result.assignments]
    assert leads == [("Sở Xây dựng", date(2025, 9, 20)), ("Sở Tài chính", None)]


def test_reported_past_assignments_are_not_tasks(extractor: Extractor) -> None:
    body = (
        "1. Thời gian qua, Bộ Tài chính đã nghiêm túc thực hiện ý kiến chỉ đạo. Nghị định số 06/2022/NĐ-CP giao "
        "Bộ Tài chính chủ trì thành lập thị trường. UBND thành phố đã giao cho Sở Nội vụ chủ trì xây dựng đề án."
    )
    assert NOTICE and extractor.extract(NOTICE.format(body=body)).assignments == ()


@pytest.mark.parametrize(
    ("header", "number"),
    [("Số: 467/TB-VPCP", "467/TB-VPCP"), ("Số 212-TB/TU", "212-TB/TU"), ("Số: 1022-CV/TU", "1022-CV/TU")],
)
def test_state_and_party_numbering(extractor: Extractor, header: str, number: str) -> None:
    text = f"VĂN PHÒNG CHÍNH PHỦ\n{header}\nHà Nội, ngày 14 tháng 10 năm 2024\n" + NOTICE.format(
        body="1. Giao Bộ Tư pháp thẩm định dự thảo."
    )
    result = extractor.extract(text)
    assert result.meeting.document_number == number
    assert result.meeting.document_date == date(2024, 10, 14)
    assert [a.lead for a in result.assignments] == ["Bộ Tư pháp"]


def test_meeting_metadata(extractor: Extractor) -> None:
    result = extractor.extract(NOTICE.format(body="1. Giao Bộ Tư pháp thẩm định dự thảo."))
    m = result.meeting
    assert m.date == date(2024, 10, 7)
    assert m.chair == "Phó Thủ tướng Chính phủ Trần Hồng Hà"
    assert m.location == "trụ sở Chính phủ"
    assert m.title == "Kết luận của Phó Thủ tướng tại cuộc họp về đề án"
    assert [c.text for c in result.conclusions] == ["Giao Bộ Tư pháp thẩm định dự thảo."]


def test_notice_without_intro_phrase(extractor: Extractor) -> None:
    text = (
        "VĂN PHÒNG CHÍNH PHỦ\nSố: 120/TB-VPCP\nHà Nội, ngày 10 tháng 3 năm 2026\nTHÔNG BÁO\n"
        "Ý kiến của Phó Thủ tướng Chính phủ về việc đẩy nhanh tiến độ dự án\n"
        "Xét báo cáo của Bộ Xây dựng, Phó Thủ tướng Chính phủ có ý kiến:\n"
        "1. Bộ Xây dựng chủ trì, phối hợp với Bộ Tài chính hoàn thiện hồ sơ, báo cáo Thủ tướng Chính phủ "
        "trước ngày 30 tháng 3 năm 2026.\n"
        "2. Ủy ban nhân dân tỉnh Lạng Sơn khẩn trương hoàn thành giải phóng mặt bằng trong quý II năm 2026.\n"
        "Văn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./.\n"
    )
    got = [(a.lead, list(a.cooperating), a.deadline) for a in extractor.extract(text).assignments]
    assert got == [
        ("Bộ Xây dựng", ["Bộ Tài chính"], date(2026, 3, 30)),
        ("Ủy ban nhân dân tỉnh Lạng Sơn", [], date(2026, 6, 30)),
    ]


def test_the_requester_is_not_the_lead(extractor: Extractor) -> None:
    body = (
        "1. Ủy ban nhân dân thành phố Hà Nội đề nghị các cơ quan, đơn vị của Trung ương treo cờ Tổ quốc.\n"
        "2. Ủy ban nhân dân tỉnh Thanh Hóa đề nghị Chính phủ xem xét hỗ trợ kinh phí."
    )
    assert extractor.extract(NOTICE.format(body=body)).assignments == ()
