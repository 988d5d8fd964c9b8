"""Extraction results as the JSON contract of ``extract --json`` and as a Vietnamese summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.domain import Extraction

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
