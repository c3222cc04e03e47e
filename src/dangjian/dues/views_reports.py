"""党费 reports: the overview with its drill-down, the arrears lists, the export and 我的党费.

Reads through `reports` (which reads through `restrict()`); out of scope answers 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import DUES, MEMBER
from dangjian.core.audit import record_event
from dangjian.core.scope import has_any, path_in_scope
from dangjian.dues import reports
from dangjian.dues.services import month_start
from dangjian.orgs.models import Organization


def safe_url(name: str, *args) -> str:
    """A link to a page another part of the dues app provides; empty while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _require(request, action: str = "view") -> None:
    if not has_any(request.user, action, DUES):
        raise Http404


def _query(request, action: str = "view"):
    """The report query, or a Chinese error shown on the page with the default period."""
    try:
        return reports.report_query(request.user, request.GET, action=action), ""
    except ValidationError as exc:
        params = {k: v for k, v in request.GET.items() if k not in ("month", "year")}
        return reports.report_query(request.user, params, action=action), "；".join(exc.messages)


def _member_links(user, lines) -> None:
    can_open = has_any(user, "view", MEMBER)
    for line in lines:
        line.url = safe_url("dues:member", line.member.pk)
        line.member_url = reverse("members:detail", args=[line.member.pk]) if can_open else ""


@login_required
def home(request):
    """党费收缴: the period's collection for the organisation shown, one row per child."""
    _require(request)
    query, error = _query(request)
    data = reports.overview(request.user, query)
    today = timezone.localdate()
    this_month = month_start(today)
    org = query.org
    branch_month_url = ""
    if org is not None and org.is_branch and not query.period.year_mode:
        branch_month_url = safe_url("dues:branch_month", org.pk, f"{query.period.start:%Y-%m}")
    # 登记本月党费: for whoever keeps this branch's ledger, always the current month.
    register_url = ""
    if org is not None and org.is_branch and path_in_scope(request.user, "add", DUES, org.path):
        register_url = safe_url("dues:branch_month", org.pk, f"{this_month:%Y-%m}")
    if data.members is not None:
        _member_links(request.user, data.members)
    for r in data.reliefs:
        r.url = safe_url("dues:member", r.member_id)
    org_q = f"org={org.pk}&" if org else ""
    context = {
        "data": data,
        "query": query,
        "org": org,
        "period": query.period,
        "error": error,
        "crumbs": reports.breadcrumb(query),
        "org_q": org_q,
        "branch_month_url": branch_month_url,
        "reliefs_url": safe_url("dues:reliefs") if data.reliefs else "",
        "register_url": register_url,
        "this_month": this_month,
        "years": list(range(today.year, today.year - 6, -1)),
        "can_export": has_any(request.user, "export", DUES),
        "count_label": _("应交人次") if query.period.year_mode else _("应交人数"),
        "unposted": [
            (o, safe_url("dues:branch_month", o.pk, f"{this_month:%Y-%m}")) for o in data.unposted
        ],
    }
    return render(request, "dues/report_home.html", context)


def _list_org(request):
    if not request.GET.get("org"):
        return None
    return reports.scoped_org(request.user, request.GET["org"])


def _org_choices(request, org):
    """Organisations to filter by: the user's roots and their committees (not every branch)."""
    roots = reports.root_orgs(request.user)
    q = Q(pk__in=[])
    for r in roots:
        q |= Q(path__startswith=r.path, depth__lte=r.depth + 2)
    return list(Organization.objects.filter(q).order_by("path")[:300])


@login_required
def arrears(request):
    """欠交党费的党员: months owing, amount, the oldest month, consecutive months with nothing paid."""
    _require(request)
    org = _list_org(request)
    within = org.path if org else None
    through = reports.arrears_through(request.user, within=within)
    try:
        min_run = max(int(request.GET.get("run") or 0), 0)
    except ValueError:
        min_run = 0
    rows = reports.arrears_rows(request.user, within=within, through=through, min_run=min_run)
    today = timezone.localdate()
    for r in rows:
        r.url = safe_url("dues:member", r.member.pk)
    return render(
        request,
        "dues/report_arrears.html",
        {
            "rows": rows,
            "org": org,
            "orgs": _org_choices(request, org),
            "through": through,
            "min_run": min_run,
            "run_choices": list(range(1, 7)),
            "warning": reports.warning_months(today),
            "total": sum((r.owing for r in rows), reports.ZERO),
        },
    )


@login_required
def six_months(request):
    """RULES.md 1.13: members with `lapse_months` consecutive months with nothing paid."""
    _require(request)
    org = _list_org(request)
    within = org.path if org else None
    today = timezone.localdate()
    through = reports.arrears_through(request.user, within=within)
    rows = reports.six_month_rows(request.user, within=within, through=through, today=today)
    can_member = has_any(request.user, "view", MEMBER)
    for r in rows:
        r.url = safe_url("dues:member", r.member.pk)
        r.status_url = (
            reverse("members:detail", args=[r.member.pk]) + "#status-box" if can_member else ""
        )
    return render(
        request,
        "dues/report_six_months.html",
        {
            "rows": rows,
            "org": org,
            "orgs": _org_choices(request, org),
            "through": through,
            "months": reports.lapse_months(today),
            "source": reports.SIX_MONTH_SOURCE,
            "lapses_url": reverse("members:status_lapses")
            if has_any(request.user, "archive", MEMBER)
            else "",
        },
    )


@login_required
def export(request):
    """The report shown, as the .xlsx a branch files (same query string as the page)."""
    _require(request, "export")
    try:
        query = reports.report_query(request.user, request.GET, action="export")
    except ValidationError as exc:
        raise Http404 from exc
    sheet = reports.report_sheet(request.user, query)
    response, n = reports.sheet_response(sheet, filename=reports.export_filename(query))
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=query.org.path if query.org else "",
        detail={
            "kind": "dues_report",
            "rows": n,
            "filters": {k: v[:100] for k, v in request.GET.items() if v},
            "period": query.period.key,
            "masked": True,
        },
    )
    return response


@login_required
def mine(request):
    """我的党费: the logged-in member's own ledger, bases and voluntary payments — nobody else's."""
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    year = None
    if request.GET.get("year"):
        try:
            year = reports.parse_year(request.GET["year"])
        except ValidationError:
            year = None
    return render(request, "dues/report_mine.html", {"data": reports.my_dues(member, year=year)})


urlpatterns = [
    path("", home, name="home"),
    path("arrears/", arrears, name="arrears"),
    path("six-months/", six_months, name="six_months"),
    path("export/", export, name="export"),
    path("mine/", mine, name="mine"),
]
