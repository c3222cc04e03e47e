"""Demo transfers and floating members for an already-built demo county, made through the services.

Every state appears (草稿, 已开具, 已报到, 回执已返回, 完成, 过期, 退回, 撤销) for the three kinds (within
our tree, out of it, into it), some receipts are overdue or due soon, and 流动党员 go out and come in —
several of them touching zhibu's branch, and some touching zhibu2's, so both demo secretaries see work.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.accounts.models import Grant, User
from dangjian.core.calendar import add_months
from dangjian.members.choices import MemberStatus
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgStatus, OrgType, Post
from dangjian.transfers import services
from dangjian.transfers.models import FloatingDirection, Transfer, TransferKind

OUTSIDE = (
    ("中共福州市财政局机关委员会", "福州市鼓楼区中山路1号"),
    ("中共厦门市思明区委组织部", "厦门市思明区湖滨北路"),
    ("中共三明市直属机关工作委员会", "三明市梅列区列东街"),
    ("中共南平市延平区教育局委员会", "南平市延平区八一路"),
)
SURNAMES = "林陈黄郑吴王刘张李杨"
GIVEN = "建华秀英志强丽萍文斌海燕晓东春梅"


class _Demo:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = min(today, timezone.localdate())
        self.users = {
            u.username: u
            for u in User.objects.filter(username__in=["gongwei", "zhibu", "zhibu2", "dangwei"])
        }
        self.gongwei = self.users["gongwei"]
        self.zb = self._branch_of("zhibu")
        self.zb2 = self._branch_of("zhibu2")
        work_committee = Grant.objects.filter(user=self.gongwei).select_related("org").first().org
        self.branches = list(
            Organization.objects.filter(
                path__startswith=work_committee.path,
                org_type__in=BRANCH_TYPES,
                status=OrgStatus.ACTIVE,
            )
            .exclude(pk__in=[self.zb.pk, self.zb2.pk])
            .order_by("path")
        )
        # Only branches with enough members to pick from (the demo has tiny and empty ones on purpose).
        from django.db.models import Count, Q

        self.branches = [
            b
            for b in Organization.objects.filter(pk__in=[b.pk for b in self.branches])
            .annotate(n=Count("members", filter=Q(members__status=MemberStatus.NORMAL)))
            .order_by("path")
            if b.n >= 8
        ] or self.branches
        self.used: set[int] = set()
        self.counts: Counter = Counter()

    def _branch_of(self, username: str) -> Organization:
        return Grant.objects.filter(user=self.users[username]).select_related("org").first().org

    def member(self, branch: Organization, avoid: Organization | None = None) -> Member:
        """A member in good standing of `branch`; in a small county, of another branch once it runs out."""
        seen: set[int] = set()
        for candidate in [branch, self.zb, self.zb2, *self.branches]:
            if candidate.pk in seen or (avoid is not None and candidate.pk == avoid.pk):
                continue
            seen.add(candidate.pk)
            pks = list(
                Member.objects.filter(org=candidate, status=MemberStatus.NORMAL, user__isnull=True)
                .exclude(pk__in=self.used)
                .exclude(pk__in=Post.objects.filter(ended_on__isnull=True).values("member_id"))
                .order_by("id")
                .values_list("pk", flat=True)[:60]
            )
            if pks:
                pk = self.rng.choice(pks)
                self.used.add(pk)
                return Member.objects.select_related("org").get(pk=pk)
        raise RuntimeError("no member left for the transfer demo")

    def other(self) -> Organization:
        return self.rng.choice(self.branches) if self.branches else self.zb2

    def actor_for(self, branch: Organization) -> User:
        if branch.pk == self.zb.pk:
            return self.users["zhibu"]
        if branch.pk == self.zb2.pk:
            return self.users["zhibu2"]
        return self.gongwei

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def draft(
        self,
        src: Organization,
        dst: Organization | None,
        *,
        kind=TransferKind.WITHIN,
        reason="工作调动",
        dues_back=0,
    ):
        member = self.member(src, avoid=dst)
        dues = add_months(self.today, -dues_back)
        outside = self.rng.choice(OUTSIDE)
        return services.create_transfer(
            actor=self.actor_for(member.org),
            member=member,
            kind=kind,
            to_org=dst,
            to_name=outside[0] if kind == TransferKind.OUT else "",
            to_address=outside[1] if kind == TransferKind.OUT else "",
            reason=reason,
            dues_year=dues.year,
            dues_month=dues.month,
            contact_phone="0598-8220000",
        )

    def issue(self, t: Transfer, days_ago: int, validity: int | None = None) -> Transfer:
        actor = self.gongwei if t.kind == TransferKind.OUT else self.actor_for(t.from_org)
        return services.issue(
            actor=actor, transfer=t, on=self.ago(days_ago), validity_days=validity
        )

    def report(self, t: Transfer, days_ago: int) -> Transfer:
        actor = self.actor_for(t.to_org) if t.to_org_id else self.gongwei
        return services.confirm_report(actor=actor, transfer=t, on=self.ago(days_ago))

    def receipt(self, t: Transfer, days_ago: int, reported_days_ago: int | None = None) -> Transfer:
        actor = self.gongwei if t.kind != TransferKind.WITHIN else self.actor_for(t.from_org)
        reported = self.ago(reported_days_ago) if reported_days_ago is not None else None
        return services.record_receipt(
            actor=actor, transfer=t, on=self.ago(days_ago), reported_on=reported
        )

    def complete(self, t: Transfer, days_ago: int) -> Transfer:
        actor = self.gongwei if t.kind != TransferKind.WITHIN else self.actor_for(t.from_org)
        return services.complete(actor=actor, transfer=t, on=self.ago(days_ago))

    def incoming(self, dst: Organization, days_ago: int) -> Transfer:
        for attempt in range(20):
            birth = date(
                self.rng.randint(1965, 1998), self.rng.randint(1, 12), self.rng.randint(1, 28)
            )
            gender = self.rng.choice(["male", "female"])
            joined = date(birth.year + self.rng.randint(22, 30), 7, 1)
            person = {
                "name": self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, 2)),
                "gender": gender,
                "ethnicity": "汉族",
                "birth_date": birth,
                "id_number": make_id_number(
                    "350181", birth, self.rng.randint(100, 990) + attempt, gender
                ),
                "education": "bachelor",
                "occupation": "official",
                "phone": f"138{self.rng.randint(10**7, 10**8 - 1)}",
                "joined_on": joined,
                "confirmed_on": date(joined.year + 1, 7, 1),
                "category": "full",
            }
            outside = self.rng.choice(OUTSIDE)
            dues = add_months(self.ago(days_ago), -1)
            try:
                return services.register_incoming(
                    actor=self.gongwei,
                    to_org=dst,
                    person=person,
                    from_name=outside[0],
                    letter_no=f"〔{self.ago(days_ago).year}〕第{self.rng.randint(100, 999)}号",
                    issued_on=self.ago(days_ago),
                    validity_days=30,
                    reason="调入本县工作",
                    dues_year=dues.year,
                    dues_month=dues.month,
                )
            except ValidationError:
                continue
        raise RuntimeError("could not make an incoming person")

    def run(self) -> dict[str, int]:
        zb, zb2 = self.zb, self.zb2
        c = self.counts
        # Within our tree, zhibu's branch → zhibu2's (a different 党委): one finished, one waiting for 报到.
        t = self.report(self.issue(self.draft(zb, zb2), 80), 75)
        self.complete(self.receipt(t, 60), 58)
        c["完成"] += 1
        self.issue(self.draft(zb, zb2), 6)
        c["已开具"] += 1
        # Receipts overdue (报到 more than a month ago) and due soon, into and out of zhibu's branch.
        for src, dst, rep in (
            (self.other(), zb, 50),
            (zb, self.other(), 45),
            (self.other(), zb2, 40),
        ):
            self.report(self.issue(self.draft(src, dst), rep + 4), rep)
            c["回执逾期"] += 1
        soon = (self.today - add_months(self.today, -1)).days - 3
        self.report(self.issue(self.draft(self.other(), zb), soon + 2), soon)
        c["回执将到期"] += 1
        self.receipt(self.report(self.issue(self.draft(self.other(), zb2), 30), 25), 3)
        c["回执已返回"] += 1
        self.draft(zb, self.other(), reason="轮岗交流")
        self.draft(self.other(), zb2, reason="工作调动")
        c["草稿"] += 2
        # Out of the tree, relayed by the 工委.
        t = self.issue(self.draft(zb, None, kind=TransferKind.OUT, reason="调往外地工作"), 70)
        self.complete(self.receipt(t, 40, reported_days_ago=65), 38)
        t = self.issue(
            self.draft(self.other(), None, kind=TransferKind.OUT, reason="退休回原籍"), 30
        )
        self.receipt(t, 2, reported_days_ago=26)
        self.issue(self.draft(self.other(), None, kind=TransferKind.OUT, reason="随迁"), 5)
        c["转出"] += 3
        # Into the tree: the 工委 registers the letter and assigns the branch.
        self.incoming(zb2, 4)
        t = self.report(self.incoming(zb, 40), 35)
        self.complete(self.receipt(t, 20), 18)
        c["转入"] += 2
        # Expired: one marked by expire_letters and reissued, one still shown expired before the run.
        old = self.issue(self.draft(zb, self.other()), 50, validity=30)
        services.expire_letters(self.today)
        services.reissue(actor=self.actor_for(old.from_org), transfer=old)
        self.issue(self.draft(self.other(), zb2), 45, validity=20)
        c["过期"] += 2
        # Returned by the receiver, cancelled by the sender.
        t = self.issue(self.draft(self.other(), zb2), 12)
        services.return_transfer(
            actor=self.users["zhibu2"],
            transfer=t,
            on=self.ago(10),
            reason="该同志未到本单位工作，介绍信开错",
        )
        t = self.issue(self.draft(zb, self.other()), 9)
        services.cancel(
            actor=self.actor_for(t.from_org), transfer=t, on=self.ago(8), reason="工作调动取消"
        )
        c["退回"] += 1
        c["撤销"] += 1
        self.floating()
        # The total first, then what each state holds (the summary line reads left to right).
        return {"介绍信": Transfer.objects.count(), **{k: v for k, v in c.items() if k != "介绍信"}}

    def floating(self) -> None:
        zb, zb2, c = self.zb, self.zb2, self.counts

        def out(branch, days, **kw):
            m = self.member(branch, avoid=kw.get("host_org"))
            actor = self.actor_for(m.org)
            defaults = {
                "place": self.rng.choice(
                    ["厦门市思明区", "福州市鼓楼区", "深圳市南山区", "上海市浦东新区"]
                ),
                "host_name": "暂未联系上当地党组织",
                "reason": self.rng.choice(["外出务工", "外出经商", "陪读", "异地就医"]),
                "contact": f"139{self.rng.randint(10**7, 10**8 - 1)}",
            }
            defaults.update(kw)
            return services.create_floating(
                actor=actor,
                direction=FloatingDirection.OUT,
                org=m.org,
                member=m,
                started_on=self.ago(days),
                **defaults,
            )

        # Away ≥ 6 months with no transfer (two from zhibu's branch), one over a year without reporting.
        out(
            zb,
            240,
            card_number="示工流证〔2026〕001号",
            card_issued_on=self.ago(235),
            host_name="中共厦门市思明区某公司支部",
        )
        out(zb, 200)
        r = out(zb, 430)
        services.add_floating_report(
            actor=self.actor_for(r.org),
            record=r,
            reported_on=self.ago(400),
            method="phone",
            content="在外务工，参加当地党组织活动",
        )
        out(self.other(), 300)
        c["外出满6个月"] += 4
        # Recently away, reporting regularly; one hosted by zhibu2's branch (a guest there).
        r = out(zb, 60)
        services.add_floating_report(
            actor=self.actor_for(r.org),
            record=r,
            reported_on=self.ago(20),
            method="online",
            content="按时参加线上学习",
        )
        out(zb, 30, host_org=zb2, host_name="", place="本县卫健系统借调")
        r = out(self.other(), 90)
        services.end_floating(actor=self.gongwei, record=r, on=self.ago(5))
        c["外出"] += 3
        # Guests from elsewhere in zhibu's and zhibu2's branches.
        for branch, days in ((zb, 120), (zb2, 50), (self.other(), 200)):
            services.create_floating(
                actor=self.actor_for(branch),
                direction=FloatingDirection.IN,
                org=branch,
                person_name=self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, 2)),
                home_name=self.rng.choice(OUTSIDE)[0],
                place="本县城关",
                started_on=self.ago(days),
                reason="来本县务工",
                card_number=f"闽流证{self.rng.randint(1000, 9999)}",
                card_issued_on=self.ago(days + 5),
            )
            c["流入"] += 1


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    """Create the demo's transfers and floating records; returns counts for the summary."""
    if not Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE).exists():
        return {}
    return _Demo(rng, today).run()
