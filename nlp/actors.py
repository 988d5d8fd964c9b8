"""Actors: who can be given a task in a meeting text.

Combines the gazetteer's named agencies with phrase patterns for what the gazetteer
cannot list: collective groups ("các Bộ, ngành, các địa phương"), role holders
("thủ trưởng các sở, ngành", "thành viên Tổ giúp việc"), project roles ("Chủ đầu
tư", "đơn vị tư vấn"), named leaders ("Phó Thủ tướng Bùi Thanh Sơn") and unknown
bodies recognised by their head word ("Ban Quản lý dự án …").

Pure: takes the normalised text and the gazetteer's mentions, returns spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from nlp.normalize import UPPER, fold


class MentionLike(Protocol):
    """What the actor layer needs from a gazetteer mention."""

    @property
    def start(self) -> int:
        """Start offset."""

    @property
    def end(self) -> int:
        """End offset."""

    @property
    def text(self) -> str:
        """The mention as written."""

    @property
    def name(self) -> str:
        """Full name as written."""

    @property
    def canonical(self) -> str | None:
        """Canonical current name, if known."""

    @property
    def level(self) -> str:
        """Gazetteer level."""

    @property
    def group(self) -> bool:
        """Whether it is a collective group."""

    @property
    def enumeration(self) -> int | None:
        """Id shared by items of one enumeration."""


@dataclass(frozen=True, slots=True)
class Actor:
    """A span of text naming someone who can receive a task."""

    start: int
    end: int
    text: str
    canonical: str | None
    kind: str  # agency | group | person | role | vague
    enumeration: int | None = None

    @property
    def is_leader(self) -> bool:
        """A named leader (usually the chair speaking, not an addressee)."""
        return self.kind == "person"


_UPPER = UPPER
_CAP = rf"[{_UPPER}][^\s,.;:()]*"  # a capitalised syllable
_NOT_HEAD = (  # a personal name never starts with an agency head word
    r"(?!(?:Bộ|Sở|Ban|Ủy|UBND|HĐND|Văn|Tập|Tổng|Cục|Vụ|Viện|Đài|Hội|Thành|Tỉnh|Thường|Chính|Quốc|Công|Ngân|Kho"
    r"|Thanh|Trung|Phòng|Đảng|Mặt|Tổ|TP|Nhà)\b)"
)
_NAME = rf"{_NOT_HEAD}{_CAP}(?:[ \t]+{_CAP}){{1,3}}"  # a personal name: 2-4 capitalised syllables

_LEADER_TITLE = (
    r"(?:Tổng Bí thư|Chủ tịch nước|Chủ tịch Quốc hội|Phó Thủ tướng(?: Chính phủ)?(?: Thường trực)?"
    r"|Thủ tướng(?: Chính phủ)?|Bộ trưởng|Thứ trưởng|Phó Chủ tịch(?: Thường trực)?|Chủ tịch|Phó Bí thư|Bí thư"
    r"|Trưởng Ban|Phó Trưởng Ban|Giám đốc|Phó Giám đốc|Chủ nhiệm|Chánh Văn phòng|Tổng Giám đốc)"
)
# "Phó Thủ tướng Bùi Thanh Sơn", "Thủ tướng Chính phủ Phạm Minh Chính", "ông Trần Việt Trường"
_PERSON = re.compile(
    rf"(?:(?:đồng chí|Đồng chí|đ/c|Ông|ông|Bà|bà)[ \t]+)?{_LEADER_TITLE}(?:[ \t]+{_NAME})?(?![^\s,.;:])"
    rf"|(?:đồng chí|Đồng chí|Ông|ông|Bà|bà)[ \t]+{_NAME}"
)

_GROUP_NOUN = (
    r"(?:bộ|ban|ngành|sở|cơ quan(?: ngang bộ)?|địa phương|tỉnh|thành phố|quận|huyện|thị xã|xã|phường|đặc khu"
    r"|cấp ủy|tổ chức đảng|chính quyền|đoàn thể|Mặt trận Tổ quốc|tổ chức chính trị - xã hội|tập đoàn"
    r"|tổng công ty|doanh nghiệp nhà nước|đơn vị|ban quản lý dự án|chủ đầu tư|nhà đầu tư|hội|hiệp hội"
    r"|phòng(?: chuyên môn| ban)?|trường|bệnh viện|trung tâm)"
)
_GROUP_MOD = (
    r"(?:[ \t]+(?:có liên quan|liên quan|Trung ương|trung ương|thành phố|tỉnh|địa phương|các cấp|trực thuộc"
    r"|thuộc thành phố|thuộc tỉnh|trên địa bàn(?: thành phố| tỉnh)?|được giao(?: chủ trì)?(?: thực hiện)?"
    r"|chức năng|có cụm công nghiệp))*"
)
# "các Bộ, ngành, các địa phương", "Các bộ, ban, ngành, cơ quan liên quan", "các địa phương"
_GROUP = re.compile(
    rf"(?<!\w)(?:các|Các|những|Những)[ \t]+{_GROUP_NOUN}(?:[ \t]*,[ \t]*(?:các[ \t]+)?{_GROUP_NOUN})*"
    rf"(?:[ \t]+và[ \t]+(?:các[ \t]+)?{_GROUP_NOUN}(?=[ \t]+(?:có[ \t]+)?liên quan))?{_GROUP_MOD}(?!\w)",
    re.IGNORECASE,
)
_ROLE_HEAD = r"(?:thủ trưởng|Thủ trưởng|thành viên|Thành viên|người đứng đầu|Người đứng đầu)"
_SPECIAL = re.compile(
    r"(?<!\w)(?:(?:các[ \t]+)?[Cc]hủ đầu tư(?:[ \t]+(?:dự án|các dự án))?|[Đđ]ơn vị tư vấn|[Nn]hà thầu"
    r"|Tổ (?:giúp việc|công tác(?: đặc biệt)?)|Ban Chỉ đạo|Hội đồng (?:thẩm định|kiểm tra)[^\s,.;]*"
    r"|Ban Quản lý (?:dự án|khu kinh tế|các khu công nghiệp|khu công nghiệp)(?: đầu tư xây dựng)?"
    r"(?: (?:công trình [^\s,.;]+(?: [^\s,.;]+)?|cấp xã|cấp tỉnh|tỉnh|thành phố|số \d+))?)(?!\w)"
)
# unknown bodies: a head word followed by capitalised words ("Ban Quản lý dự án Nhơn Trạch")
_HEAD = (
    r"(?:Bộ|Sở|Ban|Ủy ban|Tập đoàn|Tổng công ty|Công ty|Cục|Tổng cục|Vụ|Viện|Đài|Văn phòng|Thanh tra"
    r"|Kho bạc|Ngân hàng|Hội đồng|Đảng ủy|Đảng đoàn|Ban cán sự đảng|Thường trực|Tỉnh ủy|Thành ủy"
    r"|Trung tâm|Phòng|Chi cục|Công an|Bộ Chỉ huy|Liên đoàn|Hội|Trường|Bệnh viện|Tổ)"
)
_UNKNOWN_BODY = re.compile(rf"(?<!\w){_HEAD}(?:[ \t]+{_CAP})+(?:[ \t]+(?:và|-)[ \t]+{_CAP}(?:[ \t]+{_CAP})*)?")
_UNIT = r"(?:tỉnh|thành phố|quận|huyện|thị xã|xã|phường|đặc khu)"
# "Ủy ban nhân dân các xã, phường có cụm công nghiệp", "UBND quận, huyện", "HĐND tỉnh"
_LOCAL_GOV = re.compile(
    rf"(?<!\w)(?:Văn phòng[ \t]+)?(?:Ủy ban nhân dân|UBND|Hội đồng nhân dân|HĐND)(?:[ \t]+các)?[ \t]+{_UNIT}"
    rf"(?:[ \t]*,[ \t]*{_UNIT})*(?:[ \t]+(?:{_CAP}(?:[ \t]+{_CAP}){{0,3}}|có [^,.;:\n]{{3,40}}))?"
)
_PROVINCE_REF = re.compile(
    rf"(?<!\w)(?:tỉnh|thành phố|Thành phố|TP\.?)[ \t]+{_CAP}(?:[ \t]+{_CAP}){{0,3}}|(?<=[ \t])Tỉnh(?![ \t]+ủy)(?!\w)"
)

_VAGUE_GROUP = re.compile(
    r"^(?:các|những)[ \t]+(?:cơ quan|đơn vị)(?:[ \t]*,[ \t]*(?:các[ \t]+)?(?:cơ quan|đơn vị))*(?:\s|$)",
    re.IGNORECASE,
)
_VAGUE = {
    "các cơ quan",
    "các đơn vị",
    "các cơ quan, đơn vị",
    "các đơn vị liên quan",
    "các cơ quan liên quan",
    "các cơ quan, đơn vị liên quan",
    "các cơ quan, đơn vị có liên quan",
    "các đơn vị có liên quan",
    "các cơ quan có liên quan",
    "những cơ quan",
    "các hội",
    "các doanh nghiệp",
    "các nhà đầu tư",
}


def _is_vague(text: str) -> bool:
    return fold(text) in _VAGUE or bool(_VAGUE_GROUP.match(fold(text)))


def find_actors(text: str, mentions: Sequence[MentionLike]) -> list[Actor]:
    """Find every actor span in ``text`` (the normalised text the mentions refer to).

    Gazetteer mentions come first; pattern actors fill the gaps, and a longer
    pattern span that contains mentions (a role holder or a group around an
    agency name) replaces them.

    Args:
        text: normalised text.
        mentions: gazetteer mentions found in the same text.

    Returns:
        Non-overlapping actors sorted by start offset.
    """
    found: list[Actor] = []
    for m in mentions:
        kind = "group" if m.group else "agency"
        found.append(Actor(m.start, m.end, m.text, m.canonical, kind, m.enumeration))
    found = _add_patterns(text, found)
    found = _add_role_holders(text, found)
    return _drop_enumeration_heads(text, _attach_titles(text, sorted(found, key=lambda a: a.start)))


def _drop_enumeration_heads(text: str, actors: list[Actor]) -> list[Actor]:
    """Drop a group word that only heads an enumeration ("các Tập đoàn: A, B" keeps A and B)."""
    out: list[Actor] = []
    for i, a in enumerate(actors):
        nxt = actors[i + 1] if i + 1 < len(actors) else None
        if (
            a.kind in {"group", "vague"}
            and nxt is not None
            and nxt.enumeration is not None
            and re.fullmatch(r"\s*:?\s*", text[a.end : nxt.start])
        ):
            continue
        out.append(a)
    return out


def _attach_titles(text: str, actors: list[Actor]) -> list[Actor]:
    """Join a leader title and the body it heads: "Bộ trưởng Bộ Xây dựng", "Chủ tịch UBND TP Cần Thơ".

    The result is a person whose ``canonical`` is the body's, so a task given to
    "đồng chí Bộ trưởng Bộ Xây dựng" is tracked for Bộ Xây dựng.
    """
    out: list[Actor] = []
    for a in actors:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == "person"
            and a.kind in {"agency", "group"}
            and not text[prev.end : a.start].strip()
            and not re.search(rf"{_CAP}[ \t]+{_CAP}$", prev.text.split(" ", 1)[-1] if " " in prev.text else "")
        ):
            end = a.end
            name = re.match(rf"[ \t]+{_NAME}", text[end:])
            if name:
                end += name.end()
            out[-1] = Actor(prev.start, end, text[prev.start : end], a.canonical, "person", a.enumeration)
            continue
        out.append(a)
    return out


def _overlaps(a_start: int, a_end: int, actors: Sequence[Actor]) -> list[Actor]:
    return [x for x in actors if x.start < a_end and a_start < x.end]


def _add(found: list[Actor], new: Actor, *, replace_inside: bool, text: str = "") -> list[Actor]:
    clash = _overlaps(new.start, new.end, found)
    if not clash:
        return [*found, new]
    runs_past = any(c.end > new.end for c in clash)
    if new.kind == "person" and text and runs_past and all(c.start >= new.start and c.kind == "agency" for c in clash):
        # "Phó Chủ tịch Thường trực UBND thành phố Lê Anh Quân": the title runs into a body's name
        end = max(c.end for c in clash)
        name = re.match(rf"[ \t]+{_NAME}", text[end:])
        end += name.end() if name else 0
        canonical = clash[-1].canonical
        merged = Actor(new.start, end, text[new.start : end], canonical, "person")
        return [x for x in found if x not in clash] + [merged]
    inside = all(new.start <= c.start and c.end <= new.end for c in clash)
    longer = any(new.end - new.start > c.end - c.start for c in clash)
    if replace_inside and inside and (longer or new.kind == "person"):
        return [x for x in found if x not in clash] + [new]
    return found


def _add_patterns(text: str, found: list[Actor]) -> list[Actor]:
    for m in _PERSON.finditer(text):
        span = m.group(0).rstrip()
        found = _add(
            found, Actor(m.start(), m.start() + len(span), span, None, "person"), replace_inside=True, text=text
        )
    for m in _GROUP.finditer(text):
        span = m.group(0)
        kind = "vague" if _is_vague(span) else "group"
        found = _add(found, Actor(m.start(), m.end(), span, None, kind), replace_inside=True)
    for m in _SPECIAL.finditer(text):
        found = _add(found, Actor(m.start(), m.end(), m.group(0), None, "role"), replace_inside=True)
    for m in _LOCAL_GOV.finditer(text):
        found = _add(found, Actor(m.start(), m.end(), m.group(0), None, "agency"), replace_inside=True)
    for m in _PROVINCE_REF.finditer(text):
        found = _add(found, Actor(m.start(), m.end(), m.group(0), None, "agency"), replace_inside=False)
    for m in _UNKNOWN_BODY.finditer(text):
        found = _add(found, Actor(m.start(), m.end(), m.group(0), None, "agency"), replace_inside=False)
    return found


_ROLE_PREFIX = re.compile(rf"(?:{_ROLE_HEAD}|[Ll]ãnh đạo)\s+$")


def _add_role_holders(text: str, found: list[Actor]) -> list[Actor]:
    """Extend actors preceded by a role word: "thủ trưởng các sở, ngành" (lãnh đạo is dropped)."""
    out: list[Actor] = []
    for a in sorted(found, key=lambda x: x.start):
        window = text[max(0, a.start - 25) : a.start]
        m = _ROLE_PREFIX.search(window)
        if m and a.kind in {"group", "agency", "vague", "role"} and not m.group(0).lower().startswith("lãnh"):
            start = a.start - (len(window) - m.start())
            out.append(Actor(start, a.end, text[start : a.end], a.canonical, "role", a.enumeration))
        else:
            out.append(a)
    return out
