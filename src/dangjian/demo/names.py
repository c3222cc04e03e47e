"""Name material for the fictional 示范县 (demo only).

Typed by hand for this project: common surnames of western Fujian with rough weights, and
everyday given-name characters by generation. No dataset was copied; the people are invented.
"""

from __future__ import annotations

import random

# Surname -> relative weight. The Hakka counties of 三明 have many 张/王/李/邱/伍/巫/赖/曾.
SURNAMES: dict[str, int] = {
    "张": 90, "王": 70, "李": 70, "刘": 55, "陈": 60, "林": 45, "黄": 45, "吴": 35,
    "邱": 30, "曾": 28, "罗": 26, "伍": 22, "巫": 20, "赖": 20, "廖": 18, "温": 16,
    "谢": 16, "杨": 16, "徐": 14, "傅": 12, "江": 12, "范": 10, "邓": 10, "魏": 10,
    "严": 8, "黎": 8, "余": 10, "曹": 12, "阴": 6, "雷": 8, "钟": 10, "蓝": 6,
    "朱": 10, "周": 12, "郑": 12, "胡": 10, "何": 10, "高": 8, "马": 6, "孙": 6,
    "汤": 6, "游": 8, "官": 5, "卢": 8, "丁": 4, "熊": 6, "彭": 8, "萧": 6,
    "肖": 8, "夏": 5, "姚": 5, "宁": 3, "饶": 6, "池": 4, "童": 4, "俞": 4,
    "上官": 2, "欧阳": 2,
}  # fmt: skip

# Surnames common among the 畲族 of Fujian, and among 回族; used for those members first.
MINORITY_SURNAMES: dict[str, dict[str, int]] = {
    "畲族": {"蓝": 40, "雷": 40, "钟": 25, "李": 5},
    "回族": {"马": 30, "丁": 20, "白": 10, "郭": 5},
}

# Minority members in a 三明 county: mostly 畲族, a few from elsewhere (names from ETHNICITIES).
MINORITY_WEIGHTS: dict[str, int] = {
    "畲族": 76, "回族": 7, "苗族": 5, "土家族": 3, "壮族": 3, "满族": 2, "侗族": 2, "布依族": 1,
    "彝族": 1,
}  # fmt: skip

# Given-name characters by generation and gender. Older people carry the era's characters.
_GIVEN = {
    ("old", "male"): "国建华明福生春荣德水金林发文忠平安民贵元庆昌兴祥根茂清松山财有仁义光成宝",
    ("old", "female"): "秀英兰桂芳珍凤玉梅花琴美春金莲翠月菊娥香云霞素淑爱华娣妹荣",
    ("mid", "male"): "伟强军勇杰涛明超斌鹏辉峰林文志海俊东亮坤锋毅宏建平华剑波晖勤彬龙",
    ("mid", "female"): "芳娜敏静丽艳娟玲燕霞红梅琳萍婷雪慧莉兰凤琴云颖倩晶蓉洁薇华丹青",
    ("young", "male"): "浩宇凯晨旭鑫睿泽博逸轩皓然嘉航磊杰铭昊涵森阳辰哲翔俊豪毅志诚",
    ("young", "female"): "欣怡婧璐瑶雯妍琪佳颖悦涵萱琳婷雪晴思诗梦菲蕾娇倩莹语彤",
}

# Town names used in unit names (派出所, 卫生院 …) are as invented as the county.
TOWNS = ("城关", "东山", "西溪", "石桥", "白沙", "龙泉", "凤凰", "南岭", "北坑", "安乐")


def _generation(birth_year: int) -> str:
    if birth_year < 1965:
        return "old"
    if birth_year < 1990:
        return "mid"
    return "young"


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_name(rng: random.Random, *, gender: str, birth_year: int, ethnicity: str = "汉族") -> str:
    """An invented Chinese name: a surname and one or (usually) two given-name characters."""
    special = MINORITY_SURNAMES.get(ethnicity)
    if special and rng.random() < 0.7:
        surname = _pick(rng, special)
    else:
        surname = _pick(rng, SURNAMES)
    pool = _GIVEN[(_generation(birth_year), gender)]
    # Single-character given names are commoner among the young; never for compound surnames.
    single = len(surname) == 1 and rng.random() < (0.28 if birth_year >= 1980 else 0.12)
    if single:
        return surname + rng.choice(pool)
    first = rng.choice(pool)
    second = rng.choice(pool)
    while second == first:
        second = rng.choice(pool)
    return surname + first + second
