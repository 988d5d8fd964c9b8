"""Segmentation of meeting texts: numbered blocks, sentences and clauses.

Pure functions over a string. Every unit keeps ``start``/``end`` offsets into the
string it was cut from, so callers can map findings back to the source.

Numbering seen in real notices (domain.md §1.3): ``I.`` (mục), ``1.`` / ``2.1.``
(khoản), ``1-`` (party style), ``a)`` (điểm), ``(i)``, ``-``/``+``/``•`` bullets and
"Thứ nhất, …". Markdown emphasis (``**…**``) and headings (``# …``) from web copies are
recognised and stripped from the content span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.normalize import UPPER

# Ranks: smaller is higher in the outline. Unmarked paragraphs get None and are
# placed by the caller relative to their neighbours.
RANK_HEADING = 5
RANK_ROMAN = 10
RANK_ORDINAL = 15
RANK_NUMBER = 20  # "1." ; each extra level ("2.1.") adds 10
RANK_LETTER = 60
RANK_PAREN = 70
RANK_BULLET = 80

_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("roman", re.compile(rf"(?P<m>(?=[IVX]){_ROMAN})[.)]\s+")),
    ("number", re.compile(r"(?P<m>\d{1,2}(?:\.\d{1,2}){0,3})(?:\.\s*|\)\s*|\s*-\s+|\s+(?=\D))(?=\S)")),
    ("letter", re.compile(r"(?P<m>[a-zđ])\)\s*")),
    ("paren", re.compile(r"\((?P<m>[ivx]{1,5}|\d{1,2}|[a-zđ])\)\s*")),
    ("bullet", re.compile(r"(?P<m>[-–+•*])\s+")),
    (
        "ordinal",
        re.compile(r"(?P<m>Thứ (?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười))\s*[,:.]\s*", re.IGNORECASE),
    ),
)


@dataclass(frozen=True, slots=True)
class Block:
    """One line-level unit: a numbered item, a bullet, a heading or a plain paragraph."""

    start: int  # content start (after marker and markup)
    end: int  # content end (before trailing markup/whitespace)
    line_start: int  # start of the whole line, marker included
    kind: str  # roman | number | letter | paren | bullet | ordinal | heading | table | none
    marker: str | None
    rank: int | None
    bold: bool
    text: str

    @property
    def ends_with_colon(self) -> bool:
        """Whether the block introduces what follows ("… như sau:")."""
        return self.text.rstrip(" *").endswith(":")


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence or clause: offsets into the segmented text."""

    start: int
    end: int
    text: str


def _strip_markup(line: str, start: int) -> tuple[int, int, bool, bool]:
    """Return the content span of a line without markdown emphasis, plus flags."""
    s, e = start, start + len(line)
    raw = line
    heading = False
    lead = len(raw) - len(raw.lstrip())
    s += lead
    raw = raw.lstrip()
    if raw.startswith("#"):
        hashes = len(raw) - len(raw.lstrip("#"))
        inner = raw[hashes:]
        s += hashes + (len(inner) - len(inner.lstrip()))
        raw = inner.lstrip()
        heading = True
    bold = False
    if raw.startswith("**"):
        bold = True
        s += 2
        raw = raw[2:]
    trail = raw.rstrip()
    e = s + len(trail)
    if trail.endswith("**"):
        bold = True
        e -= 2
        trail = trail[:-2].rstrip()
        e = s + len(trail)
    return s, e, bold, heading


def _rank(kind: str, marker: str) -> int:
    if kind == "roman":
        return RANK_ROMAN
    if kind == "number":
        return RANK_NUMBER + 10 * marker.count(".")
    return {
        "letter": RANK_LETTER,
        "paren": RANK_PAREN,
        "bullet": RANK_BULLET,
        "ordinal": RANK_ORDINAL,
    }[kind]


def split_blocks(text: str) -> list[Block]:
    """Split ``text`` into line blocks and recognise list markers.

    Args:
        text: the (normalised) document text.

    Returns:
        Non-empty lines in order, with content spans excluding markers and markup.
    """
    blocks: list[Block] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start = pos
        pos += len(line)
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        if body.lstrip().startswith("|"):
            s = line_start + (len(body) - len(body.lstrip()))
            blocks.append(
                Block(
                    s,
                    line_start + len(body.rstrip()),
                    line_start,
                    "table",
                    None,
                    None,
                    False,
                    text[s : line_start + len(body.rstrip())],
                )
            )
            continue
        s, e, bold, heading = _strip_markup(body, line_start)
        if s >= e:
            continue
        content = text[s:e]
        kind, marker, rank = ("heading" if heading else "none"), None, (RANK_HEADING if heading else None)
        for name, pattern in _MARKERS:
            m = pattern.match(content)
            if not m or m.end() >= len(content):
                continue
            if name == "roman" and not m.group("m"):
                continue
            if name == "number" and _looks_like_date_or_amount(content):
                continue
            kind, marker, rank = name, m.group("m"), _rank(name, m.group("m"))
            s += m.end()
            # markup can also sit after the marker: "1. **Heading**"
            if text.startswith("**", s):
                bold = True
                s += 2
            break
        content = text[s:e]
        if content.endswith("**"):
            e -= 2
            content = text[s:e]
        blocks.append(Block(s, e, line_start, kind, marker, rank, bold, content))
    return blocks


_DATE_START = re.compile(r"\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b|\d{1,3}(?:[.,]\d{3})+\b")


def _looks_like_date_or_amount(content: str) -> bool:
    return bool(_DATE_START.match(content))


# A sentence ends at . ! ? followed by space(s) and an upper-case letter, digit, quote
# or list marker. Abbreviation-like dots (TP. Hồ Chí Minh, v.v.) are excluded.
_SENT_END = re.compile(rf"(?<=[.!?…])(?:\s+)(?=[\"“'(]?[{UPPER}0-9])")
_ABBREV_BEFORE = re.compile(
    r"(?:\b(?:TP|Tp|ông|bà|Th\.S|TS|PGS|GS|ThS|Q|KT|TM|TL|TUQ|v\.v|St|Mr|Dr|đ/c|Đ/c)\.|\b[A-ZĐ]\.)$"
)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split ``text[start:end]`` into sentences.

    Args:
        text: the full text.
        start: where the region begins.
        end: where it ends (defaults to the end of ``text``).

    Returns:
        Sentence spans covering the region's non-blank content.
    """
    stop = len(text) if end is None else end
    region = text[start:stop]
    spans: list[Span] = []
    cursor = 0
    for m in _SENT_END.finditer(region):
        before = region[cursor : m.start()]
        if _ABBREV_BEFORE.search(before):
            continue
        spans.append(_trimmed(text, start + cursor, start + m.start()))
        cursor = m.end()
    spans.append(_trimmed(text, start + cursor, stop))
    return [s for s in spans if s.text]


def split_clauses(text: str, start: int, end: int) -> list[Span]:
    """Split a sentence span at semicolons (the clause separator of notices)."""
    spans: list[Span] = []
    cursor = start
    for i in range(start, end):
        if text[i] == ";":
            spans.append(_trimmed(text, cursor, i))
            cursor = i + 1
    spans.append(_trimmed(text, cursor, end))
    return [s for s in spans if s.text]


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace()):
        end -= 1
    return Span(start, end, text[start:end])
