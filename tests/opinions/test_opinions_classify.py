"""Category suggestion (dangjian.opinions.classify): pure Python, no database."""

import io
import pickle
import random
import zipfile
from pathlib import Path

import pytest

from dangjian.opinions import classify
from dangjian.opinions.classify import (
    MIN_CASES,
    MIN_CLASSES,
    MIN_CONFIDENCE,
    MIN_PER_CLASS,
    Suggester,
    Suggestion,
)

TOPICS = Path(__file__).resolve().parents[3] / "shared" / "data" / "taidi2020c" / "留言主题.zip"

PLACES = ["A1区", "A2区", "A3区", "A4区", "A5区", "A6区", "A7县", "A8县", "A9市"]
PATTERNS = {
    "交通运输": [
        "{p}{x}路口红绿灯时间太短，公交车经常堵车",
        "{p}{x}公交线路调整后乘车不便，希望增加班次",
        "{p}{x}出租车拒载严重，请交通部门整治",
    ],
    "环境保护": [
        "{p}{x}工厂夜间排放废气，空气污染严重",
        "{p}{x}河道垃圾成堆，污水直排，请环保部门处理",
        "{p}{x}搅拌站粉尘噪音污染，居民无法开窗",
    ],
    "教育文体": [
        "{p}{x}小学学位紧张，孩子上学难",
        "{p}{x}幼儿园收费过高，家长负担重",
        "{p}{x}中学老师有偿补课，请教育局调查",
    ],
}
SPOTS = ["东路", "西街", "新村", "花园", "广场", "大道", "社区", "镇"]


def synthetic(per_class, seed=1, labels=None):
    rng = random.Random(seed)
    texts, ys = [], []
    for label in labels or PATTERNS:
        for k in range(per_class):
            pattern = PATTERNS[label][k % len(PATTERNS[label])]
            texts.append(pattern.format(p=rng.choice(PLACES), x=rng.choice(SPOTS)))
            ys.append(label)
    return texts, ys


@pytest.fixture(scope="module")
def suggester():
    texts, labels = synthetic(12)
    model = Suggester.train(texts, labels)
    assert model is not None
    return model


# ---------------------------------------------------------------- too little history


def test_no_history_suggests_nothing():
    assert Suggester.train([], []) is None


def test_minimum_number_of_cases():
    texts, labels = synthetic(10)  # 30 cases in 3 categories
    assert len(texts) == MIN_CASES
    assert Suggester.train(texts[:-1], labels[:-1]) is None  # 29
    assert Suggester.train(texts, labels) is not None  # 30


def test_minimum_number_of_categories():
    texts, labels = synthetic(MIN_CASES, labels=["交通运输"])
    assert MIN_CLASSES == 2
    assert Suggester.train(texts, labels) is None


def test_rare_categories_are_left_out_until_they_have_enough_cases():
    texts, labels = synthetic(15, labels=["交通运输", "环境保护"])
    rare_texts, rare_labels = synthetic(MIN_PER_CLASS, labels=["教育文体"], seed=9)
    model = Suggester.train(texts + rare_texts[:-1], labels + rare_labels[:-1])  # 2 cases
    assert model is not None
    assert model.labels == ["交通运输", "环境保护"]
    model = Suggester.train(texts + rare_texts, labels + rare_labels)  # 3 cases
    assert model.labels == ["交通运输", "教育文体", "环境保护"]
    # With only one category left after the rare one is dropped, nothing is trained.
    one, one_labels = synthetic(MIN_CASES, labels=["交通运输"])
    assert Suggester.train(one + rare_texts[:-1], one_labels + rare_labels[:-1]) is None


def test_empty_texts_and_labels_do_not_count():
    texts, labels = synthetic(10)
    texts[0] = " \n\t"
    assert Suggester.train(texts, labels) is None
    texts, labels = synthetic(10)
    labels[0] = ""
    assert Suggester.train(texts, labels) is None


def test_lengths_must_match():
    with pytest.raises(ValueError):
        Suggester.train(["a"], [])


# ---------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("A5区人民路公交车太少，上下班堵车严重", "交通运输"),
        ("A2区化工厂排放废气，污染空气，请处理", "环境保护"),
        ("A8县幼儿园学位不够，孩子上学难", "教育文体"),
    ],
)
def test_suggests_the_right_category(suggester, text, label):
    suggestion = suggester.suggest(text)
    assert isinstance(suggestion, Suggestion)
    assert suggestion.label == label
    assert MIN_CONFIDENCE <= suggestion.confidence <= 1.0
    assert suggester.predict([text]) == [label]


def test_no_suggestion_for_empty_text(suggester):
    assert suggester.suggest("") is None
    assert suggester.suggest(" \n\t") is None
    assert suggester.predict([]) == []


def test_confidence_threshold_boundary(suggester, monkeypatch):
    text = "A5区人民路公交车太少，上下班堵车严重"
    confidence = suggester.suggest(text).confidence
    monkeypatch.setattr(classify, "MIN_CONFIDENCE", confidence)
    assert suggester.suggest(text) is not None
    monkeypatch.setattr(classify, "MIN_CONFIDENCE", confidence + 0.001)
    assert suggester.suggest(text) is None


def test_unrelated_text_gets_no_confident_suggestion(suggester):
    assert suggester.suggest("谢谢") is None


def test_predict_many(suggester):
    texts, labels = synthetic(6, seed=42)
    assert suggester.predict(texts) == labels


# ---------------------------------------------------------------- save / load


def test_save_load_round_trip(suggester, tmp_path):
    path = tmp_path / "model.pkl"
    suggester.save(path)
    loaded = Suggester.load(path)
    texts, _ = synthetic(4, seed=7)
    assert loaded.predict(texts) == suggester.predict(texts)
    assert loaded.suggest(texts[0]) == suggester.suggest(texts[0])
    assert loaded.n_cases == suggester.n_cases
    assert loaded.labels == suggester.labels
    assert not (tmp_path / "model.pkl.tmp").exists()


def test_load_refuses_other_files(tmp_path, suggester):
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"hello": 1}))
    with pytest.raises(ValueError):
        Suggester.load(other)
    path = tmp_path / "model.pkl"
    suggester.save(path)
    payload = pickle.loads(path.read_bytes())
    payload["sklearn"] = "0.0.1"
    path.write_bytes(pickle.dumps(payload))
    with pytest.raises(ValueError, match="scikit-learn"):
        Suggester.load(path)


# ---------------------------------------------------------------- real data


def read_topics(member):
    if not TOPICS.exists():
        pytest.skip(f"{TOPICS} is absent: ../shared/data is only on development and CI machines")
    with zipfile.ZipFile(TOPICS) as zf:
        lines = io.StringIO(zf.read(member).decode("utf-8-sig"))
    pairs = [line.rstrip("\n").rsplit("\t", 1) for line in lines if "\t" in line]
    return [p[0] for p in pairs], [p[1].strip() for p in pairs]


def test_titles_train3_to_dev3_sample():
    from sklearn.metrics import f1_score

    texts, labels = read_topics("processed/train3.txt")
    dev_texts, dev_labels = read_topics("processed/dev3.txt")
    model = Suggester.train(texts, labels)
    assert sorted(model.labels) == [str(k) for k in range(7)]
    sample = slice(0, 600)
    predicted = model.predict(dev_texts[sample])
    assert f1_score(dev_labels[sample], predicted, average="macro") > 0.85
