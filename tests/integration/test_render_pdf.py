"""convert_to_pdf with the real LibreOffice: fonts, Vietnamese text, page numbers.

These tests need ``soffice`` (libreoffice-writer-nogui + fonts-liberation2) and poppler-utils;
.ci/run installs them. Deselect locally with ``-m "not libreoffice"``.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from core.domain import Announcement, BodyItem, Signature
from core.errors import ConfigError, InputError
from render import pdf as pdf_module
from render.docx import render_docx
from render.pdf import convert_to_pdf, find_soffice

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMES_LIKE = ("LiberationSerif", "TimesNewRoman", "Times-", "Tinos")


def announcement(n_items: int = 3) -> Announcement:
    items = [BodyItem("1.", "Giao nhiệm vụ cho các cơ quan:", heading=True)]
    items += [BodyItem("a)", "Sở Tài chính chủ trì thẩm định, báo cáo trước ngày 15 tháng 4 năm 2026.", level=1)]
    items += [
        BodyItem(f"{i}.", f"Ủy ban nhân dân cấp xã thực hiện nội dung kết luận số {i}, bảo đảm tiến độ và chất lượng.")
        for i in range(2, n_items + 1)
    ]
    return Announcement(
        issuer="Văn phòng",
        issuer_parent="Ủy ban nhân dân tỉnh Lào Cai",
        number="Số: 05/TB-VP",
        place_date="Lào Cai, ngày 05 tháng 3 năm 2026",
        kind="Thông báo",
        summary="Kết luận của đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về đầu tư công",
        opening="Ngày 02 tháng 3 năm 2026, đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh chủ trì cuộc họp và kết luận như sau:",
        items=tuple(items),
        closing="Văn phòng Ủy ban nhân dân tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.",
        recipients=("Chủ tịch UBND tỉnh (b/c)", "Sở Tài chính", "Sở Xây dựng"),
        archive="Lưu: VT, TH.",
        signature=Signature("KT. Chánh Văn phòng", "Phó Chánh Văn phòng", "Trần Thị Bình"),
    )


def _tool(name: str, *args: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is missing: install poppler-utils")
    return subprocess.run([exe, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def soffice() -> str:
    found = find_soffice()
    if found is None:
        pytest.fail(
            "LibreOffice is not installed (libreoffice-writer-nogui fonts-liberation2); "
            'deselect with -m "not libreoffice"'
        )
    return found


@pytest.fixture(scope="module")
def short_pdf(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pdf")
    return convert_to_pdf(render_docx(announcement(), tmp / "thong-bao.docx"), tmp)


@pytest.mark.libreoffice
def test_only_times_compatible_fonts(short_pdf: Path) -> None:
    rows = _tool("pdffonts", str(short_pdf)).splitlines()[2:]
    names = [row.split()[0].split("+")[-1] for row in rows if row.strip()]
    assert names
    assert all(name.startswith(TIMES_LIKE) for name in names), names
    assert not [n for n in names if "DejaVu" in n]


@pytest.mark.libreoffice
def test_vietnamese_text_round_trips(short_pdf: Path) -> None:
    raw = _tool("pdftotext", str(short_pdf), "-")
    assert unicodedata.is_normalized("NFC", raw)
    text = " ".join(raw.split())
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "TỈNH LÀO CAI",
        "Ủy ban nhân dân",
        "Nơi nhận",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "PHÓ CHÁNH VĂN PHÒNG",
        "Trần Thị Bình",
        "thực hiện./.",
    ):
        assert expected in text


@pytest.mark.libreoffice
def test_page_one_png_for_visual_check(short_pdf: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "thong-bao-trang"
    _tool("pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(short_pdf), str(prefix))
    pngs = sorted(ARTIFACTS.glob("thong-bao-trang*.png"))
    assert pngs
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Pages:           1" in _tool("pdfinfo", str(short_pdf))  # a short notice fits on one page


@pytest.mark.libreoffice
def test_long_notice_numbers_pages_from_two(soffice: str, tmp_path: Path) -> None:
    pdf = convert_to_pdf(render_docx(announcement(40), tmp_path / "dai.docx"), tmp_path)
    pages = int(next(line for line in _tool("pdfinfo", str(pdf)).splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 2
    first = _tool("pdftotext", "-f", "1", "-l", "1", str(pdf), "-").split()
    second = _tool("pdftotext", "-f", "2", "-l", "2", str(pdf), "-").split()
    assert second[0] == "2"  # the page number heads page 2
    assert first[0] != "1"  # page 1 carries no number


def test_missing_libreoffice_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    docx_file = tmp_path / "a.docx"
    docx_file.write_bytes(b"PK")
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: None)
    with pytest.raises(ConfigError) as info:
        convert_to_pdf(docx_file, tmp_path)
    assert info.value.message.startswith("Chưa cài LibreOffice nên không xuất được PDF")
    assert "libreoffice-writer-nogui" in info.value.message


def test_failed_conversion_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    docx_file = tmp_path / "a.docx"
    docx_file.write_bytes(b"PK")
    false = shutil.which("false")
    assert false is not None
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: false)
    with pytest.raises(ConfigError) as info:
        convert_to_pdf(docx_file, tmp_path / "out")
    assert "không xuất được PDF" in info.value.message
    assert "exit 1" in info.value.detail


def test_missing_docx_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        convert_to_pdf(tmp_path / "khong-co.docx", tmp_path)
