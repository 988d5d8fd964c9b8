"""Shared fixtures: the extraction pipeline is loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.pipeline import Extractor, build_pipeline

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV_CORPUS = SHARED / "corpus" / "dev"


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """The real spaCy pipeline with the packaged gazetteer and calendar."""
    return build_pipeline()
