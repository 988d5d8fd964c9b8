"""Use case: a recording to a transcript, resumable after a crash.

Segments are saved to a checkpoint as they arrive; a rerun on the same file (same model
and decoding settings) starts after the last saved segment instead of from the start. With a
transcriber that decodes each window deterministically (``nlp.transcribe.Transcriber`` given
``reload``) and the same thread count, the rerun's transcript is exactly the one an
uninterrupted run gives; a kill costs at most the window it fell in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.domain import Transcript, TranscriptionProgress, TranscriptSegment
from nlp.audio import probe
from storage.checkpoints import SegmentCheckpoint, file_key

logger = logging.getLogger(__name__)

MEDIA_SUFFIXES = frozenset(
    {".wav", ".ogg", ".oga", ".opus", ".m4a", ".mp3", ".aac", ".flac", ".mp4", ".mov", ".webm", ".mkv", ".amr"}
)


class TranscriberPort(Protocol):
    """What the service needs from the speech recogniser (nlp.transcribe.Transcriber)."""

    def transcribe(
        self,
        path: Path,
        *,
        progress: Callable[[TranscriptionProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        resume_from: Sequence[TranscriptSegment] = (),
        on_segment: Callable[[TranscriptSegment], None] | None = None,
    ) -> Transcript:
        """Transcribe ``path``."""
        ...


def is_media(path: Path) -> bool:
    """Whether ``path`` is a recording by its name (voice notes, audio, video)."""
    return path.suffix.lower() in MEDIA_SUFFIXES


@dataclass(frozen=True, slots=True)
class TranscriptionService:
    """Transcribes recordings with the loaded model, saving progress for resume."""

    transcriber: TranscriberPort
    checkpoint_dir: Path
    model_tag: str  # model and decoding settings: a checkpoint is only resumed with the same ones
    max_bytes: int
    max_seconds: float

    def transcribe_file(
        self,
        path: Path,
        *,
        progress: Callable[[TranscriptionProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> Transcript:
        """Check, then transcribe ``path``; resumes from a checkpoint left by an interrupted run.

        Raises:
            InputError: not a decodable recording, too large or too long.
            TranscriptionCancelled: ``cancel()`` answered true (the saved segments are kept).
        """
        duration = probe(path, max_bytes=self.max_bytes, max_duration_s=self.max_seconds)
        store = SegmentCheckpoint(self.checkpoint_dir, file_key(path, model=self.model_tag))
        saved = store.load()
        if saved:
            logger.info("resuming transcription", extra={"segments": len(saved), "at_s": round(saved[-1].end, 1)})
        started = time.perf_counter()
        transcript = self.transcriber.transcribe(
            path, progress=progress, cancel=cancel, resume_from=saved, on_segment=store.append
        )
        elapsed = time.perf_counter() - started
        logger.info(
            "transcribed",
            extra={
                "audio_s": round(duration, 1),
                "duration_s": round(elapsed, 2),
                "segments": len(transcript.segments),
            },
        )
        store.discard()
        return transcript
