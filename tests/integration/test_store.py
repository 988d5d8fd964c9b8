"""The SQLite store: pragmas, migrations, idempotent intake, the work queue, people and the audit log."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.records import MeetingState, Role, SourceFile, User
from storage.audit import entries
from storage.db import open_database
from storage.meetings import MeetingRepository
from storage.people import PeopleRepository
from storage.workqueue import WorkQueue

NOW = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def parts(tmp_path: Path):
    store = open_database(tmp_path / "k.db")
    clock = FixedClock(NOW)
    yield store, MeetingRepository(store, clock), PeopleRepository(store, clock), WorkQueue(store, clock)
    store.close()


def test_pragmas_and_reopen_applies_no_migration_twice(tmp_path: Path) -> None:
    store = open_database(tmp_path / "k.db")
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
    again = open_database(tmp_path / "k.db")
    applied = list(again.db.table("_sqlite_migrations").rows)
    assert [row["name"] for row in applied] == [
        "m001_initial", "m002_tracking", "m003_search", "m004_retention", "m005_task_reminders"
    ]  # fmt: skip
    again.close()


def test_foreign_keys_are_enforced(parts) -> None:
    store, *_ = parts
    with pytest.raises(sqlite3.IntegrityError), store.write() as db:
        db.execute("INSERT INTO work_queue (meeting_id, state, created_at) VALUES (999, 'queued', 'x')")


def test_same_update_twice_makes_one_meeting_and_one_job(parts) -> None:
    _, meetings, _, queue = parts
    first, new1 = meetings.create(created_by=1, chat_id=1, source_kind="text", update_id=77, text="ghi chú " * 10)
    second, new2 = meetings.create(created_by=1, chat_id=1, source_kind="text", update_id=77, text="ghi chú " * 10)
    assert (new1, new2) == (True, False)
    assert first.id == second.id
    assert len(queue.jobs()) == 1
    assert meetings.text(first.id) == "ghi chú " * 10


def test_queue_claims_each_job_once_in_order_and_requeues_interrupted(parts) -> None:
    _, meetings, _, queue = parts
    ids = [
        meetings.create(created_by=1, chat_id=1, source_kind="text", update_id=i, text="x" * 50)[0].id for i in range(3)
    ]
    assert [queue.position(i) for i in ids] == [0, 1, 2]
    job = queue.claim()
    assert job is not None and job.meeting_id == ids[0] and job.attempts == 1
    assert queue.position(ids[1]) == 1  # the running job is ahead
    assert queue.requeue_interrupted() == 1  # a restart puts it back
    again = queue.claim()
    assert again is not None and again.meeting_id == ids[0] and again.attempts == 2
    queue.finish(again.id, "done")
    assert queue.cancel(ids[2]) is True
    nxt = queue.claim()
    assert nxt is not None and nxt.meeting_id == ids[1]
    assert queue.claim() is None


def test_processed_updates_are_remembered(parts) -> None:
    *_, queue = parts
    assert queue.first_delivery(5) is True
    assert queue.first_delivery(5) is False


def test_invite_works_once_and_is_audited(parts) -> None:
    store, _, people, _ = parts
    agency = people.add_agency("Sở Tài chính", actor=1)
    token = people.create_invite(agency.id, actor=1)
    assert len(token) >= 16 and len(f"/start {token}") <= 64
    user = people.redeem_invite(token, user_id=42, name="Lan")
    assert user == User(id=42, role=Role.OFFICIAL, agency_id=agency.id, name="Lan")
    assert people.redeem_invite(token, user_id=43, name="Khác") is None
    with store.read() as db:
        actions = [e["action"] for e in entries(db)]
    assert actions == ["agency.add", "invite.create", "user.put", "invite.redeem"]


def test_head_contact_must_be_one_of_the_agencys_officials(parts) -> None:
    from core.errors import InputError
    from core.services.access import AccessService

    store, _, people, _ = parts
    access = AccessService(people=people, admin_ids=frozenset({1}))
    finance, trade = people.add_agency("Sở Tài chính", actor=1), people.add_agency("Sở Công Thương", actor=1)
    people.redeem_invite(people.create_invite(finance.id, actor=1), user_id=42, name="Lan")
    people.redeem_invite(people.create_invite(trade.id, actor=1), user_id=43, name="Minh")
    with pytest.raises(InputError) as refused:  # Minh is not Sở Tài chính's
        access.set_head("Sở Tài chính", "43", actor=2)
    assert "Lan (42)" in refused.value.message  # its officials are listed
    agency, head = access.set_head("sở tài chính", "lan", actor=2)
    assert head is not None and head.id == 42 and agency.head_user_id == 42
    assert people.agency(finance.id) == agency
    assert access.set_head("Sở Tài chính", "bỏ", actor=2)[0].head_user_id is None
    with store.read() as db:
        assert [e["action"] for e in entries(db)].count("agency.head") == 2


def test_audit_log_is_append_only(parts) -> None:
    store, meetings, _, _ = parts
    meeting, _ = meetings.create(created_by=1, chat_id=1, source_kind="text", update_id=1, text="x" * 50)
    meetings.set_state(meeting.id, MeetingState.FAILED, error="lỗi")
    for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"), store.write() as db:
            db.execute(statement)
    with store.read() as db:
        assert [e["action"] for e in entries(db, entity="meeting", entity_id=meeting.id)] == [
            "meeting.create",
            "meeting.state",
        ]


def test_source_file_round_trip(parts) -> None:
    _, meetings, _, _ = parts
    source = SourceFile("FILE1", "hop.ogg", "audio/ogg", 1234, "U1")
    meeting, _ = meetings.create(created_by=1, chat_id=1, source_kind="media", update_id=9, source=source)
    assert meetings.source(meeting.id) == source
    meetings.set_source_path(meeting.id, "/data/files/1.ogg", "ab" * 32)
    stored = meetings.source(meeting.id)
    assert stored is not None and stored.path == "/data/files/1.ogg" and stored.sha256 == "ab" * 32
    assert meetings.text(meeting.id) is None
