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
  ``"unit": "required"`` makes it mandatory ("Công an tỉnh").
* ``{party}``: a party committee word ("Tỉnh ủy", "Thành ủy", see ``party_words``),
  optionally followed by a province name ("Ban Tổ chức Tỉnh ủy Thanh Hóa").
  A template whose name is just ``{party}`` is the committee itself.

``commune_patterns``: templates of commune- and district-level bodies. Slot
``{local}`` is a local unit word (``local_unit_words``: "xã", "phường", "đặc khu",
and the pre-7/2025 "quận", "huyện", "thị xã"...) with an optional name ("xã Tân
Phú", "phường 3"); ``{name}`` is an optional capitalised name ("Quận ủy Ninh
Kiều"). Their mentions have no key (pattern only) but a canonical name.

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
from pathlib import Path
from typing import Any

from nlp.normalize import fix_tone_placement, fold, normalize

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


def _merge(files: Iterable[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """Merge gazetteer files in order; a later entry with a known key replaces the earlier one."""
    merged: dict[str, Any] = {s: {} for s in _SECTIONS}
    merged.update({m: {} for m in _MAPS})
    merged.update({li: [] for li in _LISTS})
    for path, data in files:
        for section in _SECTIONS:
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
                merged[section][key] = entry
        for m in _MAPS:
            value = data.get(m, {})
            if not isinstance(value, dict):
                raise GazetteerError(f"{path}: '{m}' must be an object")
            merged[m].update(value)
        for li in _LISTS:
            value = data.get(li, [])
            if not isinstance(value, list):
                raise GazetteerError(f"{path}: '{li}' must be a list")
            merged[li].extend(v for v in value if v not in merged[li])
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
_DASHES = str.maketrans(dict.fromkeys("–—‐‑−", "-"))
_END = ""  # trie key holding the payloads of a node (never a token)
_MAX_NAME_TOKENS = 4


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _tfold(token: str) -> str:
    return token.translate(_DASHES).lower()


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
    enum: bool = False


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
                required = str(e.get(slot or "", "") or e.get("slot", "")) == "required" or (
                    slot in {"party", "local"} and bool(base)
                )
                self._templates[key] = _Template(agency, pattern, slot, required, family)
        self._groups: dict[str, Agency] = {k: _agency(e, "group") for k, e in data["groups"].items()}
        self._unit_words = {_fkey(k): _nice(v) for k, v in data["unit_words"].items()}
        self._party_words = {_fkey(k): (_nice(k), _nice(v)) for k, v in data["party_words"].items()}
        self._local_words = {_fkey(k): (_nice(k), str(v)) for k, v in data["local_unit_words"].items()}
        self._enum_heads = {_fkey(k): str(v) for k, v in data["enumeration_heads"].items()}
        self._subunit_heads = tuple(_nice(h) for h in data["subunit_heads"])
        self._next_enum = 0
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
        root: Trie = {}
        self._root = root
        self._items: dict[str, Trie] = {}  # enumeration item tries by head class
        self._heads: Trie = {}  # enumeration heads after "các"
        self._province_trie: Trie = {}  # bare province names
        self._unit_trie: Trie = {}
        self._party_trie: Trie = {}
        self._local_trie: Trie = {}
        self._suffix_trie: Trie = {}
        self._by_name: dict[str, tuple[str, str]] = {}  # folded name -> (kind, key)
        self._by_code: dict[str, tuple[str, str]] = {}

        def remember(text: str, kind: str, key: str) -> None:
            self._by_name.setdefault(_fkey(text), (kind, key))

        for key, a in self._agencies.items():
            for text in (a.name, *a.aliases):
                folds, modes = _modes(text, a.head)
                _insert(root, folds, _Payload("agency", key, modes))
                remember(text, "agency", key)
            for code in a.codes:
                self._by_code.setdefault(code, ("agency", key))
                folds, modes = _modes(code, how="code")
                if sum(ch.isalpha() for ch in code) >= 3:  # noqa: PLR2004 - short codes are too ambiguous in prose
                    _insert(root, folds, _Payload("code", key, modes))
            if a.head and a.short:
                cls_ = _fkey(a.head)
                trie = self._items.setdefault(cls_, {})
                shorts = [a.short] + [x[len(a.head) :].strip() for x in a.aliases if _fkey(x).startswith(cls_ + " ")]
                for s in shorts:
                    folds, modes = _modes(s)
                    _insert(trie, folds, _Payload("agency", key, modes))
                    remember(s, "agency", key)
                for code in a.codes:
                    folds, modes = _modes(code, how="code")
                    _insert(trie, folds, _Payload("agency", key, modes))
                _insert(self._heads, cls_.split(), _Payload("item", cls_, ()))

        for word, canon in self._unit_words.items():
            _insert(self._unit_trie, word.split(), _Payload("unit", canon, ()))
            _insert(root, word.split(), _Payload("provref", "", ()))
            _insert(self._heads, word.split(), _Payload("item", "province", ()))
        for word, (written, _ptype) in self._party_words.items():
            _insert(self._party_trie, word.split(), _Payload("party", written, ()))
        for word, (written, level) in self._local_words.items():
            _insert(self._local_trie, word.split(), _Payload("local", written, (), extra=level))
        for word, cls_ in self._enum_heads.items():
            _insert(self._heads, word.split(), _Payload("item", cls_, ()))
        for suffix in data["group_suffixes"]:
            _insert(self._suffix_trie, _fkey(suffix).split(), _Payload("suffix", "", ()))

        province_items = self._items.setdefault("province", {})
        unit_prefixes = sorted(self._unit_words, key=len, reverse=True)
        for key, p in self._provinces.items():
            remember(p.full, "province", key)
            for text in (p.name, *p.former, *p.aliases):
                fk = _fkey(text)
                unit = next((u for u in unit_prefixes if fk.startswith(u)), None)
                if unit is not None and fk.startswith(unit + " "):
                    text = " ".join(fk.split()[len(unit.split()) :])  # noqa: PLW2901 - "TP. HCM" -> "HCM"
                    text = next(
                        (t for t in (p.name, *p.former, *p.aliases) if _fkey(t) == text), text
                    )  # keep the data's case
                elif unit is not None and " " not in fk:  # one token with the unit glued on: "TPHCM"
                    folds, modes = _modes(fk.upper() if text.isupper() else text, how="code")
                    _insert(root, folds, _Payload("province", key, modes))
                    remember(text, "province", key)
                    continue
                folds, modes = _modes(text, how="proper")
                _insert(self._province_trie, folds, _Payload("province", key, modes))
                _insert(province_items, folds, _Payload("province", key, modes))
                remember(text, "province", key)

        for key, tpl in self._templates.items():
            a = tpl.agency
            texts = [tpl.pattern, *a.aliases]
            texts += [f"{c} {{{tpl.slot}}}" if tpl.slot else c for c in a.codes if sum(ch.isalpha() for ch in c) >= 3]
            for text in texts:
                base, slot = _split_slot(text)
                slot = slot or tpl.slot  # an alias without a slot gets the template's slot
                how = "code" if text in a.codes or f"{text}" in {f"{c} {{{tpl.slot}}}" for c in a.codes} else "name"
                if not base.strip():
                    if slot == "party":  # the committee itself: "Tỉnh ủy [Thanh Hóa]"
                        for word, (written, _t) in self._party_words.items():
                            folds, modes = _modes(written)
                            _insert(root, word.split(), _Payload("template", key, modes, "party-tail", extra=written))
                    continue
                folds, modes = _modes(base, a.head, how=how)
                _insert(root, folds, _Payload("template", key, modes, slot, tpl.required))
                remember(base, "template", key)
            for code in a.codes:
                self._by_code.setdefault(code, ("template", key))
            if a.head and a.short and tpl.family == "provincial":
                cls_ = _fkey(a.head)
                trie = self._items.setdefault(cls_, {})
                folds, modes = _modes(a.short)
                _insert(trie, folds, _Payload("template", key, modes))
                _insert(self._heads, cls_.split(), _Payload("item", cls_, ()))
            remember(a.name, "template", key)

        for key, g in self._groups.items():
            for text in (g.name, *g.aliases):
                folds, modes = _modes(text, how="loose")
                _insert(root, folds, _Payload("group", key, modes))
                remember(text, "group", key)
