import random
from datetime import date

from dangjian.accounts.models import User
from dangjian.development.demo import populate_demo
from dangjian.development.models import (
    Applicant,
    ApplicantStatus,
    DevelopmentPlan,
    Stage,
    StepRecord,
)
from dangjian.development.selectors import due_items, group_due


def test_populate_demo_in_a_small_county(county):
    today = date.today()
    counts = populate_demo(rng=random.Random(7), today=today)
    assert counts["在发展过程中的人员"] == Applicant.objects.count() >= 8
    assert counts["发展步骤记录"] == StepRecord.objects.count()
    assert DevelopmentPlan.objects.filter(year=today.year).count() == counts["年度发展计划"] >= 2
    mine = Applicant.objects.filter(org=county.branch_a1)
    assert mine.count() >= 8
    assert {
        Stage.APPLICANT,
        Stage.ACTIVIST,
        Stage.CANDIDATE,
        Stage.PROBATIONARY,
        Stage.FULL,
    } <= set(mine.values_list("stage", flat=True))
    assert mine.filter(status=ApplicantStatus.CONFIRMED, member__category="full").exists()
    assert StepRecord.objects.filter(exception=True, applicant__org=county.branch_a1).count() == 1
    groups = group_due(due_items(User.objects.get(username="zhibu")), today)
    assert groups["overdue"] and groups["soon"] and groups["this_month"]
    assert all(i.applicant.org_id == county.branch_a1.pk for g in groups.values() for i in g)
