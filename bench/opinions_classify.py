"""Category suggestion: macro-F1 of the product's ``Suggester`` (issue 5, benchmark 2).

    Z=../shared/data/taidi2020c/留言主题.zip
    .venv/bin/python bench/opinions_classify.py --train $Z:processed/train3.txt \\
        --dev $Z:processed/dev3.txt --test $Z:processed/test3.txt
    .venv/bin/python bench/opinions_classify.py --cv 5 ../shared/data/taidi2020c/dev_detail.txt

Files hold ``text<TAB>label`` lines; ``archive.zip:inner/path.txt`` reads a member of a zip
archive in place (nothing is extracted or copied).

Split mode (``--train``/``--test``): with ``--dev``, the model is first trained on the train
files and scored on dev (the tuning figure), then trained on train + dev and scored once on test.
Cross-validation mode (``--cv K FILE``): stratified K-fold on one file (shuffled with seed 0, the
same folds for product and baseline); the figure is the mean macro-F1 over the folds and, in
brackets, the macro-F1 of all out-of-fold predictions together.

Baseline, measured in the same run on the same data: character 1–3-gram TF-IDF + LinearSVC,
scikit-learn defaults (RECIPES.md: 0.895 on test3 after train3 + dev3).
The last line is the product's macro-F1 on test (or its cross-validated macro-F1).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from dangjian.opinions.classify import MIN_CONFIDENCE, Suggester


def read_labelled(spec: str) -> tuple[list[str], list[str]]:
    if ".zip:" in spec:
        archive, member = spec.split(".zip:", 1)
        with zipfile.ZipFile(archive + ".zip") as zf:
            raw = zf.read(member)
    else:
        raw = Path(spec).read_bytes()
    texts: list[str] = []
    labels: list[str] = []
    for line in io.StringIO(raw.decode("utf-8-sig")):
        line = line.rstrip("\r\n")
        if "\t" not in line:
            continue
        text, label = line.rsplit("\t", 1)
        if text.strip() and label.strip():
            texts.append(text)
            labels.append(label.strip())
    return texts, labels


def baseline():
    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LinearSVC())


def macro(y_true, y_pred) -> float:
    return float(f1_score(y_true, y_pred, average="macro"))


def fit_both(texts, labels):
    t0 = time.perf_counter()
    base = baseline().fit(texts, labels)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    product = Suggester.train(texts, labels)
    t_prod = time.perf_counter() - t0
    if product is None:
        raise SystemExit("too little history: the Suggester declined to train")
    return base, product, t_base, t_prod


def coverage(product: Suggester, texts, labels) -> str:
    pred = np.array(product.predict(texts))
    confidence = np.array([s.confidence if s else 0.0 for s in map(product.suggest, texts)])
    confident = confidence >= MIN_CONFIDENCE
    right = (pred[confident] == np.array(labels)[confident]).mean() if confident.any() else 0.0
    return (
        f"suggestions at confidence ≥ {MIN_CONFIDENCE}: {confident.mean():.1%} of texts, "
        f"{right:.1%} of them right"
    )


def split_mode(args) -> int:
    train_t: list[str] = []
    train_y: list[str] = []
    for spec in args.train:
        t, y = read_labelled(spec)
        print(f"train {spec}: {len(t):,} texts")
        train_t += t
        train_y += y
    if args.dev:
        dev_t, dev_y = read_labelled(args.dev)
        print(f"dev {args.dev}: {len(dev_t):,} texts")
        base, product, _, _ = fit_both(train_t, train_y)
        b, p = macro(dev_y, base.predict(dev_t)), macro(dev_y, product.predict(dev_t))
        print(f"dev (trained on train only): baseline macro-F1 {b:.4f}, product {p:.4f}")
        print(f"dev {coverage(product, dev_t, dev_y)}")
        train_t += dev_t
        train_y += dev_y
    test_t, test_y = read_labelled(args.test)
    print(f"test {args.test}: {len(test_t):,} texts; training on {len(train_t):,}")
    base, product, t_base, t_prod = fit_both(train_t, train_y)
    b = macro(test_y, base.predict(test_t))
    p = macro(test_y, product.predict(test_t))
    print(
        f"baseline (char 1-3-gram TF-IDF + LinearSVC): test macro-F1 {b:.4f} (train {t_base:.1f} s)"
    )
    print(f"product Suggester: train {t_prod:.1f} s; {coverage(product, test_t, test_y)}")
    print(f"ratio product/baseline: {p / b:.3f}")
    print(f"test macro-F1 {p:.4f}")
    return 0


def cv_mode(args) -> int:
    folds, spec = int(args.cv[0]), args.cv[1]
    texts, labels = read_labelled(spec)
    t_arr, y_arr = np.array(texts, dtype=object), np.array(labels)
    print(
        f"cross-validation: stratified {folds}-fold (shuffled, seed 0) on {spec}: {len(texts):,} texts"
    )
    base_scores, prod_scores = [], []
    base_oof = np.empty(len(texts), dtype=object)
    prod_oof = np.empty(len(texts), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for k, (tr, te) in enumerate(splitter.split(t_arr, y_arr), 1):
        base, product, _, _ = fit_both(list(t_arr[tr]), list(y_arr[tr]))
        bp, pp = base.predict(list(t_arr[te])), product.predict(list(t_arr[te]))
        base_oof[te], prod_oof[te] = bp, pp
        base_scores.append(macro(y_arr[te], bp))
        prod_scores.append(macro(y_arr[te], pp))
        print(f"  fold {k}: baseline {base_scores[-1]:.4f}, product {prod_scores[-1]:.4f}")
    b, p = float(np.mean(base_scores)), float(np.mean(prod_scores))
    print(
        f"baseline (char 1-3-gram TF-IDF + LinearSVC): CV macro-F1 {b:.4f} ± {np.std(base_scores):.4f} "
        f"(pooled {macro(y_arr, base_oof.astype(str)):.4f})"
    )
    print(f"product pooled out-of-fold macro-F1 {macro(y_arr, prod_oof.astype(str)):.4f}")
    print(f"ratio product/baseline: {p / b:.3f}")
    print(f"{folds}-fold CV macro-F1 {p:.4f} ± {np.std(prod_scores):.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--train", action="append", default=[], help="text<TAB>label file (repeatable)"
    )
    parser.add_argument(
        "--dev", help="tuning file: scored after training on --train, then added to it"
    )
    parser.add_argument("--test", help="held-out file, scored once")
    parser.add_argument(
        "--cv", nargs=2, metavar=("K", "FILE"), help="K-fold cross-validation on FILE"
    )
    args = parser.parse_args(argv)
    if args.cv:
        return cv_mode(args)
    if not args.train or not args.test:
        parser.error("give --train and --test, or --cv K FILE")
    return split_mode(args)


if __name__ == "__main__":
    raise SystemExit(main())
