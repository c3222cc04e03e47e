"""姓氏笔画 (surname stroke order) collation for Chinese names, and pinyin initials.

Pure Python, no Django: see RULES.md section 8.

Character order (GF 3002-1999 / GF 0023-2020): fewer strokes first; equal counts compare the
stroke classes 横1 竖2 撇3 点4 折5 in writing order; equal sequences by the standard's tie-break.
The per-character order comes from the rank table that the PyPI package ``cn-sort`` ships
(``cn_sort/res/all_word.json``, field ``stroke_increment_level``), read at run time and never
copied here. That table gives only a *rank*, no stroke counts or sequences, and this module
holds no per-character stroke data of its own beyond the five corrections below. So:

* a character the table ranks wrongly (``CORRECTIONS``, RULES.md 8.3) takes the place just after
  a named table character instead of its own rank;
* an administrator override (``overrides`` registry or parameter) is either a plain sequence
  (``"1121"``) or a sequence with a placement (``("1121", "王")`` or
  ``{"sequence": "1121", "after": "王"}``). With a placement the character goes just after that
  table character (several placed after the same one are ordered by stroke count, then
  sequence). A plain sequence cannot be interleaved with the table without per-character data,
  so the character sorts after every table character, before the unknown ones, ordered by
  (stroke count, sequence) among the other plain overrides. This applies to a table character
  too: to correct one, give a placement;
* a character with neither a rank nor an override sorts after everything else (code point
  order among themselves).

Name order: the first character decides; with the same first character a two-character name
comes before every longer one (王毅 before 王小洪); then the following characters one by one.
Whitespace and the middle dot of minority names (· ・ • . and look-alikes) are ignored.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin

__all__ = [
    "CORRECTIONS",
    "Override",
    "overrides",
    "pinyin_full",
    "pinyin_initials",
    "sort_by_strokes",
    "stroke_key",
    "stroke_sequence",
]

# An override: a stroke sequence (digits 1-5), optionally with the table character it follows.
Override = str | tuple[str, str] | Mapping[str, str]

# Administrator overrides: character -> Override. Used when a function is not given an
# explicit ``overrides`` mapping. A later issue loads these from the database.
overrides: dict[str, Override] = {}

# Known errors in cn-sort's rank table (RULES.md 8.3): character -> (correct sequence, the table
# character it goes immediately after). Placements found by comparing each sequence with its
# neighbours in the table (common ones via cnchar-order's sequences, 咢 251251115 by hand).
CORRECTIONS: dict[str, tuple[str, str]] = {
    "达": ("134454", "灰"),
    "虽": ("251251214", "咢"),
    "钚": ("311151324", "钙"),
    "辔": ("5511512551251", "缛"),
    "芈": ("2121112", "忐"),
}

# Layout of stroke_key(): every character becomes one field; fields are prefix-free and two
# fields of the same character compare equal and have the same length, so plain string
# comparison (C collation) compares names character by character.
#   in the table:  RRRRR0                      (5-digit rank in cn-sort's table)
#   placed:        RRRRR1 CC SEQ HHHHHH        (just after table entry RRRRR; CC = stroke count,
#                                               SEQ = sequence, HHHHHH = code point in hex)
#   override only: S CC SEQ HHHHHH             ('S' sorts after every digit)
#   unknown:       U HHHHHH                    ('U' after 'S')
# After the first character's field comes one length digit: 0 = one character, 1 = two
# characters (single given name), 2 = longer. Keys longer than 128 characters are cut; a cut
# never reverses an order (only names equal up to the cut tie).
MAX_KEY_LENGTH = 128

_SEQUENCE_RE = re.compile(r"[1-5]{1,64}")
_MAX_STROKES = 64
_IGNORED = frozenset("·・•‧･∙.．")  # middle dot of minority names and its look-alikes
_HAN_MIN = 0x2E80  # the table's first 96 entries are ASCII; only Han characters count


def _table_path() -> Path:
    """Path of cn-sort's rank table, found without importing ``cn_sort``.

    Importing it runs its logging setup, which writes ``all.log`` / ``error.log`` into the
    current directory and disables already configured loggers.
    """
    spec = importlib.util.find_spec("cn_sort")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the cn-sort package (its stroke rank table) is not installed")
    for location in spec.submodule_search_locations:
        path = Path(location, "res", "all_word.json")
        if path.is_file():
            return path
    raise ImportError("cn-sort is installed without its res/all_word.json table")


@cache
def _ranks() -> dict[str, int]:
    """Han character -> rank in cn-sort's table."""
    with _table_path().open(encoding="utf-8") as fh:
        entries = json.load(fh)["all_word"]
    ranks: dict[str, int] = {}
    for entry in entries:  # one entry per (character, reading); the rank is per character
        char = entry["chinese"]
        if len(char) == 1 and ord(char) >= _HAN_MIN:
            ranks[char] = int(entry["stroke_increment_level"])
    if ranks and max(ranks.values()) > 99_999:
        raise ValueError("cn-sort's table has ranks beyond five digits")
    return ranks


def _registry(extra: Mapping[str, Override] | None) -> Mapping[str, Override]:
    """The overrides in force: the ones given, else the module-level registry."""
    return overrides if extra is None else extra


def _parse(char: str, value: Override) -> tuple[str, str | None]:
    """(sequence, after-character or None) of one override, validated."""
    after: str | None
    if isinstance(value, str):
        sequence, after = value, None
    elif isinstance(value, Mapping):
        sequence, after = value.get("sequence", ""), value.get("after") or None
    elif isinstance(value, tuple | list) and len(value) == 2:
        sequence, after = value[0], value[1] or None
    else:
        raise ValueError(f"override for {char!r} must be a sequence or (sequence, after)")
    if not isinstance(sequence, str) or not _SEQUENCE_RE.fullmatch(sequence):
        raise ValueError(f"stroke sequence for {char!r} must be 1-{_MAX_STROKES} digits 1-5")
    return sequence, after


def _check_after(char: str, after: str, extra: Mapping[str, Override]) -> int:
    """Table rank of the character ``char`` is placed after; it must keep its own rank."""
    rank = _ranks().get(after)
    if rank is None or after in CORRECTIONS or after in extra:
        raise ValueError(
            f"{char!r} can only be placed after a character with its own rank in cn-sort's "
            f"table, not {after!r}"
        )
    return rank


def _field(char: str, extra: Mapping[str, Override]) -> str:
    value = extra.get(char)
    if value is not None:
        sequence, after = _parse(char, value)
    elif char in CORRECTIONS:
        sequence, after = CORRECTIONS[char]
    else:
        rank = _ranks().get(char)
        if rank is not None:
            return f"{rank:05d}0"
        return f"U{ord(char):06X}"
    tail = f"{len(sequence):02d}{sequence}{ord(char):06X}"
    if after is None:
        return "S" + tail
    return f"{_check_after(char, after, extra):05d}1{tail}"


def _clean(name: str) -> str:
    return "".join(ch for ch in name if not ch.isspace() and ch not in _IGNORED)


def _key(name: str, extra: Mapping[str, Override] | None) -> str:
    chars = _clean(name)
    if not chars:
        return ""
    in_force = _registry(extra)
    fields: dict[str, str] = {}
    for ch in chars:
        if ch not in fields:
            fields[ch] = _field(ch, in_force)
    length_digit = "0" if len(chars) == 1 else "1" if len(chars) == 2 else "2"
    return fields[chars[0]] + length_digit + "".join(fields[ch] for ch in chars[1:])


def stroke_key(name: str, overrides: Mapping[str, Override] | None = None) -> str:
    """ASCII sort key of ``name`` in 姓氏笔画 order, at most 128 characters.

    Ordinary string comparison (SQLite, PostgreSQL with C collation) of two keys orders the
    names as RULES.md 8 requires. ``overrides`` (char -> Override) defaults to the module-level
    ``overrides`` registry. Equal keys mean equal order: keep a stable secondary key. Keys of
    names containing an overridden character change when its override does.
    """
    return _key(name, overrides)[:MAX_KEY_LENGTH]


def sort_by_strokes(
    names: Iterable[str], overrides: Mapping[str, Override] | None = None
) -> list[str]:
    """The names in 姓氏笔画 order; names with equal keys keep their input order."""
    return sorted(names, key=lambda name: _key(name, overrides))


def stroke_sequence(char: str, overrides: Mapping[str, Override] | None = None) -> str | None:
    """The stroke sequence (digits 1-5) of an overridden or corrected character, else None.

    Only overrides and the five built-in corrections carry sequences: for every other
    character cn-sort's table gives a rank only, so None does not mean the character is
    unknown to the ordering.
    """
    value = _registry(overrides).get(char)
    if value is not None:
        return _parse(char, value)[0]
    correction = CORRECTIONS.get(char)
    return correction[0] if correction else None


# Surname readings that differ from the everyday reading pypinyin picks (单 dan -> shan).
_COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "乐正": ("yue", "zheng"),
}
_SURNAMES: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "覃": "qin",
    "繁": "po",
    "缪": "miao",
    "乐": "yue",
    "员": "yun",
    "召": "shao",
    "种": "chong",
    "秘": "bi",
    "薄": "bo",
    "折": "she",
    "祭": "zhai",
    "句": "gou",
    "能": "nai",
    "隗": "wei",
    "翟": "zhai",
    "莘": "shen",
    "阚": "kan",
    "重": "chong",
    "洗": "xian",
    "粘": "nian",
    "贲": "ben",
    "黑": "he",
}


def _syllables(name: str, surname: bool) -> list[str]:
    """Lowercase toneless syllables of a name, the surname read as a surname if ``surname``.

    Runs of other characters become one lowercase alphanumeric item each (David王 -> david, wang).
    """
    chars = _clean(name)
    head: list[str] = []
    if surname and chars[:2] in _COMPOUND_SURNAMES:
        head, chars = list(_COMPOUND_SURNAMES[chars[:2]]), chars[2:]
    elif surname and chars[:1] in _SURNAMES:
        head, chars = [_SURNAMES[chars[0]]], chars[1:]
    items = head + lazy_pinyin(chars, style=Style.NORMAL, errors="default")
    cleaned = (
        "".join(ch for ch in item.lower() if ch.isascii() and ch.isalnum()) for item in items
    )
    return [item for item in cleaned if item]


def pinyin_initials(name: str, *, surname: bool = True) -> str:
    """Lowercase pinyin initials of a name: 张三 -> ``zs``, 单雄信 -> ``sxx``.

    ``surname=False`` reads the first character as an ordinary word (for names of things).
    """
    return "".join(syllable[0] for syllable in _syllables(name, surname))


def pinyin_full(name: str, *, surname: bool = True) -> str:
    """Lowercase toneless pinyin without separators (ü as v): 曾国藩 -> ``zengguofan``."""
    return "".join(_syllables(name, surname))
