"""Stored records of the bot: people, agencies, meetings under review and their assignments.

Plain frozen dataclasses built by the repositories in ``storage/`` and used by the services
and the bot. Times are aware UTC datetimes; dates are calendar dates in the organisation's
time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a Telegram user may do."""

    ADMIN = "admin"  # from the settings (KETLUAN_ADMIN_IDS); can do all a secretary can
    SECRETARY = "secretary"  # added by an admin
    OFFICIAL = "official"  # joined through an agency's invite link
    NONE = "none"  # unknown: politely refused


class MeetingState(StrEnum):
    """Where a meeting is in the pipeline."""

    QUEUED = "queued"  # waiting for the worker
    WORKING = "working"  # being downloaded, transcribed or extracted
    REVIEW = "review"  # extraction done, the secretary reviews
    ISSUED = "issued"  # the notice was issued (task tracking)
    FAILED = "failed"  # the work failed; the error says why
    CANCELLED = "cancelled"  # the secretary cancelled the work


class ItemStatus(StrEnum):
    """Review status of one proposed assignment."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class Agency:
    """An agency of the directory (a department, a district, a ministry)."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    head_user_id: int | None = None  # the official escalations also go to (the agency's head contact)


@dataclass(frozen=True, slots=True)
class User:
    """A registered Telegram user (admins need no record)."""

    id: int
    role: Role
    agency_id: int | None
    name: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The file a meeting came from (a Telegram file until downloaded)."""

    file_id: str
    file_name: str
    mime_type: str | None = None
    size: int | None = None
    file_unique_id: str | None = None
    path: str | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting as stored: who sent it, where it is, and the reviewed metadata."""

    id: int
    created_by: int
    chat_id: int
    created_at: dt.datetime
    state: MeetingState
    source_kind: str  # "text", "document" or "media"
    status_message_id: int | None = None
    title: str | None = None
    meeting_date: dt.date | None = None
    chair: str | None = None
    location: str | None = None
    attendees: tuple[str, ...] = ()
    error: str | None = None

    def received_on(self, timezone: dt.tzinfo) -> dt.date:
        """The local day the notes or recording reached the bot (yearless dates in them are read against it)."""
        return self.created_at.astimezone(timezone).date()


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One assignment under review (proposed by the extractor or added by the secretary)."""

    id: int
    meeting_id: int
    position: int
    lead: str
    lead_canonical: str | None
    cooperating: tuple[str, ...]
    task: str
    deadline: dt.date | None
    deadline_text: str | None
    recurrence: str | None
    evidence: str
    status: ItemStatus
    origin: str = "extracted"


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of the persistent work queue: process one meeting."""

    id: int
    meeting_id: int
    state: str
    attempts: int
