"""Use cases: review the proposed assignments, edit them, and export the draft notice.

Edits reuse the extraction's own agency matcher and deadline resolver. The draft is
composed from the reviewed data only: the meeting's (edited) metadata, its conclusions and
the confirmed assignments.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.domain import Assignment, Conclusion, Extraction, MeetingInfo
from core.errors import ConfigError, InputError
from core.records import ItemStatus, Meeting, MeetingState, ReviewItem
from core.services.drafting import DraftService
from nlp.transcript_format import to_srt
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository

logger = logging.getLogger(__name__)

ITEM_EDITABLE = ("lead", "cooperating", "task", "deadline")
MEETING_EDITABLE = ("title", "meeting_date", "chair", "location")
SUGGESTIONS = 3


class Matcher(Protocol):
    """What review needs from the extraction pipeline (nlp.pipeline.Extractor)."""

    def canonical_agency(self, name: str) -> str | None:
        """Canonical name of a typed agency, or None."""
        ...

    def agency_names(self) -> tuple[str, ...]:
        """Every known agency name."""
        ...

    def deadline(self, phrase: str, *, reference: dt.date | None) -> dt.date | None:
        """A typed deadline resolved against ``reference``."""
        ...

    def date(self, text: str, *, reference: dt.date | None) -> dt.date | None:
        """A typed plain date."""
        ...

    def extract(
        self,
        text: str,
        *,
        meeting_date: dt.date | None = None,
        received: dt.date | None = None,
        directives: bool = False,
    ) -> Extraction:
        """Extract from a typed sentence."""
        ...


@dataclass(frozen=True, slots=True)
class AgencyMatch:
    """A typed agency name, resolved."""

    name: str  # the directory's or gazetteer's name when known, else as typed
    known: bool
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EditResult:
    """What an edit reply did."""

    meeting_id: int
    item: ReviewItem | None = None  # the edited or added assignment
    meeting: Meeting | None = None  # the edited meeting
    unknown_agencies: tuple[AgencyMatch, ...] = ()  # typed names not in the directory or gazetteer


@dataclass
class ReviewService:
    """Review, edit and export one meeting's proposal."""

    meetings: MeetingRepository
    people: PeopleRepository
    matcher: Matcher
    drafts: DraftService
    pdf_available: bool
    timezone: dt.tzinfo  # the organisation's: the day a meeting was received is a local day

    def match_agency(self, typed: str) -> AgencyMatch:
        """Resolve a typed agency: the directory first (names and aliases), then the gazetteer."""
        text = " ".join(typed.split()).strip(" .;,")
        folded = text.casefold()
        directory = self.people.agencies()
        for agency in directory:
            if folded in (agency.name.casefold(), *(alias.casefold() for alias in agency.aliases)):
                return AgencyMatch(agency.name, known=True)
        canonical = self.matcher.canonical_agency(text)
        if canonical is not None:
            return AgencyMatch(canonical, known=True)
        names = {a.name for a in directory} | set(self.matcher.agency_names())
        by_fold = {name.casefold(): name for name in names}
        close = difflib.get_close_matches(folded, list(by_fold), n=SUGGESTIONS, cutoff=0.6)
        return AgencyMatch(text, known=False, suggestions=tuple(by_fold[c] for c in close))

    def unknown_to_directory(self, meeting_id: int) -> list[str]:
        """Agencies named by the meeting's live assignments that the directory does not hold."""
        directory = {a.name.casefold() for a in self.people.agencies()}
        names: list[str] = []
        for item in self.meetings.items(meeting_id):
            if item.status is ItemStatus.DROPPED:
                continue
            for name in (item.lead, *item.cooperating):
                if name.casefold() not in directory and name not in names:
                    names.append(name)
        return names

    def add_to_directory(self, names: list[str], *, actor: int) -> int:
        """Add agencies to the directory; returns how many were new."""
        before = len(self.people.agencies())
        for name in names:
            self.people.add_agency(name, actor=actor)
        return len(self.people.agencies()) - before

    def set_status(self, item_id: int, status: ItemStatus, *, actor: int) -> ReviewItem:
        """Confirm, drop or reopen one assignment."""
        self._editable_item(item_id)
        return self.meetings.update_item(item_id, actor=actor, status=status)

    def confirm_all(self, meeting_id: int, *, actor: int) -> int:
        """Confirm every assignment still proposed; returns how many."""
        items = [i for i in self.meetings.items(meeting_id) if i.status is ItemStatus.PROPOSED]
        for item in items:
            self.meetings.update_item(item.id, actor=actor, status=ItemStatus.CONFIRMED)
        return len(items)

    def ask(self, user_id: int, *, kind: str, target_id: int, field: str | None = None) -> None:
        """Remember that the user's next text answers an edit question."""
        if kind == "item":
            self._editable_item(target_id)
        self.meetings.set_pending(user_id, kind=kind, target_id=target_id, field=field)

    def answer(self, user_id: int, text: str) -> EditResult | None:
        """Apply the user's reply to the question asked last, or None when none was asked.

        Raises:
            InputError: the reply cannot be read as the field asked for (the question is asked again).
        """
        pending = self.meetings.pop_pending(user_id)
        if pending is None:
            return None
        kind, target, field = pending
        try:
            if kind == "item" and field is not None:
                return self._edit_item(target, field, text, actor=user_id)
            if kind == "add":
                return self._add_item(target, text, actor=user_id)
            if kind == "meeting" and field is not None:
                return self._edit_meeting(target, field, text, actor=user_id)
        except InputError:
            self.meetings.set_pending(user_id, kind=kind, target_id=target, field=field)
            raise
        return None

    def _editable_item(self, item_id: int) -> ReviewItem:
        item = self.meetings.item(item_id)
        if item is None:
            raise InputError("Không tìm thấy nhiệm vụ này.", detail=f"no assignment {item_id}")
        meeting = self.meetings.get(item.meeting_id)
        if meeting is None or meeting.state is not MeetingState.REVIEW:
            raise InputError(
                "Cuộc họp này không còn ở bước rà soát nên không sửa được.",
                detail=f"meeting of assignment {item_id} is not under review",
            )
        return item

    def _reference(self, meeting_id: int) -> dt.date | None:
        meeting = self.meetings.get(meeting_id)
        return meeting.meeting_date or meeting.received_on(self.timezone) if meeting else None

    def _edit_item(self, item_id: int, field: str, text: str, *, actor: int) -> EditResult:
        item = self._editable_item(item_id)
        value = " ".join(text.split())
        unknown: list[AgencyMatch] = []
        if field == "lead":
            match = self.match_agency(value)
            unknown += [] if match.known else [match]
            changes: dict[str, object] = {"lead": match.name, "lead_canonical": match.name if match.known else None}
        elif field == "cooperating":
            if value.casefold() in {"không", "khong", "-", "0"}:
                changes = {"cooperating": ()}
            else:
                matches = [self.match_agency(part) for part in _split_names(value)]
                unknown += [m for m in matches if not m.known]
                changes = {"cooperating": tuple(m.name for m in matches)}
        elif field == "task":
            if len(value) < 3:  # noqa: PLR2004
                raise InputError("Nội dung nhiệm vụ trống; hãy gõ lại nội dung.", detail="empty task")
            changes = {"task": value}
        elif field == "deadline":
            changes = self._deadline_changes(value, self._reference(item.meeting_id))
        else:
            raise InputError("Không sửa được mục này.", detail=f"unknown assignment field {field!r}")
        updated = self.meetings.update_item(item_id, actor=actor, **changes)
        return EditResult(item.meeting_id, item=updated, unknown_agencies=tuple(unknown))

    def _deadline_changes(self, value: str, reference: dt.date | None) -> dict[str, object]:
        if value.casefold() in {"không", "khong", "không có", "-", "0"}:
            return {"deadline": None, "deadline_text": None}
        due = self.matcher.deadline(value, reference=reference)
        if due is None:
            raise InputError(
                f"Không hiểu thời hạn «{value}». Ví dụ: «30/6/2026», «trước ngày 15 tháng 12», "
                "«trong 10 ngày làm việc», «quý III/2026»; gõ «không» nếu không có thời hạn.",
                detail="unparsed deadline reply",
            )
        return {"deadline": due, "deadline_text": value}

    def _add_item(self, meeting_id: int, text: str, *, actor: int) -> EditResult:
        meeting = self.meetings.get(meeting_id)
        if meeting is None or meeting.state is not MeetingState.REVIEW:
            raise InputError("Cuộc họp này không còn ở bước rà soát.", detail=f"meeting {meeting_id} not in review")
        extraction = self.matcher.extract(
            text, meeting_date=meeting.meeting_date, received=meeting.received_on(self.timezone), directives=True
        )
        if not extraction.assignments:
            raise InputError(
                "Không nhận ra nhiệm vụ trong câu này. Hãy viết theo mẫu: «Giao Sở Tài chính chủ trì, phối hợp "
                "với Sở Xây dựng rà soát dự toán, hoàn thành trước ngày 30/6/2026».",
                detail="no assignment in the added sentence",
            )
        found = extraction.assignments[0]
        lead = self.match_agency(found.lead_canonical or found.lead)
        cooperating = [self.match_agency(name) for name in found.cooperating]
        item = self.meetings.add_item(
            meeting_id,
            actor=actor,
            lead=lead.name,
            task=found.task,
            lead_canonical=lead.name if lead.known else None,
            cooperating=tuple(m.name for m in cooperating),
            deadline=found.deadline,
            deadline_text=found.deadline_text,
            recurrence=found.recurrence,
        )
        unknown = tuple(m for m in (lead, *cooperating) if not m.known)
        return EditResult(meeting_id, item=item, unknown_agencies=unknown)

    def _edit_meeting(self, meeting_id: int, field: str, text: str, *, actor: int) -> EditResult:
        value = " ".join(text.split())
        if field not in MEETING_EDITABLE:
            raise InputError("Không sửa được mục này.", detail=f"unknown meeting field {field!r}")
        if field == "meeting_date":
            meeting = self.meetings.get(meeting_id)
            reference = meeting.received_on(self.timezone) if meeting else None
            parsed = self.matcher.date(value, reference=reference)
            if parsed is None:
                raise InputError(
                    f"Không hiểu ngày «{value}». Hãy gõ dạng 22/11/2026.", detail="unparsed meeting date reply"
                )
            updated = self.meetings.update_info(meeting_id, actor=actor, meeting_date=parsed)
        else:
            updated = self.meetings.update_info(meeting_id, actor=actor, **{field: value})
        return EditResult(meeting_id, meeting=updated)

    def transcript_srt(self, meeting_id: int) -> str | None:
        """The recording's transcript as SubRip subtitles, or None for typed notes."""
        transcript = self.meetings.transcript(meeting_id)
        return to_srt(transcript) if transcript is not None else None

    # Export
    def reviewed_extraction(self, meeting_id: int) -> Extraction:
        """The meeting as reviewed: edited metadata, conclusions and confirmed assignments only."""
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            raise InputError("Không tìm thấy cuộc họp.", detail=f"no meeting {meeting_id}")
        info = MeetingInfo(
            date=meeting.meeting_date,
            chair=meeting.chair,
            location=meeting.location,
            title=meeting.title,
            attendees=meeting.attendees,
        )
        conclusions = tuple(Conclusion(text, 0, 0) for text in self.meetings.conclusions(meeting_id))
        assignments = tuple(
            Assignment(
                lead=item.lead,
                lead_canonical=item.lead_canonical,
                cooperating=item.cooperating,
                task=item.task,
                deadline=item.deadline,
                deadline_text=item.deadline_text,
                recurrence=item.recurrence,
                evidence=item.evidence,
                start=0,
                end=0,
            )
            for item in self.meetings.items(meeting_id)
            if item.status is ItemStatus.CONFIRMED
        )
        return Extraction(meeting=info, conclusions=conclusions, assignments=assignments)

    def export(self, meeting_id: int, out_dir: Path) -> list[Path]:
        """Write the draft as .docx (and .pdf where LibreOffice is installed); returns the files.

        Raises:
            InputError: the meeting is unknown or not processed yet.
        """
        meeting = self.meetings.get(meeting_id)
        if meeting is None or meeting.state not in (MeetingState.REVIEW, MeetingState.ISSUED):
            raise InputError(
                "Cuộc họp này chưa xử lý xong nên chưa xuất được dự thảo.", detail=f"meeting {meeting_id} not ready"
            )
        announcement = self.drafts.compose(self.reviewed_extraction(meeting_id))
        stem = f"du-thao-thong-bao-ket-luan-{meeting_id}"
        files = [self.drafts.write(announcement, out_dir / f"{stem}.docx")]
        if self.pdf_available:
            try:
                files.append(self.drafts.write(announcement, out_dir / f"{stem}.pdf"))
            except ConfigError as exc:
                logger.warning("PDF export failed", extra={"detail": exc.detail})
        return files


def _split_names(value: str) -> list[str]:
    """Agency names typed as a list: "Sở Tài chính, Sở Xây dựng; UBND huyện A"."""
    parts = [p.strip(" .") for chunk in value.split(";") for p in chunk.split(",")]
    return [p for p in parts if p]
