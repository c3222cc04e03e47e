"""The offline near-duplicate engine (dangjian.opinions.similarity): pure Python, no database."""

import random
from collections import defaultdict
from pathlib import Path

import pytest

from dangjian.opinions import similarity
from dangjian.opinions.similarity import (
    DEFAULT_THRESHOLD,
    Item,
    SimilarityIndex,
    TextSpace,
    consolidate,
    normalise,
    pair_score,
    pair_scores,
)
from dangjian.opinions.textnorm import opinion_text

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "taidi2020c" / "附件3.xlsx"

NOISE = "A3区丽发新城小区附近搅拌站噪音扰民，晚上无法睡觉，请求相关部门尽快处理"
TEXTS = [
    NOISE,  # 0
    "投诉A3区丽发新城小区附近的搅拌站噪音扰民，晚上根本无法入睡，请尽快处理！",  # 1 near
    "\n\t\t\tA3区丽发新城小区附近搅拌站噪音扰民， 晚上无法睡觉，请求相关部门尽快处理",  # 2 exact
    "A7县星沙一桥从早堵到晚，什么时候动工加宽？",  # 3
    "A市人才购房补贴申请不通过的原因是什么",  # 4
    "建议在梅溪湖公园增设公共厕所和垃圾桶",  # 5
    "A7县星沙一桥每天从早堵到晚，请问何时动工加宽",  # 6 near 3
]
POOL = (
    "的一是不了人在有我他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头"
    "面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向"
)


def items_of(texts, blocks=None):
    blocks = blocks or [""] * len(texts)
    return [Item(id=i, text=t, block=b) for i, (t, b) in enumerate(zip(texts, blocks, strict=True))]


def chain_texts(n=12, width=40, step=8, seed=3):
    """Sliding windows over one random string: neighbours overlap 80 %, the ends not at all."""
    rng = random.Random(seed)
    source = "".join(rng.choice(POOL) for _ in range(step * (n - 1) + width))
    return [source[k * step : k * step + width] for k in range(n)]


# ---------------------------------------------------------------- normalise / pair_score


def test_normalise_strips_noise_width_case_and_punctuation():
    assert (
        normalise("\n\t\t\tＡ３区　一米阳光！！\u200b《婚纱》_摄影, OK?")
        == "a3区一米阳光婚纱摄影ok"
    )
    assert normalise("") == ""
    assert normalise(" \n\t，。！") == ""
    # Letters and digits are kept, whatever the script.
    assert normalise("Café 2019年") == "café2019年"


def test_opinion_text_is_title_plus_the_start_of_the_details():
    details = "\n\t\t\t" + "详情很长，" * 100
    text = opinion_text("标题？", details, detail_chars=10)
    assert normalise(text) == "标题" + "详情很长详情很长详情"
    assert opinion_text("", "只有详情") == "只有详情"
    assert opinion_text("只有标题", None) == "只有标题"


def test_pair_score_bounds_symmetry_and_identity():
    assert pair_score(TEXTS[0], TEXTS[2]) == 1.0  # the same text under whitespace noise
    assert pair_score("", "") == 0.0
    assert pair_score("", TEXTS[0]) == 0.0
    for a in TEXTS:
        for b in TEXTS:
            s = pair_score(a, b)
            assert 0.0 <= s <= 1.0
            assert s == pytest.approx(pair_score(b, a))


def test_pair_score_separates_near_duplicates_from_unrelated_texts():
    space = TextSpace.fit(TEXTS)
    assert pair_score(TEXTS[0], TEXTS[1], space=space) >= DEFAULT_THRESHOLD
    assert pair_score(TEXTS[3], TEXTS[6], space=space) >= DEFAULT_THRESHOLD
    assert pair_score(TEXTS[0], TEXTS[3], space=space) < DEFAULT_THRESHOLD
    assert pair_score(TEXTS[4], TEXTS[5], space=space) < DEFAULT_THRESHOLD


def test_pair_scores_matches_pair_score_and_checks_lengths():
    space = TextSpace.fit(TEXTS)
    bulk = pair_scores(TEXTS, list(reversed(TEXTS)), space=space)
    for a, b, s in zip(TEXTS, reversed(TEXTS), bulk, strict=True):
        assert s == pytest.approx(pair_score(a, b, space=space))
    with pytest.raises(ValueError):
        pair_scores(["a"], [])


def test_one_character_texts_compare_without_bigrams():
    assert pair_score("路", "路") == 1.0
    assert pair_score("路", "灯") == 0.0


# ---------------------------------------------------------------- consolidate


def test_exact_and_near_duplicates_group_and_unrelated_do_not():
    assert consolidate(items_of(TEXTS)) == [[0, 1, 2], [3, 6], [4], [5]]


def test_every_item_in_exactly_one_group_in_input_order():
    ids = ["x9", "a1", "m5", "b2", "z0", "c3", "k4"]
    items = [Item(id=i, text=t) for i, t in zip(ids, TEXTS, strict=True)]
    groups = consolidate(items)
    flat = [i for g in groups for i in g]
    assert sorted(flat) == sorted(ids)
    assert len(flat) == len(set(flat))
    position = {i: p for p, i in enumerate(ids)}
    for g in groups:
        assert [position[i] for i in g] == sorted(position[i] for i in g)
    firsts = [position[g[0]] for g in groups]
    assert firsts == sorted(firsts)
    assert groups == [["x9", "a1", "m5"], ["b2", "k4"], ["z0"], ["c3"]]


def test_empty_and_single_inputs():
    assert consolidate([]) == []
    assert consolidate([Item(id=7, text=NOISE)]) == [[7]]
    assert consolidate([Item(id=1, text=""), Item(id=2, text="")]) == [[1], [2]]


def test_threshold_decides_at_the_boundary():
    space = TextSpace.fit(TEXTS[:2])
    score = pair_score(TEXTS[0], TEXTS[1], space=space)
    pair = items_of(TEXTS[:2])
    assert consolidate(pair, threshold=score - 1e-6) == [[0, 1]]
    assert consolidate(pair, threshold=score + 1e-6) == [[0], [1]]


def test_blocking_separates_identical_texts_of_different_places():
    items = items_of([NOISE, NOISE, NOISE, TEXTS[1]], blocks=["A3区", "A5区", "A3区", "A3区"])
    assert consolidate(items) == [[0, 2, 3], [1]]
    # Without blocking they are one group.
    assert consolidate(items_of([NOISE, NOISE, NOISE, TEXTS[1]])) == [[0, 1, 2, 3]]


def test_consolidation_is_deterministic_whatever_the_order():
    rng = random.Random(11)
    texts = TEXTS + chain_texts() + [t + "。" for t in TEXTS]
    items = items_of(texts)
    first = consolidate(items)
    assert consolidate(items) == first
    as_sets = {frozenset(g) for g in first}
    for _ in range(3):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert {frozenset(g) for g in consolidate(shuffled)} == as_sets


def test_chains_do_not_merge_unrelated_items():
    texts = chain_texts()
    space = TextSpace.fit(texts)
    # Every neighbour pair is a near-duplicate, so single link (union-find) would make one group …
    for a, b in zip(texts, texts[1:], strict=False):
        assert pair_score(a, b, space=space) >= DEFAULT_THRESHOLD
    assert pair_score(texts[0], texts[-1], space=space) < 0.2
    groups = consolidate(items_of(texts))
    # … but the ends of the chain share nothing and must not end up together.
    assert len(groups) > 1
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    assert group_of[0] != group_of[len(texts) - 1]
    for g in groups:  # every group is contiguous and short
        assert g == list(range(g[0], g[0] + len(g)))
        assert len(g) <= 4


def test_giant_components_are_cut_and_copies_still_grouped(monkeypatch):
    monkeypatch.setattr(similarity, "MAX_COMPONENT", 3)
    monkeypatch.setattr(similarity, "SMALL_COMPONENT", 2)
    copies = [NOISE] * 5 + [TEXTS[3], TEXTS[6]]
    assert consolidate(items_of(copies)) == [[0, 1, 2, 3, 4], [5, 6]]
    chain = chain_texts()
    groups = consolidate(items_of(chain))
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    assert group_of[0] != group_of[len(chain) - 1]


def test_progress_reports_up_to_the_total():
    calls = []
    consolidate(items_of(TEXTS), progress=lambda done, total: calls.append((done, total)))
    assert calls
    assert all(0 <= d <= t for d, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1]


# ---------------------------------------------------------------- similar()


def test_similar_ranks_best_first_and_drops_unrelated():
    index = SimilarityIndex(items_of(TEXTS))
    found = index.similar("A3区丽发新城小区附近搅拌站噪音扰民，晚上睡不着，请尽快处理")
    assert [i for i, _ in found] == [0, 2, 1]
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(s >= DEFAULT_THRESHOLD for s in scores)
    assert index.similar("星沙一桥从早堵到晚，何时动工加宽？")[0][0] in (3, 6)
    assert index.similar("完全无关的一句话") == []
    assert index.similar("") == []


def test_similar_k_threshold_and_block():
    items = items_of(TEXTS, blocks=["A3区", "A3区", "A5区", "", "", "", ""])
    index = SimilarityIndex(items)
    query = NOISE
    assert [i for i, _ in index.similar(query, k=1)] == [0]
    assert [i for i, _ in index.similar(query, block="A5区")] == [2]
    assert [i for i, _ in index.similar(query, block="A3区")] == [0, 1]
    assert index.similar(query, block="A9区") == []
    score_of_1 = dict(index.similar(query, threshold=0.0))[1]
    assert 1 in dict(index.similar(query, threshold=score_of_1 - 1e-4))
    assert 1 not in dict(index.similar(query, threshold=score_of_1 + 1e-3))
    assert len(index.similar(query, threshold=0.0, k=100)) == len(TEXTS)


def test_similar_agrees_with_pair_score_in_the_index_space():
    index = SimilarityIndex(items_of(TEXTS))
    query = "投诉丽发新城小区附近搅拌站噪音扰民，晚上无法睡觉"
    for i, s in index.similar(query, threshold=0.0, k=100):
        assert s == pytest.approx(pair_score(query, TEXTS[i], space=index.space), abs=1e-4)


# ---------------------------------------------------------------- real data


def read_annex3():
    if not DATA.exists():
        pytest.skip(f"{DATA} is absent: ../shared/data is only on development and CI machines")
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(DATA)).get_sheet_by_index(0).to_python()
    header = [str(c).strip() for c in rows[0]]
    ti, di = header.index("留言主题"), header.index("留言详情")
    return [(str(r[ti] or ""), str(r[di] or "")) for r in rows[1:] if str(r[ti] or "").strip()]


def test_annex3_identical_titles_land_in_one_group():
    messages = read_annex3()
    by_title = defaultdict(list)
    for i, (title, _) in enumerate(messages):
        by_title[normalise(title)].append(i)
    repeated = {t: ids for t, ids in by_title.items() if len(ids) > 1}
    assert len(repeated) > 90
    # A sample: every repeated title plus 1,000 other messages, compared by title.
    rng = random.Random(5)
    others = [i for ids in by_title.values() if len(ids) == 1 for i in ids]
    sample = sorted([i for ids in repeated.values() for i in ids] + rng.sample(others, 1000))
    groups = consolidate([Item(id=i, text=messages[i][0]) for i in sample])
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    for ids in repeated.values():
        assert len({group_of[i] for i in ids}) == 1, [messages[i][0] for i in ids]
    assert len(groups) < len(sample)


def test_annex3_titles_with_details_mostly_group_together():
    messages = read_annex3()
    groups = consolidate([Item(id=i, text=opinion_text(t, d)) for i, (t, d) in enumerate(messages)])
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    by_title = defaultdict(list)
    for i, (title, _) in enumerate(messages):
        by_title[normalise(title)].append(i)
    repeated = [ids for ids in by_title.values() if len(ids) > 1]
    together = sum(1 for ids in repeated if len({group_of[i] for i in ids}) == 1)
    # Same title, different details (e.g. two 搅拌站 complaints from different estates) may
    # rightly stay apart; most repeated titles are the same message posted again.
    assert together >= 0.8 * len(repeated)
    assert max(len(g) for g in groups) < 50


def test_only_the_start_of_long_texts_is_compared():
    cap = similarity.MAX_TEXT_CHARS
    head = chain_texts(n=1, width=cap, seed=8)[0]
    tail_a, tail_b = chain_texts(n=2, width=400, step=400, seed=9)
    assert pair_score(head + tail_a, head + tail_b) == 1.0
    assert pair_score(head[:-1] + tail_a, head[:-1] + tail_b) < 1.0
    noisy = "\n\t " * 400 + head
    assert pair_score(noisy, head) == 1.0
