"""Domain data types shared by every layer.

Plain frozen dataclasses: no I/O, no third-party imports. Offsets (``start``/``end``)
are Python string indices into the source text exactly as it was read, so that
``text[start:end] == evidence``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Recurrence(StrEnum):
    """How often a recurring duty repeats ("báo cáo hằng tháng")."""

    DAILY = "hằng ngày"
    WEEKLY = "hằng tuần"
    MONTHLY = "hằng tháng"
    QUARTERLY = "hằng quý"
    HALF_YEARLY = "6 tháng"
    YEARLY = "hằng năm"


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    """Metadata of the meeting a text reports on (all optional: texts often omit them)."""

    date: dt.date | None = None
    chair: str | None = None
    location: str | None = None
    title: str | None = None
    attendees: tuple[str, ...] = ()
    document_number: str | None = None  # "467/TB-VPCP" or "212-TB/TU"
    document_date: dt.date | None = None  # date of issue or of publication
    issuer: str | None = None  # "VĂN PHÒNG CHÍNH PHỦ"


@dataclass(frozen=True, slots=True)
class Conclusion:
    """One numbered conclusion of the chair, with its span in the source text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """A task given to one lead agency, as proposed by the extractor (a person confirms it)."""

    lead: str  # as written in the text
    lead_canonical: str | None  # canonical current name from the gazetteer, if known
    cooperating: tuple[str, ...]
    task: str
    deadline: dt.date | None
    deadline_text: str | None
    recurrence: str | None
    evidence: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything the extractor found in one text."""

    meeting: MeetingInfo
    conclusions: tuple[Conclusion, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    warnings: tuple[str, ...] = field(default=())
