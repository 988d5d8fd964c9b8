"""Read meeting notes from .txt, .docx and .pdf files into one string.

Every failure is an :class:`~core.errors.InputError` with a Vietnamese message for the
user, so callers (CLI, bot) only need to show ``error.message``.
"""

from __future__ import annotations

import codecs
import logging
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pypdf
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf.errors import PyPdfError

from core.errors import InputError

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf")

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_document(path: Path, *, max_bytes: int) -> str:
    """Return the text of a notes file.

    * ``.txt``: UTF-8, UTF-8 with a BOM, or UTF-16 with a BOM. The result is exactly the
      decoded text (the BOM removed, newlines and spaces untouched), because callers report
      character offsets into it.
    * ``.docx``: the paragraphs of the body in document order, table cells included (each
      cell's paragraphs in reading order, a merged cell once), one paragraph per line.
      Numbering that Word generates automatically ("1.", "a)") is not part of the text and
      is lost; typed numbers are kept.
    * ``.pdf``: the text layer of every page, pages separated by a newline. A PDF without
      a text layer (a scan) is refused.

    Args:
        path: The file to read; the suffix (case-insensitive) chooses the reader.
        max_bytes: The largest file size accepted.

    Returns:
        The text of the document; never empty or whitespace-only.

    Raises:
        InputError: The file is missing, a directory, of an unsupported type, larger than
            ``max_bytes``, empty, binary, damaged, or has no text.
    """
    name = path.name
    size = _checked_size(path, max_bytes=max_bytes)
    if size == 0:
        raise InputError(f"Tệp {name} trống.", detail=f"empty file: {path}")
    reader = _READERS[path.suffix.lower()]
    try:
        text = reader(path)
    except OSError as exc:
        raise InputError(f"Không đọc được tệp {name}.", detail=f"cannot read {path}: {exc}") from exc
    if not text.strip():
        raise InputError(f"Tệp {name} không có nội dung văn bản.", detail=f"no text in {path}")
    logger.debug("read document", extra={"path": str(path), "bytes": size, "chars": len(text)})
    return text


def _checked_size(path: Path, *, max_bytes: int) -> int:
    name = path.name
    if not path.exists():
        raise InputError(f"Không tìm thấy tệp {name}.", detail=f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"{name} không phải là tệp.", detail=f"not a regular file: {path}")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(
            f"Không hỗ trợ định dạng tệp {name}; chỉ nhận .txt, .docx hoặc .pdf.",
            detail=f"unsupported suffix {path.suffix!r}: {path}",
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"Tệp quá lớn: {format_size(size)} (giới hạn {format_size(max_bytes)}).",
            detail=f"file of {size} bytes over the limit of {max_bytes}: {path}",
        )
    return size


def format_size(n_bytes: int) -> str:
    """Format a size for Vietnamese readers, in decimal units with a decimal comma.

    Args:
        n_bytes: A size in bytes.

    Returns:
        For example ``"25,3 MB"``, ``"20 MB"``, ``"1,5 kB"`` or ``"300 byte"``.
    """
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n_bytes >= factor:
            number = f"{n_bytes / factor:.1f}".removesuffix(".0").replace(".", ",")
            return f"{number} {unit}"
    return f"{n_bytes} byte"


def _read_txt(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        text = _decode(data, "utf-8-sig", path)
    elif data.startswith(_UTF16_BOMS):
        text = _decode(data, "utf-16", path)
    else:
        text = _decode(data, "utf-8", path)
    if "\x00" in text:
        raise InputError(
            f"Không đọc được tệp {path.name}: tệp nhị phân, không phải văn bản.",
            detail=f"NUL character in text file: {path}",
        )
    return text


def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        label = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InputError(
            f"Không đọc được tệp {path.name}: không phải văn bản {label}.",
            detail=f"cannot decode {path} as {encoding}: {exc}",
        ) from exc


def _read_docx(path: Path) -> str:
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _damaged(path, "docx", exc) from exc
    return "\n".join(_docx_lines(document))


def _docx_lines(document: DocxDocument) -> Iterator[str]:
    for block in document.iter_inner_content():
        yield from _block_lines(block)


def _block_lines(block: Paragraph | Table) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield block.text
        return
    seen: set[object] = set()  # a merged cell is returned once per grid position it spans
    for row in block.rows:
        for cell in row.cells:
            if cell._tc in seen:  # python-docx has no public cell identity
                continue
            seen.add(cell._tc)
            for inner in cell.iter_inner_content():
                yield from _block_lines(inner)


def _read_pdf(path: Path) -> str:
    try:
        reader = pypdf.PdfReader(path)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise _damaged(path, "pdf", exc) from exc
    if reader.is_encrypted:
        _decrypt_without_password(reader, path)
    try:
        pages = [page.extract_text() for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise _damaged(path, "pdf", exc) from exc
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(
            f"Tệp {path.name} không có lớp văn bản (có lẽ là bản quét hoặc ảnh chụp); hãy gửi bản .docx hoặc .txt.",
            detail=f"PDF without a text layer, probably scanned: {path}",
        )
    return text


def _decrypt_without_password(reader: pypdf.PdfReader, path: Path) -> None:
    """Open a PDF that is encrypted with an empty user password, as many are."""
    try:
        opened = bool(reader.decrypt(""))
    except PyPdfError as exc:  # e.g. AES without the optional crypto dependency
        logger.info("cannot decrypt PDF", extra={"path": str(path), "error": repr(exc)})
        opened = False
    if not opened:
        raise InputError(
            f"Không đọc được tệp {path.name}: tệp PDF được đặt mật khẩu hoặc mã hóa.",
            detail=f"encrypted PDF: {path}",
        )


def _damaged(path: Path, kind: str, exc: Exception) -> InputError:
    return InputError(
        f"Không đọc được tệp {path.name}: tệp .{kind} bị hỏng hoặc không đúng định dạng.",
        detail=f"cannot open {path} as {kind}: {exc!r}",
    )


_READERS: dict[str, Callable[[Path], str]] = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf}
