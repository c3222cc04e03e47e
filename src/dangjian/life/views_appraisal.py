"""民主评议党员 pages: counts per branch, record a round from the roster, correct, follow-ups."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.roles import LIFE
from dangjian.core.forms import add_service_errors
from dangjian.core.scope import get_scoped_or_404, path_in_scope
from dangjian.life import selectors, services
from dangjian.life.forms import AppraisalForm, CloseForm, EntryForm
from dangjian.life.models import (
    NEEDS_FOLLOW_UP,
    Appraisal,
    AppraisalEntry,
    AppraisalResult,
    FollowUpDecision,
)
from dangjian.life.views import _org_from, _orgs_in_scope
from dangjian.members.models import Member, StatusChangeKind


def _year(request, today: date) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    if not 2000 <= year <= today.year:
        # the 民主评议 of a year is often held early the next year
        year = today.year - 1 if today.month <= 3 else today.year
    return year


def _years(today: date) -> list[int]:
    return list(range(today.year, today.year - 6, -1))


@login_required
def appraisal_home(request):
    org = _org_from(request)
    today = timezone.localdate()
    year = _year(request, today)
    rows = selectors.appraisal_counts(request.user, root=org, year=year)
    for r in rows:
        r.cells = [(v, label, r.counts[v]) for v, label in AppraisalResult.choices]
    totals = [(v, label, sum(c.counts[v] for c in rows)) for v, label in AppraisalResult.choices]
    state_counts = {
        s: selectors.follow_ups(request.user, root=org, today=today, state=s).count()
        for s in ("overdue", "due", "open")
    }
    return render(
        request,
        "life/appraisal_home.html",
        {
            "org": org,
            "year": year,
            "years": _years(today),
            "rows": rows,
            "totals": totals,
            "rated": sum(n for _v, _l, n in totals),
            "results": AppraisalResult.choices,
            "state_counts": state_counts,
            "orgs": _orgs_in_scope(request.user, "view"),
            "can_add": path_in_scope(request.user, "add", LIFE, org.path),
        },
    )


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@login_required
def appraisal_new(request):
    user = request.user
    org = _org_from(request, "add")
    today = timezone.localdate()
    default_year = _year(request, today)
    form = AppraisalForm(
        request.POST or None,
        org=org,
        years=_years(today),
        initial={"year": default_year, "held_on": today},
    )
    members = services.roster(org)
    chosen: dict[int, dict] = {}
    if request.method == "POST":
        for m in members:
            chosen[m.pk] = {
                "result": request.POST.get(f"result_{m.pk}", ""),
                "decision": request.POST.get(f"decision_{m.pk}", ""),
                "deadline": _parse_date(request.POST.get(f"deadline_{m.pk}", "")),
                "deadline_raw": request.POST.get(f"deadline_{m.pk}", ""),
                "help_measure": request.POST.get(f"help_{m.pk}", ""),
            }
        if form.is_valid():
            d = form.cleaned_data
            results = {
                pk: {k: v for k, v in c.items() if k != "deadline_raw"}
                for pk, c in chosen.items()
                if c["result"]
            }
            try:
                appraisal = services.record_appraisal(
                    actor=user,
                    org=org,
                    year=d["year"],
                    held_on=d["held_on"],
                    meeting=d["meeting"],
                    note=d["note"],
                    results=results,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已记录民主评议结果。"))
                return redirect("life:appraisal", pk=appraisal.pk)
    rows = [
        {
            "m": m,
            "result": chosen.get(m.pk, {}).get("result", AppraisalResult.QUALIFIED)
            if request.method == "POST"
            else AppraisalResult.QUALIFIED,
            "decision": chosen.get(m.pk, {}).get("decision", ""),
            "deadline": chosen.get(m.pk, {}).get("deadline_raw", ""),
            "help": chosen.get(m.pk, {}).get("help_measure", ""),
        }
        for m in members
    ]
    return render(
        request,
        "life/appraisal_new.html",
        {
            "org": org,
            "form": form,
            "rows": rows,
            "results": AppraisalResult.choices,
            "decisions": FollowUpDecision.choices,
            "orgs": _orgs_in_scope(user, "add"),
        },
    )


@login_required
def appraisal_detail(request, pk: int):
    appraisal = get_scoped_or_404(
        request.user, "view", Appraisal.objects.select_related("org", "meeting"), pk=pk
    )
    entries = list(
        appraisal.entries.select_related("member").order_by("member__stroke_key", "member_id")
    )
    rated = {e.member_id for e in entries}
    unrated = [
        m for m in services.appraisal_roster(appraisal.org, appraisal.held_on) if m.pk not in rated
    ]
    counts = [
        (label, sum(1 for e in entries if e.result == v)) for v, label in AppraisalResult.choices
    ]
    return render(
        request,
        "life/appraisal_detail.html",
        {
            "appraisal": appraisal,
            "org": appraisal.org,
            "entries": entries,
            "unrated": unrated,
            "counts": counts,
            "results": AppraisalResult.choices,
            "can_change": path_in_scope(request.user, "change", LIFE, appraisal.org.path),
            "today": timezone.localdate(),
        },
    )


@login_required
def appraisal_entry(request, pk: int, member_id: int):
    """One member's result in a round: add it, correct it, or record how the follow-up ended."""
    appraisal = get_scoped_or_404(
        request.user, "view", Appraisal.objects.select_related("org"), pk=pk
    )
    entry = AppraisalEntry.objects.filter(appraisal=appraisal, member_id=member_id).first()
    if entry is not None:
        member = entry.member
    else:
        member = get_object_or_404(Member, pk=member_id, org=appraisal.org)
    can_change = path_in_scope(request.user, "change", LIFE, appraisal.org.path)
    if request.method == "POST" and not can_change:
        raise Http404
    action = request.POST.get("action", "")
    initial = {}
    if entry is not None:
        initial = {
            "result": entry.result,
            "decision": entry.decision,
            "deadline": entry.deadline,
            "help_measure": entry.help_measure,
        }
    form = EntryForm(request.POST if action == "result" else None, initial=initial)
    close = CloseForm(
        request.POST if action == "close" else None, initial={"closed_on": timezone.localdate()}
    )
    back = reverse("life:appraisal", args=[appraisal.pk])
    if action == "result" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_appraisal_result(
                actor=request.user,
                appraisal=appraisal,
                member=member,
                result=d["result"],
                decision=d["decision"],
                deadline=d["deadline"],
                help_measure=d["help_measure"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存%(name)s的评议结果。") % {"name": member.name})
            return redirect(back)
    if action == "close" and entry is not None and close.is_valid():
        d = close.cleaned_data
        try:
            services.close_follow_up(
                actor=request.user, entry=entry, closed_on=d["closed_on"], outcome=d["outcome"]
            )
        except ValidationError as exc:
            add_service_errors(close, exc)
        else:
            messages.success(request, _("已记录处置结果。"))
            return redirect(back)
    return render(
        request,
        "life/appraisal_entry.html",
        {
            "appraisal": appraisal,
            "org": appraisal.org,
            "member": member,
            "entry": entry,
            "form": form,
            "close": close,
            "can_change": can_change,
            "status_kinds": _status_links(entry),
            "today": timezone.localdate(),
        },
    )


def _status_links(entry: AppraisalEntry | None) -> list[tuple[str, str]]:
    """For a 劝退/除名 decision: the member's 党籍 request pages (the one path for 退党 and 除名)."""
    if entry is None or entry.decision != FollowUpDecision.PERSUADE or entry.closed_on:
        return []
    url = reverse("members:status_request", args=[entry.member_id])
    return [
        (f"{url}?kind={StatusChangeKind.WITHDRAW}", _("本人同意退党：办理退党")),
        (
            f"{url}?kind={StatusChangeKind.STRIKE_UNQUALIFIED}",
            _("劝退后仍不退党：申请除名"),
        ),
    ]


@login_required
def appraisal_names(request):
    """The drill-down: who was rated what, per organisation and year."""
    org = _org_from(request)
    today = timezone.localdate()
    year = _year(request, today)
    result = request.GET.get("result") or ""
    qs = selectors.entries_in(request.user, org).filter(year=year)
    if result in AppraisalResult.values:
        qs = qs.filter(result=result)
    else:
        result = ""
    entries = list(qs.order_by("appraisal__org_path", "member__stroke_key", "member_id"))
    return render(
        request,
        "life/appraisal_names.html",
        {
            "org": org,
            "year": year,
            "years": _years(today),
            "result": result,
            "result_label": AppraisalResult(result).label if result else "",
            "entries": entries,
            "today": today,
            "orgs": _orgs_in_scope(request.user, "view"),
        },
    )


STATE_LABELS = {
    "open": gettext_lazy("全部未办结"),
    "overdue": gettext_lazy("限期改正已逾期"),
    "due": gettext_lazy("期限将到或待劝退、除名"),
    "closed": gettext_lazy("已办结"),
}


@login_required
def follow_up_list(request):
    org = _org_from(request)
    today = timezone.localdate()
    state = request.GET.get("state") or "open"
    if state not in selectors.FOLLOW_UP_STATES:
        state = "open"
    entries = list(selectors.follow_ups(request.user, root=org, today=today, state=state)[:500])
    return render(
        request,
        "life/follow_ups.html",
        {
            "org": org,
            "state": state,
            "states": [(s, STATE_LABELS[s]) for s in selectors.FOLLOW_UP_STATES],
            "entries": entries,
            "today": today,
            "needs": NEEDS_FOLLOW_UP,
            "orgs": _orgs_in_scope(request.user, "view"),
        },
    )
