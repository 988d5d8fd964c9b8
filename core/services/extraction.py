"""Use cases around extraction: read notes, extract, and score against gold files."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from core.domain import Extraction
from core.errors import InputError
from core.services.documents import read_document
from core.services.transcription import MEDIA_SUFFIXES
from nlp.evaluate import DocScore, score_document

logger = logging.getLogger(__name__)


class ExtractorPort(Protocol):
    """What the service needs from the NLP pipeline."""

    def extract(self, text: str, *, meeting_date: date | None = None, received: date | None = None) -> Extraction:
        """Extract from ``text``."""
        ...

    def normalize_speech(self, text: str) -> str:
        """Written conventions for a transcript (agency casing, numbers as digits)."""
        ...


@dataclass(frozen=True, slots=True)
class ExtractionService:
    """Reads notes and runs the (already loaded) extraction pipeline on them."""

    extractor: ExtractorPort
    max_input_bytes: int
    transcribe: Callable[[Path], str] | None = None  # recordings to text, when a speech model is loaded

    def extract_text(self, text: str, *, meeting_date: date | None = None, received: date | None = None) -> Extraction:
        """Extract from text already in memory (a Telegram message, say); ``received``: see ``Extractor.extract``."""
        started = time.perf_counter()
        result = self.extractor.extract(text, meeting_date=meeting_date, received=received)
        logger.info(
            "extracted",
            extra={
                "chars": len(text),
                "assignments": len(result.assignments),
                "duration_s": round(time.perf_counter() - started, 3),
            },
        )
        return result

    def normalize_speech(self, text: str) -> str:
        """A transcript in the written conventions the extraction expects (see nlp.asr_normalize)."""
        return self.extractor.normalize_speech(text)

    def extract_file(self, path: Path, *, meeting_date: date | None = None) -> tuple[str, Extraction]:
        """Read ``path`` (.txt/.docx/.pdf, or a recording when transcription is set up) and extract from it.

        Returns:
            The text read (or transcribed) and the extraction.
        """
        if self.transcribe is not None and path.suffix.lower() in MEDIA_SUFFIXES:
            text = self.extractor.normalize_speech(self.transcribe(path))
        else:
            text = read_document(path, max_bytes=self.max_input_bytes)
        return text, self.extract_text(text, meeting_date=meeting_date)

    def evaluate_dir(self, directory: Path, canonical: Callable[[str], str | None] | None = None) -> list[DocScore]:
        """Score the extractor on every ``*.gold.json`` in ``directory`` against its ``.txt`` twin."""
        if not directory.is_dir():
            raise InputError(f"Không tìm thấy thư mục {directory}.", detail=f"not a directory: {directory}")
        golds = sorted(directory.glob("*.gold.json"))
        if not golds:
            raise InputError(
                f"Thư mục {directory} không có tệp *.gold.json nào.", detail=f"no gold files in {directory}"
            )
        scores: list[DocScore] = []
        for gold_path in golds:
            name = gold_path.name.removesuffix(".gold.json")
            text_path = gold_path.with_name(name + ".txt")
            text = read_document(text_path, max_bytes=self.max_input_bytes)
            try:
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"Không đọc được tệp chấm điểm {gold_path.name}.",
                    detail=f"bad gold file {gold_path}: {exc}",
                ) from exc
            scores.append(score_document(name, self.extract_text(text), gold, text, canonical))
        return scores
