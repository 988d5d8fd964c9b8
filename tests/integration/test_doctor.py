"""`python main.py doctor`: each check reports the failure it claims to detect, and a good installation is green.

The checks run one by one on real files, a real SQLite database, the fake Bot API server over
real HTTP and, where marked, the real Whisper model and LibreOffice.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlite_utils import Database

from core.errors import ConfigError
from core.services import doctor
from core.services.doctor import (
    CheckResult,
    DoctorConfig,
    Status,
    check_data_dir,
    check_database,
    check_disk,
    check_fonts,
    check_libreoffice,
    check_model,
    check_telegram,
    exit_code,
    format_result,
    format_summary,
    iter_checks,
)
from nlp.whisper_model import assemble_bundled_model
from storage.db import known_migrations, migrations
from tests.bot.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:DOCTOR-secret-token-abcdefghijklmnop"
WRONG = "123456789:DOCTOR-wrong-token-zyxwvutsrqponmlk"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _text(result: CheckResult) -> str:
    return "\n".join((result.message, result.fix, result.detail, format_result(result)))


def _no_model_load(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the model must not be loaded when its directory is already known to be bad")


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN, bot_username="ketluan_doctor_bot", local_mode=True) as server:
        yield server


# --------------------------------------------------------------------------- Whisper model


def test_model_directory_without_model_reported(tmp_path: Path) -> None:
    empty = tmp_path / "empty-model"
    empty.mkdir()
    result = check_model(str(empty), tmp_path / "models", loader=_no_model_load)
    assert result.status is Status.FAIL
    assert "model.bin" in result.message
    assert str(empty) in result.message
    assert "KETLUAN_WHISPER_MODEL" in result.fix


def test_missing_model_directory_reported_without_download(tmp_path: Path) -> None:
    result = check_model(str(tmp_path / "nowhere"), tmp_path / "models", loader=_no_model_load)
    assert result.status is Status.FAIL
    assert "không tồn tại" in result.message


def test_model_that_does_not_load_reported(tmp_path: Path) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ConfigError("Không tải được mô hình.", detail="ctranslate2: unsupported compute type 'int3'")

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (model_dir / name).write_bytes(b"x")
    result = check_model(str(model_dir), tmp_path / "models", compute_type="int3", loader=broken)
    assert result.status is Status.FAIL
    assert "Không tải được mô hình." in result.message
    assert "int3" in result.detail


def test_corrupt_bundled_model_found_by_full_hash(tmp_path: Path) -> None:
    """The stamp only compares size and mtime; the doctor hashes the whole file."""
    cache = tmp_path / "models"
    model_bin = assemble_bundled_model(cache) / "model.bin"
    stat = model_bin.stat()
    with model_bin.open("r+b") as f:
        f.seek(stat.st_size // 2)
        byte = f.read(1)
        f.seek(stat.st_size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(model_bin, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = check_model("base", cache, loader=_no_model_load)
    assert result.status is Status.FAIL
    assert "sha256" in result.message
    assert str(model_bin.parent) in result.fix


@pytest.mark.model
def test_bundled_model_loads(tmp_path: Path) -> None:
    result = check_model("base", tmp_path / "models", compute_type="int8", threads=2)
    assert result.status is Status.OK, format_result(result)
    assert "base, int8" in result.message


# --------------------------------------------------------------------------- LibreOffice and fonts


def test_missing_libreoffice_reported() -> None:
    result = check_libreoffice(lambda: None)
    assert result.status is Status.WARN  # the bot still exports .docx
    assert "LibreOffice" in result.message
    assert "libreoffice-writer-nogui" in result.fix
    assert "fonts-liberation2" in result.fix


def test_libreoffice_that_does_not_start_reported(tmp_path: Path) -> None:
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    result = check_libreoffice(lambda: str(broken))
    assert result.status is Status.WARN
    assert "3" in result.message


@pytest.mark.libreoffice
def test_installed_libreoffice_found() -> None:
    result = check_libreoffice()
    assert result.status is Status.OK, format_result(result)
    assert "LibreOffice" in result.message


def _fake_fc_list(tmp_path: Path, output: str) -> str:
    script = tmp_path / "fc-list"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\n")
    script.chmod(0o755)
    return str(script)


def test_fonts_without_vietnamese_times_reported(tmp_path: Path) -> None:
    fc_list = _fake_fc_list(
        tmp_path,
        "DejaVu Serif:style=Book\nDejaVu Serif:style=Bold\nLiberation Serif:style=Regular",
    )
    result = check_fonts(fc_list)
    assert result.status is Status.WARN
    assert "fonts-liberation2" in result.fix
    assert "Liberation Serif" in result.detail  # found, but without bold and italic


def test_fonts_with_liberation_serif_pass(tmp_path: Path) -> None:
    fc_list = _fake_fc_list(
        tmp_path,
        "Liberation Serif:style=Regular\nLiberation Serif:style=Bold\nLiberation Serif:style=Italic\n"
        "Liberation Serif:style=Bold Italic\nDejaVu Sans,DejaVu Sans Condensed:style=Condensed,Book",
    )
    result = check_fonts(fc_list)
    assert result.status is Status.OK
    assert "Liberation Serif" in result.message


def test_missing_fc_list_reported(tmp_path: Path) -> None:
    result = check_fonts(str(tmp_path / "no-fc-list"))
    assert result.status is Status.WARN


def test_font_list_parsing() -> None:
    styles = doctor.vietnamese_font_styles(
        "DejaVu Sans,DejaVu Sans Condensed:style=Condensed,Book\nTinos:style=Regular\n\n"
    )
    assert styles == {
        "DejaVu Sans": {"Condensed", "Book"},
        "DejaVu Sans Condensed": {"Condensed", "Book"},
        "Tinos": {"Regular"},
    }


@pytest.mark.libreoffice
def test_installed_fonts_found() -> None:
    result = check_fonts()
    assert result.status is Status.OK, format_result(result)


# --------------------------------------------------------------------------- data dir and database


@pytest.mark.skipif(IS_ROOT, reason="root writes through chmod 0o500; test_data_dir_under_a_file_reported covers it")
def test_read_only_data_dir_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    try:
        result = check_data_dir(data)
    finally:
        data.chmod(0o700)
    assert result.status is Status.FAIL
    assert str(data) in result.message
    assert "chown" in result.fix


def test_data_dir_under_a_file_reported(tmp_path: Path) -> None:
    """A data dir that cannot be created or written, even by root: its parent is a regular file."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    data = blocker / "data"
    result = check_data_dir(data)
    assert result.status is Status.FAIL
    assert "Không ghi được" in result.message
    config = DoctorConfig(data_dir=data, whisper_model=str(tmp_path / "none"))
    results = {r.key: r for r in iter_checks(config, model_loader=_no_model_load, soffice_lookup=lambda: None)}
    assert results["database"].status is Status.SKIP


@pytest.mark.skipif(not IS_ROOT, reason="only root can hand a directory to another user")
def test_root_on_service_users_data_dir_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, 65534, 65534)
    result = check_data_dir(data)
    assert result.status is Status.WARN
    assert "root" in result.message
    assert list(data.iterdir()) == []
    config = DoctorConfig(data_dir=data, whisper_model=str(tmp_path / "none"))
    results = {r.key: r for r in iter_checks(config, model_loader=_no_model_load, soffice_lookup=lambda: None)}
    assert results["database"].status is Status.SKIP
    assert not (data / "ketluan.db").exists()


def test_data_dir_created_and_writable(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    result = check_data_dir(data)
    assert result.status is Status.OK
    assert data.is_dir()
    assert list(data.iterdir()) == []  # the probe file is gone


def test_new_database_created_and_migrated(tmp_path: Path) -> None:
    db = tmp_path / "ketluan.db"
    result = check_database(db)
    assert result.status is Status.OK, format_result(result)
    latest = known_migrations()[-1]
    assert latest in result.message
    assert "vừa tạo mới" in result.message
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "_ketluan_doctor_probe" not in tables  # the write probe was rolled back


def test_old_database_migrated(tmp_path: Path) -> None:
    db = tmp_path / "ketluan.db"
    names = known_migrations()
    old = Database(db)
    migrations.apply(old, stop_before=names[-1])
    old.close()
    result = check_database(db)
    assert result.status is Status.OK
    assert "vừa nâng cấp 1 bước" in result.message


def test_database_from_a_newer_version_reported(tmp_path: Path) -> None:
    db = tmp_path / "ketluan.db"
    assert check_database(db).status is Status.OK
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ketluan', 'm999_future', '')"
        )
    result = check_database(db)
    assert result.status is Status.FAIL
    assert "m999_future" in result.message


def test_corrupt_database_reported(tmp_path: Path) -> None:
    db = tmp_path / "ketluan.db"
    db.write_bytes(b"this is not an SQLite database" * 100)
    result = check_database(db)
    assert result.status is Status.FAIL
    assert "sao lưu" in result.fix


@pytest.mark.slow
def test_database_busy_with_a_writer_warns(tmp_path: Path) -> None:
    """The bot holding the write lock longer than the busy timeout (5 s) is not a broken database."""
    db = tmp_path / "ketluan.db"
    assert check_database(db).status is Status.OK
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        result = check_database(db)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.status is Status.WARN
    assert "bận" in result.message


@pytest.mark.skipif(IS_ROOT, reason="root writes through chmod 0o400")
def test_read_only_database_reported(tmp_path: Path) -> None:
    db = tmp_path / "ketluan.db"
    assert check_database(db).status is Status.OK
    db.chmod(0o400)
    try:
        result = check_database(db)
    finally:
        db.chmod(0o600)
    assert result.status is Status.FAIL


# --------------------------------------------------------------------------- disk


def test_disk_below_threshold_warns(tmp_path: Path) -> None:
    result = check_disk(tmp_path / "not-yet", min_free_bytes=10**18)
    assert result.status is Status.WARN
    assert "Còn trống" in result.message


def test_disk_almost_full_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = SimpleNamespace(total=10**10, used=10**10 - 10**6, free=10**6)
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _path: usage)
    result = check_disk(tmp_path, min_free_bytes=doctor.DEFAULT_MIN_FREE_BYTES)
    assert result.status is Status.FAIL


def test_disk_with_room_passes(tmp_path: Path) -> None:
    assert check_disk(tmp_path, min_free_bytes=1).status is Status.OK


# --------------------------------------------------------------------------- Telegram


def test_wrong_token_reported_without_the_token(fake_api: FakeBotApi) -> None:
    result = check_telegram(WRONG, f"{fake_api.url}/bot", local_mode=True)
    assert result.status is Status.FAIL
    assert "401" in result.message
    assert "@BotFather" in result.fix
    assert WRONG not in _text(result)
    assert WRONG.split(":")[1] not in _text(result)
    assert fake_api.calls_for("getMe")[0]["status"] == 401


def test_valid_token_against_local_server(fake_api: FakeBotApi) -> None:
    result = check_telegram(TOKEN, f"{fake_api.url}/bot", local_mode=True)
    assert result.status is Status.OK, format_result(result)
    assert "@ketluan_doctor_bot" in result.message
    assert TOKEN not in _text(result)


def test_self_hosted_server_without_local_mode_warns(fake_api: FakeBotApi) -> None:
    result = check_telegram(TOKEN, f"{fake_api.url}/bot", local_mode=False)
    assert result.status is Status.WARN
    assert "KETLUAN_TELEGRAM_LOCAL_MODE" in result.fix


def test_base_url_without_bot_suffix_hinted(fake_api: FakeBotApi) -> None:
    result = check_telegram(TOKEN, f"{fake_api.url}/", local_mode=True)
    assert result.status is Status.FAIL
    assert "/bot" in result.message
    assert TOKEN not in _text(result)


def test_unreachable_server_reported(fake_api: FakeBotApi) -> None:
    url = f"{fake_api.url}/bot"
    fake_api.stop()
    result = check_telegram(TOKEN, url, local_mode=True, timeout=2)
    assert result.status is Status.FAIL
    assert "Không kết nối được" in result.message
    assert "telegram-bot-api" in result.fix
    assert TOKEN not in _text(result)


def test_missing_token_is_a_warning() -> None:
    result = check_telegram(None, "https://api.telegram.org/bot")
    assert result.status is Status.WARN
    assert "KETLUAN_TELEGRAM_TOKEN" in result.message


def test_local_mode_with_the_cloud_url_reported() -> None:
    def no_network(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("no request expected")

    result = check_telegram(TOKEN, "https://api.telegram.org/bot", local_mode=True, urlopen=no_network)
    assert result.status is Status.FAIL
    assert "KETLUAN_TELEGRAM_BASE_URL" in result.fix


# --------------------------------------------------------------------------- report and exit status


def test_exit_status_and_summary() -> None:
    ok = CheckResult("a", "A", Status.OK, "ok")
    warn = CheckResult("b", "B", Status.WARN, "warn", fix="do this")
    fail = CheckResult("c", "C", Status.FAIL, "fail", fix="do that", detail="english")
    assert exit_code([ok, warn]) == 0
    assert exit_code([ok, warn], strict=True) == 1
    assert exit_code([ok, fail]) == 1
    assert "SẴN SÀNG" in format_summary([ok])
    assert "CHƯA SẴN SÀNG" in format_summary([ok, fail])
    assert format_result(ok) == "✓ A: ok"
    assert format_result(fail).splitlines() == [
        "✗ C: fail",
        "    Cách sửa (fix): do that",
        "    Chi tiết (detail): english",
    ]


@pytest.mark.model
@pytest.mark.libreoffice
def test_good_installation_is_green(tmp_path: Path, fake_api: FakeBotApi) -> None:
    config = DoctorConfig(
        data_dir=tmp_path / "data",
        whisper_model="base",
        whisper_compute_type="int8",
        whisper_threads=2,
        telegram_token=TOKEN,
        telegram_base_url=f"{fake_api.url}/bot",
        telegram_local_mode=True,
        min_free_bytes=1,
    )
    results = list(iter_checks(config))
    assert [r.key for r in results] == ["data_dir", "database", "disk", "model", "libreoffice", "fonts", "telegram"]
    assert all(r.status is Status.OK for r in results), "\n".join(format_result(r) for r in results)
    assert exit_code(results, strict=True) == 0
    assert "SẴN SÀNG (ready)" in format_summary(results)


# --------------------------------------------------------------------------- the command line


def _doctor(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "doctor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("KETLUAN_")},
            "KETLUAN_DATA_DIR": str(data_dir),
            "KETLUAN_LOG_LEVEL": "DEBUG",
            **env,
        },
    )


def test_cli_prints_report_and_never_the_token(tmp_path: Path, fake_api: FakeBotApi) -> None:
    empty_model = tmp_path / "model"
    empty_model.mkdir()
    env = {
        "KETLUAN_WHISPER_MODEL": str(empty_model),
        "KETLUAN_TELEGRAM_TOKEN": WRONG,
        "KETLUAN_TELEGRAM_BASE_URL": f"{fake_api.url}/bot",
        "KETLUAN_TELEGRAM_BASE_FILE_URL": f"{fake_api.url}/file/bot",
        "KETLUAN_TELEGRAM_LOCAL_MODE": "true",
    }
    res = _doctor(tmp_path / "data", env)
    assert res.returncode == 1, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("ketluan doctor")
    assert any(line.startswith("✓ Thư mục dữ liệu") for line in lines)
    assert any(line.startswith("✓ Cơ sở dữ liệu") for line in lines)
    assert any(line.startswith("✗ Mô hình Whisper") and "model.bin" in line for line in lines)
    assert any(line.startswith("✗ Telegram") and "401" in line for line in lines)
    assert "Cách sửa (fix)" in res.stdout
    assert "CHƯA SẴN SÀNG" in lines[-1]
    for secret in (WRONG, WRONG.split(":")[1]):
        assert secret not in res.stdout
        assert secret not in res.stderr


def test_cli_json_with_a_valid_token(tmp_path: Path, fake_api: FakeBotApi) -> None:
    env = {
        "KETLUAN_WHISPER_MODEL": str(tmp_path / "missing-model"),
        "KETLUAN_TELEGRAM_TOKEN": TOKEN,
        "KETLUAN_TELEGRAM_BASE_URL": f"{fake_api.url}/bot",
        "KETLUAN_TELEGRAM_LOCAL_MODE": "true",
    }
    res = _doctor(tmp_path / "data", env, "--json", "--min-free-gb", "0.001")
    assert res.returncode == 1  # the model is missing
    results = {r["key"]: r for r in json.loads(res.stdout)}
    assert results["telegram"]["status"] == "ok"
    assert results["model"]["status"] == "fail"
    assert results["disk"]["status"] == "ok"
    assert TOKEN not in res.stdout
    assert TOKEN not in res.stderr
