"""read_document against real files written into tmp_path."""

from __future__ import annotations

import codecs
from pathlib import Path

import docx
import pytest

from core.errors import InputError
from core.services.documents import format_size, read_document

LIMIT = 20_000_000
NOTES = "Kết luận của đồng chí Chủ tịch:\r\n1. Giao Sở Tài chính chủ trì.\n\n  2. Hoàn thành trước 15/12/2024. \n"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _refusal(path: Path, *, max_bytes: int) -> str:
    """The Vietnamese message of the InputError that reading ``path`` raises."""
    with pytest.raises(InputError) as info:
        read_document(path, max_bytes=max_bytes)
    return info.value.message


# ---------------------------------------------------------------- .txt


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", NOTES.encode()),
        ("bom.txt", codecs.BOM_UTF8 + NOTES.encode()),
        ("utf16le.txt", NOTES.encode("utf-16")),  # Python writes the platform BOM
        ("utf16be.txt", codecs.BOM_UTF16_BE + NOTES.encode("utf-16-be")),
        ("upper.TXT", NOTES.encode()),
    ],
)
def test_txt_is_returned_exactly_as_decoded(tmp_path: Path, name: str, data: bytes) -> None:
    text = read_document(_write(tmp_path / name, data), max_bytes=LIMIT)
    assert text == NOTES  # \r\n, blank lines, leading and trailing spaces all kept


def test_txt_with_nul_bytes_is_binary(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", b"Ket luan\x00\x01\x02")
    with pytest.raises(InputError) as info:
        read_document(path, max_bytes=LIMIT)
    assert info.value.message == "Không đọc được tệp a.txt: tệp nhị phân, không phải văn bản."
    assert "NUL" in info.value.detail


def test_utf16_text_with_nul_characters_is_binary(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"))
    assert "nhị phân" in _refusal(path, max_bytes=LIMIT)


def test_legacy_tcvn3_text_is_not_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path / "tcvn3.txt", b"K\xd5t lu\xb9n")  # "Kết luận" in the pre-Unicode TCVN3 font
    assert _refusal(path, max_bytes=LIMIT) == "Không đọc được tệp tcvn3.txt: không phải văn bản UTF-8."


def test_png_renamed_to_txt_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "image.txt" in _refusal(path, max_bytes=LIMIT)


def test_empty_file(tmp_path: Path) -> None:
    assert _refusal(_write(tmp_path / "empty.txt", b""), max_bytes=LIMIT) == "Tệp empty.txt trống."


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert "không có nội dung" in _refusal(_write(tmp_path / "blank.txt", b" \n\t\r\n  "), max_bytes=LIMIT)


def test_bom_only_file_has_no_content(tmp_path: Path) -> None:
    assert "không có nội dung" in _refusal(_write(tmp_path / "bom.txt", codecs.BOM_UTF8), max_bytes=LIMIT)


def test_oversized_file_message(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.txt", b"a" * 25_300_000)
    assert _refusal(path, max_bytes=LIMIT) == "Tệp quá lớn: 25,3 MB (giới hạn 20 MB)."


def test_file_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "edge.txt", b"x" * 100)
    assert read_document(path, max_bytes=100) == "x" * 100
    assert "Tệp quá lớn" in _refusal(path, max_bytes=99)


def test_missing_file(tmp_path: Path) -> None:
    assert _refusal(tmp_path / "missing.txt", max_bytes=LIMIT) == "Không tìm thấy tệp missing.txt."


def test_directory(tmp_path: Path) -> None:
    directory = tmp_path / "notes.txt"
    directory.mkdir()
    assert "không phải là tệp" in _refusal(directory, max_bytes=LIMIT)


@pytest.mark.parametrize("name", ["notes.doc", "notes.odt", "notes", "notes.md"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    assert "chỉ nhận .txt, .docx hoặc .pdf" in _refusal(_write(tmp_path / name, b"text"), max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("n_bytes", "expected"),
    [
        (25_300_000, "25,3 MB"),
        (20_000_000, "20 MB"),
        (1_500, "1,5 kB"),
        (300, "300 byte"),
        (2 * 10**9, "2 GB"),
    ],
)
def test_format_size(n_bytes: int, expected: str) -> None:
    assert format_size(n_bytes) == expected


# ---------------------------------------------------------------- .docx


def test_docx_paragraphs_and_tables_in_body_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("THÔNG BÁO KẾT LUẬN")
    document.add_paragraph("1. Giao Sở Tài chính chủ trì, phối hợp Sở Xây dựng.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Nhiệm vụ"
    table.cell(0, 1).text = "Thời hạn"
    table.cell(1, 0).text = "Rà soát quy hoạch"
    table.cell(1, 1).text = "Trước 15/12/2024"
    document.add_paragraph("2. Giao UBND huyện báo cáo hằng tháng.")
    path = tmp_path / "notes.docx"
    document.save(str(path))

    assert read_document(path, max_bytes=LIMIT).split("\n") == [
        "THÔNG BÁO KẾT LUẬN",
        "1. Giao Sở Tài chính chủ trì, phối hợp Sở Xây dựng.",
        "Nhiệm vụ",
        "Thời hạn",
        "Rà soát quy hoạch",
        "Trước 15/12/2024",
        "2. Giao UBND huyện báo cáo hằng tháng.",
    ]


def test_docx_merged_cells_are_read_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Ý kiến kết luận"  # across both columns
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Sở Y tế"  # down two rows
    table.cell(1, 1).text = "Chủ trì"
    table.cell(2, 1).text = "Báo cáo hằng tháng"
    path = tmp_path / "merged.docx"
    document.save(str(path))

    assert read_document(path, max_bytes=LIMIT).split("\n") == [
        "Ý kiến kết luận",
        "Sở Y tế",
        "Chủ trì",
        "Báo cáo hằng tháng",
    ]


def test_docx_with_only_empty_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("")
    document.add_paragraph("   ")
    path = tmp_path / "blank.docx"
    document.save(str(path))
    assert "không có nội dung" in _refusal(path, max_bytes=LIMIT)


def test_damaged_docx(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.docx", b"PK\x03\x04 this is not a zip archive")
    assert (
        _refusal(path, max_bytes=LIMIT)
        == "Không đọc được tệp broken.docx: tệp .docx bị hỏng hoặc không đúng định dạng."
    )


# ---------------------------------------------------------------- .pdf


def _pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF; each entry is one page's content stream.

    Text is shown with a simple font whose ToUnicode map sends one byte per character to
    its Unicode code point, so pypdf can extract Vietnamese without an embedded font.
    """
    chars = sorted({ch for stream in pages for ch in stream})
    codes = {ch: i + 1 for i, ch in enumerate(chars)}  # single-byte codes 1..255
    assert len(codes) < 256

    def encode(stream: str) -> bytes:
        out = bytearray()
        for line in stream.split("\n"):
            if line.startswith("TEXT "):
                hexcodes = "".join(f"{codes[ch]:02X}" for ch in line[5:])
                out += f"<{hexcodes}> Tj".encode()
            else:
                out += line.encode()
            out += b"\n"
        return bytes(out)

    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CMapName /Custom def /CMapType 2 def",
            "1 begincodespacerange <00> <FF> endcodespacerange",
            f"{len(codes)} beginbfchar",
            *(f"<{code:02X}> <{ord(ch):04X}>" for ch, code in codes.items()),
            "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
        ]
    ).encode()

    objects: list[bytes] = []
    n_pages = len(pages)
    first_page = 5
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R >>")
    objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    for i, stream in enumerate(pages):
        content = encode(stream)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {first_page + 2 * i + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _text_page(*lines: str) -> str:
    body = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
    for line in lines:
        body += [f"TEXT {line}", "T*"]
    return "\n".join([*body, "ET"])


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    pdf = _pdf(
        [
            _text_page("THÔNG BÁO KẾT LUẬN", "Giao Sở Tài chính chủ trì."),
            _text_page("Hoàn thành trước ngày 15/12/2024."),
        ]
    )
    path = _write(tmp_path / "notes.pdf", pdf)

    text = read_document(path, max_bytes=LIMIT)

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines == ["THÔNG BÁO KẾT LUẬN", "Giao Sở Tài chính chủ trì.", "Hoàn thành trước ngày 15/12/2024."]


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    scan = "0.5 g\n50 50 495 742 re f\n0 G\n72 700 m 500 700 l S"  # drawing only, as a scan's image
    path = _write(tmp_path / "scan.pdf", _pdf([scan, scan]))
    with pytest.raises(InputError) as info:
        read_document(path, max_bytes=LIMIT)
    assert "bản quét" in info.value.message
    assert "scanned" in info.value.detail


def test_damaged_pdf(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.pdf", b"%PDF-1.4\nnot really a pdf")
    assert "tệp .pdf bị hỏng" in _refusal(path, max_bytes=LIMIT)
