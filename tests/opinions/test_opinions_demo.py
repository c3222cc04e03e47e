"""The demo scenario: generated opinions consolidated by the engine and routed by the rule."""

import random

import pytest
from django.db.models import Max
from django.utils import timezone

from dangjian.opinions.demo import ISSUE_COUNT, populate_demo
from dangjian.opinions.models import Case, CaseEvent, CaseState, Level, MergeLog, Opinion

pytestmark = pytest.mark.django_db

ARTICLE = {"coordinate": 33, "single": 145, "joint": 76}
# The generator draws the 254 triaged issues in the article's proportions (a stratified draw);
# the engine then groups the 646 voices into cases and the routing rule gives each case its level
# from its category. On this data the engine recovers every issue (seeds 1–8 all give exactly
# 33 / 145 / 76), so the split is off only if consolidation merges two issues or splits one, and
# each such error moves one case between levels. Two errors are allowed: ±2 per level.
TOLERANCE = 2


@pytest.mark.parametrize("seed", [7, 2024])
def test_demo_split_follows_the_article(county, seed):
    counts = populate_demo(rng=random.Random(seed), today=timezone.localdate())
    assert Opinion.objects.count() == 646
    levels = {lv: Case.objects.filter(level=lv).count() for lv in Level.values}
    for level, n in ARTICLE.items():
        assert abs(levels[level] - n) <= TOLERANCE, (levels, counts)
    assert abs(sum(levels.values()) - ISSUE_COUNT) <= TOLERANCE
    # Every triaged case has its level, a refused one included; only cases still waiting to be
    # routed (and the duplicates merged into them) have none.
    assert (
        Case.objects.filter(state=CaseState.REJECTED).exclude(level="").count()
        == counts["不予受理"]
        > 0
    )
    assert set(Case.objects.filter(level="").values_list("state", flat=True)) <= {
        CaseState.TO_ROUTE,
        CaseState.MERGED,
    }
    assert not Case.objects.filter(routed_on__isnull=False, level="").exists()


def test_demo_states_and_back_dated_timeline(county):
    today = timezone.localdate()
    counts = populate_demo(rng=random.Random(7), today=today)
    cases = Case.objects.exclude(state=CaseState.MERGED).count()
    assert 230 <= cases <= 275, counts
    states = set(Case.objects.values_list("state", flat=True))
    assert states >= {
        "to_route",
        "handling",
        "replied",
        "followed_up",
        "closed",
        "rejected",
        "merged",
        "reopened",
    }, states
    assert MergeLog.objects.filter(action="merge").exists()
    # The timeline carries the simulated dates: a case is formed on the day of its latest opinion,
    # routed on its routing day, replied on its reply day — not all on the day the demo ran.
    latest = dict(
        Opinion.objects.values_list("case").annotate(m=Max("received_at")).values_list("case", "m")
    )
    for ev in CaseEvent.objects.filter(kind="created", case__state__in=["closed", "replied"]):
        assert ev.on == timezone.localtime(latest[ev.case_id]).date() < today
    for case in Case.objects.filter(state=CaseState.CLOSED)[:50]:
        kinds = {e.kind: e.on for e in case.events.all()}
        assert kinds["routed"] == case.routed_on <= kinds["replied"] == case.replied_on
        assert kinds["replied"] <= kinds["follow_up"] <= kinds["closed"] == case.closed_on
    dated_today = CaseEvent.objects.filter(
        kind__in=["created", "routed", "urge", "replied", "follow_up"], on=today
    ).count()
    assert dated_today < CaseEvent.objects.count() * 0.05
    # running it again adds nothing
    assert populate_demo(rng=random.Random(7), today=today) == {}
