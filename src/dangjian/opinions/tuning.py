"""The measurement behind the similar-open-cases threshold (views.SIMILAR_CASES_THRESHOLD).

Run on a database with consolidated cases (the demo county will do):

    dangjian shell -c "from dangjian.opinions.tuning import similar_cases_curve; similar_cases_curve()"

Ground truth is the case each opinion was consolidated into. For every case with two or more
opinions its latest opinion is the query, typed as the staff entry page sends it; the index holds
every case as the page builds it, ``opinion_text(title, first opinion + summary)``. For each
threshold it prints the share of queries whose own case is listed (recall), the share of listed
cases that are the right one (precision) and the wrong cases listed per query (top 5).
"""

from __future__ import annotations


def similar_cases_curve(thresholds=None, k: int = 5) -> list[tuple[float, float, float, float]]:
    from dangjian.opinions.models import Case, Opinion
    from dangjian.opinions.similarity import Item, SimilarityIndex, opinion_text

    thresholds = thresholds or [round(0.3 + 0.05 * i, 2) for i in range(12)]
    ops: dict[int, list] = {}
    for o in Opinion.objects.exclude(case=None).order_by("received_at", "id"):
        ops.setdefault(o.case_id, []).append(o)
    cases = list(Case.objects.filter(pk__in=ops).values_list("pk", "title", "summary"))
    index = SimilarityIndex(
        [Item(pk, opinion_text(t, f"{ops[pk][0].text} {s}")) for pk, t, s in cases]
    )
    found = {
        cid: index.similar(opinion_text(os[-1].title, os[-1].text), k=k, threshold=0.0)
        for cid, os in ops.items()
        if len(os) >= 2
    }
    out = []
    for th in thresholds:
        hit = sum(any(pk == cid and s >= th for pk, s in r) for cid, r in found.items())
        wrong = sum(sum(1 for pk, s in r if pk != cid and s >= th) for cid, r in found.items())
        recall = hit / len(found) if found else 0.0
        precision = hit / (hit + wrong) if hit + wrong else 1.0
        out.append((th, recall, precision, wrong / len(found) if found else 0.0))
        print(
            f"threshold {th:.2f}: recall {recall:.3f}, precision {precision:.3f}, "
            f"wrong cases per query {out[-1][3]:.2f}"
        )
    return out
