"""Logging configuration (stdlib ``logging``), done once by the composition root."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON line."""
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class RedactFilter(logging.Filter):
    """Replaces secrets (the bot token) in every record, in case a library puts one in a message."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the secrets; never drops a record."""
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "<redacted>")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self._secrets):
                record.exc_info, record.exc_text = None, None
                record.msg = f"{record.msg} (traceback withheld: it contained a secret)"
        return True


def configure_logging(level: str = "INFO", *, json_lines: bool = False, secrets: tuple[str, ...] = ()) -> None:
    """Send logs to stderr (stdout stays clean for command output); quiet chatty libraries.

    ``httpx`` logs request URLs, which contain the bot token: it is kept at WARNING, and
    ``secrets`` (the token) are replaced in any record that still carries one. python-telegram-bot
    stays at INFO or above even when ``level`` is DEBUG, since its debug records hold message texts.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactFilter(secrets))
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler logs every wake-up ("Running job ...") at INFO: twice a minute is noise.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot logs whole updates and API results at DEBUG: message texts must not reach the logs.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
