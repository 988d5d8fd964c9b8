"""After-ASR normalisation: agency casing, numbers as digits, sentence capitals, no invented words."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.asr_normalize import (
    capitalize_sentences,
    normalize_transcript,
    numbers_to_digits,
    parse_number_words,
    recase_agencies,
)
from nlp.gazetteer import Gazetteer
from nlp.normalize import fold
from nlp.pipeline import Extractor

# A module-level gazetteer: hypothesis tests may not use function-scoped fixtures.
GAZETTEER = Gazetteer.load()


# ---------------------------------------------------------------------------
# agency names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("giao sở tài chính chủ trì", "giao Sở Tài chính chủ trì"),
        ("phối hợp với sở nội vụ và sở xây dựng", "phối hợp với Sở Nội vụ và Sở Xây dựng"),
        ("báo cáo ủy ban nhân dân tỉnh", "báo cáo Ủy ban nhân dân tỉnh"),
        ("giao bộ nông nghiệp và môi trường", "giao Bộ Nông nghiệp và Môi trường"),
        ("với bộ công thương", "với Bộ Công Thương"),  # "Công Thương": both words capitalised
        ("của bộ công an", "của Bộ Công an"),
        ("giao công an tỉnh chủ trì", "giao Công an tỉnh chủ trì"),
        ("ủy ban nhân dân tỉnh thanh hóa", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("sở y tế tỉnh bắc ninh", "Sở Y tế tỉnh Bắc Ninh"),
        ("sở tài chính thanh hóa", "Sở Tài chính Thanh Hóa"),  # bare province after the body
        ("của tỉnh bắc ninh", "của tỉnh Bắc Ninh"),  # the unit word stays lower case
        ("thủ tướng chính phủ, phó thủ tướng và quốc hội", "Thủ tướng Chính phủ, Phó Thủ tướng và Quốc hội"),
        ("văn phòng chính phủ", "Văn phòng Chính phủ"),
        ("ủy ban nhân dân tỉnh chỉ đạo", "Ủy ban nhân dân tỉnh chỉ đạo"),  # "chỉ đạo" is not a province
        ("sở tài chính tỉnh kiểm tra", "Sở Tài chính tỉnh kiểm tra"),
        ("ủy ban nhân dân các tỉnh", "Ủy ban nhân dân các tỉnh"),  # a group: only the known words
        ("giao các bộ công an, quốc phòng", "giao các bộ Công an, Quốc phòng"),  # enumeration items
        ("ủy ban mặt trận tổ quốc tỉnh", "Ủy ban Mặt trận Tổ quốc tỉnh"),  # an alias
        # old names keep their words, with the casing of the old name
        ("bộ kế hoạch và đầu tư", "Bộ Kế hoạch và Đầu tư"),
        ("sở kế hoạch và đầu tư", "Sở Kế hoạch và Đầu tư"),
        # written casing that is wrong is fixed, a capital at the start is kept
        ("Sở Tài Chính", "Sở Tài chính"),
        ("BỘ TÀI CHÍNH", "BỘ TÀI CHÍNH"),  # all capitals (a heading) is not lowered
        ("Các Sở, ngành", "Các Sở, ngành"),
        # an unknown commune name is not capitalised: it could be any word
        ("ủy ban nhân dân xã tân phú", "Ủy ban nhân dân xã tân phú"),
    ],
)
def test_agency_names_get_their_written_casing(raw: str, expected: str) -> None:
    assert recase_agencies(raw, GAZETTEER) == expected


@pytest.mark.parametrize(
    "text",
    [
        "cán bộ công an phường",  # a police officer, not the Ministry
        "cán bộ tài chính",
        "các cơ sở y tế",  # health facilities, not the Department of Health
        "toàn bộ xây dựng",
        "nguồn tài chính và công tác nội vụ",
        "các sở, ngành liên quan",  # a group keeps its lower case
        "phòng làm việc của văn phòng",
        "tài chính công",
    ],
)
def test_other_words_are_left_alone(text: str) -> None:
    assert recase_agencies(text, GAZETTEER) == text


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hai nghìn không trăm hai mươi lăm", 2025),
        ("hai ngàn lẻ năm", 2005),
        ("ba mươi mốt", 31),
        ("hai mươi tư", 24),
        ("mười lăm", 15),
        ("mười", 10),
        ("năm mươi", 50),
        ("một trăm linh năm", 105),
        ("một trăm năm mươi", 150),
        ("ba mươi lăm nghìn", 35000),
        ("chín", 9),
        # not one number
        ("hai ba", None),
        ("mười năm", None),  # ten years
        ("hai mươi năm", None),  # twenty years (25 is "hai mươi lăm")
        ("một trăm năm", None),  # a hundred years
        ("năm nay", None),
        ("mốt", None),  # "ngày mốt": the day after tomorrow
        ("", None),
    ],
)
def test_parse_number_words(raw: str, expected: int | None) -> None:
    assert parse_number_words(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # dates
        ("ngày mười lăm tháng mười hai", "ngày 15 tháng 12"),
        ("tháng mười hai năm hai nghìn không trăm hai mươi lăm", "tháng 12 năm 2025"),
        ("trước ngày ba mươi mốt tháng ba", "trước ngày 31 tháng 3"),
        ("ngày hai mươi tháng năm", "ngày 20 tháng 5"),  # "tháng năm" after a day is May
        ("ngày mồng một tháng năm", "ngày mồng 1 tháng 5"),
        ("mùng năm tháng chín", "mùng 5 tháng 9"),
        ("thứ hai ngày mười lăm tháng mười hai", "thứ hai ngày 15 tháng 12"),  # Monday stays
        ("trước ngày hai mươi", "trước ngày 20"),
        ("ngày 15 tháng mười hai", "ngày 15 tháng 12"),  # mixed digits and words
        ("trong tháng mười hai", "trong tháng 12"),
        ("cuối tháng ba năm nay", "cuối tháng 3 năm nay"),
        ("tháng tư năm sau", "tháng 4 năm sau"),
        # years
        ("năm hai nghìn không trăm hai mươi sáu", "năm 2026"),
        ("năm hai nghìn hai mươi lăm", "năm 2025"),
        ("năm hai không hai lăm", "năm 2025"),  # read digit by digit
        # quarters: Roman numerals, as in written notices
        ("trong quý ba", "trong quý III"),
        ("quý tư năm hai nghìn không trăm hai mươi lăm", "quý IV năm 2025"),
        ("quý một năm nay", "quý I năm nay"),
        # counts with a unit
        ("giảm ba mươi phần trăm", "giảm 30%"),
        ("năm phần trăm", "5%"),
        ("tăng ba phẩy năm phần trăm", "tăng 3,5%"),
        ("trong vòng hai mươi ngày", "trong vòng 20 ngày"),
        ("mười ngày làm việc", "10 ngày làm việc"),
        ("sáu tháng đầu năm", "6 tháng đầu năm"),
        ("hai mươi năm", "20 năm"),
        ("hai tuần", "2 tuần"),
        ("tám giờ ba mươi phút", "8 giờ 30 phút"),
        ("hai nghìn tỷ đồng", "2.000 tỷ đồng"),
        ("ba phẩy không năm tỷ đồng", "3,05 tỷ đồng"),
        ("một trăm linh năm hộ", "105 hộ"),
        ("ba mươi lăm nghìn người", "35.000 người"),
        ("mười lăm dự án", "15 dự án"),
        ("một trăm năm", "100 năm"),  # a hundred years (105 is "một trăm linh năm")
        ("mỗi tháng hai lần", "mỗi tháng 2 lần"),  # a count, not February
        ("hai tháng mười ngày", "2 tháng 10 ngày"),
    ],
)
def test_numbers_become_digits(raw: str, expected: str) -> None:
    assert numbers_to_digits(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "một số địa phương",
        "một lần nữa",
        "năm nay",
        "năm ngày",  # five days or "the year, the day": unclear
        "thứ hai",
        "lần thứ ba",
        "vào thứ năm",
        "hai ba ngày",  # two or three days
        "bốn năm ngày",  # four or five days
        "vài ba tháng",
        "mỗi quý một lần",
        "hằng tháng",
        "tháng năm",  # May, or "months and years"
        "tháng một lần",
        "ngày một tăng",  # "more and more"
        "ngày mốt",  # the day after tomorrow
        "ngày hai",
        "hai bên thống nhất",
        "ba chân bốn cẳng",
        "mười phân vẹn mười",
        "hai chục ngày",
        "không quá",
        "tháng giêng",
        "năm hai mươi dự án",  # "năm" right before: the year, or five?
        "quý vị đại biểu",
        "anh Quý ba",
    ],
)
def test_ambiguous_numbers_are_left_alone(text: str) -> None:
    assert numbers_to_digits(text) == text


# ---------------------------------------------------------------------------
# sentences and the whole
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("giao sở. kết luận", "Giao sở. Kết luận"),
        ("xong chưa? rồi. tốt! giao", "Xong chưa? Rồi. Tốt! Giao"),
        ("năm 2025. giao", "Năm 2025. Giao"),  # after a number
        ("1. giao", "1. Giao"),
        ("vậy... giao", "Vậy... giao"),  # an ellipsis does not end the sentence
        ("tp. hồ chí minh", "Tp. hồ chí minh"),  # an abbreviation does not either
        ("gặp ThS. lê", "Gặp ThS. lê"),
        ("ông A. nguyễn", "Ông A. nguyễn"),  # an initial
        ("về xã. họ", "Về xã. Họ"),  # a two-letter word does end a sentence
        ("theo v.v. và", "Theo v.v. và"),
        ("dòng một.\nhai", "Dòng một.\nHai"),
        ("  đầu tiên", "  Đầu tiên"),
        ("", ""),
    ],
)
def test_capitalize_sentences(raw: str, expected: str) -> None:
    assert capitalize_sentences(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("uỷ ban nhân dân tỉnh thanh hoá chủ trì", "Ủy ban nhân dân tỉnh Thanh Hóa chủ trì"),  # tone placement
        (unicodedata.normalize("NFD", "giao sở tài chính"), "Giao Sở Tài chính"),  # NFD input
        (
            "giao sở tài chính báo cáo trước ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi lăm.",
            "Giao Sở Tài chính báo cáo trước ngày 15 tháng 12 năm 2025.",
        ),
        ("cán bộ công an xã", "Cán bộ công an xã"),
    ],
)
def test_normalize_transcript(raw: str, expected: str) -> None:
    assert normalize_transcript(raw, GAZETTEER) == expected


# ---------------------------------------------------------------------------
# never invent words (property tests)
# ---------------------------------------------------------------------------

_WORDS = re.findall(
    r"\S+",
    "giao sở tài chính ủy uỷ ban nhân dân tỉnh bộ công an cán cơ y tế chủ trì phối hợp với các ngành liên quan "
    "thanh hóa hoá nội vụ xây dựng quốc hội thủ tướng phủ văn phòng báo cáo trước ngày tháng quý tuần lần thứ số "
    "nay kết luận Sở Tài Chính UBND và hà thành phố xã phường đồng chí toàn mùng hằng mỗi Quý TP v đầu cuối nông "
    "nghiệp môi trường kế hoạch người đồng dự án",
)
_NUMBER_WORDS = re.findall(
    r"\S+", "một hai ba bốn năm sáu bảy tám chín mười mươi trăm nghìn ngàn lăm mốt tư linh lẻ không phần phẩy"
)
_SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", " - ", ": ", "... ", "? "]


def _texts(vocabulary: list[str]) -> st.SearchStrategy[str]:
    pairs = st.tuples(st.sampled_from(vocabulary), st.sampled_from(_SEPARATORS))
    return st.lists(pairs, max_size=30).map(lambda xs: "".join(w + s for w, s in xs))


def _skeleton(text: str) -> list[str]:
    """The words of ``text`` other than number words and numbers, folded."""
    drop = {*_NUMBER_WORDS, "i", "ii", "iii", "iv"}
    words = re.findall(r"\w+", re.sub(r"phần\s+trăm", " ", fold(text)))
    return [w for w in words if w not in drop and not w[0].isdigit()]


_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(_texts(_WORDS))
def test_without_number_words_only_the_casing_changes(text: str) -> None:
    out = normalize_transcript(text, GAZETTEER)
    assert fold(out) == fold(text)


@_PROPERTY
@given(_texts(_WORDS + _NUMBER_WORDS * 2))
def test_numbers_are_the_only_words_rewritten(text: str) -> None:
    out = normalize_transcript(text, GAZETTEER)
    assert _skeleton(out) == _skeleton(text)


@_PROPERTY
@given(_texts(_WORDS + _NUMBER_WORDS))
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalize_transcript(text, GAZETTEER)
    assert normalize_transcript(once, GAZETTEER) == once


# ---------------------------------------------------------------------------
# the point of it all: the extractor finds more in a normalised transcript
# ---------------------------------------------------------------------------

# Whisper-style output: lower case, numbers in words, the "uỷ" tone style, no line breaks.
WHISPER_PARAGRAPH = (
    "chủ tịch uỷ ban nhân dân tỉnh kết luận như sau. giao sở tài chính chủ trì, phối hợp với sở nội vụ rà soát "
    "phương án phân bổ ngân sách, báo cáo uỷ ban nhân dân tỉnh trước ngày mười lăm tháng mười hai năm hai nghìn "
    "không trăm hai mươi lăm. giao công an tỉnh chủ trì kiểm tra an toàn phòng cháy tại các chợ, hoàn thành trong "
    "quý ba năm hai nghìn không trăm hai mươi sáu. sở xây dựng khẩn trương hoàn thiện hồ sơ dự án, trình uỷ ban "
    "nhân dân tỉnh trong vòng hai mươi ngày. giao sở nông nghiệp và môi trường phấn đấu giảm ba mươi phần trăm "
    "diện tích đất bị ô nhiễm, báo cáo kết quả trước ngày ba mươi mốt tháng ba. một số địa phương còn chậm, năm "
    "nay phải làm quyết liệt hơn."
)
WRITTEN_PARAGRAPH = (
    "Chủ tịch Ủy ban nhân dân tỉnh kết luận như sau. Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát "
    "phương án phân bổ ngân sách, báo cáo Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 năm 2025. Giao Công an "
    "tỉnh chủ trì kiểm tra an toàn phòng cháy tại các chợ, hoàn thành trong quý III năm 2026. Sở Xây dựng khẩn "
    "trương hoàn thiện hồ sơ dự án, trình Ủy ban nhân dân tỉnh trong vòng 20 ngày. Giao Sở Nông nghiệp và Môi "
    "trường phấn đấu giảm 30% diện tích đất bị ô nhiễm, báo cáo kết quả trước ngày 31 tháng 3. Một số địa "
    "phương còn chậm, năm nay phải làm quyết liệt hơn."
)
MEETING = date(2025, 11, 20)


def test_paragraph_is_written_as_a_notice_would_be() -> None:
    assert normalize_transcript(WHISPER_PARAGRAPH, GAZETTEER) == WRITTEN_PARAGRAPH


def test_extractor_finds_leads_and_deadlines_only_after_normalisation(extractor: Extractor) -> None:
    raw = extractor.extract(WHISPER_PARAGRAPH, meeting_date=MEETING)
    normalised = extractor.extract(normalize_transcript(WHISPER_PARAGRAPH, GAZETTEER), meeting_date=MEETING)

    found = {(a.lead_canonical, a.deadline) for a in normalised.assignments}
    assert found == {
        ("Sở Tài chính", date(2025, 12, 15)),
        ("Công an tỉnh", date(2026, 9, 30)),  # end of the third quarter
        ("Sở Xây dựng", date(2025, 12, 10)),  # 20 days after the meeting
        ("Sở Nông nghiệp và Môi trường", date(2026, 3, 31)),
    }
    assert normalised.assignments[0].cooperating == ("Sở Nội vụ",)
    raw_resolved = sum(a.lead_canonical is not None and a.deadline is not None for a in raw.assignments)
    assert raw_resolved < len(found)
