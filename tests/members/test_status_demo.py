"""The 党籍 demo: built through the services on a small county, as the lead's builder will call it."""

import random
from datetime import date

from support import member_in

from dangjian.accounts.models import Grant
from dangjian.members.models import Member, MemberStatusChange
from dangjian.members.status_demo import populate_demo
from dangjian.orgs.models import Post


def test_populate_demo_through_the_services(county):
    for branch in (county.branch_a1, county.branch_b1):
        for _ in range(6):
            member_in(
                branch,
                birth_date=date(1975, 3, 3),
                joined_on=date(2001, 7, 1),
                confirmed_on=date(2002, 7, 1),
            )
    before = dict(
        Member.objects.values_list("status")
        .order_by("status")
        .distinct()
        .values_list("status", "status")
    )
    assert before == {"normal": "normal"}
    counts = populate_demo(rng=random.Random(7), today=date.today())
    assert counts == {
        "待审批党籍申请": 3,
        "已批准停止党籍": 2,
        "恢复党籍": 1,
        "除名": 1,
        "死亡登记": 1,
    }
    pending = MemberStatusChange.objects.filter(state="pending")
    assert pending.count() == 3 and {c.member.org_id for c in pending} == {county.branch_a1.pk}
    assert Member.objects.filter(status="suspended").count() == 2
    assert Member.objects.filter(status="left").count() == 1
    assert Member.objects.filter(status="deceased").count() == 1
    restored = MemberStatusChange.objects.get(kind="restore")
    assert restored.state == "approved" and restored.decided_by == county.users["gongwei"]
    assert restored.member.status == "normal"
    assert (
        county.users["dangyuan"].member.status == "normal"
    )  # the demo member's own record is left alone


def test_the_demo_county_gets_its_status_records(db):
    """build_demo runs the 党籍 demo after the county: requests are pending in zhibu's branch."""
    from dangjian.demo.builder import build_demo

    summary = build_demo(seed=11, members_target=400)
    counts = summary.lifecycle["党籍"]
    pending = MemberStatusChange.objects.filter(state="pending")
    # A small county's branch has few long-standing members free of posts and transfers.
    assert 1 <= pending.count() == counts["待审批党籍申请"] <= 3
    assert MemberStatusChange.objects.count() >= sum(counts.values())
    zhibu_branch = Grant.objects.get(user__username="zhibu").org
    assert {c.member.org_id for c in pending} == {zhibu_branch.pk}
    # Nobody with a current post or an open transfer was given a status change.
    changed = MemberStatusChange.objects.values("member_id")
    assert not Post.objects.filter(ended_on__isnull=True, member_id__in=changed).exists()
