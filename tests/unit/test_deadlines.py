"""Deadline phrases: finding, resolving, and the phrases that are not deadlines."""

from __future__ import annotations

import time
from calendar import monthrange
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import Recurrence
from nlp.deadlines import (
    _MASTER,
    DeadlineMatch,
    _master_matches,
    find_deadlines,
    parse_date,
    resolve_deadline,
)
from nlp.workdays import WorkCalendar

CAL = WorkCalendar.default()

NOV8 = date(2025, 11, 8)  # a Saturday
NOV12 = date(2025, 11, 12)  # a Wednesday


def dated(text: str, reference: date | None) -> list[DeadlineMatch]:
    return [m for m in find_deadlines(text, reference=reference, calendar=CAL) if m.due is not None]


def only(text: str, reference: date | None) -> DeadlineMatch:
    found = find_deadlines(text, reference=reference, calendar=CAL)
    assert len(found) == 1, found
    return found[0]


# --- absolute dates and periods ----------------------------------------------------------------

ABSOLUTE = [
    # (sentence, reference, phrase found, due, kind) -- phrasings from domain.md §3.3 and the corpus
    (
        "trình Thủ tướng Chính phủ xem xét, quyết định trước ngày 20 tháng 10 năm 2024. Trong đó chú ý",
        date(2024, 10, 7),
        "trước ngày 20 tháng 10 năm 2024",
        date(2024, 10, 20),
        "date",
    ),
    (
        "báo cáo Chính phủ, Thủ tướng Chính phủ trong tháng 12 năm 2025.",
        NOV8,
        "trong tháng 12 năm 2025",
        date(2025, 12, 31),
        "period",
    ),
    (
        "khẩn trương rà soát, sớm bàn giao trong năm 2025 dự án",
        NOV8,
        "trong năm 2025",
        date(2025, 12, 31),
        "period",
    ),
    (
        "báo cáo kết quả thực hiện trong Quý I năm 2026.",
        NOV8,
        "trong Quý I năm 2026",
        date(2026, 3, 31),
        "period",
    ),
    (
        "tổ chức triển khai thực hiện theo quy định, hoàn thành trong tháng 12 năm 2025; Bộ Khoa học",
        NOV8,
        "hoàn thành trong tháng 12 năm 2025",
        date(2025, 12, 31),
        "period",
    ),
    (
        "quy chuẩn kỹ thuật liên quan trước ngày 20/7/2025; Bộ",
        date(2025, 7, 9),
        "trước ngày 20/7/2025",
        date(2025, 7, 20),
        "date",
    ),
    (
        "vào dịp 19/8/2025 để hoàn thành chậm nhất vào cuối năm 2026.",
        date(2025, 7, 9),
        "hoàn thành chậm nhất vào cuối năm 2026",
        date(2026, 12, 31),
        "period",
    ),
    (
        "báo cáo UBND thành phố trước ngày 20/9.",
        date(2025, 9, 18),
        "trước ngày 20/9",
        date(2025, 9, 20),
        "date",
    ),
    (
        "hoàn thành đưa dự án vào vận hành trong năm 2027, đảm bảo",
        NOV8,
        "trong năm 2027",
        date(2027, 12, 31),
        "period",
    ),
    (
        "gửi Sở Công Thương thẩm định, hoàn thành trước ngày 30/7/2026.",
        NOV8,
        "hoàn thành trước ngày 30/7/2026",
        date(2026, 7, 30),
        "date",
    ),
    ("nộp hồ sơ trước 17h00 ngày 25/9/2026.", NOV8, "trước 17h00 ngày 25/9/2026", date(2026, 9, 25), "date"),
    (
        "nộp trước 17 giờ 30, ngày 25/9/2026",
        NOV8,
        "trước 17 giờ 30, ngày 25/9/2026",
        date(2026, 9, 25),
        "date",
    ),
    (
        "ý kiến trước ngày 10 tháng 5 năm 2026 để báo cáo",
        NOV8,
        "trước ngày 10 tháng 5 năm 2026",
        date(2026, 5, 10),
        "date",
    ),
    (
        "thời gian thực hiện xong trong tháng 6/2026;",
        NOV8,
        "xong trong tháng 6/2026",
        date(2026, 6, 30),
        "period",
    ),
    ("gửi văn bản chậm nhất ngày 25/12/2025", NOV8, "chậm nhất ngày 25/12/2025", date(2025, 12, 25), "date"),
    (
        "gửi văn bản chậm nhất vào ngày 5-1-2026",
        NOV8,
        "chậm nhất vào ngày 5-1-2026",
        date(2026, 1, 5),
        "date",
    ),
    (
        "gửi văn bản chậm nhất là ngày 05/01/2026",
        NOV8,
        "chậm nhất là ngày 05/01/2026",
        date(2026, 1, 5),
        "date",
    ),
    ("tiếp nhận hồ sơ đến hết ngày 14/12/2025", NOV8, "đến hết ngày 14/12/2025", date(2025, 12, 14), "date"),
    ("tiếp nhận hồ sơ đến ngày 28-12", NOV8, "đến ngày 28-12", date(2025, 12, 28), "date"),
    ("báo cáo trước ngày 05/8/2026", NOV8, "trước ngày 05/8/2026", date(2026, 8, 5), "date"),
    ("báo cáo trước ngày 15.12.2025", NOV8, "trước ngày 15.12.2025", date(2025, 12, 15), "date"),
    (
        "báo cáo trước thứ Sáu, ngày 12/12/2025",
        NOV8,
        "trước thứ Sáu, ngày 12/12/2025",
        date(2025, 12, 12),
        "date",
    ),
    (
        "xử lý dứt điểm trong tháng 11 năm 2025, bảo đảm",
        date(2025, 11, 20),
        "trong tháng 11 năm 2025",
        date(2025, 11, 30),
        "period",
    ),
    ("hoàn thành trong tháng 8/2026", NOV8, "hoàn thành trong tháng 8/2026", date(2026, 8, 31), "period"),
    ("hoàn thành trong tháng 12-2025", NOV8, "hoàn thành trong tháng 12-2025", date(2025, 12, 31), "period"),
    ("hoàn thành trong tháng 12", NOV8, "hoàn thành trong tháng 12", date(2025, 12, 31), "period"),
    (
        "hoàn thành trong tháng 12 năm nay",
        NOV8,
        "hoàn thành trong tháng 12 năm nay",
        date(2025, 12, 31),
        "period",
    ),
    (
        "hoàn thành trong quý III/2024",
        date(2024, 5, 2),
        "hoàn thành trong quý III/2024",
        date(2024, 9, 30),
        "period",
    ),
    ("hoàn thành trong quý II", date(2025, 1, 10), "hoàn thành trong quý II", date(2025, 6, 30), "period"),
    (
        "hoàn thành trong quý 4 năm 2025",
        NOV8,
        "hoàn thành trong quý 4 năm 2025",
        date(2025, 12, 31),
        "period",
    ),
    ("TRONG QUÝ I NĂM 2026", NOV8, "TRONG QUÝ I NĂM 2026", date(2026, 3, 31), "period"),
    ("tổng kết trong 6 tháng đầu năm 2026", NOV8, "trong 6 tháng đầu năm 2026", date(2026, 6, 30), "period"),
    (
        "hoàn thành trong 6 tháng cuối năm 2026",
        NOV8,
        "hoàn thành trong 6 tháng cuối năm 2026",
        date(2026, 12, 31),
        "period",
    ),
    ("khởi công vào giữa năm 2026", NOV8, "vào giữa năm 2026", date(2026, 6, 30), "period"),
    ("khởi công giữa năm 2026", NOV8, "giữa năm 2026", date(2026, 6, 30), "period"),
    ("báo cáo vào cuối tháng 12", NOV8, "vào cuối tháng 12", date(2025, 12, 31), "period"),
    ("báo cáo cuối tháng này", NOV8, "cuối tháng này", date(2025, 11, 30), "period"),
    ("báo cáo trước cuối tháng", NOV8, "trước cuối tháng", date(2025, 11, 30), "period"),
    ("báo cáo vào đầu tháng 1", NOV8, "vào đầu tháng 1", date(2026, 1, 1), "period"),
    ("báo cáo vào giữa tháng 3 năm 2026", NOV8, "vào giữa tháng 3 năm 2026", date(2026, 3, 15), "period"),
    ("báo cáo vào cuối quý II/2026", NOV8, "vào cuối quý II/2026", date(2026, 6, 30), "period"),
    ("báo cáo vào đầu quý III năm 2026", NOV8, "vào đầu quý III năm 2026", date(2026, 7, 1), "period"),
    ("hoàn thành trong năm nay", NOV8, "hoàn thành trong năm nay", date(2025, 12, 31), "relative"),
    ("hoàn thành đến hết năm 2026", NOV8, "hoàn thành đến hết năm 2026", date(2026, 12, 31), "period"),
    ("hoàn thành vào cuối năm", NOV8, "hoàn thành vào cuối năm", date(2025, 12, 31), "period"),
    ("hoàn thành trước quý II/2026", NOV8, "hoàn thành trước quý II/2026", date(2026, 6, 30), "period"),
    ("không quá ngày 30/6/2026", NOV8, "không quá ngày 30/6/2026", date(2026, 6, 30), "date"),
    ("hạn chót: 30/6/2026", NOV8, "hạn chót: 30/6/2026", date(2026, 6, 30), "date"),
    (
        "Thời hạn hoàn thành: tháng 12/2025",
        NOV8,
        "Thời hạn hoàn thành: tháng 12/2025",
        date(2025, 12, 31),
        "period",
    ),
    ("hoàn thành từ ngày 10/5/2026 đến hết ngày 14/5/2026", NOV8, None, date(2026, 5, 14), "date"),
    ("đợt 2 vào tháng 6 năm 2025", date(2025, 5, 1), "vào tháng 6 năm 2025", date(2025, 6, 30), "period"),
]


@pytest.mark.parametrize(
    ("sentence", "reference", "phrase", "due", "kind"), ABSOLUTE, ids=[c[0][:50] for c in ABSOLUTE]
)
def test_absolute_deadlines(sentence: str, reference: date, phrase: str | None, due: date, kind: str) -> None:
    found = dated(sentence, reference)
    assert len(found) == 1, found
    m = found[0]
    assert (m.due, m.kind) == (due, kind)
    assert m.text == sentence[m.start : m.end]
    if phrase is not None:
        assert m.text == phrase


@pytest.mark.parametrize(
    ("phrase", "reference", "due"),
    [
        ("trước 30/6", NOV8, date(2026, 6, 30)),  # more than two months before: next year
        ("trước 30/6", date(2025, 3, 1), date(2025, 6, 30)),
        ("trước 10/12", NOV8, date(2025, 12, 10)),
        ("trước ngày 1/11", NOV8, date(2025, 11, 1)),  # a week late is still this year
        ("trong tháng 1", NOV8, date(2026, 1, 31)),
        ("trong quý I", NOV8, date(2026, 3, 31)),
    ],
)
def test_yearless_dates_take_the_reference_year_or_the_next(phrase: str, reference: date, due: date) -> None:
    assert only(phrase, reference).due == due


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("trong tháng 11 và tháng 12/2025", date(2025, 12, 31)),
        ("trong tháng 11, 12/2025", date(2025, 12, 31)),
        ("trong tháng 11 - 12 năm 2025", date(2025, 12, 31)),
        ("trong tháng 6 đến tháng 8/2026", date(2026, 8, 31)),
        ("trong quý III và quý IV/2026", date(2026, 12, 31)),
        ("trong quý III, IV/2026", date(2026, 12, 31)),
    ],
)
def test_coordinated_periods_resolve_to_the_last_one(phrase: str, due: date) -> None:
    m = only(phrase, NOV8)
    assert (m.text, m.due) == (phrase, due)


def test_a_count_after_a_month_is_not_coordination() -> None:
    m = only("trong tháng 12, 10 dự án phải khởi công", NOV8)
    assert (m.text, m.due) == ("trong tháng 12", date(2025, 12, 31))


def test_urgent_period_keeps_ngay_in_the_text() -> None:
    sentence = "biên tập xây dựng Đề án chính quyền đô thị thành phố Hải Phòng ngay trong tháng 8/2023. Bên cạnh đó"
    m = only(sentence, date(2023, 8, 2))
    assert m.text == "ngay trong tháng 8/2023"
    assert m.due == date(2023, 8, 31)
    assert m.urgent


# --- relative periods --------------------------------------------------------------------------

RELATIVE = [
    ("trả lời trong 30 ngày", NOV8, date(2025, 12, 8)),
    ("trả lời trong thời hạn 15 ngày", NOV8, date(2025, 11, 24)),  # Sunday 23/11 -> Monday
    ("trả lời trong vòng 30 ngày kể từ ngày ký", NOV8, date(2025, 12, 8)),
    ("trả lời trong 15 ngày làm việc kể từ ngày nhận được hồ sơ", NOV8, date(2025, 11, 28)),
    ("gửi 01 bản chậm nhất 05 ngày làm việc kể từ ngày phê duyệt", NOV8, date(2025, 11, 14)),
    (
        "trả lời bằng văn bản trong thời hạn không quá 10 (mười) ngày làm việc kể từ ngày nhận được đề nghị",
        NOV8,
        date(2025, 11, 21),
    ),
    ("hoàn thành trong 2 tuần", NOV8, date(2025, 11, 24)),
    ("hoàn thành trong 3 tháng", date(2025, 11, 10), date(2026, 2, 10)),
    ("hoàn thành trong 3 tháng", date(2025, 11, 30), date(2026, 3, 2)),  # 28/2 clamped, a Saturday
    ("hoàn thành trong vòng mười lăm ngày", NOV8, date(2025, 11, 24)),
    ("hoàn thành trong 20 ngày", date(2026, 1, 27), date(2026, 2, 23)),  # 16/2 is Tết
    ("hoàn thành trong 03 ngày làm việc", date(2026, 2, 12), date(2026, 2, 24)),
    ("trong 30 ngày kể từ ngày 15/12/2025", NOV8, date(2026, 1, 14)),
    ("trong 1 năm", date(2025, 11, 10), date(2026, 11, 10)),
]


@pytest.mark.parametrize(("sentence", "reference", "due"), RELATIVE, ids=[c[0][:50] for c in RELATIVE])
def test_relative_periods(sentence: str, reference: date, due: date) -> None:
    m = only(sentence, reference)
    assert (m.due, m.kind) == (due, "relative")


def test_relative_text_includes_markers() -> None:
    m = only("cơ quan phối hợp trả lời trong thời hạn không quá 10 (mười) ngày làm việc kể từ ngày", NOV8)
    assert m.text == "trong thời hạn không quá 10 (mười) ngày làm việc"


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("báo cáo trong tuần tới", date(2025, 11, 21)),
        ("báo cáo tuần sau", date(2025, 11, 21)),
        ("báo cáo trong tuần này", date(2025, 11, 14)),
        ("báo cáo trong tháng tới", date(2025, 12, 31)),
        ("báo cáo trong tháng sau", date(2025, 12, 31)),
        ("báo cáo ngày mai", date(2025, 11, 13)),
        ("báo cáo trong năm tới", date(2026, 12, 31)),
        ("báo cáo trong quý tới", date(2026, 3, 31)),
    ],
)
def test_named_relative_points(phrase: str, due: date) -> None:
    m = only(phrase, NOV12)
    assert (m.due, m.kind) == (due, "relative")


# --- events, urgency, recurrence ---------------------------------------------------------------

EVENTS = [
    ("trình Chính phủ trước Kỳ họp thứ 10", "trước Kỳ họp thứ 10", None),
    (
        "hoàn thiện hồ sơ kịp báo cáo Quốc hội tại Kỳ họp thứ 10, Quốc hội khóa XV",
        "kịp báo cáo Quốc hội tại Kỳ họp thứ 10",
        None,
    ),
    ("chi trả trước Tết Nguyên đán", "trước Tết Nguyên đán", None),
    ("chi trả trước Tết Nguyên đán Bính Ngọ 2026", "trước Tết Nguyên đán Bính Ngọ 2026", None),
    ("trình vào kỳ họp thường lệ cuối năm 2025", "vào kỳ họp thường lệ cuối năm 2025", date(2025, 12, 31)),
    (
        "trình trước kỳ họp HĐND tỉnh cuối năm 2025.",
        "trước kỳ họp HĐND tỉnh cuối năm 2025",
        date(2025, 12, 31),
    ),
    ("triển khai ngay sau khi kết thúc Kỳ họp thứ 10", "ngay sau khi kết thúc Kỳ họp thứ 10", None),
    ("tổng kết sau khi kết thúc Kỳ họp thứ 10", "sau khi kết thúc Kỳ họp thứ 10", None),
]


@pytest.mark.parametrize(("sentence", "phrase", "due"), EVENTS, ids=[c[1] for c in EVENTS])
def test_event_bound_deadlines(sentence: str, phrase: str, due: date | None) -> None:
    m = only(sentence, NOV8)
    assert (m.text, m.kind, m.due) == (phrase, "event", due)


def test_event_at_a_stated_time_resolves_to_it() -> None:
    m = only("trình Quốc hội tại Kỳ họp thứ 10 (tháng 10/2025).", date(2025, 9, 1))
    assert (m.text, m.kind, m.due) == ("tại Kỳ họp thứ 10 (tháng 10/2025)", "event", date(2025, 10, 31))


def test_dates_alone_in_table_cells_are_deadlines() -> None:
    table = "| 1 | Xây dựng Nghị định | Bộ Tư pháp | Tháng 12/2025 |\n| 2 | Đề án | Bộ Nội vụ | Quý I/2026 |"
    assert [m.due for m in dated(table, NOV8)] == [date(2025, 12, 31), date(2026, 3, 31)]
    assert dated("| Nghị quyết số 45/2022/QH15 ngày 11/01/2022 |", NOV8) == []


def test_event_in_a_period_without_marker_resolves_the_period() -> None:
    m = only("trình Quốc hội tại kỳ họp thường lệ cuối năm 2025", NOV8)
    assert m.due == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("yêu cầu triển khai ngay.", "ngay"),
        ("yêu cầu triển khai ngay các giải pháp", "ngay"),
        ("báo cáo ngay trong tuần", "ngay trong tuần"),
        ("xử lý ngay lập tức", "ngay lập tức"),
    ],
)
def test_urgency_markers(sentence: str, phrase: str) -> None:
    m = only(sentence, NOV8)
    assert (m.text, m.kind, m.urgent, m.due) == (phrase, "urgent", True, None)


@pytest.mark.parametrize(
    "sentence",
    ["ngay cả khi", "ngay từ đầu", "ngay sau đó", "nằm ngay cạnh", "ngay tại hiện trường", "ngày 5"],
)
def test_ngay_that_is_not_urgency(sentence: str) -> None:
    assert find_deadlines(sentence, reference=NOV8, calendar=CAL) == []


RECURRING = [
    ("- Định kỳ hằng quý tổng hợp, báo cáo", "Định kỳ hằng quý", Recurrence.QUARTERLY),
    ("báo cáo hằng tháng", "hằng tháng", Recurrence.MONTHLY),
    ("báo cáo hàng tháng", "hàng tháng", Recurrence.MONTHLY),
    ("họp giao ban vào thứ 2 hằng tuần", "vào thứ 2 hằng tuần", Recurrence.WEEKLY),
    ("báo cáo trước ngày 15 hằng tháng", "trước ngày 15 hằng tháng", Recurrence.MONTHLY),
    ("bố trí ngân sách hằng năm", "hằng năm", Recurrence.YEARLY),
    ("cập nhật số liệu hằng ngày", "hằng ngày", Recurrence.DAILY),
    ("báo cáo định kỳ 6 tháng", "định kỳ 6 tháng", Recurrence.HALF_YEARLY),
    ("kiểm tra 6 tháng một lần", "6 tháng một lần", Recurrence.HALF_YEARLY),
    ("báo cáo mỗi quý", "mỗi quý", Recurrence.QUARTERLY),
]


@pytest.mark.parametrize(("sentence", "phrase", "recurrence"), RECURRING, ids=[c[1] for c in RECURRING])
def test_recurring_duties_are_not_deadlines(sentence: str, phrase: str, recurrence: Recurrence) -> None:
    m = only(sentence, NOV8)
    assert (m.text, m.kind, m.recurrence, m.due) == (phrase, "recurring", recurrence, None)
    assert m.recurrence in {r.value for r in Recurrence}


# --- not deadlines -----------------------------------------------------------------------------

NOT_DEADLINES = [
    "Nghị quyết số 45/2022/QH15 ngày 11/01/2022",
    "tại các Thông báo kết luận số 09/TB-VPCP ngày 11 tháng 01 năm 2024; số 328/TB-VPCP",
    "và cuộc họp ngày 22 tháng 8 năm 2024; chủ trì",
    "Ngày 11/01/2022, Quốc hội khóa XV ban hành Nghị quyết",
    "Ngày 20 tháng 11 năm 2025, Phó Thủ tướng Chính phủ Bùi Thanh Sơn",
    "Sáng ngày 9/7, tại trụ sở Chính phủ",
    "Từ ngày 08 đến ngày 09 tháng 11 năm 2025 tại Thanh Hóa",
    "chương trình kiểm tra tiến độ, thời gian trong tuần ngày 15 đến ngày 31 tháng 12 năm 2025.",
    "treo cờ Tổ quốc từ ngày 10/5/2026 đến hết ngày 14/5/2026.",
    "Kế hoạch đầu tư công trung hạn giai đoạn 2026 - 2030",
    "phát triển thành phố Cần Thơ đến năm 2030, tầm nhìn đến năm 2045",
    "giải ngân hết số vốn đầu tư công của tỉnh năm 2025 nêu trên",
    "giải ngân 100% kế hoạch năm 2025",
    "ra quân vào dịp 19/8/2025",
    "tổ chức khởi công các dự án vào 19/8/2025",
    "trong giai đoạn 2021-2025",
    "Số: 467/TB-VPCP",
    "Nghị quyết số 66.4/2025/NQ-CP",
    "hoàn thiện quy hoạch 1/500 theo quy định",
    "Chỉ thị CT.03",
    "đường dây 220kV",
    "tăng trưởng trên 8% năm 2025",
    "đã hoàn thành 56/93 nhiệm vụ",
    "cụ thể hóa được 11/20 nhiệm vụ",
    "trong 10 năm qua",
    "Sau 04 tháng vận hành",
    "giảm phát thải ròng bằng không vào năm 2050",
    "kết quả kinh tế - xã hội 10 tháng năm 2025",
    "những tháng đầu năm 2026",
    "mặc dù đã có chỉ đạo từ tháng 6",
    "tổng kế hoạch đầu tư công năm 2025",
    "ngân hàng năm 2025",
    "Tại phiên họp, các bộ báo cáo",
    "Tại phiên họp lần thứ 2 của Ban Chỉ đạo",
    "đầu tư dự án",
    "kết quả 6 tháng đầu năm 2025",
    "https://baochinhphu.vn/khoi-cong-vao-ngay-19-8-2025.htm",
    "Tính đến ngày 30/6/2025, tỉnh đã giải ngân",
    "lũy kế đến hết ngày 30/6/2025",
]


@pytest.mark.parametrize("text", NOT_DEADLINES)
def test_not_deadlines(text: str) -> None:
    assert find_deadlines(text, reference=date(2025, 7, 9), calendar=CAL) == []


@pytest.mark.parametrize(
    "text",
    [
        "trong 02 tháng cuối năm 2025 và những tháng đầu năm 2026",
        "Được lập và nộp trước ngày 15 tháng 02 của năm liền kề sau năm báo cáo",
    ],
)
def test_vague_frames_have_no_due_date(text: str) -> None:
    assert dated(text, NOV8) == []


def test_deadline_long_past_the_reference_is_a_past_event() -> None:
    assert find_deadlines("trước ngày 1/7/2020, tỉnh đã", reference=NOV8, calendar=CAL) == []


def test_trong_nam_vs_giai_doan() -> None:
    text = "trong giai đoạn 2021-2025 và hoàn thành trong năm 2025"
    assert [m.text for m in dated(text, date(2025, 3, 1))] == ["hoàn thành trong năm 2025"]


# --- reference None ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("trước ngày 20/9", None),
        ("trong tháng 12", None),
        ("trong 30 ngày", None),
        ("trong tuần tới", None),
        ("cuối tháng", None),
        ("trước ngày 20/9/2025", date(2025, 9, 20)),
        ("trong quý III/2024", date(2024, 9, 30)),
    ],
)
def test_without_reference_yearless_phrases_are_kept_undated(text: str, due: date | None) -> None:
    assert only(text, None).due == due


# --- a whole passage ---------------------------------------------------------------------------

PASSAGE = (
    "Số: 467/TB-VPCP\nHà Nội, ngày 14 tháng 10 năm 2024\n"
    "Ngày 07 tháng 10 năm 2024, tại trụ sở Chính phủ, Phó Thủ tướng chủ trì cuộc họp.\n"
    "1. Bộ Tài chính chủ trì, hoàn thiện dự thảo Đề án theo Nghị định số 06/2022/NĐ-CP ngày 07 tháng 01 năm 2022, "
    "trình Thủ tướng Chính phủ trước ngày 20 tháng 10 năm 2024.\n"
    "2. Định kỳ hằng quý báo cáo; khẩn trương triển khai ngay.\n"
    "3. Bộ Xây dựng hoàn thành trong Quý I năm 2025, kịp báo cáo Quốc hội tại Kỳ họp thứ 9.\n"
)


def test_passage_matches_in_order_without_overlap() -> None:
    found = find_deadlines(PASSAGE, reference=date(2024, 10, 7), calendar=CAL)
    assert [(m.text, m.kind) for m in found] == [
        ("trước ngày 20 tháng 10 năm 2024", "date"),
        ("Định kỳ hằng quý", "recurring"),
        ("ngay", "urgent"),
        ("hoàn thành trong Quý I năm 2025", "period"),
        ("kịp báo cáo Quốc hội tại Kỳ họp thứ 9", "event"),
    ]
    for m in found:
        assert PASSAGE[m.start : m.end] == m.text


# --- resolve_deadline and parse_date -----------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("trước 30/6", date(2026, 6, 30)),
        ("30/6/2026", date(2026, 6, 30)),
        ("2026-06-30", date(2026, 6, 30)),
        ("30/6", date(2026, 6, 30)),
        ("ngày 5 tháng 1", date(2026, 1, 5)),
        ("tháng 12", date(2025, 12, 31)),
        ("quý I", date(2026, 3, 31)),
        ("năm 2026", date(2026, 12, 31)),
        ("cuối năm", date(2025, 12, 31)),
        ("15 ngày làm việc", date(2025, 11, 28)),
        ("10 ngày", date(2025, 11, 18)),
        ("ngày mai", date(2025, 11, 9)),
        ("tuần sau", date(2025, 11, 14)),
        ("không", None),
        ("hằng tháng", None),
        ("trước Tết Nguyên đán", None),
        ("", None),
    ],
)
def test_resolve_deadline(phrase: str, due: date | None) -> None:
    assert resolve_deadline(phrase, reference=NOV8, calendar=CAL) == due


def test_resolve_deadline_without_reference() -> None:
    assert resolve_deadline("trước 30/6", reference=None, calendar=CAL) is None
    assert resolve_deadline("trước 30/6/2026", reference=None, calendar=CAL) == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("ngày 22 tháng 11 năm 2023", None, date(2023, 11, 22)),
        ("22/11/2023", None, date(2023, 11, 22)),
        ("ngày 05/8/2020", None, date(2020, 8, 5)),
        ("5-8-2020", None, date(2020, 8, 5)),
        ("15.12.2024", None, date(2024, 12, 15)),
        ("2024-10-07", None, date(2024, 10, 7)),
        ("Hà Nội, ngày 14 tháng 10 năm 2024", None, date(2024, 10, 14)),
        ("ngày 9/7", date(2025, 7, 9), date(2025, 7, 9)),
        ("Sáng ngày 9/7, tại trụ sở", date(2025, 7, 15), date(2025, 7, 9)),
        ("Chiều 2/8", date(2023, 8, 2), date(2023, 8, 2)),
        ("Ngày 28-5", date(2024, 5, 28), date(2024, 5, 28)),
        ("9/7", date(2025, 1, 1), date(2025, 7, 9)),
        ("ngày 9/7", None, None),
        ("ngày 31/2/2024", None, None),
        ("Số: 467/TB-VPCP", None, None),
        ("11/20 nhiệm vụ", date(2025, 1, 1), None),
        ("", None, None),
    ],
)
def test_parse_date(text: str, reference: date | None, expected: date | None) -> None:
    assert parse_date(text, reference=reference) == expected


# --- properties --------------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))

FORMATS = [
    lambda d: f"ngày {d.day} tháng {d.month} năm {d.year}",
    lambda d: f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: f"ngày {d.day}-{d.month}-{d.year}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
]


@settings(max_examples=300, deadline=None)
@given(dates, st.sampled_from(range(len(FORMATS))))
def test_any_date_after_truoc_ngay_resolves_to_itself(d: date, fmt: int) -> None:
    written = FORMATS[fmt](d)
    phrase = f"trước {written}" if written.startswith("ngày") else f"trước ngày {written}"
    assert resolve_deadline(phrase, reference=None, calendar=CAL) == d
    assert [m.due for m in find_deadlines(f"báo cáo {phrase}.", reference=d, calendar=CAL)] == [d]
    assert parse_date(written, reference=None) == d


@settings(max_examples=200, deadline=None)
@given(dates, st.booleans())
def test_trong_thang_gives_the_last_day_of_the_month(d: date, slash: bool) -> None:
    written = f"tháng {d.month}/{d.year}" if slash else f"tháng {d.month} năm {d.year}"
    due = resolve_deadline(f"trong {written}", reference=None, calendar=CAL)
    assert due is not None
    assert (due.year, due.month) == (d.year, d.month)
    assert (due + timedelta(days=1)).day == 1


@settings(max_examples=100, deadline=None)
@given(dates, st.sampled_from(["I", "II", "III", "IV"]))
def test_trong_quy_gives_the_quarter_end(d: date, roman: str) -> None:
    quarter = ["I", "II", "III", "IV"].index(roman) + 1
    due = resolve_deadline(f"trong quý {roman}/{d.year}", reference=None, calendar=CAL)
    assert due == date(d.year, quarter * 3, monthrange(d.year, quarter * 3)[1])


@settings(max_examples=150, deadline=None)
@given(dates, st.integers(min_value=1, max_value=120))
def test_calendar_day_periods_end_on_the_first_workday_from_reference_plus_n(d: date, n: int) -> None:
    due = resolve_deadline(f"trong {n} ngày", reference=d, calendar=CAL)
    assert due is not None
    assert due >= d + timedelta(days=n)
    assert CAL.is_workday(due)
    assert due == CAL.next_workday(d + timedelta(days=n))


@settings(max_examples=150, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60))
def test_working_day_periods_use_add_workdays(d: date, n: int) -> None:
    assert resolve_deadline(f"trong {n} ngày làm việc", reference=d, calendar=CAL) == CAL.add_workdays(d, n)


@settings(max_examples=150, deadline=None)
@given(dates, st.integers(min_value=1, max_value=28), st.integers(min_value=1, max_value=12))
def test_yearless_dates_stay_near_the_reference(ref: date, day: int, month: int) -> None:
    due = resolve_deadline(f"trước ngày {day}/{month}", reference=ref, calendar=CAL)
    assert due is not None
    assert (due.day, due.month) == (day, month)
    assert ref - timedelta(days=62) <= due <= ref + timedelta(days=366)


def check_matches(text: str, found: list[DeadlineMatch]) -> None:
    last_end = 0
    for m in found:
        assert last_end <= m.start < m.end <= len(text)
        assert m.text == text[m.start : m.end]
        assert m.kind in {"date", "period", "relative", "event", "urgent", "recurring"}
        assert m.recurrence is None or m.kind == "recurring"
        last_end = m.end


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), dates))
def test_arbitrary_text_never_raises(text: str, reference: date | None) -> None:
    found = find_deadlines(text, reference=reference, calendar=CAL)
    check_matches(text, found)
    resolve_deadline(text, reference=reference, calendar=CAL)
    parse_date(text, reference=reference)


VOCABULARY = [
    "trước", "ngày", "tháng", "năm", "quý", "II", "trong", "hoàn thành", "chậm nhất", "vào", "cuối",
    "đầu", "giữa", "đến", "hết", "từ", "ngay", "hằng", "định kỳ", "tuần", "tới", "sau", "kịp", "Kỳ họp",
    "thứ", "10", "2025", "20/9", "5-8-2020", "12", "6", "làm việc", "không quá", "(mười)", "Tết", ",", ".",
    ":", "\n", "Bộ", "báo cáo", "17h00", "mười lăm", "hôm nay", "mai", "này", "qua", "1/500", "%",
    "tại", "dịp", "(", ")", "|", "Tính", "các", "hằng", "hàng", "mỗi", "khi", "lập tức", "Quốc hội",
    "thường lệ", "Nguyên đán", "30/6/2026", "III", "IV", "và", "-", "tối đa", "thời hạn", "một", "hai",
    "ba", "bốn", "sáu", "bảy", "tám", "chín", "chủ nhật", "hạn", "kết thúc", "muộn nhất", "xong", "Sáu",
    "thứ 2", "sau khi",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=25), st.one_of(st.none(), dates))
def test_vocabulary_soup(words: list[str], reference: date | None) -> None:
    text = " ".join(words)
    found = find_deadlines(text, reference=reference, calendar=CAL)
    check_matches(text, found)
    # the word pre-filter finds exactly what a full scan finds
    assert [m.span() for m in _master_matches(text)] == [m.span() for m in _MASTER.finditer(text)]


ALL_SENTENCES = [
    *(c[0] for c in ABSOLUTE),
    *(c[0] for c in RELATIVE),
    *(c[0] for c in EVENTS),
    *(c[0] for c in RECURRING),
    *NOT_DEADLINES,
    PASSAGE,
]


@pytest.mark.parametrize("text", ALL_SENTENCES)
def test_prefilter_finds_what_a_full_scan_finds(text: str) -> None:
    assert [m.span() for m in _master_matches(text)] == [m.span() for m in _MASTER.finditer(text)]


# --- no catastrophic backtracking (a ReDoS guard, not a speed target: see bench/) ---


@pytest.mark.parametrize("head", ["trước", "trong", "hoàn thành chậm nhất", "ngay", "17h00", "kịp báo cáo"])
def test_no_catastrophic_backtracking_on_long_whitespace(head: str) -> None:
    text = head + " " * 20_000 + "x"
    start = time.perf_counter()
    find_deadlines(text, reference=NOV8, calendar=CAL)
    assert time.perf_counter() - start < 1.0
