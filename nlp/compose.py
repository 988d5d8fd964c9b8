"""Composing a draft Thông báo kết luận from an extraction (pure; no I/O).

The layout follows Decree 30/2020 Mẫu 1.4 (shared/reference/domain.md §1-2): header,
number, place and date, kind, trích yếu, opening paragraph, numbered content, closing,
recipients and signature. Nothing is invented: unknown values are printed as "…".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from core.domain import Announcement, Assignment, BodyItem, Conclusion, DraftOptions, Extraction, Signature
from nlp.normalize import UPPER

GAP = "…"
_LETTERS = "abcdđeghiklmnopqrstuvxy"  # Vietnamese alphabet order for điểm markers (no f, j, w, z)
_LEADING_MARKER = re.compile(r"^\s*(?:[IVX]+\.|\d+(?:\.\d+)*[.)-]|[a-zđ]\)|\([ivx\d]+\)|[-–+•])\s*")
_SPEAKER_PREFIX = re.compile(r"^(?:ông|bà|đồng chí|đ/c)\s+", re.IGNORECASE)


def nd30_date(d: date) -> str:
    """The date as printed, "ngày 05 tháng 3 năm 2026": days below 10 and months 1-2 take a leading 0."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)  # noqa: PLR2004 - the decree's rule
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def number_line(options: DraftOptions) -> str:
    """The number line, "Số: 05/TB-VPCP", or "Số: …/TB-VPCP" before the number is given."""
    serial = options.number or GAP
    if serial.isdigit():
        serial = f"{int(serial):02d}"
    return f"Số: {serial}/TB-{options.code or GAP}"


def place_date_line(options: DraftOptions, today: date) -> str:
    """The place and date line, with day and month left blank ("…") before issue."""
    place = options.place or GAP
    if options.issue_date is not None:
        return f"{place}, {nd30_date(options.issue_date)}"
    return f"{place}, ngày {GAP} tháng {GAP} năm {today.year}"


_CAPITALISED_RUN = re.compile(rf"[{UPPER}][^\s,.;:()]*(?:\s+[{UPPER}][^\s,.;:()]*)+")
_TITLE_HEAD = re.compile(
    r"^(?:thông báo\s+)?(?:kết luận|ý kiến chỉ đạo|ý kiến)(?:\s+của\s+(?P<who>.+?))?"
    r"\s+(?P<where>tại|trong)\s+(?P<event>(?:các\s+)?(?:cuộc họp|buổi làm việc|phiên họp|hội nghị|hội thảo)\b)\s*",
    re.IGNORECASE,
)
_OWN_SUMMARY = re.compile(r"^(?:thông báo\s+)?(?:kết luận|ý kiến chỉ đạo|ý kiến)\s+của\s", re.IGNORECASE)
_BARE_HEAD = re.compile(r"^(?:thông báo\s+)?kết luận\s+(?P<event>cuộc họp|buổi làm việc|phiên họp|hội nghị)\s*", re.I)


def _proper_names(extraction: Extraction) -> list[str]:
    """Runs of capitalised syllables in the source ("Việt Nam", "Thanh Hóa"), to restore an all-caps title."""
    texts = [c.text for c in extraction.conclusions] + [a.evidence for a in extraction.assignments]
    texts += [extraction.meeting.chair or "", extraction.meeting.location or "", *extraction.meeting.attendees]
    agencies = {a.lead_canonical or a.lead for a in extraction.assignments}
    agencies |= {c for a in extraction.assignments for c in a.cooperating}
    agencies.add(chair_name(extraction))
    runs = {m.group(0) for t in texts for m in _CAPITALISED_RUN.finditer(t)}
    return sorted(runs | {a for a in agencies if a[:1].isupper()}, key=len, reverse=True)


def _sentence_case(text: str, names: Sequence[str]) -> str:
    """Lower-case an all-caps title, then restore the source's proper names and the first letter."""
    if not text.isupper():
        return text
    lowered = text.lower()
    for name in names:
        lowered = re.sub(rf"(?<!\w){re.escape(name.lower())}(?!\w)", name, lowered)
    return lowered[:1].upper() + lowered[1:]


def chair_name(extraction: Extraction) -> str:
    """The chair as printed in a notice ("Phó Thủ tướng Chính phủ Trần Hồng Hà"), or "…"."""
    chair = extraction.meeting.chair
    return _SPEAKER_PREFIX.sub("", chair).strip() if chair else GAP


def meeting_topic(extraction: Extraction) -> tuple[str, str]:
    """What was held and about what: ("cuộc họp", "về đề án …") from the title or the meeting sentence."""
    title = extraction.meeting.title
    if not title:
        return "cuộc họp", f"về {GAP}"
    title = _sentence_case(" ".join(title.split()), _proper_names(extraction))
    m = _TITLE_HEAD.match(title) or _BARE_HEAD.match(title)
    if m:
        rest = title[m.end() :].strip()
        return m.group("event").lower(), rest or f"về {GAP}"
    first = title.split(" ", 1)
    if first[0].lower() in {"cuộc", "buổi", "phiên", "hội"} and len(first) > 1:
        event, _, rest = title.partition(" ")
        noun, _, rest = rest.partition(" ")
        return f"{event} {noun}".lower(), rest
    return "cuộc họp", title[:1].lower() + title[1:] if title[1:2].islower() else title


def summary_line(extraction: Extraction) -> str:
    """The trích yếu: "Kết luận của <chair> tại cuộc họp <topic>" (or the source's own, when it has one)."""
    title = " ".join((extraction.meeting.title or "").split())
    if _OWN_SUMMARY.match(title) and not _TITLE_HEAD.match(title):
        return _sentence_case(title, _proper_names(extraction))  # "Kết luận của Thủ tướng … Phạm Minh Chính"
    event, topic = meeting_topic(extraction)
    return " ".join(f"Kết luận của {chair_name(extraction)} tại {event} {topic}".split())


def _held(event: str, topic: str) -> str:
    return " ".join(f"{event} {topic}".split())


def opening_paragraph(extraction: Extraction) -> str:
    """Date, place, chair and attendees, ending "… kết luận như sau:"."""
    m = extraction.meeting
    when = nd30_date(m.date).capitalize() if m.date else f"Ngày {GAP} tháng {GAP} năm {GAP}"
    chair = chair_name(extraction)
    event, topic = meeting_topic(extraction)
    attendees = "; ".join(m.attendees) if m.attendees else GAP
    sentences = (
        f"{when}, tại {m.location or GAP}, {chair} đã chủ trì {_held(event, topic)}",
        f"Tham dự có {attendees}",
        f"Sau khi nghe báo cáo và ý kiến của các đại biểu dự họp, {chair} kết luận như sau:",
    )
    return " ".join(s if s.endswith((":", GAP)) else s + "." for s in sentences)


def _deadline_phrase(a: Assignment) -> str:
    if a.deadline_text:
        text = " ".join(a.deadline_text.split())
        if a.deadline is not None and not re.search(r"\d{4}", text):  # "trước ngày 20/9" -> "…20/9/2025"
            text = (
                f"{text}/{a.deadline.year}" if re.search(r"\d{1,2}/\d{1,2}$", text) else f"{text} năm {a.deadline.year}"
            )
        return text if text.lower().startswith(("hoàn thành", "xong", "ngay")) else f"hoàn thành {text}"
    if a.deadline is not None:
        return f"hoàn thành trước ngày {a.deadline:%d/%m/%Y}"
    return ""


def _task_sentence(a: Assignment, *, with_lead: bool) -> str:
    """One task as a sentence: "Giao <lead> chủ trì, phối hợp với <co> <task>, <deadline>."."""
    task = a.task.strip().rstrip(".") or GAP
    if task[1:2].islower():
        task = task[:1].lower() + task[1:]
    partners = [c for c in a.cooperating if c.lower() not in task.lower()]
    role = f"chủ trì, phối hợp với {', '.join(partners)} " if partners else ""
    if with_lead:
        sentence = f"{directive_verb(a)} {a.lead_canonical or a.lead} {role}{task}"
    else:
        sentence = f"{role}{task}"
        sentence = sentence[:1].upper() + sentence[1:]
    if a.recurrence and a.recurrence not in sentence:
        sentence += f", định kỳ {a.recurrence}"
    deadline = _deadline_phrase(a)
    if deadline:
        sentence += f", {deadline}"
    return sentence if sentence.endswith(GAP) else sentence + "."


_STATED_VERB = re.compile(r"^\s*(giao|yêu cầu|đề nghị)(?!\w)", re.IGNORECASE)
_ASKED_NOT_ORDERED = re.compile(r"(?:ủy\b|Đảng|Mặt trận|Quốc hội|Trung ương|Tập đoàn|Tổng công ty|Công ty|Hội\b)")


def directive_verb(a: Assignment) -> str:
    """The verb that hands a task over, as the source said it or by the addressee (domain.md §3.1).

    Party committees, Front and Assembly bodies and state groups are asked ("Đề nghị");
    subordinate agencies are assigned ("Giao").
    """
    stated = _STATED_VERB.match(a.evidence)
    if stated:
        return stated.group(1).capitalize()
    return "Đề nghị" if _ASKED_NOT_ORDERED.search(a.lead_canonical or a.lead) else "Giao"


def _conclusion_of(a: Assignment, conclusions: Sequence[Conclusion]) -> int | None:
    for i, c in enumerate(conclusions):
        if c.start <= a.start < c.end:
            return i
    return None


def body_items(extraction: Extraction) -> tuple[BodyItem, ...]:
    """The numbered content: conclusions without tasks as written, then the tasks per agency.

    Consecutive tasks of one agency become one item headed by the agency with lettered
    sub-items, as notices group them ("2. Sở Công Thương: a) … b) …").
    """
    conclusions = extraction.conclusions
    with_tasks = {_conclusion_of(a, conclusions) for a in extraction.assignments}
    items: list[BodyItem] = []
    n = 0
    for i, c in enumerate(conclusions):
        if i in with_tasks:
            continue
        n += 1
        text = " ".join(_LEADING_MARKER.sub("", c.text).split())
        items.append(BodyItem(f"{n}.", text))
    groups: list[list[Assignment]] = []
    for a in extraction.assignments:
        last = groups[-1][-1] if groups else None
        if last is not None and (last.lead_canonical or last.lead) == (a.lead_canonical or a.lead):
            groups[-1].append(a)
        else:
            groups.append([a])
    for group in groups:
        n += 1
        if len(group) == 1:
            items.append(BodyItem(f"{n}.", _task_sentence(group[0], with_lead=True)))
            continue
        lead = group[0].lead_canonical or group[0].lead
        items.append(BodyItem(f"{n}.", f"{directive_verb(group[0])} {lead}:", heading=True))
        for k, a in enumerate(group):
            items.append(BodyItem(f"{_LETTERS[k % len(_LETTERS)]})", _task_sentence(a, with_lead=False), level=1))
    return tuple(items)


def recipients(extraction: Extraction) -> tuple[str, ...]:
    """Nơi nhận: the chair (for report), then every lead and co-operating agency once, in order."""
    out: list[str] = []
    chair = chair_name(extraction)
    if chair != GAP:
        out.append(f"{chair} (để b/c)")
    for a in extraction.assignments:
        partners = [c for c in a.cooperating if not _VAGUE_PARTNER.search(c)]
        for written in (a.lead_canonical or a.lead, *partners):
            name = written[:1].upper() + written[1:]
            if name not in out:
                out.append(name)
    return tuple(out)


_VAGUE_PARTNER = re.compile(r"^(?:các|những)\s.*liên quan$", re.IGNORECASE)


def compose_announcement(extraction: Extraction, options: DraftOptions, *, today: date) -> Announcement:
    """Lay out a draft notice from an extraction (reviewed or not) and the organisation's options.

    Args:
        extraction: meeting info, conclusions and assignments.
        options: issuer, number, place, signer … (``None`` fields print as "…").
        today: the current date in the organisation's time zone (the year of an undated draft).
    """
    issuer = options.issuer or GAP
    return Announcement(
        issuer=issuer,
        issuer_parent=options.issuer_parent,
        number=number_line(options),
        place_date=place_date_line(options, today),
        kind="THÔNG BÁO",
        summary=summary_line(extraction),
        opening=opening_paragraph(extraction),
        items=body_items(extraction),
        closing=f"{issuer} thông báo để các cơ quan biết, thực hiện./.",
        recipients=recipients(extraction),
        archive=f"Lưu: VT, {options.drafter_unit}." if options.drafter_unit else f"Lưu: VT, {GAP}",
        signature=Signature(
            authority=options.signer_authority,
            title=options.signer_title or GAP,
            name=options.signer_name or GAP,
        ),
    )
