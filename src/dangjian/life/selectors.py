"""Reads for organisational life: the meetings list, the frequency compliance report, last attendance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max
from django.utils import timezone

from dangjian.accounts.roles import LIFE
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict, scope_paths
from dangjian.life.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from dangjian.life.rules import DOMAIN, FREQUENCY_RULES
from dangjian.orgs.models import BRANCH_TYPES, Organization


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def periods(kind: str, year: int, today: date) -> list[Period]:
    """The periods of `year` that have begun by `today` (a running period is included)."""
    out: list[Period] = []
    if kind == "year":
        spans = [(f"{year}年", date(year, 1, 1), date(year, 12, 31))]
    elif kind == "quarter":
        spans = [
            (f"{year}年第{q}季度", date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
            for q in range(1, 5)
        ]
    else:
        spans = [(f"{year}年{m}月", date(year, m, 1), _month_end(year, m)) for m in range(1, 13)]
    for label, start, end in spans:
        if start <= today:
            out.append(Period(label, start, end))
    return out


def _month_end(year: int, month: int) -> date:
    import calendar

    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class KindCompliance:
    kind: str
    label: str
    per_period: int
    period: str
    source: str
    required: int = 0
    held: int = 0
    missing: list[Period] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass
class BranchCompliance:
    org: Organization
    kinds: list[KindCompliance]

    @property
    def ok(self) -> bool:
        return all(k.ok for k in self.kinds)


def branches_in_scope(user, root: Organization | None = None) -> list[Organization]:
    qs = Organization.objects.filter(org_type__in=BRANCH_TYPES)
    roots = scope_paths(user, "view", LIFE)
    if root is not None:
        from dangjian.core.scope import narrow_paths

        roots = narrow_paths(roots, root.path)
    if not roots:
        return []
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in roots:
        q |= Q(path__startswith=path)
    return list(qs.filter(q).order_by("path"))


def compliance(
    user, *, root: Organization | None = None, year: int, today: date | None = None
) -> list[BranchCompliance]:
    """For each branch in scope and each kind with a frequency rule: required vs held, missing periods.

    A period counts as kept when at least the rule's number of meetings of the kind were held in it.
    The rule in force on a period's last day (or today, for the running period) applies.
    """
    today = today or timezone.localdate()
    branches = branches_in_scope(user, root)
    if not branches or year > today.year:
        return [BranchCompliance(b, []) for b in branches]
    dates: dict[tuple[int, str], list[date]] = {}
    meetings = restrict(
        user,
        "view",
        Meeting.objects.filter(
            org__in=branches,
            held_on__gte=date(year, 1, 1),
            held_on__lte=min(today, date(year, 12, 31)),
        ),
    ).values_list("org_id", "kind", "held_on")
    for org_id, kind, held_on in meetings:
        dates.setdefault((org_id, kind), []).append(held_on)
    labels = dict(MeetingKind.choices)
    out = []
    for branch in branches:
        kinds = []
        for kind, key, period in FREQUENCY_RULES:
            held_dates = dates.get((branch.pk, kind), [])
            row = None
            for p in periods(period, year, today):
                rules = rules_on(DOMAIN, min(p.end, today))
                need = getattr(rules, key)
                if row is None:
                    spec = rules.domain.spec(key)
                    row = KindCompliance(kind, str(labels[kind]), need, period, spec.source)
                held = sum(1 for d in held_dates if p.start <= d <= p.end)
                row.required += need
                row.held += held
                if held < need:
                    row.missing.append(p)
            if row is not None:
                kinds.append(row)
        out.append(BranchCompliance(branch, kinds))
    return out


def last_attended(member_ids: list[int]) -> dict[int, date]:
    """{member_id: the latest meeting date the member attended in person}; absent: never recorded."""
    rows = (
        Attendance.objects.filter(member_id__in=member_ids, status=AttendanceStatus.PRESENT)
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .values_list("member_id", "last")
    )
    return dict(rows)


def meetings_of(user, org: Organization):
    return (
        restrict(user, "view", Meeting.objects.filter(org=org))
        .select_related("chair")
        .order_by("-held_on", "-id")
    )
