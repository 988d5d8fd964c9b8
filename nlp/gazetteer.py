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
