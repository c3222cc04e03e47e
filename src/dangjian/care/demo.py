"""Demo 困难党员帮扶 for the demo county, made through this app's services (LIFECYCLE_DEMOS; runs
after the funds demo, which gives the 工委 its 财政专项 and 党建工作经费).

Each 党委's 书记 and 副书记 are paired with 1–3 members in difficulty from its branches, the
pairings starting five quarters ago; every quarter since, most pairs are visited with one 实事 and
a 慰问金 paid from the 工委's 党建工作经费 (or its 财政专项); a few pairs miss a quarter (so the
compliance page has something to show), one late pairing starts mid-quarter, one recipient has
left the register and one is overdue for review. A training course records 送技能、送岗位.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from dangjian.accounts.models import Grant
from dangjian.care import selectors, services
from dangjian.care.models import Level, Reason, Trainee, Visit
from dangjian.core.calendar import add_months
from dangjian.funds.models import Fund
from dangjian.funds.selectors import fund_balance
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgStatus, OrgType, Post, PostKind

_STORIES = (
    "患慢性病，长期服药，配偶无固定收入。",
    "高龄独居，子女在外地，行动不便。",
    "下岗后靠打零工维持生活，孩子在读大学。",
    "家中房屋在暴雨中受损，正在修缮。",
    "因病致残，生活需人照料。",
)
_DONE = (
    "到家中看望，了解身体和生活情况，送去慰问品。",
    "与家属座谈，了解近期困难，鼓励其树立信心。",
    "陪同到社区办理有关手续，了解后续需要。",
)
_DEEDS = (
    "帮助申请临时救助",
    "联系医院安排复诊",
    "协调社区上门打扫卫生",
    "帮助孩子申请助学金",
    "联系维修人员修好漏水屋顶",
    "帮助办理医保报销",
)


def _gongwei_user(gongwei: Organization):
    grant = (
        Grant.objects.filter(org=gongwei, role="work_committee_admin")
        .select_related("user")
        .first()
    )
    return grant.user if grant else None


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    counts = {"困难党员": 0, "结对": 0, "走访": 0, "实事": 0, "慰问金（元）": 0, "技能培训": 0}
    counts.update({"更正走访": 0, "再就业登记": 0})
    gongwei = Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE).order_by("path").first()
    if gongwei is None:
        return counts
    actor = _gongwei_user(gongwei)
    if actor is None:
        return counts
    this_q = selectors.quarter_of(today)
    first_q = this_q
    for _i in range(4):
        first_q = first_q.previous()
    paired_on = first_q.start - timedelta(days=rng.randrange(5, 40))
    committees = list(
        Organization.objects.filter(
            path__startswith=gongwei.path, depth=gongwei.depth + 1, status=OrgStatus.ACTIVE
        ).order_by("path")
    )
    used: set[int] = set()
    pairs = []
    recipients = []
    for ci, committee in enumerate(committees):
        cadres = [
            p.member
            for p in Post.objects.filter(
                org=committee,
                ended_on__isnull=True,
                kind__in=(PostKind.SECRETARY, PostKind.DEPUTY),
                member__status=MemberStatus.NORMAL,
            ).select_related("member")
        ]
        pool = list(
            Member.objects.filter(
                org_path__startswith=committee.path, status=MemberStatus.NORMAL
            ).exclude(pk__in=[c.pk for c in cadres])[:200]
        )
        rng.shuffle(pool)
        for cadre in cadres:
            for _n in range(rng.choice((1, 2, 2, 3))):
                member = next((m for m in pool if m.pk not in used), None)
                if member is None:
                    break
                used.add(member.pk)
                recipient = services.register_recipient(
                    actor=actor,
                    member=member,
                    reason=rng.choice(Reason.values),
                    level=rng.choice((Level.ORDINARY, Level.ORDINARY, Level.SPECIAL)),
                    since=paired_on - timedelta(days=rng.randrange(30, 400)),
                    circumstances=rng.choice(_STORIES),
                )
                recipients.append(recipient)
                counts["困难党员"] += 1
                pairs.append(
                    services.pair_cadre(
                        actor=actor,
                        recipient=recipient,
                        cadre=cadre,
                        started_on=paired_on,
                        cadre_title=f"{committee.short_name or committee.name}"
                        f"{'书记' if cadre is cadres[0] else '副书记'}",
                    )
                )
                counts["结对"] += 1
        if ci >= 5 and len(pairs) >= 24:
            break
    if not pairs:
        return counts
    # a year of visits: most pairs every quarter; every seventh pair misses the last full quarter,
    # every eleventh forgets the 实事 in the quarter before
    last_full = this_q.previous()
    q = first_q
    while q.start <= today:
        for i, pair in enumerate(pairs):
            if q == last_full and i % 7 == 3:
                continue
            if q == this_q and rng.random() < 0.5:
                continue  # the current quarter is under way
            end = min(q.end, today)
            day = q.start + timedelta(days=rng.randrange(0, (end - q.start).days + 1))
            deeds = [] if (q == last_full.previous() and i % 11 == 5) else [rng.choice(_DEEDS)]
            amount = Decimal(rng.choice((500, 800, 1000)))
            fund = Fund.PARTY_BUILDING
            if fund_balance(gongwei, fund) < amount:
                fund = Fund.BUDGET
            if fund_balance(gongwei, fund) < amount:
                amount = Decimal(0)
            try:
                services.record_visit(
                    actor=actor, recipient=pair.recipient, visited_on=day, cadres=[pair.cadre],
                    what_done=rng.choice(_DONE), deeds=deeds, amount=amount,
                    paying_org=gongwei if amount else None, fund=fund,
                )  # fmt: skip
            except ValidationError:
                continue
            counts["走访"] += 1
            counts["实事"] += len(deeds)
            counts["慰问金（元）"] += int(amount)
        q = q.next()
    # a visit whose 慰问金 were entered wrongly, corrected (the ledger reversed and re-entered)
    wrong = (
        Visit.objects.filter(amount__gt=0, recipient__closed_on__isnull=True)
        .select_related("fund_entry")
        .order_by("visited_on", "id")
        .first()
    )
    if wrong is not None:
        try:
            services.correct_visit(
                actor=actor, visit=wrong, reason="慰问金金额登记错了，实际发放数以签收单为准",
                visited_on=wrong.visited_on, cadres=list(wrong.cadres.all()),
                what_done=wrong.what_done, deeds=[d.text for d in wrong.deeds.all()],
                amount=wrong.amount - Decimal(200), paying_org=gongwei,
                fund=wrong.fund_entry.fund,
            )  # fmt: skip
            counts["更正走访"] += 1
            counts["慰问金（元）"] -= 200
        except ValidationError:
            pass
    # a pairing made mid-quarter (expected from the next quarter), a closed record, one overdue
    if len(recipients) > 3:
        late = recipients[1]
        cadre = pairs[0].cadre if pairs[0].recipient_id != late.pk else pairs[-1].cadre
        mid = this_q.start + timedelta(days=min(20, (today - this_q.start).days))
        if mid > this_q.start:
            try:
                services.pair_cadre(
                    actor=actor, recipient=late, cadre=cadre, started_on=mid, cadre_title=""
                )
                counts["结对"] += 1
            except ValidationError:
                pass
        services.close_recipient(
            actor=actor,
            recipient=recipients[-1],
            closed_on=today - timedelta(days=10),
            reason="子女就业，家庭收入稳定，已脱困",
        )
        for r in recipients[2:-1]:
            if r.pk % 5:
                services.review_recipient(
                    actor=actor,
                    recipient=r,
                    reviewed_on=add_months(today, -rng.randrange(1, 11)),
                    note="仍符合困难党员条件",
                )
    # 送技能、送岗位
    laid_off = list(
        Member.objects.filter(path_filter(gongwei), status=MemberStatus.NORMAL)
        .exclude(pk__in=used)
        .order_by("id")[:6]
    )
    if laid_off:
        held = today - timedelta(days=60)
        services.record_course(
            actor=actor,
            org=gongwei,
            title="下岗失业党员家政服务和电子商务技能培训班",
            held_on=held,
            organiser="县人力资源和社会保障局、县直机关工委",
            trainees=[
                (m, held + timedelta(days=30) if i % 2 == 0 else None, "县家政服务中心")
                for i, m in enumerate(laid_off)
            ],
            others_trained=41,
            others_reemployed=17,
            headcount_source="县劳动就业中心培训花名册",
        )
        counts["技能培训"] += 1
        # one trainee found work later than the others, recorded on their own
        later = (
            Trainee.objects.filter(course__org=gongwei, reemployed_on__isnull=True)
            .order_by("id")
            .first()
        )
        if later is not None and held + timedelta(days=45) <= today:
            services.record_reemployment(
                actor=actor, trainee=later, reemployed_on=held + timedelta(days=45),
                employer="县城电商产业园 客服",
            )  # fmt: skip
            counts["再就业登记"] += 1
    return counts


def path_filter(org: Organization):
    from django.db.models import Q

    return Q(org_path__startswith=org.path)
