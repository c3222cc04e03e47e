"""Demo 组织生活 for the demo county, made through this app's services (LIFECYCLE_DEMOS).

A year of meetings up to `today` for every active branch (attendance from the roster, a few absent
with a reason or excused); some branches fall short (a missing monthly 支委会, a missing quarterly
党员大会), and this month's meetings are not all held yet, so the 期末提醒 has something to show.
Each 党委 secretary gives a 党课 at their own branch. Last year's 组织生活会 and 民主评议党员 are
recorded early this year with a few 基本合格/不合格 and their follow-ups. Members who stopped paying
dues six or more months ago (the dues demo's "stoppers") also stop coming, so the 可能自行脱党 list
(which needs both facts) shows them. Runs after the dues demo; one batch per branch.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q

from dangjian.core.calendar import add_months, months_between
from dangjian.demo.actors import nearest_staff
from dangjian.life import services
from dangjian.life.models import AppraisalResult, FollowUpDecision, Meeting, MeetingKind
from dangjian.members.lapse import lapse_sources
from dangjian.members.models import Member
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgStatus, OrgType, Post, PostKind
from dangjian.transfers.models import FloatingRecord

ABSENT_REASONS = ("外出学习", "值班", "下乡调研", "家中有事")
EXCUSED_REASONS = ("出差", "病假", "公休假", "参加培训")
THEMES = (
    "学习贯彻党的二十届四中全会精神",
    "重温入党誓词",
    "学习《中国共产党章程》",
    "学习《中国共产党纪律处分条例》",
    "开展志愿服务进社区",
    "观看警示教育片",
    "学习习近平新时代中国特色社会主义思想",
    "讨论本支部年度工作要点",
)
LECTURES = (
    "坚定理想信念，践行初心使命",
    "以党的创新理论武装头脑",
    "弘扬伟大建党精神",
    "加强作风建设，做到为民务实清廉",
)


def _lapsed_members(member_ids: list[int], today: date) -> set[int]:
    """Members whose last dues payment is six or more months back (the dues demo's stoppers)."""
    source = next((s for s in lapse_sources() if s.key == "dues"), None)
    if source is None:
        return set()
    last = source.last_dates(member_ids)
    return {mid for mid, d in last.items() if d is not None and months_between(d, today) >= 6}


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(0, (last - first).days + 1))


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


class _Branch:
    def __init__(self, org, rng, today, start, lapsed):
        self.org, self.rng, self.today, self.start = org, rng, today, start
        self.roster = services.roster(org)
        self.committee = services.committee_member_ids(org)
        self.lapsed = lapsed
        self.cutoff = add_months(today, -7)
        self.items: list[dict] = []
        # 流动党员 (the transfers demo runs first): members of this branch away, and guests hosted here
        self.away = _spans(FloatingRecord.objects.filter(direction="out", org=org), today)
        self.hosted = _spans(
            FloatingRecord.objects.filter(
                Q(direction="in", org=org) | Q(direction="out", host_org=org)
            ),
            today,
        )

    def attendance(self, day: date, people) -> dict:
        out = {}
        for m in people:
            if m.pk in self.lapsed and day >= self.cutoff:
                out[m.pk] = ("absent", "无正当理由未参加")
                continue
            if any(r.member_id == m.pk and a <= day <= b for r, a, b in self.away):
                out[m.pk] = ("excused", "外出流动")
                continue
            r = self.rng.random()
            if r < 0.03:
                out[m.pk] = ("absent", self.rng.choice(ABSENT_REASONS))
            elif r < 0.08:
                out[m.pk] = ("excused", self.rng.choice(EXCUSED_REASONS))
            else:
                out[m.pk] = ("present", "")
        return out

    def add(self, kind, day, topic, people=None, chair=None):
        people = self.roster if people is None else people
        if kind == MeetingKind.COMMITTEE:
            # every 委员 present: the quorum (RULES.md 4.15) is always met in the demo
            att = {m.pk: ("present", "") for m in people}
        else:
            att = self.attendance(day, people)
        secretary = chair or next(
            (m for m in self.roster if m.pk in self.committee and m.pk not in self.lapsed), None
        )
        guests = []
        if kind != MeetingKind.COMMITTEE:
            # floating members hosted here come as guests (列席) to most meetings (RULES.md 3.6, 3.7)
            guests = [r.pk for r, a, b in self.hosted if a <= day <= b and self.rng.random() < 0.75]
        self.items.append(
            {
                "kind": kind,
                "held_on": day,
                "topic": topic,
                "place": "党员活动室",
                "chair": secretary,
                "attendance": att,
                "guests": guests,
            }
        )


def _spans(records, today: date) -> list[tuple]:
    """(record, first day, last day) of each 流动党员 record."""
    return [(r, r.started_on, r.ended_on or today) for r in records.order_by("started_on", "id")]


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    counts = {
        "会议记录": 0,
        "出席记录": 0,
        "流入党员列席": 0,
        "民主评议": 0,
        "评议结果": 0,
        "评议后处置": 0,
    }
    gongwei = Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE).order_by("path").first()
    if gongwei is None:
        return counts
    branches = list(
        Organization.objects.filter(
            path__startswith=gongwei.path, org_type__in=BRANCH_TYPES, status=OrgStatus.ACTIVE
        ).order_by("path")
    )
    start = add_months(
        date(today.year - 1, today.month, 1), 1
    )  # twelve months: this month and the eleven before it
    all_ids = list(
        Member.objects.filter(org__in=branches, status="normal").values_list("pk", flat=True)
    )
    lapsed = _lapsed_members(all_ids, today)
    appraisal_day = date(today.year, 1, 20) if today > date(today.year, 1, 20) else None
    made: dict[int, _Branch] = {}
    for i, org in enumerate(branches):
        b = _Branch(org, rng, today, start, lapsed)
        if not b.roster:
            continue
        made[org.pk] = b
        short_committee = i % 7 == 3  # a few branches skip some 支委会
        short_assembly = i % 9 == 5  # … or a quarterly 党员大会
        # 委员 who stopped coming are simply not listed; the rest make the quorum
        committee = [m for m in b.roster if m.pk in b.committee and m.pk not in lapsed]
        month = start
        while month <= today:
            last = min(_month_end(month), today)
            this_month = month.year == today.year and month.month == today.month

            def held(this_month=this_month) -> bool:
                # this month is not over: each kind has been held at about six branches in ten
                return not this_month or rng.random() < 0.6

            if committee and not (short_committee and month.month in (2, 7, 8)) and held():
                b.add(MeetingKind.COMMITTEE, _day(rng, month, last), "研究支部近期工作", committee)
            if held():
                b.add(MeetingKind.THEME_DAY, _day(rng, month, last), rng.choice(THEMES))
            if held():
                size = max(3, len(b.roster) // 2)
                b.add(MeetingKind.GROUP, _day(rng, month, last), "党小组学习", b.roster[:size])
            if month.month in (3, 6, 9, 12) or this_month:
                quarter_start = date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
                first = max(quarter_start, start)
                if not (short_assembly and month.month == 6) and held():
                    b.add(
                        MeetingKind.BRANCH_ASSEMBLY,
                        _day(rng, first, last),
                        "支部党员大会：通报工作、讨论发展党员",
                    )
                if held():
                    b.add(MeetingKind.LECTURE, _day(rng, first, last), rng.choice(LECTURES))
            month = add_months(month, 1)
        if appraisal_day is not None:
            b.add(
                MeetingKind.LIFE_MEETING,
                appraisal_day,
                f"{today.year - 1}年度组织生活会暨民主评议党员",
            )
    # 党委 secretaries give a 党课 at their own branch (RULES.md 4.15: at least once a year)
    for post in Post.objects.filter(
        org__path__startswith=gongwei.path,
        org__org_type=OrgType.PARTY_COMMITTEE,
        kind=PostKind.SECRETARY,
        ended_on__isnull=True,
    ).select_related("member", "org"):
        b = made.get(post.member.org_id)
        if b is None or post.member.pk not in {m.pk for m in b.roster}:
            continue
        first, last = max(start, date(today.year, 4, 1)), min(today, date(today.year, 6, 30))
        if first > last:
            continue
        day = _day(rng, first, last)
        b.add(
            MeetingKind.LECTURE,
            day,
            f"党委书记讲党课：{rng.choice(LECTURES)}（{post.org.short_name or post.org.name}）",
            chair=post.member,
        )
    for b in made.values():
        actor = nearest_staff(b.org)
        meetings = services.record_meetings(actor=actor, org=b.org, meetings=b.items)
        counts["会议记录"] += len(meetings)
        counts["出席记录"] += sum(len(x["attendance"]) for x in b.items)
        counts["流入党员列席"] += sum(len(x["guests"]) for x in b.items)
        if appraisal_day is not None:
            life = next(m for m in meetings if m.kind == MeetingKind.LIFE_MEETING)
            _appraise(b, actor, life, appraisal_day, rng, today, counts)
    return counts


def _appraise(b: _Branch, actor, meeting: Meeting, day: date, rng, today, counts) -> None:
    year = day.year - 1
    results: dict[int, dict] = {}
    members = services.appraisal_roster(b.org, day)
    for m in members:
        r = rng.random()
        if r < 0.015 or (m.pk in b.lapsed and rng.random() < 0.5):
            if rng.random() < 0.5:
                results[m.pk] = {
                    "result": AppraisalResult.UNQUALIFIED,
                    "decision": FollowUpDecision.PERSUADE,
                    "help_measure": "",
                }
            else:
                results[m.pk] = {
                    "result": AppraisalResult.UNQUALIFIED,
                    "decision": FollowUpDecision.RECTIFY,
                    "deadline": add_months(day, 6),
                    "help_measure": "支部书记结对帮扶，每月谈心谈话一次",
                }
        elif r < 0.05:
            results[m.pk] = {
                "result": AppraisalResult.BASIC,
                "deadline": add_months(day, rng.choice((3, 6, 12))),
                "help_measure": "党小组长帮带，督促按时参加组织生活",
            }
        elif r < 0.20:
            results[m.pk] = {"result": AppraisalResult.EXCELLENT}
        else:
            results[m.pk] = {"result": AppraisalResult.QUALIFIED}
    if not results:
        return
    try:
        appraisal = services.record_appraisal(
            actor=actor,
            org=b.org,
            year=year,
            held_on=day,
            meeting=meeting,
            note="对照党员标准，个人自评、党员互评、民主测评，支部委员会综合评定。",
            results=results,
        )
    except ValidationError:
        return
    counts["民主评议"] += 1
    counts["评议结果"] += len(results)
    for entry in appraisal.entries.filter(result=AppraisalResult.BASIC).order_by("pk"):
        counts["评议后处置"] += 1
        if entry.deadline and entry.deadline < today and rng.random() < 0.6:
            services.close_follow_up(
                actor=actor,
                entry=entry,
                closed_on=entry.deadline,
                outcome="经帮扶已改正，支部委员会认定合格",
            )
