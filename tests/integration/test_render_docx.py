"""render_docx: the default Decree 30 template, read back with python-docx."""

from __future__ import annotations

import shutil
import unicodedata
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from core.domain import Announcement, BodyItem, Signature
from core.errors import ConfigError
from render.docx import (
    DEFAULT_TEMPLATE,
    build_context,
    header_name,
    render_docx,
    summary_lines,
    template_fields,
)

ITEMS = (
    BodyItem("1.", "Thống nhất chủ trương đầu tư Dự án đường ven biển đoạn qua tỉnh Lào Cai."),
    BodyItem("2.", "Giao nhiệm vụ cụ thể cho các cơ quan, đơn vị:", heading=True),
    BodyItem("a)", "Sở Xây dựng rà soát quy hoạch, báo cáo trước ngày 30 tháng 4 năm 2026.", level=1),
    BodyItem("b)", 'Sở Nông nghiệp và Môi trường hướng dẫn thủ tục giao đất & <hồ sơ> "đúng" hạn.', level=1),
    BodyItem("-", "Báo cáo hằng tháng về tiến độ giải phóng mặt bằng.", level=2),
    BodyItem("3.", "Ủy ban nhân dân các xã, phường phối hợp thực hiện."),
)
# The trích yếu is broken into even lines (docx line breaks read back as "\n").
SUMMARY_LINES = "Kết luận của đồng chí Phó Chủ tịch Ủy ban nhân dân\ntỉnh tại cuộc họp về Dự án đường ven biển"
RECIPIENTS = ("Chủ tịch, các Phó Chủ tịch UBND tỉnh (b/c)", "Sở Tài chính", "Sở Xây dựng", "UBND các xã, phường")


def announcement(items: tuple[BodyItem, ...] = ITEMS) -> Announcement:
    # Decomposed (NFD) input on purpose: the document must come out NFC.
    return Announcement(
        issuer="Văn phòng",
        issuer_parent=unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Lào Cai"),
        number="Số: 05/TB-VP",
        place_date="Lào Cai, ngày 05 tháng 3 năm 2026",
        kind="Thông báo",
        summary="Kết luận của đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về Dự án đường ven biển",
        opening="Ngày 02 tháng 3 năm 2026, đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh chủ trì cuộc họp và kết luận như sau:",
        items=items,
        closing="Văn phòng Ủy ban nhân dân tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.",
        recipients=RECIPIENTS,
        archive="Lưu: VT, TH.",
        signature=Signature("KT. Chánh Văn phòng", "Phó Chánh Văn phòng", "Trần Thị Bình"),
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> DocumentObject:
    out = render_docx(announcement(), tmp_path_factory.mktemp("docx") / "tb.docx")
    return docx.Document(str(out))


def _paragraphs(container: DocumentObject | Table) -> list[Paragraph]:
    if isinstance(container, Table):
        return [p for row in container.rows for cell in row.cells for p in cell.paragraphs]
    return list(container.paragraphs)


def _find(paragraphs: list[Paragraph], text: str) -> Paragraph:
    matches = [p for p in paragraphs if p.text == text]
    assert len(matches) == 1, f"{text!r} in {[p.text for p in paragraphs]}"
    return matches[0]


def _look(p: Paragraph) -> tuple[float | None, bool, bool]:
    """(size in pt, bold, italic) of a paragraph whose runs all look the same."""
    runs = [r for r in p.runs if r.text]
    looks = {(r.font.size.pt if r.font.size else None, bool(r.font.bold), bool(r.font.italic)) for r in runs}
    assert len(looks) == 1, (p.text, looks)
    return looks.pop()


def test_page_is_a4_portrait_with_decree_margins(rendered: DocumentObject) -> None:
    s = rendered.sections[0]

    def mm(*lengths: Length | None) -> tuple[float, ...]:  # stored in twips: round to 0.1 mm
        return tuple(round(x.mm, 1) for x in lengths if x is not None)

    assert mm(s.page_width, s.page_height) == (210, 297)
    assert mm(s.top_margin, s.bottom_margin, s.left_margin, s.right_margin) == (20, 20, 30, 15)


def test_times_new_roman_everywhere(rendered: DocumentObject) -> None:
    normal = rendered.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(attr)) == "Times New Roman"
    assert not [a for a in fonts.attrib if "Theme" in a or "theme" in a]
    runs = [r for t in rendered.tables for p in _paragraphs(t) for r in p.runs]
    runs += [r for p in rendered.paragraphs for r in p.runs]
    assert runs
    assert {r.font.name or normal.font.name for r in runs} == {"Times New Roman"}


def test_header_table_layout_and_styles(rendered: DocumentObject) -> None:
    header = rendered.tables[0]
    assert len(header.columns) == 2
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    left, right = header.columns[0].width, header.columns[1].width
    assert 0.38 < left / (left + right) < 0.45
    cells = _paragraphs(header)
    assert _look(_find(cells, "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI")) == (12, False, False)  # broken like ND30 prints it
    assert _look(_find(cells, "VĂN PHÒNG")) == (12, True, False)
    assert _look(_find(cells, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) == (12, True, False)
    assert _look(_find(cells, "Độc lập - Tự do - Hạnh phúc")) == (13, True, False)
    assert _look(_find(cells, "Số: 05/TB-VP")) == (13, False, False)
    assert _look(_find(cells, "Lào Cai, ngày 05 tháng 3 năm 2026")) == (13, False, True)
    rules = [p for p in cells if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
    assert len(rules) == 2  # under the issuer and under the motto
    assert not [p for p in cells if not p.text and p not in rules]  # no stray empty lines


def test_kind_summary_and_body(rendered: DocumentObject) -> None:
    paras = rendered.paragraphs
    kind = _find(paras, "THÔNG BÁO")
    assert _look(kind) == (14, True, False)
    assert kind.alignment == WD_ALIGN_PARAGRAPH.CENTER
    summary = _find(paras, SUMMARY_LINES)
    assert _look(summary) == (14, True, False)
    assert summary.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = [_find(paras, announcement().opening), _find(paras, announcement().closing)]
    body += [_find(paras, f"{i.marker} {i.text}") for i in ITEMS]
    for p in body:
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert p.paragraph_format.first_line_indent in (Cm(1), Cm(1.27))
        assert p.paragraph_format.space_after >= Pt(6)
        assert 1.0 <= p.paragraph_format.line_spacing <= 1.5
        size, bold, italic = _look(p)
        assert (size, italic) == (14, False)
        assert bold == (p.text == "2. Giao nhiệm vụ cụ thể cho các cơ quan, đơn vị:")


def test_text_in_order_nfc_and_no_leftover_tags(rendered: DocumentObject) -> None:
    a = announcement()
    texts = [p.text for p in rendered.paragraphs if p.text]
    expected = ["THÔNG BÁO", SUMMARY_LINES, a.opening, *(f"{i.marker} {i.text}" for i in ITEMS), a.closing]
    assert texts == expected
    everything = [p.text for t in rendered.tables for p in _paragraphs(t)] + texts
    assert all(unicodedata.is_normalized("NFC", t) for t in everything)
    assert not [t for t in everything if "{{" in t or "{%" in t]


def test_bottom_table_recipients_and_signature(rendered: DocumentObject) -> None:
    bottom = rendered.tables[1]
    assert len(bottom.columns) == 2
    borders = bottom._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    left, right = (cell.paragraphs for cell in bottom.rows[0].cells)
    assert [p.text for p in left] == ["Nơi nhận:", *(f"- {r};" for r in RECIPIENTS), "- Lưu: VT, TH."]
    assert _look(left[0]) == (12, True, True)
    assert {_look(p) for p in left[1:]} == {(11, False, False)}
    assert [p.text for p in right] == ["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Trần Thị Bình"]
    assert {_look(p) for p in right} == {(14, True, False)}
    assert right[1].paragraph_format.space_after >= Pt(48)  # room for signature and seal


def test_page_numbers_from_page_two(rendered: DocumentObject) -> None:
    section = rendered.sections[0]
    assert section.different_first_page_header_footer
    assert not section.first_page_header.is_linked_to_previous
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instr = "".join(t.text or "" for t in header._p.iter(qn("w:instrText")))
    assert instr.strip() == "PAGE"
    assert {r.font.size for r in header.runs} == {Pt(13)}


def test_head_signs_without_authority_and_no_parent(tmp_path: Path) -> None:
    a = announcement()
    a = replace(a, issuer_parent=None, signature=Signature(None, "Chánh Văn phòng", "Lê Văn C"))
    d = docx.Document(str(render_docx(a, tmp_path / "x.docx")))
    left = [p.text for p in d.tables[0].rows[0].cells[0].paragraphs]
    assert left == ["VĂN PHÒNG", ""]  # the name, then its rule
    assert [p.text for p in d.tables[1].rows[0].cells[1].paragraphs] == ["CHÁNH VĂN PHÒNG", "Lê Văn C"]


def test_context_matches_documented_fields() -> None:
    ctx = build_context(announcement())
    assert set(ctx) == set(template_fields())
    assert ctx["issuer_parent"] == "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI"
    assert ctx["signature_authority_lines"] == ["KT. CHÁNH VĂN PHÒNG"]
    assert ctx["items"][2] == {
        "marker": "a)",
        "text": ITEMS[2].text,
        "level": 1,
        "heading": False,
        "line": f"a) {ITEMS[2].text}",
    }


def test_recipients_lose_their_own_dash_and_semicolon() -> None:
    a = announcement()
    a = replace(a, recipients=("- Sở Y tế;", " Sở Nội vụ ", ""))
    assert build_context(a)["recipients"] == ["Sở Y tế", "Sở Nội vụ"]


def test_custom_template_with_letterhead(tmp_path: Path) -> None:
    custom = tmp_path / "letterhead.docx"
    shutil.copy(DEFAULT_TEMPLATE, custom)
    d = docx.Document(str(custom))
    d.paragraphs[0].insert_paragraph_before("Địa chỉ: 01 Hoàng Liên, {{ issuer }}")
    d.save(str(custom))
    out = docx.Document(str(render_docx(announcement(), tmp_path / "o.docx", template=custom)))
    texts = [p.text for p in out.paragraphs]
    assert texts[0] == "Địa chỉ: 01 Hoàng Liên, VĂN PHÒNG"
    assert "THÔNG BÁO" in texts


def test_missing_template_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        render_docx(announcement(), tmp_path / "o.docx", template=tmp_path / "khong-co.docx")
    assert "Không tìm thấy mẫu văn bản" in info.value.message


def test_corrupt_template_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "hong.docx"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ConfigError) as info:
        render_docx(announcement(), tmp_path / "o.docx", template=bad)
    assert "bị hỏng" in info.value.message


def test_broken_jinja_tag_is_a_config_error(tmp_path: Path) -> None:
    custom = tmp_path / "sai.docx"
    d = docx.Document(str(DEFAULT_TEMPLATE))
    d.paragraphs[0].insert_paragraph_before("{{ issuer ")
    d.save(str(custom))
    with pytest.raises(ConfigError) as info:
        render_docx(announcement(), tmp_path / "o.docx", template=custom)
    assert "Jinja2" in info.value.message


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("Văn phòng Chính phủ", "VĂN PHÒNG CHÍNH PHỦ"),
        ("Ủy ban nhân dân tỉnh Lào Cai", "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI"),
        ("Văn phòng Ủy ban nhân dân tỉnh", "VĂN PHÒNG\nỦY BAN NHÂN DÂN TỈNH"),
        ("Bộ Nông nghiệp và Môi trường", "BỘ NÔNG NGHIỆP\nVÀ MÔI TRƯỜNG"),
        ("Ủy ban nhân dân Thành phố Hồ Chí Minh", "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH"),
        ("Sở Tài chính\nthành phố Hà Nội", "SỞ TÀI CHÍNH\nTHÀNH PHỐ HÀ NỘI"),  # the user's own break
        (None, ""),
    ],
)
def test_long_header_names_break_into_balanced_lines(name: str | None, printed: str) -> None:
    assert header_name(name) == printed


def test_line_breaks_in_body_text_become_paragraphs(tmp_path: Path) -> None:
    opening = (
        "Ngày 02 tháng 3 năm 2026, đồng chí Chủ tịch chủ trì cuộc họp.\n\nSau khi nghe báo cáo, đồng chí kết luận:"
    )
    items = (BodyItem("1.", "Sở Y tế\x0b báo cáo\t hằng tháng."),)
    d = docx.Document(str(render_docx(replace(announcement(), opening=opening, items=items), tmp_path / "p.docx")))
    first, second = (_find(d.paragraphs, t) for t in opening.split("\n\n"))
    for p in (first, second):
        assert p.paragraph_format.first_line_indent == Cm(1.27)
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    _find(d.paragraphs, "1. Sở Y tế báo cáo hằng tháng.")


def test_summary_breaks_into_even_lines() -> None:
    assert summary_lines("Kết luận của Thủ tướng Chính phủ") == "Kết luận của Thủ tướng Chính phủ"
    two = summary_lines("Kết luận của đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về đầu tư công")
    assert two == "Kết luận của đồng chí Phó Chủ tịch\nỦy ban nhân dân tỉnh tại cuộc họp về đầu tư công"
    assert summary_lines("Dòng một\nDòng hai") == "Dòng một\nDòng hai"
