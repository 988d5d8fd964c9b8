"""Transcript checkpoints: segments saved as they arrive, so a killed transcription resumes.

One append-only JSON-lines file per (recording, model) pair under a directory of the data
dir. Each line is one segment; a line cut short by a crash is ignored on reading. Writes
are flushed and fsync'd, so a segment reported saved survives a power cut.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from core.domain import TranscriptSegment

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


def file_key(path: Path, *, model: str) -> str:
    """A stable key for ``path`` transcribed with ``model``: the file's sha256 plus the model's."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    model_tag = hashlib.sha256(model.encode("utf-8")).hexdigest()[:12]
    return f"{digest.hexdigest()}-{model_tag}"


class SegmentCheckpoint:
    """The saved segments of one recording."""

    def __init__(self, directory: Path, key: str) -> None:
        """Use ``directory/key.jsonl`` (the directory is created when needed)."""
        self.path = directory / f"{key}.jsonl"

    def load(self) -> list[TranscriptSegment]:
        """Segments saved so far, in order; a torn last line is skipped."""
        if not self.path.exists():
            return []
        self._trim_torn_tail()
        segments: list[TranscriptSegment] = []
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    segments.append(TranscriptSegment(**json.loads(line)))
                except (ValueError, TypeError):
                    logger.warning("skipping unreadable checkpoint line", extra={"line": number})
        return segments

    def _trim_torn_tail(self) -> None:
        """Cut a last line that a crash left without its newline, so later appends start clean."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with self.path.open("r+b") as handle:
                handle.truncate(keep)
            logger.warning("trimmed a torn checkpoint line", extra={"bytes": len(data) - keep})

    def append(self, segment: TranscriptSegment) -> None:
        """Save one segment durably before the next is produced."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(segment), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def extend(self, segments: Iterable[TranscriptSegment]) -> None:
        """Save several segments."""
        for segment in segments:
            self.append(segment)

    def discard(self) -> None:
        """Forget the saved segments (the transcript is stored elsewhere, or the user cancelled)."""
        self.path.unlink(missing_ok=True)
