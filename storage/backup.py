"""Backups of a data dir (an online snapshot of the database plus the stored files) and restore.

One snapshot is one folder under the backup dir, named after its UTC time::

    ketluan-20260102T020000Z/
        manifest.json   time, schema version, row counts, every file with its size and sha256
        ketluan.db      the database: one self-contained file (rollback journal, no -wal)
        data/…          the data dir's user files (files/, checkpoints/, …) at the same paths

The database is copied with SQLite's online backup API in one step, on a connection of its
own: the copy is the state of one read transaction, so it holds every row committed before
the backup started, and the bot keeps writing meanwhile (WAL). The files are copied after
it, so every file the database names is there. A file already in the newest snapshot with
the same size and modification time is hard-linked instead of copied (recordings are large
and never change). A snapshot is written under a ``.partial`` name and renamed when
complete; only the newest ``keep`` complete snapshots are kept.

Restore verifies a snapshot (manifest checksums, ``PRAGMA integrity_check``, a schema this
version knows) while copying it into a staging folder inside the data dir, then moves the
data it replaces into ``replaced-<time>/`` (renamed, never deleted) and the staged copy into
place, all under the data dir's :class:`~storage.instance.InstanceLock`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from core.errors import InputError, KetluanError
from storage.db import BUSY_TIMEOUT_MS, DATABASE_NAME, applied_migrations, known_migrations
from storage.instance import LOCK_NAME, InstanceLock

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST_NAME = "manifest.json"
DATA_FOLDER = "data"  # the data dir's files inside a snapshot
SNAPSHOT_PREFIX = "ketluan-"
PARTIAL_SUFFIX = ".partial"
ASIDE_PREFIX = "replaced-"  # data a restore replaced, kept in the data dir
STAGING_PREFIX = ".restore-"  # a restore being verified
MODELS_FOLDER = "models"  # the speech model cache: rebuilt from the installed packages, not backed up
DEST_LOCK_NAME = ".ketluan-backup.lock"
_DB_FILES = frozenset({DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", f"{DATABASE_NAME}-journal"})
_NOT_USER_DATA = frozenset({MODELS_FOLDER, LOCK_NAME})
_SNAPSHOT_NAME = re.compile(rf"^{re.escape(SNAPSHOT_PREFIX)}(\d{{8}}T\d{{6}}Z)(?:-(\d+))?$")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a snapshot: its path relative to the data dir, size, sha256 and modification time."""

    path: str
    size: int
    sha256: str
    mtime_ns: int = 0


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a snapshot holds (``manifest.json``)."""

    created_at: dt.datetime
    schema_version: int  # how many migrations the database had
    migrations: tuple[str, ...]
    row_counts: Mapping[str, int]
    database: FileEntry
    files: tuple[FileEntry, ...]
    format: int = FORMAT

    @property
    def total_bytes(self) -> int:
        """Size of the database and the files together."""
        return self.database.size + sum(f.size for f in self.files)

    def to_json(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json``."""
        return {
            "format": self.format,
            "app": "ketluan",
            "created_at": self.created_at.isoformat(),
            "schema_version": self.schema_version,
            "migrations": list(self.migrations),
            "row_counts": dict(self.row_counts),
            "database": _entry_json(self.database),
            "files": [_entry_json(f) for f in self.files],
            "total_bytes": self.total_bytes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        """Read a manifest; raises KeyError, TypeError or ValueError when it is malformed."""
        files = tuple(_entry(f) for f in data["files"])
        for entry in files:
            _check_relative(entry.path)
        return cls(
            created_at=dt.datetime.fromisoformat(data["created_at"]),
            schema_version=int(data["schema_version"]),
            migrations=tuple(str(m) for m in data["migrations"]),
            row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
            database=_entry(data["database"]),
            files=files,
            format=int(data["format"]),
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A backup just made."""

    path: Path
    manifest: Manifest
    copied: int  # files copied
    linked: int  # files hard-linked from the previous snapshot
    pruned: tuple[Path, ...] = field(default=())  # older snapshots deleted by the retention count


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """A restore just done."""

    snapshot: Path
    manifest: Manifest
    aside: Path | None  # where the replaced data went (None: the data dir held none)


def _entry_json(entry: FileEntry) -> dict[str, Any]:
    return {"path": entry.path, "size": entry.size, "sha256": entry.sha256, "mtime_ns": entry.mtime_ns}


def _entry(data: Mapping[str, Any]) -> FileEntry:
    return FileEntry(str(data["path"]), int(data["size"]), str(data["sha256"]), int(data.get("mtime_ns", 0)))


def _check_relative(path: str) -> None:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or not is_user_data(pure.parts[0]):
        msg = f"unsafe path in manifest: {path!r}"
        raise ValueError(msg)


# Backup
def create_snapshot(
    data_dir: Path, dest: Path, *, now: dt.datetime, keep: int | None = None, exclude: Sequence[Path] = ()
) -> Snapshot:
    """Back up ``data_dir`` into a new snapshot folder under ``dest``; safe while the bot runs.

    Args:
        data_dir: The data dir (``KETLUAN_DATA_DIR``) holding ``ketluan.db``.
        dest: The backup dir; created when missing. Backups into it are serialised.
        now: The snapshot's time (names the folder).
        keep: Keep only this many newest snapshots in ``dest`` (None: keep all).
        exclude: Paths inside the data dir not to back up (``dest`` is never backed up).

    Returns:
        The snapshot, with what the retention count deleted.

    Raises:
        InputError: there is no database in ``data_dir``.
        KetluanError: the live database fails its integrity check (nothing is written).
    """
    db_path = data_dir / DATABASE_NAME
    if not db_path.is_file():
        raise InputError(
            f"Không tìm thấy cơ sở dữ liệu {db_path}; hãy kiểm tra biến KETLUAN_DATA_DIR.",
            detail=f"no database at {db_path}",
        )
    if keep is not None and keep < 1:
        msg = f"keep must be at least 1, not {keep}"
        raise ValueError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    with _locked(dest / DEST_LOCK_NAME):
        for stale in dest.glob(f"{SNAPSHOT_PREFIX}*{PARTIAL_SUFFIX}"):
            logger.warning("removing an unfinished backup", extra={"path": str(stale)})
            shutil.rmtree(stale)
        previous = _previous_files(dest)
        name = _free_name(dest, now)
        work = dest / f"{name}{PARTIAL_SUFFIX}"
        work.mkdir()
        try:
            database, migrations, counts = _snapshot_database(db_path, work / DATABASE_NAME)
            files, linked = _copy_tree(data_dir, work / DATA_FOLDER, exclude=(dest, *exclude), previous=previous)
            manifest = Manifest(
                created_at=now.astimezone(dt.UTC),
                schema_version=len(migrations),
                migrations=migrations,
                row_counts=counts,
                database=database,
                files=tuple(files),
            )
            _write_durably(work / MANIFEST_NAME, json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n")
            _fsync(work)
            final = dest / name
            work.rename(final)
            _fsync(dest)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        pruned = tuple(prune_snapshots(dest, keep)) if keep is not None else ()
    logger.info(
        "backup written",
        extra={"path": str(final), "files": len(files), "linked": linked, "bytes": manifest.total_bytes},
    )
    return Snapshot(final, manifest, copied=len(files) - linked, linked=linked, pruned=pruned)


def list_snapshots(dest: Path) -> list[Path]:
    """The complete snapshots under ``dest``, oldest first."""
    if not dest.is_dir():
        return []
    found: list[tuple[str, int, Path]] = []
    for path in dest.iterdir():
        match = _SNAPSHOT_NAME.match(path.name)
        if match and path.is_dir() and (path / MANIFEST_NAME).is_file():
            found.append((match.group(1), int(match.group(2) or 1), path))
    return [path for *_, path in sorted(found)]


def prune_snapshots(dest: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` snapshots under ``dest``; returns the deleted ones.

    Only folders that are complete ketluan snapshots (name and manifest) are ever deleted.
    """
    if keep < 1:
        msg = f"keep must be at least 1, not {keep}"
        raise ValueError(msg)
    snapshots = list_snapshots(dest)
    doomed = snapshots[: max(len(snapshots) - keep, 0)]
    for path in doomed:
        shutil.rmtree(path)
        logger.info("old backup deleted", extra={"path": str(path)})
    return doomed


def _free_name(dest: Path, now: dt.datetime) -> str:
    base = f"{SNAPSHOT_PREFIX}{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    name, n = base, 1
    while (dest / name).exists() or (dest / f"{name}{PARTIAL_SUFFIX}").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _previous_files(dest: Path) -> dict[str, tuple[FileEntry, Path]]:
    """Files of the newest readable snapshot (to hard-link unchanged ones), by relative path."""
    for snapshot in reversed(list_snapshots(dest)):
        try:
            manifest = read_manifest(snapshot)
        except InputError:
            continue
        return {f.path: (f, snapshot / DATA_FOLDER / f.path) for f in manifest.files}
    return {}


def _snapshot_database(db_path: Path, target: Path) -> tuple[FileEntry, tuple[str, ...], dict[str, int]]:
    """Copy the live database to ``target`` in one backup step; check it; count its rows."""
    source = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        source.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # pages=-1: one step, one read transaction, a consistent state
            copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
            problems = _integrity_problems(copy)
            if problems:
                raise KetluanError(
                    "Cơ sở dữ liệu đang dùng bị lỗi (PRAGMA integrity_check), chưa sao lưu được. "
                    "Hãy dừng bot và khôi phục từ bản sao lưu gần nhất.",
                    detail=f"live database fails integrity_check: {problems[:5]}",
                )
            migrations = applied_migrations(copy)
            counts = _row_counts(copy)
        finally:
            copy.close()
    finally:
        source.close()
    size, digest = _hash_file(target)
    _fsync(target)
    return FileEntry(DATABASE_NAME, size, digest), migrations, counts


def _integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA integrity_check`` reports; empty when the database is sound."""
    rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {name: int(conn.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0]) for name in names}  # noqa: S608


def is_user_data(name: str) -> bool:
    """Whether a top-level entry of the data dir is user data a backup carries (not the database).

    The model cache, the lock file, the database files, what a restore set aside and hidden
    entries are not (``.cache``, ``.config``: LibreOffice's profile when the data dir is the
    service user's home).
    """
    hidden = name.startswith(".")
    return not (
        hidden or name in _NOT_USER_DATA or name in _DB_FILES or name.startswith((ASIDE_PREFIX, STAGING_PREFIX))
    )


def _copy_tree(
    data_dir: Path, target: Path, *, exclude: Iterable[Path], previous: Mapping[str, tuple[FileEntry, Path]]
) -> tuple[list[FileEntry], int]:
    """Copy the data dir's user files into ``target``; returns their entries and how many were linked."""
    skipped = {p.resolve() for p in exclude}
    entries: list[FileEntry] = []
    linked = 0
    for path in _user_files(data_dir, skipped):
        rel = path.relative_to(data_dir).as_posix()
        try:
            st = path.stat()
        except FileNotFoundError:
            continue  # removed since the walk (retention, a finished checkpoint)
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        before = previous.get(rel)
        if before is not None and before[0].size == st.st_size and before[0].mtime_ns == st.st_mtime_ns:
            try:
                os.link(before[1], out)
            except OSError:
                pass
            else:
                entries.append(before[0])
                linked += 1
                continue
        try:
            size, digest = _copy_hashing(path, out)
        except FileNotFoundError:
            continue
        os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
        entries.append(FileEntry(rel, size, digest, st.st_mtime_ns))
    return entries, linked


def _user_files(data_dir: Path, skipped: set[Path]) -> Iterator[Path]:
    """Regular files of the data dir's user data, in a stable order (symbolic links are not followed)."""
    for top in sorted(data_dir.iterdir()):
        if not is_user_data(top.name) or top.resolve() in skipped or top.is_symlink():
            continue
        if top.is_file():
            yield top
            continue
        for root, dirs, names in os.walk(top):
            here = Path(root)
            dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink() and (here / d).resolve() not in skipped)
            for name in sorted(names):
                path = here / name
                if path.is_file() and not path.is_symlink():
                    yield path


# Restore
def read_manifest(snapshot: Path) -> Manifest:
    """The manifest of a snapshot folder.

    Raises:
        InputError: the folder is not a ketluan snapshot, or its manifest is unreadable.
    """
    path = snapshot / MANIFEST_NAME
    if not path.is_file():
        newest = list_snapshots(snapshot)
        hint = f" Bản mới nhất trong thư mục này: {newest[-1]}" if newest else ""
        raise InputError(
            f"{snapshot} không phải một bản sao lưu của ketluan (thiếu {MANIFEST_NAME}).{hint}",
            detail=f"no manifest in {snapshot}",
        )
    try:
        manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"Bản sao lưu {snapshot} bị hỏng: không đọc được {MANIFEST_NAME}.", detail=f"bad manifest: {exc}"
        ) from exc
    if manifest.format != FORMAT:
        raise InputError(
            f"Bản sao lưu {snapshot} có định dạng {manifest.format}, phiên bản này chỉ đọc định dạng {FORMAT}.",
            detail=f"manifest format {manifest.format}",
        )
    return manifest


def verify_snapshot(snapshot: Path) -> Manifest:
    """Check a snapshot without restoring it: checksums, ``PRAGMA integrity_check``, a known schema.

    Raises:
        InputError: what is wrong with it, in Vietnamese.
    """
    manifest = read_manifest(snapshot)
    _check_copy(snapshot / DATABASE_NAME, manifest.database, snapshot, out=None)
    _check_database(snapshot / DATABASE_NAME, snapshot)
    for entry in manifest.files:
        _check_copy(snapshot / DATA_FOLDER / entry.path, entry, snapshot, out=None)
    return manifest


def restore_snapshot(
    snapshot: Path, data_dir: Path, *, now: dt.datetime, exclude: Sequence[Path] = ()
) -> RestoreResult:
    """Put a snapshot in place of the data dir's database and files, keeping what it replaces.

    Takes the data dir's instance lock first, so it refuses while the bot runs. The snapshot
    is copied into a staging folder in the data dir and verified there (every checksum of the
    manifest, ``PRAGMA integrity_check``, a schema this version knows); only then is the
    current data (database with its ``-wal``, files, checkpoints, …) moved into
    ``replaced-<time>/`` and the staged copy moved into place. The model cache stays.

    Args:
        snapshot: A snapshot folder made by :func:`create_snapshot`.
        data_dir: The data dir to restore into (created when missing).
        now: Names the folder of the replaced data.
        exclude: Paths inside the data dir to leave alone (e.g. a backup dir kept there).

    Raises:
        InstanceLocked: the bot (or another restore) is running on this data dir.
        InputError: the snapshot is not one, is damaged, or comes from a newer version.
    """
    manifest = read_manifest(snapshot)  # a plain "this is not a backup" before any lock or copy
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    with InstanceLock(data_dir):
        stage = data_dir / f"{STAGING_PREFIX}{stamp}"
        if stage.exists():
            shutil.rmtree(stage)  # our own staging copy from an interrupted restore
        stage.mkdir()
        try:
            _check_copy(snapshot / DATABASE_NAME, manifest.database, snapshot, out=stage / DATABASE_NAME)
            _check_database(stage / DATABASE_NAME, snapshot)
            for entry in manifest.files:
                _check_copy(snapshot / DATA_FOLDER / entry.path, entry, snapshot, out=stage / entry.path)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        keep = {p.resolve() for p in (snapshot, *exclude)}
        current = [
            path
            for path in sorted(data_dir.iterdir())
            if (is_user_data(path.name) or path.name in _DB_FILES)
            and path.resolve() not in keep
            and not _contains_any(path, keep)
        ]
        aside = _set_aside(data_dir, current, stamp)
        for path in sorted(stage.iterdir()):
            path.rename(data_dir / path.name)
        stage.rmdir()
        _fsync(data_dir)
    logger.info("backup restored", extra={"snapshot": str(snapshot), "aside": str(aside) if aside else None})
    return RestoreResult(snapshot, manifest, aside)


def _contains_any(entry: Path, paths: set[Path]) -> bool:
    """Whether a folder of the data dir holds one of ``paths`` (it must not be moved away)."""
    resolved = entry.resolve()
    return any(resolved in p.parents for p in paths)


def _set_aside(data_dir: Path, entries: list[Path], stamp: str) -> Path | None:
    if not entries:
        return None
    aside = data_dir / f"{ASIDE_PREFIX}{stamp}"
    n = 1
    while aside.exists():
        n += 1
        aside = data_dir / f"{ASIDE_PREFIX}{stamp}-{n}"
    aside.mkdir()
    for entry in entries:
        entry.rename(aside / entry.name)
    return aside


def _check_copy(source: Path, entry: FileEntry, snapshot: Path, *, out: Path | None) -> None:
    """Hash ``source`` (copying it to ``out`` when given) and compare with the manifest."""
    try:
        if out is None:
            size, digest = _hash_file(source)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            size, digest = _copy_hashing(source, out)
    except FileNotFoundError as exc:
        raise InputError(f"Bản sao lưu {snapshot} thiếu tệp {entry.path}.", detail=f"{source} is missing") from exc
    if (size, digest) != (entry.size, entry.sha256):
        raise InputError(
            f"Bản sao lưu {snapshot} bị hỏng: tệp {entry.path} không khớp mã kiểm tra (sha256) trong {MANIFEST_NAME}.",
            detail=f"{source}: {size} bytes sha256 {digest}, manifest says {entry.size} bytes {entry.sha256}",
        )


def _check_database(path: Path, snapshot: Path) -> None:
    """``PRAGMA integrity_check`` and a schema this version knows, on a snapshot's database."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = _integrity_problems(conn)
            migrations = applied_migrations(conn) if not problems else ()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        problems, migrations = [str(exc)], ()
    if problems:
        raise InputError(
            f"Bản sao lưu {snapshot} bị hỏng: cơ sở dữ liệu không qua được PRAGMA integrity_check.",
            detail=f"integrity_check of {path}: {problems[:5]}",
        )
    unknown = [m for m in migrations if m not in known_migrations()]
    if unknown:
        raise InputError(
            f"Bản sao lưu {snapshot} được tạo bởi một phiên bản ketluan mới hơn; hãy cập nhật chương trình trước.",
            detail=f"unknown migrations {unknown}",
        )


# Files
def _hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _copy_hashing(source: Path, out: Path) -> tuple[int, str]:
    """Copy ``source`` to ``out`` (fsync'd) and return the size and sha256 of the bytes copied."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, out.open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return size, digest.hexdigest()


def _write_durably(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(path: Path) -> None:
    """Flush a file or a folder (its entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (waits for another backup into the same folder)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
