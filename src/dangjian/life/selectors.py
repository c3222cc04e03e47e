"""Reads for organisational life: the meetings list, the frequency compliance report, last attendance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import LIFE
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict, scope_paths
from dangjian.life.models import (
    NEEDS_FOLLOW_UP,
    Appraisal,
    AppraisalEntry,
    AppraisalResult,
    Attendance,
    AttendanceStatus,
    FollowUpDecision,
    GuestAttendance,
    Meeting,
    MeetingCorrection,
    MeetingKind,
)
from dangjian.life.rules import APPRAISAL, DOMAIN, FREQUENCY_RULES, rules_picker
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
    # 民主评议党员: the year's round counts as held (on its date) when it has results.
    rounds = (
        restrict(user, "view", Appraisal.objects.filter(org__in=branches, year=year))
        .filter(entries__isnull=False)
        .distinct()
        .values_list("org_id", "held_on")
    )
    for org_id, held_on in rounds:
        # a round held early the next year still counts for its own year
        dates.setdefault((org_id, APPRAISAL[0]), []).append(min(held_on, date(year, 12, 31)))
    labels = dict(MeetingKind.choices) | {APPRAISAL[0]: _("民主评议党员")}
    pick = rules_picker()
    out = []
    for branch in branches:
        kinds = []
        for kind, key, period in (*FREQUENCY_RULES, APPRAISAL):
            held_dates = dates.get((branch.pk, kind), [])
            row = None
            for p in periods(period, year, today):
                rules = pick(min(p.end, today))
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
    """{member_id: the latest meeting date the member attended in person}; absent: never recorded.

    A meeting attended as a guest (列席) of the branch hosting a 流动党员 counts too (RULES.md 3.6,
    3.7): the member keeps organisational life while away.
    """
    out = dict(
        Attendance.objects.filter(member_id__in=member_ids, status=AttendanceStatus.PRESENT)
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .values_list("member_id", "last")
    )
    guest_rows = (
        GuestAttendance.objects.filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .values_list("member_id", "last")
    )
    for member_id, last in guest_rows:
        if member_id not in out or last > out[member_id]:
            out[member_id] = last
    return out


def guest_count():
    """An annotation: the meeting's guests (列席), counted apart from its attendance (no join)."""
    rows = (
        GuestAttendance.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def attended_away(member_ids, start: date, end: date) -> dict[int, list[Meeting]]:
    """{member id: meetings of a host branch attended as a guest between start and end}.

    For the home branch's pages ("在流入地参加"): its own members only, so no scope on the host.
    """
    out: dict[int, list[Meeting]] = {}
    rows = (
        GuestAttendance.objects.filter(
            member_id__in=list(member_ids),
            meeting__held_on__gte=start,
            meeting__held_on__lte=end,
        )
        .select_related("meeting__org")
        .order_by("meeting__held_on", "meeting_id")
    )
    for g in rows:
        out.setdefault(g.member_id, []).append(g.meeting)
    return out


@dataclass(frozen=True)
class CorrectionRow:
    label: str
    before: str
    after: str


def correction_rows(correction: MeetingCorrection) -> list[CorrectionRow]:
    """A correction's changes as readable rows, in the reader's language."""
    statuses = dict(AttendanceStatus.choices)
    kinds = dict(MeetingKind.choices)
    out = []
    for c in correction.changes or []:
        field, before, after = c.get("field"), c.get("before"), c.get("after")
        if field == "attendance":
            out.append(
                CorrectionRow(
                    _("出席情况：%(name)s") % {"name": c.get("name", "")},
                    _attendance_text(before, statuses),
                    _attendance_text(after, statuses),
                )
            )
        elif field == "guest":
            out.append(
                CorrectionRow(
                    _("流入党员列席：%(name)s") % {"name": c.get("name", "")},
                    str(_("列席")) if before else str(_("未登记")),
                    str(_("列席")) if after else str(_("未登记")),
                )
            )
        else:
            try:
                label = str(Meeting._meta.get_field(field).verbose_name)
            except Exception:  # a field renamed since: show its key
                label = str(field)
            out.append(
                CorrectionRow(
                    label, _field_text(field, before, kinds), _field_text(field, after, kinds)
                )
            )
    return out


def _attendance_text(value, statuses) -> str:
    status, reason = (list(value or []) + ["", ""])[:2]
    if not status:
        return str(_("未登记"))
    text = str(statuses.get(status, status))
    return f"{text}（{reason}）" if reason else text


def _field_text(field: str, value, kinds) -> str:
    if not value:
        return "—"
    if field == "kind":
        return str(kinds.get(value, value))
    if field == "held_on":
        try:
            return dateformat.format(date.fromisoformat(value), "Y年n月j日")
        except ValueError:
            return value
    return value


def meetings_of(user, org: Organization):
    return (
        restrict(user, "view", Meeting.objects.filter(org=org))
        .select_related("chair")
        .order_by("-held_on", "-id")
    )


# --- the running period: what is still missing, for the calendar and the reminders ----------------


@dataclass(frozen=True)
class DueRow:
    org: Organization
    kinds: list[tuple[str, Period]]  # (label, the running period) still short of the rule


def period_containing(period: str, day: date) -> Period:
    return next(p for p in periods(period, day.year, day) if p.start <= day <= p.end)


def due_soon(user, *, today: date | None = None, root: Organization | None = None) -> list[DueRow]:
    """Branches whose running period ends within the reminder setting and still lack a meeting.

    Reuses `compliance`: a kind is listed when its running period is among the missing ones and
    that period ends within `remind_days_before_period_end` days of today (inclusive).
    """
    today = today or timezone.localdate()
    days = rules_on(DOMAIN, today).remind_days_before_period_end
    out = []
    for row in compliance(user, root=root, year=today.year, today=today):
        late = [
            (k.label, p)
            for k in row.kinds
            for p in k.missing
            if p.start <= today <= p.end and (p.end - today).days <= days
        ]
        if late:
            out.append(DueRow(row.org, late))
    return out


# --- 民主评议党员 -----------------------------------------------------------------------------------


def appraisals_in(user, root: Organization):
    return (
        restrict(user, "view", Appraisal.objects.filter(org_path__startswith=root.path))
        .select_related("org", "meeting")
        .order_by("-year", "org_path")
    )


def entries_in(user, root: Organization):
    return restrict(
        user, "view", AppraisalEntry.objects.filter(appraisal__org_path__startswith=root.path)
    ).select_related("member", "appraisal__org")


@dataclass
class AppraisalCount:
    org: Organization
    appraisal: Appraisal | None
    counts: dict[str, int]

    @property
    def rated(self) -> int:
        return sum(self.counts.values())


def appraisal_counts(user, *, root: Organization, year: int) -> list[AppraisalCount]:
    """Per branch in scope under `root`: the year's round (if any) and how many rated, by result."""
    branches = branches_in_scope(user, root)
    rounds = {a.org_id: a for a in appraisals_in(user, root).filter(year=year)}
    counts: dict[int, dict[str, int]] = {}
    rows = (
        entries_in(user, root)
        .filter(year=year)
        .values_list("appraisal__org_id", "result")
        .order_by()
    )
    for org_id, result in rows:
        c = counts.setdefault(org_id, dict.fromkeys(AppraisalResult.values, 0))
        c[result] += 1
    out = []
    for b in branches:
        out.append(
            AppraisalCount(
                b, rounds.get(b.pk), counts.get(b.pk, dict.fromkeys(AppraisalResult.values, 0))
            )
        )
    return out


FOLLOW_UP_STATES = ("open", "overdue", "due", "closed")


def follow_ups(user, *, root: Organization, today: date, state: str = "open"):
    """基本合格/不合格 entries and their follow-up.

    open: not yet closed; overdue: 限期改正 past its deadline and not closed; due: 限期改正 whose
    deadline falls within the reminder setting's days, or a 劝退/除名 decision not yet closed;
    closed: done.
    """
    qs = entries_in(user, root).filter(result__in=NEEDS_FOLLOW_UP)
    if state == "closed":
        return qs.filter(closed_on__isnull=False).order_by("-closed_on", "member__stroke_key")
    qs = qs.filter(closed_on__isnull=True)
    if state == "overdue":
        qs = qs.filter(decision=FollowUpDecision.RECTIFY, deadline__lt=today)
    elif state == "due":
        days = rules_on(DOMAIN, today).remind_days_before_period_end
        qs = qs.filter(
            Q(decision=FollowUpDecision.RECTIFY, deadline__gte=today)
            & Q(deadline__lte=today + timedelta(days=days))
            | Q(decision=FollowUpDecision.PERSUADE)
        )
    return qs.order_by("deadline", "appraisal__org_path", "member__stroke_key")


# --- calendar ---------------------------------------------------------------------------------------


@dataclass
class MonthCell:
    day: date | None
    meetings: list[Meeting] = field(default_factory=list)


def calendar_month(user, org: Organization, year: int, month: int) -> list[list[MonthCell]]:
    """A Monday-first grid of the month with the organisation's own meetings on their days."""
    import calendar as cal

    meetings: dict[date, list[Meeting]] = {}
    qs = restrict(
        user,
        "view",
        Meeting.objects.filter(
            org=org, held_on__gte=date(year, month, 1), held_on__lte=_month_end(year, month)
        ),
    ).order_by("held_on", "id")
    for m in qs:
        meetings.setdefault(m.held_on, []).append(m)
    weeks = []
    for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                MonthCell(
                    d if d.month == month else None, meetings.get(d, []) if d.month == month else []
                )
                for d in week
            ]
        )
    return weeks


def meetings_by_month(user, org: Organization, year: int) -> dict[int, dict[str, int]]:
    """{month: {kind: count}} of the organisation's own meetings in the year."""
    out: dict[int, dict[str, int]] = {}
    qs = restrict(user, "view", Meeting.objects.filter(org=org, held_on__year=year)).values_list(
        "held_on", "kind"
    )
    for held_on, kind in qs:
        row = out.setdefault(held_on.month, {})
        row[kind] = row.get(kind, 0) + 1
    return out


def missing_by_month(
    rows: list[BranchCompliance], org: Organization, today: date
) -> dict[int, list[str]]:
    """{month: labels of required meetings missing in the period that ends (or runs) in that month}.

    A quarterly or yearly shortfall is shown in the period's last month (or the running month).
    """
    row = next((r for r in rows if r.org.pk == org.pk), None)
    out: dict[int, list[str]] = {}
    if row is None:
        return out
    for k in row.kinds:
        for p in k.missing:
            month = today.month if p.start <= today <= p.end else p.end.month
            out.setdefault(month, []).append(
                f"{k.label}（{p.label}）" if k.period != "month" else k.label
            )
    return out
