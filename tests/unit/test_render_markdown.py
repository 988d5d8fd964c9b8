"""render_markdown / render_text: the chat and terminal previews of a notice."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from core.domain import Announcement, BodyItem, Signature
from render.markdown import escape_markdown, render_markdown, render_text

NBSP4 = "\u00a0" * 4


def announcement() -> Announcement:
    return Announcement(
        issuer="Văn phòng Chính phủ",
        issuer_parent=None,
        number="Số: 467/TB-VPCP",
        place_date="Hà Nội, ngày 14 tháng 10 năm 2024",
        kind="Thông báo",
        summary="Kết luận của Phó Thủ tướng Chính phủ Trần Hồng Hà tại cuộc họp về thị trường các-bon",
        opening="Ngày 07 tháng 10 năm 2024, Phó Thủ tướng Chính phủ chủ trì cuộc họp và kết luận như sau:",
        items=(
            BodyItem("1.", "Bộ Tài chính:", heading=True),
            BodyItem("a)", "Hoàn thiện Đề án, trình trước ngày 20 tháng 10 năm 2024.", level=1),
            BodyItem("-", "Báo cáo *hằng tháng* về tiến độ_thực hiện.", level=2),
            BodyItem("", "Các Bộ phối hợp thực hiện."),
        ),
        closing="Văn phòng Chính phủ thông báo để các Bộ, cơ quan liên quan biết, thực hiện./.",
        recipients=("Thủ tướng Chính phủ", "- Các Phó Thủ tướng Chính phủ;", "Bộ Tài chính"),
        archive="Lưu: VT, NN (2).",
        signature=Signature("KT. Bộ trưởng, Chủ nhiệm", "Phó Chủ nhiệm", "Nguyễn Sỹ Hiệp"),
    )


def test_text_preview_has_every_block_in_decree_order() -> None:
    text = render_text(announcement())
    order = [
        "VĂN PHÒNG CHÍNH PHỦ",
        "Số: 467/TB-VPCP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 14 tháng 10 năm 2024",
        "THÔNG BÁO",
        "Kết luận của Phó Thủ tướng",
        "Ngày 07 tháng 10 năm 2024",
        "1. Bộ Tài chính:",
        "  a) Hoàn thiện Đề án",
        "    - Báo cáo *hằng tháng* về tiến độ_thực hiện.",
        "Các Bộ phối hợp thực hiện.",
        "thực hiện./.",
        "Nơi nhận:",
        "- Thủ tướng Chính phủ;",
        "- Các Phó Thủ tướng Chính phủ;",
        "- Bộ Tài chính;",
        "- Lưu: VT, NN (2).",
        "KT. BỘ TRƯỞNG, CHỦ NHIỆM",
        "PHÓ CHỦ NHIỆM",
        "Nguyễn Sỹ Hiệp",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "*" not in text.replace("*hằng tháng*", "")  # plain text carries no markup
    assert text.endswith("Nguyễn Sỹ Hiệp\n")


def test_markdown_marks_up_bold_italic_and_escapes_content() -> None:
    md = render_markdown(announcement())
    assert "**VĂN PHÒNG CHÍNH PHỦ**" in md
    assert "*Hà Nội, ngày 14 tháng 10 năm 2024*" in md
    assert "**THÔNG BÁO**  \n**Kết luận của Phó Thủ tướng" in md
    assert "**1. Bộ Tài chính:**" in md
    assert f"{NBSP4}a) Hoàn thiện Đề án" in md
    assert f"{NBSP4 * 2}- Báo cáo \\*hằng tháng\\* về tiến độ\\_thực hiện." in md
    assert "***Nơi nhận:***  \n- Thủ tướng Chính phủ;  \n" in md
    assert "**KT. BỘ TRƯỞNG, CHỦ NHIỆM**  \n**PHÓ CHỦ NHIỆM**\n\n**Nguyễn Sỹ Hiệp**\n" in md


def test_no_parent_line_and_no_authority_when_absent() -> None:
    a = replace(announcement(), signature=Signature(None, "Chánh Văn phòng", "Lê Văn C"))
    text = render_text(a)
    assert text.startswith("VĂN PHÒNG CHÍNH PHỦ\nSố: 467/TB-VPCP\n\n")
    assert "CHÁNH VĂN PHÒNG\n\nLê Văn C\n" in text
    assert "KT." not in text


def test_parent_agency_is_upper_case_and_not_bold() -> None:
    a = replace(announcement(), issuer="Văn phòng", issuer_parent="Ủy ban nhân dân tỉnh Lào Cai")
    md = render_markdown(a)
    assert md.startswith("ỦY BAN NHÂN DÂN TỈNH LÀO CAI  \n**VĂN PHÒNG**  \nSố: 467/TB-VPCP\n\n")


def test_output_is_nfc_even_from_decomposed_input() -> None:
    a = replace(announcement(), opening=unicodedata.normalize("NFD", "Ngày 07 tháng 10 năm 2024, họp."))
    for out in (render_markdown(a), render_text(a)):
        assert unicodedata.is_normalized("NFC", out)
        assert "Ngày 07 tháng 10 năm 2024, họp." in out


def test_blocks_are_separated_by_single_blank_lines() -> None:
    for out in (render_markdown(announcement()), render_text(announcement())):
        assert "\n\n\n" not in out
        assert not out.startswith("\n")


def test_escape_markdown() -> None:
    assert escape_markdown("a*b_c`d[e]f\\g<h>") == "a\\*b\\_c\\`d\\[e\\]f\\\\g\\<h\\>"
    assert escape_markdown("Số: 05/TB-VP (b/c).") == "Số: 05/TB-VP (b/c)."
