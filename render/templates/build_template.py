"""Build the default docxtpl template ``thong_bao.docx`` (Decree 30/2020, Mẫu 1.4).

Run ``python render/templates/build_template.py`` to rebuild the committed template. The
output is a plain .docx with Jinja2 tags (docxtpl syntax); an organisation can replace it
with its own letterhead as long as it uses the variables listed by
:func:`render.docx.template_fields`.

Layout (Decree 30/2020/NĐ-CP, Phụ lục I): A4 portrait, margins 20/20/30/15 mm, Times New
Roman, a borderless two-column header table, centred kind and summary with short rules,
justified 14 pt body with a 1.27 cm first-line indent, a borderless two-column bottom table
("Nơi nhận" left, signature right), page numbers centred in the top margin from page 2.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
OUT = Path(__file__).resolve().parent / "thong_bao.docx"

TEXT_WIDTH = Mm(210 - 30 - 15)  # A4 width minus left and right margins
HEADER_LEFT = Cm(7.0)  # ~42 % of the 16.5 cm text width; the right needs ~8.8 cm
HEADER_PADDING = 0.1  # cm of cell padding left/right in the header (default 0.19)
BOTTOM_LEFT = Cm(7.4)  # Nơi nhận column; the signature gets the rest
ISSUER_RULE = Cm(2.0)  # 1/3-1/2 of the agency name line
MOTTO_RULE = Cm(5.9)  # as long as "Độc lập - Tự do - Hạnh phúc" at 13 pt bold
SUMMARY_RULE = Cm(4.0)  # short rule under the trích yếu
FIRST_LINE_INDENT = Cm(1.27)

Container = DocumentObject | _Cell  # anything with add_paragraph()


def set_fonts(rpr: BaseOxmlElement, size: float | None = None) -> None:
    """Set Times New Roman for every script (no theme fonts) and optionally the size."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # drop asciiTheme & co: theme fonts override explicit ones
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(round(size * 2)))


def setup_styles(doc: DocumentObject) -> None:
    """Times New Roman 14 pt on the document defaults and the Normal style, Vietnamese language."""
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr_default, 14)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    rpr = normal.element.get_or_add_rPr()
    set_fonts(rpr, 14)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    rpr.append(lang)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.0


def para(
    where: Container,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    space: tuple[float, float] = (0, 0),
) -> Paragraph:
    """Add a paragraph holding one run of ``text``; ``space`` is (before, after) in pt."""
    p = where.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(space[0])
    p.paragraph_format.space_after = Pt(space[1])
    p.paragraph_format.line_spacing = 1.0
    if text:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.italic = italic
        set_fonts(run._r.get_or_add_rPr())
    return p


def tag(where: Container, jinja: str) -> None:
    """Add a docxtpl paragraph tag (``{%p … %}``); docxtpl removes the whole paragraph."""
    para(where, "{%p " + jinja + " %}", size=2)


def rule(where: Container, width: Cm, column: int, *, space: tuple[float, float] = (0, 0)) -> None:
    """Add a centred horizontal rule: an empty tiny paragraph with a bottom border.

    The paragraph is indented so that its border (and thus the rule) is ``width`` long
    inside a column ``column`` EMU wide.
    """
    p = para(where, space=space)
    side = max((column - width) // 2, 0)
    p.paragraph_format.left_indent = side
    p.paragraph_format.right_indent = side
    p.paragraph_format.line_spacing = Pt(3)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, val in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), val)
    border.append(bottom)
    ppr.insert_element_before(border, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr")
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    mark.append(size)
    ppr.append(mark)


def borderless_table(doc: DocumentObject, left: int, rows: int, *, top: float = 0, side: float | None = None) -> Table:
    """A fixed 2-column borderless table: ``left`` EMU first column, ``top`` pt / ``side`` cm cell padding."""
    table = doc.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")
    padding = {"top": top * 20} if top else {}
    if side is not None:
        padding |= {"left": side * 567, "right": side * 567}  # twips
    if padding:
        margins = OxmlElement("w:tblCellMar")
        for name, twips in padding.items():
            edge = OxmlElement(f"w:{name}")
            edge.set(qn("w:w"), str(round(twips)))
            edge.set(qn("w:type"), "dxa")
            margins.append(edge)
        tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
    widths = (left, TEXT_WIDTH - left)
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(TEXT_WIDTH.twips))
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # keep each block on one page
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            cell._tc.remove(cell.paragraphs[0]._p)  # start empty; blocks add their own
    return table


def header_table(doc: DocumentObject) -> None:
    """Boxes 1-4: agency names and number (left), national title, motto and date (right)."""
    table = borderless_table(doc, HEADER_LEFT, rows=2, side=HEADER_PADDING)
    left, right = table.rows[0].cells
    tag(left, "if issuer_parent")
    para(left, "{{ issuer_parent }}", size=12)
    tag(left, "endif")
    para(left, "{{ issuer }}", size=12, bold=True)
    rule(left, ISSUER_RULE, HEADER_LEFT)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True)
    para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True)
    rule(right, MOTTO_RULE, TEXT_WIDTH - HEADER_LEFT)
    number, place_date = table.rows[1].cells
    para(number, "{{ number }}", size=13, space=(6, 0))
    para(place_date, "{{ place_date }}", size=13, italic=True, space=(6, 0))


def body(doc: DocumentObject) -> None:
    """Boxes 5-6: kind, summary with its rule, opening, items (a paragraph loop), closing."""
    para(doc, "{{ kind }}", bold=True, space=(24, 0))
    para(doc, "{{ summary }}", bold=True)
    rule(doc, SUMMARY_RULE, TEXT_WIDTH, space=(3, 12))  # clear of the descenders above
    body_para(doc, "{{ opening }}")
    tag(doc, "for item in items")
    tag(doc, "if item.heading")
    body_para(doc, "{{ item.line }}", bold=True)
    tag(doc, "else")
    body_para(doc, "{{ item.line }}")
    tag(doc, "endif")
    tag(doc, "endfor")
    closing = body_para(doc, "{{ closing }}")
    closing.paragraph_format.keep_with_next = True  # no signature block alone on a page


def body_para(doc: DocumentObject, text: str, *, bold: bool = False) -> Paragraph:
    """A content paragraph: 14 pt, justified, 1.27 cm first-line indent, 6 pt after, 1.15 lines."""
    p = para(doc, text, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space=(0, 6))
    p.paragraph_format.first_line_indent = FIRST_LINE_INDENT
    p.paragraph_format.line_spacing = 1.15
    return p


def bottom_table(doc: DocumentObject) -> None:
    """Boxes 9 and 7: recipients at the left, signing authority, title and name at the right."""
    table = borderless_table(doc, BOTTOM_LEFT, rows=1, top=12)
    left, right = table.rows[0].cells
    left_align = WD_ALIGN_PARAGRAPH.LEFT
    para(left, "Nơi nhận:", size=12, bold=True, italic=True, align=left_align)
    tag(left, "for name in recipients")
    para(left, "- {{ name }};", size=11, align=left_align)
    tag(left, "endfor")
    para(left, "- {{ archive }}", size=11, align=left_align)
    tag(right, "for line in signature_authority_lines")
    para(right, "{{ line }}", bold=True)
    tag(right, "endfor")
    para(right, "{{ signature_title }}", bold=True, space=(0, 72))
    para(right, "{{ signature_name }}", bold=True)


def page_numbers(doc: DocumentObject) -> None:
    """Page setup and a centred PAGE field in the top margin from page 2 (first page: none)."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    first = section.first_page_header.paragraphs[0]
    first.text = ""
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"), ("end", None)):
        run = p.add_run()
        run.font.size = Pt(13)
        set_fonts(run._r.get_or_add_rPr())
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._r.append(instr)
        else:
            run.text = text or ""


def build(out: Path = OUT) -> Path:
    """Write the default template to ``out`` and return it."""
    doc = Document()
    doc._body.clear_content()  # the default document starts with one empty paragraph
    setup_styles(doc)
    page_numbers(doc)
    header_table(doc)
    body(doc)
    bottom_table(doc)
    end = para(doc, size=1)  # a body must end with a paragraph, not a table (Word)
    end.paragraph_format.line_spacing = Pt(1)
    doc.core_properties.title = "Thông báo kết luận"
    doc.core_properties.author = "ketluan"
    doc.save(str(out))
    return out


if __name__ == "__main__":
    build()
