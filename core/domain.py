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


@dataclass(frozen=True, slots=True)
class Signature:
    """The signature block of a notice (Decree 30, boxes 7a-7c)."""

    authority: str | None  # "KT. BỘ TRƯỞNG, CHỦ NHIỆM", "TL. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"; None when the head signs
    title: str  # "PHÓ CHỦ NHIỆM", "CHÁNH VĂN PHÒNG" ("…" when unknown)
    name: str  # "Nguyễn Sỹ Hiệp" ("…" when unknown)


@dataclass(frozen=True, slots=True)
class BodyItem:
    """One paragraph of the notice's content.

    ``level`` 0 is a khoản ("1."), 1 a điểm ("a)"), 2 a bullet ("-"); ``marker`` is what is
    printed before the text ("1.", "a)", "-", or "" for a plain paragraph). A ``heading``
    item carries a heading only (an agency name heading its sub-items) and is set in bold.
    """

    marker: str
    text: str
    level: int = 0
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Announcement:
    """A draft Thông báo kết luận laid out per Decree 30/2020 Mẫu 1.4.

    Texts are as printed except case: the renderer upper-cases the header names, the
    kind and the signature lines. Unknown values are "…", never invented.
    """

    issuer: str  # "Văn phòng Chính phủ" (printed upper case, bold)
    issuer_parent: str | None  # "Ủy ban nhân dân tỉnh Lào Cai" (printed upper case, not bold) or None
    number: str  # "Số: …/TB-VPCP", "Số: 05/TB-VP"
    place_date: str  # "Hà Nội, ngày 05 tháng 3 năm 2026", "Hà Nội, ngày … tháng … năm 2026"
    kind: str  # "THÔNG BÁO"
    summary: str  # the trích yếu: "Kết luận của … tại cuộc họp …"
    opening: str  # date, place, chair, attendees, "… kết luận như sau:"
    items: tuple[BodyItem, ...]
    closing: str  # "Văn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./."
    recipients: tuple[str, ...]  # names, printed as "- name;" lines
    archive: str  # "Lưu: VT, TH." (printed as the last recipient line)
    signature: Signature


@dataclass(frozen=True, slots=True)
class DraftOptions:
    """What the organisation (settings) or the secretary (CLI, bot) says about a draft.

    Anything left ``None`` is printed as "…" for the secretary to fill in.
    """

    issuer: str | None = None  # "Văn phòng Chính phủ"
    issuer_parent: str | None = None  # "Ủy ban nhân dân tỉnh Lào Cai"
    code: str | None = None  # the issuer's abbreviation in the number: "VPCP" -> "Số: …/TB-VPCP"
    number: str | None = None  # the yearly serial once known: "467"
    place: str | None = None  # "Hà Nội"
    issue_date: dt.date | None = None
    signer_authority: str | None = None  # "KT. BỘ TRƯỞNG, CHỦ NHIỆM"
    signer_title: str | None = None  # "PHÓ CHỦ NHIỆM"
    signer_name: str | None = None
    drafter_unit: str | None = None  # "TH" in "Lưu: VT, TH."


PARAGRAPH_PAUSE_S = 2.0  # a pause at least this long between segments starts a new paragraph
PARAGRAPH_MAX_SEGMENTS = 6  # otherwise a new paragraph after this many segments


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """One stretch of recognised speech, with times in seconds from the start of the file.

    ``avg_logprob`` and ``no_speech_prob`` are the recogniser's own scores; ``flagged`` names
    why a kept segment is suspicious (``"low_confidence"``, ``"repetition"``, ...) or is None.
    """

    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    flagged: str | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    """The transcript of one recording."""

    language: str
    duration: float  # seconds of audio in the file
    model: str  # the model that produced it ("base", a directory name, a hub name)
    segments: tuple[TranscriptSegment, ...] = ()

    @property
    def text(self) -> str:
        """The segments' text as paragraphs separated by blank lines.

        A new paragraph starts after a pause of at least :data:`PARAGRAPH_PAUSE_S` seconds
        or after :data:`PARAGRAPH_MAX_SEGMENTS` segments.
        """
        paragraphs: list[list[str]] = []
        previous_end: float | None = None
        for segment in self.segments:
            text = segment.text.strip()
            if not text:
                continue
            pause = previous_end is not None and segment.start - previous_end >= PARAGRAPH_PAUSE_S
            if not paragraphs or pause or len(paragraphs[-1]) >= PARAGRAPH_MAX_SEGMENTS:
                paragraphs.append([])
            paragraphs[-1].append(text)
            previous_end = segment.end
        return "\n\n".join(" ".join(parts) for parts in paragraphs)


@dataclass(frozen=True, slots=True)
class TranscriptionProgress:
    """How far a transcription has come: seconds of audio done out of the total."""

    done_s: float
    total_s: float
    eta_s: float | None = None  # estimated seconds of work left, None until it can be estimated

    @property
    def fraction(self) -> float:
        """The share of the audio done, between 0 and 1."""
        if self.total_s <= 0:
            return 1.0
        return min(1.0, max(0.0, self.done_s / self.total_s))
