"""姓氏笔画 collation (RULES.md 8) and pinyin initials; pure Python, no database."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dangjian.core import strokes
from dangjian.core.strokes import (
    pinyin_full,
    pinyin_initials,
    sort_by_strokes,
    stroke_key,
    stroke_sequence,
)

# The official list lives in the steering repo's shared/ folder beside this repo; it must not
# be copied in here, so the facts it pins are repeated below as small in-repo tests.
GOLDEN = Path(__file__).resolve().parents[3] / "shared" / "data" / "names" / "cc20-stroke-order.txt"


def _golden_names() -> list[str]:
    if not GOLDEN.is_file():
        pytest.skip(f"official stroke-order list not available at {GOLDEN}")
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _by_key(names: list[str]) -> list[str]:
    """Order by plain string comparison of stroke_key(), as the database does."""
    return sorted(names, key=stroke_key)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_golden_list_reproduces_published_order(seed: int) -> None:
    names = _golden_names()
    assert len(names) == 205
    shuffled = names[:]
    random.Random(seed).shuffle(shuffled)
    assert sort_by_strokes(shuffled) == names
    assert _by_key(shuffled) == names


def test_golden_list_keys_are_short_ascii() -> None:
    for name in _golden_names():
        key = stroke_key(name)
        assert key.isascii() and len(key) <= 128


def test_four_stroke_surnames_in_standard_order() -> None:
    # ICU's zh@collation=stroke gives 尹孔文方毛王.
    expected = list("王毛文方尹孔")
    assert sort_by_strokes(list("尹孔文方毛王")) == expected
    assert _by_key(list("孔尹方文毛王")) == expected


def test_deng_has_four_strokes() -> None:
    assert stroke_sequence("邓") == "5452"
    # after the last four-stroke shapes (孔 5215), before the first five-stroke ones (玉 11214)
    assert sort_by_strokes(["玉", "邓", "孔", "王"]) == ["王", "孔", "邓", "玉"]
    assert stroke_key("孔") < stroke_key("邓") < stroke_key("玉")


@pytest.mark.parametrize(
    ("char", "sequence", "before", "after", "table_error"),
    [
        # char, correct sequence, a character just before it, one just after it, and a
        # character that cn-sort's own table puts on the wrong side of it
        ("达", "134454", "灰", "列", "戊"),  # table: among the 5-stroke characters
        ("虽", "251251214", "咣", "品", "虼"),
        ("钚", "311151324", "钙", "钛", "钙"),
        ("辔", "5511512551251", "缛", "缝", "缛"),
        ("芈", "2121112", "忐", "步", "芙"),  # table: before 芙 1221134
    ],
)
def test_corrected_characters(
    char: str, sequence: str, before: str, after: str, table_error: str
) -> None:
    assert stroke_sequence(char) == sequence
    assert stroke_key(before) < stroke_key(char) < stroke_key(after)
    assert sort_by_strokes([after, char, before]) == [before, char, after]
    assert stroke_key(table_error) < stroke_key(char)


def test_two_character_name_before_longer_names_with_same_surname() -> None:
    # 毅 (15 strokes) sorts after 小 (3): the length rule wins within one surname
    assert sort_by_strokes(["王小洪", "王毅"]) == ["王毅", "王小洪"]
    assert stroke_key("王毅") < stroke_key("王小洪")
    # and a two-character name whose given name sorts first is first anyway
    assert sort_by_strokes(["王一鸣", "王一"]) == ["王一", "王一鸣"]


def test_length_rule_does_not_cross_surnames() -> None:
    # a three-character name with an earlier surname stays before a two-character name
    assert sort_by_strokes(["毛毅", "王小洪"]) == ["王小洪", "毛毅"]
    assert stroke_key("王小洪") < stroke_key("毛毅")


def test_length_is_not_otherwise_a_key() -> None:
    # among longer names, the following characters decide (小 234 before 广 413)
    assert sort_by_strokes(["王广华", "王小洪明"]) == ["王小洪明", "王广华"]
    assert stroke_key("王小洪明") < stroke_key("王广华")


def test_compound_surname_files_under_first_character() -> None:
    names = ["蓝天立", "诸葛宇杰", "谢春涛", "诸一鸣", "诸明", "徐麟"]
    expected = ["徐麟", "诸明", "诸一鸣", "诸葛宇杰", "谢春涛", "蓝天立"]
    assert sort_by_strokes(names) == expected
    assert _by_key(names) == expected


@pytest.mark.parametrize(
    "variant",
    [
        "艾尔肯吐尼亚孜",
        "艾尔肯・吐尼亚孜",
        "艾尔肯•吐尼亚孜",
        "艾尔肯.吐尼亚孜",
        " 艾尔肯 · 吐尼亚孜 ",
    ],
)
def test_middle_dot_and_whitespace_ignored(variant: str) -> None:
    assert stroke_key(variant) == stroke_key("艾尔肯·吐尼亚孜")


def test_whitespace_inside_two_character_names_ignored() -> None:
    assert stroke_key("王　毅") == stroke_key("王 毅") == stroke_key("王毅")
    assert stroke_key("王 毅") < stroke_key("王小洪")


EXT_B = "\U0002000a"  # 𠀊, CJK Extension B, not in the table


def test_unknown_characters_sort_after_known_ones() -> None:
    assert stroke_sequence(EXT_B) is None
    assert sort_by_strokes([EXT_B, "A", "龘", "一"]) == ["一", "龘", "A", EXT_B]
    assert sort_by_strokes([f"{EXT_B}明", "A明", "龘明"]) == ["龘明", "A明", f"{EXT_B}明"]
    # and within a name
    assert sort_by_strokes(["王" + EXT_B, "王龘"]) == ["王龘", "王" + EXT_B]


def test_override_places_unknown_character() -> None:
    extra = {EXT_B: "1123"}  # between 王 1121 and 井 1132
    assert stroke_sequence(EXT_B, extra) == "1123"
    assert sort_by_strokes(["井", EXT_B, "王", "玉"], extra) == ["王", EXT_B, "井", "玉"]
    assert stroke_key("王", extra) < stroke_key(EXT_B, extra) < stroke_key("井", extra)


def test_module_registry_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(strokes.overrides, "A", "12")  # a two-stroke shape, like 丁 12
    assert stroke_sequence("A") == "12"
    assert sort_by_strokes(["王", "A", "一"]) == ["一", "A", "王"]
    # an explicit mapping replaces the registry
    assert sort_by_strokes(["王", "A", "一"], {}) == ["一", "王", "A"]


def test_overrides_keep_their_own_order_in_one_slot() -> None:
    extra = {"X": "11231", "Y": "11232", "Z": "1123"}
    assert sort_by_strokes(["Y", "X", "Z"], extra) == ["Z", "X", "Y"]


def test_override_corrects_a_known_character() -> None:
    assert sort_by_strokes(["毛", "王"], {"王": "5"}) == ["王", "毛"]  # one stroke now


@pytest.mark.parametrize("bad", ["12a", "0", "6", "1" * 65])
def test_invalid_override_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        stroke_key("A", {"A": bad})


def test_keys_are_fixed_width_ascii_and_bounded() -> None:
    assert stroke_key("") == ""
    assert len(stroke_key("王")) == 8
    assert len(stroke_key("王毅")) == 15
    assert len(stroke_key("王小洪")) == 22
    fifteen = "努尔兰阿不都满金艾尔肯吐尼亚孜"
    assert len(fifteen) == 15 and len(stroke_key(fifteen)) <= 128
    long_key = stroke_key(fifteen * 3 + EXT_B)
    assert long_key.isascii() and len(long_key) <= 128


def test_sort_is_stable_for_equal_keys() -> None:
    assert sort_by_strokes(["王 凯", "王凯"]) == ["王 凯", "王凯"]
    assert sort_by_strokes(["王凯", "王 凯"]) == ["王凯", "王 凯"]


def test_anchor_table_agrees_with_rank_table() -> None:
    # Every built-in sequence is in cn-sort's table and in its order; none was dropped.
    table = strokes._table()
    anchors = [ch for ch in table.anchor_sequences if ch not in strokes.CORRECTIONS]
    assert len(table.anchor_ranks) == len(anchors) > 600


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("张三", "zs", "zhangsan"),
        ("单雄信", "sxx", "shanxiongxin"),
        ("曾国藩", "zgf", "zengguofan"),
        ("仇英", "qy", "qiuying"),
        ("吕布", "lb", "lvbu"),
        ("尉迟恭", "ycg", "yuchigong"),
        ("艾尔肯·吐尼亚孜", "aektnyz", "aierkentuniyazi"),
        (" 王 毅 ", "wy", "wangyi"),
        ("David王", "dw", "davidwang"),
    ],
)
def test_pinyin(name: str, initials: str, full: str) -> None:
    assert pinyin_initials(name) == initials
    assert pinyin_full(name) == full


def test_pinyin_without_surname_reading() -> None:
    assert pinyin_full("单位", surname=False) == "danwei"
    assert pinyin_initials("单位", surname=False) == "dw"
