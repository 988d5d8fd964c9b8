"""Settings: defaults, environment parsing, validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings, settings_table_markdown


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KETLUAN_* variable and no .env of the developer's leaks into a test."""
    for name in list(os.environ):
        if name.startswith("KETLUAN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = Settings()
    assert settings.data_dir == Path("data")
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.log_level == "INFO"
    assert settings.log_json is False
    assert settings.agencies_file is None
    assert settings.calendar_overrides_file is None
    assert settings.max_input_bytes == 20_000_000
    assert settings.telegram_token is None
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_base_file_url == "https://api.telegram.org/file/bot"
    assert settings.admin_ids == []
    assert settings.whisper_model == "base"
    assert settings.whisper_compute_type == "int8"
    assert settings.whisper_beam_size == 5
    assert settings.whisper_threads == 0
    assert settings.whisper_vad is True


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETLUAN_DATA_DIR", "/srv/ketluan")
    monkeypatch.setenv("KETLUAN_LOG_LEVEL", "debug")
    monkeypatch.setenv("KETLUAN_LOG_JSON", "true")
    monkeypatch.setenv("KETLUAN_AGENCIES_FILE", "agencies.json")
    monkeypatch.setenv("KETLUAN_MAX_INPUT_BYTES", "1000")
    monkeypatch.setenv("KETLUAN_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("KETLUAN_TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("KETLUAN_WHISPER_VAD", "0")
    monkeypatch.setenv("KETLUAN_WHISPER_THREADS", "4")

    settings = Settings()

    assert settings.data_dir == Path("/srv/ketluan")
    assert settings.log_level == "DEBUG"
    assert settings.log_json is True
    assert settings.agencies_file == Path("agencies.json")
    assert settings.max_input_bytes == 1000
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings)
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.whisper_vad is False
    assert settings.whisper_threads == 4


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,2", [1, 2]), (" 10 , 20 ,", [10, 20]), ("7", [7]), ("", []), ("[3, 4]", [3, 4])],
)
def test_admin_ids_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[int]) -> None:
    monkeypatch.setenv("KETLUAN_ADMIN_IDS", raw)
    assert Settings().admin_ids == expected


def test_admin_ids_must_be_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETLUAN_ADMIN_IDS", "1,alice")
    with pytest.raises(ValidationError, match="admin_ids"):
        Settings()


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KETLUAN_TIMEZONE=UTC\nKETLUAN_ADMIN_IDS=5,6\nOTHER_TOOL=1\n", encoding="utf-8")
    settings = Settings()
    assert settings.timezone == "UTC"
    assert settings.admin_ids == [5, 6]


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KETLUAN_WHISPER_MODEL=small\n", encoding="utf-8")
    monkeypatch.setenv("KETLUAN_WHISPER_MODEL", "base")
    assert Settings().whisper_model == "base"


def test_constructor_arguments_override_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETLUAN_WHISPER_BEAM_SIZE", "2")
    assert Settings(whisper_beam_size=1, admin_ids=[9]).whisper_beam_size == 1


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Asia/Hanoi ", "../etc/passwd", ""])
def test_invalid_timezone_is_rejected(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("KETLUAN_TIMEZONE", zone)
    with pytest.raises(ValidationError, match="timezone"):
        Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KETLUAN_LOG_LEVEL", "LOUD"),
        ("KETLUAN_MAX_INPUT_BYTES", "0"),
        ("KETLUAN_WHISPER_BEAM_SIZE", "0"),
        ("KETLUAN_WHISPER_THREADS", "-1"),
    ],
)
def test_out_of_range_values_are_rejected(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_table_has_one_row_per_field_with_prefixed_names() -> None:
    rows = settings_table_markdown().splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    assert rows[0] == ("| `KETLUAN_DATA_DIR` | `./data` | Directory for the SQLite database and stored files. |")
    assert any(row.startswith("| `KETLUAN_TELEGRAM_TOKEN` | (unset) |") for row in rows)
    assert any(row.startswith("| `KETLUAN_WHISPER_VAD` | `true` |") for row in rows)
