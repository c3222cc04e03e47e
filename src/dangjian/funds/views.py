"""经费 pages: balances over the tree, one organisation's ledger and its export, remittance,
expenses, corrections and expense documents. Reads through selectors, writes through services;
everything out of scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import DUES
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.forms import add_service_errors
from dangjian.core.rulesets import public_source, rules_on
from dangjian.core.scope import get_scoped_or_404, path_in_scope, scope_paths
from dangjian.funds import selectors, services
from dangjian.funds.forms import (
    CENTRE,
    BudgetForm,
    CorrectForm,
    ExpenseForm,
    IncomeForm,
    LedgerFilterForm,
    RemitForm,
    year_choices,
)
from dangjian.funds.models import (
    COUNTY_SHARE_SOURCE,
    DUES_PURPOSES,
    DUES_USES_SOURCE,
    FUND_PURPOSES,
    Fund,
    FundEntry,
    Purpose,
)
from dangjian.funds.rules import DOMAIN as FUNDS_DOMAIN
from dangjian.orgs.models import Organization


def _org(request, org_id, action: str = "view") -> Organization:
    """The organisation, if the user may apply `action` to its dues; else it does not exist."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None or not path_in_scope(request.user, action, DUES, org.path):
        raise Http404
    return org


def _can(request, action: str, org: Organization) -> bool:
    return path_in_scope(request.user, action, DUES, org.path)


def _crumbs(request, org: Organization) -> list[Organization]:
    """The organisations above `org` the user may also view, for the way back up."""
    return [
        o
        for o in Organization.objects.get_ancestors(org).order_by("depth")
        if path_in_scope(request.user, "view", DUES, o.path)
    ]


@login_required
def home(request):
    roots = scope_paths(request.user, "view", DUES)
    if not roots:
        raise Http404
    if request.GET.get("org"):
        root = _org(request, request.GET["org"])
    else:
        root = Organization.objects.get(path=roots[0])
    top, rows, total = selectors.drill(request.user, root)
    others = (
        Organization.objects.filter(path__in=roots).exclude(pk=root.pk).order_by("path")
        if len(roots) > 1
        else []
    )
    return render(
        request,
        "funds/home.html",
        {
            "org": root,
            "top": top,
            "rows": rows,
            "total": total,
            "crumbs": _crumbs(request, root),
            "others": others,
            "can_remit": _can(request, "remit", root),
            "can_spend": _can(request, "spend", root),
            "uses_source": public_source(DUES_USES_SOURCE),
            "show_tree": False,
        },
    )


def _ledger_rows(request, org: Organization, action: str = "view"):
    years = selectors.entry_years(org, timezone.localdate())
    filters = LedgerFilterForm(request.GET or None, years=years)
    picked = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.org_entries(
        request.user,
        org,
        year=picked.get("year"),
        fund=picked.get("fund") or None,
        kind=picked.get("kind") or None,
        action=action,
    )
    return filters, rows


def _corrected(entry: FundEntry) -> bool:
    try:
        entry.corrected_by  # noqa: B018
    except FundEntry.DoesNotExist:
        return False
    return True


@login_required
def ledger(request, org_id):
    org = _org(request, org_id)
    filters, rows = _ledger_rows(request, org)
    rows = list(rows[:1000])
    can_remit, can_spend = _can(request, "remit", org), _can(request, "spend", org)
    for row in rows:
        row.corrected = _corrected(row)
        action, path = services.correction_scope(row)
        row.can_correct = (
            not row.is_reversal
            and not row.corrected
            and path_in_scope(request.user, action, DUES, path)
        )
    return render(
        request,
        "funds/ledger.html",
        {
            "org": org,
            "rows": rows,
            "filters": filters,
            "balance": selectors.dues_balance(org),
            "crumbs": _crumbs(request, org),
            "can_remit": can_remit,
            "can_spend": can_spend,
            "can_export": _can(request, "export", org),
            "query": request.GET.urlencode(),
            "show_tree": False,
        },
    )


EXPORT_COLUMNS = (
    ExportColumn("发生日期", 12, "date"),
    ExportColumn("党组织", 28),
    ExportColumn("资金性质", 10),
    ExportColumn("收支", 6),
    ExportColumn("类型", 12),
    ExportColumn("金额（元）", 12),
    ExportColumn("对方", 26),
    ExportColumn("所属期间", 22),
    ExportColumn("用途", 30),
    ExportColumn("集体讨论", 36),
    ExportColumn("审批人", 10),
    ExportColumn("凭证", 20),
    ExportColumn("摘要", 30),
    ExportColumn("更正", 24),
    ExportColumn("登记人", 10),
    ExportColumn("登记时间", 18),
)


def _export_rows(rows):
    for e in rows.iterator(chunk_size=500):
        period = f"{e.period_start:%Y-%m-%d}至{e.period_end:%Y-%m-%d}" if e.period_start else ""
        decided = (
            f"{e.decision_body} {e.decision_on:%Y-%m-%d}：{e.decision_summary}"
            if e.decision_on
            else e.decision_body
        )
        if e.corrects_id:
            fix = f"冲销第{e.corrects_id}号记录"
        elif e.replaces_id:
            fix = f"替代第{e.replaces_id}号记录"
        else:
            fix = ""
        yield (
            e.occurred_on,
            e.org.name,
            e.get_fund_display(),
            e.get_direction_display(),
            e.get_kind_display() + ("（代转中央）" if e.centre_voluntary else ""),
            f"{e.amount}",
            e.counterparty_label,
            period,
            e.get_purpose_display() if e.purpose else "",
            decided,
            (e.approved_by.display_name or e.approved_by.username) if e.approved_by else "",
            e.document_name,
            e.note,
            fix,
            (e.recorded_by.display_name or e.recorded_by.username) if e.recorded_by else "",
            timezone.localtime(e.recorded_at).strftime("%Y-%m-%d %H:%M"),
        )


@login_required
def export(request, org_id):
    org = _org(request, org_id, "export")
    _filters, rows = _ledger_rows(request, org, action="export")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, n = xlsx_response(
        filename=f"经费账目_{org.short_name or org.name}_{stamp}.xlsx",
        sheet="经费账目",
        columns=EXPORT_COLUMNS,
        rows=_export_rows(rows),
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path,
        detail={"kind": "fund_entries", "rows": n, "filters": request.GET.dict()},
    )
    return response


@login_required
def remit(request, org_id):
    org = _org(request, org_id, "remit")
    today = timezone.localdate()
    form = RemitForm(request.POST or None, org=org)
    if not form.fields["to"].choices:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    to_key = source.get("to") or form.fields["to"].choices[0][0]
    valid_to = {k for k, _label in form.fields["to"].choices}
    if to_key not in valid_to:
        to_key = form.fields["to"].choices[0][0]
    to_org = None if to_key == CENTRE else Organization.objects.get(pk=to_key)
    try:
        year = int(source.get("period_year") or today.year - 1)
    except ValueError:
        year = today.year - 1
    if year not in dict(form.fields["period_year"].choices):
        year = today.year - 1
    start, end = selectors.year_period(year)
    suggestion = selectors.suggested_remittance(org, to_org, start=start, end=end, day=today)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_remittance(
                    actor=request.user,
                    from_org=org,
                    to_org=to_org,
                    amount=d["amount"],
                    centre_amount=d.get("centre_amount") or 0,
                    occurred_on=d["occurred_on"],
                    period=d["period_year"],
                    note=d.get("note", ""),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记上缴党费。"))
                return redirect(reverse("funds:ledger", args=[org.pk]))
    else:
        form.initial.update(
            {
                "to": to_key,
                "period_year": year,
                "amount": suggestion.remaining,
                "centre_amount": max(suggestion.held_for_centre, 0) or None,
            }
        )
    return render(
        request,
        "funds/remit.html",
        {
            "org": org,
            "form": form,
            "s": suggestion,
            "balance": selectors.dues_balance(org),
            "show_tree": False,
        },
    )


@login_required
def expense(request, org_id):
    org = _org(request, org_id, "spend")
    form = ExpenseForm(request.POST or None, request.FILES or None, org=org)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entry = services.record_expense(
                actor=request.user,
                org=org,
                fund=d["fund"],
                purpose=d["purpose"],
                amount=d["amount"],
                occurred_on=d["occurred_on"],
                decision_body=d["decision_body"],
                decision_on=d["decision_on"],
                decision_summary=d["decision_summary"],
                approved_by=d.get("approved_by"),
                document=d.get("document"),
                counterparty_name=d.get("counterparty_name", ""),
                document_no=d.get("document_no", ""),
                note=d.get("note", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记支出%(a)s元。") % {"a": entry.amount})
            return redirect(reverse("funds:ledger", args=[org.pk]))
    return render(
        request,
        "funds/expense.html",
        {
            "org": org,
            "form": form,
            "balance": selectors.dues_balance(org),
            "dues_purposes": [Purpose(p).label for p in DUES_PURPOSES],
            "other_balances": [
                (Fund(f).label, selectors.fund_balance(org, f)) for f in selectors.OTHER_FUNDS
            ],
            "uses_source": public_source(DUES_USES_SOURCE),
            "show_tree": False,
        },
    )


@login_required
def correct(request, pk):
    entry = get_scoped_or_404(
        request.user,
        "view",
        FundEntry.objects.select_related("org", "counterparty", "recorded_by"),
        pk=pk,
    )
    group = services.correction_group(entry)
    action, path = services.correction_scope(entry)
    if not path_in_scope(request.user, action, DUES, path):
        raise Http404
    form = CorrectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.correct_entry(
                actor=request.user,
                entry=entry,
                reason=d["reason"],
                amount=d.get("amount"),
                occurred_on=d.get("occurred_on"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已冲销原记录。"))
            return redirect(reverse("funds:ledger", args=[entry.org_id]))
    return render(
        request,
        "funds/correct.html",
        {
            "org": entry.org,
            "entry": entry,
            "group": group,
            "form": form,
            "already": FundEntry.objects.filter(corrects__in=group).exists(),
            # 慰问金 of a care visit are corrected with the visit (care.services.correct_visit)
            "visit": getattr(entry, "care_visit", None)
            if services.linked_to_visit(entry)
            else None,
            "show_tree": False,
        },
    )


@login_required
def document(request, pk):
    entry = get_scoped_or_404(request.user, "view", FundEntry.objects.all(), pk=pk)
    if not entry.document:
        raise Http404
    try:
        handle = entry.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=entry.document_name or "document")


# --- the 党建经费 by source, income, budgets --------------------------------------------------------


def _root(request) -> Organization:
    roots = scope_paths(request.user, "view", DUES)
    if not roots:
        raise Http404
    if request.GET.get("org"):
        return _org(request, request.GET["org"])
    return Organization.objects.get(path=roots[0])


@login_required
def sources(request):
    """结余 by source (党费, 财政专项, 党建工作经费, 其他) for every organisation of a subtree."""
    root = _root(request)
    own, rows, total = selectors.source_drill(request.user, root)
    return render(
        request,
        "funds/sources.html",
        {
            "org": root,
            "own": own,
            "rows": rows,
            "total": total,
            "funds": Fund.choices,
            "crumbs": _crumbs(request, root),
            "can_export": _can(request, "export", root),
            "can_spend": _can(request, "spend", root),
            "share_source": public_source(COUNTY_SHARE_SOURCE),
            "show_tree": False,
        },
    )


SOURCE_COLUMNS = (
    ExportColumn("党组织", 30),
    *(
        ExportColumn(f"{label}{side}", 14)
        for _key, label in Fund.choices
        for side in ("收入", "支出", "结余")
    ),
    ExportColumn("结余合计", 14),
)


@login_required
def sources_export(request):
    root = _root(request)
    if not _can(request, "export", root):
        raise Http404
    rows, total = selectors.source_balances(request.user, root)

    def lines():
        for r in [*rows, total]:
            cells = [r.org.name if r is not total else f"合计（{root.name}）"]
            for _f, income, expense, balance in r.cells():
                cells += [f"{income}", f"{expense}", f"{balance}"]
            cells.append(f"{r.total}")
            yield cells

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, n = xlsx_response(
        filename=f"经费结余_按来源_{root.short_name or root.name}_{stamp}.xlsx",
        sheet="经费结余",
        columns=SOURCE_COLUMNS,
        rows=lines(),
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=root.path,
        detail={"kind": "fund_sources", "rows": n},
    )
    return response


@login_required
def income(request, org_id):
    """经费拨入: 财政专项, the county 党建经费 share at the set percentage, other income."""
    org = _org(request, org_id, "spend")
    form = IncomeForm(request.POST or None, request.FILES or None, org=org)
    today = timezone.localdate()
    share_rules = rules_on(FUNDS_DOMAIN, today)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {
            "actor": request.user,
            "org": org,
            "occurred_on": d["occurred_on"],
            "counterparty_name": d["counterparty_name"],
            "period": d.get("period_year") or None,
            "document": d.get("document"),
            "document_no": d.get("document_no", ""),
            "approved_by": d.get("approved_by"),
            "note": d.get("note", ""),
        }
        try:
            if d["fund"] == Fund.PARTY_BUILDING:
                entry = services.record_county_share(base_amount=d["base_amount"], **common)
            else:
                entry = services.record_funding(fund=d["fund"], amount=d["amount"], **common)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记%(f)s收入%(a)s元。") % {"f": entry.get_fund_display(), "a": entry.amount},
            )
            return redirect(reverse("funds:ledger", args=[org.pk]))
    return render(
        request,
        "funds/income.html",
        {
            "org": org,
            "form": form,
            "share_cite": share_rules.cite("county_share_percent"),
            "share_percent": share_rules["county_share_percent"],
            "show_tree": False,
        },
    )


def _year(request) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@login_required
def budget(request, org_id):
    """年度预算与实际: budget lines entered here, actual derived from the ledger's expenses."""
    org = _org(request, org_id)
    year = _year(request)
    can_spend = _can(request, "spend", org)
    form = BudgetForm(request.POST or None)
    if request.method == "POST":
        if not can_spend:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_budget(
                    actor=request.user, org=org, year=year, fund=d["fund"],
                    purpose=d["purpose"], amount=d["amount"], note=d.get("note", ""),
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记预算。"))
                return redirect(f"{reverse('funds:budget', args=[org.pk])}?year={year}")
    rows = selectors.budget_vs_actual(request.user, org, year)
    return render(
        request,
        "funds/budget.html",
        {
            "org": org,
            "year": year,
            "years": [y for y, _label in year_choices()] + [timezone.localdate().year + 1],
            "rows": rows,
            "form": form,
            "can_spend": can_spend,
            "can_export": _can(request, "export", org),
            "fund_purposes": {f: [str(p.label) for p in FUND_PURPOSES[f]] for f in Fund.values},
            "crumbs": _crumbs(request, org),
            "show_tree": False,
        },
    )


BUDGET_COLUMNS = (
    ExportColumn("资金性质", 12),
    ExportColumn("用途", 40),
    ExportColumn("预算（元）", 14),
    ExportColumn("实际支出（元）", 14),
    ExportColumn("预算余额（元）", 14),
    ExportColumn("执行率（%）", 12),
)


@login_required
def budget_export(request, org_id):
    org = _org(request, org_id, "export")
    year = _year(request)
    rows = selectors.budget_vs_actual(request.user, org, year, action="export")

    def lines():
        for r in rows:
            yield (
                r.fund_label,
                r.purpose_label,
                "" if r.budget is None else f"{r.budget}",
                f"{r.actual}",
                "" if r.remaining is None else f"{r.remaining}",
                "" if r.percent_used is None else f"{r.percent_used}",
            )

    response, n = xlsx_response(
        filename=f"预算执行_{org.short_name or org.name}_{year}.xlsx",
        sheet=f"{year}年预算执行",
        columns=BUDGET_COLUMNS,
        rows=lines(),
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path,
        detail={"kind": "fund_budget", "rows": n, "year": year},
    )
    return response
