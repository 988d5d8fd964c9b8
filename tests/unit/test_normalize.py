"""Normaliser: NFC, one tone-placement convention, offsets back to the original."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.normalize import fix_tone_placement, fold, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("tỉnh Thanh Hoá", "tỉnh Thanh Hóa"),
        ("thuỷ lợi", "thủy lợi"),
        ("sức khoẻ", "sức khỏe"),
        ("hoà bình", "hòa bình"),
        ("HOÀ", "HÒA"),
        ("hoàn thành", "hoàn thành"),  # closed syllable: both styles agree
        ("quý III", "quý III"),  # "qu" + y: the tone stays on y
        ("Quỳnh", "Quỳnh"),
        ("khuya", "khuya"),
        ("Ủy ban", "Ủy ban"),  # already traditional
    ],
)
def test_tone_placement(raw: str, expected: str) -> None:
    assert fix_tone_placement(raw) == expected


def test_nfd_input_maps_back_to_original_offsets() -> None:
    raw = "Giao " + unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Thanh Hoá") + " chủ trì"
    norm = normalize(raw)
    assert norm.text == "Giao Ủy ban nhân dân tỉnh Thanh Hóa chủ trì"
    start = norm.text.index("Ủy ban")
    end = norm.text.index(" chủ trì")
    s, e = norm.to_original(start, end)
    assert unicodedata.normalize("NFC", raw[s:e]) == "Ủy ban nhân dân tỉnh Thanh Hoá"
    assert raw[e:] == " chủ trì"


def test_zero_width_and_nbsp() -> None:
    raw = "Bộ\u00a0Tài\u200b chính"
    norm = normalize(raw)
    assert norm.text == "Bộ Tài chính"
    assert norm.original_slice(0, len(norm.text)) == raw


def test_fold_is_a_comparison_key() -> None:
    assert fold("  Uỷ  BAN\nnhân dân ") == fold("ủy ban nhân dân") == "ủy ban nhân dân"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_every_normalised_span_maps_inside_the_original(raw: str) -> None:
    norm = normalize(raw)
    assert len(norm.starts) == len(norm.text) == len(norm.ends)
    for i in range(len(norm.text)):
        s, e = norm.to_original(i, i + 1)
        assert 0 <= s < e <= len(raw)
    if norm.text:
        s, e = norm.to_original(0, len(norm.text))
        assert s <= e


@given(st.text(alphabet="aeiouyàáảãạèéẻẽẹỳýỷỹỵòóỏõọùúủũụqhkt ", max_size=60))
def test_tone_fix_keeps_length_and_is_idempotent(raw: str) -> None:
    once = fix_tone_placement(raw)
    assert len(once) == len(unicodedata.normalize("NFC", raw))
    assert fix_tone_placement(once) == once
