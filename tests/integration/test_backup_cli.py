"""`main.py backup` and `main.py restore` in real processes, with the "bot" writing meanwhile."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from core.clock import FixedClock
from core.records import SourceFile
from storage.backup import DATA_FOLDER, list_snapshots
from storage.db import DATABASE_NAME, open_database
from storage.instance import InstanceLock
from storage.meetings import MeetingRepository

ROOT = Path(__file__).resolve().parents[2]
NOTES = "Ghi chú cuộc họp giao ban của Văn phòng Ủy ban nhân dân tỉnh, lần thứ "


def _main(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETLUAN_")}
    env |= {"KETLUAN_DATA_DIR": str(data), "KETLUAN_LOG_LEVEL": "WARNING", "KETLUAN_TIMEZONE": "Asia/Ho_Chi_Minh"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120,
    )  # fmt: skip


def _count(db_path: Path, sql: str, *args: object) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute(sql, args).fetchone()[0])
    finally:
        conn.close()


def _back_up_while_writing(data: Path, dest: Path) -> tuple[int, int, int, subprocess.CompletedProcess[str]]:
    """Run `main.py backup` while a thread of this process keeps adding meetings, like the bot.

    Returns:
        The recording meeting's id, how many meetings were committed before the backup
        started, how many in the end, and the backup's process result.
    """
    store = open_database(data / DATABASE_NAME)
    repo = MeetingRepository(store, FixedClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)))
    meeting, _ = repo.create(created_by=1, chat_id=1, source_kind="media", update_id=0, source=SourceFile("f", "a.ogg"))
    (data / "files").mkdir()
    (data / "files" / f"{meeting.id}.ogg").write_bytes(b"OggS" * 5000)
    committed = [1]
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            n = committed[0]
            repo.create(created_by=1, chat_id=1, source_kind="text", update_id=n, text=NOTES + str(n))
            committed[0] = n + 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while committed[0] < 50:
            stop.wait(0.005)
        before = committed[0]
        result = _main(data, "backup", str(dest), "--keep", "2")
    finally:
        stop.set()
        writer.join()
        store.close()
    return meeting.id, before, committed[0], result


def test_backup_while_writing_then_restore_in_subprocesses(tmp_path: Path) -> None:
    data, dest = tmp_path / "data", tmp_path / "backups"
    meeting_id, before, total, first = _back_up_while_writing(data, dest)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Đã sao lưu vào {dest}/ketluan-")
    (snapshot,) = list_snapshots(dest)

    # The "bot" runs: restore refuses and changes nothing.
    with InstanceLock(data):
        refused = _main(data, "restore", str(snapshot))
    assert refused.returncode == 2
    assert "đang được một tiến trình ketluan khác sử dụng" in refused.stderr
    assert not list(data.glob("replaced-*"))

    checked = _main(data, "restore", "--check", str(snapshot))
    assert checked.returncode == 0, checked.stderr
    assert "nguyên vẹn" in checked.stdout

    restored = _main(data, "restore", str(snapshot))
    assert restored.returncode == 0, restored.stderr
    assert "Đã khôi phục dữ liệu từ" in restored.stdout and "Dữ liệu cũ được giữ nguyên tại" in restored.stdout
    db_path = data / DATABASE_NAME
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # Every meeting committed before the backup started is there (update ids 0 .. before-1).
    assert _count(db_path, "SELECT count(*) FROM meetings WHERE source_update_id < ?", before) == before
    assert _count(db_path, "SELECT count(*) FROM meetings") < total  # a snapshot, not the end state
    assert (data / "files" / f"{meeting_id}.ogg").read_bytes() == b"OggS" * 5000
    (aside,) = data.glob("replaced-*")
    assert _count(aside / DATABASE_NAME, "SELECT count(*) FROM meetings") == total  # kept, not deleted

    # Two more backups with --keep 2: the first one goes.
    for _ in range(2):
        again = _main(data, "backup", str(dest), "--keep", "2")
        assert again.returncode == 0, again.stderr
    snapshots = list_snapshots(dest)
    assert len(snapshots) == 2 and snapshot not in snapshots
    assert "Đã xóa 1 bản sao lưu cũ (giữ 2)" in again.stdout

    # A damaged snapshot is refused with the reason, and nothing changes.
    (snapshots[1] / DATA_FOLDER / "files" / f"{meeting_id}.ogg").write_bytes(b"tampered")
    damaged = _main(data, "restore", str(snapshots[1]))
    assert damaged.returncode == 2
    assert "không khớp mã kiểm tra" in damaged.stderr
    assert len(list(data.glob("replaced-*"))) == 1


def test_backup_without_a_database_fails_with_a_message(tmp_path: Path) -> None:
    res = _main(tmp_path / "nothing", "backup", str(tmp_path / "backups"))
    assert res.returncode == 2
    assert "Không tìm thấy cơ sở dữ liệu" in res.stderr
