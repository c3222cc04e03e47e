"""Near-duplicate detection on labelled sentence pairs (issue 5, benchmark 1).

    .venv/bin/python bench/opinions_pairs.py \\
        --dev ../shared/data/lcqmc/dev.txt --test ../shared/data/lcqmc/test.txt
    .venv/bin/python bench/opinions_pairs.py \\
        --dev ../shared/data/bq-corpus/dev.csv --test ../shared/data/bq-corpus/test.csv

Reads ``s1<TAB>s2<TAB>label`` lines or a ``sentence1,sentence2,label`` CSV with a header (a
UTF-8 BOM is fine). The IDF of the product's ``TextSpace`` is fitted on the dev sentences only
(no labels, nothing from test). The threshold that maximises F1 on dev is chosen for the product's
``pair_score`` and, in the same run, for the baseline (character 1–2-gram TF-IDF cosine,
scikit-learn defaults, vectoriser fitted on the dev sentences; RECIPES.md: LCQMC 0.695, BQ 0.711);
both are then applied once to test. The last line is the product's precision, recall and F1 on test.
Also printed: the product's default consolidation threshold's F1 on dev and test.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sklearn.feature_extraction.text import TfidfVectorizer

from dangjian.opinions.similarity import DEFAULT_THRESHOLD, TextSpace, pair_scores

Pairs = list[tuple[str, str, int]]


def read_pairs(path: str) -> Pairs:
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    if "\t" in lines[0]:
        rows = [line.split("\t") for line in lines]
    else:
        rows = list(csv.reader(lines))
    out: Pairs = []
    for row in rows:
        if len(row) < 3:
            continue
        try:
            label = int(row[2].strip())
        except ValueError:  # the CSV header, or a broken line
            continue
        out.append((row[0], row[1], label))
    return out


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of "score ≥ threshold" on these scores."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    # Only cut where the score changes, so "≥ threshold" predicts exactly the prefix.
    last = np.r_[s[1:] != s[:-1], True]
    precision = tp / (tp + fp)
    recall = tp / max(1, labels.sum())
    f1 = np.where(last, 2 * precision * recall / np.maximum(precision + recall, 1e-12), -1)
    best = int(np.argmax(f1))
    return float(s[best]), float(f1[best])


def prf(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float, float]:
    pred = scores >= threshold
    tp = int((pred & (labels == 1)).sum())
    fp = int((pred & (labels == 0)).sum())
    fn = int((~pred & (labels == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def baseline_scores(vec: TfidfVectorizer, pairs: Pairs) -> np.ndarray:
    a = vec.transform([p[0] for p in pairs])
    b = vec.transform([p[1] for p in pairs])
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", required=True)
    parser.add_argument("--test", required=True)
    args = parser.parse_args(argv)

    dev, test = read_pairs(args.dev), read_pairs(args.test)
    y_dev = np.array([p[2] for p in dev])
    y_test = np.array([p[2] for p in test])
    print(f"dev {args.dev}: {len(dev):,} pairs ({y_dev.mean():.1%} duplicates)")
    print(f"test {args.test}: {len(test):,} pairs ({y_test.mean():.1%} duplicates)")
    dev_sentences = [s for p in dev for s in p[:2]]

    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit(dev_sentences)
    base_th, base_dev_f1 = best_threshold(baseline_scores(vec, dev), y_dev)
    bp, br, bf = prf(baseline_scores(vec, test), y_test, base_th)
    t_base = time.perf_counter() - t0

    t0 = time.perf_counter()
    space = TextSpace.fit(dev_sentences)
    s_dev = pair_scores([p[0] for p in dev], [p[1] for p in dev], space=space)
    th, dev_f1 = best_threshold(s_dev, y_dev)
    s_test = pair_scores([p[0] for p in test], [p[1] for p in test], space=space)
    p, r, f = prf(s_test, y_test, th)
    t_prod = time.perf_counter() - t0

    dp, dr, df = prf(s_dev, y_dev, DEFAULT_THRESHOLD)
    tp_, tr_, tf_ = prf(s_test, y_test, DEFAULT_THRESHOLD)
    print(
        f"baseline (char 1-2-gram TF-IDF cosine): threshold {base_th:.4f}, dev F1 {base_dev_f1:.4f}; "
        f"test P {bp:.4f} R {br:.4f} F1 {bf:.4f} ({t_base:.1f} s)"
    )
    print(
        f"product pair_score: threshold {th:.4f}, dev F1 {dev_f1:.4f} ({t_prod:.1f} s for dev+test)"
    )
    print(
        f"product at DEFAULT_THRESHOLD {DEFAULT_THRESHOLD}: dev P {dp:.4f} R {dr:.4f} F1 {df:.4f}; "
        f"test P {tp_:.4f} R {tr_:.4f} F1 {tf_:.4f}"
    )
    print(f"ratio product/baseline test F1: {f / bf:.3f}" if bf else "ratio: baseline F1 is 0")
    print(f"test precision {p:.4f} recall {r:.4f} F1 {f:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
