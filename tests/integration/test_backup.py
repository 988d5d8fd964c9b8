"""Backups and restore on real SQLite files and real files: concurrent writes, refusals, retention count."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.errors import InputError
from core.records import SourceFile
from core.services.maintenance import BackupService
from storage.backup import (
    DATA_FOLDER,
    MANIFEST_NAME,
    create_snapshot,
    list_snapshots,
    read_manifest,
    restore_snapshot,
    verify_snapshot,
)
from storage.db import DATABASE_NAME, known_migrations, open_database
from storage.instance import InstanceLock, InstanceLocked, is_locked
from storage.meetings import MeetingRepository

T0 = dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.UTC)
NOTES = "Ghi chú cuộc họp giao ban tuần của Văn phòng Ủy ban nhân dân tỉnh, số "


def _data_dir(root: Path, *, meetings: int = 3) -> Path:
    """A data dir with a database, stored files, a checkpoint and a model cache."""
    data = root / "data"
    store = open_database(data / DATABASE_NAME)
    repo = MeetingRepository(store, FixedClock(T0))
    for i in range(meetings):
        repo.create(created_by=1, chat_id=1, source_kind="text", update_id=i, text=NOTES + str(i))
    meeting, _ = repo.create(
        created_by=1, chat_id=1, source_kind="media", update_id=10_000, source=SourceFile("f", "hop.ogg")
    )
    (data / "files").mkdir()
    recording = data / "files" / f"{meeting.id}.ogg"
    recording.write_bytes(b"OggS" + bytes(range(256)) * 400)
    repo.set_source_path(meeting.id, str(recording), hashlib.sha256(recording.read_bytes()).hexdigest())
    store.close()
    (data / "checkpoints").mkdir()
    (data / "checkpoints" / "abc-123.jsonl").write_text('{"start": 0}\n', encoding="utf-8")
    (data / "models" / "whisper-base").mkdir(parents=True)
    (data / "models" / "whisper-base" / "model.bin").write_bytes(b"weights")
    return data


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _integrity(db_path: Path) -> str:
    return str(_rows(db_path, "PRAGMA integrity_check")[0][0])


def _rewrite_manifest(snapshot: Path, **changes: object) -> None:
    path = snapshot / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_under_concurrent_writes_restores_every_row_committed_before_it(tmp_path: Path) -> None:
    data = _data_dir(tmp_path, meetings=0)
    bot = open_database(data / DATABASE_NAME)  # the running bot's connection
    repo = MeetingRepository(bot, FixedClock(T0))
    for i in range(3000):  # a database of a few MB, so the backup takes a moment
        repo.create(created_by=1, chat_id=1, source_kind="text", update_id=i, text=(NOTES + str(i)) * 5)
    committed = [3000]
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                n = committed[0]
                repo.create(created_by=1, chat_id=1, source_kind="text", update_id=n, text=NOTES + str(n))
                committed[0] = n + 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while committed[0] < 3200:  # the writer is well under way
            stop.wait(0.005)
        before = committed[0]  # every update id below this was committed before the backup started
        snapshot = create_snapshot(data, tmp_path / "backups", now=T0)
        during = committed[0]
        stop.wait(0.05)
    finally:
        stop.set()
        writer.join()
    assert not errors
    total = committed[0]
    bot.close()
    assert during > before, "the bot kept writing while the backup ran"

    target = tmp_path / "restored"
    restore_snapshot(snapshot.path, target, now=T0 + dt.timedelta(hours=1))
    db_path = target / DATABASE_NAME
    assert _integrity(db_path) == "ok"
    ids = {row[0] for row in _rows(db_path, "SELECT source_update_id FROM meetings WHERE source_kind = 'text'")}
    assert set(range(before)) <= ids, "every row committed before the backup started is in it"
    assert len(ids) < total  # and the rows written after it are not all there: it is a snapshot
    # The snapshot is one consistent state: every meeting has its job and its audit entry.
    counts = _rows(db_path, "SELECT (SELECT count(*) FROM meetings), (SELECT count(*) FROM work_queue), "
                   "(SELECT count(*) FROM audit WHERE action = 'meeting.create')")[0]  # fmt: skip
    assert counts[0] == counts[1] == counts[2]
    assert snapshot.manifest.row_counts["meetings"] == counts[0]
    assert (target / "files").is_dir() and (target / "checkpoints" / "abc-123.jsonl").is_file()


def test_manifest_lists_time_schema_counts_and_files_with_checksums(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    (data / ".cache" / "dconf").mkdir(parents=True)  # LibreOffice's profile: the data dir is the service's home
    (data / ".cache" / "dconf" / "user").write_bytes(b"x")
    snapshot = create_snapshot(data, tmp_path / "backups", now=T0)
    manifest = read_manifest(snapshot.path)
    assert snapshot.path.name == "ketluan-20260302T190000Z"
    assert manifest.created_at == T0
    assert manifest.migrations == known_migrations()
    assert manifest.schema_version == len(known_migrations())
    assert manifest.row_counts["meetings"] == 4
    assert manifest.row_counts["transcripts"] == 3
    paths = {f.path: f for f in manifest.files}
    assert set(paths) == {"files/4.ogg", "checkpoints/abc-123.jsonl"}  # no model cache, lock, database, .cache
    recording = paths["files/4.ogg"]
    assert recording.size == (data / "files" / "4.ogg").stat().st_size
    assert recording.sha256 == _sha256(data / "files" / "4.ogg")
    assert manifest.database.sha256 == _sha256(snapshot.path / DATABASE_NAME)
    assert not (snapshot.path / f"{DATABASE_NAME}-wal").exists()
    assert _integrity(snapshot.path / DATABASE_NAME) == "ok"
    assert verify_snapshot(snapshot.path) == manifest


def test_retention_count_keeps_the_newest_backups_only(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    dest = tmp_path / "backups"
    (dest / "ghi-chu-cua-it").mkdir(parents=True)  # something else in the folder is never touched
    clock = FixedClock(T0)
    service = BackupService(data_dir=data, clock=clock, keep=3)
    made = []
    for _ in range(5):
        snapshot = service.backup(dest)
        made.append(snapshot.path)
        clock.advance(dt.timedelta(days=1))
    assert list_snapshots(dest) == made[2:]
    assert sorted(p.name for p in dest.iterdir() if not p.name.startswith(".")) == sorted(
        [p.name for p in made[2:]] + ["ghi-chu-cua-it"]
    )
    assert snapshot.pruned == (made[1],)
    again = service.backup(dest, keep=1)  # the command line's --keep wins
    assert list_snapshots(dest) == [again.path]


def test_two_backups_in_the_same_second_get_distinct_folders_in_order(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    dest = tmp_path / "backups"
    paths = [create_snapshot(data, dest, now=T0).path for _ in range(11)]
    assert paths[1].name == "ketluan-20260302T190000Z-2"
    assert list_snapshots(dest) == paths  # "-10" after "-9"


def test_unchanged_files_are_hard_linked_to_the_previous_backup(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    dest = tmp_path / "backups"
    first = create_snapshot(data, dest, now=T0)
    (data / "checkpoints" / "abc-123.jsonl").write_text('{"start": 0}\n{"start": 1}\n', encoding="utf-8")
    second = create_snapshot(data, dest, now=T0 + dt.timedelta(days=1))
    assert (first.linked, second.linked, second.copied) == (0, 1, 1)
    old, new = (s.path / DATA_FOLDER / "files" / "4.ogg" for s in (first, second))
    assert old.stat().st_ino == new.stat().st_ino
    assert verify_snapshot(second.path).files
    create_snapshot(data, dest, now=T0 + dt.timedelta(days=2), keep=1)  # deleting the first keeps the others whole
    verify_snapshot(list_snapshots(dest)[0])


def test_restore_puts_the_snapshot_in_place_and_keeps_the_replaced_data_aside(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    snapshot = create_snapshot(data, tmp_path / "backups", now=T0)
    # Afterwards the data changes: a new meeting, a new file, a WAL left by the last run.
    store = open_database(data / DATABASE_NAME)
    MeetingRepository(store, FixedClock(T0)).create(
        created_by=1, chat_id=1, source_kind="text", update_id=99, text=NOTES + "sau khi sao lưu"
    )
    store.close()
    (data / "files" / "9.ogg").write_bytes(b"later")
    old_db = _sha256(data / DATABASE_NAME)

    result = restore_snapshot(snapshot.path, data, now=T0 + dt.timedelta(days=1))

    assert result.aside == data / "replaced-20260303T190000Z"
    assert _rows(data / DATABASE_NAME, "SELECT count(*) FROM meetings")[0][0] == 4
    assert not (data / "files" / "9.ogg").exists()
    assert (result.aside / "files" / "9.ogg").read_bytes() == b"later"  # renamed, never deleted
    assert _sha256(result.aside / DATABASE_NAME) == old_db
    assert (data / "models" / "whisper-base" / "model.bin").read_bytes() == b"weights"  # the model cache stays
    assert not list(data.glob(".restore-*"))
    assert not is_locked(data)
    # The next backup leaves the set-aside data out.
    manifest = create_snapshot(data, tmp_path / "backups", now=T0 + dt.timedelta(days=2)).manifest
    assert all(not f.path.startswith("replaced-") for f in manifest.files)


def test_restore_refuses_while_the_instance_lock_is_held(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    snapshot = create_snapshot(data, tmp_path / "backups", now=T0)
    with InstanceLock(data):  # the running bot
        assert is_locked(data)
        before = sorted(p.name for p in data.iterdir())
        with pytest.raises(InstanceLocked) as refused:
            BackupService(data_dir=data, clock=FixedClock(T0)).restore(snapshot.path)
    assert "đang được một tiến trình ketluan khác sử dụng" in refused.value.message
    assert sorted(p.name for p in data.iterdir()) == before  # nothing moved, nothing staged
    restore_snapshot(snapshot.path, data, now=T0)  # once the bot stopped it goes ahead


def test_instance_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path)
    first.acquire()
    with pytest.raises(InstanceLocked, match="locked by pid"):
        InstanceLock(tmp_path).acquire()
    first.release()
    with InstanceLock(tmp_path) as again:
        assert again.held
    assert not is_locked(tmp_path)


def _corrupt_database(snapshot: Path) -> None:
    """Overwrite a b-tree page of the snapshot's database and fix its checksum in the manifest."""
    db_path = snapshot / DATABASE_NAME
    raw = bytearray(db_path.read_bytes())
    page = 4096
    assert len(raw) > 6 * page
    raw[3 * page : 5 * page] = b"\xa5" * (2 * page)
    db_path.write_bytes(bytes(raw))
    manifest = json.loads((snapshot / MANIFEST_NAME).read_text(encoding="utf-8"))
    database = {**manifest["database"], "sha256": _sha256(db_path), "size": len(raw)}
    _rewrite_manifest(snapshot, database=database)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_corrupt_database, "không qua được PRAGMA integrity_check"),
        (lambda s: (s / DATA_FOLDER / "files" / "4.ogg").write_bytes(b"OggS tampered"), "không khớp mã kiểm tra"),
        (lambda s: (s / DATA_FOLDER / "checkpoints" / "abc-123.jsonl").unlink(), "thiếu tệp checkpoints/abc-123.jsonl"),
        (lambda s: (s / MANIFEST_NAME).unlink(), "không phải một bản sao lưu"),
        (lambda s: (s / MANIFEST_NAME).write_text("{", encoding="utf-8"), "không đọc được manifest.json"),
        (lambda s: _rewrite_manifest(s, files=[{"path": "../../etc/x", "size": 1, "sha256": "0"}]), "bị hỏng"),
    ],
    ids=["integrity", "checksum", "missing-file", "no-manifest", "bad-manifest", "path-escape"],
)
def test_restore_refuses_a_damaged_snapshot_and_changes_nothing(tmp_path: Path, damage, message: str) -> None:
    data = _data_dir(tmp_path)
    snapshot = create_snapshot(data, tmp_path / "backups", now=T0).path
    damage(snapshot)
    before = {p.relative_to(data): p.stat().st_mtime_ns for p in data.rglob("*")}
    with pytest.raises(InputError) as refused:
        restore_snapshot(snapshot, data, now=T0)
    assert message in refused.value.message
    with pytest.raises(InputError):
        verify_snapshot(snapshot)
    after = {p.relative_to(data): p.stat().st_mtime_ns for p in data.rglob("*") if p.name != "ketluan.lock"}
    assert after == {k: v for k, v in before.items() if k.name != "ketluan.lock"}
    assert _integrity(data / DATABASE_NAME) == "ok"


def test_restore_refuses_a_snapshot_from_a_newer_version(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    snapshot = create_snapshot(data, tmp_path / "backups", now=T0).path
    db_path = snapshot / DATABASE_NAME
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ketluan', 'm999_future', 'x')"
        )
    conn.close()
    manifest = json.loads((snapshot / MANIFEST_NAME).read_text(encoding="utf-8"))
    _rewrite_manifest(
        snapshot, database={**manifest["database"], "sha256": _sha256(db_path), "size": db_path.stat().st_size}
    )
    with pytest.raises(InputError, match="unknown migrations") as refused:
        restore_snapshot(snapshot, data, now=T0)
    assert "phiên bản ketluan mới hơn" in refused.value.message


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError) as refused:
        create_snapshot(tmp_path / "empty", tmp_path / "backups", now=T0)
    assert "Không tìm thấy cơ sở dữ liệu" in refused.value.message
    assert list_snapshots(tmp_path / "backups") == []


def test_a_backup_dir_inside_the_data_dir_is_not_backed_up_into_itself(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    service = BackupService(data_dir=data, clock=FixedClock(T0), backup_dir=data / "backups", keep=2)
    service.backup()
    second = service.backup()
    assert all(not f.path.startswith("backups/") for f in second.manifest.files)
    result = service.restore(second.path)  # restoring from inside the data dir leaves the backups there
    assert result.aside is not None and not (result.aside / "backups").exists()
    assert list_snapshots(data / "backups")[-1] == second.path
