"""Meeting metadata: document number and date, meeting date, chair, place, topic, attendees.

Pure functions over the normalised text and its blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from core.domain import MeetingInfo
from nlp.actors import Actor
from nlp.deadlines import parse_date
from nlp.normalize import UPPER
from nlp.segment import Block, split_sentences

_DOC_NUMBER = re.compile(r"Số\s*:?\s*(?P<n>(?:\d+|…|\.{2,})\s*(?:/[A-ZĐ]{1,6}-[A-ZĐ0-9&.-]+|-[A-ZĐ]{1,6}/[A-ZĐ0-9]+))")
_HEADER_DATE = re.compile(
    r"(?P<place>[A-ZĐ][^\n,*|]{1,40}),\s*ngày\s+(?P<d>\d{1,2}|…|\.+)\s+tháng\s+(?P<m>\d{1,2}|…|\.+)\s+năm\s+(?P<y>\d{4})"
)
_POSTED = re.compile(
    r"(?:Giờ đăng|Ngày đăng|Cập nhật|Đăng ngày|Ngày)\s*:?\s*(?:\d{1,2}:\d{2}\s*)?(?P<d>\d{1,2}/\d{1,2}/\d{4})"
    r"|(?P<d2>\d{1,2}/\d{1,2}/\d{4})\s*(?:-\s*)?\d{1,2}:\d{2}|\d{1,2}:\d{2}\s*(?:-\s*)?(?P<d3>\d{1,2}/\d{1,2}/\d{4})"
)
_MEETING_WORDS = re.compile(
    r"(?<!\w)(?:chủ trì|cuộc họp|phiên họp|hội nghị|hội thảo|buổi làm việc|làm việc với|làm việc tại|họp|khảo sát"
    r"|đến thăm|tọa đàm|giao ban)(?!\w)",
    re.IGNORECASE,
)
_DATE_LEAD = re.compile(
    r"(?:^|[\s(,.-])(?:(?:[Ss]áng|[Cc]hiều|[Tt]ối|[Tt]rưa)\s+(?:nay\s+)?(?:ngày\s+)?|[Nn]gày\s+|Từ ngày\s+)"
    r"(?P<date>\d{1,2}(?:\s+đến(?:\s+ngày)?\s+\d{1,2})?(?:\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?|[/-]\d{1,2}(?:[/-]\d{4})?))"
)
_RANGE = re.compile(r"^(?P<d>\d{1,2})\s+đến(?:\s+ngày)?\s+\d{1,2}(?P<rest>.*)$")
_LOCATION = re.compile(r"(?<!\w)tại\s+(?P<loc>[^,.;]{3,80}?)(?=,|\.|;|\s+(?:Phó|Thủ|Chủ|Bộ|đã|ông|bà)\s)")
_ATTEND = re.compile(
    r"(?:Tham dự(?: cuộc họp| buổi làm việc| hội nghị| chương trình làm việc)?\s+có|Cùng dự(?: [^,.]{0,30})?\s+có"
    r"|Dự (?:Hội thảo|hội nghị|cuộc họp)\s+có|tham dự cuộc họp)\s+(?P<who>[^.]+)\.",
)
_CHAIR_BEFORE = re.compile(r"\s*(?:,\s*)?(?:đã\s+)?(?:chủ trì|kết luận như sau|có ý kiến chỉ đạo|đã có ý kiến chỉ đạo)")
_MIN_ISSUER = 4
_LOCATION_WINDOW = 150  # "tại …" belongs to the meeting only before the chair's verb
_NOT_A_PLACE = re.compile(r"(?:Nghị quyết|Quyết định|Thông báo|Kết luận|Công văn|Chỉ thị|Luật|văn bản)\b", re.I)
_DATE_WINDOW = 60  # a meeting date opens its sentence ("Sáng ngày 9/7, …")
# "… hoàn thành trước ngày 15/12": a deadline, not the day of the meeting. A narrower list than the
# markers of nlp.deadlines (_MARK): "vào ngày …", "trong ngày …" also open meeting sentences.
_DEADLINE_CUE = re.compile(
    r"(?:trước|chậm nhất(?:\s+là|\s+vào)?|hạn(?:\s+chót|\s+cuối)?(?:\s+là)?|hết|xong|đến)\s*$", re.IGNORECASE
)
_TITLE_CHARS = 60
_TITLE_KIND = re.compile(r"^\s*(?:THÔNG BÁO|CÔNG VĂN|KẾT LUẬN|BIÊN BẢN)\s*$")


def document_number(text: str) -> str | None:
    """The "Số: 467/TB-VPCP" or party-style "1022-CV/TU" number in the header."""
    m = _DOC_NUMBER.search(text[:3000])
    return re.sub(r"\s+", "", m.group("n")) if m else None


def document_date(text: str, blocks: Sequence[Block]) -> date | None:
    """Issue date from the header ("Hà Nội, ngày 14 tháng 10 năm 2024") or a news posting date."""
    head = text[:3000]
    m = _HEADER_DATE.search(head)
    if m and m.group("d").isdigit() and m.group("m").isdigit():
        try:
            return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            pass
    for region in (head, text[-3000:]):
        p = _POSTED.search(region)
        if p:
            raw = p.group("d") or p.group("d2") or p.group("d3")
            parsed = parse_date(raw, reference=None)
            if parsed:
                return parsed
    return None


def issuer(blocks: Sequence[Block]) -> str | None:
    """The issuing body printed at the top left of the header, if present."""
    for b in blocks[:6]:
        t = b.text.strip("| *")
        if b.kind == "table":
            t = t.split("|")[0].strip(" *-")
            t = re.sub(r"\s*-{3,}.*$", "", t)
        if t.isupper() and len(t) > _MIN_ISSUER and not t.startswith(("CỘNG HÒA", "ĐẢNG CỘNG SẢN", "THÔNG BÁO")):
            return t
    return None


def meeting_date(text: str, blocks: Sequence[Block], reference: date | None, stop: int) -> tuple[date | None, int]:
    """The date of the meeting: a dated sentence with a meeting word, before ``stop``.

    Returns:
        The date (year from ``reference`` when missing) and the offset of that sentence (or -1).
    """
    for b in blocks:
        if b.start >= stop:
            break
        if b.kind == "table":
            continue
        for s in split_sentences(text, b.start, b.end):
            if not _MEETING_WORDS.search(s.text):
                continue
            for m in _DATE_LEAD.finditer(s.text):
                if m.start() > _DATE_WINDOW:
                    break
                if _DEADLINE_CUE.search(s.text[: m.start() + 1]):
                    continue
                raw = m.group("date")
                rng = _RANGE.match(raw)
                if rng:
                    raw = rng.group("d") + rng.group("rest")
                raw = raw if "tháng" not in raw else "ngày " + raw
                d = parse_date(raw, reference=reference)
                if d is not None:
                    if reference is not None and not re.search(r"\d{4}", raw) and d > reference:
                        d = d.replace(year=d.year - 1)
                    return d, s.start
    return None, -1


def chair(text: str, actors: Sequence[Actor], sentence_start: int, stop: int) -> str | None:
    """The chair: a named leader who "chủ trì" / "kết luận" / first directs.

    When the chair is mentioned by title only ("Thủ tướng Chính phủ kết luận"), the
    earlier mention with the same title and a name is used.
    """
    leaders = [a for a in actors if a.is_leader and a.start < stop]
    found = _chair_mention(text, leaders, sentence_start)
    if found is None:
        return None
    if not _HAS_NAME.search(found):
        for a in leaders:
            if a.text.startswith(found) and _HAS_NAME.search(a.text[len(found) :]):
                return _with_apposition(text, a)
    return found


_HAS_NAME = re.compile(rf"[{UPPER}][^\s,.;]*\s+[{UPPER}][^\s,.;]*\s*$")


def _chair_mention(text: str, leaders: Sequence[Actor], sentence_start: int) -> str | None:
    for a in leaders:
        if a.start >= sentence_start >= 0 and _CHAIR_BEFORE.match(text, a.end):
            return _with_apposition(text, a)
    for a in leaders:
        if _CHAIR_BEFORE.match(text, a.end):
            return _with_apposition(text, a)
    for a in leaders:
        passive = re.search(r"(?:được|của|do|bởi)\s+$", text[max(0, a.start - 8) : a.start])
        directs = re.match(r"\s*(?:,[^,.]{3,80},\s*)?(?:cũng\s+)?(?:yêu cầu|giao|chỉ đạo|đề nghị)\s", text[a.end :])
        if directs and not passive:
            return _with_apposition(text, a)
    return None


_NAMED_BEFORE = re.compile(
    rf"(?:[Ôô]ng|[Bb]à|[Đđ]ồng chí)\s+(?:[{UPPER}][^\s,.;]*\s+){{1,3}}[{UPPER}][^\s,.;]*(?:,\s*[^,.;]{{3,60}}?)*,\s*$"
)


def _with_apposition(text: str, a: Actor) -> str:
    """Include the name around a title: "ông Trần Việt Trường, Phó Bí thư Thành ủy, Chủ tịch UBND TP Cần Thơ".

    Handles the name after the title ("Ông X, Chủ tịch …,") and before it ("ông X, …, Chủ tịch … chủ trì").
    """
    before = _NAMED_BEFORE.search(text[max(0, a.start - 160) : a.start])
    if before and not a.text.lower().startswith(("ông", "bà", "đồng chí")):
        return text[a.start - (len(text[max(0, a.start - 160) : a.start]) - before.start()) : a.end]
    m = re.match(
        r",\s*((?:Phó |Chủ |Bí |Trưởng |Giám )[^,.;]{3,60}(?:,\s*(?:Phó |Chủ |Bí )[^,.;]{3,60})*),",
        text[a.end :],
    )
    if m and a.text.lower().startswith(("ông", "bà", "đồng chí")):
        return text[a.start : a.end + 1 + len(m.group(0)) - 1].rstrip(",")
    return a.text


_CHAIRED = re.compile(
    r"(?<!\w)chủ trì\s+(?P<what>(?:cuộc|buổi|phiên|hội|Hội)[^.;:]{5,400}?)(?=[.;:]|,\s+(?:với|có)\s|$)"
)


def topic(text: str, sentence_start: int) -> str | None:
    """What the chair chaired, from the meeting sentence: "Hội nghị trực tuyến phiên họp thứ 3 của Ban Chỉ đạo"."""
    if sentence_start < 0:
        return None
    m = _CHAIRED.search(text, sentence_start, sentence_start + 600)
    return " ".join(m.group("what").split()) if m else None


def title(text: str, blocks: Sequence[Block]) -> str | None:
    """The trích yếu after "THÔNG BÁO" (None when the text has no such title)."""
    for i, b in enumerate(blocks[:25]):
        if _TITLE_KIND.match(b.text.strip("* ")):
            parts: list[str] = []
            for nxt in blocks[i + 1 : i + 5]:
                t = nxt.text.strip("* ")
                if not t or re.match(r"^(?:Ngày|Từ ngày|Sáng|Chiều|Căn cứ|Thực hiện)\b", t) or t.startswith("-"):
                    break
                parts.append(t)
                if len(" ".join(parts)) > _TITLE_CHARS and not t.isupper():
                    break
            joined = " ".join(parts).strip()
            return joined or None
    return None


def attendees(text: str, stop: int) -> tuple[str, ...]:
    """Who attended, split into the groups the text lists ("Tham dự cuộc họp có …")."""
    m = _ATTEND.search(text, 0, stop)
    if not m:
        return ()
    who = m.group("who")
    parts = re.split(r";\s*|,\s+(?=(?:đại diện|lãnh đạo|Chủ tịch|Phó|Thứ trưởng|Bộ trưởng|các |Văn phòng)\b)", who)
    return tuple(p.strip(" ,") for p in parts if p.strip(" ,"))


def location(text: str, sentence_start: int) -> str | None:
    """Where the meeting took place ("tại Trụ sở Chính phủ")."""
    if sentence_start < 0:
        return None
    chaired = re.compile(r"(?<!\w)(?:chủ trì|đã đến|đã đi|tổ chức)(?!\w)").search(text, sentence_start)
    stop = chaired.start() if chaired else sentence_start + _LOCATION_WINDOW
    m = _LOCATION.search(text, sentence_start, stop)
    if m is None or _NOT_A_PLACE.match(m.group("loc")):
        return None  # "tại Nghị quyết số …" names a document, not a place
    return m.group("loc").strip()


def meeting_info(
    text: str,
    blocks: Sequence[Block],
    actors: Sequence[Actor],
    *,
    stop: int,
    given_date: date | None,
    received: date | None = None,
) -> MeetingInfo:
    """Collect the meeting metadata found before offset ``stop`` (the directive part).

    ``received`` (the day the notes arrived) gives a yearless meeting date its year when the
    text has no document date.
    """
    doc_date = document_date(text, blocks)
    found_date, sentence = meeting_date(text, blocks, doc_date or received, stop)
    return MeetingInfo(
        date=given_date or found_date,
        chair=chair(text, actors, sentence, max(stop, sentence + 1)),
        location=location(text, sentence),
        title=title(text, blocks) or topic(text, sentence),
        attendees=attendees(text, stop),
        document_number=document_number(text),
        document_date=doc_date,
        issuer=issuer(blocks),
    )
