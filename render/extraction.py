"""Extraction results as the JSON contract of ``extract --json`` and as a Vietnamese summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.domain import Assignment, Conclusion, Extraction, MeetingInfo
from core.errors import InputError

_PREVIEW = 200  # characters of a conclusion shown in the summary


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def to_json_dict(extraction: Extraction) -> dict[str, Any]:
    """The exact object ``python main.py extract --json`` prints (see README)."""
    m = extraction.meeting
    return {
        "meeting": {
            "date": _iso(m.date),
            "chair": m.chair,
            "location": m.location,
            "title": m.title,
            "attendees": list(m.attendees),
        },
        "conclusions": [{"text": c.text, "start": c.start, "end": c.end} for c in extraction.conclusions],
        "assignments": [
            {
                "lead": a.lead,
                "lead_canonical": a.lead_canonical,
                "cooperating": list(a.cooperating),
                "task": a.task,
                "deadline": _iso(a.deadline),
                "deadline_text": a.deadline_text,
                "recurrence": a.recurrence,
                "evidence": a.evidence,
                "start": a.start,
                "end": a.end,
            }
            for a in extraction.assignments
        ],
    }


def _vn_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "…"


def summary_text(extraction: Extraction) -> str:
    """A readable Vietnamese summary of an extraction (for the terminal or a chat preview)."""
    m = extraction.meeting
    lines = [
        "THÔNG TIN CUỘC HỌP",
        f"- Ngày họp: {_vn_date(m.date)}",
        f"- Chủ trì: {m.chair or '…'}",
        f"- Địa điểm: {m.location or '…'}",
        f"- Nội dung: {m.title or '…'}",
    ]
    if m.attendees:
        lines.append(f"- Thành phần: {'; '.join(m.attendees)}")
    lines.append("")
    lines.append(f"KẾT LUẬN ({len(extraction.conclusions)})")
    for i, c in enumerate(extraction.conclusions, 1):
        text = " ".join(c.text.split())
        lines.append(f"{i}. {text[:_PREVIEW]}{'…' if len(text) > _PREVIEW else ''}")
    lines.append("")
    lines.append(f"NHIỆM VỤ ĐƯỢC GIAO ({len(extraction.assignments)})")
    for i, a in enumerate(extraction.assignments, 1):
        lines.append(
            f"{i}. Chủ trì: {a.lead}"
            + (f" ({a.lead_canonical})" if a.lead_canonical and a.lead_canonical != a.lead else "")
        )
        if a.cooperating:
            lines.append(f"   Phối hợp: {', '.join(a.cooperating)}")
        lines.append(f"   Nhiệm vụ: {a.task}")
        if a.deadline or a.deadline_text:
            lines.append(
                f"   Thời hạn: {_vn_date(a.deadline) if a.deadline else 'chưa xác định'}"
                + (f" («{a.deadline_text}»)" if a.deadline_text else "")
            )
        if a.recurrence:
            lines.append(f"   Định kỳ: {a.recurrence}")
        lines.append(f"   Trích dẫn: «{' '.join(a.evidence.split())}»")
    if not extraction.assignments:
        lines.append("(Không tìm thấy nhiệm vụ nào.)")
    return "\n".join(lines)


def from_json_dict(data: object) -> Extraction:
    """Read back the object of ``extract --json`` (possibly edited by hand).

    Raises:
        InputError: the object does not follow the contract (the message names the field).
    """
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"Tệp JSON không đúng cấu trúc của lệnh extract --json: {exc}.", detail=f"bad extraction JSON: {exc!r}"
        ) from exc


def _date_or_none(value: object) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise TypeError(f"ngày phải là chuỗi YYYY-MM-DD, không phải {value!r}")
    return date.fromisoformat(value)


def _text(value: object, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"trường {field!r} phải là chuỗi")
    return value


def _from_json(data: object) -> Extraction:
    if not isinstance(data, dict):
        raise TypeError("gốc phải là một đối tượng JSON")
    m = data["meeting"]
    meeting = MeetingInfo(
        date=_date_or_none(m.get("date")),
        chair=_text(m.get("chair"), "chair", optional=True),
        location=_text(m.get("location"), "location", optional=True),
        title=_text(m.get("title"), "title", optional=True),
        attendees=tuple(str(x) for x in m.get("attendees", [])),
    )
    conclusions = tuple(
        Conclusion(str(_text(c["text"], "text")), int(c.get("start", 0)), int(c.get("end", 0)))
        for c in data.get("conclusions", [])
    )
    assignments = tuple(
        Assignment(
            lead=str(_text(a["lead"], "lead")),
            lead_canonical=_text(a.get("lead_canonical"), "lead_canonical", optional=True),
            cooperating=tuple(str(x) for x in a.get("cooperating", [])),
            task=str(_text(a.get("task", ""), "task")),
            deadline=_date_or_none(a.get("deadline")),
            deadline_text=_text(a.get("deadline_text"), "deadline_text", optional=True),
            recurrence=_text(a.get("recurrence"), "recurrence", optional=True),
            evidence=str(a.get("evidence", "")),
            start=int(a.get("start", 0)),
            end=int(a.get("end", 0)),
        )
        for a in data["assignments"]
    )
    return Extraction(meeting=meeting, conclusions=conclusions, assignments=assignments)
