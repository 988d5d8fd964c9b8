"""Text normalisation that keeps a map back to the original character offsets.

Two things vary in real Vietnamese documents without changing meaning:

* Unicode form: precomposed (NFC) or decomposed (NFD) letters.
* Tone-mark placement in open syllables with ``oa``, ``oe``, ``uy``: the traditional
  style ("hòa", "khỏe", "Ủy") used by Decree 30 documents, and the newer style
  ("hoà", "khoẻ", "Uỷ").

:func:`normalize` produces NFC text in the traditional style and an offset map, so
that anything found in the normalised text can be reported as a span of the text
exactly as it was read. :func:`fold` gives a comparison key (normalised, lower case,
single spaces).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Every upper-case letter of Vietnamese, for regex classes: "[" + UPPER + "]". (A range such as
# "À-Ỹ" would also take lower-case letters, which Unicode interleaves with the capitals.)
UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}
_SPACE_LIKE = {"\u00a0", "\u2007", "\u202f", "\u2009", "\u200a", "\u3000"}

# second vowel carrying the tone in the "new" style -> (first vowel pattern, base of second)
_TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}  # huyền sắc hỏi ngã nặng
_NEW_STYLE = re.compile(r"(?<![qQ])([oO])([àáảãạÀÁẢÃẠ]|[èéẻẽẹÈÉẺẼẸ])(?!\w)|(?<![qQ])([uU])([ỳýỷỹỵỲÝỶỸỴ])(?!\w)")


def _move_tone(match: re.Match[str]) -> str:
    first = match.group(1) or match.group(3)
    second = match.group(2) or match.group(4)
    decomposed = unicodedata.normalize("NFD", second)
    base = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    marks = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
    return unicodedata.normalize("NFC", first + marks) + unicodedata.normalize("NFC", base)


def fix_tone_placement(text: str) -> str:
    """Return NFC ``text`` with open-syllable tone marks in the traditional style.

    The result has the same length as the NFC input: marks only move between
    two adjacent precomposed letters.
    """
    return _NEW_STYLE.sub(_move_tone, unicodedata.normalize("NFC", text))


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalised text plus, for each character, the span it came from in the original."""

    text: str
    original: str
    starts: tuple[int, ...]  # starts[i]: original index where normalised char i begins
    ends: tuple[int, ...]  # ends[i]: original index just after normalised char i

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span ``[start, end)`` of the normalised text to the original text."""
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def original_slice(self, start: int, end: int) -> str:
        """The original text behind the normalised span ``[start, end)``."""
        s, e = self.to_original(start, end)
        return self.original[s:e]


def normalize(original: str) -> NormalizedText:
    """Normalise ``original`` (NFC, traditional tone placement, plain spaces).

    Zero-width characters and soft hyphens are dropped, exotic spaces become
    ``" "``; every other character maps to exactly the original characters it
    came from, so spans can always be mapped back with
    :meth:`NormalizedText.to_original`.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(original)
    while i < n:
        ch = original[i]
        if ch in _ZERO_WIDTH:
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1
        cluster = " " if ch in _SPACE_LIKE else original[i:j]
        composed = unicodedata.normalize("NFC", cluster) if j - i > 1 or not cluster.isascii() else cluster
        for c in composed:
            out.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    text = "".join(out)
    fixed = fix_tone_placement(text)
    if len(fixed) != len(text):  # defensive: NFC of already-composed text keeps length
        fixed = text
    return NormalizedText(fixed, original, tuple(starts), tuple(ends))


_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Comparison key: normalised, lower case, whitespace collapsed, trimmed."""
    return _WS.sub(" ", fix_tone_placement(text).lower()).strip()
