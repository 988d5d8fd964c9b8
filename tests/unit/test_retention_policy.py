"""The retention policy's pure parts: when a meeting's data starts ageing and what is due."""

from __future__ import annotations

import datetime as dt

import pytest

from core.records import MeetingState
from core.services.maintenance import RetentionPolicy, due_items, retention_start
from storage.retention import DOCUMENT, RECORDING, TRANSCRIPT, MeetingHoldings

ISSUED = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)
UPDATED = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)


def _meeting(state: MeetingState = MeetingState.ISSUED, *, kind: str = "media", issued: bool = True, **extra):
    fields = {
        "meeting_id": 1,
        "state": state,
        "source_kind": kind,
        "updated_at": UPDATED,
        "issued_at": ISSUED if issued else None,
        "open_tasks": 0,
        "file_name": None if kind == "text" else "hop.ogg",
        "file_size": None if kind == "text" else 10,
        "has_transcript": True,
    }
    return MeetingHoldings(**(fields | extra))


@pytest.mark.parametrize(
    ("state", "issued", "start"),
    [
        (MeetingState.ISSUED, True, ISSUED),
        (MeetingState.FAILED, False, UPDATED),
        (MeetingState.CANCELLED, False, UPDATED),
        (MeetingState.REVIEW, False, None),
        (MeetingState.QUEUED, False, None),
        (MeetingState.WORKING, False, None),
    ],
)
def test_data_ages_from_the_issue_or_from_when_the_work_stopped(state, issued, start) -> None:
    assert retention_start(_meeting(state, issued=issued)) == start


def test_due_exactly_at_the_configured_days_and_not_a_second_earlier() -> None:
    policy = RetentionPolicy(recordings_days=90, transcripts_days=120)
    meeting = _meeting()
    day_90 = ISSUED + dt.timedelta(days=90)
    assert due_items(meeting, policy, day_90 - dt.timedelta(seconds=1)) == ()
    assert due_items(meeting, policy, day_90) == (RECORDING,)
    assert due_items(meeting, policy, ISSUED + dt.timedelta(days=120)) == (RECORDING, TRANSCRIPT)


def test_none_and_zero_keep_forever() -> None:
    far = ISSUED + dt.timedelta(days=100_000)
    assert due_items(_meeting(), RetentionPolicy(recordings_days=None), far) == ()
    assert due_items(_meeting(), RetentionPolicy(recordings_days=0, transcripts_days=0), far) == ()


def test_notes_files_follow_the_documents_days_and_typed_notes_the_transcripts_days() -> None:
    policy = RetentionPolicy(recordings_days=1, transcripts_days=None, documents_days=5)
    assert due_items(_meeting(kind="document"), policy, ISSUED + dt.timedelta(days=4)) == ()
    assert due_items(_meeting(kind="document"), policy, ISSUED + dt.timedelta(days=5)) == (DOCUMENT,)
    assert due_items(_meeting(kind="text"), policy, ISSUED + dt.timedelta(days=500)) == ()
    typed = RetentionPolicy(transcripts_days=2)
    assert due_items(_meeting(kind="text"), typed, ISSUED + dt.timedelta(days=2)) == (TRANSCRIPT,)


def test_what_is_no_longer_held_is_not_due() -> None:
    gone = _meeting(file_name=None, file_size=None, has_transcript=False)
    assert due_items(gone, RetentionPolicy(recordings_days=1, transcripts_days=1), ISSUED + dt.timedelta(days=9)) == ()


def test_default_policy_removes_recordings_after_90_days_and_keeps_the_rest() -> None:
    policy = RetentionPolicy()
    assert (policy.days(RECORDING), policy.days(TRANSCRIPT), policy.days(DOCUMENT)) == (90, None, None)
