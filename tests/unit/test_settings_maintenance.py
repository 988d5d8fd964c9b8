"""Settings of backups and data retention: defaults, parsing, validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KETLUAN_* variable and no .env of the developer's leaks into a test."""
    for name in list(os.environ):
        if name.startswith("KETLUAN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_back_up_nowhere_and_remove_recordings_after_90_days() -> None:
    settings = Settings()
    assert settings.backup_dir is None
    assert settings.backup_at == "02:00"
    assert settings.backup_cron() == {"hour": 2, "minute": 0}
    assert settings.backup_keep == 7
    assert settings.retention_recordings_days == 90
    assert settings.retention_transcripts_days is None
    assert settings.retention_documents_days is None


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETLUAN_BACKUP_DIR", "/srv/backup/ketluan")
    monkeypatch.setenv("KETLUAN_BACKUP_AT", " 23:45 ")
    monkeypatch.setenv("KETLUAN_BACKUP_KEEP", "14")
    monkeypatch.setenv("KETLUAN_RETENTION_RECORDINGS_DAYS", "")  # empty: keep forever
    monkeypatch.setenv("KETLUAN_RETENTION_TRANSCRIPTS_DAYS", "365")
    monkeypatch.setenv("KETLUAN_RETENTION_DOCUMENTS_DAYS", "0")
    settings = Settings()
    assert settings.backup_dir == Path("/srv/backup/ketluan")
    assert settings.backup_cron() == {"hour": 23, "minute": 45}
    assert settings.backup_keep == 14
    assert settings.retention_recordings_days is None
    assert settings.retention_transcripts_days == 365
    assert settings.retention_documents_days == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KETLUAN_BACKUP_AT", "2h"),
        ("KETLUAN_BACKUP_AT", "25:00"),
        ("KETLUAN_BACKUP_KEEP", "0"),
        ("KETLUAN_RETENTION_RECORDINGS_DAYS", "-1"),
        ("KETLUAN_RETENTION_TRANSCRIPTS_DAYS", "mãi mãi"),
    ],
)
def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
