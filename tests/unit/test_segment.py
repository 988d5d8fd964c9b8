"""Segmenter: numbered structure, sentences and clauses with offsets."""

from __future__ import annotations

import pytest

from nlp.segment import (
    RANK_BULLET,
    RANK_LETTER,
    RANK_NUMBER,
    RANK_ORDINAL,
    RANK_PAREN,
    RANK_ROMAN,
    split_blocks,
    split_clauses,
    split_sentences,
)


@pytest.mark.parametrize(
    ("line", "kind", "marker", "rank", "content"),
    [
        ("I. ĐÁNH GIÁ CHUNG", "roman", "I", RANK_ROMAN, "ĐÁNH GIÁ CHUNG"),
        ("**II. NHIỆM VỤ**", "roman", "II", RANK_ROMAN, "NHIỆM VỤ"),
        ("1. Sở Công Thương", "number", "1", RANK_NUMBER, "Sở Công Thương"),
        ("2.1. Tiếp thu ý kiến", "number", "2.1", RANK_NUMBER + 10, "Tiếp thu ý kiến"),
        ("2.2 Phối hợp với Ban", "number", "2.2", RANK_NUMBER + 10, "Phối hợp với Ban"),
        ("3- Ban Tuyên giáo Thành ủy chủ trì", "number", "3", RANK_NUMBER, "Ban Tuyên giáo Thành ủy chủ trì"),
        ("a) Đánh giá cao", "letter", "a", RANK_LETTER, "Đánh giá cao"),
        ("đ) Bộ Y tế", "letter", "đ", RANK_LETTER, "Bộ Y tế"),
        ("(iv) Giao Bộ Công Thương", "paren", "iv", RANK_PAREN, "Giao Bộ Công Thương"),
        ("- Định kỳ hằng quý", "bullet", "-", RANK_BULLET, "Định kỳ hằng quý"),
        ("+ Rà soát", "bullet", "+", RANK_BULLET, "Rà soát"),
        ("Thứ nhất, quyết tâm phải rất cao", "ordinal", "Thứ nhất", RANK_ORDINAL, "quyết tâm phải rất cao"),
        ("**1. Về Dự án Nhà máy điện**", "number", "1", RANK_NUMBER, "Về Dự án Nhà máy điện"),
        ("# Thủ tướng: Khởi công", "heading", None, 5, "Thủ tướng: Khởi công"),
        (
            "Ngày 07 tháng 10 năm 2024, tại trụ sở",
            "none",
            None,
            None,
            "Ngày 07 tháng 10 năm 2024, tại trụ sở",
        ),
        ("15/12/2024 là hạn", "none", None, None, "15/12/2024 là hạn"),
        ("1.500 tỷ đồng đã giải ngân", "none", None, None, "1.500 tỷ đồng đã giải ngân"),
    ],
)
def test_markers(line: str, kind: str, marker: str | None, rank: int | None, content: str) -> None:
    text = "Mở đầu.\n" + line + "\n"
    block = split_blocks(text)[1]
    assert (block.kind, block.marker, block.rank, block.text) == (kind, marker, rank, content)
    assert text[block.start : block.end] == content


def test_blocks_skip_blank_lines_and_keep_tables() -> None:
    text = "| VĂN PHÒNG | CỘNG HÒA |\n\n\nTHÔNG BÁO\n"
    blocks = split_blocks(text)
    assert [b.kind for b in blocks] == ["table", "none"]
    assert blocks[1].text == "THÔNG BÁO"


def test_colon_detection() -> None:
    block = split_blocks("b) Để làm tốt các nhiệm vụ sắp tới, đề nghị:\n")[0]
    assert block.ends_with_colon


def test_sentences_respect_abbreviations_and_numbers() -> None:
    text = "UBND TP. Hồ Chí Minh giải ngân 1.500 tỷ đồng. Sở Tài chính chủ trì. Bộ Y tế phối hợp"
    sentences = [s.text for s in split_sentences(text)]
    assert sentences == [
        "UBND TP. Hồ Chí Minh giải ngân 1.500 tỷ đồng.",
        "Sở Tài chính chủ trì.",
        "Bộ Y tế phối hợp",
    ]
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text


def test_clauses_split_on_semicolons_with_offsets() -> None:
    text = "Bộ Xây dựng chủ trì trước ngày 20/7/2025; Bộ Khoa học và Công nghệ thẩm định."
    clauses = split_clauses(text, 0, len(text))
    assert [c.text for c in clauses] == [
        "Bộ Xây dựng chủ trì trước ngày 20/7/2025",
        "Bộ Khoa học và Công nghệ thẩm định.",
    ]
    assert all(text[c.start : c.end] == c.text for c in clauses)
