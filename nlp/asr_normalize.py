"""Normalisation of speech-to-text output, so that the extractor reads it like a written notice.

Whisper writes Vietnamese mostly in lower case ("giao sở tài chính chủ trì"), spells
numbers out ("ngày mười lăm tháng mười hai", "ba mươi phần trăm") and uses either
tone-mark style ("uỷ"/"ủy"). The extraction pipeline expects the written
conventions of Decree 30 documents: "Sở Tài chính", "ngày 15 tháng 12", "30%".
:func:`normalize_transcript` bridges the two, and only rewrites what it is sure of:

* tone placement and NFC (:func:`nlp.normalize.fix_tone_placement`);
* numbers as digits where the reading is unambiguous (:func:`numbers_to_digits`):
  dates, years, quarters and counts followed by a unit;
* the casing of agency names the gazetteer recognises (:func:`recase_agencies`);
* a capital letter at the start of each sentence (:func:`capitalize_sentences`).

Nothing is added, dropped or reordered: apart from casing, the only change is that
number words become digits (and "phần trăm" becomes "%"). Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from nlp.gazetteer import AgencyMention, Gazetteer
from nlp.normalize import fix_tone_placement, fold

__all__ = [
    "capitalize_sentences",
    "normalize_transcript",
    "numbers_to_digits",
    "parse_number_words",
    "recase_agencies",
]


def normalize_transcript(text: str, gazetteer: Gazetteer) -> str:
    """Normalise a transcript for extraction without changing its words.

    Args:
        text: speech-to-text output (any casing, either tone-mark style, NFC or NFD).
        gazetteer: the loaded agency gazetteer, whose names give the casing.

    Returns:
        NFC text in the traditional tone style, with unambiguous numbers as digits
        ("ngày 15 tháng 12 năm 2025", "30%", "20 ngày", "quý III"), recognised agency
        names in their written casing ("Sở Tài chính", "Ủy ban nhân dân tỉnh") and
        sentences starting with a capital letter.
    """
    out = fix_tone_placement(text)
    out = numbers_to_digits(out)
    out = recase_agencies(out, gazetteer)
    return capitalize_sentences(out)


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")

_DIGITS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9}
# after "mười": no "năm" ("mười năm" is ten years), no "mốt"/"tư"
_AFTER_TEN = {k: v for k, v in _DIGITS.items() if k != "năm"} | {"lăm": 5, "nhăm": 5}
# after "X mươi": "mốt" and "tư" too; no "năm" ("hai mươi năm" is twenty years, 25 is "hai mươi lăm")
_AFTER_TENS = _AFTER_TEN | {"mốt": 1, "tư": 4}
_ZERO_TENS = frozenset({"linh", "lẻ"})
_THOUSAND = frozenset({"nghìn", "ngàn"})
# words read digit by digit in a year ("năm hai không hai lăm")
_SPOKEN_DIGITS = _DIGITS | {"không": 0, "lăm": 5}
_NUMBER_WORDS = frozenset({*_DIGITS, *_AFTER_TENS, "mười", "mươi", "trăm", "không", *_ZERO_TENS, *_THOUSAND})
# a number right after these is part of something else: another number ("hai ba ngày"),
# an ordinal ("thứ hai", "lần thứ ba"), an estimate ("vài ba ngày")
_BLOCKS_NUMBER = frozenset(
    {*_DIGITS, "mười", "mươi", "trăm", "lăm", "mốt", "nhăm", *_THOUSAND, "thứ", "mấy", "vài", "dăm", "chục"}
)
# "mỗi tháng hai lần", "hằng quý một lần": the number counts, it does not name the period
_DISTRIBUTIVE = frozenset({"mỗi", "hằng", "hàng", "từng", "các", "những", "mấy", "vài"})
_DAY_WORDS = frozenset({"ngày", "mùng", "mồng"})
_RELATIVE_YEAR = frozenset({"nay", "này", "tới", "sau", "trước", "ngoái", "qua", "kế", "tiếp"})
_QUARTERS = {"một": "I", "hai": "II", "ba": "III", "bốn": "IV", "tư": "IV"}
_MONTH_WORDS = _DIGITS | {"tư": 4}
_MAX_DAY = 31
_MAX_MONTH = 12
_MIN_YEAR, _MAX_YEAR = 1900, 2199
_YEAR_DIGITS = 4
_MIN_GROUPED = 1000
_MULTIWORD_DAY = 10  # "ngày mười lăm" alone is a date; "ngày hai" alone is not

# units after a count: "hai mươi ngày" -> "20 ngày"; "phần trăm" becomes "%"
_PERCENT = ("phần", "trăm")
_UNITS: frozenset[tuple[str, ...]] = frozenset(
    tuple(u.split())
    for u in (
        "phần trăm",
        "ngày",
        "tuần",
        "tháng",
        "năm",
        "quý",
        "giờ",
        "phút",
        "giây",
        "lần",
        "buổi",
        "đợt",
        "người",
        "đồng",
        "tỷ",
        "tỉ",
        "triệu",
        "km",
        "ki lô mét",
        "mét",
        "ha",
        "héc ta",
        "hécta",
        "tấn",
        "hộ",
        "xã",
        "phường",
        "tỉnh",
        "huyện",
        "thôn",
        "dự án",
        "công trình",
        "nhiệm vụ",
        "chỉ tiêu",
        "tiêu chí",
        "trường",
        "học sinh",
        "cán bộ",
        "đơn vị",
        "cơ quan",
        "văn bản",
        "hồ sơ",
        "doanh nghiệp",
        "bệnh viện",
        "trạm",
        "căn hộ",
        "căn",
        "giường",
        "lượt",
        "ca",
        "mẫu",
        "tuyến",
        "cây số",
        "lít",
        "kg",
        "cuộc",
    )
)
_UNIT_FIRST = frozenset(u[0] for u in _UNITS)
_MAX_UNIT_WORDS = max(len(u) for u in _UNITS)


@dataclass(frozen=True, slots=True)
class _Num:
    value: int
    end: int  # token index after the number
    words: int


@dataclass(frozen=True, slots=True)
class _Edit:
    first: int  # first token replaced
    last: int  # last token replaced (inclusive)
    text: str


class _Tokens:
    """The words of a text, folded, with whether each is followed by plain spacing only."""

    def __init__(self, text: str) -> None:
        self.spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self.words = [fold(text[s:e]) for s, e in self.spans]
        self.raw = [text[s:e] for s, e in self.spans]
        self.n = len(self.spans)
        # joined[k]: word k and word k + 1 are separated by spaces only (no comma, no line break)
        self.joined = [text[self.spans[k][1] : self.spans[k + 1][0]].strip(" \t") == "" for k in range(self.n - 1)] + [
            False
        ]

    def at(self, k: int, after: int) -> str | None:
        """Word ``k`` if it directly follows word ``after`` (spaces only between them)."""
        if 0 <= after < k < self.n and k == after + 1 and self.joined[after]:
            return self.words[k]
        return None

    def before(self, k: int) -> str | None:
        """The word right before word ``k`` in the same phrase, or None."""
        return self.words[k - 1] if k > 0 and self.joined[k - 1] else None

    def next(self, k: int) -> str | None:
        """The word right after the word before ``k`` (that is, word ``k`` when joined to it)."""
        return self.at(k, k - 1)


def _below_thousand(t: _Tokens, i: int) -> _Num | None:
    """A number below 1000 starting at word ``i`` ("mười lăm", "ba mươi mốt", "một trăm linh năm")."""
    w = t.words[i]
    if w == "mười":
        return _with_digit(t, i, 10, i + 1, _AFTER_TEN)
    if w not in _DIGITS:
        return None
    d = _DIGITS[w]
    nxt = t.at(i + 1, i)
    if nxt == "mươi" and d >= 2:  # noqa: PLR2004 - "một mươi" is not a number
        return _with_digit(t, i, d * 10, i + 2, _AFTER_TENS)
    if nxt == "trăm":
        rest = _tail(t, i + 2)
        end = rest.end if rest is not None else i + 2
        return _Num(d * 100 + (rest.value if rest is not None else 0), end, end - i)
    return _Num(d, i + 1, 1)


def _with_digit(t: _Tokens, i: int, tens: int, j: int, digits: dict[str, int]) -> _Num:
    """Tens read from word ``i`` up to word ``j``, plus the digit at ``j`` if there is one ("mười lăm")."""
    u = t.at(j, j - 1)
    if u is not None and u in digits:
        return _Num(tens + digits[u], j + 1, j + 1 - i)
    return _Num(tens, j, j - i)


def _tail(t: _Tokens, j: int) -> _Num | None:
    """What may follow "trăm" or "nghìn": "linh năm", "mười lăm", "hai mươi" (a bare digit is ambiguous)."""
    w = t.at(j, j - 1)
    if w is None:
        return None
    if w in _ZERO_TENS:
        d = t.at(j + 1, j)
        return _Num(_DIGITS[d], j + 2, 2) if d in _DIGITS else None
    if w == "mười" or (w in _DIGITS and t.at(j + 1, j) == "mươi"):
        return _below_thousand(t, j)
    return None


def _number(t: _Tokens, i: int) -> _Num | None:
    """The longest number spelled out from word ``i`` (up to the thousands), or None."""
    first = _below_thousand(t, i)
    if first is None:
        return None
    j = first.end
    if t.at(j, j - 1) not in _THOUSAND:
        return first
    value, j = first.value * 1000, j + 1
    if t.at(j, j - 1) == "không" and t.at(j + 1, j) == "trăm":  # "hai nghìn không trăm hai mươi lăm"
        rest = _tail(t, j + 2)
        end = rest.end if rest else j + 2
        return _Num(value + (rest.value if rest else 0), end, end - i)
    w = t.at(j, j - 1)
    rest = _below_thousand(t, j) if w in _DIGITS and t.at(j + 1, j) == "trăm" else _tail(t, j)
    if rest is not None:
        return _Num(value + rest.value, rest.end, rest.end - i)
    return _Num(value, j, j - i)


def parse_number_words(text: str) -> int | None:
    """The value of a Vietnamese number written in words, when the whole text is one number.

    Args:
        text: e.g. "hai nghìn không trăm hai mươi lăm", "ba mươi mốt", "một trăm linh năm".

    Returns:
        The number (2025, 31, 105), or None when ``text`` is not exactly one number
        ("hai ba", "mười năm", "năm nay").
    """
    t = _Tokens(text)
    if t.n == 0:
        return None
    num = _number(t, 0)
    return num.value if num is not None and num.end == t.n else None


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", ".") if value >= _MIN_GROUPED else str(value)


class _NumberScan:
    """One left-to-right pass over the words of a text, collecting number rewrites."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.t = _Tokens(text)
        self.edits: list[_Edit] = []
        self.day_end = -1  # word index right after the last day number ("ngày 15" -> "tháng")

    def run(self) -> str:
        t = self.t
        i = 0
        while i < t.n:
            w = t.words[i]
            end: int | None = None
            if w == "ngày" or w in {"mùng", "mồng"}:
                end = self._day(i)
            elif w == "tháng":
                end = self._month(i)
            elif w == "năm":
                end = self._year(i)
            elif w == "quý":
                end = self._quarter(i)
            if end is None and (w in _DIGITS or w == "mười"):
                end = self._count(i)
            i = end if end is not None else i + 1
        return self._apply()

    def _apply(self) -> str:
        out: list[str] = []
        pos = 0
        for e in self.edits:
            start, end = self.t.spans[e.first][0], self.t.spans[e.last][1]
            out += [self.text[pos:start], e.text]
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    def _free_after(self, k: int) -> bool:
        """Word ``k`` (right after a number) does not continue or count it."""
        w = self.t.next(k)
        return w is None or (w not in _NUMBER_WORDS and w not in _UNIT_FIRST)

    def _month_at(self, j: int) -> _Num | None:
        """A month number at word ``j`` (spelled or in digits)."""
        t = self.t
        w = t.next(j)
        if w is None:
            return None
        if w.isdigit():
            return _Num(int(w), j + 1, 1) if 1 <= int(w) <= _MAX_MONTH else None
        if w == "tư":
            return _Num(4, j + 1, 1)
        num = _number(t, j) if w in _MONTH_WORDS or w == "mười" else None
        return num if num is not None and 1 <= num.value <= _MAX_MONTH else None

    def _year_follows(self, k: int) -> bool:
        """Word ``k`` is "năm" followed by a year or a relative word ("năm 2025", "năm nay")."""
        t = self.t
        if t.next(k) != "năm":
            return False
        w = t.at(k + 1, k)
        return w is not None and (
            w in _RELATIVE_YEAR or (w.isdigit() and len(w) == _YEAR_DIGITS) or bool(self._year_num(k + 1))
        )

    def _year_num(self, j: int) -> _Num | None:
        t = self.t
        if t.next(j) is None:
            return None
        num = _number(t, j)
        if num is not None and _MIN_YEAR <= num.value <= _MAX_YEAR:
            return num
        digits = [t.at(j + k, j + k - 1) for k in range(_YEAR_DIGITS)]
        if all(d in _SPOKEN_DIGITS for d in digits):  # "hai không hai lăm"
            value = int("".join(str(_SPOKEN_DIGITS[d]) for d in digits if d is not None))
            if _MIN_YEAR <= value <= _MAX_YEAR:
                return _Num(value, j + _YEAR_DIGITS, _YEAR_DIGITS)
        return None

    def _day(self, i: int) -> int | None:
        """Days: "ngày mười lăm tháng ...", "ngày hai mươi", "mùng năm" -> digits."""
        t = self.t
        prev = t.before(i)
        weekday = t.before(i - 1) == "thứ"  # "thứ hai ngày mười lăm"
        if prev in _DISTRIBUTIVE or (prev in _BLOCKS_NUMBER and not weekday):
            return None
        w = t.at(i + 1, i)
        if w is None or (w not in _DIGITS and w != "mười"):
            return None
        num = _number(t, i + 1)
        if num is None or not 1 <= num.value <= _MAX_DAY:
            return None
        k = num.end
        month = t.next(k) == "tháng" and self._month_at(k + 1) is not None
        alone_ok = (num.value >= _MULTIWORD_DAY or t.words[i] != "ngày") and self._free_after(k)
        if not (month or alone_ok):
            return None
        self.edits.append(_Edit(i + 1, k - 1, str(num.value)))
        self.day_end = k
        return k

    def _month(self, i: int) -> int | None:
        """Months: "tháng mười hai" -> "tháng 12" when it names a month, not a count ("mỗi tháng hai lần")."""
        t = self.t
        num = self._month_at(i + 1)
        if num is None or t.words[i + 1].isdigit():
            return None
        k = num.end
        date = i == self.day_end or (
            i >= 2  # noqa: PLR2004 - "ngày" and the day before "tháng"
            and t.before(i) is not None
            and t.words[i - 1].isdigit()
            and t.before(i - 1) in _DAY_WORDS
        )
        prev = t.before(i)
        if not date and (prev in _DISTRIBUTIVE or prev in _BLOCKS_NUMBER):
            return None
        year = self._year_follows(k)
        after = t.next(k)
        if not year and after is not None and (after in _NUMBER_WORDS or after in _UNIT_FIRST):
            return None
        if not (date or year or num.value not in {1, 5}):  # "tháng một", "tháng năm": need a date or a year
            return None
        self.edits.append(_Edit(i + 1, k - 1, str(num.value)))
        return k

    def _year(self, i: int) -> int | None:
        """Years: "năm hai nghìn không trăm hai mươi lăm" -> "năm 2025"."""
        num = self._year_num(i + 1)
        if num is None or not self._free_after(num.end):
            return None
        self.edits.append(_Edit(i + 1, num.end - 1, str(num.value)))
        return num.end

    def _quarter(self, i: int) -> int | None:
        """Quarters: "quý ba" -> "quý III" (the form the deadline finder reads)."""
        t = self.t
        w = t.at(i + 1, i)
        if w not in _QUARTERS:
            return None
        prev = t.before(i)
        if prev in _DISTRIBUTIVE or prev in _BLOCKS_NUMBER:
            return None
        if t.raw[i][:1].isupper() and prev is not None:
            return None  # "anh Quý ba ...": a name in mid-sentence
        k = i + 2
        after = t.next(k)
        if not self._year_follows(k) and after is not None and (after in _NUMBER_WORDS or after in _UNIT_FIRST):
            return None
        self.edits.append(_Edit(i + 1, i + 1, _QUARTERS[w]))
        return k

    def _unit_at(self, k: int) -> tuple[str, ...] | None:
        """The longest unit starting at word ``k`` (joined to the number before it)."""
        t = self.t
        if t.next(k) not in _UNIT_FIRST:
            return None
        best: tuple[str, ...] | None = None
        words = [t.words[k]]
        for m in range(1, _MAX_UNIT_WORDS + 1):
            if tuple(words) in _UNITS:
                best = tuple(words)
            w = t.at(k + m, k + m - 1)
            if w is None:
                break
            words.append(w)
        return best

    def _count(self, i: int) -> int | None:
        """Counts: "ba mươi phần trăm" -> "30%", "hai mươi ngày" -> "20 ngày", "ba phẩy năm tỷ" -> "3,5 tỷ"."""
        t = self.t
        num = _number(t, i) if t.before(i) not in _BLOCKS_NUMBER else None
        if num is None:
            return None
        written = self._decimal(num) if t.next(num.end) == "phẩy" else (_grouped(num.value), num.end)
        if written is None:
            return None
        text, k = written
        unit = self._unit_at(k)
        if unit is None or not self._count_ok(i, num, unit, decimal="," in text):
            return None
        end = k + len(unit)
        if unit == _PERCENT:
            self.edits.append(_Edit(i, end - 1, text + "%"))
        else:
            self.edits.append(_Edit(i, k - 1, text))
        return end

    def _decimal(self, num: _Num) -> tuple[str, int] | None:
        """Decimals: "ba phẩy năm" -> ("3,5", end), "hai phẩy không năm" -> ("2,05", end)."""
        t = self.t
        j = num.end + 1
        zeros = 0
        while t.at(j, j - 1) == "không":
            zeros, j = zeros + 1, j + 1
        w = t.at(j, j - 1)
        frac = _number(t, j) if w is not None and (w in _DIGITS or w == "mười") else None
        if frac is None and zeros == 0:
            return None
        digits = "0" * zeros + (str(frac.value) if frac is not None else "")
        return f"{num.value},{digits}", (frac.end if frac is not None else j)

    def _count_ok(self, i: int, num: _Num, unit: tuple[str, ...], *, decimal: bool) -> bool:
        """Whether a count before ``unit`` is surely a number."""
        t = self.t
        if unit != _PERCENT and not decimal and num.words == 1 and t.words[i] in {"một", "năm"}:
            return False  # "một số", "một lần", "năm ngày" (the year or five?)
        after = t.next(num.end + len(unit)) if not decimal else None
        return not (unit == ("năm",) and after is not None and (after in _NUMBER_WORDS or after in _UNIT_FIRST))


def numbers_to_digits(text: str) -> str:
    """Write Vietnamese number words as digits where the reading is unambiguous.

    Rewritten: dates ("ngày mười lăm tháng mười hai" -> "ngày 15 tháng 12", "mùng năm"
    -> "mùng 5"), years ("năm hai nghìn không trăm hai mươi lăm" -> "năm 2025"),
    quarters ("quý ba" -> "quý III"), and counts followed by a unit ("hai mươi ngày"
    -> "20 ngày", "ba mươi phần trăm" -> "30%", "ba phẩy năm tỷ" -> "3,5 tỷ").

    Left alone: idioms and ambiguous uses ("một số", "một lần", "năm nay", "năm
    ngày", "thứ hai", "lần thứ ba", "hai ba ngày", "mỗi tháng hai lần", "tháng
    năm" without a day or a year), and numbers without a unit.

    Args:
        text: NFC text.

    Returns:
        The text with those numbers as digits; everything else unchanged.
    """
    return _NumberScan(text).run()


# ---------------------------------------------------------------------------
# agency names
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _title_words(text: str) -> str:
    """Every word with a capital first letter (same length as ``text``)."""

    def cap(m: re.Match[str]) -> str:
        word = m.group(0)
        first = word[0].upper()
        return first + word[1:] if len(first) == 1 else word

    return _WORD.sub(cap, text)


def _key(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(fold(tok) for tok in tokens)


def _toks(text: str) -> list[str]:
    return _TOKEN.findall(text)


class _Recaser:
    """Collects casing edits for the agency names of one text."""

    def __init__(self, text: str, gazetteer: Gazetteer) -> None:
        self.text = text
        self.gazetteer = gazetteer
        self.names: dict[tuple[str, ...], str] = {}  # folded tokens -> a name as written in the data
        self.shorts: dict[tuple[str, ...], str] = {}  # the same for names without their head ("Tài chính")
        probe: str | None = None
        for a in gazetteer.agencies:
            for name in (a.name, *a.aliases):
                self.names.setdefault(_key(_toks(name)), name)
            if a.head and a.short:
                self.shorts.setdefault(_key(_toks(a.short)), a.short)
                if probe is None and " " not in a.head:
                    probe = f"{a.head.lower()} {a.short}"
        self.probe = probe
        self.blocking: dict[str, bool] = {}

    def _blocks(self, word: str) -> bool:
        """Whether the gazetteer reads ``word`` + a lower-case head as a common word ("cán bộ", "cơ sở").

        Asked of the gazetteer itself with a known name ("cán bộ Quốc phòng" finds
        nothing, "giao bộ Quốc phòng" finds the ministry), so its rule is not copied here.
        """
        if self.probe is None:
            return False
        key = fold(word)
        if key not in self.blocking:
            at = len(word) + 1
            found = self.gazetteer.find(f"{word} {self.probe}")
            self.blocking[key] = not any(m.start <= at < m.end or m.enumeration is not None for m in found)
        return self.blocking[key]

    def _shrink(self, titled: str, m: AgencyMention) -> AgencyMention | None:
        """A known body at the start of a mention that ran into ordinary words.

        With every word capitalised, "Ủy Ban Nhân Dân Tỉnh Chỉ Đạo" reads as the
        council of an unknown province "Chỉ Đạo"; cutting words off the end finds
        "Ủy Ban Nhân Dân Tỉnh".
        """
        cuts = [e.end() for e in _WORD.finditer(titled, m.start, m.end)][:-1]
        for cut in reversed(cuts):
            sub = titled[m.start : cut]
            found = self.gazetteer.find(sub)
            if found and found[0].start == 0 and found[0].end == len(sub) and found[0].key is not None:
                return replace(found[0], start=m.start, end=cut, text=self.text[m.start : cut])
        return None

    def candidates(self) -> list[tuple[int, int, str]]:
        """(start, end, recased text) for every mention with a sure casing."""
        out: list[tuple[int, int, str]] = []
        for found in self.gazetteer.find(self.text):
            edit = self._edit(found)
            if edit is not None:
                out.append(edit)
        titled = _title_words(self.text)
        for found in self.gazetteer.find(titled):
            m: AgencyMention | None = found
            if found.key is None and found.enumeration is None and not found.group:
                m = self._shrink(titled, found)
            if m is None or m.key is None or self._blocked(m):
                continue
            edit = self._edit(m)
            if edit is not None:
                out.append(edit)
        return out

    def _blocked(self, m: AgencyMention) -> bool:
        """A lower-case first word glued to the word before it ("cán bộ công an" is a police officer)."""
        if m.enumeration is not None or not self.text[m.start : m.start + 1].islower():
            return False
        before = _TOKEN.findall(self.text[max(0, m.start - 40) : m.start])
        return bool(before) and bool(_WORD.fullmatch(before[-1])) and self._blocks(before[-1])

    def _edit(self, m: AgencyMention) -> tuple[int, int, str] | None:
        written = self.text[m.start : m.end]
        if written.isupper():
            return None  # a heading in capitals ("BỘ TÀI CHÍNH") stays as it is
        wtoks = [(x.start(), x.group(0)) for x in _TOKEN.finditer(written)]
        target = _key(_toks(m.name))
        form = m.canonical if m.canonical and _key(_toks(m.canonical)) == target else self.names.get(target)
        new: list[str | None] = [None] * len(wtoks)
        words = [w for _, w in wtoks]
        if form is not None:
            _align(words, _toks(form), new)
        elif m.canonical and m.key is not None:  # an alias or an old name: what can be matched
            _align(words, _toks(m.canonical), new)
            self._fill_short(words, new)
        province = m.level == "province"
        if province:
            new[0] = None  # "tỉnh Thanh Hóa", not "Tỉnh Thanh Hóa"
        if form is None and all(x is None for x in new):
            return None  # nothing known about this name's casing
        out: list[str] = []
        for k, (_, w) in enumerate(wtoks):
            tok = new[k] if new[k] is not None else w
            assert tok is not None  # noqa: S101 - for mypy
            if k == 0 and (w[:1].isupper() or (not m.group and not province)):
                tok = tok[:1].upper() + tok[1:]  # names start with a capital; never lower a sentence start
            if m.group and w != tok and any(a.isupper() and not b.isupper() for a, b in zip(w, tok, strict=False)):
                tok = w  # "các Sở, ngành" keeps its capital
            out.append(tok)
        rebuilt = _rejoin(written, wtoks, out)
        if rebuilt == written:
            return None
        return m.start, m.end, rebuilt

    def _fill_short(self, words: Sequence[str], new: list[str | None]) -> None:
        """Name the part after the head by a known short name ("sở kế hoạch và đầu tư" -> "Kế hoạch và Đầu tư")."""
        n = len(words)
        for s in range(1, n):
            for e in range(n, s, -1):
                short = self.shorts.get(_key(words[s:e]))
                if short is not None and all(x is None for x in new[s:e]):
                    new[s:e] = _toks(short)
                    return


def _align(words: Sequence[str], form: Sequence[str], new: list[str | None]) -> None:
    """Copy the casing of ``form`` onto ``words`` where they agree, from the end and from the start."""
    k = 1
    while k <= min(len(words), len(form)) and fold(words[-k]) == fold(form[-k]):
        new[len(words) - k] = form[-k]
        k += 1
    k = 0
    while k < min(len(words), len(form)) and new[k] is None and fold(words[k]) == fold(form[k]):
        new[k] = form[k]
        k += 1


def _rejoin(written: str, wtoks: Sequence[tuple[int, str]], new: Sequence[str]) -> str:
    out: list[str] = []
    pos = 0
    for (start, old), tok in zip(wtoks, new, strict=True):
        out += [written[pos:start], tok]
        pos = start + len(old)
    out.append(written[pos:])
    return "".join(out)


def recase_agencies(text: str, gazetteer: Gazetteer) -> str:
    """Give the agency names of ``text`` their written casing.

    The gazetteer matches lower-case heads ("ủy ban nhân dân tỉnh") but wants the
    name proper capitalised ("Sở Tài chính"), as written documents have it. Here it
    also reads the text with every word capitalised, keeps the known bodies it finds
    (not the ones glued to the word before: "cán bộ công an", "cơ sở y tế"), and
    copies the casing of the name as the gazetteer writes it: "sở tài chính" ->
    "Sở Tài chính", "bộ nông nghiệp và môi trường" -> "Bộ Nông nghiệp và Môi trường",
    "ủy ban nhân dân tỉnh thanh hóa" -> "Ủy ban nhân dân tỉnh Thanh Hóa". Old names keep
    their words ("Bộ Kế hoạch và Đầu tư" is not replaced by its successor).

    Args:
        text: NFC text in the traditional tone style (see :func:`nlp.normalize.fix_tone_placement`).
        gazetteer: the loaded gazetteer.

    Returns:
        ``text`` with only the casing of whole recognised names changed.
    """
    recaser = _Recaser(text, gazetteer)
    edits = sorted(recaser.candidates(), key=lambda e: (e[0], e[0] - e[1]))
    out: list[str] = []
    pos = 0
    for start, end, new in edits:
        if start < pos:
            continue  # overlaps a longer (or earlier) name
        out += [text[pos:start], new]
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------

# a sentence end: ". ", "? ", "! " (possibly after a closing quote or bracket), not "..."
_STOP = re.compile(r"(?<![.…])[.!?][\"”’)\]]*\s+(?=[^\W\d_])")
_FIRST_LETTER = re.compile(r"\s*(?=[^\W\d_])")
_LAST_WORD = re.compile(r"(?:^|(?<=\W))(\w*)$")
# abbreviations that end with a full stop in running text ("TP. Hồ Chí Minh", "ThS. Lê Văn A")
_ABBREVIATIONS = frozenset({"tp", "tx", "tt", "ts", "ths", "gs", "pgs", "bs", "ks", "kt", "tl", "tm", "tuq", "q", "p"})
_WINDOW = 40


def capitalize_sentences(text: str) -> str:
    """Capitalise the first letter of the text and of every sentence after ". ", "? " or "! ".

    A full stop after an abbreviation ("TP. hồ chí minh", "v.v. và") or a single
    letter, and an ellipsis, are not taken as the end of a sentence; a full stop
    after a number is ("năm 2025. giao").

    Args:
        text: any text.

    Returns:
        ``text`` with those letters in upper case.
    """
    chars = list(text)

    def up(pos: int) -> None:
        upper = chars[pos].upper()
        if chars[pos].islower() and len(upper) == 1:
            chars[pos] = upper

    first = _FIRST_LETTER.match(text)
    if first is not None:
        up(first.end())
    for m in _STOP.finditer(text):
        before = text[max(0, m.start() - _WINDOW) : m.start()]
        last = _LAST_WORD.search(before)
        word = last.group(1) if last is not None else ""
        glued = before[: len(before) - len(word)].endswith(".")  # "v.v."
        short = len(word) < 2 and not word.isdigit()  # noqa: PLR2004 - one letter: an initial ("A. Nguyễn")
        if word and not short and not glued and word.lower() not in _ABBREVIATIONS:
            up(m.end())
    return "".join(chars)
