"""Find and resolve deadline phrases in Vietnamese administrative text.

The finder scans the text with one compiled regular expression whose branches
cover the phrase families met in meeting-conclusion notices:

* recurring duties ("định kỳ hằng quý", "trước ngày 15 hằng tháng");
* event-bound deadlines ("trước Kỳ họp thứ 10", "kịp ... tại Kỳ họp thứ 10");
* date ranges ("từ ngày 10/5/2026 đến hết ngày 14/5/2026"), which are timing,
  not due dates, unless a completion marker introduces them;
* relative periods ("trong 30 ngày", "05 ngày làm việc kể từ ngày ...");
* named relative points ("tuần tới", "tháng sau", "ngày mai");
* absolute dates and periods after a deadline marker ("trước ngày 20/10/2024",
  "trong tháng 12 năm 2025", "chậm nhất vào cuối năm 2026");
* a bare urgency marker ("ngay").

A bare date is a deadline only when a deadline marker introduces it (or when it
fills a table cell, as in a "Thời hạn" column), so that the dates of documents
and past meetings ("Nghị quyết số 45/2022/QH15 ngày 11/01/2022") are skipped;
so are targets ("đến năm 2030"), status dates ("tính đến ngày ...") and dated
phrases more than about two months before the reference (past events).

Dates are resolved as upper bounds: "trước ngày D" is D itself (the reading of
the gold annotations), a month or quarter is its last day, and the fixed points
of the Civil Code (Điều 146) give "đầu tháng" = 1st, "giữa tháng" = 15th,
"giữa năm" = 30/6, "cuối năm" = 31/12. Periods in days, weeks, months or years
count from the day after the reference (Điều 147) and move to the next working
day when they end on a day off (Điều 148).

For speed, the expression is only tried at words that can start a phrase
(digits and a fixed set of trigger words), which keeps a 100 kB text at about
15 ms. Everything here is pure: no I/O and no mutable module state.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from core.domain import Recurrence
from nlp.workdays import WorkCalendar

__all__ = ["DeadlineMatch", "find_deadlines", "parse_date", "resolve_deadline"]

_FLAGS = re.IGNORECASE

_MONTHS_PER_YEAR = 12
_MONTHS_PER_QUARTER = 3
_DAYS_PER_WEEK = 7
_FRIDAY = 4
_MID_MONTH_DAY = 15
_MAX_YEAR = 2199
# A yearless date ("trước 30/6") more than this many days before the reference
# is taken to be in the next year; a dated deadline that long before the
# reference is a past event, not a deadline.
_ROLLOVER_DAYS = 62
# Lower bound on working days in a year, to refuse counts running past _MAX_YEAR.
_MIN_WORKDAYS_PER_YEAR = 200

# ---------------------------------------------------------------------------
# Regex building blocks (plain strings, combined below; no named groups here
# because several branches reuse them).
# ---------------------------------------------------------------------------
_Y = r"(?:19|20|21)\d\d(?!\d)"
_D = r"\d{1,2}"
_ROMAN_Q = r"(?:iv|iii|ii|i|[1-4])(?!\w)"
_REL = r"(?:nay|này|tới|sau|kế\s+tiếp|tiếp\s+theo)(?!\w)(?!\s+(?:khi|đó|đây|năm|ngày|tháng))"
_YEAR_SPEC = rf"(?:\s*[/-]\s*{_Y}|(?:\s*,)?\s+năm\s+{_Y}|\s+năm\s+{_REL})"
_WEEKDAY = r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)(?!\w)"
_TIME = (
    r"\d{1,2}\s*(?:h|giờ|g|:)\s*(?:\d{2}(?:\s*(?:phút|p))?)?(?:\s+(?:sáng|chiều|tối|trưa))?"
    r"\s*(?:,\s*)?(?=(?:ngày|thứ|chủ)\s)"
)
# Nouns after "a/b" that make it a count ("5/20 nhiệm vụ"), not a date.
_COUNT_NOUN = r"(?!\s*(?:%|tỷ|triệu|nghìn|km|ha|người|nhiệm|dự\s+án|hộ|xã|chỉ\s+tiêu|mục|trường|đơn|tỉnh|bộ))"

_FULL_TEXT = rf"{_D}\s+tháng\s+{_D}(?:\s*(?:,\s*)?năm\s+|\s*[/-]\s*){_Y}"
_NUM_FULL = rf"{_D}[/.-]{_D}[/.-]{_Y}(?![/.-]\d)"
_DAY_TEXT = rf"{_D}\s+tháng\s+{_D}(?!\s*[/-]?\s*\d)"
_DAY_NUM = rf"{_D}[/-]{_D}(?![/.-]?\d){_COUNT_NOUN}"
_PLAIN_DAY = rf"(?:{_FULL_TEXT}|{_NUM_FULL}|{_DAY_TEXT}|{_DAY_NUM})"
_DAY_DATE = rf"(?:{_TIME})?(?:{_WEEKDAY}\s*(?:,\s*)?)?(?:ngày\s+)?{_PLAIN_DAY}"

# Coordinated periods ("tháng 11 và tháng 12/2025", "quý III, IV/2025") resolve
# to the last one; bare numbers after a comma need a year so that "tháng 12,
# 10 dự án" stays "tháng 12".
_AND = r"\s*(?:,|và|hoặc|đến|[-–])\s*"
_AND_BARE = r"\s*(?:,|và|hoặc|[-–])\s*"
_MONTH = (
    rf"tháng\s+{_D}(?!\d)(?:{_AND}tháng\s+{_D}(?!\d))*"
    rf"(?:(?:{_AND_BARE}{_D}(?!\d))*{_YEAR_SPEC})?(?![/.-]?\d)"
)
_QUARTER = rf"quý\s+{_ROMAN_Q}(?:{_AND}quý\s+{_ROMAN_Q})*(?:(?:{_AND_BARE}{_ROMAN_Q})*{_YEAR_SPEC})?"
_NMONTHS = rf"(?:\d{{1,2}}|sáu|chín|ba)\s+tháng\s+(?:đầu|cuối)\s+năm(?:\s+{_Y}|\s+{_REL})?"
_POINT = (
    rf"(?:đầu|giữa|cuối)\s+(?:tháng(?:\s+{_D}(?!\d)(?:{_YEAR_SPEC})?|\s+{_REL})?"
    rf"|quý(?:\s+{_ROMAN_Q}(?:{_YEAR_SPEC})?|\s+{_REL})?"
    rf"|năm(?:\s+{_Y}|\s+{_REL})?(?!\s+học))(?!\w)"
)
_YEAR = rf"năm\s+{_Y}(?!\s*[-–]\s*\d)"
_ABS_CORE = rf"{_DAY_DATE}|{_NMONTHS}|{_POINT}|{_MONTH}|{_QUARTER}|{_YEAR}"

_COMPLETION = r"(?:hoàn\s+thành|hoàn\s+tất|xong|kết\s+thúc|ngay)"
_MARK = (
    r"(?:trước|(?:chậm|muộn)\s+nhất(?:\s+là)?(?:\s+(?:vào|trong|đến|trước))?"
    r"|trong(?:\s+vòng|\s+thời\s+hạn)?|(?:đến|tới)(?:\s+hết)?|không\s+quá|không\s+muộn\s+hơn|vào"
    r"|(?:thời\s+)?hạn(?:\s+(?:chót|cuối|hoàn\s+thành))?(?:\s+là)?|thời\s+gian\s+hoàn\s+thành(?:\s+là)?)"
)
_PREFIX = rf"(?:{_COMPLETION}(?:\s+{_MARK})?|{_MARK})(?!\w)"

_WORDNUM = (
    r"(?:(?:hai|ba|bốn|năm|sáu|bảy|tám|chín)\s+mươi(?:\s+(?:mốt|hai|ba|bốn|tư|lăm|sáu|bảy|tám|chín))?"
    r"|mười(?:\s+(?:một|hai|ba|bốn|lăm|sáu|bảy|tám|chín))?|một|hai|ba|bốn|năm|sáu|bảy|tám|chín)(?!\w)"
)
_REL_PREFIX = (
    rf"(?:(?:{_COMPLETION}\s+)?(?:trong(?:\s+(?:vòng|thời\s+hạn|thời\s+gian|khoảng))?"
    r"|(?:chậm|muộn)\s+nhất(?:\s+là)?(?:\s+(?:trong|sau))?|không\s+quá|tối\s+đa|(?:thời\s+)?hạn(?:\s+là)?)"
    rf"(?:\s+(?:không\s+quá|tối\s+đa))?|{_COMPLETION})(?!\w)"
)
_REL_UNIT = r"ngày\s+làm\s+việc|ngày|tuần(?:\s+lễ)?|tháng|năm"
_REL_STOP = r"(?!\s+(?:qua|vừa|gần|trở|trước|đầu|cuối|liên|tuổi|nay|năm\s+\d|tháng\s+\d|\d))"

_NEXT = (
    r"(?:tuần|tháng|quý|năm)\s+(?:tới|sau|kế\s+tiếp|tiếp\s+theo|này|nay)(?!\w)"
    r"(?!\s+(?:khi|đó|đây|năm|ngày|tháng|nữa))|ngày\s+mai(?!\w)|(?:ngày\s+)?hôm\s+nay(?!\w)"
)

_URGENT = (
    r"ngay\s+lập\s+tức(?!\w)|ngay\s+trong\s+tuần(?!\w)(?!\s+(?:này|tới|sau|ngày|\d))"
    r"|ngay(?!\w)(?!\s+(?:cả|từ|sau|khi|tại|bên|cạnh|trong|đầu|giữa|cuối|ngắn|thẳng|tình|lúc|hôm|ở|trên"
    r"|dưới|trước|đây|đó|này|gần|bây|sát|phía|chính|mà|như|tới|đến|thời|vào|ngày|tháng|năm|tuần|buổi)(?!\w))"
)

_REC_UNIT = r"(?:ngày|tuần|tháng|quý|năm)(?!\w)(?!\s*\d)"
_HANG = r"(?<!ngân\s)(?<!khách\s)(?<!cửa\s)(?<!mặt\s)(?<!đơn\s)(?:hằng|hàng|mỗi)"
_SIX_MONTHS = r"(?:6|06|sáu)\s+tháng"
_ONCE = r"(?:\s*(?:(?:một|1|01)\s+lần|/\s*lần))"
_REC_ANCHOR = (
    r"(?:(?:trước|(?:chậm|muộn)\s+nhất(?:\s+là)?|vào|trong|từ)\s+)?"
    rf"(?:(?:ngày\s+{_D}(?:\s+tháng\s+{_D}|/{_D})?|{_WEEKDAY}|(?:đầu|cuối)\s+(?:tuần|tháng|quý|năm))"
    r"(?:\s*,)?\s+(?:của\s+)?)?"
)
_RECURRING = (
    rf"(?:định\s+kỳ\s+)?{_REC_ANCHOR}{_HANG}\s+(?:{_SIX_MONTHS}|{_REC_UNIT})"
    rf"|định\s+kỳ\s+(?:{_SIX_MONTHS}{_ONCE}?|(?:tuần|tháng|quý|năm)(?!\w)(?!\s*\d))"
    rf"|{_SIX_MONTHS}{_ONCE}"
)

_CANCHI = (
    r"(?:giáp|ất|bính|đinh|mậu|kỷ|canh|tân|nhâm|quý)\s+"
    r"(?:tý|sửu|dần|mão|mẹo|thìn|tỵ|tị|ngọ|mùi|thân|dậu|tuất|hợi)(?!\w)"
)
_EV_HEAD = r"(?:kỳ\s+họp|phiên\s+họp|hội\s+nghị\s+(?:ban\s+chấp\s+hành\s+|bch\s+)?trung\s+ương|đại\s+hội|tết)(?!\w)"
_EV_BODY = (
    r"(?:\s+(?:của\s+)?(?:quốc\s+hội|chính\s+phủ|hđnd(?:\s+(?:tỉnh|thành\s+phố))?"
    r"|hội\s+đồng\s+nhân\s+dân(?:\s+(?:tỉnh|thành\s+phố|cấp\s+tỉnh))?"
    r"|(?:đại\s+biểu\s+)?đảng(?:\s+bộ)?(?:\s+(?:toàn\s+quốc|tỉnh|thành\s+phố|các\s+cấp))?)(?!\w))?"
)
_EV_TAIL = (
    r"(?:\s+lần)?(?:\s+thứ\s+[^\s,.;:()]+)?(?:\s+(?:\d{1,2}|[ivxlc]{2,})(?!\w))?"
    + _EV_BODY
    + r"(?:\s+khóa\s+[ivxlc]+(?!\w))?"
    r"(?:\s+(?:thường\s+lệ|bất\s+thường|thường\s+kỳ|chuyên\s+đề|nguyên\s+đán|dương\s+lịch|âm\s+lịch)(?!\w))?"
    rf"(?:\s+{_CANCHI})?(?:\s+(?:lần\s+)?thứ\s+[^\s,.;:()]+)?"
)
_EV_PERIOD = rf"{_POINT}|{_MONTH}|{_QUARTER}|{_YEAR}|{_Y}"
_EV_PREFIX = (
    r"(?:trước(?:\s+khi)?|kịp(?:\s+thời)?(?:\s+[^\s,.;:()]+){0,6}?(?:\s+(?:tại|trong|trước|cho|ở|vào))?"
    r"|vào|tại|trong|ngay\s+sau(?:\s+khi)?|sau\s+khi\s+kết\s+thúc)"
)

_RANGE_START = (
    rf"(?:ngày\s+)?(?:{_D}(?:[/.-]{_D}(?:[/.-]{_Y})?|\s+tháng\s+{_D}(?:\s*(?:,\s*)?năm\s+{_Y})?)?(?!\d)"
    rf"|tháng\s+{_D}(?:{_YEAR_SPEC})?|quý\s+{_ROMAN_Q}(?:{_YEAR_SPEC})?|năm\s+{_Y})"
)
_RANGE_END = rf"{_DAY_DATE}|{_MONTH}|{_QUARTER}|{_YEAR}"

_MASTER = re.compile(
    r"(?<![\w/-])(?<!\w[.,])(?:"
    rf"(?P<rec>{_RECURRING})"
    rf"|(?P<ev>(?P<ev_pre>{_EV_PREFIX})\s+(?:dịp\s+)?"
    rf"(?:(?:diễn\s+ra|tổ\s+chức|khai\s+mạc|bế\s+mạc|kết\s+thúc)\s+)?(?P<ev_head>{_EV_HEAD}){_EV_TAIL}"
    rf"(?:\s*(?:\(\s*)?(?:vào\s+|trong\s+)?(?P<ev_period>{_EV_PERIOD})(?:\s*\))?)?)"
    rf"|(?P<rng>(?:(?P<rng_pre>{_PREFIX})\s+)?(?:từ\s+|(?=ngày\s))(?:{_RANGE_START})"
    rf"(?:\s+(?:đến|tới)\s+|\s+[-–]\s+)(?:hết\s+)?(?P<rng_end>{_RANGE_END}))"
    rf"|(?P<rel>(?:(?P<rel_pre>{_REL_PREFIX})\s+)?(?P<rel_n>\d{{1,3}}|{_WORDNUM})"
    rf"(?:\s*\([^()\n]{{1,25}}\))?\s+(?P<rel_unit>{_REL_UNIT})(?!\w){_REL_STOP}"
    rf"(?:(?:\s*,)?\s+(?:kể\s+từ|tính\s+từ|từ|sau)\s+(?:ngày\s+)?(?P<rel_anchor>{_PLAIN_DAY}))?)"
    rf"|(?P<nxt>(?:(?P<nxt_pre>{_PREFIX})\s+)?(?P<nxt_core>{_NEXT}))"
    rf"|(?P<abs>(?:(?P<abs_pre>{_PREFIX})(?:\s*:\s*|\s+))?(?P<abs_core>{_ABS_CORE}))"
    rf"|(?P<urg>{_URGENT})"
    r")",
    _FLAGS,
)

# ---------------------------------------------------------------------------
# Regexes that take one already-found core apart (named groups are fine here).
# ---------------------------------------------------------------------------
_REL_WORDS = r"nay|này|tới|sau|kế\s+tiếp|tiếp\s+theo"
_YEAR_SPEC_NAMED = rf"(?:\s*[/-]\s*(?P<y>{_Y})|(?:\s*,)?\s+năm\s+(?P<y2>{_Y})|\s+năm\s+(?P<yrel>{_REL_WORDS}))"
_CORE_LEAD = re.compile(rf"^(?:{_TIME})?(?:{_WEEKDAY}\s*(?:,\s*)?)?(?:ngày\s+)?", _FLAGS)
_C_FULL_TEXT = re.compile(rf"(?P<d>{_D})\s+tháng\s+(?P<m>{_D})(?:\s*(?:,\s*)?năm\s+|\s*[/-]\s*)(?P<y>{_Y})", _FLAGS)
_C_NUM_FULL = re.compile(rf"(?P<d>{_D})(?P<s1>[/.-])(?P<m>{_D})(?P<s2>[/.-])(?P<y>{_Y})", _FLAGS)
_C_DAY_TEXT = re.compile(rf"(?P<d>{_D})\s+tháng\s+(?P<m>{_D})", _FLAGS)
_C_DAY_NUM = re.compile(rf"(?P<d>{_D})[/-](?P<m>{_D})", _FLAGS)
_C_ISO = re.compile(rf"(?P<y>{_Y})-(?P<m>\d\d)-(?P<d>\d\d)", _FLAGS)
_C_YEAR_TAIL = re.compile(rf"{_YEAR_SPEC_NAMED}$", _FLAGS)
_C_MONTH_NUMBER = re.compile(r"\d+")
_C_QUARTER_NUMBER = re.compile(r"(?<!\w)(?:iv|iii|ii|i|[1-4])(?!\w)", _FLAGS)
_C_YEAR = re.compile(rf"(?:năm\s+)?(?P<y>{_Y})", _FLAGS)
_C_NMONTHS = re.compile(
    r"(?P<n>\d{1,2}|sáu|chín|ba)\s+tháng\s+(?P<pos>đầu|cuối)\s+năm"
    rf"(?:\s+(?P<y>{_Y})|\s+(?P<yrel>{_REL_WORDS}))?",
    _FLAGS,
)
_C_POINT_YEAR = re.compile(
    rf"(?P<pos>đầu|giữa|cuối)\s+năm(?:\s+(?P<y>{_Y})|\s+(?P<yrel>{_REL_WORDS}))?",
    _FLAGS,
)
_C_POINT_MONTH = re.compile(
    rf"(?P<pos>đầu|giữa|cuối)\s+tháng(?:\s+(?P<m>{_D})(?:{_YEAR_SPEC_NAMED})?"
    rf"|\s+(?P<mrel>{_REL_WORDS}))?",
    _FLAGS,
)
_C_POINT_QUARTER = re.compile(
    rf"(?P<pos>đầu|giữa|cuối)\s+quý(?:\s+(?P<q>iv|iii|ii|i|[1-4])(?:{_YEAR_SPEC_NAMED})?"
    rf"|\s+(?P<qrel>{_REL_WORDS}))?",
    _FLAGS,
)

_PLAIN_DATE = re.compile(
    rf"(?<![\w/.-])(?:(?P<iso>{_Y}-\d\d-\d\d)(?!\d)"
    rf"|(?:ngày\s+)?(?P<full>{_FULL_TEXT}|{_NUM_FULL})"
    rf"|(?:ngày|sáng|chiều|tối|trưa|hôm)\s+(?P<short>{_DAY_TEXT}|{_DAY_NUM}))",
    _FLAGS,
)
_ONLY_DAY_NUM = re.compile(rf"\s*(?P<d>{_D})[/-](?P<m>{_D})\s*", _FLAGS)

_NOT_AFTER_BARE_POINT = re.compile(r"(?:tháng|các|những|dịp|lễ|tết)\s*$", _FLAGS)
_EVENT_BEFORE_VAO = re.compile(
    r"(?:khởi\s+công|khánh\s+thành|ra\s+quân|lễ|dịp|họp|hội\s+nghị|hội\s+thảo|diễn\s+ra|kỷ\s+niệm"
    r"|tổ\s+chức)(?!\w)[^.;:\n]{0,150}$",
    _FLAGS,
)
_VAGUE_AFTER_DAY = re.compile(r"\s+của\s+(?:năm|tháng)(?!\w)", _FLAGS)
_VAGUE_AFTER_PERIOD = re.compile(r"\s+và\s+(?:những|các)\s+tháng(?!\w)", _FLAGS)
_BEFORE_COUNT = re.compile(r"trước\s*$", _FLAGS)
_CELL_START = re.compile(r"\|[^\S\n]*(?:\*\*)?$")
_CELL_END = re.compile(r"(?:\*\*)?[^\S\n]*\.?[^\S\n]*\|")
_STATUS_BEFORE = re.compile(r"(?:tính|cập\s+nhật|lũy\s+kế|số\s+liệu)\s*$", _FLAGS)
_EV_SPECIFIC = re.compile(r"thứ|thường|khóa|\d|tết|trung\s+ương|[ivxlc]{2,}", _FLAGS)
_RANGE_DUE_MARKER = re.compile(r"hoàn|xong|kết\s+thúc|trước|chậm|muộn|hạn", _FLAGS)
_REC_UNIT_OF = re.compile(r"(?:hằng|hàng|mỗi|định\s+kỳ)\s+(ngày|tuần|tháng|quý|năm)", _FLAGS)
_REC_HALF = re.compile(rf"(?:hằng|hàng|mỗi|định\s+kỳ)\s+{_SIX_MONTHS}|{_SIX_MONTHS}{_ONCE}", _FLAGS)
_WS = re.compile(r"\s+")

# Every branch of _MASTER starts with a digit or one of these words (kept in
# sync by a test that compares the pre-filtered scan with a full finditer).
_TRIGGERS = frozenset(
    {
        "trước", "chậm", "muộn", "trong", "đến", "tới", "không", "vào", "thời", "hạn", "hoàn", "xong",
        "kết", "ngay", "định", "hằng", "hàng", "mỗi", "từ", "ngày", "thứ", "chủ", "đầu", "giữa", "cuối",
        "tuần", "tháng", "quý", "năm", "hôm", "kịp", "sau", "tối", "tại", "một", "hai", "ba", "bốn", "sáu",
        "bảy", "tám", "chín", "mười",
    }
)  # fmt: skip
_TOKEN = re.compile(r"\w+")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DIGIT_WORDS = {
    "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
    "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_TEN = "mười"
_TENS = "mươi"
_REL_OFFSET = {"nay": 0, "này": 0}
_REC_BY_UNIT = {
    "ngày": Recurrence.DAILY,
    "tuần": Recurrence.WEEKLY,
    "tháng": Recurrence.MONTHLY,
    "quý": Recurrence.QUARTERLY,
    "năm": Recurrence.YEARLY,
}
_EXCLUSIVE_YEAR_MARKERS = frozenset({"đến", "tới", "vào"})


@dataclass(frozen=True, slots=True)
class DeadlineMatch:
    """One deadline-like phrase found in a text.

    Attributes:
        start: Offset of the phrase in the text passed to :func:`find_deadlines`.
        end: Offset just after the phrase.
        text: ``text[start:end]``.
        due: Resolved due date; None when event-bound, vague, recurring only,
            or when a needed reference date is missing.
        recurrence: A :class:`core.domain.Recurrence` value for recurring
            duties, else None.
        kind: "date", "period", "relative", "event", "urgent" or "recurring".
        urgent: True for urgency markers ("ngay"), including a period
            introduced by "ngay" ("ngay trong tháng 8/2023").
    """

    start: int
    end: int
    text: str
    due: date | None
    recurrence: str | None
    kind: str
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class _Ctx:
    text: str
    reference: date | None
    calendar: WorkCalendar
    assume_deadline: bool  # a phrase given as a deadline: no marker needed


@dataclass(frozen=True, slots=True)
class _Core:
    """A date or period expression taken apart."""

    shape: str  # "day" | "month" | "quarter" | "year" | "nmonths" | "point"
    due: date | None


# ---------------------------------------------------------------------------
# Calendar helpers
# ---------------------------------------------------------------------------
def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= _MONTHS_PER_YEAR or not 1 <= year <= _MAX_YEAR:
        return None
    return date(year, month, monthrange(year, month)[1])


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * _MONTHS_PER_YEAR + (month - 1) + offset
    return index // _MONTHS_PER_YEAR, index % _MONTHS_PER_YEAR + 1


def _quarter_end(year: int, quarter: int) -> date | None:
    return _month_end(year, quarter * _MONTHS_PER_QUARTER)


def _quarter_point(year: int, quarter: int, pos: str) -> date | None:
    first_month = (quarter - 1) * _MONTHS_PER_QUARTER + 1
    if pos == "đầu":
        return _safe_date(year, first_month, 1)
    if pos == "giữa":
        return _safe_date(year, first_month + 1, _MID_MONTH_DAY)
    return _quarter_end(year, quarter)


def _month_point(year: int, month: int, pos: str) -> date | None:
    if pos == "đầu":
        return _safe_date(year, month, 1)
    if pos == "giữa":
        return _safe_date(year, month, _MID_MONTH_DAY)
    return _month_end(year, month)


def _year_point(year: int, pos: str) -> date | None:
    if pos == "đầu":
        return _safe_date(year, 1, 1)
    if pos == "giữa":
        return _month_end(year, 6)
    return _month_end(year, _MONTHS_PER_YEAR)


def _add_months(start: date, months: int) -> date | None:
    year, month = _shift_month(start.year, start.month, months)
    end = _month_end(year, month)
    if end is None:
        return None
    return end.replace(day=min(start.day, end.day))


def _add_days(start: date, days: int) -> date | None:
    try:
        result = start + timedelta(days=days)
    except OverflowError:
        return None
    return result if result.year <= _MAX_YEAR else None


def _friday_of_week(day: date, weeks_ahead: int) -> date | None:
    """Friday of the week of ``day`` plus ``weeks_ahead`` weeks (never before ``day``)."""
    days = _FRIDAY - day.weekday() + _DAYS_PER_WEEK * weeks_ahead
    return _add_days(day, days if days >= 0 else days + _DAYS_PER_WEEK)


def _norm(text: str) -> str:
    return _WS.sub(" ", text.strip().lower())


def _rel_offset(word: str | None) -> int:
    if word is None:
        return 0
    return _REL_OFFSET.get(_norm(word), 1)


def _pick_year(
    explicit: str | None,
    rel: str | None,
    reference: date | None,
    build: Callable[[int], date | None],
    *,
    rollover: bool,
) -> date | None:
    """Resolve ``build`` with the explicit year, a relative year word, or the reference year."""
    if explicit:
        return build(int(explicit))
    if reference is None:
        return None
    if rel:
        return build(reference.year + _rel_offset(rel))
    due = build(reference.year)
    if rollover and due is not None and due < reference - timedelta(days=_ROLLOVER_DAYS):
        return build(reference.year + 1)
    return due


def _parse_number(text: str) -> int | None:
    """Digits or a Vietnamese number word ("mười", "hai mươi lăm") as an int."""
    if text.isdigit():
        return int(text)
    words = _norm(text).split()
    if words[0] == _TEN:
        return 10 + (_DIGIT_WORDS.get(words[1], 0) if len(words) > 1 else 0)
    if len(words) > 1 and words[1] == _TENS:
        units = sum(_DIGIT_WORDS.get(word, 0) for word in words[2:3])
        return _DIGIT_WORDS.get(words[0], 0) * 10 + units
    return _DIGIT_WORDS.get(words[0])


# ---------------------------------------------------------------------------
# Taking a core apart
# ---------------------------------------------------------------------------
def _valid_day_month(day: int, month: int) -> bool:
    return 1 <= month <= _MONTHS_PER_YEAR and 1 <= day <= monthrange(2000, month)[1]


def _day_core(core: str, reference: date | None, *, rollover: bool) -> _Core | None:
    m = _C_FULL_TEXT.fullmatch(core) or _C_NUM_FULL.fullmatch(core)
    if m is None:
        m = _C_DAY_TEXT.fullmatch(core) or _C_DAY_NUM.fullmatch(core)
    if m is None:
        return None
    groups = m.groupdict()
    if groups.get("s1") is not None and groups["s1"] != groups["s2"]:
        return None
    day, month = int(m["d"]), int(m["m"])
    if not _valid_day_month(day, month):
        return None

    def build(year: int) -> date | None:
        return _safe_date(year, month, day)

    return _Core("day", _pick_year(groups.get("y"), None, reference, build, rollover=rollover))


def _split_year_tail(core: str) -> tuple[str, str | None, str | None]:
    """``(head, explicit year, relative year word)`` of "tháng 12 năm 2025"-like cores."""
    tail = _C_YEAR_TAIL.search(core)
    if tail is None:
        return core, None, None
    return core[: tail.start()], tail["y"] or tail["y2"], tail["yrel"]


def _quarter_number(raw: str) -> int:
    return _ROMAN.get(raw.lower()) or int(raw)


def _month_core(core: str, reference: date | None, *, rollover: bool) -> _Core | None:
    head, explicit, rel = _split_year_tail(core)
    months = [int(x) for x in _C_MONTH_NUMBER.findall(head)]
    if not months or not all(1 <= x <= _MONTHS_PER_YEAR for x in months):
        return None
    month = months[-1]
    due = _pick_year(explicit, rel, reference, lambda y: _month_end(y, month), rollover=rollover)
    return _Core("month", due)


def _quarter_core(core: str, reference: date | None, *, rollover: bool) -> _Core | None:
    head, explicit, rel = _split_year_tail(core)
    quarters = _C_QUARTER_NUMBER.findall(head)
    if not quarters:
        return None
    quarter = _quarter_number(quarters[-1])
    due = _pick_year(explicit, rel, reference, lambda y: _quarter_end(y, quarter), rollover=rollover)
    return _Core("quarter", due)


def _year_core(core: str) -> _Core | None:
    m = _C_YEAR.fullmatch(core)
    if m is None:
        return None
    return _Core("year", _month_end(int(m["y"]), _MONTHS_PER_YEAR))


def _nmonths_core(core: str, reference: date | None, *, rollover: bool) -> _Core | None:
    m = _C_NMONTHS.fullmatch(core)
    if m is None:
        return None
    count = _parse_number(m["n"])
    if count is None or not 1 <= count <= _MONTHS_PER_YEAR:
        return None
    last_month = count if _norm(m["pos"]) == "đầu" else _MONTHS_PER_YEAR
    due = _pick_year(m["y"], m["yrel"], reference, lambda y: _month_end(y, last_month), rollover=rollover)
    return _Core("nmonths", due)


def _relative_month(reference: date | None, rel: str | None) -> tuple[int, int] | None:
    if reference is None:
        return None
    return _shift_month(reference.year, reference.month, _rel_offset(rel))


def _point_month_core(m: re.Match[str], reference: date | None, *, rollover: bool) -> _Core | None:
    pos = _norm(m["pos"])
    if m["m"] is not None:
        month = int(m["m"])
        if not 1 <= month <= _MONTHS_PER_YEAR:
            return None
        due = _pick_year(
            m["y"] or m["y2"], m["yrel"], reference, lambda y: _month_point(y, month, pos), rollover=rollover
        )
        return _Core("point", due)
    shifted = _relative_month(reference, m["mrel"])
    return _Core("point", None if shifted is None else _month_point(shifted[0], shifted[1], pos))


def _point_quarter_core(m: re.Match[str], reference: date | None, *, rollover: bool) -> _Core:
    pos = _norm(m["pos"])
    if m["q"] is not None:
        quarter = _quarter_number(m["q"])
        explicit = m["y"] or m["y2"]
        due = _pick_year(explicit, m["yrel"], reference, lambda y: _quarter_point(y, quarter, pos), rollover=rollover)
        return _Core("point", due)
    if reference is None:
        return _Core("point", None)
    index = (reference.year * 4 + (reference.month - 1) // _MONTHS_PER_QUARTER) + _rel_offset(m["qrel"])
    return _Core("point", _quarter_point(index // 4, index % 4 + 1, pos))


def _point_core(core: str, reference: date | None, *, rollover: bool) -> _Core | None:
    if m := _C_POINT_YEAR.fullmatch(core):
        pos = _norm(m["pos"])
        due = _pick_year(m["y"], m["yrel"], reference, lambda y: _year_point(y, pos), rollover=False)
        return _Core("point", due)
    if m := _C_POINT_MONTH.fullmatch(core):
        return _point_month_core(m, reference, rollover=rollover)
    if m := _C_POINT_QUARTER.fullmatch(core):
        return _point_quarter_core(m, reference, rollover=rollover)
    return None


def _resolve_core(core: str, reference: date | None, *, rollover: bool = True) -> _Core | None:
    """Take a date or period expression apart; None when it is not a valid one."""
    core = _WS.sub(" ", core.strip())
    lead = _CORE_LEAD.match(core)
    if lead is not None:
        core = core[lead.end() :]
    first = core[:1].lower()
    if first.isdigit():
        return (
            _day_core(core, reference, rollover=rollover)
            or _nmonths_core(core, reference, rollover=rollover)
            or _year_core(core)
        )
    if first == "t":
        return _month_core(core, reference, rollover=rollover)
    if first == "q":
        return _quarter_core(core, reference, rollover=rollover)
    if first == "n":
        return _year_core(core)
    if first in {"đ", "g", "c"}:
        return _point_core(core, reference, rollover=rollover)
    return _nmonths_core(core, reference, rollover=rollover)


# ---------------------------------------------------------------------------
# Branch handlers: each turns one regex match into a DeadlineMatch or None.
# ---------------------------------------------------------------------------
def _make(
    m: re.Match[str],
    ctx: _Ctx,
    due: date | None,
    kind: str,
    *,
    recurrence: str | None = None,
    urgent: bool = False,
) -> DeadlineMatch:
    start, end = m.span()
    return DeadlineMatch(start, end, ctx.text[start:end], due, recurrence, kind, urgent)


def _recurrence_of(phrase: str) -> Recurrence:
    if _REC_HALF.search(phrase):
        return Recurrence.HALF_YEARLY
    units = _REC_UNIT_OF.findall(phrase)
    return _REC_BY_UNIT.get(_norm(units[-1]) if units else "", Recurrence.MONTHLY)


def _on_recurring(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    return _make(m, ctx, None, "recurring", recurrence=_recurrence_of(m.group()))


def _on_event(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    prefix = _norm(m["ev_pre"])
    head = _norm(m["ev_head"])
    tail = ctx.text[m.end("ev_head") : m.end()]
    if prefix in {"tại", "trong"} and (m["ev_period"] is None or head == "tết"):
        return None  # "Tại phiên họp, ..." narrates the meeting itself
    if prefix == "vào" and head != "tết" and not _EV_SPECIFIC.search(tail):
        return None
    due = None
    if m["ev_period"] is not None and head != "tết":
        core = _resolve_core(m["ev_period"], ctx.reference)
        due = core.due if core else None
    if _is_past(due, ctx.reference):
        return None
    return _make(m, ctx, due, "event")


def _is_past(due: date | None, reference: date | None) -> bool:
    """A dated phrase long before the reference narrates the past."""
    return due is not None and reference is not None and due < reference - timedelta(days=_ROLLOVER_DAYS)


def _on_range(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    prefix = m["rng_pre"]
    if prefix is None or not _RANGE_DUE_MARKER.search(prefix):
        return None  # a time window ("từ ngày X đến ngày Y"), not a due date
    core = _resolve_core(m["rng_end"], ctx.reference)
    if core is None:
        return None
    return _make(m, ctx, core.due, "date" if core.shape == "day" else "period")


def _relative_due(start: date, count: int, unit: str, calendar: WorkCalendar) -> date | None:
    if unit.startswith("ngày làm"):
        if start.year + count // _MIN_WORKDAYS_PER_YEAR + 1 > _MAX_YEAR:
            return None
        return calendar.add_workdays(start, count)
    if unit.startswith("tuần"):
        due = _add_days(start, _DAYS_PER_WEEK * count)
    elif unit == "tháng":
        due = _add_months(start, count)
    elif unit == "năm":
        due = _add_months(start, _MONTHS_PER_YEAR * count)
    else:
        due = _add_days(start, count)
    return calendar.next_workday(due) if due is not None else None


def _on_relative(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    unit = _norm(m["rel_unit"])
    workdays = unit.startswith("ngày làm")
    if m["rel_pre"] is None and not ctx.assume_deadline and not workdays:
        return None
    if m["rel_pre"] is None and _BEFORE_COUNT.search(ctx.text, max(0, m.start() - 12), m.start()):
        return None  # "trước 05 ngày làm việc": N days before something
    count = _parse_number(m["rel_n"])
    if count is None:
        return None
    start = ctx.reference
    if m["rel_anchor"] is not None:
        anchor = _day_core(_WS.sub(" ", m["rel_anchor"]), ctx.reference, rollover=False)
        start = anchor.due if anchor else None
    due = _relative_due(start, count, unit, ctx.calendar) if start is not None else None
    return _make(m, ctx, due, "relative")


def _next_due(core: str, reference: date) -> date | None:
    words = core.split()
    if words[-1] == "mai":
        return _add_days(reference, 1)
    if words[-1] == "nay" and words[-2] == "hôm":
        return reference
    unit, offset = words[0], _rel_offset(" ".join(words[1:]))
    if unit == "tuần":
        return _friday_of_week(reference, offset)
    if unit == "tháng":
        year, month = _shift_month(reference.year, reference.month, offset)
        return _month_end(year, month)
    if unit == "quý":
        index = reference.year * 4 + (reference.month - 1) // _MONTHS_PER_QUARTER + offset
        return _quarter_end(index // 4, index % 4 + 1)
    return _month_end(reference.year + offset, _MONTHS_PER_YEAR)


def _on_next(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    core = _norm(m["nxt_core"])
    standalone_ok = core == "ngày mai" or (core.startswith("tuần") and _rel_offset(core[5:]) > 0)
    if m["nxt_pre"] is None and not ctx.assume_deadline and not standalone_ok:
        return None
    due = _next_due(core, ctx.reference) if ctx.reference is not None else None
    urgent = m["nxt_pre"] is not None and _norm(m["nxt_pre"]).startswith("ngay")
    return _make(m, ctx, due, "relative", urgent=urgent)


def _alone_in_table_cell(m: re.Match[str], text: str) -> bool:
    """A date that fills a table cell ("| Tháng 12/2025 |"), as in deadline columns."""
    return bool(_CELL_START.search(text, max(0, m.start() - 10), m.start())) and bool(_CELL_END.match(text, m.end()))


def _abs_allowed(prefix: str | None, core: _Core, m: re.Match[str], ctx: _Ctx) -> bool:
    """Whether an absolute date or period is a deadline in its context."""
    if prefix is None:
        if ctx.assume_deadline or _alone_in_table_cell(m, ctx.text):
            return True
        core_text = _norm(m["abs_core"])
        return (
            core.shape == "point"
            and not core_text.startswith("đầu")
            and not _NOT_AFTER_BARE_POINT.search(ctx.text, max(0, m.start() - 12), m.start())
        )
    if prefix in _EXCLUSIVE_YEAR_MARKERS and core.shape == "year":
        return False  # "đến năm 2030", "vào năm 2050": targets
    if prefix.startswith(("đến", "tới")) and _STATUS_BEFORE.search(ctx.text, max(0, m.start() - 20), m.start()):
        return False  # "tính đến ngày 31/10/2025": the date of a status report
    return not (
        prefix == "vào"
        and core.shape == "day"
        and _EVENT_BEFORE_VAO.search(ctx.text, max(0, m.start() - 160), m.start())
    )


def _abs_due(core: _Core, m: re.Match[str], ctx: _Ctx) -> date | None:
    after = ctx.text[m.end() : m.end() + 30]
    if core.shape == "day" and _VAGUE_AFTER_DAY.match(after):
        return None  # "ngày 15 tháng 02 của năm liền kề ..."
    if core.shape in {"nmonths", "point"} and _VAGUE_AFTER_PERIOD.match(after):
        return None  # "02 tháng cuối năm 2025 và những tháng đầu năm 2026"
    return core.due


def _on_absolute(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    core = _resolve_core(m["abs_core"], ctx.reference)
    if core is None:
        return None
    prefix = _norm(m["abs_pre"]) if m["abs_pre"] is not None else None
    if not _abs_allowed(prefix, core, m, ctx):
        return None
    due = _abs_due(core, m, ctx)
    if _is_past(due, ctx.reference):
        return None
    urgent = prefix is not None and prefix.startswith("ngay")
    return _make(m, ctx, due, "date" if core.shape == "day" else "period", urgent=urgent)


def _on_urgent(m: re.Match[str], ctx: _Ctx) -> DeadlineMatch | None:
    return _make(m, ctx, None, "urgent", urgent=True)


_HANDLERS: tuple[tuple[str, Callable[[re.Match[str], _Ctx], DeadlineMatch | None]], ...] = (
    ("rec", _on_recurring),
    ("ev", _on_event),
    ("rng", _on_range),
    ("rel", _on_relative),
    ("nxt", _on_next),
    ("abs", _on_absolute),
    ("urg", _on_urgent),
)


def _candidate_starts(text: str) -> Iterator[int]:
    """Offsets of the words a phrase can start with (a fast pre-filter for ``_MASTER``)."""
    for token in _TOKEN.finditer(text):
        word = token.group()
        if word[0].isdigit() or word.lower() in _TRIGGERS:
            yield token.start()


def _master_matches(text: str) -> Iterator[re.Match[str]]:
    """Same matches as ``_MASTER.finditer(text)``, trying only the candidate starts."""
    last_end = 0
    for pos in _candidate_starts(text):
        if pos < last_end:
            continue
        m = _MASTER.match(text, pos)
        if m is not None:
            last_end = m.end()
            yield m


def _scan(ctx: _Ctx) -> Iterator[DeadlineMatch]:
    for m in _master_matches(ctx.text):
        for group, handler in _HANDLERS:
            if m.group(group) is not None:
                found = handler(m, ctx)
                if found is not None:
                    yield found
                break


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def find_deadlines(text: str, *, reference: date | None, calendar: WorkCalendar) -> list[DeadlineMatch]:
    """All deadline phrases in ``text``, left to right, non-overlapping.

    Args:
        text: NFC text (offsets refer to it unchanged).
        reference: Meeting date, or the document date when the meeting date is
            unknown. Yearless dates take its year (the next year when the date
            would lie more than about two months before it); relative periods
            count from it. With None such phrases are kept with ``due=None``.
        calendar: Working-day calendar for "ngày làm việc" counts and for
            moving period ends off weekends and holidays.

    Returns:
        The matches. Recurring duties, event-bound deadlines and urgency
        markers are included with ``due=None`` (see ``kind``).
    """
    return list(_scan(_Ctx(text, reference, calendar, assume_deadline=False)))


def resolve_deadline(phrase: str, *, reference: date | None, calendar: WorkCalendar) -> date | None:
    """Resolve one phrase given as a deadline (e.g. a user's reply "trước 30/6").

    Unlike :func:`find_deadlines`, no deadline marker is needed: "30/6/2026",
    "2026-06-30", "tháng 12" or "15 ngày làm việc" are read as deadlines.

    Args:
        phrase: The phrase.
        reference: Date that yearless dates and relative periods refer to.
        calendar: Working-day calendar.

    Returns:
        The first resolvable due date in the phrase, or None (no date, an
        event, a recurring duty, or a missing reference).
    """
    iso = _C_ISO.fullmatch(phrase.strip())
    if iso is not None:
        return _safe_date(int(iso["y"]), int(iso["m"]), int(iso["d"]))
    for found in _scan(_Ctx(phrase, reference, calendar, assume_deadline=True)):
        if found.due is not None:
            return found.due
    return None


def parse_date(text: str, *, reference: date | None) -> date | None:
    """Parse the first plain date in ``text`` (used for meeting and document dates).

    Accepts "ngày 22 tháng 11 năm 2023", "22/11/2023", "ngày 05/8/2020",
    "5-8-2020", "2023-11-22", and yearless "ngày 9/7", "Chiều 2/8" or a bare
    "9/7", which take the year of ``reference`` (no roll-over).

    Args:
        text: Text containing the date.
        reference: Supplies the year of yearless dates.

    Returns:
        The date, or None when there is none (or it is yearless and
        ``reference`` is None).
    """
    for m in _PLAIN_DATE.finditer(text):
        if m["iso"] is not None:
            iso = _C_ISO.fullmatch(m["iso"])
            found = _safe_date(int(iso["y"]), int(iso["m"]), int(iso["d"])) if iso else None
        else:
            core = _day_core(_WS.sub(" ", m["full"] or m["short"]), reference, rollover=False)
            found = core.due if core else None
        if found is not None:
            return found
    only = _ONLY_DAY_NUM.fullmatch(text)
    if only is not None:
        core = _day_core(f"{only['d']}/{only['m']}", reference, rollover=False)
        return core.due if core else None
    return None
