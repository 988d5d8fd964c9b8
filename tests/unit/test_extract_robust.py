"""Robustness: any text gives a valid extraction (no exception, offsets that slice the input)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.pipeline import Extractor
from tests.conftest import DEV_CORPUS

LINES = [line for p in sorted(DEV_CORPUS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines() if line]

_noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_documents = st.lists(st.one_of(st.sampled_from(LINES), _noise), min_size=1, max_size=25).map("\n".join)


def _check(extractor: Extractor, text: str) -> None:
    result = extractor.extract(text)
    for a in result.assignments:
        assert text[a.start : a.end] == a.evidence
        assert 0 <= a.start < a.end <= len(text)
        assert a.lead
    for c in result.conclusions:
        assert text[c.start : c.end] == c.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_documents)
def test_shuffled_real_lines_and_noise(extractor: Extractor, text: str) -> None:
    _check(extractor, text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_documents, st.sampled_from(["NFC", "NFD"]), st.sampled_from(["\n", "\r\n"]))
def test_unicode_forms_and_line_endings(extractor: Extractor, text: str, form: str, newline: str) -> None:
    _check(extractor, unicodedata.normalize(form, text).replace("\n", newline))
