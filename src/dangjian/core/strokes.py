"""姓氏笔画 (surname stroke order) collation for Chinese names, and pinyin initials.

Pure Python, no Django: see RULES.md section 8.

Character order (GF 3002-1999 / GF 0023-2020): fewer strokes first; equal counts compare the
stroke classes 横1 竖2 撇3 点4 折5 in writing order; equal sequences by the standard's tie-break.
The per-character order comes from the rank table that the PyPI package ``cn-sort`` ships
(``cn_sort/res/all_word.json``, field ``stroke_increment_level``), read at run time and never
copied here. That table only gives a *rank*, not stroke counts or sequences, so:

* a character whose rank is wrong (``CORRECTIONS``) or that the table lacks (an administrator
  ``overrides`` entry) is *placed* by its stroke sequence between the two neighbouring anchor
  characters whose sequences we do know (``_ANCHOR_TEXT``: the common surnames, the first and
  last common character of every (stroke count, first stroke) block, and the common
  neighbours of each correction), interpolating linearly between their ranks. So a placed
  character is always right against the anchors (the corrections are exact against every
  common character) and close against the rest. Measured at development time on the 6,298
  common characters that are not anchors, each given its own sequence as an override: 24 %
  land exactly, and on average 6 (at most 63) of the ~6,900 common characters end up on the
  wrong side of one.
* a character with neither a rank nor an override sorts after every known one (code point
  order among themselves).

Name order: the first character decides; with the same first character a two-character name
comes before every longer one (王毅 before 王小洪); then the following characters one by one.
Whitespace and the middle dot of minority names (· ・ • . and look-alikes) are ignored.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pypinyin import Style, lazy_pinyin

__all__ = [
    "CORRECTIONS",
    "overrides",
    "pinyin_full",
    "pinyin_initials",
    "sort_by_strokes",
    "stroke_key",
    "stroke_sequence",
]

# Administrator overrides: character -> stroke sequence (digits 1-5). Used when a function is
# not given an explicit ``overrides`` mapping. A later issue loads these from the database.
overrides: dict[str, str] = {}

# Known errors in cn-sort's rank table (RULES.md 8.3), with the correct sequences. These
# characters ignore their table rank and are placed by sequence like an override.
CORRECTIONS: dict[str, str] = {
    "达": "134454",
    "虽": "251251214",
    "钚": "311151324",
    "辔": "5511512551251",
    "芈": "2121112",
}

# Anchors: characters whose stroke sequences we know, in the table's order ("字" followed by
# its sequence). Used (1) to place corrected / overridden characters and (2) to answer
# stroke_sequence(). Sequences taken at development time from the npm package cnchar-order
# (MIT; its letters mapped to the five classes, its known errors of RULES.md 8.3 left out);
# tests/core/test_strokes.py checks that their (count, sequence) order agrees with cn-sort's
# ranks, which catches a wrong sequence that would misplace anything.
_ANCHOR_TEXT = """
一1 乙5 二11 丁12 七15 卜24 冂25 亻32 匕35 刁51 乜55 三111 于112 干112
万153 弋154 上211 巾252 千312 夕354 广413 门425 之454 尸513 卫521 马551
巛555 丰1112 王1121 亓1132 井1132 元1135 韦1152 云1154 支1254 区1345
尤1354 车1512 戈1534 瓦1554 止2121 见2535 午3112 牛3112 毛3115 仇3235
公3454 乌3551 勾3554 殳3554 卞4124 文4134 亢4135 方4153 计4512 心4544
肀5112 尹5113 孔5215 巴5215 邓5452 幻5545 玉11214 甘12211 艾12234
古12251 左13121 厉13153 石13251 龙13534 平14312 戉15534 卡21124 卢21513
帅23252 叶25112 申25112 田25121 由25121 史25134 冉25211 四25351 钅31115
付32124 白32511 仝34121 丛34341 印35152 乐35234 包35515 饥35535 主41121
邝41352 冯41551 兰43111 宁44512 永45534 司51251 皮53254 边53454 母55414
丝55551 匡111215 邢113252 戎113534 吉121251 巩121354 朴123424 权123454
灰134334 戍134534 成135534 尧153135 毕153512 至154121 此212135 师231252
曲251221 吕251251 囡255311 钆311155 朱311234 乔313432 伍321251 伏321344
仲322512 任323121 华323512 伊325113 向325251 全341121 危351355 邬355152
饧355533 冱411551 庄413121 刘413422 齐413432 衣413534 闫425111 闭425123
羊431112 关431134 米431234 江441121 池441525 汤441533 安445531 祁452452
许453112 农453534 诀455134 聿511112 那511352 阮521135 孙521234 阳522511
阴523511 牟543112 纪551515 巡555454 寿1113124 麦1121354 芮1222534
花1223235 严1224313 芦1224513 劳1224553 苏1225344 杜1234121 巫1234341
李1234521 杨1234533 束1251234 豆1251431 来1431234 连1512454 迓1523454
邶2111552 忐2114544 步2121233 肖2432511 时2511124 吴2511134 岑2523445
囫2535331 针3111512 利3123422 邱3212152 何3212512 但3225111 佟3235444
位3241431 佘3411234 余3411234 谷3434251 邸3515452 狄3534334 邹3551152
系3554234 言4111251 况4125135 应4134431 冷4134454 辛4143112 冶4154251
闵4254134 汪4411121 沙4412343 沈4414535 宋4451234 初4523453 诒4554251
君5113251 迟5134454 张5153154 陆5211252 阿5212512 陈5215234 邵5325152
邰5425152 纾5515452 奉11134112 武11212154 幸12143112 苗12225121
苟12235251 苑12235455 范12244155 茅12254523 林12341234 杭12344135
郁13251152 欧13453534 鸢15435451 非21112111 卓21251112 尚24325251
国25112141 明25113511 易25113533 呼25134312 罗25221354 罔25431415
钍31115121 和31234251 季31234521 岳32121252 金34112431 周35121251
饴35554251 冽41135422 冼41312135 庞41313534 於41533444 郑43113452
单43251112 宗44511234 官44525151 郎45115452 房45134153 诩45541541
建51111254 居51312251 屈51352252 孟52125221 练55115534 甾55525121
砉111213251 封121121124 项121132534 赵121213434 郝121323452 荆122113222
荣122451234 胡122513511 茹122531251 南122543112 柯123412512 查123425111
相123425111 柏123432511 柳123435352 毖153545434 韭211121111 战212511534
咣251243135 品251251251 哈251341251 幽255455452 钙311151215 钛311151344
钟311152512 郜312125152 段321113554 修322354333 信324111251 禹325125214
侯325131134 俞341251122 昝354242511 饶355153135 饼355431132 峦412234252
施415331525 闻425122111 姜431121531 娄431234531 宣445125111 宫445251251
祖452425111 祝452425135 诶455431134 郡511325152 费515322534 胥521342511
姚531341534 贺532512534 骆551354251 骈551431132 耕1112341132 秦1113431234
班1121431121 敖1121533134 袁1212513534 都1213251152 耿1221114334
聂1221115454 莫1222511134 晋1224312511 桂1234121121 索1245554234
栗1252211234 贾1252212534 夏1325111354 原1332511234 顾1355132534
致1541213134 龀2121345235 柴2121351234 党2434525135 晁2511341534
晏2511445531 赆2534513444 钰3111511214 钱3111511534 倪3232151135
徐3323411234 殷3351153554 奚3443554134 翁3454541541 卿3535115452
馁3553443531 託4111251315 凌4112134354 栾4122341234 高4125125251
郭4125152152 席4131221252 唐4135112251 浦4411251124 海4413155414
涂4413411234 宾4453212134 容4453434251 诸4512132511 谈4543344334
谊4544525111 剥5112413422 展5131221534 陶5235311252 姬5311225125
桑5454541234 鸶5555135451 彗11121112511 黄12212512134 梅12343155414
曹12512212511 戚13211234534 龚13534122134 盛13553425221 堑15213312121
砦21213513251 常24345251252 崔25232411121 圈25431134551 铐31115121315
银31115511534 符31431432124 盘33541425221 馆35544525151 凑41111341134
麻41312341234 康41351124134 鹿41352211535 章41431251112 商41432534251
盖43112125221 梁44153441234 寇44511352154 宿44532132511 谌45122111345
扈45132515215 谞45521342511 逮51124134454 逯51124134454 尉51311234124
屠51312132511 隋52131212511 隆52354131121 巢55525111234 耠111234341251
揭121251135345 彭121251431333 斯122111343312 葛122251135345 董122312511211
敬122352513134 蒋122412354124 韩122511121152 辜122514143112 植123412251111
惠125112144544 覃125221251112 粟125221431234 翘153135541541 辈211121111512
景251141251234 喻251341251122 黑254312114444 铸311151113124 智311342512511
嵇312341354252 程312342511121 焦324111214444 储324512132511 舒341122515452
鲁352512112511 馋355352513544 註411125141121 童414312511211 普431224312511
曾432524312511 湛441122111345 温441251125221 游441415331521 富445125125121
谢453251113124 谧454543425221 遐512115154454 强515251251214 飨553344511534
耢1112341224553 鄢1212115444452 靳1221251123312 蓝1222231425221
蒲1224411251124 蒙1224511353334 楚1234123452134 楼1234431234531
裘1241344413534 甄1252211211554 雷1452444425121 输1521341251122
督2112345425111 虞2153152511134 路2512121354251 骰2554525113554
锖3111511212511 简3143144252511 詹3513344111251 鲍3525121135515
解3535112533112 馐3554311135211 酱4123541253511 廉4134315112234
雍4155332411121 阙4254315233534 满4411221253434 窦4453412544134
褚4523412132511 谬4554154134333 群5113251431112 缛5511311534124
缝5513541112454 剿5552511123422 耥11123424325251 赫12132341213234
慕12225111342444 蔡12235445411234 蔺12242532411121 臧13513125125534
辗15215131221534 蜚21112111251214 裴21112111413534 鹘25545251135451
锲31115111253134 管31431444525151 鲜35251211431112 馒35525112522154
銮41223434112431 廖41354154134333 阚42551221113134 漆44112343424134
谭45125221251112 谲45545232534251 暨51154153525111 翟54154132411121
熊54251135354444 缪55154154134333 缫55155525111234 慧111211125114544
樊123434341234134 辘152141352211535 龉212134521251251 骸255452511415334
镊311151221115454 黎312343533424134 滕351143113424134 馔355515515122134
熟412515213544444 颜414313333132534 潘441343123425121 谵453513344111251
憨512211131344544 畿554554125121534 耩1112341122125211 燕1221251211354444
薛1223251514143112 薄1224411251124124 霍1452444432411121 臻1541211113431234
冀2113525121122134 黔2543121144443445 镖3111512522111234 穆3123432511234333
衡3323525121134112 邂3535112533112454 憝4125152131344544 禧4524121251431251
壁5132514143112121 缴5513251141533134 璨11212135454431234 戴12125121122134534
鞠12212511235431234 檀12344125251125111 霞14524444512115154
龋21213452325125214 髀25545251132511312 镡31115125221251112
魏31234531325113554 螽35444251214251214 燮41112514334433454
襁45234515251251214 臀51312213435542511 骤55112211154323334
鏊112153313434112431 餮135434333344511534 瞿251112511132411121
髂255452511445354251 镬311151223241112154 鹱354511223241112154
鹰413323241112135451 襟452341234123411234 璧513251414311211214
邋555253415445445454 鬏1211154333312344334 霭1452444445251135345
黼2243143252341251124 髌2554525114453212134 镲3111544535445411234
蟹3535112533112251214 颤4125251125111132534 谶4534341211121111534
襞5132514143112413534 缵5513121353121352534 瓒11213121353121352534
颥14524444132522132534 酆21112111252125143152 黪25431211444454134333
镳31115413522115354444 獾35312225125132411121 魔41312341234325113554
瀵44143123425121122134 鱀51154153535251214444 骧55141251251112213534
蠢111342511251214251214 霹145244445132514143112 颦212123313253432511312
髓255452511131212511454 鳢352512112512211251431 癫413411225111134132534
禳452441251251112213534 鐾513251414311234112431 蠡551353334251214251214
耱1112344131234123413251 霾1452444434435332511211 氍2511125111324111213115
髑2554525112522135251214 镶3111541251251112213534 龢3412512512512512231234
瓤4125125111221353433544 饔4155332411121344511534 鬻5154312345151251254312
鬟12111543332522112513534 颧12225125132411121132534 躜25121213121353121352534
罐31125212225125132411121 齄32511125121132123425111 癯41341251112511132411121
蠲43134252212522135251214 囍121251431251121251431251 蠹125124513251251214251214
躞251212141112514334433454 衢332251112511132411121112 鑫341124313411243134112431
灞441145244441221251123511 襻452341234343412341343112 纛1121554142511112343554234
攮1211251245251251112213534 囔2511251245251251112213534 馕3551251245251251112213534
戆4143125111235412125344544 蠼25121425111251113241112154 爨321125125151145123412341344334
齉325111251211321251245251251112213534
"""

# Field layout of stroke_key(): every character becomes a fixed 7-character ASCII field,
# so plain string comparison (C collation) compares names character by character.
#   in the table:  RRRRR00  (5-digit rank in cn-sort's table)
#   placed (correction / override):  RRRRRss, just after table entry RRRRR, ss = 01..99
#   unknown:       U + 6 hex digits of the code point ('U' sorts after every digit)
# After the first character's field comes one length digit: 0 = one character, 1 = two
# characters (single given name), 2 = longer. 1 + 7 * 18 = 127 <= 128, so names of up to
# 18 characters keep a full key; longer names are truncated (only ties among them suffer).
_FIELD_WIDTH = 7
MAX_KEY_LENGTH = 128
_MAX_KEY_CHARS = (MAX_KEY_LENGTH - 1) // _FIELD_WIDTH  # 18: 1 + 7 * 18 = 127

_SEQUENCE_RE = re.compile(r"[1-5]{1,64}")
_MAX_STROKES = 64
_TO_BASE5 = str.maketrans("12345", "01234")
_IGNORED = frozenset("·・•‧･∙.．")  # middle dot of minority names and its look-alikes
_HAN_MIN = 0x2E80  # the table's first 96 entries are ASCII; only Han characters count


def _value(sequence: str) -> int:
    """An integer that orders sequences as the standard does: by count, then stroke by stroke.

    The count is the leading digit in base 5; the strokes 1-5 follow as base-5 digits 0-4
    (equal counts mean equal lengths, so integer order is then lexicographic order).
    """
    digits = sequence.translate(_TO_BASE5).ljust(_MAX_STROKES, "0")
    return len(sequence) * 5**_MAX_STROKES + int(digits, 5)


@dataclass(frozen=True)
class _Table:
    ranks: dict[str, int]  # Han character -> rank in cn-sort's table
    anchor_sequences: dict[str, str]  # anchor character -> sequence
    anchor_ranks: list[int]  # in table order
    anchor_values: list[int]  # _value() of each anchor, non-decreasing
    end_rank: int  # one past the last rank


@cache
def _table() -> _Table:
    path = resources.files("cn_sort").joinpath("res", "all_word.json")
    with path.open(encoding="utf-8") as fh:
        entries = json.load(fh)["all_word"]
    ranks: dict[str, int] = {}
    for entry in entries:  # one entry per (character, reading); the rank is per character
        char = entry["chinese"]
        if len(char) == 1 and ord(char) >= _HAN_MIN:
            ranks[char] = int(entry["stroke_increment_level"])
    anchors = dict(re.findall(r"(\S)([1-5]+)", _ANCHOR_TEXT))
    placed: list[tuple[int, int]] = []
    for char, sequence in sorted(anchors.items(), key=lambda item: ranks.get(item[0], 0)):
        if char in ranks and char not in CORRECTIONS:
            value = _value(sequence)
            # Keep the anchors monotonic even if a future table disagrees with one of them
            # (a test asserts that none is dropped with the pinned cn-sort version).
            if not placed or value >= placed[-1][1]:
                placed.append((ranks[char], value))
    return _Table(
        ranks=ranks,
        anchor_sequences={**anchors, **CORRECTIONS},
        anchor_ranks=[rank for rank, _ in placed],
        anchor_values=[value for _, value in placed],
        end_rank=max(ranks.values(), default=0) + 1,
    )


def _registry(extra: Mapping[str, str] | None) -> Mapping[str, str]:
    """The overrides in force: the ones given, else the module-level registry."""
    return overrides if extra is None else extra


def _check_sequence(char: str, sequence: str) -> str:
    if not _SEQUENCE_RE.fullmatch(sequence):
        raise ValueError(f"stroke sequence for {char!r} must be 1-{_MAX_STROKES} digits 1-5")
    return sequence


def _placed_field(sequence: str) -> str:
    """Field of a character known only by its sequence.

    Between the last anchor <= it and the next anchor (> it), at the rank found by linear
    interpolation of _value(); the two sub-digits (01..99) keep several characters placed
    after the same table entry in (count, sequence) order among themselves.
    """
    table = _table()
    value = _value(sequence)
    index = bisect_right(table.anchor_values, value) - 1
    if index < 0:  # before every anchor (cannot happen while 一 "1" is one)
        low_rank, low_value = 0, 0
    else:
        low_rank, low_value = table.anchor_ranks[index], table.anchor_values[index]
    if index + 1 < len(table.anchor_values):
        high_rank, high_value = table.anchor_ranks[index + 1], table.anchor_values[index + 1]
    else:
        high_rank, high_value = table.end_rank, (_MAX_STROKES + 1) * 5**_MAX_STROKES
    # low_value <= value < high_value, so low_rank <= rank < high_rank.
    rank, rest = divmod((high_rank - low_rank) * (value - low_value), high_value - low_value)
    sub = 1 + (98 * rest) // (high_value - low_value)
    return f"{low_rank + rank:05d}{sub:02d}"


def _field(char: str, extra: Mapping[str, str]) -> str:
    sequence = extra.get(char) or CORRECTIONS.get(char)
    if sequence is not None:
        return _placed_field(_check_sequence(char, sequence))
    rank = _table().ranks.get(char)
    if rank is not None:
        return f"{rank:05d}00"
    return f"U{ord(char):06X}"


def _clean(name: str) -> str:
    return "".join(ch for ch in name if not ch.isspace() and ch not in _IGNORED)


def _key(name: str, extra: Mapping[str, str] | None, limit: int | None) -> str:
    chars = _clean(name)
    if not chars:
        return ""
    table_overrides = _registry(extra)
    length_digit = "0" if len(chars) == 1 else "1" if len(chars) == 2 else "2"
    fields = [_field(ch, table_overrides) for ch in chars[:limit]]
    return fields[0] + length_digit + "".join(fields[1:])


def stroke_key(name: str, overrides: Mapping[str, str] | None = None) -> str:
    """ASCII sort key of ``name`` in 姓氏笔画 order, at most 128 characters.

    Ordinary string comparison (SQLite, PostgreSQL with C collation) of two keys orders the
    names as RULES.md 8 requires. ``overrides`` (char -> sequence) defaults to the module-level
    ``overrides`` registry. Equal keys mean equal order: keep a stable secondary key.
    """
    return _key(name, overrides, _MAX_KEY_CHARS)


def sort_by_strokes(names: Iterable[str], overrides: Mapping[str, str] | None = None) -> list[str]:
    """The names in 姓氏笔画 order; names with equal keys keep their input order."""
    return sorted(names, key=lambda name: _key(name, overrides, None))


def stroke_sequence(char: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The stroke sequence (digits 1-5) of one character, or None when it is not known.

    Known are: overrides, the built-in corrections and the built-in anchor characters (the
    rank table alone does not give sequences).
    """
    extra = _registry(overrides)
    if extra.get(char):
        return _check_sequence(char, extra[char])
    return _table().anchor_sequences.get(char)


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
