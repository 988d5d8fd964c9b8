"""Domain exceptions.

Every error the project raises on purpose derives from :class:`KetluanError`. It carries
two texts: ``message`` is Vietnamese and safe to show to the user (Telegram reply, CLI
stderr); ``detail`` is English and meant for logs. ``str(error)`` is the log detail.
"""

from __future__ import annotations


class KetluanError(Exception):
    """Base class of the project's own errors.

    Attributes:
        message: Vietnamese, user-facing explanation.
        detail: English explanation for logs (defaults to ``message``).
    """

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        """Create the error.

        Args:
            message: Vietnamese text to show to the user.
            detail: English text for logs; the user message is used when omitted.
        """
        self.message = message
        self.detail = detail if detail is not None else message
        super().__init__(self.detail)


class InputError(KetluanError):
    """The input cannot be used: missing, unreadable, empty, binary, oversized or unsupported."""


class ConfigError(KetluanError):
    """The configuration is invalid or incomplete."""
