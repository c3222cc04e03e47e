"""Demo 联建共创 for the demo county (LIFECYCLE_DEMOS in demo/builder.py).

The 工委 keeps a registry of villages, communities, enterprises and 两新组织 in the county's towns;
every 党委 and most organ branches pair with one or two of them (through the services, with their
leaders and coordinators from their rosters); each pairing has a yearly task list under 四联四共 and
a year of activities with members from its roster, some completing tasks (so tasks are partly done).
The activities are written in bulk (their checks hold by construction: dates inside the pairing,
members from the roster, tasks of the same year). A few 挂点联系 by 委员 and 党建助理/指导员 with
reports complete the picture (梅列区直工委's paragraph).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from dangjian.demo.actors import nearest_staff
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgStatus, OrgType, Post, Sector
from dangjian.outreach import services
from dangjian.outreach.models import Activity, Category, DispatchRole, PairingTask, PartnerKind

TOWNS = ("城关镇", "东山乡", "西岭镇", "南溪乡", "北坑镇", "石桥乡", "安远镇", "水口乡")
VILLAGES = (
    "东山村", "上坪村", "下坪村", "石桥村", "南溪村", "龙门村", "桂花村", "茶园村", "竹林村",
    "安远村", "高田村", "水口村", "枫树村", "梅岭村",
)  # fmt: skip
COMMUNITIES = ("翠江社区", "南大街社区", "北门社区", "城东社区", "城西社区", "滨江社区")
ENTERPRISES = (
    ("示范县自来水有限公司", PartnerKind.ENTERPRISE),
    ("示范县农业发展集团有限公司", PartnerKind.ENTERPRISE),
    ("示范县鑫源竹业有限公司", PartnerKind.NON_PUBLIC),
    ("示范县绿源茶业有限公司", PartnerKind.NON_PUBLIC),
    ("示范县宏达建材有限公司", PartnerKind.NON_PUBLIC),
    ("示范县禾丰农机专业合作社", PartnerKind.NON_PUBLIC),
    ("示范县个体劳动者协会", PartnerKind.SOCIAL),
    ("示范县志愿者协会", PartnerKind.SOCIAL),
)
CONTACTS = "王李张刘陈杨黄赵吴周"

WORK = {
    Category.PARTY_WORK: (
        "召开联建共创联席会，研究村级党建工作",
        "帮助建好党员活动室，健全“三会一课”制度",
        "组织入党积极分子到挂包村体验生活、调查研究",
        "指导发展党员和党员教育管理工作",
    ),
    Category.PROJECTS: (
        "调研村情民情，确定增收致富项目",
        "举办实用技术培训班",
        "帮助企业协调用电和运力",
        "帮助争取农村劳动力培训经费",
    ),
    Category.INFRASTRUCTURE: (
        "帮助兴修水利设施",
        "铺设水泥路",
        "整修村部",
        "完善闭路电视和移动网络基站",
    ),
    Category.SOCIAL: (
        "开展“一帮一”“手拉手”帮扶活动",
        "开展便民服务进社区",
        "组织文明户、平安村创建",
        "联谊文艺演出",
    ),
}
TASKS = {
    Category.PARTY_WORK: ("建好党员活动室", "联合开展主题党日"),
    Category.PROJECTS: ("落实一个增收致富项目", "举办实用技术培训"),
    Category.INFRASTRUCTURE: ("硬化一段村道", "修缮村部"),
    Category.SOCIAL: ("开展一次便民服务", "结对帮扶困难群众"),
}


def _leaders(org: Organization, roster: list[Member]) -> tuple[Member, Member]:
    ids = {m.pk for m in roster}
    holders = [
        mid
        for mid in Post.objects.filter(org=org, ended_on__isnull=True)
        .order_by("kind", "id")
        .values_list("member_id", flat=True)
        if mid in ids
    ]
    by_id = {m.pk: m for m in roster}
    leader = by_id[holders[0]] if holders else roster[0]
    rest = [m for m in roster if m.pk != leader.pk]
    coordinator = by_id[holders[1]] if len(holders) > 1 else (rest[0] if rest else leader)
    return leader, coordinator


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    counts = {"联建单位": 0, "结对": 0, "年度任务": 0, "活动": 0, "挂点联系": 0, "党建指导员": 0}
    gongwei = Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE).order_by("path").first()
    gw = nearest_staff(gongwei) if gongwei else None
    if gongwei is None or gw is None:
        return counts

    # 1. the registry of outside organisations, kept at the 工委
    def reg(name, kind, place):
        return services.register_partner(
            actor=gw, org=gongwei, name=name, kind=kind, place=place,
            contact_person=rng.choice(CONTACTS) + rng.choice("书记主任经理"),
        )  # fmt: skip

    villages = [reg(n, PartnerKind.VILLAGE, rng.choice(TOWNS[1:])) for n in VILLAGES]
    communities = [reg(n, PartnerKind.COMMUNITY, "城关镇") for n in COMMUNITIES]
    firms = [reg(n, k, rng.choice(TOWNS)) for n, k in ENTERPRISES]
    counts["联建单位"] = len(villages) + len(communities) + len(firms)
    pool = villages * 2 + communities + [f for f in firms if f.kind != PartnerKind.SOCIAL]

    # 2. pairings: every 党委 and most organ branches
    agencies = list(
        Organization.objects.filter(
            path__startswith=gongwei.path, status=OrgStatus.ACTIVE, org_type=OrgType.PARTY_COMMITTEE
        ).order_by("path")
    )
    branches = Organization.objects.filter(
        path__startswith=gongwei.path,
        status=OrgStatus.ACTIVE,
        org_type__in=BRANCH_TYPES,
        sector=Sector.ORGAN,
    ).order_by("path")
    agencies += [b for b in branches if "离退休" not in b.name and rng.random() < 0.7]
    year_start = date(today.year, 1, 1)
    pairings = []
    for org in agencies:
        roster = list(services.roster(org)[:400])
        if len(roster) < 2:
            continue
        leader, coordinator = _leaders(org, roster)
        for partner in rng.sample(pool, 2 if org.org_type == OrgType.PARTY_COMMITTEE else 1):
            started = today - timedelta(days=rng.randrange(400, 900))
            try:
                p = services.create_pairing(
                    actor=gw, org=org, partner=partner, started_on=started, leader=leader,
                    coordinator=coordinator,
                    agreement_text=f"{org.short_name or org.name}与{partner.name}开展“联建共创”，"
                    "围绕党建工作联创、发展项目联抓、基础设施联建、社会活动联谊共建共享。",
                )  # fmt: skip
            except ValidationError:
                continue
            pairings.append((p, roster))
    counts["结对"] = len(pairings)

    # 3. yearly tasks (last year and this year)
    task_rows = []
    for p, _roster in pairings:
        for year in (today.year - 1, today.year):
            for cat in rng.sample(list(Category.values), 2):
                task_rows.append(
                    PairingTask(
                        pairing=p,
                        year=year,
                        category=cat,
                        title=rng.choice(TASKS[cat]),
                        recorded_by=gw,
                    )
                )
    PairingTask.objects.bulk_create(task_rows)
    counts["年度任务"] = len(task_rows)
    tasks_of: dict[tuple[int, int], list[PairingTask]] = {}
    for t in PairingTask.objects.filter(pairing__in=[p for p, _r in pairings]):
        tasks_of.setdefault((t.pairing_id, t.year), []).append(t)

    # 4. a year of activities, members from the roster; some complete a task of their year
    acts, people, done = [], [], []
    span_start = today - timedelta(days=365)
    for p, roster in pairings:
        for _ in range(rng.randrange(3, 9)):
            held = span_start + timedelta(days=rng.randrange(0, 366))
            held = min(max(held, p.started_on), today)
            cat = rng.choice(Category.values)
            a = Activity(
                pairing=p, org=p.org, org_path=p.org_path, held_on=held, category=cat,
                summary=rng.choice(WORK[cat]) + "。",
                problems_solved=rng.choice((0, 0, 1, 1, 2, 3, 5)),
                services_delivered=rng.choice((0, 0, 0, 2, 5, 10, 20)) if cat == Category.SOCIAL else rng.choice((0, 0, 1, 3)),
                funds_raised=Decimal(rng.choice((0, 0, 0, 2000, 5000, 10000, 30000))) if cat in (Category.PROJECTS, Category.INFRASTRUCTURE) else Decimal(0),
                deeds_done=rng.choice((0, 1, 1, 2)), recorded_by=gw,
            )  # fmt: skip
            acts.append(a)
            people.append(rng.sample(roster, min(len(roster), rng.randrange(2, 7))))
    Activity.objects.bulk_create(acts)
    through = Activity.participants.through
    through.objects.bulk_create(
        [
            through(activity_id=a.pk, member_id=m.pk)
            for a, ms in zip(acts, people, strict=True)
            for m in ms
        ]
    )
    open_tasks = {k: list(v) for k, v in tasks_of.items()}
    for a in acts:
        if a.held_on >= year_start and rng.random() < 0.6 or a.held_on < year_start:
            todo = open_tasks.get((a.pairing_id, a.held_on.year)) or []
            match = [t for t in todo if t.category == a.category]
            if match:
                todo.remove(match[0])
                done.append((a.pk, match[0].pk))
    done_through = Activity.completes.through
    done_through.objects.bulk_create(
        [done_through(activity_id=a, pairingtask_id=t) for a, t in done]
    )
    counts["活动"] = len(acts)

    # 5. 挂点联系: 委员 of the 工委 (or, if it has none on record, of the first 党委) with 两新组织
    two_new = [f for f in firms if f.kind in (PartnerKind.NON_PUBLIC, PartnerKind.SOCIAL)]
    liaison_org = gongwei
    holders = list(Post.objects.filter(org=gongwei, ended_on__isnull=True).select_related("member"))
    if not holders and agencies:
        liaison_org = agencies[0]
        holders = list(
            Post.objects.filter(org=liaison_org, ended_on__isnull=True).select_related("member")
        )
    normal = [h for h in holders if h.member.status == MemberStatus.NORMAL]
    for post, partner in zip(normal[:4], two_new, strict=False):
        start = max(post.term_start, today - timedelta(days=300))
        liaison = services.record_liaison(
            actor=gw, org=liaison_org, member=post.member, partner=partner, started_on=start
        )
        for k in range(rng.randrange(1, 4)):
            services.add_contact(
                actor=gw, liaison=liaison, happened_on=min(today, start + timedelta(days=30 + 60 * k)),
                text=rng.choice(("走访企业，了解党组织组建和党员教育情况。", "指导企业党支部开展主题党日。",
                                 "帮助企业协调解决用工问题。")),
            )  # fmt: skip
        counts["挂点联系"] += 1

    # 6. 党建助理 to enterprises and 党建指导员 to communities
    sent = 0
    roster = list(services.roster(gongwei).order_by("?")[:20])
    targets = [
        (DispatchRole.ASSISTANT, f)
        for f in firms
        if f.kind in (PartnerKind.ENTERPRISE, PartnerKind.NON_PUBLIC)
    ][:3]
    targets += [(DispatchRole.INSTRUCTOR, c) for c in communities[:4]]
    for (role, partner), member in zip(targets, roster, strict=False):
        start = today - timedelta(days=rng.randrange(90, 300))
        d = services.record_dispatch(
            actor=gw, org=gongwei, role=role, member=member, partner=partner, started_on=start
        )
        for k in range(rng.randrange(1, 3)):
            services.add_contact(
                actor=gw, dispatch=d, happened_on=min(today, start + timedelta(days=45 * (k + 1))),
                text=rng.choice(("指导社区党支部规范“三会一课”。", "协助企业党组织发展党员。",
                                 "帮助建立党员活动室，整理台账。")),
            )  # fmt: skip
        sent += 1
    counts["党建指导员"] = sent
    return counts
