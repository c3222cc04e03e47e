"""组织生活 calendar per organisation, the "due before the period ends" list, and the exports."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from dangjian.accounts.roles import LIFE
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import path_in_scope, restrict
from dangjian.life import selectors
from dangjian.life.models import AttendanceStatus, Meeting, MeetingKind
from dangjian.life.rules import DOMAIN
from dangjian.life.selectors import guest_count
from dangjian.life.views import _org_from, _orgs_in_scope

WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


def _int(raw, default: int, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


@login_required
def calendar_page(request):
    """A month grid (or the year's twelve months) of the organisation's meetings and what is missing."""
    org = _org_from(request)
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year, 2000, today.year)
    view = "year" if request.GET.get("view") == "year" else "month"
    default_month = today.month if year == today.year else 12
    month = _int(request.GET.get("month"), default_month, 1, 12)
    rows = selectors.compliance(request.user, root=org, year=year, today=today)
    missing = selectors.missing_by_month(rows, org, today)
    is_branch = any(r.org.pk == org.pk for r in rows)
    context = {
        "org": org,
        "year": year,
        "years": list(range(today.year, today.year - 6, -1)),
        "month": month,
        "view": view,
        "today": today,
        "is_branch": is_branch,
        "orgs": _orgs_in_scope(request.user, "view"),
        "can_add": path_in_scope(request.user, "add", LIFE, org.path),
        "kinds": MeetingKind.choices,
    }
    if view == "year":
        counts = selectors.meetings_by_month(request.user, org, year)
        labels = dict(MeetingKind.choices)
        context["months"] = [
            {
                "month": m,
                "future": date(year, m, 1) > today,
                "held": [(labels[k], n) for k, n in sorted(counts.get(m, {}).items())],
                "missing": missing.get(m, []),
            }
            for m in range(1, 13)
        ]
    else:
        prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
        next_month = (year, month + 1) if month < 12 else (year + 1, 1)
        context |= {
            "weeks": selectors.calendar_month(request.user, org, year, month),
            "weekdays": [_(d) for d in WEEKDAYS],
            "missing": missing.get(month, []),
            "prev": prev_month if prev_month[0] >= 2000 else None,
            "next": next_month if date(next_month[0], next_month[1], 1) <= today else None,
        }
    return render(request, "life/calendar.html", context)


@login_required
def due_page(request):
    """Branches whose running month/quarter/year ends within the setting's days, meetings missing."""
    org = _org_from(request)
    today = timezone.localdate()
    rules = rules_on(DOMAIN, today)
    return render(
        request,
        "life/due.html",
        {
            "org": org,
            "rows": selectors.due_soon(request.user, today=today, root=org),
            "days": rules.remind_days_before_period_end,
            "source": rules.domain.spec("remind_days_before_period_end").source,
            "orgs": _orgs_in_scope(request.user, "view"),
        },
    )


MEETING_COLUMNS = (
    ExportColumn(N_("召开日期"), 14, "date"),
    ExportColumn(N_("党组织"), 30),
    ExportColumn(N_("类别"), 12),
    ExportColumn(N_("主题"), 36),
    ExportColumn(N_("地点"), 18),
    ExportColumn(N_("主持人"), 10),
    ExportColumn(N_("应到人数"), 10, "number"),
    ExportColumn(N_("出席"), 8, "number"),
    ExportColumn(N_("缺席"), 8, "number"),
    ExportColumn(N_("请假"), 8, "number"),
    ExportColumn(N_("流入党员列席"), 12, "number"),
)


@login_required
def export_meetings(request):
    org = _org_from(request, "export")
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year, 2000, today.year)
    qs = (
        restrict(
            request.user,
            "export",
            Meeting.objects.filter(org_path__startswith=org.path, held_on__year=year),
        )
        .select_related("org", "chair")
        .annotate(
            n_all=Count("attendance"),
            n_present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            n_absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
            n_excused=Count("attendance", filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
            n_guests=guest_count(),
        )
        .order_by("held_on", "org_path", "id")
    )
    rows = (
        (
            m.held_on,
            m.org.name,
            m.get_kind_display(),
            m.topic,
            m.place,
            m.chair.name if m.chair else "",
            m.n_all,
            m.n_present,
            m.n_absent,
            m.n_excused,
            m.n_guests,
        )
        for m in qs.iterator(chunk_size=1000)
    )
    response, n = xlsx_response(
        filename=f"组织生活记录_{org.short_name or org.name}_{year}.xlsx",
        sheet=f"{year}年组织生活记录",
        columns=[ExportColumn(_(c.header), c.width, c.kind) for c in MEETING_COLUMNS],
        rows=rows,
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path,
        detail={"kind": "life_meetings", "rows": n, "year": year},
    )
    return response


COMPLIANCE_COLUMNS = (
    ExportColumn(N_("党支部"), 30),
    ExportColumn(N_("项目"), 14),
    ExportColumn(N_("规定"), 12),
    ExportColumn(N_("应开次数"), 10, "number"),
    ExportColumn(N_("已开次数"), 10, "number"),
    ExportColumn(N_("是否达到"), 10),
    ExportColumn(N_("未达到的期间"), 50),
)

PERIOD_WORDS = {"month": N_("每月"), "quarter": N_("每季度"), "year": N_("每年")}


@login_required
def export_compliance(request):
    org = _org_from(request, "export")
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year, 2000, today.year)
    if not path_in_scope(request.user, "export", LIFE, org.path):
        raise Http404
    data = selectors.compliance(request.user, root=org, year=year, today=today)
    rows = [
        (
            r.org.name,
            k.label,
            _("%(period)s%(n)s次") % {"period": _(PERIOD_WORDS[k.period]), "n": k.per_period},
            k.required,
            k.held,
            _("是") if k.ok else _("否"),
            "、".join(p.label for p in k.missing),
        )
        for r in data
        for k in r.kinds
    ]
    response, n = xlsx_response(
        filename=f"三会一课落实情况_{org.short_name or org.name}_{year}.xlsx",
        sheet=f"{year}年落实情况",
        columns=[ExportColumn(_(c.header), c.width, c.kind) for c in COMPLIANCE_COLUMNS],
        rows=rows,
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path,
        detail={"kind": "life_compliance", "rows": n, "year": year},
    )
    return response
