"""Demo data for 发展党员: people at every stage in many branches, all made through the services."""

from __future__ import annotations

import random
from datetime import date, timedelta

from dangjian.core.calendar import add_months
from dangjian.development import services
from dangjian.development.models import Applicant, ConfirmOutcome, DecisionBody
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "晓明思远佳怡子轩雨涵浩然欣悦梓萱俊杰静怡宇航诗琪博文雅婷嘉豪梦瑶志强丽娟海燕建华文博晨曦一鸣若楠天宇"


def step_dates(applicant: Applicant) -> dict[int, date]:
    """A plausible schedule for all 25 steps from the application date (every interval met)."""
    a = applicant.applied_on
    d = {1: a, 2: a + timedelta(days=12), 3: add_months(a, 3)}
    d[4] = d[3] + timedelta(days=6)
    d[5] = d[3] + timedelta(days=8)
    d[6] = d[3] + timedelta(days=10)
    d[7] = add_months(d[3], 12) + timedelta(days=7)
    d[8] = d[7] + timedelta(days=6)
    d[9] = d[8] + timedelta(days=5)
    d[10] = d[8] + timedelta(days=9)
    d[11] = d[8] + timedelta(days=14)
    d[12] = d[8] + timedelta(days=25)
    d[13] = d[12] + timedelta(days=7)
    d[14] = d[13] + timedelta(days=5)
    d[15] = d[14] + timedelta(days=10)
    d[16] = d[15] + timedelta(days=20)
    d[17] = d[15] + timedelta(days=35)
    d[18] = d[17] + timedelta(days=10)
    d[19] = d[17] + timedelta(days=3)
    d[20] = d[17] + timedelta(days=12)
    d[21] = d[20] + timedelta(days=30)
    probation_end = add_months(d[15], 12)
    d[22] = probation_end - timedelta(days=10)
    d[23] = probation_end + timedelta(days=5)
    d[24] = d[23] + timedelta(days=30)
    d[25] = d[24] + timedelta(days=10)
    return d


def full_members(org, n: int = 2) -> list[Member]:
    return list(
        Member.objects.filter(
            org=org, category=MemberCategory.FULL, status=MemberStatus.NORMAL
        ).order_by("id")[:n]
    )


def facts_for(number: int, applicant: Applicant) -> dict:
    """Typical facts for a step (demo and tests)."""
    people = full_members(applicant.org, 2)
    if number in (2, 16):
        return {
            "talker": "党委委员 王建国"
            if number == 16
            else (people[0].name if people else "支部书记")
        }
    if number in (3, 7, 12):
        return {"decision_body": DecisionBody.BRANCH_COMMITTEE}
    if number == 5:
        return {"contacts": people[:2]}
    if number == 9:
        return {"introducers": people[:2]}
    if number in (10, 13, 17, 24):
        return {"passed": True}  # ㉔ approves what ㉓ decided
    if number == 11:
        return {"training_days": 3, "training_hours": 24}
    if number in (15, 23):
        extra = {"votes_expected": 12, "votes_present": 11, "votes_for": 11}
        if number == 23:
            extra["confirm_outcome"] = ConfirmOutcome.ON_TIME
        return extra
    return {}


def walk(
    applicant: Applicant, *, branch_actor, committee_actor, upto: int, today: date | None = None
) -> Applicant:
    """Record steps ② … `upto` through the services on the schedule of step_dates()."""
    dates = step_dates(applicant)
    for number in range(2, upto + 1):
        applicant.refresh_from_db()
        done = services.done_map(list(services.current_records(applicant)), applicant.confirm_round)
        if number in done:
            continue
        if number == 23:
            dates[23] = applicant.probation_end + timedelta(days=5)
            dates[24] = dates[23] + timedelta(days=30)
            dates[25] = dates[24] + timedelta(days=10)
        if today is not None and dates[number] > today:
            break
        from dangjian.development.steps import step

        actor = committee_actor if step(number).by_committee else branch_actor
        services.record_step(
            actor=actor,
            applicant=applicant,
            step=number,
            done_on=dates[number],
            **facts_for(number, applicant),
        )
    applicant.refresh_from_db()
    return applicant


def _unit_of(org) -> str:
    """The unit a branch sits in, from its 党委's name: 中共示范县教育局委员会 → 示范县教育局."""
    parent = (
        Organization.objects.filter(path=org.path[: -Organization.steplen]).first()
        if org.depth > 1
        else None
    )
    name = parent.name if parent is not None else org.name
    for part in ("中共", "委员会", "党委", "党总支", "党支部"):
        name = name.replace(part, "")
    return name


def new_applicant(
    *, actor, org, name: str, applied_on: date, birth: date, seq: int, gender: str = "male"
):
    raw = {
        "name": name,
        "gender": gender,
        "ethnicity": "汉族",
        "birth_date": birth,
        "id_number": make_id_number("350402", birth, seq, gender),
        "education": "bachelor",
        "occupation": "official",
        "phone": f"137{seq % 100000000:08d}",
        "work_unit": org.unit_name or _unit_of(org),
        "position": "科员",
        "applied_on": applied_on,
    }
    return services.create_applicant(actor=actor, org=org, data=services.clean_applicant_data(raw))


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    """People at every stage in many branches (several in zhibu's), some overdue, some due this
    month, one with a documented exception, and plans for the current year."""
    from dangjian.accounts.models import User
    from dangjian.accounts.roles import DEVELOPMENT
    from dangjian.core.scope import path_in_scope
    from dangjian.development.models import StepRecord
    from dangjian.orgs.models import Organization, OrgType

    gongwei = User.objects.get(username="gongwei")
    zhibu = User.objects.get(username="zhibu")
    dangwei = User.objects.get(username="dangwei")
    zhibu_branch = zhibu.grants.first().org
    branches = [
        b
        for b in Organization.objects.filter(org_type=OrgType.BRANCH).order_by("path")
        if b.is_active and len(full_members(b, 2)) == 2
    ]
    others = [b for b in branches if b.pk != zhibu_branch.pk]
    chosen = [zhibu_branch] + rng.sample(others, min(len(others), 14))
    seq = rng.randrange(100, 900) * 1000
    made = 0

    def person(org, applied_on, upto, *, gender=None):
        nonlocal seq, made
        seq += 7
        made += 1
        gender = gender or rng.choice(["male", "female"])
        birth = date(today.year - rng.randint(23, 38), rng.randint(1, 12), rng.randint(1, 28))
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice([1, 2])))
        committee = dangwei if path_in_scope(dangwei, "approve", DEVELOPMENT, org.path) else gongwei
        branch_actor = zhibu if org.pk == zhibu_branch.pk else committee
        a = new_applicant(
            actor=branch_actor,
            org=org,
            name=name,
            applied_on=applied_on,
            birth=birth,
            seq=seq,
            gender=gender,
        )
        return walk(a, branch_actor=branch_actor, committee_actor=committee, upto=upto, today=today)

    # zhibu's branch: one at each interesting point.
    b = zhibu_branch
    person(b, add_months(today, -1), 1)  # talk due this month (deadline today)
    person(b, today - timedelta(days=50), 1)  # talk overdue
    person(b, add_months(today, -14) - timedelta(days=3), 6)  # 积极分子 > 1 year: 发展对象 possible
    person(b, add_months(today, -17), 14)  # 发展对象, before the 支部大会
    person(b, add_months(today, -20), 15)  # after 支部大会: approval due
    person(b, add_months(today, -29), 21)  # 预备党员, probation ending around now
    person(b, add_months(today, -40), 25)  # done: 正式党员
    # One with a documented exception: 发展对象 two months early (special case), by the 党委.
    committee = dangwei if path_in_scope(dangwei, "approve", DEVELOPMENT, b.path) else gongwei
    exc = person(b, add_months(today, -14), 6)
    services.record_step(
        actor=committee,
        applicant=exc,
        step=7,
        done_on=add_months(exc.activist_on, 10),
        decision_body=DecisionBody.BRANCH_COMMITTEE,
        exception_reason="该同志在抗洪抢险中表现突出，经党委研究同意提前确定为发展对象（党委会议纪要〔示例〕）。",
    )
    # Elsewhere: a spread of stages.
    for org in chosen[1:]:
        for _ in range(rng.randint(2, 5)):
            months_ago = rng.choice([0, 1, 2, 5, 9, 14, 16, 18, 20, 26, 30, 34, 40])
            applied = add_months(today, -months_ago) - timedelta(days=rng.randint(0, 25))
            upto = {
                0: 1,
                1: 2,
                2: 3,
                5: 6,
                9: 6,
                14: rng.choice([6, 7]),
                16: rng.choice([8, 11, 12]),
            }.get(months_ago, rng.choice([14, 15, 17, 19, 21, 25]))
            person(org, applied, upto)
    # Plans for the current year: each 党委 (and its branches) under the 工委.
    plans = 0
    for committee_org in Organization.objects.filter(org_type=OrgType.PARTY_COMMITTEE).order_by(
        "path"
    ):
        services.set_plan(
            actor=gongwei,
            org=committee_org,
            year=today.year,
            quota=rng.randint(2, 8),
            note="年初下达",
        )
        plans += 1
        for child in Organization.objects.filter(
            path__startswith=committee_org.path, depth=committee_org.depth + 1
        ).filter(org_type=OrgType.BRANCH)[:6]:
            services.set_plan(actor=gongwei, org=child, year=today.year, quota=rng.randint(0, 2))
            plans += 1
    return {
        "在发展过程中的人员": made,
        "发展步骤记录": StepRecord.objects.count(),
        "年度发展计划": plans,
    }
