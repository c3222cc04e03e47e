"""Pages of organisational life: the meetings of an organisation, a new record, one record, compliance.

Reads go through the scope (`path_in_scope`, `restrict`, `get_scoped_or_404`: out of scope is 404);
writes go through `life.services`, whose Chinese ValidationError is shown with nothing written.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import LIFE
from dangjian.core.forms import add_service_errors
from dangjian.core.scope import get_scoped_or_404, path_in_scope, restrict, scope_paths
from dangjian.life import selectors, services
from dangjian.life.forms import CorrectionForm, MeetingForm
from dangjian.life.models import AttendanceStatus, Meeting
from dangjian.orgs.models import Organization


def _org_from(request, action: str = "view") -> Organization:
    """The organisation named by ?org= (404 out of scope), else the user's first subtree root."""
    raw = request.GET.get("org") or request.POST.get("org")
    if raw:
        try:
            org = get_object_or_404(Organization, pk=int(raw))
        except ValueError:
            raise Http404 from None
    else:
        roots = scope_paths(request.user, action, LIFE)
        if not roots:
            raise Http404
        org = Organization.objects.get(path=roots[0])
    if not path_in_scope(request.user, action, LIFE, org.path):
        raise Http404
    return org


def _orgs_in_scope(user, action: str):
    q = Q(pk__in=[])
    for root in scope_paths(user, action, LIFE):
        q |= Q(path__startswith=root)
    return list(Organization.objects.filter(q).order_by("path").only("pk", "name", "depth"))


# A 工委 sees thousands of meetings a year: a page at a time, newest first, every one reachable.
MEETINGS_PER_PAGE = 50


@login_required
def meeting_list(request):
    org = _org_from(request)
    meetings = (
        restrict(request.user, "view", Meeting.objects.filter(org_path__startswith=org.path))
        .select_related("org", "chair")
        .order_by("-held_on", "-id")
    )
    page = Paginator(meetings, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "life/list.html",
        {
            "org": org,
            "page": page,
            "querystring": f"org={org.pk}",
            "orgs": _orgs_in_scope(request.user, "view"),
            "can_add": path_in_scope(request.user, "add", LIFE, org.path),
        },
    )


def _posted_attendance(request, members, *, skip_blank: bool = False) -> dict:
    chosen: dict[int, tuple[str, str]] = {}
    for m in members:
        status = request.POST.get(f"status_{m.pk}", "" if skip_blank else AttendanceStatus.PRESENT)
        if skip_blank and not status:
            continue
        chosen[m.pk] = (status, request.POST.get(f"reason_{m.pk}", ""))
    return chosen


def _posted_guests(request) -> list[str]:
    return [g for g in request.POST.getlist("guest") if g]


def _form_context(org, members, chosen, away, guests, picked, *, default) -> dict:
    """The roster rows (radios), the 外出 tags and the 流入党员（列席） block of the attendance form."""
    rows = []
    for m in members:
        if m.pk in chosen:
            status, reason = chosen[m.pk]
        elif m.pk in away and default:
            status, reason = AttendanceStatus.EXCUSED, _("外出流动")
        else:
            status, reason = default, ""
        rows.append({"m": m, "status": status, "reason": reason, "away": away.get(m.pk)})
    return {
        "org": org,
        "rows": rows,
        "committee": services.committee_member_ids(org),
        "guests": guests,
        "picked": {str(g) for g in picked},
    }


@login_required
def meeting_new(request):
    user = request.user
    org = _org_from(request, "add")
    roster = services.roster(org)
    form = MeetingForm(request.POST or None, roster=roster)
    chosen: dict[int, tuple[str, str]] = {}
    picked: list[str] = []
    if request.method == "POST":
        chosen = _posted_attendance(request, roster)
        picked = _posted_guests(request)
        if form.is_valid():
            d = form.cleaned_data
            try:
                meeting = services.record_meeting(
                    actor=user,
                    org=org,
                    kind=d["kind"],
                    held_on=d["held_on"],
                    topic=d["topic"],
                    place=d["place"],
                    chair=d["chair"],
                    minutes=d["minutes"],
                    decisions=d["decisions"],
                    attendance=chosen,
                    guests=picked,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已记录。"))
                return redirect("life:detail", pk=meeting.pk)
    context = _form_context(
        org,
        roster,
        chosen,
        services.away_records(org),
        services.guest_records(org),
        picked,
        default=AttendanceStatus.PRESENT,
    )
    return render(
        request,
        "life/new.html",
        context
        | {
            "form": form,
            "statuses": AttendanceStatus.choices,
            "orgs": _orgs_in_scope(user, "add"),
        },
    )


@login_required
def meeting_detail(request, pk: int):
    meeting = get_scoped_or_404(
        request.user, "view", Meeting.objects.select_related("org", "chair", "recorded_by"), pk=pk
    )
    attendance = list(
        meeting.attendance.select_related("member").order_by("member__stroke_key", "member_id")
    )
    counts = {s: sum(1 for a in attendance if a.status == s) for s in AttendanceStatus.values}
    # Members of this branch away (外出) that day, and the host meetings they attended that month.
    away = services.away_records(meeting.org, on=meeting.held_on)
    day = meeting.held_on
    month_start = day.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    attended = selectors.attended_away(away, month_start, month_end)
    for a in attendance:
        a.away = away.get(a.member_id)
        a.away_meetings = attended.get(a.member_id, [])
    guests = list(meeting.guests.select_related("floating__org", "floating__host_org"))
    corrections = [
        (c, selectors.correction_rows(c))
        for c in meeting.corrections.select_related("corrected_by").order_by("-corrected_at", "-id")
    ]
    return render(
        request,
        "life/detail.html",
        {
            "meeting": meeting,
            "org": meeting.org,
            "attendance": attendance,
            "counts": counts,
            "guests": guests,
            "corrections": corrections,
            "can_change": path_in_scope(request.user, "change", LIFE, meeting.org.path),
        },
    )


@login_required
def meeting_correct(request, pk: int):
    """更正会议记录: the fields, the attendance and the guests, with a required reason."""
    meeting = get_scoped_or_404(
        request.user, "change", Meeting.objects.select_related("org", "chair"), pk=pk
    )
    org = meeting.org
    current = {a.member_id: a for a in meeting.attendance.select_related("member")}
    roster = services.roster(org)
    on_roster = {m.pk for m in roster}
    members = roster + sorted(
        (a.member for mid, a in current.items() if mid not in on_roster),
        key=lambda m: (m.stroke_key, m.pk),
    )
    records = {r.pk: r for r in services.guest_records(org, on=meeting.held_on)}
    for g in meeting.guests.select_related("floating__org", "floating__member"):
        records.setdefault(g.floating_id, g.floating)
    initial = {f: getattr(meeting, f) for f in services.FIELDS}
    form = CorrectionForm(request.POST or None, roster=members, initial=initial)
    chosen = {mid: (a.status, a.reason) for mid, a in current.items()}
    picked = [str(fid) for fid in meeting.guests.values_list("floating_id", flat=True)]
    if request.method == "POST":
        chosen = _posted_attendance(request, members, skip_blank=True)
        picked = _posted_guests(request)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.correct_meeting(
                    actor=request.user,
                    meeting=meeting,
                    reason=d["reason"],
                    attendance=chosen,
                    guests=picked,
                    **{f: d[f] for f in services.FIELDS},
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已更正，更正原因和内容已记入本次会议的更正记录。"))
                return redirect("life:detail", pk=meeting.pk)
    context = _form_context(org, members, chosen, {}, list(records.values()), picked, default="")
    return render(
        request,
        "life/correct.html",
        context
        | {
            "meeting": meeting,
            "form": form,
            "statuses": [*AttendanceStatus.choices, ("", _("不登记"))],
        },
    )


@login_required
def compliance_page(request):
    org = _org_from(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if year < 2000 or year > today.year:
        year = today.year
    rows = selectors.compliance(request.user, root=org, year=year, today=today)
    header = rows[0].kinds if rows and rows[0].kinds else []
    return render(
        request,
        "life/compliance.html",
        {
            "org": org,
            "year": year,
            "years": list(range(today.year, today.year - 6, -1)),
            "rows": rows,
            "header": header,
            "orgs": _orgs_in_scope(request.user, "view"),
        },
    )
