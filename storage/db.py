"""The SQLite database: opening with the right pragmas, migrations, and write transactions.

One file under the data dir, one connection shared by the event loop and the worker thread,
guarded by a lock (SQLite has one writer anyway). Every connection gets WAL,
``synchronous=FULL`` (a committed state survives a power cut), ``foreign_keys=ON`` (off by
default in SQLite) and a busy timeout (platform-notes §4). The schema only grows through the
migrations below; applied ones are never edited.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations
from sqlite_utils.db import Table

BUSY_TIMEOUT_MS = 5000
DATABASE_NAME = "ketluan.db"  # the database file in the data dir

migrations = Migrations("ketluan")


@migrations()
def m001_initial(db: Database) -> None:
    """Agencies, people, meetings under review, the work queue and the audit log."""
    db.executescript(
        """
        CREATE TABLE agencies (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            aliases TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,              -- Telegram user id
            role TEXT NOT NULL CHECK (role IN ('secretary', 'official')),
            agency_id INTEGER REFERENCES agencies(id),
            name TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            CHECK (role = 'secretary' OR agency_id IS NOT NULL)
        );
        CREATE TABLE invites (
            token TEXT PRIMARY KEY,
            agency_id INTEGER NOT NULL REFERENCES agencies(id),
            created_by INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            used_by INTEGER,
            used_at TEXT
        );
        CREATE TABLE meetings (
            id INTEGER PRIMARY KEY,
            created_by INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            state TEXT NOT NULL,
            source_kind TEXT NOT NULL,
            source_update_id INTEGER UNIQUE,
            status_message_id INTEGER,
            title TEXT,
            meeting_date TEXT,
            chair TEXT,
            location TEXT,
            attendees TEXT NOT NULL DEFAULT '[]',
            error TEXT
        );
        CREATE TABLE source_files (
            meeting_id INTEGER PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
            file_id TEXT NOT NULL,
            file_unique_id TEXT,
            file_name TEXT NOT NULL,
            mime_type TEXT,
            size INTEGER,
            path TEXT,
            sha256 TEXT
        );
        CREATE TABLE transcripts (
            meeting_id INTEGER PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            language TEXT,
            duration REAL,
            model TEXT,
            segments TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE conclusions (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            lead TEXT NOT NULL,
            lead_canonical TEXT,
            cooperating TEXT NOT NULL DEFAULT '[]',
            task TEXT NOT NULL,
            deadline TEXT,
            deadline_text TEXT,
            recurrence TEXT,
            evidence TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'dropped')),
            origin TEXT NOT NULL DEFAULT 'extracted',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX assignments_meeting ON assignments(meeting_id, position);
        CREATE TABLE processed_updates (
            update_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL
        );
        CREATE TABLE work_queue (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            error TEXT
        );
        CREATE INDEX work_queue_state ON work_queue(state, id);
        CREATE TABLE pending_inputs (
            user_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            target_id INTEGER NOT NULL,
            field TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor INTEGER,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
    )


@migrations()
def m002_tracking(db: Database) -> None:
    """Issued tasks, their agencies, reminders (one row per message), extension requests."""
    _execute_each(
        db,
        """
        ALTER TABLE agencies ADD COLUMN head_user_id INTEGER;
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            assignment_id INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
            lead_agency_id INTEGER NOT NULL REFERENCES agencies(id),
            task TEXT NOT NULL,
            deadline TEXT,
            original_deadline TEXT,
            recurrence TEXT,
            issued_at TEXT NOT NULL,
            issued_by INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled')),
            acknowledged_at TEXT,
            acknowledged_by INTEGER,
            completed_at TEXT,
            completed_by INTEGER,
            completion_note TEXT,
            policy TEXT
        );
        CREATE TABLE task_agencies (
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            agency_id INTEGER NOT NULL REFERENCES agencies(id),
            role TEXT NOT NULL CHECK (role IN ('lead', 'cooperating')),
            PRIMARY KEY (task_id, agency_id)
        );
        CREATE INDEX task_agencies_agency ON task_agencies(agency_id);
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            chat_id INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'unknown', 'cancelled')),
            claimed_at TEXT,
            finished_at TEXT,
            error TEXT
        );
        CREATE INDEX reminders_due ON reminders(state, due_at);
        CREATE INDEX reminders_task ON reminders(task_id, state);
        CREATE TABLE extension_requests (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            requested_by INTEGER NOT NULL,
            requested_at TEXT NOT NULL,
            new_deadline TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
            decided_by INTEGER,
            decided_at TEXT
        );
        """,
    )


@migrations()
def m003_search(db: Database) -> None:
    """Full-text search (FTS5) over meeting texts, conclusions, assignments and tasks, kept by triggers.

    The tokenizer folds case and diacritics ("tai chinh" finds "tài chính").
    """
    db.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "kind UNINDEXED, ref_id UNINDEXED, meeting_id UNINDEXED, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for kind, table, key, columns in _SEARCHED:
        body = " || ' ' || ".join(f"coalesce(new.{c}, '')" for c in columns)
        # Names and kinds come from _SEARCHED, never from input.
        add = (
            "INSERT INTO search_index (kind, ref_id, meeting_id, body) "  # noqa: S608
            f"VALUES ('{kind}', new.{key}, new.meeting_id, {body})"
        )
        drop = f"DELETE FROM search_index WHERE kind = '{kind}' AND ref_id = old.{key}"  # noqa: S608
        db.execute(f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN {add}; END")
        db.execute(f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN {drop}; END")
        db.execute(f"CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} BEGIN {drop}; {add}; END")
        existing = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
        db.execute(
            "INSERT INTO search_index (kind, ref_id, meeting_id, body) "  # noqa: S608
            f"SELECT '{kind}', {key}, meeting_id, {existing} FROM {table}"
        )


@migrations()
def m004_retention(db: Database) -> None:
    """What data retention and an admin's removal took away, and an index to find a meeting's tasks.

    A removed source file keeps its row (name, size, sha256) with ``path`` cleared and
    ``removed_at`` set; a removed transcript leaves ``meetings.transcript_removed_at``; a
    meeting whose data an admin removed has ``forgotten_at``.
    """
    _execute_each(
        db,
        """
        ALTER TABLE source_files ADD COLUMN removed_at TEXT;
        ALTER TABLE meetings ADD COLUMN transcript_removed_at TEXT;
        ALTER TABLE meetings ADD COLUMN forgotten_at TEXT;
        CREATE INDEX tasks_meeting ON tasks(meeting_id, state);
        """,
    )


@migrations()
def m005_task_reminders(db: Database) -> None:
    """A task's own reminder policy: its days before the deadline (JSON list) or reminders off."""
    _execute_each(
        db,
        """
        ALTER TABLE tasks ADD COLUMN reminder_days TEXT;
        ALTER TABLE tasks ADD COLUMN reminders_off INTEGER NOT NULL DEFAULT 0;
        """,
    )


# What /tim searches: (kind, table, id column, text columns); every table has meeting_id.
_SEARCHED = (
    ("text", "transcripts", "meeting_id", ("text",)),
    ("conclusion", "conclusions", "id", ("text",)),
    ("assignment", "assignments", "id", ("lead", "task", "evidence")),
    ("task", "tasks", "id", ("task",)),
)


def _execute_each(db: Database, script: str) -> None:
    """Run ``;``-separated statements one by one, inside the migration's transaction (no triggers here)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


class Store:
    """The open database plus the lock that serialises its use across threads."""

    def __init__(self, db: Database) -> None:
        """Wrap an open database (see :func:`open_database`)."""
        self.db = db
        self._lock = threading.RLock()

    @contextmanager
    def read(self) -> Iterator[Database]:
        """Use the database for reading (serialised with writers of this process)."""
        with self._lock:
            yield self.db

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, taken with ``BEGIN IMMEDIATE`` (read-modify-write is safe).

        Nested use joins the outer transaction through a savepoint.
        """
        with self._lock:
            if self.db.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise
            self.db.conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.db.close()


def open_database(path: Path) -> Store:
    """Open (creating if needed) the database at ``path`` and apply pending migrations.

    Args:
        path: The SQLite file; its directory is created when missing.

    Returns:
        The store, ready for use from the event loop and from worker threads.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db = Database(conn, execute_plugins=False)
    migrations.apply(db)
    return Store(db)


def known_migrations() -> tuple[str, ...]:
    """Names of every migration this version of the program knows, in order."""
    return tuple(m.name for m in migrations.pending(Database(memory=True)))


def applied_migrations(conn: sqlite3.Connection) -> tuple[str, ...]:
    """Names of the migrations applied to the database behind ``conn``, in order (read only)."""
    return tuple(m.name for m in migrations.applied(Database(conn, execute_plugins=False)))


def insert_row(table: Table, row: dict[str, Any]) -> int:
    """Insert ``row`` and return its integer primary key."""
    row_id = table.insert(row).last_rowid
    if row_id is None:  # pragma: no cover - SQLite always gives a rowid to a rowid table
        msg = f"no rowid after inserting into {table.name}"
        raise RuntimeError(msg)
    return int(row_id)
