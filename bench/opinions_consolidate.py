"""Consolidation speed: 附件3.xlsx (4,326 messages) and 100,000 synthetic ones (issue 5, benchmark 3).

    .venv/bin/python bench/opinions_consolidate.py [--synthetic 100000] [--seed 5] [--sample 2000]

1. Reads ../shared/data/taidi2020c/附件3.xlsx with python_calamine (every row with a title or
   details), builds one text per message with ``opinion_text(title, details)`` and times
   ``consolidate`` without blocking and with blocking by district (the first "A<n>区/县" in the
   title or details, else ""). Prints groups, multi-message groups, the size distribution, the
   largest groups, and how many of the titles that occur more than once land in one group.
2. Builds ``--synthetic`` items by resampling 附件3 messages (seeded) with small perturbations: 0–4
   characters deleted, 0–4 inserted (drawn from the corpus), and in half of the copies two clauses of
   the details swapped. Times ``consolidate`` (progress every 10 %) and scores the groups against
   the source message of each copy (pairwise precision/recall; copies of different messages on the
   same topic count as errors, so precision is a lower bound).
3. Naive baseline measured in the same run: all pairs of a ``--sample``-item sample scored with
   rapidfuzz ``fuzz.ratio`` through ``process.cdist`` (C++, all cores), extrapolated by n² to
   4,326 and to the synthetic size (scoring only; grouping would come on top). Prints the ratios.
Prints figures only; never fails on timings.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from python_calamine import CalamineWorkbook  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from sklearn.metrics.cluster import pair_confusion_matrix  # noqa: E402

from dangjian.opinions.similarity import DEFAULT_THRESHOLD, Item, consolidate  # noqa: E402
from dangjian.opinions.textnorm import normalise, opinion_text  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "taidi2020c" / "附件3.xlsx"
DISTRICT = re.compile(r"A\d+[区县]")
CLAUSE = re.compile(r"(?<=[，。！？；,!?;])")


def read_messages(path: Path) -> list[tuple[str, str]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(c).strip() for c in rows[0]]
    ti, di = header.index("留言主题"), header.index("留言详情")
    out = []
    for row in rows[1:]:
        title = str(row[ti] or "").strip()
        details = str(row[di] or "").strip()
        if title or details:
            out.append((title, details))
    return out


def district(title: str, details: str) -> str:
    found = DISTRICT.search(title) or DISTRICT.search(details)
    return found.group(0) if found else ""


def perturb(text: str, rng: np.random.Generator, alphabet: list[str], *, swap: bool) -> str:
    if swap:
        clauses = [c for c in CLAUSE.split(text) if c]
        if len(clauses) >= 3:
            i = int(rng.integers(0, min(len(clauses), 6) - 1))
            clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
            text = "".join(clauses)
    chars = list(text)
    for _ in range(int(rng.integers(0, 5))):
        if chars:
            del chars[int(rng.integers(0, len(chars)))]
    for _ in range(int(rng.integers(0, 5))):
        chars.insert(
            int(rng.integers(0, len(chars) + 1)), alphabet[int(rng.integers(0, len(alphabet)))]
        )
    return "".join(chars)


def timed(items: list[Item], *, report: bool = False) -> tuple[list[list], float, float]:
    """(groups, wall seconds, CPU seconds of this process, all threads)."""
    marks = {10 * k for k in range(1, 11)}

    def progress(done: int, total: int) -> None:
        pct = 100 * done // max(1, total)
        hit = {m for m in marks if pct >= m}
        if report and hit:
            print(f"    progress {max(hit)} % ({time.perf_counter() - t0:.1f} s)", flush=True)
            marks.difference_update(hit)

    t0 = time.perf_counter()
    c0 = time.process_time()
    groups = consolidate(items, progress=progress)
    return groups, time.perf_counter() - t0, time.process_time() - c0


def describe(groups: list[list], n: int) -> str:
    sizes = collections.Counter(len(g) for g in groups)
    multi = sum(1 for g in groups if len(g) > 1)
    grouped = sum(len(g) for g in groups if len(g) > 1)
    dist = ", ".join(f"{k}×{v}" for k, v in sorted(sizes.items()) if k > 1)
    return (
        f"{len(groups):,} groups from {n:,} items; {multi:,} groups of 2+ hold {grouped:,} items; "
        f"sizes (size×count): {dist}"
    )


def naive_seconds(texts: list[str], sample: int, rng: np.random.Generator) -> tuple[float, float]:
    """(wall, CPU) seconds of scoring all pairs of a sample with rapidfuzz."""
    pick = rng.choice(len(texts), size=min(sample, len(texts)), replace=False)
    sub = [normalise(texts[i]) for i in pick]
    t0, c0 = time.perf_counter(), time.process_time()
    process.cdist(sub, sub, scorer=fuzz.ratio, workers=-1, dtype=np.uint8)
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DATA)
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"{args.file} is missing (../shared/data is not on this machine); nothing to measure")
        return 0
    print(f"threshold {DEFAULT_THRESHOLD}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(args.seed)

    messages = read_messages(args.file)
    texts = [opinion_text(t, d) for t, d in messages]
    n = len(messages)
    print(f"附件3: {n:,} messages")
    items = [Item(id=i, text=texts[i]) for i in range(n)]
    groups, seconds, cpu = timed(items)
    print(f"  consolidate, no blocking: {seconds:.2f} s (CPU {cpu:.2f} s); {describe(groups, n)}")
    for g in sorted(groups, key=len, reverse=True)[:3]:
        print(f"    {len(g)}: " + " | ".join(messages[i][0][:24] for i in g[:4]))
    blocked = [Item(id=i, text=texts[i], block=district(*messages[i])) for i in range(n)]
    groups_b, seconds_b, cpu_b = timed(blocked)
    print(
        f"  consolidate, blocked by district: {seconds_b:.2f} s (CPU {cpu_b:.2f} s); "
        f"{describe(groups_b, n)}"
    )
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    by_title = collections.defaultdict(list)
    for i, (title, _) in enumerate(messages):
        by_title[normalise(title)].append(i)
    repeated = [ids for title, ids in by_title.items() if title and len(ids) > 1]
    together = sum(1 for ids in repeated if len({group_of[i] for i in ids}) == 1)
    print(
        f"  titles occurring more than once: {len(repeated)}; all copies in one group: {together}"
    )

    naive, naive_cpu = naive_seconds(texts, args.sample, rng)
    scale = (n / args.sample) ** 2
    print(
        f"naive all-pairs rapidfuzz (process.cdist, fuzz.ratio) on {args.sample:,} items: {naive:.2f} s "
        f"(CPU {naive_cpu:.2f} s) → {n:,} items ≈ {naive * scale:.1f} s (CPU {naive_cpu * scale:.1f} s); "
        f"product/naive {seconds / (naive * scale):.3f} (CPU {cpu / (naive_cpu * scale):.3f})"
    )

    m = args.synthetic
    alphabet = [c for c in "".join(d for _, d in messages[:500]) if not c.isspace()]
    source = rng.integers(0, n, size=m)
    synthetic = []
    for k, s in enumerate(source):
        title, details = messages[int(s)]
        swap = bool(k % 2)
        synthetic.append(
            Item(
                id=k,
                text=opinion_text(
                    perturb(title, rng, alphabet, swap=False),
                    perturb(details, rng, alphabet, swap=swap),
                ),
            )
        )
    print(f"synthetic: {m:,} items resampled from {len(set(source.tolist())):,} messages")
    groups_s, seconds_s, cpu_s = timed(synthetic, report=True)
    print(f"  consolidate: {seconds_s:.1f} s (CPU {cpu_s:.1f} s); {describe(groups_s, m)}")
    labels = np.empty(m, dtype=np.int64)
    for k, g in enumerate(groups_s):
        labels[g] = k
    (tn, fp), (fn, tp) = pair_confusion_matrix(source, labels)
    print(
        f"  pairs vs source message: precision {tp / max(1, tp + fp):.4f}, recall {tp / max(1, tp + fn):.4f}"
    )
    scale_m = (m / args.sample) ** 2
    print(
        f"naive all-pairs rapidfuzz extrapolated to {m:,} items ≈ {naive * scale_m / 60:.0f} min "
        f"(CPU {naive_cpu * scale_m / 60:.0f} min); product/naive {seconds_s / (naive * scale_m):.4f} "
        f"(CPU {cpu_s / (naive_cpu * scale_m):.4f})"
    )
    print(
        f"附件3 {n:,}: {seconds:.2f} s (CPU {cpu:.2f} s), {len(groups):,} groups; "
        f"synthetic {m:,}: {seconds_s:.1f} s (CPU {cpu_s:.1f} s), {len(groups_s):,} groups"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
