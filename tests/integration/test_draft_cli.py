"""`python main.py draft`: every dev document to .docx (and PDF), JSON round trip, bad output type."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import docx
import pytest

from main import main
from tests.conftest import DEV_CORPUS

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DOCS = sorted(p.name.removesuffix(".txt") for p in DEV_CORPUS.glob("*.txt"))
ORG = ["--issuer", "Văn phòng Chính phủ", "--code", "VPCP", "--place", "Hà Nội", "--unit", "TH"]


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts += [p.text for p in cell.paragraphs]
    return "\n".join(parts)


@pytest.mark.parametrize("name", DOCS)
def test_every_dev_document_drafts_to_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    out = tmp_path / f"{name}.docx"
    assert main(["draft", str(DEV_CORPUS / f"{name}.txt"), "-o", str(out), *ORG]) == 0
    assert "Đã tạo dự thảo" in capsys.readouterr().out
    text = _docx_text(out)
    assert text == unicodedata.normalize("NFC", text)
    assert "THÔNG BÁO" in text
    assert "VĂN PHÒNG CHÍNH PHỦ" in text
    assert "Số: …/TB-VPCP" in text
    assert "Nơi nhận:" in text
    assert "Lưu: VT, TH." in text
    assert "Văn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./." in text


def test_edited_json_re_renders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = DEV_CORPUS / "021_news-tphcm-boi-thuong-gpmb.txt"
    assert main(["extract", str(source), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    data["assignments"][0]["task"] = "Xây dựng hướng dẫn bồi thường công trình hạ tầng kỹ thuật"
    data["assignments"][0]["deadline_text"] = "trước ngày 15/10/2025"
    data["meeting"]["chair"] = "Chủ tịch UBND Thành phố Hồ Chí Minh"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "draft.md"
    assert main(["draft", str(edited), "-o", str(out), *ORG, "--number", "7", "--date", "2025-10-02"]) == 0
    md = out.read_text(encoding="utf-8")
    assert "Số: 07/TB-VPCP" in md
    assert "Hà Nội, ngày 02 tháng 10 năm 2025" in md
    assert "xây dựng hướng dẫn bồi thường công trình hạ tầng kỹ thuật, hoàn thành trước ngày 15/10/2025" in md
    assert "Kết luận của Chủ tịch UBND Thành phố Hồ Chí Minh" in md


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "Không đọc được tệp JSON"), ('{"meeting": {}}', "không đúng cấu trúc")],
)
def test_bad_json_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["draft", str(bad), "-o", str(tmp_path / "x.docx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_unsupported_output_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draft", str(DEV_CORPUS / "seed_000_ab32bc408892bec7.txt"), "-o", str(tmp_path / "x.odt")]) == 2
    assert ".docx, .pdf, .md hoặc .txt" in capsys.readouterr().err


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", DOCS)
def test_every_dev_document_drafts_to_pdf(tmp_path: Path, name: str) -> None:
    out = tmp_path / f"{name}.pdf"
    assert main(["draft", str(DEV_CORPUS / f"{name}.txt"), "-o", str(out), *ORG]) == 0
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names, fonts
    assert all("LiberationSerif" in n for n in names), fonts
    page1 = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "THÔNG BÁO" in page1
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(out), str(ARTIFACTS / f"draft-{name}")], check=True
    )
    assert any(ARTIFACTS.glob(f"draft-{name}*.png"))
    shutil.copy(out, ARTIFACTS / f"draft-{name}.pdf")
