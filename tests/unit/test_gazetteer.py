"""Agency gazetteer: reviewed data and the matcher (table-driven)."""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.gazetteer import DATA_FILE, Gazetteer, GazetteerError
from nlp.normalize import fix_tone_placement

EXAMPLE_FILE = DATA_FILE.with_name("local_units.example.json")
SECTIONS = ("agencies", "provinces", "provincial_bodies", "commune_patterns", "groups")


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def found(g: Gazetteer, text: str) -> list[tuple[str, str | None]]:
    return [(m.text, m.canonical) for m in g.find(text)]


# ---------------------------------------------------------------------------
# data validation
# ---------------------------------------------------------------------------


def _strings(entry: dict) -> list[str]:
    out = [entry["name"]]
    for f in ("head", "short", "type"):
        if isinstance(entry.get(f), str):
            out.append(entry[f])
    for f in ("aliases", "former", "codes"):
        out.extend(entry.get(f) or [])
    return out


def test_keys_unique_and_names_present(raw: dict) -> None:
    for section in SECTIONS:
        keys = [e["key"] for e in raw[section]]
        assert len(keys) == len(set(keys)), section
        for e in raw[section]:
            assert e["key"].strip() and e["name"].strip(), e


def test_replaced_by_points_to_existing_key(raw: dict) -> None:
    for section in ("agencies", "provincial_bodies", "commune_patterns"):
        keys = {e["key"] for e in raw[section]}
        for e in raw[section]:
            assert e.get("replaced_by") is None or e["replaced_by"] in keys, e["key"]


def test_agency_fields(raw: dict) -> None:
    for e in raw["agencies"] + raw["provincial_bodies"]:
        assert set(e) >= {"key", "name", "level", "head", "short", "codes", "aliases", "replaced_by", "effective"}
        if e["head"] and e["short"]:
            assert e["name"].replace(" {unit}", "") == f"{e['head']} {e['short']}", e["key"]


def test_thirty_four_provinces(raw: dict, g: Gazetteer) -> None:
    assert len(raw["provinces"]) == 34
    assert sum(p["type"] == "thành phố" for p in raw["provinces"]) == 6
    assert len(g.provinces) == 34
    formers = [f for p in raw["provinces"] for f in p["former"]]
    # 63 provinces before 7/2025: 29 merged away, plus the old name of Huế (Thừa Thiên Huế)
    assert len(formers) == len(set(formers)) == 63 - 34 + 1


def test_all_strings_nfc_and_traditional_tone_marks(raw: dict) -> None:
    for section in SECTIONS:
        for e in raw[section]:
            for s in _strings(e):
                assert unicodedata.is_normalized("NFC", s), s
                assert fix_tone_placement(s) == s, s
    text = DATA_FILE.read_text(encoding="utf-8")
    assert fix_tone_placement(text) == text
    assert "Uỷ" not in text and "Hoà" not in text and "Thuỷ" not in text


# ---------------------------------------------------------------------------
# ministries: current, old -> new, codes
# ---------------------------------------------------------------------------

CURRENT_MINISTRIES = [
    "Bộ Quốc phòng",
    "Bộ Công an",
    "Bộ Ngoại giao",
    "Bộ Nội vụ",
    "Bộ Tư pháp",
    "Bộ Tài chính",
    "Bộ Công Thương",
    "Bộ Nông nghiệp và Môi trường",
    "Bộ Xây dựng",
    "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Khoa học và Công nghệ",
    "Bộ Giáo dục và Đào tạo",
    "Bộ Y tế",
    "Bộ Dân tộc và Tôn giáo",
]


def test_fourteen_ministries_and_three_ministerial_bodies(g: Gazetteer) -> None:
    current = {a.name for a in g.agencies if a.level == "ministry" and a.replaced_by is None}
    assert current == set(CURRENT_MINISTRIES)
    ministerial = {a.name for a in g.agencies if a.level == "ministerial" and a.replaced_by is None}
    assert ministerial == {"Văn phòng Chính phủ", "Ngân hàng Nhà nước Việt Nam", "Thanh tra Chính phủ"}


@pytest.mark.parametrize("name", CURRENT_MINISTRIES)
def test_current_ministry_resolves_to_itself(g: Gazetteer, name: str) -> None:
    assert g.canonical_name(name) == name
    assert found(g, f"Giao {name} chủ trì") == [(name, name)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Bộ Kế hoạch và Đầu tư", "Bộ Tài chính"),
        ("Bộ Giao thông vận tải", "Bộ Xây dựng"),
        ("Bộ Thông tin và Truyền thông", "Bộ Khoa học và Công nghệ"),
        ("Bộ Tài nguyên và Môi trường", "Bộ Nông nghiệp và Môi trường"),
        ("Bộ Nông nghiệp và Phát triển nông thôn", "Bộ Nông nghiệp và Môi trường"),
        ("Bộ Lao động - Thương binh và Xã hội", "Bộ Nội vụ"),
        ("Bộ Lao động, Thương binh và Xã hội", "Bộ Nội vụ"),
        ("Ủy ban Dân tộc", "Bộ Dân tộc và Tôn giáo"),
        ("Ban Tuyên giáo Trung ương", "Ban Tuyên giáo và Dân vận Trung ương"),
        ("Ban Dân vận Trung ương", "Ban Tuyên giáo và Dân vận Trung ương"),
        ("Ban Kinh tế Trung ương", "Ban Chính sách, chiến lược Trung ương"),
        ("Tổng cục Thuế", "Cục Thuế"),
        ("Tập đoàn Dầu khí Việt Nam", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam"),
        ("Sở Kế hoạch và Đầu tư", "Sở Tài chính"),
        ("Sở Giao thông vận tải", "Sở Xây dựng"),
        ("Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ"),
        ("Sở Tài nguyên và Môi trường", "Sở Nông nghiệp và Môi trường"),
        ("Sở Nông nghiệp và Phát triển nông thôn", "Sở Nông nghiệp và Môi trường"),
        ("Sở Lao động - Thương binh và Xã hội", "Sở Nội vụ"),
    ],
)
def test_old_body_resolves_to_successor(g: Gazetteer, old: str, new: str) -> None:
    assert g.canonical_name(old) == new
    (m,) = g.find(f"đề nghị {old} báo cáo")
    assert (m.text, m.canonical) == (old, new)


def test_replaced_agencies_point_to_current_ones(g: Gazetteer) -> None:
    for a in g.agencies:
        current = g.resolve(a.name)
        assert current is not None and current.replaced_by is None, a.key


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("BTC", "Bộ Tài chính"),
        ("TC", "Bộ Tài chính"),
        ("KHĐT", "Bộ Tài chính"),
        ("BKHĐT", "Bộ Tài chính"),
        ("GTVT", "Bộ Xây dựng"),
        ("TNMT", "Bộ Nông nghiệp và Môi trường"),
        ("NN&MT", "Bộ Nông nghiệp và Môi trường"),
        ("LĐTBXH", "Bộ Nội vụ"),
        ("CA", "Bộ Công an"),
        ("CT", "Bộ Công Thương"),
        ("KH&CN", "Bộ Khoa học và Công nghệ"),
        ("VPCP", "Văn phòng Chính phủ"),
        ("TTg", "Thủ tướng Chính phủ"),
        ("PTTg", "Phó Thủ tướng Chính phủ"),
        ("NHNN", "Ngân hàng Nhà nước Việt Nam"),
        ("EVN", "Tập đoàn Điện lực Việt Nam"),
        ("PVN", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam"),
        ("Viettel", "Tập đoàn Công nghiệp - Viễn thông Quân đội"),
        ("VNPT", "Tập đoàn Bưu chính Viễn thông Việt Nam"),
        ("TKV", "Tập đoàn Công nghiệp Than - Khoáng sản Việt Nam"),
        ("ACV", "Tổng công ty Cảng hàng không Việt Nam"),
        ("VEC", "Tổng công ty Đầu tư phát triển đường cao tốc Việt Nam"),
        ("VNR", "Tổng công ty Đường sắt Việt Nam"),
        ("UBTVQH", "Ủy ban Thường vụ Quốc hội"),
        ("KTNN", "Kiểm toán Nhà nước"),
        ("KBNN", "Kho bạc Nhà nước"),
    ],
)
def test_codes_resolve(g: Gazetteer, code: str, name: str) -> None:
    assert g.canonical_name(code) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "EVN và PVN báo cáo",
            [("EVN", "Tập đoàn Điện lực Việt Nam"), ("PVN", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam")],
        ),
        ("Nơi nhận: VPCP: BTCN", [("VPCP", "Văn phòng Chính phủ")]),
        ("Số: 634/TB-VPCP", []),  # inside a document number
        ("Công văn 01/UBND-KT", []),
        ("TC và CT phối hợp", []),  # two-letter codes only in enumerations and resolve()
        ("evn và vnpt", []),  # codes are case-sensitive
    ],
)
def test_codes_in_text(g: Gazetteer, text: str, expected: list) -> None:
    assert found(g, text) == expected


# ---------------------------------------------------------------------------
# normalisation: tone style, NFD, offsets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Uỷ ban nhân dân tỉnh Thanh Hoá", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("UBND tỉnh Thanh Hoá", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("UBND tỉnh Khánh Hoà", "Ủy ban nhân dân tỉnh Khánh Hòa"),
        ("Bộ Văn hoá, Thể thao và Du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
        ("Uỷ ban Thường vụ Quốc hội", "Ủy ban Thường vụ Quốc hội"),
        ("UBND tỉnh Hoà Bình", "Ủy ban nhân dân tỉnh Phú Thọ"),
    ],
)
def test_tone_variants(g: Gazetteer, written: str, canonical: str) -> None:
    assert g.canonical_name(written) == canonical
    assert found(g, f"giao {written}.") == [(written, canonical)]


def test_nfd_input_keeps_original_offsets(g: Gazetteer) -> None:
    text = unicodedata.normalize("NFD", "Giao Uỷ ban nhân dân tỉnh Thanh Hoá và các Bộ: Tư pháp, Nội vụ thực hiện.")
    mentions = g.find(text)
    assert [m.canonical for m in mentions] == ["Ủy ban nhân dân tỉnh Thanh Hóa", "Bộ Tư pháp", "Bộ Nội vụ"]
    for m in mentions:
        assert text[m.start : m.end] == m.text
    assert unicodedata.normalize("NFC", mentions[1].text) == "Tư pháp"


def test_zero_width_and_nbsp(g: Gazetteer) -> None:
    text = "Giao\u00a0Bộ\u200b Tài\u00a0chính chủ trì"
    (m,) = g.find(text)
    assert m.canonical == "Bộ Tài chính" and text[m.start : m.end] == m.text


# ---------------------------------------------------------------------------
# provinces
# ---------------------------------------------------------------------------

PROVINCES = [
    ("Hà Nội", "Thành phố Hà Nội"),
    ("Huế", "Thành phố Huế"),
    ("Lai Châu", "Tỉnh Lai Châu"),
    ("Điện Biên", "Tỉnh Điện Biên"),
    ("Sơn La", "Tỉnh Sơn La"),
    ("Lạng Sơn", "Tỉnh Lạng Sơn"),
    ("Quảng Ninh", "Tỉnh Quảng Ninh"),
    ("Thanh Hóa", "Tỉnh Thanh Hóa"),
    ("Nghệ An", "Tỉnh Nghệ An"),
    ("Hà Tĩnh", "Tỉnh Hà Tĩnh"),
    ("Cao Bằng", "Tỉnh Cao Bằng"),
    ("Tuyên Quang", "Tỉnh Tuyên Quang"),
    ("Lào Cai", "Tỉnh Lào Cai"),
    ("Thái Nguyên", "Tỉnh Thái Nguyên"),
    ("Phú Thọ", "Tỉnh Phú Thọ"),
    ("Bắc Ninh", "Tỉnh Bắc Ninh"),
    ("Hưng Yên", "Tỉnh Hưng Yên"),
    ("Hải Phòng", "Thành phố Hải Phòng"),
    ("Ninh Bình", "Tỉnh Ninh Bình"),
    ("Quảng Trị", "Tỉnh Quảng Trị"),
    ("Đà Nẵng", "Thành phố Đà Nẵng"),
    ("Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    ("Cần Thơ", "Thành phố Cần Thơ"),
    ("Tây Ninh", "Tỉnh Tây Ninh"),
    ("Vĩnh Long", "Tỉnh Vĩnh Long"),
    ("Đồng Tháp", "Tỉnh Đồng Tháp"),
    ("Cà Mau", "Tỉnh Cà Mau"),
    ("An Giang", "Tỉnh An Giang"),
    ("Khánh Hòa", "Tỉnh Khánh Hòa"),
    ("Quảng Ngãi", "Tỉnh Quảng Ngãi"),
    ("Gia Lai", "Tỉnh Gia Lai"),
    ("Lâm Đồng", "Tỉnh Lâm Đồng"),
    ("Đắk Lắk", "Tỉnh Đắk Lắk"),
    ("Đồng Nai", "Tỉnh Đồng Nai"),
]


def test_province_table_is_complete(g: Gazetteer) -> None:
    assert sorted(g.provinces) == sorted(full for _, full in PROVINCES)


@pytest.mark.parametrize(("name", "full"), PROVINCES)
def test_every_province_resolves(g: Gazetteer, name: str, full: str) -> None:
    assert g.canonical_name(name) == full
    assert g.canonical_name(full) == full
    unit = full.split(" ", maxsplit=1)[0].lower() if full.startswith("Tỉnh") else "thành phố"
    assert found(g, f"trên địa bàn {unit} {name}.") == [(f"{unit} {name}", full)]
    body = "Ủy ban nhân dân " + ("tỉnh " if full.startswith("Tỉnh") else "thành phố ") + name
    assert g.canonical_name(f"UBND {unit} {name}") == body


@pytest.mark.parametrize(
    ("former", "full"),
    [
        ("Bắc Giang", "Tỉnh Bắc Ninh"),
        ("Hải Dương", "Thành phố Hải Phòng"),
        ("Bình Dương", "Thành phố Hồ Chí Minh"),
        ("Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"),
        ("Quảng Nam", "Thành phố Đà Nẵng"),
        ("Sóc Trăng", "Thành phố Cần Thơ"),
        ("Hậu Giang", "Thành phố Cần Thơ"),
        ("Hà Giang", "Tỉnh Tuyên Quang"),
        ("Yên Bái", "Tỉnh Lào Cai"),
        ("Bắc Kạn", "Tỉnh Thái Nguyên"),
        ("Vĩnh Phúc", "Tỉnh Phú Thọ"),
        ("Hòa Bình", "Tỉnh Phú Thọ"),
        ("Thái Bình", "Tỉnh Hưng Yên"),
        ("Hà Nam", "Tỉnh Ninh Bình"),
        ("Nam Định", "Tỉnh Ninh Bình"),
        ("Quảng Bình", "Tỉnh Quảng Trị"),
        ("Long An", "Tỉnh Tây Ninh"),
        ("Bến Tre", "Tỉnh Vĩnh Long"),
        ("Trà Vinh", "Tỉnh Vĩnh Long"),
        ("Tiền Giang", "Tỉnh Đồng Tháp"),
        ("Bạc Liêu", "Tỉnh Cà Mau"),
        ("Kiên Giang", "Tỉnh An Giang"),
        ("Ninh Thuận", "Tỉnh Khánh Hòa"),
        ("Kon Tum", "Tỉnh Quảng Ngãi"),
        ("Bình Định", "Tỉnh Gia Lai"),
        ("Đắk Nông", "Tỉnh Lâm Đồng"),
        ("Bình Thuận", "Tỉnh Lâm Đồng"),
        ("Phú Yên", "Tỉnh Đắk Lắk"),
        ("Bình Phước", "Tỉnh Đồng Nai"),
        ("Thừa Thiên Huế", "Thành phố Huế"),
    ],
)
def test_former_province_resolves_to_new_unit(g: Gazetteer, former: str, full: str) -> None:
    assert g.canonical_name(former) == full
    assert g.canonical_name(f"tỉnh {former}") == full
    (m,) = g.find(f"tại tỉnh {former} năm 2024")
    assert (m.text, m.canonical) == (f"tỉnh {former}", full)


@pytest.mark.parametrize(
    ("alias", "full"),
    [
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("TPHCM", "Thành phố Hồ Chí Minh"),
        ("TP HCM", "Thành phố Hồ Chí Minh"),
        ("TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("Thủ đô Hà Nội", "Thành phố Hà Nội"),
        ("TP Cần Thơ", "Thành phố Cần Thơ"),
        ("THÀNH PHỐ CẦN THƠ", "Thành phố Cần Thơ"),
    ],
)
def test_province_aliases(g: Gazetteer, alias: str, full: str) -> None:
    assert g.canonical_name(alias) == full
    assert found(g, f"tại {alias} năm nay") == [(alias, full)]


@pytest.mark.parametrize(
    "text",
    ["đồng chí Hồ Chí Minh", "tại Hà Nội", "hòa bình và ổn định", "Thành phố cần tập trung", "tỉnh táo"],
)
def test_bare_place_names_are_not_agencies(g: Gazetteer, text: str) -> None:
    assert g.find(text) == []


# ---------------------------------------------------------------------------
# provincial bodies, with and without a province
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Ủy ban nhân dân tỉnh Thanh Hóa", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("UBND TP Cần Thơ", "Ủy ban nhân dân thành phố Cần Thơ"),
        ("UBND TP HCM", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
        ("UBND TP.HCM", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
        ("Ủy ban nhân dân Thành phố Hồ Chí Minh", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
        ("UBND tỉnh Bắc Giang", "Ủy ban nhân dân tỉnh Bắc Ninh"),
        ("UBND tỉnh Bình Dương", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
        ("UBND thành phố", "Ủy ban nhân dân thành phố"),
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("Sở Nội vụ", "Sở Nội vụ"),
        ("Sở Nội vụ TP Cần Thơ", "Sở Nội vụ thành phố Cần Thơ"),
        ("Sở Kế hoạch và Đầu tư tỉnh Hải Dương", "Sở Tài chính thành phố Hải Phòng"),
        ("Sở GTVT", "Sở Xây dựng"),
        ("Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở Quy hoạch - Kiến trúc", "Sở Quy hoạch - Kiến trúc"),
        ("HĐND tỉnh Nghệ An", "Hội đồng nhân dân tỉnh Nghệ An"),
        ("Thường trực HĐND tỉnh", "Thường trực Hội đồng nhân dân tỉnh"),
        ("Văn phòng UBND tỉnh Quảng Ninh", "Văn phòng Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("Tỉnh ủy Thanh Hóa", "Tỉnh ủy Thanh Hóa"),
        ("Tỉnh ủy Hải Dương", "Thành ủy Hải Phòng"),
        ("Thành ủy", "Thành ủy"),
        ("Tỉnh ủy", "Tỉnh ủy"),
        ("Thường trực Tỉnh ủy", "Thường trực Tỉnh ủy"),
        ("Ban Thường vụ Thành ủy Cần Thơ", "Ban Thường vụ Thành ủy Cần Thơ"),
        ("BTV Thành ủy", "Ban Thường vụ Thành ủy"),
        ("Văn phòng Thành ủy", "Văn phòng Thành ủy"),
        ("Ban Tuyên giáo Thành ủy", "Ban Tuyên giáo và Dân vận Thành ủy"),
        ("Ban Dân vận Tỉnh ủy Nghệ An", "Ban Tuyên giáo và Dân vận Tỉnh ủy Nghệ An"),
        ("Ban Tổ chức Tỉnh ủy", "Ban Tổ chức Tỉnh ủy"),
        ("Ủy ban Kiểm tra Thành ủy", "Ủy ban Kiểm tra Thành ủy"),
        ("Đảng đoàn Hội đồng nhân dân", "Đảng đoàn Hội đồng nhân dân"),
        ("Ban cán sự đảng Ủy ban nhân dân thành phố", "Ban cán sự đảng Ủy ban nhân dân thành phố"),
        ("Ban cán sự đảng UBND thành phố", "Ban cán sự đảng Ủy ban nhân dân thành phố"),
        ("Ủy ban MTTQVN TP Cần Thơ", "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Cần Thơ"),
        ("Công an tỉnh Thanh Hóa", "Công an tỉnh Thanh Hóa"),
        ("Thanh tra tỉnh", "Thanh tra tỉnh"),
        ("Ban Quản lý Khu kinh tế tỉnh", "Ban Quản lý Khu kinh tế tỉnh"),
        ("Ban Quản lý dự án đầu tư xây dựng tỉnh Lào Cai", "Ban Quản lý dự án đầu tư xây dựng tỉnh Lào Cai"),
    ],
)
def test_provincial_bodies(g: Gazetteer, written: str, canonical: str) -> None:
    assert g.canonical_name(written) == canonical
    assert found(g, f"Giao {written} chủ trì.") == [(written, canonical)]


def test_provincial_body_keys(g: Gazetteer) -> None:
    (m,) = g.find("UBND tỉnh Bắc Giang")
    assert m.key == "ubnd@bac-ninh" and m.level == "provincial"
    assert g.resolve("Sở Nội vụ") is not None
    agency = g.resolve("Sở Kế hoạch và Đầu tư")
    assert agency is not None and agency.key == "so-tai-chinh"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Công an tỉnh", [("Công an tỉnh", "Công an tỉnh")]),
        ("Công an phối hợp", []),  # a province is required after "Công an"
        (
            "Phó Chủ tịch Thường trực UBND thành phố Lê Anh Quân",
            [("Thường trực UBND thành phố", "Thường trực Ủy ban nhân dân thành phố")],
        ),  # a person, not a place
        ("UBND thành phố Biên Hòa", [("UBND thành phố Biên Hòa", "Ủy ban nhân dân thành phố Biên Hòa")]),
    ],
)
def test_provincial_slot_edges(g: Gazetteer, text: str, expected: list) -> None:
    assert found(g, text) == expected


# ---------------------------------------------------------------------------
# commune and district level
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "level"),
    [
        ("UBND xã Tân Phú", "Ủy ban nhân dân xã Tân Phú", "commune"),
        ("UBND phường 3", "Ủy ban nhân dân phường 3", "commune"),
        ("Ủy ban nhân dân đặc khu Phú Quốc", "Ủy ban nhân dân đặc khu Phú Quốc", "commune"),
        ("Văn phòng HĐND và UBND xã", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã", "commune"),
        ("Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Kinh tế, Hạ tầng và Đô thị", "commune"),
        ("UBND quận Ninh Kiều", "Ủy ban nhân dân quận Ninh Kiều", "district"),
        ("UBND huyện", "Ủy ban nhân dân huyện", "district"),
        ("Quận ủy Ninh Kiều", "Quận ủy Ninh Kiều", "district"),
        ("Đảng ủy xã Yên Khương", "Đảng ủy xã Yên Khương", "commune"),
    ],
)
def test_commune_patterns(g: Gazetteer, text: str, canonical: str, level: str) -> None:
    (m,) = g.find(f"giao {text} thực hiện")
    assert (m.text, m.canonical, m.level, m.key) == (text, canonical, level, None)
    assert g.canonical_name(text) == canonical


def test_commune_name_stops_before_a_person(g: Gazetteer) -> None:
    assert found(g, "Chủ tịch UBND xã Tân Phú Nguyễn Văn An") == [("UBND xã Tân Phú", "Ủy ban nhân dân xã Tân Phú")]


# ---------------------------------------------------------------------------
# central bodies, party, assembly, front, state groups
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Chính phủ", "Chính phủ"),
        ("Thủ tướng Chính phủ", "Thủ tướng Chính phủ"),
        ("Phó Thủ tướng", "Phó Thủ tướng Chính phủ"),
        ("Văn phòng Chính phủ", "Văn phòng Chính phủ"),
        ("Ngân hàng Nhà nước", "Ngân hàng Nhà nước Việt Nam"),
        ("Kiểm toán Nhà nước", "Kiểm toán Nhà nước"),
        ("Tòa án nhân dân tối cao", "Tòa án nhân dân tối cao"),
        ("Viện kiểm sát nhân dân tối cao", "Viện kiểm sát nhân dân tối cao"),
        ("Đài Truyền hình Việt Nam", "Đài Truyền hình Việt Nam"),
        ("Đài Tiếng nói Việt Nam", "Đài Tiếng nói Việt Nam"),
        ("Thông tấn xã Việt Nam", "Thông tấn xã Việt Nam"),
        ("Bảo hiểm xã hội Việt Nam", "Bảo hiểm xã hội Việt Nam"),
        ("Bộ Chính trị", "Bộ Chính trị"),
        ("Ban Bí thư", "Ban Bí thư"),
        ("Ban Chấp hành Trung ương", "Ban Chấp hành Trung ương Đảng"),
        ("Văn phòng Trung ương Đảng", "Văn phòng Trung ương Đảng"),
        ("Ban Tổ chức Trung ương", "Ban Tổ chức Trung ương"),
        ("Ban Nội chính Trung ương", "Ban Nội chính Trung ương"),
        ("Ủy ban Kiểm tra Trung ương", "Ủy ban Kiểm tra Trung ương"),
        ("Ban cán sự đảng Chính phủ", "Đảng ủy Chính phủ"),
        ("Quốc hội", "Quốc hội"),
        ("Ủy ban Thường vụ Quốc hội", "Ủy ban Thường vụ Quốc hội"),
        ("Hội đồng Dân tộc", "Hội đồng Dân tộc"),
        ("Ủy ban Kinh tế của Quốc hội", "Ủy ban Kinh tế và Tài chính của Quốc hội"),
        ("Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam", "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam"),
        ("Ủy ban Trung ương MTTQ Việt Nam", "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam"),
        ("Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam"),
        ("Tập đoàn Công nghiệp-Năng lượng quốc gia Việt Nam", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam"),
        ("Tập đoàn Công nghiệp–Viễn thông Quân đội", "Tập đoàn Công nghiệp - Viễn thông Quân đội"),
        ("Tập đoàn Bưu chính viễn thông Việt Nam", "Tập đoàn Bưu chính Viễn thông Việt Nam"),
        ("Tổng công ty Cảng hàng không Việt Nam", "Tổng công ty Cảng hàng không Việt Nam"),
        ("Vietnam Airlines", "Tổng công ty Hàng không Việt Nam"),
    ],
)
def test_named_bodies(g: Gazetteer, written: str, canonical: str) -> None:
    assert g.canonical_name(written) == canonical
    assert found(g, f"đề nghị {written} chỉ đạo") == [(written, canonical)]


def test_name_followed_by_its_code(g: Gazetteer) -> None:
    text = "Tập đoàn Công nghiệp-Năng lượng quốc gia Việt Nam (PVN) và Tập đoàn Điện lực Việt Nam"
    assert found(g, text) == [
        (
            "Tập đoàn Công nghiệp-Năng lượng quốc gia Việt Nam (PVN)",
            "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam",
        ),
        ("Tập đoàn Điện lực Việt Nam", "Tập đoàn Điện lực Việt Nam"),
    ]


@pytest.mark.parametrize(
    ("text", "span", "canonical", "key"),
    [
        (
            "phối hợp với Viện Khoa học tổ chức nhà nước (Bộ Nội vụ) để",
            "Viện Khoa học tổ chức nhà nước (Bộ Nội vụ)",
            "Viện Khoa học tổ chức nhà nước",
            "vien-khoa-hoc-to-chuc-nha-nuoc",
        ),
        (
            "giao Cục Quản lý giá (Bộ Tài chính) chủ trì",
            "Cục Quản lý giá (Bộ Tài chính)",
            "Cục Quản lý giá (Bộ Tài chính)",
            None,
        ),
    ],
)
def test_unit_with_parent_in_brackets(g: Gazetteer, text: str, span: str, canonical: str, key: str | None) -> None:
    (m,) = g.find(text)
    assert (m.text, m.canonical, m.key) == (span, canonical, key)


def test_bracket_without_unit_keeps_parent_alone(g: Gazetteer) -> None:
    assert found(g, "nghiên cứu mô hình tổ chức (Bộ Nội vụ) trình") == [("Bộ Nội vụ", "Bộ Nội vụ")]


# ---------------------------------------------------------------------------
# enumerations
# ---------------------------------------------------------------------------

ENUMERATIONS = [
    (
        "Giao các Bộ: Kế hoạch và Đầu tư, Nội vụ, Giao thông vận tải, đại diện Ban Kinh tế Trung ương",
        [
            ("Kế hoạch và Đầu tư", "Bộ Kế hoạch và Đầu tư", "Bộ Tài chính"),
            ("Nội vụ", "Bộ Nội vụ", "Bộ Nội vụ"),
            ("Giao thông vận tải", "Bộ Giao thông vận tải", "Bộ Xây dựng"),
        ],
    ),
    (
        "các Bộ Tài nguyên và Môi trường, Nông nghiệp và Phát triển nông thôn, Tư pháp để khẩn trương tiếp thu",
        [
            ("Tài nguyên và Môi trường", "Bộ Tài nguyên và Môi trường", "Bộ Nông nghiệp và Môi trường"),
            (
                "Nông nghiệp và Phát triển nông thôn",
                "Bộ Nông nghiệp và Phát triển nông thôn",
                "Bộ Nông nghiệp và Môi trường",
            ),
            ("Tư pháp", "Bộ Tư pháp", "Bộ Tư pháp"),
        ],
    ),
    (
        "lãnh đạo các Bộ, cơ quan: Quốc phòng, Công an, Văn hóa, Thể thao và Du lịch, Đài Truyền hình Việt Nam, "
        "Văn phòng Chính phủ.",
        [
            ("Quốc phòng", "Bộ Quốc phòng", "Bộ Quốc phòng"),
            ("Công an", "Bộ Công an", "Bộ Công an"),
            ("Văn hóa, Thể thao và Du lịch", "Bộ Văn hóa, Thể thao và Du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
            ("Đài Truyền hình Việt Nam", "Đài Truyền hình Việt Nam", "Đài Truyền hình Việt Nam"),
            ("Văn phòng Chính phủ", "Văn phòng Chính phủ", "Văn phòng Chính phủ"),
        ],
    ),
    (
        "các Tập đoàn: Công nghiệp - Năng lượng Quốc gia Việt Nam, Bưu chính viễn thông Việt Nam tổ chức",
        [
            (
                "Công nghiệp - Năng lượng Quốc gia Việt Nam",
                "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam",
                "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam",
            ),
            (
                "Bưu chính viễn thông Việt Nam",
                "Tập đoàn Bưu chính viễn thông Việt Nam",
                "Tập đoàn Bưu chính Viễn thông Việt Nam",
            ),
        ],
    ),
    (
        "các Tập đoàn: Điện lực Việt Nam (EVN), Công nghiệp-Năng lượng quốc gia Việt Nam (PVN), Chủ đầu tư các dự án",
        [
            ("Điện lực Việt Nam (EVN)", "Tập đoàn Điện lực Việt Nam", "Tập đoàn Điện lực Việt Nam"),
            (
                "Công nghiệp-Năng lượng quốc gia Việt Nam (PVN)",
                "Tập đoàn Công nghiệp-Năng lượng quốc gia Việt Nam",
                "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam",
            ),
        ],
    ),
    (
        "Ủy ban nhân dân các tỉnh, Thành phố: Hồ Chí Minh, Đồng Nai và các đồng chí lãnh đạo",
        [
            ("Hồ Chí Minh", "Ủy ban nhân dân thành phố Hồ Chí Minh", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
            ("Đồng Nai", "Ủy ban nhân dân tỉnh Đồng Nai", "Ủy ban nhân dân tỉnh Đồng Nai"),
        ],
    ),
    (
        "Các tỉnh Nghệ An, Quảng Ngãi, Cao Bằng chủ động",
        [
            ("Nghệ An", "tỉnh Nghệ An", "Tỉnh Nghệ An"),
            ("Quảng Ngãi", "tỉnh Quảng Ngãi", "Tỉnh Quảng Ngãi"),
            ("Cao Bằng", "tỉnh Cao Bằng", "Tỉnh Cao Bằng"),
        ],
    ),
    (
        "- Các Bộ: CA, TC, TNMT, KH&CN;",
        [
            ("CA", "Bộ CA", "Bộ Công an"),
            ("TC", "Bộ TC", "Bộ Tài chính"),
            ("TNMT", "Bộ TNMT", "Bộ Nông nghiệp và Môi trường"),
            ("KH&CN", "Bộ KH&CN", "Bộ Khoa học và Công nghệ"),
        ],
    ),
    (
        "- Các Tập đoàn: PVN, VNPT, Viettel;",
        [
            ("PVN", "Tập đoàn PVN", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam"),
            ("VNPT", "Tập đoàn VNPT", "Tập đoàn Bưu chính Viễn thông Việt Nam"),
            ("Viettel", "Tập đoàn Viettel", "Tập đoàn Công nghiệp - Viễn thông Quân đội"),
        ],
    ),
    (
        "các bộ Tài chính và Xây dựng",
        [("Tài chính", "Bộ Tài chính", "Bộ Tài chính"), ("Xây dựng", "Bộ Xây dựng", "Bộ Xây dựng")],
    ),
    (
        "các Sở: Tài chính, Xây dựng, Giao thông vận tải",
        [
            ("Tài chính", "Sở Tài chính", "Sở Tài chính"),
            ("Xây dựng", "Sở Xây dựng", "Sở Xây dựng"),
            ("Giao thông vận tải", "Sở Giao thông vận tải", "Sở Xây dựng"),
        ],
    ),
    (
        "UBND các tỉnh: Bắc Giang, Hải Dương",
        [
            ("Bắc Giang", "UBND tỉnh Bắc Giang", "Ủy ban nhân dân tỉnh Bắc Ninh"),
            ("Hải Dương", "UBND thành phố Hải Dương", "Ủy ban nhân dân thành phố Hải Phòng"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "items"), ENUMERATIONS)
def test_enumerations(g: Gazetteer, text: str, items: list[tuple[str, str, str]]) -> None:
    mentions = [m for m in g.find(text) if m.enumeration is not None]
    assert [(m.text, m.name, m.canonical) for m in mentions] == items
    assert len({m.enumeration for m in mentions}) == 1
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert not m.group


def test_two_enumerations_get_two_ids(g: Gazetteer) -> None:
    text = "Giao các Bộ: Tài chính, Nội vụ phối hợp với các Tập đoàn: EVN, PVN"
    ids = [m.enumeration for m in g.find(text)]
    assert len(ids) == 4 and ids[0] == ids[1] != ids[2] == ids[3]


def test_enumeration_offsets_in_nfd_text(g: Gazetteer) -> None:
    text = unicodedata.normalize("NFD", "các Bộ: Văn hoá, Thể thao và Du lịch, Giáo dục và Đào tạo thực hiện")
    mentions = g.find(text)
    assert [m.canonical for m in mentions] == ["Bộ Văn hóa, Thể thao và Du lịch", "Bộ Giáo dục và Đào tạo"]
    for m in mentions:
        assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("các Bộ, ngành, địa phương", [("các Bộ, ngành, địa phương", "các bộ, ngành, địa phương")]),
        (
            "Các Bộ, cơ quan liên quan và các Tập đoàn: EVN",
            [("Các Bộ, cơ quan liên quan", "các bộ, cơ quan"), ("EVN", "Tập đoàn Điện lực Việt Nam")],
        ),
        ("các Bộ trưởng, Thủ trưởng cơ quan ngang bộ", []),
        ("các bộ, ngành chủ động phương án", [("các bộ, ngành", "các bộ, ngành")]),
        ("các Bộ ngành trong quản lý", [("các Bộ ngành", "các bộ, ngành")]),
    ],
)
def test_group_words_are_not_enumerated(g: Gazetteer, text: str, expected: list) -> None:
    assert found(g, text) == expected


# ---------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("các bộ, ngành", "các bộ, ngành"),
        ("Các Bộ, cơ quan", "các bộ, cơ quan"),
        ("các bộ, ban, ngành", "các bộ, ban, ngành"),
        ("các Bộ, ngành, các địa phương", "các bộ, ngành, địa phương"),
        ("các bộ, cơ quan và địa phương liên quan", "các bộ, cơ quan, địa phương"),
        ("các địa phương", "các địa phương"),
        ("các sở, ban, ngành", "các sở, ban, ngành"),
        ("các sở, ngành thành phố", "các sở, ngành"),
        ("các tỉnh, thành phố", "các tỉnh, thành phố"),
        ("các cấp ủy", "các cấp ủy"),
        ("UBND các quận, huyện", "Ủy ban nhân dân các quận, huyện"),
        ("UBND các xã, phường", "Ủy ban nhân dân các xã, phường"),
        ("các tập đoàn, tổng công ty nhà nước", "các tập đoàn, tổng công ty"),
    ],
)
def test_groups(g: Gazetteer, text: str, canonical: str) -> None:
    (m,) = g.find(f"yêu cầu {text} thực hiện")
    assert (m.text, m.canonical, m.group, m.level) == (text, canonical, True, "group")
    assert g.canonical_name(text) == canonical


# ---------------------------------------------------------------------------
# negatives
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "xây dựng kế hoạch triển khai",
        "quản lý tài chính công",
        "bảo đảm công an ninh trật tự",
        "theo Chỉ thị CT.03 ngày",
        "toàn bộ xây dựng cơ bản",
        "các cơ sở y tế",
        "cán bộ tư pháp xã",
        "đồng bộ giao thông",
        "nội vụ gia đình",
        "tổ chức phi chính phủ",
        "Bộ trưởng đã phát biểu",
        "các bộ phận chuyên môn",
    ],
)
def test_negatives(g: Gazetteer, text: str) -> None:
    assert g.find(text) == []


@pytest.mark.parametrize("name", ["", "   ", "Bộ Không Tồn Tại", "xây dựng", "Công ty ABC", "các đơn vị"])
def test_unknown_names_do_not_resolve(g: Gazetteer, name: str) -> None:
    assert g.canonical_name(name) is None


# ---------------------------------------------------------------------------
# organisation files
# ---------------------------------------------------------------------------


def test_example_organisation_file(g: Gazetteer) -> None:
    org = Gazetteer.load([EXAMPLE_FILE])
    assert len(org.agencies) > len(g.agencies)
    text = "Giao Phòng Tổng hợp chủ trì, phối hợp với các Phòng: Nội chính, Khoa giáo - Văn xã."
    assert [(m.text, m.canonical, m.enumeration is not None) for m in org.find(text)] == [
        ("Phòng Tổng hợp", "Phòng Tổng hợp", False),
        ("Nội chính", "Phòng Nội chính", True),
        ("Khoa giáo - Văn xã", "Phòng Khoa giáo - Văn xã", True),
    ]
    assert org.canonical_name("Phòng KTTH") == "Phòng Kinh tế ngành"
    assert org.canonical_name("Ban QLDA ĐTXD TP Cần Thơ") == "Ban Quản lý dự án đầu tư xây dựng thành phố Cần Thơ"
    assert "Phòng Tổng hợp" not in [m.canonical for m in g.find(text)]  # the packaged data alone does not know it


def test_organisation_file_adds_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "units.json"
    extra.write_text(
        json.dumps(
            {
                "agencies": [
                    {
                        "key": "to-cong-tac-06",
                        "name": "Tổ công tác Đề án 06",
                        "level": "organisation",
                        "head": "Tổ",
                        "short": "công tác Đề án 06",
                        "codes": ["TCT06"],
                        "aliases": ["Tổ Đề án 06"],
                        "replaced_by": None,
                        "effective": None,
                    },
                    {
                        "key": "bo-tai-chinh",
                        "name": "Bộ Tài chính",
                        "level": "ministry",
                        "head": "Bộ",
                        "short": "Tài chính",
                        "codes": ["BTC", "TC"],
                        "aliases": ["Bộ TC"],
                        "replaced_by": None,
                        "effective": None,
                    },
                ],
                "groups": [{"key": "cac-phong", "name": "các phòng chuyên môn", "aliases": []}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    org = Gazetteer.load([extra])
    assert found(org, "giao Tổ Đề án 06 và TCT06") == [
        ("Tổ Đề án 06", "Tổ công tác Đề án 06"),
        ("TCT06", "Tổ công tác Đề án 06"),
    ]
    assert org.canonical_name("Bộ Kế hoạch và Đầu tư") == "Bộ Tài chính"  # packaged replaced_by still works
    assert found(org, "các phòng chuyên môn") == [("các phòng chuyên môn", "các phòng chuyên môn")]
    assert sum(a.key == "bo-tai-chinh" for a in org.agencies) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"agencies": [{"key": "x", "name": "X", "replaced_by": "nowhere"}]}, "replaced_by"),
        ({"agencies": [{"key": "x", "name": "X"}, {"key": "x", "name": "Y"}]}, "duplicate"),
        ({"agencies": [{"key": "x", "name": ""}]}, "no name"),
        ({"agencies": {"key": "x"}}, "must be a list"),
        ([], "object"),
    ],
)
def test_bad_organisation_file(tmp_path: Path, content: object, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(GazetteerError, match=message):
        Gazetteer.load([bad])


def test_missing_organisation_file(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="cannot read"):
        Gazetteer.load([tmp_path / "missing.json"])


# ---------------------------------------------------------------------------
# performance
# ---------------------------------------------------------------------------


def test_load_and_find_are_fast(g: Gazetteer) -> None:
    load = min(_timed(Gazetteer.load) for _ in range(3))
    assert load < 0.3
    paragraph = (
        "Giao Bộ Kế hoạch và Đầu tư chủ trì, phối hợp với các Bộ: Tài chính, Tư pháp, Nội vụ và Ủy ban nhân dân "
        "tỉnh Thanh Hoá khẩn trương hoàn thiện Đề án, báo cáo Thủ tướng Chính phủ trong tháng 12 năm 2025. "
        "Các bộ, ngành, địa phương theo chức năng, nhiệm vụ được giao chủ động triển khai thực hiện. "
    )
    text = paragraph * (100_000 // len(paragraph))
    elapsed = min(_timed(lambda: g.find(text)) for _ in range(3))
    assert elapsed < 0.05 * 2  # budget 50 ms, with room for a slow CI machine


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


# ---------------------------------------------------------------------------
# properties of find(): offsets always point into the text given
# ---------------------------------------------------------------------------

FRAGMENTS = [
    "Giao",
    "Bộ Tài chính",
    "chủ trì",
    ",",
    "phối hợp với",
    "các Bộ:",
    "Tư pháp",
    "Nội vụ",
    "và",
    "Uỷ ban nhân dân",
    "tỉnh Thanh Hoá",
    "các bộ, ngành",
    "(",
    ")",
    "EVN",
    "TB-VPCP",
    "Sở Kế hoạch và Đầu tư",
    "TP HCM",
    "xã Tân Phú",
    "\n",
    ":",
    "Thường trực Tỉnh ủy",
    "Viện Khoa học",
    "Bộ Nội vụ",
    "các Tập đoàn:",
    "Điện lực Việt Nam",
]


_PROPERTY_GAZETTEER = Gazetteer.load()


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25), st.sampled_from(["NFC", "NFD"]))
@settings(max_examples=200, deadline=None)
def test_find_offsets_property(parts: list[str], form: str) -> None:
    g = _PROPERTY_GAZETTEER
    text = unicodedata.normalize(form, " ".join(parts))
    mentions = g.find(text)
    last_end = 0
    for m in mentions:
        assert last_end <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.key is None or m.canonical is not None
        last_end = m.end


def test_bare_unit_style(g: Gazetteer) -> None:
    assert g.canonical_name("Công ty Điện lực tỉnh Thanh Hóa") == "Công ty Điện lực Thanh Hóa"
    assert g.canonical_name("Thành đoàn Cần Thơ") == "Thành đoàn Cần Thơ"


def test_resolve_returns_current_agency(g: Gazetteer) -> None:
    agency = g.resolve("Bộ KH&ĐT")
    assert agency is not None
    assert (agency.key, agency.name, agency.level, agency.head, agency.short) == (
        "bo-tai-chinh",
        "Bộ Tài chính",
        "ministry",
        "Bộ",
        "Tài chính",
    )
    assert "BTC" in agency.codes
    province = g.resolve("Bình Dương")
    assert province is not None and (province.key, province.level) == ("ho-chi-minh", "province")
    group = g.resolve("các Bộ, ngành")
    assert group is not None and group.level == "group"
