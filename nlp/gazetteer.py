"""Agency gazetteer: names, codes and old names of Vietnamese bodies, and a fast matcher.

The gazetteer is reviewed DATA (``nlp/data/agencies.json``) plus any number of
organisation files with the same schema, passed to :meth:`Gazetteer.load`.

Schema of a gazetteer file (every section is optional in an organisation file)
-------------------------------------------------------------------------------
``agencies``: named bodies, one object each:

* ``key``: stable id ("bo-tai-chinh"); an entry with a key already loaded
  replaces it (an organisation file may correct packaged data).
* ``name``: canonical current name ("Bộ Tài chính"), NFC, traditional tone
  placement ("Ủy", "Hòa").
* ``level``: "central", "ministry", "ministerial", "government-agency", "state",
  "judicial", "unit", "party", "assembly", "front", "state-group", or any
  organisation-defined value ("organisation", "department", ...).
* ``head`` / ``short``: type word and the rest of the name ("Bộ" / "Tài chính");
  enumerations "các Bộ: Tài chính, Nội vụ" list the ``short`` names after the
  ``head``. Both null when the name has no such split ("Chính phủ").
* ``codes``: abbreviations ("BTC", "TC"). In running text only codes of three or
  more letters are matched (case-sensitive, whole word, not inside a document
  number such as "TB-VPCP"); two-letter codes are used by :meth:`Gazetteer.resolve`
  and inside enumerations ("Các Bộ: CA, TC").
* ``aliases``: other full names ("Bộ Công thương", "Tập đoàn Dầu khí Việt Nam").
* ``replaced_by``: key of the body that took over (merges of 1/3/2025), or null.
* ``effective``: ISO date the change (creation or replacement) took effect, or null.
* ``note``: free text for reviewers (optional).

``provinces``: the 34 provincial units (from 12/6/2025): ``key``, ``name``
("Thanh Hóa"), ``type`` ("tỉnh" | "thành phố"), ``former`` (names of the provinces
merged into it, resolving to it), ``aliases`` (other spellings: "HCM", "TP.HCM").
Province names are matched case-sensitively (or in capitals) after a unit word
("tỉnh", "thành phố", "TP", see ``unit_words``), in enumerations, and inside
provincial bodies ("Tỉnh ủy Thanh Hóa").

``provincial_bodies``: templates of bodies that every province has. Same fields
as ``agencies``; ``name`` and ``aliases`` end with a slot:

* ``{unit}``: an optional province reference: a unit word with a province name
  ("tỉnh Thanh Hóa", "TP Cần Thơ"), a bare province name, a unit word alone
  ("UBND tỉnh"), or nothing ("Sở Nội vụ").
  ``"slot": "required"`` makes it mandatory ("Công an tỉnh"); ``"unit_style": "bare"``
  writes the canonical name without the unit word ("Công ty Điện lực Thanh Hóa").
* ``{party}``: a party committee word ("Tỉnh ủy", "Thành ủy", see ``party_words``),
  optionally followed by a province name ("Ban Tổ chức Tỉnh ủy Thanh Hóa").
  A template whose name is just ``{party}`` is the committee itself.

``commune_patterns``: templates of commune- and district-level bodies. Slot
``{local}`` is a local unit word (``local_unit_words``: "xã", "phường", "đặc khu",
and the pre-7/2025 "quận", "huyện", "thị xã"...) with an optional name ("xã Tân
Phú", "phường 3"), required unless ``"slot": "optional"``; ``{name}`` is an optional
capitalised name ("Quận ủy Ninh Kiều"). Their mentions have no key (pattern only)
but a canonical name; the level comes from the unit word ("commune", "district").

``groups``: generic collective subjects ("các bộ, ngành", "các địa phương"):
``key``, ``name``, ``aliases``; ``group_suffixes`` lists words that may follow a
group ("liên quan", "có liên quan").

``unit_words``, ``party_words``, ``local_unit_words``: word -> "tỉnh" / "thành
phố" / level. ``enumeration_heads``: generic words that may head an
enumeration ("các Bộ, cơ quan: …") -> "any" (items are full names) or
"province" (items are province names). ``subunit_heads``: head words of units
named with their parent in brackets ("Viện Khoa học tổ chức nhà nước (Bộ Nội
vụ)").

Matching
--------
Text is normalised first (:func:`nlp.normalize.normalize`: NFC, traditional tone
placement); offsets are reported in the text given. Matching works on word and
punctuation tokens, so spacing around hyphens and commas does not matter
("Công nghiệp-Năng lượng" = "Công nghiệp - Năng lượng"). Head words are matched
case-insensitively, the first word after the head must keep the case of its first
letter ("các bộ Tài chính" matches, "toàn bộ xây dựng" does not), proper names of
provinces and codes are case-sensitive. All candidate matches at a position are
compared and the longest one wins; matches do not overlap.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.normalize import fix_tone_placement, normalize

DATA_FILE = Path(__file__).with_name("data") / "agencies.json"
_SECTIONS = ("agencies", "provinces", "provincial_bodies", "commune_patterns", "groups")
_MAPS = ("unit_words", "party_words", "local_unit_words", "enumeration_heads")
_LISTS = ("group_suffixes", "subunit_heads")


@dataclass(frozen=True, slots=True)
class Agency:
    """A body known to the gazetteer (or built from a provincial template and a province)."""

    key: str
    name: str
    level: str
    head: str | None
    short: str | None
    codes: tuple[str, ...]
    aliases: tuple[str, ...]
    replaced_by: str | None


@dataclass(frozen=True, slots=True)
class AgencyMention:
    """An agency found in a text.

    ``start``/``end`` are offsets into the text given to :meth:`Gazetteer.find`;
    ``text`` is that slice. For an item of an enumeration ("các Bộ: Tư pháp, Nội
    vụ") ``text`` is the item ("Tư pháp") and ``name`` adds the head ("Bộ Tư pháp").
    ``key``/``canonical`` name the current body (after following ``replaced_by``).
    """

    start: int
    end: int
    text: str
    name: str
    key: str | None
    canonical: str | None
    level: str
    group: bool = False
    enumeration: int | None = None


class GazetteerError(ValueError):
    """A gazetteer file is malformed or inconsistent."""


# ---------------------------------------------------------------------------
# data loading and validation
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _nice(text: str) -> str:
    """NFC, traditional tone placement, single spaces."""
    return re.sub(r"\s+", " ", fix_tone_placement(unicodedata.normalize("NFC", text))).strip()


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read gazetteer file: {exc}") from exc
    if not isinstance(data, dict):
        raise GazetteerError(f"{path}: top level must be a JSON object")
    return data


def _section_entries(path: Path, data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """The entries of one section of one file, checked (keys present and unique, names present)."""
    entries = data.get(section, [])
    if not isinstance(entries, list):
        raise GazetteerError(f"{path}: '{section}' must be a list")
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise GazetteerError(f"{path}: {section}[{i}] must be an object")
        key, name = entry.get("key"), entry.get("name")
        if not isinstance(key, str) or not key.strip():
            raise GazetteerError(f"{path}: {section}[{i}] has no key")
        if not isinstance(name, str) or not name.strip():
            raise GazetteerError(f"{path}: {section} '{key}' has no name")
        if key in seen:
            raise GazetteerError(f"{path}: duplicate key '{key}' in {section}")
        seen.add(key)
    return entries


def _merge(files: Iterable[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """Merge gazetteer files in order; a later entry with a known key replaces the earlier one."""
    merged: dict[str, Any] = {s: {} for s in _SECTIONS}
    merged.update({m: {} for m in _MAPS})
    merged.update({li: [] for li in _LISTS})
    for path, data in files:
        for section in _SECTIONS:
            merged[section].update((e["key"], e) for e in _section_entries(path, data, section))
        for name in (*_MAPS, *_LISTS):
            value = data.get(name, {} if name in _MAPS else [])
            if name in _MAPS and isinstance(value, dict):
                merged[name].update(value)
            elif name in _LISTS and isinstance(value, list):
                merged[name].extend(v for v in value if v not in merged[name])
            else:
                raise GazetteerError(f"{path}: '{name}' has the wrong type")
    for section in ("agencies", "provincial_bodies", "commune_patterns"):
        for key, entry in merged[section].items():
            target = entry.get("replaced_by")
            if target is not None and target not in merged[section]:
                raise GazetteerError(f"{section} '{key}': replaced_by '{target}' is not a known key")
    return merged


def _strs(entry: dict[str, Any], field_name: str) -> tuple[str, ...]:
    value = entry.get(field_name) or []
    if isinstance(value, str):
        value = [value]
    return tuple(_nice(v) for v in value if isinstance(v, str) and v.strip())


def _opt(entry: dict[str, Any], field_name: str) -> str | None:
    value = entry.get(field_name)
    return _nice(value) if isinstance(value, str) and value.strip() else None


def _agency(entry: dict[str, Any], default_level: str) -> Agency:
    return Agency(
        key=entry["key"],
        name=_nice(entry["name"]),
        level=str(entry.get("level") or default_level),
        head=_opt(entry, "head"),
        short=_opt(entry, "short"),
        codes=tuple(c.strip() for c in entry.get("codes") or [] if isinstance(c, str) and c.strip()),
        aliases=_strs(entry, "aliases"),
        replaced_by=entry.get("replaced_by"),
    )


# ---------------------------------------------------------------------------
# tokens and compiled patterns
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")
_DASH_CHARS = "–—‐‑−"
_END = ""  # trie key holding the payloads of a node (never a token)
_MAX_NAME_TOKENS = 4


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _dashes(text: str) -> str:
    for ch in _DASH_CHARS:
        if ch in text:
            text = text.replace(ch, "-")
    return text


def _tfold(token: str) -> str:
    return _dashes(token).lower()


def _fkey(text: str) -> str:
    """Lookup key of a name: folded tokens joined by one space (spacing-insensitive)."""
    return " ".join(_tfold(t) for _, _, t in _tokens(_nice(text)))


@dataclass(frozen=True, slots=True)
class _Payload:
    kind: str  # agency | code | template | group | province | provref | item
    key: str  # target key (agency, template, group, province); "" for provref
    modes: tuple[tuple[str, str], ...]  # (mode, token as in the data) per matched token
    slot: str | None = None  # unit | party | party-tail | local | name
    required: bool = False
    extra: str | None = None  # template family, party word, ...


Trie = dict[str, Any]


def _insert(trie: Trie, folds: Sequence[str], payload: _Payload) -> None:
    node = trie
    for f in folds:
        node = node.setdefault(f, {})
    ends = node.setdefault(_END, [])
    if payload not in ends:
        ends.append(payload)


def _modes(text: str, head: str | None = None, how: str = "name") -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """Tokenise a data string and give each token its case mode.

    ``i``: any case; ``c``: first letter as in the data (or the word in capitals);
    ``s``: exactly as in the data (or in capitals). ``how`` is "name" (head words
    ``i``, first word after them ``c``, capitalised abbreviations ``s``), "proper"
    (capitalised words ``s``), "code" (all ``s``) or "loose" (all ``i``).
    """
    toks = [t for _, _, t in _tokens(_nice(text))]
    folds = [_tfold(t) for t in toks]
    head_folds = [_tfold(t) for _, _, t in _tokens(_nice(head))] if head else []
    n_head = len(head_folds) if head_folds and folds[: len(head_folds)] == head_folds else 0
    out: list[tuple[str, str]] = []
    first = True
    for idx, t in enumerate(toks):
        if how == "code":
            mode = "s"
        elif how == "loose" or not t[0].isalnum():
            mode = "i"
        elif how == "proper":
            mode = "s" if t[0].isupper() else "i"
        elif idx < n_head:
            mode = "i"
        elif len(t) >= 2 and t.isupper():  # noqa: PLR2004 - an abbreviation inside a name ("UBND", "MTTQ")
            mode, first = "s", False
        elif first:
            mode, first = "c", False
        else:
            mode = "i"
        out.append((mode, t))
    return folds, tuple(out)


def _case_ok(written: str, mode: str, data: str) -> bool:
    if mode == "i":
        return True
    if mode == "c":
        return written[:1] == data[:1] or (written.isupper() and len(written) > 1)
    return written in (data, data.upper())


def _split_slot(text: str) -> tuple[str, str | None]:
    m = re.search(r"\s*\{(unit|party|local|name)\}\s*$", text)
    if not m:
        return text, None
    return text[: m.start()], m.group(1)


@dataclass(frozen=True, slots=True)
class _Province:
    key: str
    name: str
    type: str
    former: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def full(self) -> str:
        return f"{self.type[:1].upper()}{self.type[1:]} {self.name}"


@dataclass(frozen=True, slots=True)
class _Template:
    agency: Agency  # name without the slot
    pattern: str  # canonical name with its slot ("Ủy ban nhân dân {unit}")
    slot: str | None
    required: bool
    family: str  # provincial | commune
    bare: bool = False  # the province is named without its unit word ("Công ty Điện lực Thanh Hóa")


@dataclass(slots=True)
class _M:
    """A mention in normalised-text offsets."""

    start: int
    end: int
    name: str | None  # None: same as the text
    key: str | None
    canonical: str | None
    level: str
    group: bool = False
    enum: int | None = None


@dataclass(slots=True)
class _Cand:
    end_tok: int
    end: int
    mentions: list[_M] = field(default_factory=list)
    rank: int = 0  # lower wins a tie


# ---------------------------------------------------------------------------
# the gazetteer
# ---------------------------------------------------------------------------


class Gazetteer:
    """Loaded gazetteer data with compiled tries; use :meth:`load`."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Compile merged gazetteer data (see :meth:`load`)."""
        self._agencies: dict[str, Agency] = {k: _agency(e, "organisation") for k, e in data["agencies"].items()}
        self._provinces: dict[str, _Province] = {}
        for key, e in data["provinces"].items():
            ptype = _nice(str(e.get("type") or "tỉnh")).lower()
            self._provinces[key] = _Province(key, _nice(e["name"]), ptype, _strs(e, "former"), _strs(e, "aliases"))
        self._templates: dict[str, _Template] = {}
        for family, section in (("provincial", "provincial_bodies"), ("commune", "commune_patterns")):
            for key, e in data[section].items():
                pattern = _nice(e["name"])
                base, slot = _split_slot(pattern)
                entry = dict(e, name=base or pattern)
                agency = _agency(entry, "provincial" if family == "provincial" else "commune")
                declared = e.get("slot")
                required = declared == "required" or (
                    declared != "optional" and slot in {"party", "local"} and bool(base)
                )
                bare = e.get("unit_style") == "bare"
                self._templates[key] = _Template(agency, pattern, slot, required, family, bare)
        self._groups: dict[str, Agency] = {k: _agency(e, "group") for k, e in data["groups"].items()}
        self._unit_words = {_fkey(k): _nice(v) for k, v in data["unit_words"].items()}
        self._party_words = {_fkey(k): (_nice(k), _nice(v)) for k, v in data["party_words"].items()}
        self._local_words = {_fkey(k): (_nice(k), str(v)) for k, v in data["local_unit_words"].items()}
        self._enum_heads = {_fkey(k): str(v) for k, v in data["enumeration_heads"].items()}
        self._subunit_heads = tuple(_nice(h) for h in data["subunit_heads"])
        heads = "|".join(re.escape(h) for h in sorted(self._subunit_heads, key=len, reverse=True)) or "(?!)"
        self._subunit_re = re.compile(rf"(?<!\w)(?:{heads})(?:\s+[^\s,.;:()\[\]]+)+$")
        self._compile(data)

    @classmethod
    def load(cls, extra_files: Sequence[Path] = ()) -> Gazetteer:
        """Load the packaged gazetteer plus organisation files (same schema, applied in order).

        Args:
            extra_files: paths of organisation gazetteer files; an entry whose key is
                already known replaces the packaged one, new keys are added.

        Returns:
            The compiled gazetteer.

        Raises:
            GazetteerError: a file cannot be read or is inconsistent (duplicate keys,
                ``replaced_by`` pointing nowhere, missing names).
        """
        files = [(DATA_FILE, _read(DATA_FILE))] + [(Path(p), _read(Path(p))) for p in extra_files]
        return cls(_merge(files))

    @property
    def agencies(self) -> tuple[Agency, ...]:
        """All named agencies (packaged and organisation ones), in file order."""
        return tuple(self._agencies.values())

    @property
    def provinces(self) -> tuple[str, ...]:
        """Full names of the provincial units ("Tỉnh Thanh Hóa", "Thành phố Hồ Chí Minh")."""
        return tuple(p.full for p in self._provinces.values())

    # -- compilation ---------------------------------------------------------

    def _current(self, key: str) -> Agency:
        """Follow ``replaced_by`` to the body that exists now."""
        agency = self._agencies[key]
        seen = {key}
        while agency.replaced_by and agency.replaced_by in self._agencies and agency.replaced_by not in seen:
            seen.add(agency.replaced_by)
            agency = self._agencies[agency.replaced_by]
        return agency

    def _current_template(self, key: str) -> _Template:
        tpl = self._templates[key]
        seen = {key}
        while tpl.agency.replaced_by and tpl.agency.replaced_by in self._templates:
            if tpl.agency.replaced_by in seen:
                break
            seen.add(tpl.agency.replaced_by)
            tpl = self._templates[tpl.agency.replaced_by]
        return tpl

    def _compile(self, data: dict[str, Any]) -> None:
        """Build the tries (one walk per text position finds every candidate)."""
        self._root: Trie = {}  # everything that can start a mention
        self._items: dict[str, Trie] = {}  # enumeration items by head class ("bộ", "tập đoàn", "province")
        self._heads: Trie = {}  # enumeration heads after "các"
        self._province_trie: Trie = {}  # bare province names
        self._unit_trie: Trie = {}
        self._party_trie: Trie = {}
        self._local_trie: Trie = {}
        self._suffix_trie: Trie = {}
        self._by_name: dict[str, tuple[str, str]] = {}  # folded name -> (kind, key)
        self._by_code: dict[str, tuple[str, str]] = {}  # code as written -> (kind, key)
        self._by_short: dict[str, tuple[str, str]] = {}  # folded short name -> (short as in the data, agency key)
        for key, a in self._agencies.items():
            self._compile_agency(key, a)
        self._compile_words(data)
        for p in self._provinces.values():
            self._compile_province(p)
        for key, tpl in self._templates.items():
            self._compile_template(key, tpl)
        for key, g in self._groups.items():
            for text in (g.name, *g.aliases):
                folds, modes = _modes(text, how="loose")
                _insert(self._root, folds, _Payload("group", key, modes))
                self._remember(text, "group", key)

    def _remember(self, text: str, kind: str, key: str) -> None:
        self._by_name.setdefault(_fkey(text), (kind, key))

    def _head_class(self, head: str) -> Trie:
        """The item trie of enumerations headed by ``head`` (registering the head)."""
        cls_ = _fkey(head)
        _insert(self._heads, cls_.split(), _Payload("item", cls_, ()))
        return self._items.setdefault(cls_, {})

    def _compile_agency(self, key: str, a: Agency) -> None:
        for text in (a.name, *a.aliases):
            folds, modes = _modes(text, a.head)
            _insert(self._root, folds, _Payload("agency", key, modes))
            self._remember(text, "agency", key)
        for code in a.codes:
            self._by_code.setdefault(code, ("agency", key))
            if sum(ch.isalpha() for ch in code) >= _MIN_CODE_LETTERS:
                folds, modes = _modes(code, how="code")
                _insert(self._root, folds, _Payload("code", key, modes))
        if a.head and a.short:
            trie = self._head_class(a.head)
            head = _fkey(a.head) + " "
            shorts = [a.short] + [x[len(a.head) :].strip() for x in a.aliases if _fkey(x).startswith(head)]
            for short in shorts:
                folds, modes = _modes(short)
                _insert(trie, folds, _Payload("agency", key, modes))
                self._by_short.setdefault(_fkey(short), (short, key))
            for code in a.codes:  # "Các Bộ: CA, TC"
                folds, modes = _modes(code, how="code")
                _insert(trie, folds, _Payload("agency", key, modes))

    def _compile_words(self, data: dict[str, Any]) -> None:
        for word, canon in self._unit_words.items():
            _insert(self._unit_trie, word.split(), _Payload("unit", canon, ()))
            _insert(self._root, word.split(), _Payload("provref", "", ()))
            _insert(self._heads, word.split(), _Payload("item", "province", ()))
        for word, (written, _ptype) in self._party_words.items():
            _insert(self._party_trie, word.split(), _Payload("party", written, ()))
        for word, (written, level) in self._local_words.items():
            _insert(self._local_trie, word.split(), _Payload("local", written, (), extra=level))
        for word, cls_ in self._enum_heads.items():
            _insert(self._heads, word.split(), _Payload("item", cls_, ()))
        for suffix in data["group_suffixes"]:
            _insert(self._suffix_trie, _fkey(suffix).split(), _Payload("suffix", "", ()))

    def _compile_province(self, p: _Province) -> None:
        """Province names match after a unit word; aliases with the unit glued on ("TPHCM") match alone."""
        self._remember(p.full, "province", p.key)
        items = self._items.setdefault("province", {})
        units = sorted(self._unit_words, key=len, reverse=True)
        names = (p.name, *p.former, *p.aliases)
        for text in names:
            fk = _fkey(text)
            unit = next((u for u in units if fk.startswith(u)), None)
            bare = text
            if unit is not None and fk.startswith(unit + " "):  # "TP. HCM": the name part is "HCM"
                rest = " ".join(fk.split()[len(unit.split()) :])
                bare = next((t for t in names if _fkey(t) == rest), rest)
            elif unit is not None and " " not in fk:  # "TPHCM"
                folds, modes = _modes(text, how="code")
                _insert(self._root, folds, _Payload("province", p.key, modes))
                self._remember(text, "province", p.key)
                continue
            folds, modes = _modes(bare, how="proper")
            _insert(self._province_trie, folds, _Payload("province", p.key, modes))
            _insert(items, folds, _Payload("province", p.key, modes))
            self._remember(text, "province", p.key)

    def _compile_template(self, key: str, tpl: _Template) -> None:
        a = tpl.agency
        codes = [c for c in a.codes if sum(ch.isalpha() for ch in c) >= _MIN_CODE_LETTERS]
        for text in (tpl.pattern, *a.aliases, *codes):
            base, slot = _split_slot(text)
            slot = slot or tpl.slot  # an alias without a slot gets the template's slot
            if base.strip():
                folds, modes = _modes(base, a.head)
                _insert(self._root, folds, _Payload("template", key, modes, slot, tpl.required))
                self._remember(base, "template", key)
            elif slot == "party":  # the committee itself: "Tỉnh ủy [Thanh Hóa]"
                for word, (written, _t) in self._party_words.items():
                    folds, modes = _modes(written, how="loose")
                    _insert(self._root, word.split(), _Payload("template", key, modes, "party-tail", extra=written))
        for code in a.codes:
            self._by_code.setdefault(code, ("template", key))
        if a.head and a.short and tpl.family == "provincial":  # "các Sở: Tài chính, Xây dựng"
            folds, modes = _modes(a.short)
            _insert(self._head_class(a.head), folds, _Payload("template", key, modes))
        self._remember(a.name, "template", key)

    # -- matching ------------------------------------------------------------

    def _walk(self, trie: Trie, ctx: _Ctx, i: int) -> list[tuple[int, _Payload]]:
        """All payloads of ``trie`` matching at token ``i`` (shortest first), case rules applied."""
        out: list[tuple[int, _Payload]] = []
        node: Trie | None = trie
        j = i
        folds, words, n = ctx.folds, ctx.words, ctx.n
        while j < n and node is not None:
            node = node.get(folds[j])
            if node is None:
                break
            j += 1
            ends = node.get(_END)
            if ends:
                for p in ends:
                    k = i
                    for mode, data in p.modes:
                        if mode != "i" and not _case_ok(words[k], mode, data):
                            break
                        k += 1
                    else:
                        out.append((j, p))
        return out

    def _scan(self, text: str) -> list[_M]:
        ctx = _Ctx.of(text)
        out: list[_M] = []
        enum_id = 0  # local: find() may run in several threads
        root, folds = self._root, ctx.folds
        nxt = 0
        for i in [i for i, f in enumerate(folds) if f in root or f in _ENUM_WORDS]:
            if i < nxt:
                continue
            best = self._best_at(ctx, i)
            if best is None:
                continue
            if any(m.enum is not None for m in best.mentions):
                enum_id += 1
                for m in best.mentions:
                    m.enum = enum_id
            out.extend(best.mentions)
            nxt = best.end_tok
        return self._attach_parents(ctx, out)

    def _best_at(self, ctx: _Ctx, i: int) -> _Cand | None:
        cands: list[_Cand] = []
        for j, p in self._walk(self._root, ctx, i):
            cands.extend(self._complete(ctx, i, j, p, allow_enum=True))
        if ctx.folds[i] in _ENUM_WORDS:
            cand = self._enumeration(ctx, i, i, None, None)
            if cand is not None:
                cands.append(cand)
        if not cands:
            return None
        return max(cands, key=lambda c: (c.end, -c.rank))

    def _blocked(self, ctx: _Ctx, i: int) -> bool:
        """A lower-case head word that is part of a common word ("cơ sở", "toàn bộ")."""
        word = ctx.words[i]
        return word[:1].islower() and i > 0 and ctx.folds[i - 1] in _HEAD_BLOCKERS

    def _complete(self, ctx: _Ctx, i: int, j: int, p: _Payload, *, allow_enum: bool) -> list[_Cand]:
        """Candidates for payload ``p`` matched on tokens ``[i, j)`` (slots parsed after ``j``)."""
        if p.kind == "template":
            return self._complete_template(ctx, i, j, p, allow_enum=allow_enum)
        if p.kind == "group":
            return [self._complete_group(ctx, i, j, self._groups[p.key])]
        if p.kind == "provref":  # "tỉnh" + a province name
            hits = self._walk(self._province_trie, ctx, j)
            if not hits:
                return []
            j, p = hits[-1]
        if p.kind == "province":
            prov = self._provinces[p.key]
            m = _M(ctx.starts[i], ctx.end(j - 1), None, prov.key, prov.full, "province")
            return [_Cand(j, m.end, [m], rank=1)]
        if (p.kind == "agency" and self._blocked(ctx, i)) or (p.kind == "code" and not ctx.free_code(i, j)):
            return []
        a = self._current(p.key)
        return [_Cand(j, ctx.end(j - 1), [_M(ctx.starts[i], ctx.end(j - 1), None, a.key, a.name, a.level)])]

    def _complete_group(self, ctx: _Ctx, i: int, j: int, g: Agency) -> _Cand:
        while True:  # "các bộ, ngành liên quan"
            more = self._walk(self._suffix_trie, ctx, j)
            if not more:
                break
            j = more[-1][0]
        end = ctx.end(j - 1)
        return _Cand(j, end, [_M(ctx.starts[i], end, None, g.key, g.name, "group", group=True)], rank=2)

    def _complete_template(self, ctx: _Ctx, i: int, j: int, p: _Payload, *, allow_enum: bool) -> list[_Cand]:
        if self._blocked(ctx, i) or (j == i + 1 and ctx.words[i].isupper() and not ctx.free_code(i, j)):
            return []  # "cơ sở …", or "UBND" inside "01/UBND-KT"
        place = self._slot(ctx, j, p)
        if place is None and (p.required or p.slot == "party"):
            return []
        end_tok = place.end if place is not None else j
        key, canonical, level = self._render(p.key, place)
        start, end = ctx.starts[i], ctx.end(end_tok - 1)
        out = [_Cand(end_tok, end, [_M(start, end, None, key, canonical, level)], rank=1)]
        if allow_enum and p.slot == "unit" and j < ctx.n and ctx.folds[j] in _ENUM_WORDS:
            cand = self._enumeration(ctx, i, j, p.key, ctx.text[start : ctx.end(j - 1)])
            if cand is not None:
                out.append(cand)
        return out

    def _slot(self, ctx: _Ctx, j: int, p: _Payload) -> _Place | None:
        """Parse the slot of a template after token ``j``; None when nothing is there."""
        if p.slot == "unit":
            return self._unit_at(ctx, j)
        if p.slot in {"party", "party-tail"}:
            return self._party_at(ctx, j, None if p.slot == "party" else p.extra)
        k, level, local = j, None, None
        if p.slot == "local":
            hits = self._walk(self._local_trie, ctx, j)
            if not hits:
                return None
            k, local, level = hits[-1][0], hits[-1][1].key, hits[-1][1].extra
        elif p.slot != "name":
            return None
        e = self._cap_name(ctx, k, digits=p.slot == "local")
        name = ctx.text[ctx.starts[k] : ctx.end(e - 1)] if e > k else None
        if local is None and name is None:
            return None
        return _Place(e, None, local=local, unknown=name, level=level)

    def _party_at(self, ctx: _Ctx, j: int, party: str | None) -> _Place | None:
        """A party committee ("Tỉnh ủy [Thanh Hóa]") at token ``j``; ``party`` given: the word is already matched."""
        k = j
        if party is None:
            hits = self._walk(self._party_trie, ctx, j)
            if not hits:
                return None
            k, party = hits[-1][0], hits[-1][1].key
        prov = self._walk(self._province_trie, ctx, k)
        if prov:
            return _Place(prov[-1][0], self._provinces[prov[-1][1].key], party=party)
        return _Place(k, None, party=party)

    def _unit_at(self, ctx: _Ctx, j: int) -> _Place | None:
        units = self._walk(self._unit_trie, ctx, j)
        if units:
            k, word = units[-1]
            prov = self._walk(self._province_trie, ctx, k)
            if prov:
                return _Place(prov[-1][0], self._provinces[prov[-1][1].key], unit=word.key)
            e = self._cap_name(ctx, k, digits=False)
            if e > k:
                return _Place(e, None, unit=word.key, unknown=ctx.text[ctx.starts[k] : ctx.end(e - 1)])
            return _Place(k, None, unit=word.key)
        prov = self._walk(self._province_trie, ctx, j)
        if prov:
            return _Place(prov[-1][0], self._provinces[prov[-1][1].key])
        return None

    def _cap_name(self, ctx: _Ctx, j: int, *, digits: bool) -> int:
        """End of a capitalised proper name starting at token ``j`` (``j`` when there is none)."""
        e = j
        while e < ctx.n and e - j < _MAX_NAME_TOKENS:
            word = ctx.words[e]
            if digits and e == j and word.isdigit():
                return e + 1
            if not (word[:1].isalpha() and word[:1].isupper()) or (word.isupper() and len(word) > 1):
                break
            if ctx.folds[e] in _NAME_STOP or (ctx.folds[e] in self._root and self._walk(self._root, ctx, e)):
                break  # another agency starts here
            if ctx.folds[e] in _SURNAMES and ((e == j and not digits) or e - j >= 2):  # noqa: PLR2004
                break  # a person's name follows ("UBND thành phố Lê Anh Quân"), not a place
            if e > j and ctx.text[ctx.end(e - 1) : ctx.starts[e]] != " ":
                break  # a name does not run over a line break or punctuation
            e += 1
        return e

    def _render(self, tkey: str, place: _Place | None) -> tuple[str | None, str, str]:
        """Key, canonical name and level of a template filled with ``place``."""
        tpl = self._current_template(tkey)
        prov = place.province if place is not None else None
        fill = ""
        if place is not None:
            if tpl.slot == "unit":
                if prov is not None:
                    fill = prov.name if tpl.bare else f"{prov.type} {prov.name}"
                elif place.unit:
                    fill = f"{place.unit} {place.unknown or ''}"
            elif tpl.slot == "party":
                word = place.party or ("Tỉnh ủy" if place.unit == "tỉnh" else "Thành ủy" if place.unit else "")
                if prov is not None:
                    word = next((w for w, t in self._party_words.values() if t == prov.type), word)
                fill = f"{word} {prov.name if prov else ''}"
            elif tpl.slot == "local":
                fill = f"{place.local or ''} {place.unknown or ''}"
            elif tpl.slot == "name":
                fill = place.unknown or ""
        canonical = _nice(re.sub(r"\{(?:unit|party|local|name)\}", fill, tpl.pattern))
        if tpl.family == "commune":
            return None, canonical, (place.level if place and place.level else tpl.agency.level)
        if place is not None and place.unknown and prov is None:
            return None, canonical, "local"
        return tpl.agency.key + (f"@{prov.key}" if prov else ""), canonical, tpl.agency.level

    def _enumeration(self, ctx: _Ctx, i: int, k: int, body: str | None, body_text: str | None) -> _Cand | None:
        """An enumeration "các Bộ: A, B và C" whose "các" is token ``k`` (the candidate starts at ``i``).

        ``body`` is a provincial template written before "các" ("Ủy ban nhân dân các
        tỉnh: A, B"): province items then name that body of each province.
        """
        folds, n = ctx.folds, len(ctx.folds)
        j = k + 1
        classes: list[str] = []
        while j < n:
            hits = self._walk(self._heads, ctx, j)
            if not hits:
                break
            e = hits[-1][0]
            classes.extend(p.key for e2, p in hits if e2 == e)
            j = e
            if j + 1 < n and folds[j] in {",", "và"} and self._walk(self._heads, ctx, j + 1):
                j += 1
                continue
            break
        if not classes or (body is not None and "province" not in classes):
            return None
        colon = j < n and folds[j] == ":"
        if colon:
            j += 1
        elif len(set(classes)) > 1:
            return None
        items: list[_M] = []
        item = self._item_at(ctx, j, classes, body, body_text)
        while item is not None:
            items.append(item[1])
            j = item[0]
            nxt = j
            if nxt < n and folds[nxt] in {",", ";"}:
                nxt += 1
            if nxt < n and folds[nxt] == "và":
                nxt += 1
            if nxt == j:
                break
            item = self._item_at(ctx, nxt, classes, body, body_text)
        if not items:
            return None
        for m in items:
            m.enum = 0  # real ids are given when the candidate is accepted
        return _Cand(j, items[-1].end, items, rank=-1)

    def _item_at(
        self, ctx: _Ctx, j: int, classes: Sequence[str], body: str | None, body_text: str | None
    ) -> tuple[int, _M] | None:
        """One enumeration item at token ``j``: a short name of the head's class, or a full name."""
        if j >= ctx.n:
            return None
        options = [x for cls_ in dict.fromkeys(classes) for x in self._short_items(ctx, j, cls_, body, body_text)]
        group_end = 0
        if body is None:  # full names: "các Bộ, cơ quan: Quốc phòng, …, Văn phòng Chính phủ"
            for e, p in self._walk(self._root, ctx, j):
                cands = self._complete(ctx, j, e, p, allow_enum=False)
                if p.kind == "group":
                    group_end = max([group_end, *(c.end_tok for c in cands)])
                else:
                    options += [(c.end_tok, c.mentions[0]) for c in cands]
        if not options:
            return None
        e, m = max(options, key=lambda x: x[0])  # the first of the longest
        if group_end >= e:
            return None  # a group starts here ("…, Xây dựng và Ủy ban nhân dân các tỉnh liên quan")
        folds = ctx.folds
        if e + 2 < ctx.n and folds[e] == "(" and folds[e + 2] == ")" and ctx.words[e + 1].isupper():
            m.end = ctx.end(e + 2)  # "Điện lực Việt Nam (EVN)"
            e += 3
        return e, m

    def _short_items(
        self, ctx: _Ctx, j: int, cls_: str, body: str | None, body_text: str | None
    ) -> list[tuple[int, _M]]:
        """Short names of head class ``cls_`` at token ``j`` ("Tài chính" after "các Bộ")."""
        out: list[tuple[int, _M]] = []
        start = ctx.starts[j]
        for e, p in self._walk(self._items.get(cls_) or {}, ctx, j):
            end = ctx.end(e - 1)
            written = ctx.text[start:end]
            if p.kind == "province":
                prov = self._provinces[p.key]
                if body is not None:  # "Ủy ban nhân dân các tỉnh: A, B"
                    key, canonical, level = self._render(body, _Place(e, prov))
                    out.append((e, _M(start, end, f"{body_text} {prov.type} {written}", key, canonical, level)))
                else:
                    out.append((e, _M(start, end, f"{prov.type} {written}", prov.key, prov.full, "province")))
            elif p.kind == "agency":
                a, cur = self._agencies[p.key], self._current(p.key)
                out.append((e, _M(start, end, f"{a.head} {written}", cur.key, cur.name, cur.level)))
            else:
                key, canonical, level = self._render(p.key, None)
                head = self._templates[p.key].agency.head
                out.append((e, _M(start, end, f"{head} {written}", key, canonical, level)))
        return out

    def _attach_parents(self, ctx: _Ctx, mentions: list[_M]) -> list[_M]:
        """Join what belongs to one mention across brackets.

        * "Điện lực Việt Nam (EVN)": a name followed by its own code;
        * "Viện Khoa học tổ chức nhà nước (Bộ Nội vụ)": a unit and its parent body,
          whether the unit is known (it keeps its identity) or only starts with a
          ``subunit_heads`` word (it gets a canonical name as written, no key).
        """
        text = ctx.text
        out: list[_M] = []
        for m in mentions:
            if out and m.start < out[-1].end:
                continue  # swallowed by the bracket of the previous mention
            code = _BRACKET_CODE.match(text, m.end)
            if code and m.key is not None and m.enum is None:
                hit = self._by_code.get(code.group(1))
                if hit is not None and hit[0] == "agency" and self._current(hit[1]).key == m.key:
                    m.end = code.end()
            if text[m.end : m.end + 1] != ")" or m.enum is not None or m.key is None:
                out.append(m)
                continue
            before = text[max(0, m.start - _UNIT_WINDOW) : m.start]
            if not before.rstrip().endswith("("):
                out.append(m)
                continue
            open_at = m.start - (len(before) - before.rstrip().rfind("("))
            prev = out[-1] if out else None
            if prev is not None and prev.enum is None and not text[prev.end : open_at].strip():
                if prev.key is None or prev.level in _CHILD_LEVELS:
                    prev.end = m.end + 1
                    if prev.key is None:
                        prev.canonical = _nice(text[prev.start : prev.end])
                    continue
                out.append(m)
                continue
            clause = text[max(0, m.start - _UNIT_WINDOW) : open_at].rstrip()
            found = self._subunit_re.search(clause)
            s = open_at - len(text[max(0, m.start - _UNIT_WINDOW) : open_at]) + (found.start() if found else 0)
            if found is None or found.group(0).count(" ") > _MAX_UNIT_WORDS or (prev is not None and s < prev.end):
                out.append(m)
                continue
            out.append(_M(s, m.end + 1, None, None, _nice(text[s : m.end + 1]), "unit"))
        return out

    # -- public API ----------------------------------------------------------

    def find(self, text: str) -> list[AgencyMention]:
        """Find every agency mentioned in ``text``.

        Args:
            text: any text (NFC or NFD, either tone-mark style).

        Returns:
            Mentions left to right, non-overlapping (the longest match wins), with
            offsets into ``text``. Enumerations ("các Bộ: Tư pháp, Nội vụ") give one
            mention per item, sharing an ``enumeration`` id.
        """
        if not text:
            return []
        same_length = _same_length_form(text)
        if same_length is not None:  # NFC text: only tone marks move, offsets stay the same
            mentions = self._scan(same_length)
            spans = [(m.start, m.end) for m in mentions]
        else:
            norm = normalize(text)
            mentions = self._scan(norm.text)
            spans = [norm.to_original(m.start, m.end) for m in mentions]
        out: list[AgencyMention] = []
        for m, (s, e) in zip(mentions, spans, strict=True):
            written = text[s:e]
            name = written if m.name is None else m.name
            out.append(AgencyMention(s, e, written, name, m.key, m.canonical, m.level, m.group, m.enum))
        return out

    def resolve(self, name: str) -> Agency | None:
        """The current body named by ``name`` (full name, alias, code, short name or old name).

        Provincial bodies with a province give a body built for that province
        ("UBND tỉnh Bắc Giang" -> key "ubnd@bac-ninh", name "Ủy ban nhân dân tỉnh Bắc
        Ninh"); provinces and groups resolve too. Unknown names give None.
        """
        text = _nice(name).strip(" \t\r\n.,;:-–()")
        if not text:
            return None
        code = self._by_code.get(text)
        if code is not None:
            return self._as_agency(*code)
        mentions = [m for m in self._scan(text) if m.enum is None]
        if len(mentions) == 1 and mentions[0].start == 0 and mentions[0].end == len(text):
            return self._mention_agency(mentions[0])
        hit = self._by_name.get(_fkey(text))
        if hit is None:
            stripped = re.sub(r"^(?:các|những)\s+", "", text, flags=re.IGNORECASE)
            hit = self._by_name.get(_fkey(stripped))
        if hit is None:  # a short name as in an enumeration ("Bưu chính Viễn thông Việt Nam")
            short = self._by_short.get(_fkey(text))
            if short is not None and _case_ok(text.split()[0], "c", short[0]):
                hit = ("agency", short[1])
        return self._as_agency(*hit) if hit is not None else None

    def canonical_name(self, name: str) -> str | None:
        """Canonical current name of ``name`` (see :meth:`resolve`), or None when unknown."""
        agency = self.resolve(name)
        return agency.name if agency is not None else None

    def _as_agency(self, kind: str, key: str) -> Agency:
        if kind == "agency":
            return self._current(key)
        if kind == "group":
            return self._groups[key]
        if kind == "province":
            p = self._provinces[key]
            return Agency(p.key, p.full, "province", p.type, p.name, (), (p.name, *p.former, *p.aliases), None)
        tpl = self._current_template(key)
        _key, canonical, level = self._render(tpl.agency.key, None)
        a = tpl.agency
        return Agency(a.key, canonical, level, a.head, a.short, a.codes, a.aliases, None)

    def _mention_agency(self, m: _M) -> Agency | None:
        if m.canonical is None:
            return None
        if m.key is not None:
            base = m.key.split("@", 1)[0]
            if base in self._agencies:
                return self._current(base)
            if base in self._groups:
                return self._groups[base]
            if base in self._provinces and "@" not in m.key:
                return self._as_agency("province", base)
        key = m.key or "~" + _fkey(m.canonical).replace(" ", "-")
        return Agency(key, m.canonical, m.level, None, None, (), (), None)


# ---------------------------------------------------------------------------
# helpers of the matcher
# ---------------------------------------------------------------------------

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff\u00ad]")
_SPACE_CHARS = "\u00a0\u2007\u202f\u2009\u200a\u3000"


def _same_length_form(text: str) -> str | None:
    """The normalised form of ``text`` when it keeps the offsets (NFC input without zero-width marks)."""
    if not unicodedata.is_normalized("NFC", text) or _ZERO_WIDTH.search(text):
        return None
    for ch in _SPACE_CHARS:
        if ch in text:
            text = text.replace(ch, " ")
    fixed = fix_tone_placement(text)
    return fixed if len(fixed) == len(text) else None


_ENUM_WORDS = frozenset({"các", "những"})
# a lower-case head right after these is part of a common word ("cơ sở", "toàn bộ", "cán bộ")
_HEAD_BLOCKERS = frozenset({"cơ", "toàn", "đồng", "nội", "cán", "sơ", "tiến", "trụ", "bộ", "từng"})
# capitalised words that do not continue a place name
_NAME_STOP = frozenset({"và", "về", "để", "theo", "tại", "trong", "của", "với", "khi", "thì"})
# common family names: a capitalised word among these starts a person's name, not a place name
_SURNAMES = frozenset(
    """nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đoàn trương lương mai trịnh lâm
    tạ hà cao châu thái quách tôn lưu kiều chu vương""".split()  # noqa: SIM905 - a word list
)
_MAX_UNIT_WORDS = 10
_MIN_CODE_LETTERS = 3  # shorter codes ("TC", "CT") only in enumerations and resolve()
_UNIT_WINDOW = 150
_CHILD_LEVELS = frozenset({"unit", "government-agency"})
_BRACKET_CODE = re.compile(r"\s*\(\s*([^\W\d_][\w&.-]*)\s*\)")


@dataclass(frozen=True, slots=True)
class _Ctx:
    """A text cut into word and punctuation tokens (with folded forms for lookups)."""

    text: str
    starts: list[int]
    words: list[str]
    folds: list[str]

    @property
    def n(self) -> int:
        return len(self.words)

    def end(self, i: int) -> int:
        return self.starts[i] + len(self.words[i])

    @classmethod
    def of(cls, text: str) -> _Ctx:
        starts = [m.start() for m in _TOKEN.finditer(text)]
        words = _TOKEN.findall(text)
        low = _dashes(text.lower())
        folds = _TOKEN.findall(low) if len(low) == len(text) else [_tfold(w) for w in words]
        if len(folds) != len(words):  # lower() changed a token boundary: fold token by token
            folds = [_tfold(w) for w in words]
        return cls(text, starts, words, folds)

    def free_code(self, i: int, j: int) -> bool:
        """A code not glued into a document number ("TB-VPCP", "01/UBND") or a reference ("BCT.03")."""
        s, e = self.starts[i], self.end(j - 1)
        before = self.text[s - 1 : s] if s > 0 else ""
        after = self.text[e : e + 2]
        if before in {"-", "/", "–", "."}:
            return False
        return not (after[:1] in {"-", "/", "–"} or (after[:1] == "." and after[1:2].isalnum()))


@dataclass(slots=True)
class _Place:
    """What fills a template slot."""

    end: int  # token index after the slot
    province: _Province | None
    unit: str | None = None  # canonical unit word ("tỉnh", "thành phố")
    party: str | None = None  # party committee word as in the data ("Tỉnh ủy")
    local: str | None = None  # local unit word ("xã", "phường")
    unknown: str | None = None  # a name not in the gazetteer, as written
    level: str | None = None
