"""姓氏笔画 collation (RULES.md 8) and pinyin initials; pure Python, no database."""

from __future__ import annotations

import os
import random
import subprocess
import sys
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


def test_deng_sorts_with_the_four_stroke_characters() -> None:
    # 邓 5452 has four strokes: after 王 1121, 毛 3115 and 孔 5215, before the five-stroke
    # 玉 11214, 石 13251, 田 25121 and 白 32511
    names = ["白", "石", "邓", "田", "孔", "玉", "毛", "王"]
    expected = ["王", "毛", "孔", "邓", "玉", "石", "田", "白"]
    assert sort_by_strokes(names) == expected
    assert _by_key(names) == expected
    assert stroke_sequence("邓") is None  # the table gives a rank, not a sequence


@pytest.mark.parametrize(
    ("char", "sequence", "before", "after", "table_error"),
    [
        # char, correct sequence, the table character just before it, the one just after it,
        # and a character that cn-sort's own table puts on the wrong side of it
        ("达", "134454", "灰", "戍", "戊"),  # table: among the 5-stroke characters
        ("虽", "251251214", "咢", "剈", "虼"),
        ("钚", "311151324", "钙", "钛", "钙"),
        ("辔", "5511512551251", "缛", "缝", "缛"),
        ("芈", "2121112", "忐", "步", "芙"),  # table: before 芙 1221134
    ],
)
def test_corrected_characters(
    char: str, sequence: str, before: str, after: str, table_error: str
) -> None:
    assert stroke_sequence(char) == sequence
    assert strokes.CORRECTIONS[char] == (sequence, before)
    assert stroke_key(before) < stroke_key(char) < stroke_key(after)
    assert sort_by_strokes([after, char, before]) == [before, char, after]
    assert stroke_key(table_error) < stroke_key(char)
    # nothing of the table falls between the correction and its neighbours
    ranks = strokes._ranks()
    assert ranks[after] == ranks[before] + 1


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


def test_plain_override_sorts_after_known_before_unknown() -> None:
    extra = {EXT_B: "1123"}  # a sequence alone cannot be interleaved with the table
    assert stroke_sequence(EXT_B, extra) == "1123"
    assert sort_by_strokes(["B", EXT_B, "龘", "一"], extra) == ["一", "龘", EXT_B, "B"]
    assert stroke_key("龘", extra) < stroke_key(EXT_B, extra) < stroke_key("B", extra)


def test_plain_overrides_ordered_by_count_then_sequence() -> None:
    extra = {"X": "11231", "Y": "11232", "Z": "1123", "W": "5"}
    assert sort_by_strokes(["Y", "X", "Z", "W"], extra) == ["W", "Z", "X", "Y"]
    assert _by_key(["Y", "X", "Z", "W"]) == ["W", "X", "Y", "Z"]  # no overrides: code points


def test_plain_override_of_a_table_character_leaves_the_table() -> None:
    assert sort_by_strokes(["王", "龘"], {"王": "1121"}) == ["龘", "王"]


@pytest.mark.parametrize(
    "value", [("1123", "王"), ["1123", "王"], {"sequence": "1123", "after": "王"}]
)
def test_override_with_placement_places_unknown_character(value: object) -> None:
    extra = {EXT_B: value}
    assert stroke_sequence(EXT_B, extra) == "1123"
    assert sort_by_strokes(["井", EXT_B, "王", "玉"], extra) == ["王", EXT_B, "井", "玉"]
    assert stroke_key("王", extra) < stroke_key(EXT_B, extra) < stroke_key("井", extra)


def test_override_with_placement_moves_a_table_character() -> None:
    extra = {"王": ("5", "乙")}  # pretend 王 were a one-stroke character after 乙
    names = ["毛", "王", "二", "乙", "一"]
    assert sort_by_strokes(names) == ["一", "乙", "二", "王", "毛"]
    assert sort_by_strokes(names, extra) == ["一", "乙", "王", "二", "毛"]
    assert stroke_key("乙", extra) < stroke_key("王", extra) < stroke_key("二", extra)


def test_placed_overrides_keep_their_own_order_in_one_slot() -> None:
    extra = {"X": ("11231", "王"), "Y": ("11232", "王"), "Z": ("1123", "王")}
    names = ["井", "Y", "X", "王", "Z"]
    assert sort_by_strokes(names, extra) == ["王", "Z", "X", "Y", "井"]
    assert sorted(names, key=lambda name: stroke_key(name, extra)) == ["王", "Z", "X", "Y", "井"]


def test_module_registry_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(strokes.overrides, "A", ("12", "丁"))  # a two-stroke shape, after 丁
    assert stroke_sequence("A") == "12"
    assert sort_by_strokes(["王", "A", "丁", "一"]) == ["一", "丁", "A", "王"]
    # an explicit mapping replaces the registry
    assert sort_by_strokes(["王", "A", "丁", "一"], {}) == ["一", "丁", "王", "A"]


@pytest.mark.parametrize("after", ["A", "B", "达", "毛", "王王"])
def test_placement_needs_a_character_with_its_own_rank(after: str) -> None:
    # itself, not in the table, a corrected character, an overridden one, not one character
    with pytest.raises(ValueError):
        stroke_key("A", {"A": ("12", after), "毛": "3115"})


@pytest.mark.parametrize(
    "bad", ["12a", "0", "6", "1" * 65, "", ("12a", "王"), {"after": "王"}, ("12",), 12]
)
def test_invalid_override_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        stroke_key("A", {"A": bad})


def test_keys_are_ascii_and_bounded() -> None:
    assert stroke_key("") == ""
    assert len(stroke_key("王")) == 7
    assert len(stroke_key("王毅")) == 13
    assert len(stroke_key("王小洪")) == 19
    fifteen = "努尔兰阿不都满金艾尔肯吐尼亚孜"
    assert len(fifteen) == 15 and len(stroke_key(fifteen)) <= 128
    long_key = stroke_key(fifteen * 3 + EXT_B)
    assert long_key.isascii() and len(long_key) == 128
    long_override = {"A": "1" * 64}
    assert len(stroke_key("A" * 5, long_override)) == 128
    assert stroke_key("达" * 20).isascii()


def test_sort_is_stable_for_equal_keys() -> None:
    assert sort_by_strokes(["王 凯", "王凯"]) == ["王 凯", "王凯"]
    assert sort_by_strokes(["王凯", "王 凯"]) == ["王凯", "王 凯"]


def test_table_read_without_importing_cn_sort(tmp_path: Path) -> None:
    # importing cn_sort writes all.log / error.log into the current directory
    code = (
        "import sys\n"
        "from dangjian.core.strokes import sort_by_strokes\n"
        "assert sort_by_strokes(['王毅', '丁学东']) == ['丁学东', '王毅']\n"
        "assert 'cn_sort' not in sys.modules\n"
    )
    src = str(Path(strokes.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True)
    assert list(tmp_path.iterdir()) == []


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
