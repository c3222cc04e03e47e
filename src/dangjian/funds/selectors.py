"""Reads on the funds ledger. Every figure is derived from entries (and the dues ledger), none typed.

The dues balance of one organisation (RULES.md 1.14, 1.15):

    dues actually paid at the organisation itself (its own `DuesOrgMonth` rows)
  + voluntary payments at it that stay (not flagged to go wholly to the Centre, RULES.md 1.10)
  + remittances received from below + allocations received from above + other income
  − remittances sent up − allocations sent down − expenses

Voluntary payments flagged for the Centre are money held in trust: they are kept apart
(`held_for_centre`) and passed up with remittances marked `centre_voluntary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict
from dangjian.dues.models import DuesEntry, DuesOrgMonth, EntryKind
from dangjian.dues.rules import DOMAIN as DUES_DOMAIN
from dangjian.dues.selectors import collected
from dangjian.funds.models import Direction, Fund, FundEntry, Kind
from dangjian.funds.rules import DOMAIN as FUNDS_DOMAIN
from dangjian.orgs.models import Organization, OrgType

ZERO = Decimal("0")
CENT = Decimal("0.01")

# A voluntary entry stays with the organisation unless it (or, for a reversal, the entry it
# reverses) is flagged for the Centre; the dues ledger's reversals do not copy the flag.
_STAYS = Q(corrects__isnull=True, to_centre=False) | Q(
    corrects__isnull=False, corrects__to_centre=False
)
_TO_CENTRE = Q(corrects__isnull=True, to_centre=True) | Q(
    corrects__isnull=False, corrects__to_centre=True
)


def _q(value) -> Decimal:
    """A sum as money: SQLite returns aggregates of decimals with extra places."""
    return (value or ZERO).quantize(CENT)


def entries_for(user, *, action: str = "view", within: str | None = None) -> QuerySet[FundEntry]:
    return restrict(user, action, FundEntry.objects.all(), within=within)


def org_entries(
    user,
    org: Organization,
    *,
    year: int | None = None,
    fund: str | None = None,
    kind: str | None = None,
    action: str = "view",
) -> QuerySet[FundEntry]:
    """The entries of one organisation (not its subtree), newest first, corrections included."""
    rows = entries_for(user, action=action, within=org.path).filter(org=org)
    if year:
        rows = rows.filter(occurred_on__year=year)
    if fund:
        rows = rows.filter(fund=fund)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related(
        "org",
        "counterparty",
        "recorded_by",
        "approved_by",
        "corrects",
        "replaces",
        "corrected_by",
        "replaced_by",
    ).order_by("-occurred_on", "-id")


def entry_years(org: Organization, today: date) -> list[int]:
    """Years to filter by: those with entries and the last six."""
    years = {d.year for d in FundEntry.objects.filter(org=org).dates("occurred_on", "year")}
    return sorted(years | {today.year - i for i in range(6)}, reverse=True)


# --- balances -------------------------------------------------------------------------------------


@dataclass
class DuesBalance:
    """One organisation's (or a subtree's) dues, with every term of the sum."""

    org: Organization | None = None
    collected: Decimal = ZERO  # monthly dues actually paid
    voluntary: Decimal = ZERO  # voluntary payments that stay
    remit_in: Decimal = ZERO
    allocation_in: Decimal = ZERO
    income: Decimal = ZERO
    remit_out: Decimal = ZERO
    allocation_out: Decimal = ZERO
    expense: Decimal = ZERO
    centre_collected: Decimal = ZERO  # voluntary ≥ threshold paid here (RULES.md 1.10)
    centre_in: Decimal = ZERO  # received from below to pass to the Centre
    centre_out: Decimal = ZERO  # passed up

    _TERMS = (
        "collected",
        "voluntary",
        "remit_in",
        "allocation_in",
        "income",
        "remit_out",
        "allocation_out",
        "expense",
        "centre_collected",
        "centre_in",
        "centre_out",
    )

    @property
    def balance(self) -> Decimal:
        return (
            self.collected
            + self.voluntary
            + self.remit_in
            + self.allocation_in
            + self.income
            - self.remit_out
            - self.allocation_out
            - self.expense
        )

    @property
    def held_for_centre(self) -> Decimal:
        return self.centre_collected + self.centre_in - self.centre_out

    @property
    def is_empty(self) -> bool:
        return all(not getattr(self, t) for t in self._TERMS)

    def add(self, other: DuesBalance) -> None:
        for term in self._TERMS:
            setattr(self, term, getattr(self, term) + getattr(other, term))

    def lines(self) -> list[tuple[str, Decimal, str]]:
        """(label, amount, sign) in the order of the sum, for the breakdown on the pages."""
        return [
            (_("本级党员实交党费（按月）"), self.collected, "+"),
            (_("本级自愿多交党费（留存部分）"), self.voluntary, "+"),
            (_("收到下级上缴"), self.remit_in, "+"),
            (_("上级下拨"), self.allocation_in, "+"),
            (_("其他收入"), self.income, "+"),
            (_("上缴上级"), self.remit_out, "−"),
            (_("下拨下级"), self.allocation_out, "−"),
            (_("支出"), self.expense, "−"),
        ]

    def centre_lines(self) -> list[tuple[str, Decimal, str]]:
        return [
            (_("本级收到的一次性自愿多交大额党费"), self.centre_collected, "+"),
            (_("下级代转来的"), self.centre_in, "+"),
            (_("已向上代转"), self.centre_out, "−"),
        ]


_KIND_TERM = {
    Kind.REMIT_IN: "remit_in",
    Kind.ALLOCATION_IN: "allocation_in",
    Kind.INCOME: "income",
    Kind.REMIT_OUT: "remit_out",
    Kind.ALLOCATION_OUT: "allocation_out",
    Kind.EXPENSE: "expense",
}
_CENTRE_TERM = {Kind.REMIT_IN: "centre_in", Kind.REMIT_OUT: "centre_out"}


def _fill(
    by_org: dict[int, DuesBalance],
    *,
    org_months: QuerySet,
    voluntary: QuerySet,
    entries: QuerySet,
    make,
) -> None:
    """Sum the three sources per organisation into `by_org` (created on demand by `make`)."""
    for row in org_months.values("org_id").annotate(s=Sum("paid")):
        make(row["org_id"]).collected += _q(row["s"])
    for row in (
        voluntary.filter(kind=EntryKind.VOLUNTARY)
        .values("org_id")
        .annotate(stays=Sum("amount", filter=_STAYS), centre=Sum("amount", filter=_TO_CENTRE))
    ):
        bal = make(row["org_id"])
        bal.voluntary += _q(row["stays"])
        bal.centre_collected += _q(row["centre"])
    for row in (
        entries.filter(fund=Fund.DUES)
        .values("org_id", "kind", "centre_voluntary")
        .annotate(s=Sum("amount"))
    ):
        bal = make(row["org_id"])
        term = (_CENTRE_TERM if row["centre_voluntary"] else _KIND_TERM).get(row["kind"])
        if term:
            setattr(bal, term, getattr(bal, term) + _q(row["s"]))


def dues_balance(org: Organization) -> DuesBalance:
    """The dues one organisation holds now (the caller has checked scope)."""
    bal = DuesBalance(org=org)
    _fill(
        {},
        org_months=DuesOrgMonth.objects.filter(org=org),
        voluntary=DuesEntry.objects.filter(org=org),
        entries=FundEntry.objects.filter(org=org),
        make=lambda _pk: bal,
    )
    return bal


def subtree_balances(user, root: Organization) -> dict[int, DuesBalance]:
    """The dues balance of every organisation in `root`'s subtree that the user may view,
    computed from entries in three grouped queries (never from a stored total)."""
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(path__startswith=root.path).only(
            "id", "path", "depth", "name", "short_name", "org_type", "status"
        )
    }
    by_org: dict[int, DuesBalance] = {}

    def make(pk: int) -> DuesBalance:
        if pk not in by_org:
            by_org[pk] = DuesBalance(org=orgs.get(pk))
        return by_org[pk]

    _fill(
        by_org,
        org_months=restrict(user, "view", DuesOrgMonth.objects.all(), within=root.path),
        voluntary=restrict(user, "view", DuesEntry.objects.all(), within=root.path),
        entries=entries_for(user, within=root.path),
        make=make,
    )
    return by_org


@dataclass
class DrillRow:
    org: Organization
    own: DuesBalance  # the organisation itself
    subtree: DuesBalance  # the organisation and everything below it
    has_children: bool = False


def drill(user, root: Organization) -> tuple[DrillRow, list[DrillRow], DuesBalance]:
    """`root` itself, one row per child (its own balance and its subtree's), and the total."""
    by_org = subtree_balances(user, root)
    # 党小组 keep no money of their own: their members' dues are the branch's
    children = list(
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )
    width = len(root.path) + Organization.steplen
    paths = dict(Organization.objects.filter(pk__in=list(by_org)).values_list("pk", "path"))
    subtotal = {c.path: DuesBalance(org=c) for c in children}
    total = DuesBalance(org=root)
    for pk, bal in by_org.items():
        total.add(bal)
        path = paths.get(pk, "")
        if path != root.path and path[:width] in subtotal:
            subtotal[path[:width]].add(bal)
    parents = set(
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 2).values_list(
            "path", flat=True
        )
    )
    parent_prefixes = {p[:width] for p in parents}
    own_root = by_org.get(root.pk, DuesBalance(org=root))
    top = DrillRow(root, own_root, total, has_children=bool(children))
    rows = [
        DrillRow(
            c,
            by_org.get(c.pk, DuesBalance(org=c)),
            subtotal[c.path],
            has_children=c.path in parent_prefixes,
        )
        for c in children
    ]
    return top, rows, total


# --- suggested remittance (RULES.md 1.14) ---------------------------------------------------------


@dataclass
class Suggestion:
    from_org: Organization
    to_org: Organization | None  # None: the Centre
    start: date
    end: date
    day: date
    rule_label: str
    percent: Decimal
    cite: str
    collections: Decimal
    amount: Decimal
    already: Decimal
    voluntary_entries: list = field(default_factory=list)
    voluntary_total: Decimal = ZERO
    held_for_centre: Decimal = ZERO
    centre_already: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return max(self.amount - self.already, ZERO)


def remit_rule(to_org: Organization | None, day: date) -> tuple[object, str]:
    """The rule set and key that give the ratio for a remittance to `to_org` (None: the Centre)."""
    if to_org is None:
        return rules_on(DUES_DOMAIN, day), "remit_percent_centre"
    if to_org.org_type == OrgType.WORK_COMMITTEE:
        return rules_on(DUES_DOMAIN, day), "remit_percent_work_committee"
    return rules_on(FUNDS_DOMAIN, day), "remit_percent_branch"


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def remitted(
    from_org: Organization, *, start: date, end: date, centre_voluntary: bool = False
) -> Decimal:
    """What `from_org` has already remitted for periods inside this one (corrections netted out)."""
    return _q(
        FundEntry.objects.filter(
            org=from_org,
            fund=Fund.DUES,
            kind=Kind.REMIT_OUT,
            period_start__gte=start,
            period_end__lte=end,
            centre_voluntary=centre_voluntary,
        ).aggregate(s=Sum("amount"))["s"]
    )


def suggested_remittance(
    from_org: Organization,
    to_org: Organization | None,
    *,
    start: date,
    end: date,
    day: date,
) -> Suggestion:
    """Ratio × dues actually paid in `from_org`'s subtree over the period, to 0.01 元 half up.

    Voluntary payments flagged to go wholly to the Centre (RULES.md 1.10) are not part of the
    collections; they are listed separately with what `from_org` holds for the Centre now.
    """
    rules, key = remit_rule(to_org, day)
    spec = rules.domain.spec(key)
    percent = Decimal(str(rules[key]))
    base = _q(collected(from_org, start=start, end=end, subtree=True))
    amount = (base * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    flagged = (
        DuesEntry.objects.filter(
            org_path__startswith=from_org.path,
            kind=EntryKind.VOLUNTARY,
            to_centre=True,
            corrects__isnull=True,
            corrected_by__isnull=True,
            paid_on__gte=start,
            paid_on__lte=end,
        )
        .select_related("member", "org")
        .order_by("paid_on", "id")
    )
    flagged = list(flagged)
    return Suggestion(
        from_org=from_org,
        to_org=to_org,
        start=start,
        end=end,
        day=day,
        rule_label=spec.label,
        percent=percent,
        cite=rules.cite(key),
        collections=base,
        amount=amount,
        already=remitted(from_org, start=start, end=end),
        voluntary_entries=flagged,
        voluntary_total=sum((e.amount for e in flagged), ZERO),
        held_for_centre=dues_balance(from_org).held_for_centre,
        centre_already=remitted(from_org, start=start, end=end, centre_voluntary=True),
    )


def remit_targets(org: Organization) -> list[Organization]:
    """Where `org` may remit inside our tree: its ancestors, nearest first."""
    if org.depth <= 1:
        return []
    return list(Organization.objects.get_ancestors(org).order_by("-depth"))


# --- the 党建经费 by source ------------------------------------------------------------------------

OTHER_FUNDS = (Fund.BUDGET, Fund.PARTY_BUILDING, Fund.OTHER)


def fund_balance(org: Organization, fund: str) -> Decimal:
    """What one organisation holds of a non-dues fund: its income entries less its expense
    entries, reversals included (they carry the opposite sign). 党费: `dues_balance`."""
    if fund == Fund.DUES:
        return dues_balance(org).balance
    rows = FundEntry.objects.filter(org=org, fund=fund).aggregate(
        income=Sum("amount", filter=Q(direction=Direction.INCOME)),
        expense=Sum("amount", filter=Q(direction=Direction.EXPENSE)),
    )
    return _q(rows["income"]) - _q(rows["expense"])


@dataclass
class SourceRow:
    """One organisation's money by source: income, expense and balance of each fund."""

    org: Organization
    income: dict = field(default_factory=dict)
    expense: dict = field(default_factory=dict)
    balance: dict = field(default_factory=dict)
    total: Decimal = ZERO
    has_children: bool = False

    def cells(self) -> list[tuple[str, Decimal, Decimal, Decimal]]:
        return [
            (f, self.income.get(f, ZERO), self.expense.get(f, ZERO), self.balance.get(f, ZERO))
            for f in Fund.values
        ]


def source_balances(user, root: Organization) -> tuple[list[SourceRow], SourceRow]:
    """Every organisation in `root`'s subtree (that the user may view) holding or having moved
    money, with income, expense and balance per source; and the subtree's total. 党费 terms come
    from `subtree_balances` (dues paid, remittances, allocations, expenses); the other funds from
    their entries grouped in one query. Nothing typed: every cell is a sum of records."""
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(path__startswith=root.path).only(
            "id", "path", "depth", "name", "short_name", "org_type", "status"
        )
    }
    rows: dict[int, SourceRow] = {}

    def row(pk: int) -> SourceRow:
        if pk not in rows:
            rows[pk] = SourceRow(org=orgs[pk])
        return rows[pk]

    for pk, bal in subtree_balances(user, root).items():
        if pk not in orgs or bal.is_empty:
            continue
        r = row(pk)
        r.income[Fund.DUES] = (
            bal.collected + bal.voluntary + bal.remit_in + bal.allocation_in + bal.income
        )
        r.expense[Fund.DUES] = bal.remit_out + bal.allocation_out + bal.expense
        r.balance[Fund.DUES] = bal.balance
    for item in (
        entries_for(user, within=root.path)
        .filter(fund__in=OTHER_FUNDS)
        .values("org_id", "fund", "direction")
        .annotate(s=Sum("amount"))
    ):
        r = row(item["org_id"])
        side = r.income if item["direction"] == Direction.INCOME else r.expense
        side[item["fund"]] = side.get(item["fund"], ZERO) + _q(item["s"])
    total = SourceRow(org=root)
    for r in rows.values():
        for f in OTHER_FUNDS:
            r.balance[f] = r.income.get(f, ZERO) - r.expense.get(f, ZERO)
        r.total = sum(r.balance.values(), ZERO)
        for f in Fund.values:
            for side in ("income", "expense", "balance"):
                d = getattr(total, side)
                d[f] = d.get(f, ZERO) + getattr(r, side).get(f, ZERO)
        total.total += r.total
    ordered = sorted(rows.values(), key=lambda r: r.org.path)
    return ordered, total


@dataclass
class BudgetRow:
    fund: str
    purpose: str
    budget: Decimal | None  # None: no budget line entered
    actual: Decimal
    line: object = None  # the BudgetLine in force

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.actual

    @property
    def percent_used(self) -> Decimal | None:
        if not self.budget:
            return None
        return (self.actual * 100 / self.budget).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def fund_label(self) -> str:
        return str(Fund(self.fund).label)

    @property
    def purpose_label(self) -> str:
        from dangjian.funds.models import Purpose

        return str(Purpose(self.purpose).label) if self.purpose else _("（未注明用途）")


def budget_vs_actual(
    user, org: Organization, year: int, *, action: str = "view"
) -> list[BudgetRow]:
    """年度预算与实际支出 of one organisation: the latest budget line of each (fund, purpose) and
    the sum of the year's expense entries (corrections included) for the same pair."""
    from dangjian.funds.models import BudgetLine

    lines = {}
    for line in (
        restrict(user, action, BudgetLine.objects.all(), within=org.path)
        .filter(org=org, year=year)
        .order_by("id")
    ):
        lines[(line.fund, line.purpose)] = line  # the latest wins
    actual = {
        (r["fund"], r["purpose"]): _q(r["s"])
        for r in entries_for(user, action=action, within=org.path)
        .filter(org=org, kind=Kind.EXPENSE, occurred_on__year=year)
        .values("fund", "purpose")
        .annotate(s=Sum("amount"))
    }
    keys = sorted(
        set(lines) | set(actual),
        key=lambda k: (Fund.values.index(k[0]), k[1]),
    )
    return [
        BudgetRow(
            fund=k[0],
            purpose=k[1],
            budget=lines[k].amount if k in lines else None,
            actual=actual.get(k, ZERO),
            line=lines.get(k),
        )
        for k in keys
    ]


def source_drill(user, root: Organization) -> tuple[SourceRow, list[SourceRow], SourceRow]:
    """`root`'s own money by source, one row per child organisation (its whole subtree summed,
    党小组 excluded as in `drill`), and the subtree total — each row drills down."""
    rows, total = source_balances(user, root)
    children = list(
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )
    width = len(root.path) + Organization.steplen
    sub = {c.path: SourceRow(org=c) for c in children}
    own = SourceRow(org=root)
    for r in rows:
        target = own if r.org.path == root.path else sub.get(r.org.path[:width])
        if target is None:
            continue
        for side in ("income", "expense", "balance"):
            d = getattr(target, side)
            for f, v in getattr(r, side).items():
                d[f] = d.get(f, ZERO) + v
        target.total += r.total
    parents = {
        p[:width]
        for p in Organization.objects.filter(
            path__startswith=root.path, depth=root.depth + 2
        ).values_list("path", flat=True)
    }
    out = []
    for c in children:
        row = sub[c.path]
        row.has_children = c.path in parents
        out.append(row)
    return own, out, total
