"""Pages of organisational life: the meetings of an organisation, a new record, one record, compliance.

Reads go through the scope (`path_in_scope`, `restrict`, `get_scoped_or_404`: out of scope is 404);
writes go through `life.services`, whose Chinese ValidationError is shown with nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import LIFE
from dangjian.core.forms import add_service_errors
from dangjian.core.scope import get_scoped_or_404, path_in_scope, restrict, scope_paths
from dangjian.life import selectors, services
from dangjian.life.forms import MeetingForm
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


@login_required
def meeting_list(request):
    org = _org_from(request)
    meetings = list(
        restrict(request.user, "view", Meeting.objects.filter(org_path__startswith=org.path))
        .select_related("org", "chair")
        .order_by("-held_on", "-id")[:500]
    )
    return render(
        request,
        "life/list.html",
        {
            "org": org,
            "meetings": meetings,
            "orgs": _orgs_in_scope(request.user, "view"),
            "can_add": path_in_scope(request.user, "add", LIFE, org.path),
        },
    )


@login_required
def meeting_new(request):
    user = request.user
    org = _org_from(request, "add")
    roster = services.roster(org)
    form = MeetingForm(request.POST or None, roster=roster)
    chosen: dict[int, tuple[str, str]] = {}
    if request.method == "POST":
        for m in roster:
            chosen[m.pk] = (
                request.POST.get(f"status_{m.pk}", AttendanceStatus.PRESENT),
                request.POST.get(f"reason_{m.pk}", ""),
            )
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
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已记录。"))
                return redirect("life:detail", pk=meeting.pk)
    rows = [
        {
            "m": m,
            "status": chosen.get(m.pk, (AttendanceStatus.PRESENT, ""))[0],
            "reason": chosen.get(m.pk, ("", ""))[1],
        }
        for m in roster
    ]
    committee = services.committee_member_ids(org)
    return render(
        request,
        "life/new.html",
        {
            "org": org,
            "form": form,
            "rows": rows,
            "committee": committee,
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
    return render(
        request,
        "life/detail.html",
        {"meeting": meeting, "org": meeting.org, "attendance": attendance, "counts": counts},
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
