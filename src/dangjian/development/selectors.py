"""Reads on 发展党员 records, always through restrict(): due lists, pipeline counts, plans."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, QuerySet

from dangjian.accounts.roles import DEVELOPMENT
from dangjian.core.calendar import add_months
from dangjian.core.rulesets import Rules, versions
from dangjian.core.scope import restrict, scope_paths
from dangjian.development import steps as S
from dangjian.development.models import (
    ACTIVE_STATUSES,
    Applicant,
    ApplicantStatus,
    DevelopmentPlan,
    Stage,
    StepRecord,
)
from dangjian.development.rules import DOMAIN
from dangjian.development.services import available_steps, done_map
from dangjian.orgs.models import Organization


def applicants_for(user, action: str = "view", *, within: str | None = None) -> QuerySet[Applicant]:
    return restrict(user, action, Applicant.objects.select_related("org", "member"), within=within)


class _RulesPicker:
    """The development rules in force on a day, with the versions read once."""

    def __init__(self) -> None:
        self._versions = sorted(versions(DOMAIN), key=lambda r: r.effective_from, reverse=True)

    def on(self, day: date) -> Rules:
        for rules in self._versions:
            if rules.effective_from <= day:
                return rules
        return self._versions[-1]


@dataclass
class DueItem:
    applicant: Applicant
    step: S.Step
    kind: str  # "deadline" (应在…前办) or "earliest" (…起可办)
    day: date
    note: str = ""

    @property
    def kind_label(self) -> str:
        return "截止日期" if self.kind == "deadline" else "可办起始日"


def _records_by_applicant(applicant_ids) -> dict[int, list[StepRecord]]:
    out: dict[int, list[StepRecord]] = defaultdict(list)
    rows = StepRecord.objects.filter(applicant_id__in=applicant_ids, replaced_by__isnull=True).only(
        "id", "applicant_id", "step", "done_on", "passed", "confirm_round"
    )
    for r in rows:
        out[r.applicant_id].append(r)
    return out


def next_dates(applicant: Applicant, done: dict, picker: _RulesPicker) -> list[DueItem]:
    """The next steps of one person with a date attached: a deadline or the earliest day."""
    items: list[DueItem] = []
    for s in available_steps(applicant, done):
        n = s.number
        if n == 2:
            rules = picker.on(applicant.applied_on)
            items.append(
                DueItem(
                    applicant,
                    s,
                    "deadline",
                    add_months(applicant.applied_on, rules.talk_within_months),
                )
            )
        elif n == 3:
            rules = picker.on(applicant.applied_on)
            if rules.activist_min_application_months:
                day = add_months(applicant.applied_on, rules.activist_min_application_months)
                items.append(DueItem(applicant, s, "earliest", day))
        elif n == 7 and applicant.activist_on:
            rules = picker.on(applicant.activist_on)
            items.append(
                DueItem(
                    applicant,
                    s,
                    "earliest",
                    add_months(applicant.activist_on, rules.candidate_min_months),
                )
            )
        elif n in (16, 17) and applicant.meeting_on:
            rules = picker.on(applicant.meeting_on)
            hard = add_months(applicant.meeting_on, rules.approval_max_months)
            items.append(
                DueItem(
                    applicant,
                    s,
                    "deadline",
                    add_months(applicant.meeting_on, rules.approval_months),
                    note=f"最迟不超过{hard.year}年{hard.month}月{hard.day}日",
                )
            )
        elif n == 22 and applicant.probation_end:
            items.append(
                DueItem(
                    applicant,
                    s,
                    "deadline",
                    applicant.probation_end,
                    note="预备期满，应及时提出转正申请、讨论转正",
                )
            )
        elif n == 23 and applicant.probation_end:
            items.append(
                DueItem(
                    applicant,
                    s,
                    "deadline",
                    applicant.probation_end,
                    note="预备期满，应及时讨论转正",
                )
            )
        elif n == 24 and 23 in done:
            rules = picker.on(done[23].done_on)
            items.append(
                DueItem(
                    applicant,
                    s,
                    "deadline",
                    add_months(done[23].done_on, rules.confirm_approval_months),
                )
            )
    return items


def due_items(user, *, within: str | None = None) -> list[DueItem]:
    people = list(applicants_for(user, within=within).filter(status__in=ACTIVE_STATUSES))
    records = _records_by_applicant([p.pk for p in people])
    picker = _RulesPicker()
    items: list[DueItem] = []
    for person in people:
        done = done_map(records.get(person.pk, []), person.confirm_round)
        items.extend(next_dates(person, done, picker))
    return items


GROUPS = (
    ("overdue", "已逾期"),
    ("this_month", "本月到期"),
    ("soon", "即将可办"),
)


def group_due(items: list[DueItem], today: date) -> dict[str, list[DueItem]]:
    """已逾期 (deadline passed) · 本月到期 (deadline from today to the month's end) ·
    即将可办 (the earliest day is reached or within the next two months)."""
    month_end = add_months(today.replace(day=1), 1) - timedelta(days=1)
    horizon = add_months(today, 2)
    out: dict[str, list[DueItem]] = {key: [] for key, _ in GROUPS}
    for item in items:
        if item.kind == "deadline":
            if item.day < today:
                out["overdue"].append(item)
            elif item.day <= month_end:
                out["this_month"].append(item)
        elif item.day <= horizon:
            out["soon"].append(item)
    for rows in out.values():
        rows.sort(key=lambda i: (i.day, i.applicant.stroke_key, i.applicant.pk))
    return out


def due_counts_by_org(groups: dict[str, list[DueItem]]) -> list[dict]:
    """Per branch: how many people in each group (each count drills down to the names)."""
    table: dict[int, dict] = {}
    for key, rows in groups.items():
        for item in rows:
            org = item.applicant.org
            row = table.setdefault(org.pk, {"org": org, "overdue": 0, "this_month": 0, "soon": 0})
            row[key] += 1
    return sorted(table.values(), key=lambda r: r["org"].path)


def pipeline(user, *, within: str | None = None, year: int) -> list[dict]:
    """How many people are at each stage now, and how many were confirmed this year."""
    qs = applicants_for(user, within=within)
    active = dict(
        qs.filter(status__in=ACTIVE_STATUSES)
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    rows = [
        {"stage": s.value, "label": s.label, "count": active.get(s.value, 0)}
        for s in Stage
        if s != Stage.FULL
    ]
    rows.append(
        {
            "stage": Stage.FULL.value,
            "label": f"{year}年转为正式党员",
            "count": qs.filter(status=ApplicantStatus.CONFIRMED, confirmed_on__year=year).count(),
        }
    )
    return rows


def plan_rows(user, *, org: Organization | None, year: int) -> list[dict]:
    """Plan / done / remaining for an organisation's children (or the user's scope roots)."""
    if org is not None:
        nodes = [
            org,
            *Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by(
                "path"
            ),
        ]
    else:
        roots = scope_paths(user, "view", DEVELOPMENT)
        nodes = list(Organization.objects.filter(path__in=roots).order_by("path"))
    plans = {
        p.org_id: p
        for p in restrict(
            user, "view", DevelopmentPlan.objects.filter(year=year, org__in=[n.pk for n in nodes])
        )
    }
    approved = applicants_for(user).filter(approved_on__year=year)
    rows = []
    for node in nodes:
        done = approved.filter(org_path__startswith=node.path).count()
        plan = plans.get(node.pk)
        rows.append(
            {
                "org": node,
                "is_parent": org is not None and node.pk == org.pk,
                "plan": plan,
                "quota": plan.quota if plan else None,
                "done": done,
                "remaining": max(plan.quota - done, 0) if plan else None,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# One person's timeline


def _d(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def step_hint(applicant: Applicant, number: int, done: dict) -> list[str]:
    """What the rules say about doing step `number` now, in words, with the source."""
    from django.utils import timezone

    from dangjian.development.services import development_rules

    rules = development_rules(timezone.localdate())
    out: list[str] = []
    if number == 2:
        deadline = add_months(applicant.applied_on, rules.talk_within_months)
        out.append(f"应在{_d(deadline)}前谈话。")
        out.append(rules.cite("talk_within_months"))
    elif number == 3:
        out.append("由支部委员会（未设支委会的由支部党员大会）研究确定，并报上级党委备案。")
        if rules.activist_min_application_months:
            earliest = add_months(applicant.applied_on, rules.activist_min_application_months)
            out.append(
                f"递交申请书满{rules.activist_min_application_months}个月后方可确定：{_d(earliest)}起。"
            )
            out.append(rules.cite("activist_min_application_months"))
    elif number == 5:
        out.append("指定1至2名正式党员作为培养联系人。")
    elif number == 7 and applicant.activist_on:
        earliest = add_months(applicant.activist_on, rules.candidate_min_months)
        out.append(f"满一年后方可确定：{_d(earliest)}起。")
        out.append(rules.cite("candidate_min_months"))
    elif number == 9:
        out.append("入党介绍人为2名正式党员，一般由培养联系人担任。")
    elif number == 10:
        out.append("未经政治审查或政治审查不合格的，不能发展入党（细则第十六条）。")
    elif number == 11:
        out.append(
            f"培训时间不少于{rules.training_min_days}天或不少于{rules.training_min_hours}学时。"
        )
        out.append(rules.cite("training_min_days"))
    elif number in (15, 23):
        out.append(
            "到会有表决权的正式党员须超过应到会人数的半数；赞成票超过应到会有表决权正式党员的半数，才能通过（《中国共产党发展党员工作细则》第二十、二十一条）。"
        )
        if number == 23 and applicant.probation_end:
            out.append(f"预备期于{_d(applicant.probation_end)}期满，期满后方可讨论转正。")
    elif number in (16, 17) and applicant.meeting_on:
        deadline = add_months(applicant.meeting_on, rules.approval_months)
        hard = add_months(applicant.meeting_on, rules.approval_max_months)
        out.append(
            f"支部大会于{_d(applicant.meeting_on)}通过，应在{_d(deadline)}前审批，特殊情况最迟{_d(hard)}。"
        )
        out.append(rules.cite("approval_months"))
        if number == 17:
            out.append("批准后自动生成预备党员记录，入党日期为支部大会通过之日。")
    elif number == 24 and 23 in done:
        deadline = add_months(done[23].done_on, rules.confirm_approval_months)
        out.append(
            f"支部大会决定：{done[23].get_confirm_outcome_display()}。应在{_d(deadline)}前审批。"
        )
        out.append(
            "批准按期转正后，党员记录自动改为正式党员，转正日期为预备期满之日，党龄自该日起计算。"
        )
    return out


def timeline(applicant: Applicant) -> dict:
    """The 25 steps with their records (corrected ones included), state and the next step."""
    from dangjian.development.services import available_steps, done_map, last_results

    all_records = list(
        StepRecord.objects.filter(applicant=applicant)
        .select_related("talker_member", "recorded_by", "replaced_by")
        .prefetch_related("contacts", "introducers", "documents")
        .order_by("done_on", "id")
    )
    current = [r for r in all_records if r.is_current]
    done = done_map(current, applicant.confirm_round)
    latest = last_results(current, applicant.confirm_round)
    available = available_steps(applicant, done)
    next_step = available[0] if available else None
    by_step: dict[int, list[StepRecord]] = defaultdict(list)
    for r in all_records:
        by_step[r.step].append(r)
    stages = []
    for number, label in S.STAGES.items():
        rows = []
        for s in (x for x in S.STEPS if x.stage == number):
            if s.number in done:
                state = "done"
            elif s.number in latest and not latest[s.number].passed:
                state = "failed"
            elif any(a.number == s.number for a in available):
                state = "next" if next_step and s.number == next_step.number else "available"
            else:
                state = "waiting"
            rows.append({"step": s, "state": state, "records": by_step.get(s.number, [])})
        stages.append({"number": number, "label": label, "rows": rows})
    return {
        "stages": stages,
        "done": done,
        "available": available,
        "next_step": next_step,
        "exceptions": [r for r in current if r.exception],
        "overdue": [r for r in current if r.overdue],
    }
