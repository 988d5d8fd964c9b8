"""Render an :class:`~core.domain.Announcement` to .docx through a docxtpl template.

The default template (``render/templates/thong_bao.docx``, rebuilt by
``render/templates/build_template.py``) follows Decree 30/2020 Mẫu 1.4. An organisation can
pass its own letterhead .docx instead: it only has to use the Jinja2 variables listed by
:func:`template_fields` (docxtpl syntax, ``{%p for … %}`` for paragraph loops).
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2 import Environment, TemplateError

from core.domain import Announcement, BodyItem
from core.errors import ConfigError

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "thong_bao.docx"

_FIELDS: dict[str, str] = {
    "issuer": "Issuing agency, upper case (VĂN PHÒNG CHÍNH PHỦ).",
    "issuer_parent": "Direct parent agency, upper case, or an empty string when there is none.",
    "number": 'Number and symbol with its label ("Số: 05/TB-VP").',
    "place_date": 'Place and date ("Hà Nội, ngày 05 tháng 3 năm 2026").',
    "kind": 'Document kind, upper case ("THÔNG BÁO").',
    "summary": "Trích yếu: what the notice is about.",
    "opening": "Opening paragraph (date, place, chair, attendees, … kết luận như sau:).",
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
    """NFC-normalise and strip ``text`` (``None`` gives "")."""
    return unicodedata.normalize("NFC", text or "").strip()


def _upper(text: str | None) -> str:
    """NFC upper case as printed in the header and signature ("Ủy ban" -> "ỦY BAN")."""
    return unicodedata.normalize("NFC", _nfc(text).upper())


def _recipient(name: str) -> str:
    """A recipient name without the "- " and ";" the template prints around it."""
    name = _nfc(name)
    name = name.removeprefix("-").strip()
    return name.rstrip(";").rstrip()


def _item(item: BodyItem) -> dict[str, Any]:
    """Template view of one body paragraph."""
    marker, text = _nfc(item.marker), _nfc(item.text)
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
        "issuer": _upper(a.issuer),
        "issuer_parent": _upper(a.issuer_parent),
        "number": _nfc(a.number),
        "place_date": _nfc(a.place_date),
        "kind": _upper(a.kind),
        "summary": _nfc(a.summary),
        "opening": _nfc(a.opening),
        "items": [_item(item) for item in a.items if _nfc(item.text) or _nfc(item.marker)],
        "closing": _nfc(a.closing),
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
