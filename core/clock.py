"""The one place that reads the wall clock.

Code that needs "now" receives a :class:`Clock`; tests pass a :class:`FixedClock`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move (for tests)."""

    def __init__(self, at: datetime) -> None:
        """Start the clock at ``at``.

        Args:
            at: A timezone-aware moment; it is converted to UTC.

        Raises:
            ValueError: If ``at`` is naive.
        """
        self._at = _as_utc(at)

    def now(self) -> datetime:
        """Return the fixed moment, in UTC."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (timezone-aware)."""
        self._at = _as_utc(at)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta`` (backwards if negative)."""
        self._at += delta


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"naive datetime given to a clock: {moment!r}"
        raise ValueError(msg)
    return moment.astimezone(UTC)
