"""Configuration from environment variables (prefix ``KETLUAN_``) and an optional ``.env``.

Only ``main.py`` builds :class:`Settings`; everything else receives plain values.
:func:`settings_table_markdown` renders the README's configuration table from the
field descriptions, and a test keeps the two equal.
"""

from __future__ import annotations

import json
from datetime import time as dt_time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "KETLUAN_"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Settings(BaseSettings):
    """Every setting of the program, with its default."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("./data"),
        description="Directory for the SQLite database and stored files.",
    )
    timezone: str = Field(
        default="Asia/Ho_Chi_Minh",
        description="IANA time zone used to read and show dates and deadlines.",
    )
    log_level: LogLevel = Field(
        default="INFO",
        description="Logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL.",
    )
    log_json: bool = Field(default=False, description="Write logs as JSON lines instead of plain text.")
    agencies_file: Path | None = Field(
        default=None,
        description="JSON file with the organisation's own agencies, added to the built-in gazetteer.",
    )
    calendar_overrides_file: Path | None = Field(
        default=None,
        description="JSON file with extra holidays and make-up working days for deadline arithmetic.",
    )
    max_input_bytes: int = Field(
        default=20_000_000,
        gt=0,
        description="Largest text, .docx or .pdf input accepted for extraction, in bytes.",
    )
    telegram_token: SecretStr | None = Field(
        default=None,
        description="Telegram bot token from @BotFather; required to run the bot.",
    )
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL; point it at a self-hosted Bot API server to lift file limits.",
    )
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot",
        description="Bot API base URL for file downloads.",
    )
    telegram_local_mode: bool = Field(
        default=False,
        description="The base URLs point at a self-hosted `telegram-bot-api --local` server (files up to 2 GB).",
    )
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL for a webhook; long polling is used when unset.",
    )
    telegram_webhook_port: int = Field(default=8443, gt=0, description="Local port the webhook listens on.")
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram user ids of the administrators, comma-separated (`1,2`).",
    )
    whisper_model: str = Field(
        default="base",
        description="Whisper model for transcription: `base` is the bundled multilingual model.",
    )
    whisper_compute_type: str = Field(
        default="int8",
        description="CTranslate2 compute type for Whisper (`int8`, `float32`, ...).",
    )
    whisper_beam_size: int = Field(default=5, ge=1, description="Beam size for Whisper decoding.")
    whisper_threads: int = Field(
        default=0,
        ge=0,
        description="CPU threads for Whisper; 0 chooses automatically.",
    )
    whisper_vad: bool = Field(
        default=True,
        description="Skip silence with voice activity detection before transcribing.",
    )
    max_audio_bytes: int = Field(
        default=2_000_000_000, gt=0, description="Largest recording accepted for transcription, in bytes."
    )
    max_audio_seconds: int = Field(
        default=4 * 3600, gt=0, description="Longest recording accepted for transcription, in seconds."
    )
    org_name: str | None = Field(
        default=None,
        description="Issuing body of the notices, as written in a sentence (`Văn phòng Ủy ban nhân dân tỉnh`).",
    )
    org_parent: str | None = Field(
        default=None, description="Parent body printed above the issuer in the header (`Ủy ban nhân dân tỉnh Lào Cai`)."
    )
    org_code: str | None = Field(
        default=None, description="Issuer's abbreviation in the number: `VP` gives `Số: …/TB-VP`."
    )
    org_place: str | None = Field(default=None, description="Place name of the date line (`Lào Cai`, `Hà Nội`).")
    signer_authority: str | None = Field(
        default=None, description="Signing authority line above the title (`TL. CHỦ TỊCH`, `KT. BỘ TRƯỞNG, CHỦ NHIỆM`)."
    )
    signer_title: str | None = Field(default=None, description="Title of the signer (`CHÁNH VĂN PHÒNG`).")
    signer_name: str | None = Field(default=None, description="Name of the signer.")
    drafter_unit: str | None = Field(
        default=None, description="Drafting unit code in the archive line `Lưu: VT, <unit>.`"
    )
    docx_template: Path | None = Field(
        default=None,
        description="The organisation's own .docx template (letterhead) for drafts; the bundled one when unset.",
    )

    reminder_days_before: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [7, 3, 1],
        description="Days before a deadline on which its agencies are reminded, comma-separated.",
    )
    reminder_working_days: bool = Field(
        default=False, description="Count the days before a deadline in working days (holidays and make-up days)."
    )
    reminder_overdue_every_days: int = Field(
        default=1, ge=0, description="While a task is overdue, remind its agencies every this many days (0: never)."
    )
    reminder_escalate_after_days: int = Field(
        default=3, ge=0, description="Days overdue after which the secretaries are told as well."
    )
    reminder_nudge_after_hours: int = Field(
        default=24, ge=0, description="Hours after issue at which an unacknowledged task is nudged once (0: never)."
    )
    weekly_digest: str = Field(
        default="mon 08:00",
        description="When the secretaries get the weekly digest of overdue and soon-due tasks "
        "(weekday mon..sun and local time; empty: none).",
    )
    quiet_hours: str = Field(
        default="08:00-17:30",
        description="Local hours in which reminders are sent (Monday to Friday, working days only).",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Folder of the daily backups (database and stored files, one snapshot folder a day); "
        "no daily backup when unset.",
    )
    backup_at: str = Field(
        default="02:00",
        description="Local time (HH:MM) of the daily maintenance: the backup, then data retention.",
    )
    backup_keep: int = Field(
        default=7, ge=1, description="Snapshots kept in a backup folder; older ones are deleted after each backup."
    )
    retention_recordings_days: int | None = Field(
        default=90,
        ge=0,
        description="Days after a meeting is issued (or failed, or was cancelled) after which its original "
        "recording is deleted; 0 or unset: kept. A meeting with an open task keeps everything.",
    )
    retention_transcripts_days: int | None = Field(
        default=None,
        ge=0,
        description="Days after a meeting is issued after which its transcript or typed notes are deleted; "
        "0 or unset: kept.",
    )
    retention_documents_days: int | None = Field(
        default=None,
        ge=0,
        description="Days after a meeting is issued after which the notes file sent for it (.docx, .pdf, .txt) "
        "is deleted; 0 or unset: kept.",
    )

    @field_validator("quiet_hours")
    @classmethod
    def _hours_window(cls, value: str) -> str:
        start, sep, end = value.partition("-")
        try:
            ok = sep == "-" and dt_time.fromisoformat(start.strip()) < dt_time.fromisoformat(end.strip())
        except ValueError:
            ok = False
        if not ok:
            msg = f"quiet hours must look like 08:00-17:30, not {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("weekly_digest")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if value.strip():
            day, _, at = value.strip().partition(" ")
            try:
                ok = day.lower() in WEEKDAYS and bool(dt_time.fromisoformat(at.strip()))
            except ValueError:
                ok = False
            if not ok:
                msg = f"the weekly digest must look like 'mon 08:00', not {value!r}"
                raise ValueError(msg)
        return value

    def digest_cron(self) -> dict[str, int | str] | None:
        """The weekly digest's time as APScheduler cron fields, or None when it is off."""
        if not self.weekly_digest.strip():
            return None
        day, _, at = self.weekly_digest.strip().partition(" ")
        moment = dt_time.fromisoformat(at.strip())
        return {"day_of_week": day.lower(), "hour": moment.hour, "minute": moment.minute}

    @field_validator("backup_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            dt_time.fromisoformat(value.strip())
        except ValueError:
            msg = f"the backup time must look like 02:00, not {value!r}"
            raise ValueError(msg) from None
        return value.strip()

    @field_validator(
        "backup_dir",
        "retention_recordings_days",
        "retention_transcripts_days",
        "retention_documents_days",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def backup_cron(self) -> dict[str, int]:
        """The daily maintenance time (``backup_at``) as APScheduler cron fields, in the local time zone."""
        moment = dt_time.fromisoformat(self.backup_at)
        return {"hour": moment.hour, "minute": moment.minute}

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {value!r}"
            raise ValueError(msg) from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("admin_ids", "reminder_days_before", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value


def settings_table_markdown() -> str:
    """Render the configuration table of the README from the :class:`Settings` fields.

    Returns:
        A markdown table with the columns Variable, Default and Description, one row per
        field in declaration order, ending with a newline.
    """
    lines = ["| Variable | Default | Description |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        lines.append(f"| `{ENV_PREFIX}{name.upper()}` | {_format_default(default)} | {field.description} |")
    return "\n".join(lines) + "\n"


def _format_default(value: object) -> str:
    if value is None or value == []:
        return "(unset)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path) and not value.is_absolute():
        return f"`./{value.as_posix()}`"
    if isinstance(value, list):
        return "`" + ",".join(str(item) for item in value) + "`"
    return f"`{value}`"
