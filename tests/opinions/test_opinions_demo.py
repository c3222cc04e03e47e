"""The demo scenario: generated opinions consolidated by the engine and routed by the rule."""

import random

import pytest
from django.utils import timezone

from dangjian.opinions.demo import populate_demo
from dangjian.opinions.models import Case, CaseState, Level, MergeLog, Opinion

pytestmark = pytest.mark.django_db


def test_demo_mirrors_the_article(county):
    counts = populate_demo(rng=random.Random(7), today=timezone.localdate())
    assert Opinion.objects.count() == 646
    cases = Case.objects.exclude(state=CaseState.MERGED).count()
    # consolidation by the engine, not typed in: about 254 cases
    assert 230 <= cases <= 275, counts
    levels = {lv: Case.objects.filter(level=lv).count() for lv in Level.values}
    assert (
        15 <= levels["coordinate"] <= 55
        and 110 <= levels["single"] <= 180
        and 50 <= levels["joint"] <= 105
    ), levels
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
    # running it again adds nothing
    assert populate_demo(rng=random.Random(7), today=timezone.localdate()) == {}
