"""Reads on citizens' opinions, always through restrict().

A case is visible where the user's grant covers its intake organisation or the organisation of
any unit handling it: the union of restrict() on cases (intake_path) and on tasks (unit_path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext

from dangjian.accounts.roles import OPINION
from dangjian.core.scope import restrict, scope_paths
from dangjian.opinions.models import (
    HANDLING_STATES,
    OPEN_STATES,
    Case,
    CaseState,
    CaseTask,
    Category,
    FollowUp,
    Level,
    Opinion,
    Satisfaction,
)
from dangjian.orgs.models import Organization


def cases_for(user, action: str = "view") -> QuerySet[Case]:
    own = restrict(user, action, Case.objects.all()).values("pk")
    via_units = restrict(user, action, CaseTask.objects.all()).values("case_id")
    return Case.objects.filter(Q(pk__in=own) | Q(pk__in=via_units))


def get_case_or_404(user, pk, action: str = "view") -> Case:
    try:
        return (
            cases_for(user, action)
            .select_related("category", "intake_org", "merged_into")
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def opinions_for(user, action: str = "view") -> QuerySet[Opinion]:
    """Opinions received in scope, and those of cases the user's unit handles."""
    own = restrict(user, action, Opinion.objects.all()).values("pk")
    return Opinion.objects.filter(Q(pk__in=own) | Q(case__in=cases_for(user, action)))


def inbox(user) -> QuerySet[Opinion]:
    """待梳理: opinions in scope not yet consolidated into a case."""
    return restrict(user, "change", Opinion.objects.filter(case__isnull=True)).select_related(
        "place", "category"
    )


def tasks_for(user, action: str = "view") -> QuerySet[CaseTask]:
    return restrict(user, action, CaseTask.objects.all()).select_related("case", "unit")


def overdue_cases(qs: QuerySet[Case], today: date) -> QuerySet[Case]:
    return qs.filter(state__in=HANDLING_STATES, deadline__lt=today)


# ---------------------------------------------------------------- figures


@dataclass
class Period:
    """The filters every figure and its drill-down share: a period, a subtree, and one narrowing."""

    start: date | None = None
    end: date | None = None
    org: Organization | None = None
    state: str = ""
    level: str = ""
    category: int | None = None  # a top-level category (its children included)
    unit: int | None = None
    result: str = ""
    q: str = ""

    def query(self, **override) -> str:
        values = {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "org": self.org.pk if self.org else "",
            "state": self.state,
            "level": self.level,
            "category": self.category or "",
            "unit": self.unit or "",
            "result": self.result,
            "q": self.q,
        }
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _day(raw) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw) -> int | None:
    return int(raw) if raw and str(raw).isdigit() else None


def period_from(user, params) -> Period:
    """Read the filters from a query string; an organisation out of scope is ignored."""
    org = None
    org_id = _int(params.get("org"))
    if org_id:
        org = Organization.objects.filter(pk=org_id).first()
        if org is not None and not any(
            org.path.startswith(root) or root.startswith(org.path)
            for root in scope_paths(user, "view", OPINION)
        ):
            raise Http404
    return Period(
        start=_day(params.get("start")),
        end=_day(params.get("end")),
        org=org,
        state=params.get("state") or "",
        level=params.get("level") or "",
        category=_int(params.get("category")),
        unit=_int(params.get("unit")),
        result=params.get("result") or "",
        q=(params.get("q") or "").strip(),
    )


def scoped_cases(user, p: Period, action: str = "view") -> QuerySet[Case]:
    """Cases in scope (and in the subtree, by intake or by a unit's organisation) formed in the period."""
    within = p.org.path if p.org else None
    own = restrict(user, action, Case.objects.all(), within=within).values("pk")
    via_units = restrict(user, action, CaseTask.objects.all(), within=within).values("case_id")
    qs = Case.objects.filter(Q(pk__in=own) | Q(pk__in=via_units))
    if p.start:
        qs = qs.filter(created_at__date__gte=p.start)
    if p.end:
        qs = qs.filter(created_at__date__lte=p.end)
    return qs


def filter_cases(qs: QuerySet[Case], p: Period, today: date) -> QuerySet[Case]:
    if p.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif p.state == "overdue":
        qs = overdue_cases(qs, today)
    elif p.state == "counted":
        qs = qs.exclude(state=CaseState.MERGED)
    elif p.state in CaseState.values:
        qs = qs.filter(state=p.state)
    if p.level in Level.values:
        qs = qs.filter(level=p.level)
    elif p.level == "none":
        qs = qs.filter(level="")
    if p.category:
        qs = qs.filter(Q(category_id=p.category) | Q(category__parent_id=p.category))
    if p.unit:
        qs = qs.filter(tasks__unit_id=p.unit)
    if p.result in Satisfaction.values:
        qs = qs.filter(follow_ups__result=p.result)
    if p.q:
        qs = qs.filter(Q(title__icontains=p.q) | Q(number__icontains=p.q))
    return qs.distinct()


def scoped_opinions(user, p: Period) -> QuerySet[Opinion]:
    """Opinions received in the period: in scope at intake, or belonging to a case in scope."""
    within = p.org.path if p.org else None
    own = restrict(user, "view", Opinion.objects.all(), within=within).values("pk")
    qs = Opinion.objects.filter(Q(pk__in=own) | Q(case__in=scoped_cases(user, Period(org=p.org))))
    if p.start:
        qs = qs.filter(received_at__date__gte=p.start)
    if p.end:
        qs = qs.filter(received_at__date__lte=p.end)
    return qs


@dataclass
class UnitRow:
    unit_id: int
    name: str
    tasks: int = 0
    done: int = 0
    on_time: int = 0
    overdue_open: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.done, 1) if self.done else None


@dataclass
class Figures:
    period: Period
    opinions: int
    cases: int
    by_level: list[tuple[str, str, int]]
    by_category: list[tuple[int | None, str, int]]
    units: list[UnitRow]
    satisfaction: list[tuple[str, str, int]]
    satisfied_rate: float | None
    open: int
    overdue: int
    states: list[tuple[str, str, int]] = field(default_factory=list)


def figures(user, p: Period, today: date) -> Figures:
    """Every figure of the period and subtree, each computed from the records it drills down to."""
    cases = scoped_cases(user, p)
    counted = cases.exclude(state=CaseState.MERGED)
    level_counts = dict(
        counted.values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    by_level = [(v, str(label), level_counts.get(v, 0)) for v, label in Level.choices]
    if level_counts.get(""):
        by_level.append(("none", gettext("未定层级"), level_counts[""]))
    cat_rows = (
        counted.annotate(top=Coalesce("category__parent_id", "category_id"))
        .values("top")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    names = dict(Category.objects.filter(parent__isnull=True).values_list("pk", "name"))
    by_category = [(r["top"], names.get(r["top"]) or gettext("未分类"), r["n"]) for r in cat_rows]
    units: dict[int, UnitRow] = {}
    tasks = (
        CaseTask.objects.filter(case__in=counted)
        .select_related("unit", "case")
        .order_by("unit__name")
    )
    for t in tasks:
        row = units.setdefault(t.unit_id, UnitRow(t.unit_id, t.unit.name))
        row.tasks += 1
        if t.done_on is not None:
            row.done += 1
            row.on_time += t.done_on <= t.deadline
        elif t.deadline < today and t.case.state in HANDLING_STATES:
            row.overdue_open += 1
    sat = dict(
        FollowUp.objects.filter(case__in=counted)
        .values_list("result")
        .annotate(n=Count("pk"))
        .values_list("result", "n")
    )
    satisfaction = [(v, str(label), sat.get(v, 0)) for v, label in Satisfaction.choices]
    rated = sum(sat.values())
    good = sat.get(Satisfaction.SATISFIED, 0) + sat.get(Satisfaction.BASIC, 0)
    state_counts = dict(
        cases.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return Figures(
        period=p,
        opinions=scoped_opinions(user, p).count(),
        cases=counted.count(),
        by_level=by_level,
        by_category=by_category,
        units=sorted(units.values(), key=lambda r: (-r.tasks, r.name)),
        satisfaction=satisfaction,
        satisfied_rate=round(100 * good / rated, 1) if rated else None,
        open=counted.filter(state__in=OPEN_STATES).count(),
        overdue=overdue_cases(counted, today).count(),
        states=[(v, str(label), state_counts.get(v, 0)) for v, label in CaseState.choices],
    )
