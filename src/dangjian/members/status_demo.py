"""Demo 党籍 records, made through the status services: pending requests in zhibu's branch, approved
suspensions, one restoration, 除名 and a death. Called by the lead's demo builder after the county."""

from __future__ import annotations

import random
from datetime import date

from dangjian.accounts.models import Grant, User
from dangjian.core.calendar import add_months
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.models import Member
from dangjian.members.status import decide_change, request_change
from dangjian.orgs.models import Post
from dangjian.transfers.models import OPEN_STATES, Transfer


def _branch_of(user: User):
    return Grant.objects.filter(user=user).select_related("org").first().org


def _pool(branch, rng: random.Random, before: date) -> list[Member]:
    """Normal full members of the branch who joined before `before`, shuffled, without the demo member."""
    people = list(
        Member.objects.filter(
            org_path__startswith=branch.path,
            status=MemberStatus.NORMAL,
            category=MemberCategory.FULL,
            joined_on__lt=before,
            user__isnull=True,
        )
        # Post holders and members with an open transfer have other business in the demo.
        .exclude(pk__in=Post.objects.filter(ended_on__isnull=True).values("member_id"))
        .exclude(
            pk__in=Transfer.objects.filter(state__in=OPEN_STATES, member__isnull=False).values(
                "member_id"
            )
        )
        .order_by("id")
    )
    rng.shuffle(people)
    return people


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    zhibu, zhibu2 = User.objects.get(username="zhibu"), User.objects.get(username="zhibu2")
    dangwei, gongwei = User.objects.get(username="dangwei"), User.objects.get(username="gongwei")
    old = add_months(today, -48)
    mine, other = _pool(_branch_of(zhibu), rng, old), _pool(_branch_of(zhibu2), rng, old)
    counts = {"待审批党籍申请": 0, "已批准停止党籍": 0, "恢复党籍": 0, "除名": 0, "死亡登记": 0}

    def lost(actor, member, on, months_lost, reason):
        return request_change(
            actor=actor,
            member=member,
            kind="suspend_lost",
            effective_on=on,
            reason=reason,
            basis=f"{on.year}年{on.month}月{on.day}日支部大会决议",
            facts={
                "lost_since": add_months(on, -months_lost),
                "search_note": "走访原工作单位和家属，电话、微信均联系不上",
            },
        )

    # Pending in zhibu's branch: 失联, 出国学习逾期, 退党.
    if mine:
        lost(zhibu, mine.pop(), add_months(today, -0), 8, "辞职后外出务工，长期与党组织失去联系")
        counts["待审批党籍申请"] += 1
    if mine:
        on = add_months(today, -1)
        request_change(
            actor=zhibu,
            member=mine.pop(),
            kind="suspend_study",
            effective_on=on,
            reason="出国攻读博士学位后逾期未归，未与党组织保持联系",
            basis=f"{on.year}年{on.month}月支部大会决议",
            facts={"abroad_since": add_months(on, -67), "abroad_place": "澳大利亚"},
        )
        counts["待审批党籍申请"] += 1
    if mine:
        on = add_months(today, -0)
        request_change(
            actor=zhibu,
            member=mine.pop(),
            kind="withdraw",
            effective_on=on,
            reason="本人书面提出退党，经支部多次谈心谈话仍坚持",
            basis=f"{on.year}年{on.month}月支部大会讨论决定",
            facts={"applied_on": add_months(on, -2)},
        )
        counts["待审批党籍申请"] += 1

    # Approved suspensions (the 党委 approves its branch's, the 工委 the other 党委's).
    for actor, approver, pool, months_ago in (
        (zhibu, dangwei, mine, 5),
        (zhibu2, gongwei, other, 14),
    ):
        if pool:
            change = lost(
                actor, pool.pop(), add_months(today, -months_ago), 9, "长期外出，与党组织失去联系"
            )
            decide_change(actor=approver, change=change, approve=True, note="同意停止党籍")
            counts["已批准停止党籍"] += 1

    # One restoration within 2 years, approved at county level (the 工委).
    if other:
        member = other.pop()
        on = add_months(today, -16)
        decide_change(
            actor=gongwei,
            change=lost(zhibu2, member, on, 7, "外出务工失去联系"),
            approve=True,
            note="同意",
        )
        back = add_months(today, -3)
        change = request_change(
            actor=zhibu2,
            member=member,
            kind="restore",
            effective_on=back,
            reason="本人返乡后主动与支部联系，书面申请恢复党籍，补交党费",
            basis=f"{back.year}年{back.month}月支部大会决议",
            facts={"applied_on": add_months(back, -1)},
        )
        decide_change(actor=gongwei, change=change, approve=True, note="经审查，同意恢复党籍")
        counts["恢复党籍"] += 1

    # 除名: suspended 26 months ago, still no contact → 自行脱党.
    if mine:
        member = mine.pop()
        on = add_months(today, -26)
        decide_change(
            actor=dangwei,
            change=lost(zhibu, member, on, 10, "长期失去联系"),
            approve=True,
            note="同意",
        )
        strike = add_months(today, -1)
        change = request_change(
            actor=zhibu,
            member=member,
            kind="strike_lapsed",
            effective_on=strike,
            reason="停止党籍满2年仍无联系",
            basis=f"{strike.year}年{strike.month}月支部大会决议",
        )
        decide_change(actor=dangwei, change=change, approve=True, note="同意按自行脱党除名")
        counts["除名"] += 1

    # A death, recorded directly by the branch.
    if other:
        on = add_months(today, -2)
        request_change(
            actor=zhibu2,
            member=other.pop(),
            kind="death",
            effective_on=on,
            reason="因病医治无效去世",
        )
        counts["死亡登记"] += 1
    return counts
