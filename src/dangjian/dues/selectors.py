"""Reads on the dues ledger, always through `restrict()`.

Arrears (欠交) is money: a posted month whose `paid` is below `due`. The 6-month list (RULES.md 1.13)
counts months with nothing paid at all (`paid` = 0 while something was due), consecutive up to the
latest posted month: a partial payment is still a payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Max, Min, Q, QuerySet, Sum

from dangjian.core.calendar import add_months
from dangjian.core.scope import restrict
from dangjian.dues.models import DuesBase, DuesEntry, DuesMonth, DuesOrgMonth, EntryKind
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

ZERO = Decimal("0")
CENT = Decimal("0.01")


def money_sum(rows: QuerySet, field: str) -> Decimal:
    """SUM of a money column in 元, to the fen on both databases (SQLite returns a long scale)."""
    return Decimal(rows.aggregate(s=Sum(field))["s"] or ZERO).quantize(CENT)


def months_for(user, *, action: str = "view", within: str | None = None) -> QuerySet[DuesMonth]:
    return restrict(user, action, DuesMonth.objects.all(), within=within)


def entries_for(user, *, action: str = "view", within: str | None = None) -> QuerySet[DuesEntry]:
    return restrict(user, action, DuesEntry.objects.all(), within=within)


def member_months(member: Member, *, year: int | None = None) -> QuerySet[DuesMonth]:
    """A member's own ledger rows, newest first (the caller has already checked scope or self)."""
    rows = DuesMonth.objects.filter(member=member)
    if year is not None:
        rows = rows.filter(month__year=year)
    return rows.select_related("org", "recorded_by").order_by("-month")


def member_entries(member: Member) -> QuerySet[DuesEntry]:
    return (
        DuesEntry.objects.filter(member=member)
        .select_related("corrects", "recorded_by")
        .order_by("-recorded_at", "-id")
    )


def member_bases(member: Member) -> QuerySet[DuesBase]:
    return (
        DuesBase.objects.filter(member=member)
        .select_related("recorded_by")
        .order_by("-from_month", "-id")
    )


def latest_posted_month(user=None, *, within: str | None = None) -> date | None:
    rows = (
        DuesOrgMonth.objects.all()
        if user is None
        else restrict(user, "view", DuesOrgMonth.objects.all(), within=within)
    )
    return rows.aggregate(m=Max("month"))["m"]


# --- arrears and the 6-month list -------------------------------------------------------------


@dataclass
class ArrearsRow:
    member: Member
    months_owing: int = 0  # posted months with paid < due
    owing: Decimal = ZERO
    oldest: date | None = None
    unpaid_run: int = 0  # consecutive months with nothing paid, up to the latest posted month
    owing_months: list[date] = field(default_factory=list)


def arrears(
    user, *, within: str | None = None, through: date, lookback: int = 24
) -> list[ArrearsRow]:
    """Members in scope who owe money for posted months up to `through`, oldest debt first."""
    start = add_months(through, -lookback)
    rows = (
        months_for(user, within=within)
        .filter(month__gte=start, month__lte=through, paid__lt=F("due"))
        .filter(member__status=MemberStatus.NORMAL)
        .values_list("member_id", "month", "due", "paid")
        .order_by("member_id", "month")
    )
    by_member: dict[int, ArrearsRow] = {}
    for member_id, month, due, paid in rows:
        row = by_member.get(member_id)
        if row is None:
            row = by_member[member_id] = ArrearsRow(member=None)  # type: ignore[arg-type]
        row.months_owing += 1
        row.owing += due - paid
        row.oldest = row.oldest or month
        row.owing_months.append(month)
    runs = unpaid_runs(list(by_member), through=through)
    found = Member.objects.select_related("org").in_bulk(list(by_member))
    out = []
    for member_id, row in by_member.items():
        row.member = found[member_id]
        row.unpaid_run = runs.get(member_id, 0)
        out.append(row)
    out.sort(key=lambda r: (-r.unpaid_run, -r.months_owing, r.member.org_path, r.member.stroke_key))
    return out


def unpaid_runs(member_ids: list[int], *, through: date, lookback: int = 24) -> dict[int, int]:
    """For each member: how many posted months in a row, ending at their latest posted month on or
    before `through`, had something due and nothing paid."""
    runs: dict[int, int] = {}
    if not member_ids:
        return runs
    start = add_months(through, -lookback)
    for i in range(0, len(member_ids), 2000):
        chunk = member_ids[i : i + 2000]
        rows = (
            DuesMonth.objects.filter(member_id__in=chunk, month__gte=start, month__lte=through)
            .values_list("member_id", "month", "due", "paid")
            .order_by("member_id", "-month")
        )
        stopped: set[int] = set()
        for member_id, _month, due, paid in rows:
            if member_id in stopped:
                continue
            if due > 0 and paid == 0:
                runs[member_id] = runs.get(member_id, 0) + 1
            elif due > 0 or paid > 0:
                stopped.add(member_id)
            # due = 0 (exempt) and nothing paid: neither breaks nor extends the run
    return runs


def six_month_list(
    user, *, within: str | None = None, through: date, months: int = 6
) -> list[ArrearsRow]:
    """RULES.md 1.13: members with `months` consecutive posted months unpaid — a prompt for the
    branch, not a decision."""
    return [r for r in arrears(user, within=within, through=through) if r.unpaid_run >= months]


def last_payment_dates(member_ids: list[int]) -> dict[int, date | None]:
    """Lapse source: the last day of the latest month each member has paid something for.
    A member with posted months but no payment: the day before the first posted month (the ledger
    does not know the months before it). A member the ledger never posted is left out."""
    out: dict[int, date | None] = {}
    stats = (
        DuesMonth.objects.filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(first=Min("month"), last_paid=Max("month", filter=Q(paid__gt=0)))
    )
    for row in stats:
        if row["last_paid"] is not None:
            out[row["member_id"]] = add_months(row["last_paid"], 1) - timedelta(days=1)
        else:
            out[row["member_id"]] = row["first"] - timedelta(days=1)
    return out


# --- roll-up over the tree ----------------------------------------------------------------------


@dataclass
class Totals:
    members: int = 0  # member-months posted
    due: Decimal = ZERO
    paid: Decimal = ZERO
    unpaid: int = 0  # member-months not fully paid

    def add(self, other: Totals | dict) -> None:
        get = other.get if isinstance(other, dict) else other.__dict__.get
        self.members += get("members") or 0
        # SQLite sums decimals as floats-in-text: bring every sum back to fen
        self.due += Decimal(get("due") or ZERO).quantize(CENT)
        self.paid += Decimal(get("paid") or ZERO).quantize(CENT)
        self.unpaid += get("unpaid") or 0

    @property
    def rate(self) -> Decimal | None:
        """Paid ÷ due, as a percentage with one decimal; None when nothing was due."""
        if not self.due:
            return None
        return (self.paid * 100 / self.due).quantize(Decimal("0.1"))

    @property
    def arrears(self) -> Decimal:
        return max(self.due - self.paid, ZERO)


@dataclass
class RollupRow:
    org: Organization
    totals: Totals


def rollup(user, *, root: Organization, start: date, end: date) -> tuple[list[RollupRow], Totals]:
    """Per child of `root` (its own members counted on a row of its own), the sums over the
    months start..end of every organisation in the child's subtree; and the total."""
    sums = (
        restrict(user, "view", DuesOrgMonth.objects.all(), within=root.path)
        .filter(month__gte=start, month__lte=end)
        .values("org_path")
        .annotate(members=Sum("members"), due=Sum("due"), paid=Sum("paid"), unpaid=Sum("unpaid"))
    )
    # by path, not get_children(): a root instance read before its children were added has a stale numchild
    children = list(
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by(
            "path"
        )
    )
    by_child = {c.path: Totals() for c in children}
    own, total = Totals(), Totals()
    width = len(root.path) + Organization.steplen
    for row in sums:
        total.add(row)
        key = row["org_path"][:width]
        if row["org_path"] == root.path:
            own.add(row)
        elif key in by_child:
            by_child[key].add(row)
    rows = [RollupRow(root, own)] if own.members else []
    rows += [RollupRow(c, by_child[c.path]) for c in children if by_child[c.path].members]
    return rows, total


def voluntary_totals(user, *, within: str, start: date, end: date) -> dict[str, Decimal]:
    rows = entries_for(user, within=within).filter(
        kind=EntryKind.VOLUNTARY, month__gte=start, month__lte=end
    )
    return {
        "all": money_sum(rows, "amount"),
        "to_centre": money_sum(rows.filter(to_centre=True), "amount"),
    }


def collected(org: Organization, *, start: date, end: date, subtree: bool = True) -> Decimal:
    """Dues actually paid (monthly dues, not voluntary) at `org` (and below) over the months."""
    rows = DuesOrgMonth.objects.filter(month__gte=start, month__lte=end)
    rows = rows.filter(org_path__startswith=org.path) if subtree else rows.filter(org=org)
    return money_sum(rows, "paid")


def members_without_base(user, *, within: str | None = None, month: date) -> QuerySet[Member]:
    """Paying members in scope with no base in force for the month: the close skips them."""
    members = restrict(user, "view", Member.objects.all(), within=within).filter(
        status=MemberStatus.NORMAL, joined_on__lte=add_months(month, 1) - timedelta(days=1)
    )
    has_base = DuesBase.objects.filter(from_month__lte=month).values("member_id")
    return members.exclude(pk__in=has_base).select_related("org").order_by("org_path", "stroke_key")


def needs_posting(org: Organization, month: date) -> bool:
    """Paying members of the subtree with a base in force and no row for the month yet
    (the caller has checked the user's scope on `org`)."""
    posted = DuesMonth.objects.filter(month=month).values("member_id")
    return (
        Member.objects.filter(
            org_path__startswith=org.path,
            status=MemberStatus.NORMAL,
            joined_on__lte=add_months(month, 1) - timedelta(days=1),
            dues_bases__from_month__lte=month,
        )
        .exclude(pk__in=posted)
        .exists()
    )
