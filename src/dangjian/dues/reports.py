"""党费 reports: the overview with its drill-down, the arrears lists, the member's own history and
the .xlsx a branch files. Every figure is summed from the ledger (`DuesOrgMonth` for organisations,
`DuesMonth` for members) through `restrict()`; the page, the export and the API read the same
`ReportQuery`, so what is downloaded is what was shown.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404
from django.utils import timezone

from dangjian.accounts.roles import DUES
from dangjian.core.calendar import add_months
from dangjian.core.exports import XLSX, export_dir, new_workbook
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import path_in_scope, restrict, scope_paths
from dangjian.dues import selectors
from dangjian.dues.models import DuesEntry, DuesMonth, DuesRelief, EntryKind, Method, ReliefState
from dangjian.dues.rules import DOMAIN
from dangjian.dues.selectors import ZERO, ArrearsRow, Totals
from dangjian.dues.services import month_label, month_start, parse_month
from dangjian.dues.standards import Category
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgStatus

CATEGORY_LABELS = dict(Category.choices)
METHOD_LABELS = dict(Method.choices)
DUES_RULE_DOC = "《关于中国共产党党费收缴、使用和管理的规定》"
SIX_MONTH_SOURCE = f"{DUES_RULE_DOC}第十三条；《中国共产党章程》第九条"


# --- the period and the organisation shown: one query for page, export and API ------------------


@dataclass(frozen=True)
class Period:
    """One month, or a whole year (年度: the twelve months summed)."""

    start: date
    end: date
    year_mode: bool

    @property
    def label(self) -> str:
        return f"{self.start.year}年度" if self.year_mode else month_label(self.start)

    @property
    def months(self) -> list[date]:
        n = 12 if self.year_mode else 1
        return [add_months(self.start, k) for k in range(n)]

    @property
    def query(self) -> str:
        return f"year={self.start.year}" if self.year_mode else f"month={self.start:%Y-%m}"

    @property
    def key(self) -> str:
        return str(self.start.year) if self.year_mode else f"{self.start:%Y-%m}"

    @classmethod
    def of_month(cls, month: date) -> Period:
        m = month_start(month)
        return cls(m, m, False)

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 1), True)


def parse_year(raw) -> int:
    try:
        year = int(str(raw).strip().rstrip("年"))
    except (TypeError, ValueError):
        raise ValidationError("年份格式应为“2026”。") from None
    if not 1900 <= year <= 2999:
        raise ValidationError("年份格式应为“2026”。")
    return year


def root_orgs(user, action: str = "view") -> list[Organization]:
    """The top organisations of the user's dues scope (one per grant subtree)."""
    paths = scope_paths(user, action, DUES)
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


@dataclass(frozen=True)
class ReportQuery:
    org: Organization | None  # None: the user's several roots side by side
    roots: list[Organization]
    period: Period

    @property
    def within(self) -> str | None:
        return self.org.path if self.org else None

    @property
    def query(self) -> str:
        """The query string that shows this report again (page ↔ export)."""
        return (f"org={self.org.pk}&" if self.org else "") + self.period.query


def scoped_org(user, raw, action: str = "view") -> Organization:
    """An organisation inside the user's dues scope, else 404 (as everywhere)."""
    try:
        org = Organization.objects.get(pk=int(raw))
    except (Organization.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    if not path_in_scope(user, action, DUES, org.path):
        raise Http404
    return org


def report_query(user, params, *, action: str = "view") -> ReportQuery:
    """`org`, `month` (YYYY-MM) or `year` (YYYY) from a GET; bad values raise ValidationError.

    Defaults: the user's only root organisation; the latest month posted in scope (else this one).
    """
    roots = root_orgs(user, action)
    if not roots:
        raise Http404
    org = scoped_org(user, params.get("org"), action) if params.get("org") else None
    if org is None and len(roots) == 1:
        org = roots[0]
    if params.get("year"):
        period = Period.of_year(parse_year(params.get("year")))
    elif params.get("month"):
        period = Period.of_month(parse_month(params.get("month")))
    else:
        latest = selectors.latest_posted_month(user, within=org.path if org else None)
        today_month = month_start(timezone.localdate())
        period = Period.of_month(min(latest, today_month) if latest else today_month)
    return ReportQuery(org, roots, period)


def breadcrumb(query: ReportQuery) -> list[Organization]:
    """From the user's root down to the organisation shown (the root itself first)."""
    if query.org is None:
        return []
    root = next((r for r in query.roots if query.org.path.startswith(r.path)), query.org)
    paths = [
        query.org.path[:n]
        for n in range(len(root.path), len(query.org.path) + 1, Organization.steplen)
    ]
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


# --- the overview ---------------------------------------------------------------------------------


@dataclass
class OrgLine:
    org: Organization
    totals: Totals
    own: bool = False  # the organisation's own members (not a child)
    drill: bool = True  # whether clicking opens it as a report of its own


@dataclass
class MemberLine:
    member: Member
    category: str = ""
    base: Decimal | None = None
    due: Decimal = ZERO
    paid: Decimal = ZERO
    paid_on: date | None = None
    method: str = ""
    note: str = ""
    months: dict[date, Decimal | None] = field(default_factory=dict)  # year mode: paid per month
    posted: int = 0  # months posted
    owing_months: int = 0
    assessed: Decimal | None = None  # the latest month's monthly amount (before any relief)

    @property
    def owing(self) -> Decimal:
        return max(self.due - self.paid, ZERO)

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.method, self.method))


@dataclass
class Overview:
    query: ReportQuery
    total: Totals
    lines: list[OrgLine]
    members: list[MemberLine] | None  # at a branch: its member rows
    member_total: Totals | None
    voluntary: dict[str, Decimal]
    unposted: list[Organization]  # month mode: branches with members but nothing posted
    reliefs: list[DuesRelief]  # pending relief this user may approve

    @property
    def is_branch(self) -> bool:
        return self.members is not None


def is_leaf_report(org: Organization | None) -> bool:
    if org is None:
        return False
    if org.org_type in BRANCH_TYPES:
        return True
    # by path, not numchild (which a stale instance may carry)
    return not Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).exists()


def org_lines(user, query: ReportQuery) -> tuple[list[OrgLine], Totals]:
    p = query.period
    if query.org is None:
        lines, total = [], Totals()
        for root in query.roots:
            _rows, t = selectors.rollup(user, root=root, start=p.start, end=p.end)
            lines.append(OrgLine(root, t))
            total.add(t)
        return lines, total
    rows, total = selectors.rollup(user, root=query.org, start=p.start, end=p.end)
    lines = []
    for r in rows:
        own = r.org.pk == query.org.pk
        lines.append(OrgLine(r.org, r.totals, own=own, drill=not own))
    return lines, total


def _relief_note(row: DuesMonth) -> str:
    notes = []
    if row.relief_id:
        notes.append("减免" if row.due else "免交")
    if row.due > row.paid:
        notes.append("未交" if not row.paid else f"欠交{row.due - row.paid}元")
    return "，".join(notes)


def member_lines(user, org: Organization, period: Period) -> tuple[list[MemberLine], Totals]:
    """The member rows of a branch (and anything below it) over the period, in 姓氏笔画 order."""
    rows = (
        selectors.months_for(user, within=org.path)
        .filter(month__gte=period.start, month__lte=period.end)
        .select_related("member")
        .order_by("member__stroke_key", "member_id", "month")
    )
    by_member: dict[int, MemberLine] = {}
    total = Totals()
    for row in rows.iterator(chunk_size=2000):
        line = by_member.get(row.member_id)
        if line is None:
            line = by_member[row.member_id] = MemberLine(member=row.member)
        line.category, line.base, line.assessed = row.category, row.base, row.assessed
        line.due += row.due
        line.paid += row.paid
        line.posted += 1
        line.months[row.month] = row.paid
        if row.paid < row.due:
            line.owing_months += 1
        if row.paid_on:
            line.paid_on, line.method = row.paid_on, row.method
        line.note = _relief_note(row) if not period.year_mode else ""
        total.add(
            {"members": 1, "due": row.due, "paid": row.paid, "unpaid": int(row.paid < row.due)}
        )
    return list(by_member.values()), total


def unposted_branches(user, *, within: str | None, month: date) -> list[Organization]:
    """Branches in scope that have paying members but no ledger row for the month."""
    paths = scope_paths(user, "view", DUES)
    if within:
        paths = [within] if any(within.startswith(p) for p in paths) else []
    if not paths:
        return []
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    posted = DuesMonth.objects.filter(month=month).values("org_id")
    return list(
        Organization.objects.filter(q, org_type__in=BRANCH_TYPES, status=OrgStatus.ACTIVE)
        .annotate(
            paying=Count("members", filter=Q(members__status=MemberStatus.NORMAL), distinct=True)
        )
        .filter(paying__gt=0)
        .exclude(pk__in=posted)
        .order_by("path")
    )


def parent_path(path: str) -> str:
    return path[: -Organization.steplen]


def reliefs_to_decide(user, *, within: str | None = None) -> list[DuesRelief]:
    """Pending relief requests the user may approve: above the requesting branch (RULES.md 1.7)."""
    rows = restrict(
        user, "view", DuesRelief.objects.filter(state=ReliefState.PENDING), within=within
    ).select_related("member", "org")
    return [
        r
        for r in rows.order_by("requested_at", "id")
        if path_in_scope(user, "approve", DUES, parent_path(r.org_path))
    ]


def overview(user, query: ReportQuery) -> Overview:
    lines, total = org_lines(user, query)
    members = member_total = None
    if is_leaf_report(query.org):
        members, member_total = member_lines(user, query.org, query.period)
    p = query.period
    within = query.within
    if within:
        voluntary = selectors.voluntary_totals(user, within=within, start=p.start, end=p.end)
    else:
        voluntary = {"all": ZERO, "to_centre": ZERO}
        for root in query.roots:
            v = selectors.voluntary_totals(user, within=root.path, start=p.start, end=p.end)
            voluntary = {k: voluntary[k] + v[k] for k in voluntary}
    return Overview(
        query=query,
        total=total,
        lines=lines,
        members=members,
        member_total=member_total,
        voluntary=voluntary,
        unposted=[] if p.year_mode else unposted_branches(user, within=within, month=p.start),
        reliefs=reliefs_to_decide(user, within=within),
    )


# --- arrears and the 6-month list -----------------------------------------------------------------


def arrears_through(user, *, within: str | None) -> date:
    """The month the lists count up to: the latest posted in scope, but never the current month,
    which members may still pay in (nor a prepaid future month)."""
    last = add_months(month_start(timezone.localdate()), -1)
    latest = selectors.latest_posted_month(user, within=within)
    return min(latest, last) if latest else last


def lapse_months(today: date) -> int:
    return int(getattr(rules_on("membership", today), "lapse_months", 6) or 6)


def arrears_rows(user, *, within: str | None, through: date, min_run: int = 0) -> list[ArrearsRow]:
    rows = selectors.arrears(user, within=within, through=through)
    return [r for r in rows if r.unpaid_run >= min_run] if min_run else rows


def six_month_rows(user, *, within: str | None, through: date, today: date) -> list[ArrearsRow]:
    return selectors.six_month_list(
        user, within=within, through=through, months=lapse_months(today)
    )


def warning_months(today: date) -> int:
    return int(rules_on(DOMAIN, today).arrears_warning_months)


# --- the member's own history ---------------------------------------------------------------------


@dataclass
class MyDues:
    member: Member
    months: list[DuesMonth]
    total: Totals
    voluntary: list[DuesEntry]
    bases: list
    years: list[int]
    year: int | None


def my_dues(member: Member, *, year: int | None = None) -> MyDues:
    years = sorted(
        {d.year for d in DuesMonth.objects.filter(member=member).dates("month", "year")},
        reverse=True,
    )
    months = list(selectors.member_months(member, year=year))
    total = Totals()
    for row in months:
        total.add(
            {"members": 1, "due": row.due, "paid": row.paid, "unpaid": int(row.paid < row.due)}
        )
    voluntary = DuesEntry.objects.filter(member=member, kind=EntryKind.VOLUNTARY)
    if year is not None:
        voluntary = voluntary.filter(month__year=year)
    bases = list(selectors.member_bases(member)[:20])
    for b in bases:
        b.category_label = str(CATEGORY_LABELS.get(b.category, b.category))
    return MyDues(
        member=member,
        months=months,
        total=total,
        voluntary=list(voluntary.order_by("-paid_on", "-id")),
        bases=bases,
        years=years,
        year=year,
    )


# --- the spreadsheet ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    header: str
    width: int = 12
    kind: str = "text"  # text | money | int | date | percent


@dataclass
class Sheet:
    title: str
    sheet: str
    columns: list[Col]
    rows: Iterable[Sequence]  # a generator: rows are written as they come
    total: Sequence | None = None  # the 合计 row, computed from the same figures
    note: str = ""


def _num(value) -> float | None:
    return None if value is None else float(value)


def _rate(t: Totals) -> float | None:
    return None if t.rate is None else float(t.rate) / 100


def org_title(org: Organization | None) -> str:
    return org.name if org else "各党组织"


def committee_sheet(user, query: ReportQuery) -> Sheet:
    lines, total = org_lines(user, query)
    count_label = "应交人次" if query.period.year_mode else "应交人数"
    cols = [
        Col("序号", 6, "int"),
        Col("党组织", 36),
        Col(count_label, 10, "int"),
        Col("应交（元）", 12, "money"),
        Col("实交（元）", 12, "money"),
        Col("收缴率", 10, "percent"),
        Col("欠交（元）", 12, "money"),
    ]

    def rows() -> Iterator[list]:
        for i, line in enumerate(lines, start=1):
            name = f"{line.org.name}（本级）" if line.own else line.org.name
            t = line.totals
            yield [i, name, t.members, _num(t.due), _num(t.paid), _rate(t), _num(t.arrears)]

    return Sheet(
        title=f"{org_title(query.org)} {query.period.label}党费收缴情况",
        sheet=f"{query.period.label}党费收缴情况",
        columns=cols,
        rows=rows(),
        total=[
            None,
            "合计",
            total.members,
            _num(total.due),
            _num(total.paid),
            _rate(total),
            _num(total.arrears),
        ],
    )


def branch_month_sheet(user, query: ReportQuery) -> Sheet:
    cols = [
        Col("序号", 6, "int"),
        Col("姓名", 12),
        Col("交纳类别", 16),
        Col("计算基数（元）", 14, "money"),
        Col("应交（元）", 11, "money"),
        Col("实交（元）", 11, "money"),
        Col("交纳日期", 14, "date"),
        Col("方式", 8),
        Col("备注", 20),
    ]
    total = Totals()

    def rows() -> Iterator[list]:
        n = 0
        qs = (
            selectors.months_for(user, within=query.org.path)
            .filter(month=query.period.start)
            .select_related("member")
            .order_by("member__stroke_key", "member_id")
        )
        for row in qs.iterator(chunk_size=2000):
            n += 1
            total.add(
                {"members": 1, "due": row.due, "paid": row.paid, "unpaid": int(row.paid < row.due)}
            )
            yield [
                n,
                row.member.name,
                str(CATEGORY_LABELS.get(row.category, row.category)),
                _num(row.base),
                _num(row.due),
                _num(row.paid),
                row.paid_on,
                str(METHOD_LABELS.get(row.method, row.method)) if row.method else "",
                _relief_note(row),
            ]

    def total_row() -> list:
        return [None, "合计", f"{total.members}人", None, _num(total.due), _num(total.paid)] + [
            None,
            None,
            f"收缴率{total.rate}%" if total.rate is not None else "",
        ]

    return Sheet(
        title=f"{org_title(query.org)} {query.period.label}党费收缴情况",
        sheet=f"{query.period.label}党费收缴情况",
        columns=cols,
        rows=rows(),
        total=_Lazy(total_row),
    )


def branch_year_sheet(user, query: ReportQuery) -> Sheet:
    """The 党费收缴台账: one line per member, the twelve months' payments across."""
    months = query.period.months
    cols = [
        Col("序号", 6, "int"),
        Col("姓名", 12),
        Col("交纳类别", 14),
        Col("每月应交（元）", 12, "money"),
        *[Col(f"{m.month}月", 8, "money") for m in months],
        Col("全年应交（元）", 12, "money"),
        Col("全年实交（元）", 12, "money"),
        Col("欠交（元）", 10, "money"),
    ]
    lines, total = member_lines(user, query.org, query.period)
    per_month = {m: ZERO for m in months}
    for line in lines:
        for m, paid in line.months.items():
            per_month[m] += paid or ZERO

    def rows() -> Iterator[list]:
        for i, line in enumerate(lines, start=1):
            yield [
                i,
                line.member.name,
                line.category_label,
                _num(line.assessed),
                *[_num(line.months.get(m)) for m in months],
                _num(line.due),
                _num(line.paid),
                _num(line.owing),
            ]

    return Sheet(
        title=f"{org_title(query.org)} {query.period.label}党费收缴台账",
        sheet=f"{query.period.start.year}年党费收缴台账",
        columns=cols,
        rows=rows(),
        total=[
            None,
            "合计",
            f"{len(lines)}人",
            None,
            *[_num(per_month[m]) for m in months],
            _num(total.due),
            _num(total.paid),
            _num(total.arrears),
        ],
    )


class _Lazy:
    """A total row known only after the rows were streamed."""

    def __init__(self, fn):
        self.fn = fn

    def resolve(self) -> Sequence:
        return self.fn()


def report_sheet(user, query: ReportQuery) -> Sheet:
    if is_leaf_report(query.org):
        if query.period.year_mode:
            return branch_year_sheet(user, query)
        return branch_month_sheet(user, query)
    return committee_sheet(user, query)


def write_sheet(path, sheet: Sheet) -> int:
    """Title row, header row, the rows (written as they come: constant memory), the 合计 row."""
    book = new_workbook(path)
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format(
        {"bold": True, "bg_color": "#FAF0E6", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    fmt = {
        "money": book.add_format({"num_format": "0.00"}),
        "int": book.add_format({"num_format": "0"}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "date": book.add_format({"num_format": 'yyyy"年"m"月"d"日"', "align": "left"}),
    }
    bold = {
        k: book.add_format({"bold": True, "top": 1, "num_format": f.num_format})
        for k, f in fmt.items()
    }
    bold["text"] = book.add_format({"bold": True, "top": 1})
    ws = book.add_worksheet(sheet.sheet[:31])
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    for i, col in enumerate(sheet.columns):
        ws.set_column(i, i, col.width)
    ws.write_string(0, 0, sheet.title, title)
    ws.set_row(0, 24)
    for i, col in enumerate(sheet.columns):
        ws.write_string(1, i, col.header, head)
    ws.freeze_panes(2, 0)
    ws.repeat_rows(0, 1)

    def put(r: int, values: Sequence, formats: dict) -> None:
        for i, (col, value) in enumerate(zip(sheet.columns, values, strict=False)):
            if value is None or value == "":
                if formats is bold:
                    ws.write_blank(r, i, None, bold["text"])
                continue
            if col.kind == "date" and isinstance(value, date):
                ws.write_datetime(r, i, value, formats["date"])
            elif col.kind in ("money", "int", "percent") and isinstance(value, int | float):
                ws.write_number(r, i, value, formats[col.kind])
            elif formats is bold:
                ws.write_string(r, i, str(value), bold["text"])
            else:
                ws.write_string(r, i, str(value))

    n = 0
    for n, row in enumerate(sheet.rows, start=1):
        put(n + 1, row, fmt)
    total = sheet.total.resolve() if isinstance(sheet.total, _Lazy) else sheet.total
    if total is not None:
        put(n + 2, total, bold)
    book.close()
    return n


def sheet_response(sheet: Sheet, *, filename: str) -> tuple[FileResponse, int]:
    """The workbook as a download; built in a temporary file that is gone once it is opened."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", dir=export_dir())
    os.close(fd)
    try:
        n = write_sheet(path, sheet)
        handle = open(path, "rb")
    finally:
        os.unlink(path)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response, n


def export_filename(query: ReportQuery) -> str:
    org = query.org
    who = (org.short_name or org.name) if org else "党费"
    return f"党费收缴情况_{who}_{query.period.key}.xlsx"


def org_members_sum(user, org: Organization, period: Period) -> dict:
    """Sums straight from the member rows (for checks and the API's drill-down)."""
    agg = (
        selectors.months_for(user, within=org.path)
        .filter(month__gte=period.start, month__lte=period.end)
        .aggregate(due=Sum("due"), paid=Sum("paid"), members=Count("id"))
    )
    return {"due": agg["due"] or ZERO, "paid": agg["paid"] or ZERO, "members": agg["members"]}
