"""Demo funds for a demo county whose dues ledger is already filled, made through the services.

Most branches hand their collections to their 党委 (a few have not yet), the 党委 remit their
share to the 工委 under the dues rule, a voluntary payment for the Centre is passed up, some
branches and 党委 spend on permitted uses after a recorded 集体讨论, the 工委 receives 3万 元 from
the county 组织部 out of 党费 for training and commendation (the article's 经费 paragraph) and
spends part of it; one mistaken entry is reversed and re-entered. The 工委 also receives its 财政专项
(5万 a year) and its 20 % share of the county 党建经费, budgets the year and spends from them. Runs after the dues demo
(`LIFECYCLE_DEMOS` in demo/builder.py).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError

from dangjian.demo.actors import nearest_staff
from dangjian.dues.models import DuesEntry, EntryKind
from dangjian.funds import selectors, services
from dangjian.funds.models import Fund, Purpose
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgStatus, OrgType

HUNDRED = Decimal("100")


def _decision(body: str, day: date, text: str) -> dict:
    return {"decision_body": body, "decision_on": day, "decision_summary": text}


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    counts = {
        "上缴党费": 0, "党费支出": 0, "上级下拨": 0, "更正记录": 0,
        "经费收入": 0, "经费支出": 0, "预算": 0,
    }  # fmt: skip
    gongwei = Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE).order_by("path").first()
    if gongwei is None:
        return counts
    start = date(today.year, 1, 1)
    day = max(start, today - timedelta(days=10))
    gw = nearest_staff(gongwei)
    branches = list(
        Organization.objects.filter(
            path__startswith=gongwei.path, org_type__in=BRANCH_TYPES, status=OrgStatus.ACTIVE
        ).order_by("path")
    )
    # 1. branches hand their dues to the organisation above them (most of them)
    for branch in branches:
        parent = Organization.objects.get_parent(branch)
        bal = selectors.dues_balance(branch)
        if parent is None or bal.balance <= 0 or rng.random() < 0.15:
            continue
        keep = (bal.balance * Decimal(rng.choice([0, 0, 0, 5, 10])) / HUNDRED).quantize(
            Decimal("1"), rounding=ROUND_DOWN
        )
        try:
            services.record_remittance(
                actor=nearest_staff(branch), from_org=branch, to_org=parent,
                amount=bal.balance - keep, centre_amount=max(bal.held_for_centre, 0),
                occurred_on=day - timedelta(days=rng.randrange(3, 20)),
                period=today.year, note="党支部收缴党费交上级党委",
            )  # fmt: skip
            counts["上缴党费"] += 1
        except ValidationError:
            continue
        if rng.random() < 0.25:
            spend = min(selectors.dues_balance(branch).balance, Decimal(rng.randrange(50, 200)))
            if spend > 0:
                services.record_expense(
                    actor=nearest_staff(branch), org=branch, purpose=Purpose.EDUCATION_MATERIALS,
                    amount=spend, occurred_on=day,
                    **_decision("支委会", day - timedelta(days=7), "同意订阅党员教育刊物。"),
                    counterparty_name="新华书店", note="订阅《党建》《求是》",
                )  # fmt: skip
                counts["党费支出"] += 1
    # 2. the 党委 remit their share to the 工委 (RULES.md 1.14), and some spend
    committees = Organization.objects.filter(
        path__startswith=gongwei.path, depth=gongwei.depth + 1, status=OrgStatus.ACTIVE
    ).order_by("path")
    for i, committee in enumerate(committees):
        bal = selectors.dues_balance(committee)
        if bal.balance <= 0:
            continue
        s = selectors.suggested_remittance(committee, gongwei, start=start, end=today, day=today)
        amount = min(s.amount, bal.balance)
        if i % 5 != 4 and amount > 0:  # every fifth has not remitted yet
            services.record_remittance(
                actor=nearest_staff(committee), from_org=committee, to_org=gongwei, amount=amount,
                centre_amount=max(bal.held_for_centre, 0), occurred_on=day, period=today.year,
                note=f"按{s.percent}%上缴工委",
            )  # fmt: skip
            counts["上缴党费"] += 1
        if i % 3 == 0:
            spend = (selectors.dues_balance(committee).balance * Decimal("0.3")).quantize(
                Decimal("0.01"), rounding=ROUND_DOWN
            )
            if spend > 0:
                purpose = rng.choice([Purpose.TRAINING, Purpose.HARDSHIP, Purpose.COMMENDATION])
                services.record_expense(
                    actor=nearest_staff(committee), org=committee, purpose=purpose, amount=spend,
                    occurred_on=day,
                    **_decision("党委会", day - timedelta(days=5), f"同意列支：{purpose.label}。"),
                    note=str(purpose.label),
                )  # fmt: skip
                counts["党费支出"] += 1
    # 3. the 工委: 3万 from 党费 by the county 组织部 for training and commendation (the article)
    services.record_allocation(
        actor=gw, from_org=None, to_org=gongwei, amount="30000", occurred_on=start,
        purpose=Purpose.TRAINING, counterparty_name="县委组织部",
        note="组织部从党费中拨补，用于县直党员培训和党建工作表彰",
    )  # fmt: skip
    counts["上级下拨"] += 1
    services.record_expense(
        actor=gw, org=gongwei, purpose=Purpose.TRAINING, amount="12600", occurred_on=day,
        **_decision("工委会议", day - timedelta(days=14), "同意举办县直机关党支部书记培训班。"),
        counterparty_name="县委党校", note="县直机关党支部书记培训班（2期）",
    )  # fmt: skip
    wrong = services.record_expense(
        actor=gw, org=gongwei, purpose=Purpose.COMMENDATION, amount="8000", occurred_on=day,
        **_decision("工委会议", day - timedelta(days=14), "同意表彰先进基层党组织和优秀共产党员。"),
        note="“七一”表彰",
    )  # fmt: skip
    services.correct_entry(actor=gw, entry=wrong, reason="按发票金额更正", amount="7800")
    counts["党费支出"] += 2
    counts["更正记录"] += 1
    # 3b. the other two sources (the article's 经费 paragraph), last year and this: 财政专项 5万 a
    # year and 20 % of the county 党建经费; budgets for this year and spending from them
    for year in (today.year - 1, today.year):
        on = date(year, 2, 20) if date(year, 2, 20) <= today else start
        services.record_funding(
            actor=gw, org=gongwei, fund=Fund.BUDGET, amount="50000", occurred_on=on,
            counterparty_name="县财政局", period=year, document_no=f"县财预〔{year}〕8号",
            note="列入县财政预算的机关党建专项经费",
        )  # fmt: skip
        services.record_county_share(
            actor=gw, org=gongwei, base_amount="250000", occurred_on=on + timedelta(days=15),
            counterparty_name="县委组织部", period=year, document_no=f"县组〔{year}〕12号",
        )  # fmt: skip
        counts["经费收入"] += 2
    plan = (
        (Fund.BUDGET, Purpose.TRAINING, "20000"),
        (Fund.BUDGET, Purpose.ACTIVITIES, "15000"),
        (Fund.BUDGET, Purpose.COMMENDATION, "10000"),
        (Fund.PARTY_BUILDING, Purpose.HARDSHIP, "60000"),
        (Fund.PARTY_BUILDING, Purpose.EDUCATION_MATERIALS, "8000"),
        (Fund.DUES, Purpose.TRAINING, "15000"),
        (Fund.DUES, Purpose.COMMENDATION, "10000"),
    )
    for fund, purpose, amount in plan:
        services.set_budget(
            actor=gw, org=gongwei, year=today.year, fund=fund, purpose=purpose, amount=amount
        )
        counts["预算"] += 1
    for fund, purpose, amount, text in (
        (Fund.BUDGET, Purpose.TRAINING, "9800", "县直机关入党积极分子培训班"),
        (Fund.BUDGET, Purpose.ACTIVITIES, "6400", "“七一”主题党日活动"),
        (Fund.PARTY_BUILDING, Purpose.EDUCATION_MATERIALS, "3200", "党员教育读本"),
    ):
        services.record_expense(
            actor=gw, org=gongwei, fund=fund, purpose=purpose, amount=amount,
            occurred_on=max(start, day - timedelta(days=30)), counterparty_name="",
            note=text, document_no=f"报销凭证{rng.randrange(100, 999)}",
        )  # fmt: skip
        counts["经费支出"] += 1
    # 4. the 工委 passes on what is due to the Centre (5 %, and voluntary payments held for it)
    bal = selectors.dues_balance(gongwei)
    s = selectors.suggested_remittance(gongwei, None, start=start, end=today, day=today)
    flagged = DuesEntry.objects.filter(kind=EntryKind.VOLUNTARY, to_centre=True).exists()
    if s.amount > 0 and s.amount <= bal.balance:
        services.record_remittance(
            actor=gw, from_org=gongwei, to_org=None, amount=s.amount,
            centre_amount=max(bal.held_for_centre, 0) if flagged else 0, occurred_on=today,
            period=today.year, note=f"按{s.percent}%上缴中央",
        )  # fmt: skip
        counts["上缴党费"] += 1
    return counts
