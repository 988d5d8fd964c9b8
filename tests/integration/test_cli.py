"""The command line: `extract` (JSON contract, summary, bad input) and `evaluate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from main import main
from tests.conftest import DEV_CORPUS

ROOT = Path(__file__).resolve().parents[2]
NOTES = (
    "THÔNG BÁO\nKết luận của Chủ tịch UBND tỉnh tại cuộc họp về cụm công nghiệp\n"
    "Ngày 05 tháng 3 năm 2026, tại trụ sở UBND tỉnh, Chủ tịch UBND tỉnh Nguyễn Văn An chủ trì cuộc họp. "
    "Chủ tịch UBND tỉnh kết luận như sau:\n"
    "1. Sở Công Thương chủ trì, phối hợp với Sở Tài chính rà soát các cụm công nghiệp, hoàn thành trước ngày 30/6/2026.\n"
    "2. Giao Sở Xây dựng hướng dẫn các xã lập quy hoạch chi tiết trong quý III/2026.\n"
    "Nơi nhận:\n- Như trên;\n"
)
KEYS_MEETING = {"date", "chair", "location", "title", "attendees"}
KEYS_ASSIGNMENT = {
    "lead",
    "lead_canonical",
    "cooperating",
    "task",
    "deadline",
    "deadline_text",
    "recurrence",
    "evidence",
    "start",
    "end",
}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        check=False,
        timeout=120,
    )


def test_extract_json_contract_in_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    res = _run("extract", str(path), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)  # stdout holds exactly one JSON object
    assert set(data) == {"meeting", "conclusions", "assignments"}
    assert set(data["meeting"]) == KEYS_MEETING
    assert data["meeting"]["date"] == "2026-03-05"
    assert data["meeting"]["chair"] == "Chủ tịch UBND tỉnh Nguyễn Văn An"
    assert [c["text"][:14] for c in data["conclusions"]] == ["Sở Công Thương", "Giao Sở Xây dự"]
    got = [(a["lead"], a["deadline"], a["cooperating"]) for a in data["assignments"]]
    assert got == [("Sở Công Thương", "2026-06-30", ["Sở Tài chính"]), ("Sở Xây dựng", "2026-09-30", [])]
    text = path.read_text(encoding="utf-8")
    for a in data["assignments"]:
        assert set(a) == KEYS_ASSIGNMENT
        assert text[a["start"] : a["end"]] == a["evidence"]


def test_offsets_refer_to_the_text_as_read_even_when_decomposed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import unicodedata

    raw = unicodedata.normalize("NFD", NOTES.replace("Sở Công Thương chủ trì", "Uỷ ban nhân dân tỉnh chủ trì"))
    path = tmp_path / "nfd.txt"
    path.write_text(raw, encoding="utf-8")
    assert main(["extract", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    text = path.read_text(encoding="utf-8")
    assert data["assignments"], "the decomposed text still yields assignments"
    for a in data["assignments"]:
        assert text[a["start"] : a["end"]] == a["evidence"]


def test_meeting_date_option_overrides_the_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "n.txt"
    path.write_text(NOTES.replace("trước ngày 30/6/2026", "trong 15 ngày"), encoding="utf-8")
    assert main(["extract", str(path), "--json", "--meeting-date", "2026-04-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["meeting"]["date"] == "2026-04-01"
    assert data["assignments"][0]["deadline"] == "2026-04-16"


def test_summary_is_vietnamese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "n.txt"
    path.write_text(NOTES, encoding="utf-8")
    assert main(["extract", str(path)]) == 0
    out = capsys.readouterr().out
    assert "NHIỆM VỤ ĐƯỢC GIAO (2)" in out
    assert "Chủ trì: Sở Công Thương" in out
    assert "Thời hạn: 30/06/2026" in out


def test_docx_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = docx.Document()
    for line in NOTES.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "notes.docx"
    document.save(str(path))
    assert main(["extract", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["lead"] for a in data["assignments"]] == ["Sở Công Thương", "Sở Xây dựng"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "trống"),
        ("blank.txt", b"  \n\t\n", "không có nội dung"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Không đọc được"),
        ("notes.odt", b"abc", "Không hỗ trợ định dạng"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "Không đọc được"),
    ],
)
def test_bad_input_gives_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["extract", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Lỗi: ")
    assert message in lines[0]


def test_missing_and_oversized_input_in_a_real_process(tmp_path: Path) -> None:
    res = _run("extract", str(tmp_path / "nope.txt"), "--json")
    assert res.returncode == 2
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    assert "Không tìm thấy tệp nope.txt" in res.stderr
    big = tmp_path / "big.txt"
    big.write_text(NOTES * 10, encoding="utf-8")
    res = _run("extract", str(big), env={"KETLUAN_MAX_INPUT_BYTES": "1000"})
    assert res.returncode == 2
    assert "quá lớn" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_meeting_date_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "n.txt"
    path.write_text(NOTES, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["extract", str(path), "--meeting-date", "22/11/2026"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_run_without_token_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KETLUAN_TELEGRAM_TOKEN", raising=False)
    monkeypatch.chdir(ROOT.parent)  # no .env there
    assert main(["run"]) == 2
    assert "KETLUAN_TELEGRAM_TOKEN" in capsys.readouterr().err


def test_evaluate_prints_rows_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(DEV_CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "TOTAL (10 documents)" in out
    assert "001_tb467-vpcp-thi-truong-cac-bon" in out


def test_evaluate_rejects_a_directory_without_gold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "gold.json" in capsys.readouterr().err


def test_organisation_units_file_without_code_changes(tmp_path: Path) -> None:
    units = tmp_path / "units.json"
    units.write_text(
        json.dumps(
            {
                "agencies": [
                    {
                        "key": "org-trung-tam-du-lieu",
                        "name": "Trung tâm Dữ liệu số tỉnh",
                        "level": "organisation",
                        "head": "Trung tâm",
                        "short": "Dữ liệu số tỉnh",
                        "codes": ["TTDLS"],
                        "aliases": [],
                        "replaced_by": None,
                        "effective": None,
                    }
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    notes = tmp_path / "n.txt"
    notes.write_text(NOTES.replace("2. Giao Sở Xây dựng", "2. Giao TTDLS"), encoding="utf-8")
    without = json.loads(_run("extract", str(notes), "--json").stdout)
    assert [a["lead"] for a in without["assignments"]] == ["Sở Công Thương"]
    res = _run("extract", str(notes), "--json", env={"KETLUAN_AGENCIES_FILE": str(units)})
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [(a["lead"], a["lead_canonical"]) for a in data["assignments"]] == [
        ("Sở Công Thương", "Sở Công Thương"),
        ("TTDLS", "Trung tâm Dữ liệu số tỉnh"),
    ]


@pytest.mark.parametrize(
    ("variable", "content", "message"),
    [
        ("KETLUAN_AGENCIES_FILE", '{"agencies": [{"key": 1}]}', "KETLUAN_AGENCIES_FILE"),
        ("KETLUAN_CALENDAR_OVERRIDES_FILE", '{"days_off": ["2026-13-01"]}', "KETLUAN_CALENDAR_OVERRIDES_FILE"),
    ],
)
def test_bad_organisation_files_name_the_setting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    content: str,
    message: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    notes = tmp_path / "n.txt"
    notes.write_text(NOTES, encoding="utf-8")
    monkeypatch.setenv(variable, str(bad))
    assert main(["extract", str(notes)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_a_permission_problem_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root writes anywhere, so the refusal the file system would give is raised where the draft is written."""
    import render.docx

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/var/lib/other/du-thao.docx")

    monkeypatch.setattr(render.docx.DocxTemplate, "save", refuse)
    notes = tmp_path / "notes.txt"
    notes.write_text((DEV_CORPUS / sorted(p.name for p in DEV_CORPUS.glob("*.txt"))[0]).read_text("utf-8"), "utf-8")
    code = main(["draft", str(notes), "-o", str(tmp_path / "out.docx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "\nLỗi: không có quyền ghi hoặc đọc «/var/lib/other/du-thao.docx»." in err and "Traceback" not in err
