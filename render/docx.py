"""Render an :class:`~core.domain.Announcement` to .docx through a docxtpl template.

The default template (``render/templates/thong_bao.docx``, rebuilt by
``render/templates/build_template.py``) follows Decree 30/2020 Mẫu 1.4. An organisation can
pass its own letterhead .docx instead: it only has to use the Jinja2 variables listed by
:func:`template_fields` (docxtpl syntax, ``{%p for … %}`` for paragraph loops).
"""

from __future__ import annotations

import math
import re
import unicodedata
import zipfile
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2 import Environment, TemplateError

from core.domain import Announcement, BodyItem
from core.errors import ConfigError

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "thong_bao.docx"
# What fits on one line, in lower-case letter widths (see _width): measured with Liberation
# Serif, metric-compatible with Times New Roman, in the default template's columns.
NAME_LINE_WIDTH = 32.0  # 12 pt capitals in the header's left column (about 24 capitals)
SUMMARY_LINE_WIDTH = 72.0  # 14 pt bold across the 16.5 cm text width (about 76 letters)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # invalid in XML 1.0 (and docxtpl's \a)
_PHRASES = (
    "Ủy ban nhân dân",
    "Hội đồng nhân dân",
    "Mặt trận Tổ quốc",
    "Văn phòng",
    "Thành phố",
    "Chính phủ",
    "Phó Chủ tịch",
    "Chủ tịch",
    "Thủ tướng",
)  # never split across two lines
_UNBREAKABLE = re.compile("|".join(p.replace(" ", r"\s+") for p in _PHRASES), re.IGNORECASE)

_FIELDS: dict[str, str] = {
    "issuer": "Issuing agency, upper case (VĂN PHÒNG CHÍNH PHỦ); long names hold a line break (\\n).",
    "issuer_parent": "Direct parent agency, upper case and broken like issuer, or '' when there is none.",
    "number": 'Number and symbol with its label ("Số: 05/TB-VP").',
    "place_date": 'Place and date ("Hà Nội, ngày 05 tháng 3 năm 2026").',
    "kind": 'Document kind, upper case ("THÔNG BÁO").',
    "summary": "Trích yếu: what the notice is about; long ones hold line breaks (\\n) for even lines.",
    "opening": "Opening paragraph(s) (date, place, chair, … kết luận như sau:); \\a separates paragraphs.",
    "items": (
        "Body paragraphs; each has marker ('1.', 'a)', '-' or ''), text, level (0 khoản, "
        "1 điểm, 2 bullet), heading (bool: set in bold) and line (marker + text)."
    ),
    "closing": "Closing line (… thông báo để … biết, thực hiện./.).",
    "recipients": "Recipient names without the leading '- ' and trailing ';'.",
    "archive": 'Last "Nơi nhận" line without its dash ("Lưu: VT, TH.").',
    "signature_authority_lines": 'Signing authority lines, upper case (["KT. BỘ TRƯỞNG, CHỦ NHIỆM"]); may be empty.',
    "signature_authority": "The same lines joined by a space (empty when the head signs).",
    "signature_title": 'Signer\'s title, upper case ("PHÓ CHỦ NHIỆM").',
    "signature_name": 'Signer\'s name ("Nguyễn Sỹ Hiệp").',
}


def template_fields() -> dict[str, str]:
    """The variables a template can use, with what each holds (documented in the README).

    Returns:
        A new dict mapping each context variable name to an English description.
    """
    return dict(_FIELDS)


def _nfc(text: str | None) -> str:
    """NFC-normalise and strip ``text``, dropping control characters XML cannot hold (None gives "")."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()


def _upper(text: str | None) -> str:
    """NFC upper case as printed in the header and signature ("Ủy ban" -> "ỦY BAN")."""
    return unicodedata.normalize("NFC", _nfc(text).upper())


def _tokens(text: str) -> list[str]:
    """Words of ``text``, fixed phrases ("Ủy ban nhân dân", any case) kept as one token."""
    text = _UNBREAKABLE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)
    return [token.replace("\u00a0", " ") for token in text.split(" ") if token]  # split() eats NBSP


def _width(text: str) -> float:
    """Rough printed width in lower-case letter widths (capitals are about a third wider)."""
    return sum(1.35 if ch.isupper() else 1.0 for ch in text)


def balanced_lines(tokens: list[str], limit: float) -> list[str]:
    """Join ``tokens`` into the fewest lines of at most ``limit`` width, as even as possible.

    Args:
        tokens: Words (or unbreakable phrases) in order.
        limit: Width (see :func:`_width`) that fits on one line.

    Returns:
        The lines; one line when everything fits.
    """
    whole = " ".join(tokens)
    n_lines = min(math.ceil(_width(whole) / limit), len(tokens))
    if n_lines <= 1:
        return [whole] if whole else []
    best: list[str] = []
    best_width = math.inf
    for cuts in combinations(range(1, len(tokens)), n_lines - 1):
        lines = [" ".join(tokens[a:b]) for a, b in pairwise((0, *cuts, len(tokens)))]
        widest = max(map(_width, lines))
        if widest < best_width:
            best, best_width = lines, widest
    return best


def header_name(name: str | None, limit: float = NAME_LINE_WIDTH) -> str:
    r"""Upper-case agency name for the narrow header column, broken into balanced lines.

    Decree 30 prints long names on two lines ("ỦY BAN NHÂN DÂN" / "TỈNH LÀO CAI"); the
    template turns each "\n" into a line break. Names already holding line breaks are kept.

    Args:
        name: The agency name (any case) or None.
        limit: Width (see :func:`_width`) that fits on one line of the column.

    Returns:
        The upper-case name, lines joined by "\n"; "" for None.
    """
    lines = [" ".join(line.split()) for line in _upper(name).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) != 1:
        return "\n".join(lines)
    return "\n".join(balanced_lines(_tokens(lines[0]), limit))


def summary_lines(summary: str | None, limit: float = SUMMARY_LINE_WIDTH) -> str:
    r"""The trích yếu in even centred lines (no single word left alone on the last line).

    Args:
        summary: The trích yếu.
        limit: Width (see :func:`_width`) that fits on one line of the page.

    Returns:
        The summary, lines joined by "\n"; a summary already holding line breaks is kept.
    """
    lines = [" ".join(line.split()) for line in _nfc(summary).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) != 1:
        return "\n".join(lines)
    return "\n".join(balanced_lines(_tokens(lines[0]), limit))


def _body(text: str | None) -> str:
    r"""A body paragraph: whitespace collapsed; its own line breaks start new paragraphs.

    docxtpl turns "\a" into a new paragraph with the same formatting as the one it sits in.
    """
    lines = (" ".join(line.split()) for line in _nfc(text).splitlines())
    return "\a".join(line for line in lines if line)


def _recipient(name: str) -> str:
    """A recipient name without the "- " and ";" the template prints around it."""
    name = _nfc(name)
    name = name.removeprefix("-").strip()
    return name.rstrip(";").rstrip()


def _item(item: BodyItem) -> dict[str, Any]:
    """Template view of one body paragraph."""
    marker, text = _nfc(item.marker), _body(item.text)
    return {
        "marker": marker,
        "text": text,
        "level": item.level,
        "heading": item.heading,
        "line": f"{marker} {text}" if marker else text,
    }


def build_context(a: Announcement) -> dict[str, Any]:
    """The docxtpl context of ``a``: NFC text, upper case where Decree 30 prints upper case.

    Args:
        a: The announcement to render.

    Returns:
        A dict with exactly the keys of :func:`template_fields`.
    """
    authority = [_upper(line) for line in (a.signature.authority or "").splitlines() if line.strip()]
    return {
        "issuer": header_name(a.issuer),
        "issuer_parent": header_name(a.issuer_parent),
        "number": _nfc(a.number),
        "place_date": _nfc(a.place_date),
        "kind": _upper(a.kind),
        "summary": summary_lines(a.summary),
        "opening": _body(a.opening),
        "items": [_item(item) for item in a.items if _nfc(item.text) or _nfc(item.marker)],
        "closing": _body(a.closing),
        "recipients": [r for r in map(_recipient, a.recipients) if r],
        "archive": _nfc(a.archive).removeprefix("-").strip(),
        "signature_authority_lines": authority,
        "signature_authority": " ".join(authority),
        "signature_title": _upper(a.signature.title),
        "signature_name": _nfc(a.signature.name),
    }


def _load(template: Path) -> DocxTemplate:
    """Open ``template`` as a docxtpl template, or raise ConfigError."""
    if not template.is_file():
        raise ConfigError(
            f"Không tìm thấy mẫu văn bản {template}: kiểm tra lại đường dẫn tệp mẫu .docx.",
            detail=f"docx template not found: {template}",
        )
    doc = DocxTemplate(template)
    try:
        doc.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ConfigError(
            f"Tệp mẫu {template.name} bị hỏng hoặc không phải tệp Word (.docx).",
            detail=f"cannot open docx template {template}: {exc!r}",
        ) from exc
    return doc


def render_docx(announcement: Announcement, out: Path, *, template: Path | None = None) -> Path:
    """Render ``announcement`` into a .docx file.

    Args:
        announcement: The notice to render.
        out: Where to write the .docx (parent folders are created).
        template: A docxtpl .docx template; the default Decree 30 template when None.

    Returns:
        ``out``.

    Raises:
        ConfigError: The template is missing, not a .docx, or has broken Jinja2 tags.
    """
    path = template or DEFAULT_TEMPLATE
    doc = _load(path)
    try:
        doc.render(build_context(announcement), jinja_env=Environment(autoescape=True))
    except TemplateError as exc:
        raise ConfigError(
            f"Tệp mẫu {path.name} có thẻ Jinja2 sai cú pháp: {exc}",
            detail=f"docx template {path} failed to render: {exc!r}",
        ) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    return out
