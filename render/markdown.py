"""Chat and terminal previews of an :class:`~core.domain.Announcement`.

:func:`render_markdown` writes CommonMark (``**bold**``, ``*italic*``, hard line breaks
as two trailing spaces); :func:`render_text` writes the same content as plain text. Both
keep the layout order of Decree 30 Mẫu 1.4: header, kind and summary, opening, items,
closing, "Nơi nhận" and the signature block.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from core.domain import Announcement, BodyItem

_INDENT_TEXT = "  "  # per item level in plain text
_INDENT_MD = "\u00a0\u00a0\u00a0\u00a0"  # no-break spaces: leading spaces would make a code block
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_MD_BREAK = "  \n"  # CommonMark hard line break


def _nfc(text: str | None) -> str:
    """NFC-normalise and strip ``text`` (``None`` gives "")."""
    return unicodedata.normalize("NFC", text or "").strip()


def _upper(text: str | None) -> str:
    """Upper case as printed in the document header and signature."""
    return unicodedata.normalize("NFC", _nfc(text).upper())


def escape_markdown(text: str) -> str:
    r"""Backslash-escape the characters that CommonMark would read as formatting.

    Args:
        text: Plain text.

    Returns:
        ``text`` with ``\\ ` * _ [ ] < >`` escaped.
    """
    return _MD_SPECIAL.sub(r"\\\1", text)


def _item_line(item: BodyItem) -> str:
    """Marker and text of one body item."""
    marker, text = _nfc(item.marker), _nfc(item.text)
    return f"{marker} {text}" if marker else text


def _recipient_lines(a: Announcement) -> list[str]:
    """The "Nơi nhận" lines as printed: "- name;" then "- Lưu: …"."""
    lines = []
    for raw in a.recipients:
        name = _nfc(raw).removeprefix("-").strip().rstrip(";").rstrip()
        if name:
            lines.append(f"- {name};")
    lines.append(f"- {_nfc(a.archive).removeprefix('-').strip()}")
    return lines


def _signature_lines(a: Announcement) -> list[str]:
    """Authority line(s) and title, upper case (the name comes separately)."""
    authority = [_upper(line) for line in (a.signature.authority or "").splitlines() if line.strip()]
    return [*authority, _upper(a.signature.title)]


class _Style(NamedTuple):
    """How a preview marks text up."""

    esc: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    indent: str


_MARKDOWN = _Style(escape_markdown, lambda s: f"**{s}**", lambda s: f"*{s}*", _INDENT_MD)
_PLAIN = _Style(lambda s: s, lambda s: s, lambda s: s, _INDENT_TEXT)


def _blocks(a: Announcement, st: _Style) -> list[list[str]]:
    """The preview as blocks of lines, marked up with ``st``."""
    header = [st.esc(line.strip()) for line in _upper(a.issuer_parent).splitlines()]
    header += [st.bold(st.esc(line.strip())) for line in _upper(a.issuer).splitlines()]
    header.append(st.esc(_nfc(a.number)))
    nation = [st.bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), st.bold("Độc lập - Tự do - Hạnh phúc")]
    blocks = [header, nation, [st.italic(st.esc(_nfc(a.place_date)))]]
    blocks.append([st.bold(st.esc(_upper(a.kind))), st.bold(st.esc(_nfc(a.summary)))])
    blocks.append([st.esc(_nfc(a.opening))])
    for item in a.items:
        line = st.esc(_item_line(item))
        if line:
            blocks.append([st.indent * max(item.level, 0) + (st.bold(line) if item.heading else line)])
    blocks.append([st.esc(_nfc(a.closing))])
    blocks.append([st.italic(st.bold("Nơi nhận:")), *(st.esc(line) for line in _recipient_lines(a))])
    blocks.append([st.bold(st.esc(line)) for line in _signature_lines(a)])
    blocks.append([st.bold(st.esc(_nfc(a.signature.name)))])
    return [kept for kept in ([line for line in block if line.strip("*")] for block in blocks) if kept]


def render_markdown(a: Announcement) -> str:
    """A Markdown preview of ``a`` for a chat or a terminal.

    Args:
        a: The announcement.

    Returns:
        CommonMark text: blocks separated by blank lines, lines inside a block joined by
        hard line breaks, item levels indented with no-break spaces.
    """
    blocks = _blocks(a, _MARKDOWN)
    return "\n\n".join(_MD_BREAK.join(block) for block in blocks) + "\n"


def render_text(a: Announcement) -> str:
    """A plain-text preview of ``a`` with the same content as :func:`render_markdown`.

    Args:
        a: The announcement.

    Returns:
        Text with blocks separated by blank lines and item levels indented by spaces.
    """
    blocks = _blocks(a, _PLAIN)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
