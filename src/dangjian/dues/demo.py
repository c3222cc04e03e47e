"""Demo dues for an already-built demo county, made through the services.

A year of ledger: every member in good standing gets a category and base (salaries, pensions,
fixed amounts), some get a raise part-way through the year, each past month is posted for the whole
工委 in one set-based close and paid branch by branch with a few exceptions; a handful of members
stop paying (so the arrears and the 6-month list have names), some pay ahead, some pay extra, one
relief is approved and one waits for the 党委. The current month is posted and left for the branches
to record — zhibu's branch included, so the demo secretary has this month's work to do.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from decimal import Decimal

from django.utils import timezone

from dangjian.accounts.models import Grant, User
from dangjian.core.calendar import add_months
from dangjian.dues import services
from dangjian.dues.models import DuesMonth, DuesStandard, Method
from dangjian.dues.services import BaseLine, PaymentLine, month_start
from dangjian.dues.standards import BUILTIN_CATEGORIES
from dangjian.members.choices import MemberStatus, Occupation
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgType

# RULES.md 1.6: the farmer amount is provincial; the demo province uses 0.5 元, the example the
# rules digest quotes from a local rule. Marked as demo data on the standards page.
DEMO_STANDARD_NAME = "示范省党费标准（演示数据：农民党员每月0.5元）"
DEMO_FARMER = "0.5"
YEAR_MONTHS = 12


def _demo_standard() -> None:
    if DuesStandard.objects.filter(name=DEMO_STANDARD_NAME).exists():
        return
    categories = {code: dict(entry) for code, entry in BUILTIN_CATEGORIES.items()}
    categories["farmer"] = {
        **categories["farmer"],
        "amount": DEMO_FARMER,
        "source": "演示数据：按地方规定示例，农民党员每月0.5元（RULES.md 1.6）",
    }
    DuesStandard.objects.create(
        name=DEMO_STANDARD_NAME,
        effective_from=date(2024, 1, 1),
        source="演示数据。其余类别同《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）。",
        categories=categories,
    )


def _category_and_base(member: Member, rng: random.Random) -> tuple[str, Decimal | None]:
    if member.occupation == Occupation.RETIRED:
        return "retired", Decimal(rng.randrange(3200, 7400)) + Decimal(rng.randrange(0, 100)) / 100
    if member.occupation == Occupation.STUDENT:
        return "low_income", None
    if member.occupation == Occupation.FARMER:
        return "farmer", None
    if member.occupation == Occupation.OTHER and rng.random() < 0.3:
        return "self_employed", Decimal(rng.randrange(2500, 9000))
    # 机关 and 事业 after-tax regular pay: mostly 4,000–9,000 元, some above 10,000, a few below 3,000
    salary = rng.choice([2800, 3000, 4200, 5000, 5600, 6300, 7100, 8200, 9600, 10800, 12500])
    return "salaried", Decimal(salary + rng.randrange(0, 400)) + Decimal(
        rng.randrange(0, 100)
    ) / 100


class _Demo:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = min(today, timezone.localdate())
        self.this_month = month_start(self.today)
        self.first = add_months(self.this_month, -YEAR_MONTHS)
        users = {
            u.username: u for u in User.objects.filter(username__in=["zhibu", "dangwei", "gongwei"])
        }
        self.users = users
        self.zb = Grant.objects.filter(user=users["zhibu"]).select_related("org").first().org
        self.root = Organization.objects.get(org_type=OrgType.WORK_COMMITTEE)
        self.counts: Counter = Counter()

    def members(self):
        return Member.objects.filter(
            status=MemberStatus.NORMAL, org_path__startswith=self.root.path
        )

    def bases(self) -> None:
        lines, raises = [], []
        for m in self.members().order_by("pk"):
            category, base = _category_and_base(m, self.rng)
            start = max(self.first, month_start(m.joined_on))
            lines.append(BaseLine(m, category, base if base is not None else 0, start, "年初核定"))
            if base is not None and category == "salaried" and self.rng.random() < 0.12:
                raise_month = add_months(self.first, self.rng.randrange(3, YEAR_MONTHS))
                if raise_month > start:
                    raises.append(
                        BaseLine(m, category, base + 600, raise_month, "调整工资后自发放当月起执行")
                    )
        self.counts["核定党费基数"] = services.set_bases(actor=None, lines=lines, source="manual")
        self.counts["调整基数"] = services.set_bases(actor=None, lines=raises, source="manual")

    def stoppers(self) -> dict[int, date]:
        """Members who stop paying from some month: a few long enough for the 6-month list."""
        pool = list(self.members().exclude(org=self.zb).values_list("pk", flat=True).order_by("pk"))
        picked = self.rng.sample(pool, min(len(pool), 9))
        zb_members = list(
            self.members().filter(org=self.zb).values_list("pk", flat=True).order_by("pk")
        )
        if zb_members:
            picked.append(zb_members[-1])
        out = {}
        for i, pk in enumerate(picked):
            # months unpaid before this month: 7 for the first five, 2–4 for the rest
            gap = 7 if i < 5 or pk in zb_members else self.rng.randrange(2, 5)
            out[pk] = add_months(self.this_month, -gap)
        return out

    def months(self, stoppers: dict[int, date]) -> None:
        branches = list(
            Organization.objects.filter(path__startswith=self.root.path)
            .filter(pk__in=self.members().values("org_id"))
            .order_by("path")
        )
        month = self.first
        while month <= self.this_month:
            result = services.close_month(actor=None, month=month, within=None)
            self.counts["入账人次"] += result.posted
            if month == self.this_month:
                break
            for branch in branches:
                rows = DuesMonth.objects.filter(org=branch, month=month).values_list(
                    "member_id", "due"
                )
                exceptions: dict[int, object] = {}
                for member_id, due in rows:
                    stop = stoppers.get(member_id)
                    if stop is not None and month >= stop:
                        exceptions[member_id] = "0"
                    elif self.rng.random() < 0.004:
                        exceptions[member_id] = "0"  # paid later or not at all
                    elif due > 1 and self.rng.random() < 0.005:
                        exceptions[member_id] = str((due / 2).quantize(Decimal("0.01")))
                if not rows:
                    continue
                paid_on = min(month.replace(day=self.rng.randrange(5, 26)), self.today)
                method = self.rng.choice([Method.CASH, Method.TRANSFER, Method.TRANSFER])
                services.record_branch_month(
                    actor=None, org=branch, month=month, paid_on=paid_on, method=method,
                    exceptions=exceptions,
                )  # fmt: skip
            month = add_months(month, 1)
        # Most branches have recorded this month already; zhibu's branch and a few others have not.
        for branch in branches:
            if branch.pk == self.zb.pk or self.rng.random() < 0.3:
                continue
            exceptions = {
                pk: "0"
                for pk in stoppers
                if DuesMonth.objects.filter(org=branch, member_id=pk, month=month).exists()
            }
            services.record_branch_month(
                actor=None, org=branch, month=month, paid_on=self.today, method=Method.TRANSFER,
                exceptions=exceptions,
            )  # fmt: skip

    def extras(self, stoppers: dict[int, date]) -> None:
        members = list(self.members().exclude(pk__in=list(stoppers)).order_by("pk")[:400])
        self.rng.shuffle(members)
        for m in members[:6]:  # 预交 to the end of the year
            months = []
            month = add_months(self.this_month, 1)
            while month.year == self.this_month.year:
                months.append(PaymentLine(month))
                month = add_months(month, 1)
            if months:
                services.record_payment(
                    actor=None, member=m, lines=months, paid_on=self.today, method=Method.TRANSFER
                )
                self.counts["预交"] += 1
        for m, amount in zip(members[6:10], ["200", "500", "1000", "2000"], strict=False):
            services.record_voluntary(
                actor=None, member=m, amount=amount, paid_on=self.today.replace(day=1), method=Method.TRANSFER,
                note="自愿多交党费",
            )  # fmt: skip
            self.counts["自愿多交"] += 1
        zb = [
            m
            for m in self.members()
            .filter(org=self.zb)
            .exclude(pk__in=list(stoppers))
            .order_by("pk")
            if (services.base_in_force(m, self.this_month) or Decimal(0))
            and services.base_in_force(m, self.this_month).amount > 1
        ]
        dangwei, zhibu = self.users["dangwei"], self.users["zhibu"]
        if len(zb) >= 3 and dangwei is not None:
            approved = services.request_relief(
                actor=zhibu, member=zb[1], from_month=self.this_month, to_month=add_months(self.this_month, 5),
                amount="0", reason="配偶重病住院，家庭生活困难；经支部委员会研究，建议半年内免交党费。",
            )  # fmt: skip
            if self._can_approve(dangwei, approved):
                services.decide_relief(
                    actor=dangwei, relief=approved, approve=True, note="同意免交6个月"
                )
                self.counts["减免已批准"] += 1
            services.request_relief(
                actor=zhibu, member=zb[2], from_month=self.this_month, to_month=add_months(self.this_month, 2),
                amount="1", reason="下岗后收入大幅减少；经支部委员会研究，建议3个月内每月交纳1元。",
            )  # fmt: skip
            self.counts["减免待审批"] += 1

    @staticmethod
    def _can_approve(user, relief) -> bool:
        from dangjian.accounts.roles import DUES
        from dangjian.core.scope import path_in_scope

        parent = Organization.objects.get_parent(relief.org)
        return parent is not None and path_in_scope(user, "approve", DUES, parent.path)

    def run(self) -> dict[str, int]:
        _demo_standard()
        self.bases()
        stoppers = self.stoppers()
        self.months(stoppers)
        self.extras(stoppers)
        return dict(self.counts)


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    """Create the demo's dues ledger; returns counts for the summary."""
    if not Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE).exists():
        return {}
    return _Demo(rng, today).run()
