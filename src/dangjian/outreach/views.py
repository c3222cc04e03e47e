"""联建共创 pages: figures for a subtree and period (every number drills down), pairings with their
tasks and activities, the registry of outside organisations, 挂点联系 and 党建指导员.

Reads go through selectors (restrict); writes through services. Out of scope is 404, bad input is a
Chinese message with nothing written.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dangjian.accounts.roles import OUTREACH
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.scope import get_scoped_or_404, path_in_scope, restrict, scope_paths
from dangjian.orgs.models import Organization
from dangjian.outreach import selectors, services
from dangjian.outreach.forms import (
    ActivityForm,
    AssignmentEditForm,
    ContactCorrectForm,
    ContactForm,
    DispatchForm,
    EndAssignmentForm,
    EndForm,
    LiaisonForm,
    PairingEditForm,
    PairingForm,
    PartnerEditForm,
    PartnerForm,
    TaskForm,
    WithdrawTaskForm,
)
from dangjian.outreach.models import (
    DISPATCH_KINDS,
    TWO_NEW_KINDS,
    Activity,
    ActivityPhoto,
    Category,
    Contact,
    Dispatch,
    Liaison,
    Pairing,
    PairingTask,
    Partner,
    PartnerKind,
)

# ------------------------------------------------------------------ helpers


def _org(request, action: str = "view") -> Organization:
    """?org= (404 when out of scope), else the user's first subtree root."""
    raw = request.GET.get("org") or request.POST.get("org")
    if raw:
        try:
            org = Organization.objects.filter(pk=int(raw)).first()
        except ValueError:
            raise Http404 from None
    else:
        roots = scope_paths(request.user, action, OUTREACH)
        org = Organization.objects.filter(path=roots[0]).first() if roots else None
    if org is None or not path_in_scope(request.user, action, OUTREACH, org.path):
        raise Http404
    return org


def parse_period(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date, str]:
    """(start, end, error): this year so far by default; a bad period falls back with a message."""
    start, end = date(today.year, 1, 1), today
    error = ""
    try:
        if raw_from:
            start = date.fromisoformat(raw_from)
        if raw_to:
            end = date.fromisoformat(raw_to)
    except ValueError:
        return date(today.year, 1, 1), today, _("日期格式不正确，已显示本年度至今的数字。")
    if start > end:
        return date(today.year, 1, 1), today, _("开始日期晚于结束日期，已显示本年度至今的数字。")
    return start, end, error


def _period(request):
    start, end, error = parse_period(
        request.GET.get("from"), request.GET.get("to"), timezone.localdate()
    )
    if error:
        messages.warning(request, error)
    return start, end


def _q(org, start, end, **extra) -> str:
    params = {"org": org.pk, "from": start.isoformat(), "to": end.isoformat()}
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def _can(request, action: str, org) -> bool:
    return path_in_scope(request.user, action, OUTREACH, org.path)


def _who(user) -> str:
    return (user.display_name or user.username) if user else ""


# ------------------------------------------------------------------ figures


@login_required
def home(request):
    org = _org(request)
    start, end = _period(request)
    f = selectors.figures(request.user, org, start, end)
    q = _q(org, start, end)
    return render(
        request,
        "outreach/home.html",
        {
            "org": org,
            "f": f,
            "q": q,
            "start": start,
            "end": end,
            "orgs": selectors.orgs_in_scope(request.user),
            "can_add": _can(request, "add", org),
            "can_export": _can(request, "export", org),
            "show_tree": False,
        },
    )


@login_required
def figures_export(request):
    org = _org(request, "export")
    start, end = _period(request)
    f = selectors.figures(request.user, org, start, end, action="export")
    rows = [("结对（对）", "合计", f.pairings), ("开展结对的机关党组织（个）", "合计", f.orgs)]
    rows.append(("联建单位（个）", "合计", f.partners))
    for k in f.kinds:
        rows += [
            ("结对（对）", k.label, k.pairings),
            ("开展结对的机关党组织（个）", k.label, k.orgs),
            ("联建单位（个）", k.label, k.partners),
        ]
    rows += [("活动（次）", label, n) for _c, label, n in f.by_category]
    rows += [
        ("活动（次）", "合计", f.activities),
        ("下基层党员（人，不重复计）", "", f.people),
        ("解决实际问题（个）", "", f.problems),
        ("提供便民服务（件）", "", f.services),
        ("筹措项目资金（元）", "", float(f.funds)),
        ("办实事好事（件）", "", f.deeds),
        ("年度任务（项）", "合计", f.tasks),
        ("年度任务（项）", "已完成", f.tasks_done),
    ]
    head = f"{org.name} {start:%Y-%m-%d}至{end:%Y-%m-%d}"
    response, n = xlsx_response(
        filename=f"联建共创统计_{org.short_name or org.name}_{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
        sheet="联建共创统计",
        columns=(
            ExportColumn(head, 34),
            ExportColumn("分类", 26),
            ExportColumn("数值", 14, "number"),
        ),
        rows=rows,
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path,
        detail={"kind": "outreach_figures", "rows": n, "filters": request.GET.dict()},
    )
    return response


# ------------------------------------------------------------------ drill-downs


def _activity_filters(request):
    org = _org(request)
    start, end = _period(request)
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    measure = request.GET.get("measure") or None
    if measure not in selectors.MEASURES:
        measure = None

    def _int(name):
        try:
            return int(request.GET.get(name) or 0) or None
        except ValueError:
            return None

    return org, start, end, category, measure, _int("member"), _int("pairing")


@login_required
def activity_list(request):
    org, start, end, category, measure, member, pairing = _activity_filters(request)
    qs = selectors.activities(
        request.user,
        org,
        start,
        end,
        category=category,
        measure=measure,
        member=member,
        pairing=pairing,
    )
    totals = selectors.activity_totals(qs)
    rows = list(qs.prefetch_related("participants")[:1000])
    return render(
        request,
        "outreach/activities.html",
        {
            "org": org,
            "rows": rows,
            "totals": totals,
            "more": totals["n"] > len(rows),
            "category": dict(Category.choices).get(category, ""),
            "measure": measure,
            "start": start,
            "end": end,
            "q": _q(org, start, end),
            "export_q": request.GET.urlencode(),
            "can_export": _can(request, "export", org),
            "show_tree": False,
        },
    )


ACTIVITY_COLUMNS = (
    ExportColumn("活动日期", 12, "date"),
    ExportColumn("机关党组织", 28),
    ExportColumn("联建单位", 24),
    ExportColumn("类别", 14),
    ExportColumn("活动内容", 40),
    ExportColumn("参加党员", 30),
    ExportColumn("人数", 8, "number"),
    ExportColumn("解决实际问题（个）", 10, "number"),
    ExportColumn("提供便民服务（件）", 10, "number"),
    ExportColumn("筹措项目资金（元）", 14, "number"),
    ExportColumn("办实事好事（件）", 10, "number"),
    ExportColumn("完成的年度任务", 30),
    ExportColumn("登记人", 10),
)


@login_required
def activity_export(request):
    org = _org(request, "export")
    _o, start, end, category, measure, member, pairing = _activity_filters(request)
    qs = selectors.activities(
        request.user,
        org,
        start,
        end,
        category=category,
        measure=measure,
        member=member,
        pairing=pairing,
        action="export",
    ).prefetch_related("participants", "completes")

    def rows():
        for a in qs.select_related("recorded_by"):
            people = sorted(a.participants.all(), key=lambda m: (m.stroke_key, m.pk))
            yield (
                a.held_on,
                a.org.name,
                a.pairing.partner_label,
                a.get_category_display(),
                a.summary,
                "、".join(m.name for m in people),
                len(people),
                a.problems_solved,
                a.services_delivered,
                float(a.funds_raised),
                a.deeds_done,
                "；".join(t.title for t in a.completes.all()),
                _who(a.recorded_by),
            )

    response, n = xlsx_response(
        filename=f"联建共创活动_{org.short_name or org.name}_{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
        sheet="联建共创活动",
        columns=ACTIVITY_COLUMNS,
        rows=rows(),
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path,
        detail={"kind": "outreach_activities", "rows": n, "filters": request.GET.dict()},
    )
    return response


@login_required
def people(request):
    org = _org(request)
    start, end = _period(request)
    rows = list(selectors.participants(request.user, org, start, end)[:2000])
    return render(
        request,
        "outreach/people.html",
        {
            "org": org,
            "rows": rows,
            "start": start,
            "end": end,
            "q": _q(org, start, end),
            "show_tree": False,
        },
    )


@login_required
def pairing_list(request):
    org = _org(request)
    start, end = _period(request)
    kind = request.GET.get("kind") or None
    if kind not in PartnerKind.values:
        kind = None
    rows = list(
        selectors.pairings(request.user, org, start, end, kind=kind).order_by("org_path", "id")
    )
    return render(
        request,
        "outreach/pairings.html",
        {
            "org": org,
            "rows": rows,
            "kind": dict(PartnerKind.choices).get(kind, ""),
            "start": start,
            "end": end,
            "q": _q(org, start, end),
            "orgs_n": len({r.org_id for r in rows}),
            "partners_n": len({r.partner_key for r in rows}),
            "can_add": _can(request, "add", org),
            "show_tree": False,
        },
    )


# ------------------------------------------------------------------ pairings


@login_required
def pairing_new(request):
    org = _org(request, "add")
    form = PairingForm(
        request.POST or None,
        request.FILES or None,
        org=org,
        partners=services.usable_partners(org),
        roster=services.roster(org),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pairing = services.create_pairing(
                actor=request.user,
                org=org,
                partner=d.get("partner"),
                partner_org=d.get("partner_org"),
                started_on=d["started_on"],
                leader=d["leader"],
                coordinator=d["coordinator"],
                agreement_text=d.get("agreement_text", ""),
                agreement=d.get("agreement"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记结对。请接着填写本年度的任务。"))
            return redirect("outreach:pairing", pk=pairing.pk)
    return render(
        request,
        "outreach/pairing_new.html",
        {
            "org": org,
            "form": form,
            "orgs": selectors.orgs_in_scope(request.user, "add"),
            "show_tree": False,
        },
    )


def _pairing(request, pk, action="view") -> Pairing:
    return get_scoped_or_404(
        request.user,
        action,
        Pairing.objects.select_related(
            "org", "partner", "partner_org", "leader", "coordinator", "recorded_by"
        ),
        pk=pk,
    )


def _task_years(pairing: Pairing) -> list[int]:
    today = timezone.localdate()
    last = pairing.ended_on.year if pairing.ended_on else today.year + 1
    return list(range(last, pairing.started_on.year - 1, -1))


@login_required
def pairing_detail(request, pk):
    pairing = _pairing(request, pk)
    can_change = _can(request, "change", pairing.org)
    acts = list(pairing.activities.prefetch_related("participants").order_by("-held_on", "-id"))
    today = timezone.localdate()
    tasks = selectors.task_rows(pairing)
    return render(
        request,
        "outreach/pairing.html",
        {
            "pairing": pairing,
            "org": pairing.org,
            "tasks": tasks,
            "history": selectors.history(request.user, [pairing, *tasks]),
            "acts": acts,
            "totals": selectors.activity_totals(pairing.activities.all()),
            "can_add": _can(request, "add", pairing.org) and pairing.active,
            "can_change": can_change,
            "task_form": TaskForm(years=_task_years(pairing), initial={"year": today.year})
            if can_change
            else None,
            "end_form": EndForm() if can_change and pairing.active else None,
            "show_tree": False,
        },
    )


def _simple_page(request, form, *, org, title, save, success, next_url, **extra):
    """One form, one service call (core.forms.form_page) in the outreach page frame."""
    return form_page(
        request,
        form,
        title=title,
        save=save,
        success=success,
        next_url=next_url,
        org=org,
        template="outreach/simple_form.html",
        context={"show_tree": False, **extra},
    )


@login_required
def pairing_task(request, pk):
    pairing = _pairing(request, pk, "change")
    form = TaskForm(request.POST or None, years=_task_years(pairing))
    return _simple_page(
        request,
        form,
        org=pairing.org,
        title=_("添加年度任务"),
        save=lambda d: services.add_task(
            actor=request.user,
            pairing=pairing,
            year=d["year"],
            category=d["category"],
            title=d["title"],
        ),
        success=_("已添加年度任务。"),
        next_url=lambda _r: reverse("outreach:pairing", args=[pairing.pk]),
        pairing=pairing,
    )


@login_required
def pairing_end(request, pk):
    pairing = _pairing(request, pk, "change")
    form = EndForm(request.POST or None)
    return _simple_page(
        request,
        form,
        org=pairing.org,
        title=_("结束结对"),
        save=lambda d: services.end_pairing(
            actor=request.user, pairing=pairing, ended_on=d["ended_on"], reason=d["reason"]
        ),
        success=_("结对已结束，记录继续保留。"),
        next_url=lambda _r: reverse("outreach:pairing", args=[pairing.pk]),
        pairing=pairing,
    )


def _file_response(field, name):
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=name or "file")


@login_required
def agreement(request, pk):
    pairing = _pairing(request, pk)
    return _file_response(pairing.agreement, pairing.agreement_name)


@login_required
def photo(request, pk):
    doc = get_scoped_or_404(request.user, "view", ActivityPhoto.objects.all(), pk=pk)
    return _file_response(doc.file, doc.original_name)


# ------------------------------------------------------------------ activities


def _roster_groups(org, chosen: set[int]):
    """The roster grouped by organisation, for ticking who went."""
    groups: dict[int, dict] = {}
    for m in services.roster(org).select_related("org"):
        g = groups.setdefault(m.org_id, {"org": m.org, "members": [], "chosen_any": False})
        m.chosen = m.pk in chosen
        g["chosen_any"] = g["chosen_any"] or m.chosen
        g["members"].append(m)
    return sorted(groups.values(), key=lambda g: g["org"].path)


def _activity_page(request, *, pairing, activity=None):
    correcting = activity is not None
    tasks = pairing.tasks.order_by("-year", "category", "id")
    keep = activity.completes.values("pk") if activity is not None else []
    tasks = list(tasks.filter(Q(withdrawn_at__isnull=True) | Q(pk__in=keep)))
    initial = {}
    if correcting:
        initial = {
            f: getattr(activity, f)
            for f in (
                "held_on",
                "category",
                "summary",
                "problems_solved",
                "services_delivered",
                "funds_raised",
                "deeds_done",
            )
        }
        initial["completes"] = list(activity.completes.values_list("pk", flat=True))
    done_ids = set(
        pairing.tasks.filter(done_by__isnull=False)
        .exclude(done_by=activity)
        .values_list("pk", flat=True)
        if correcting
        else pairing.tasks.filter(done_by__isnull=False).values_list("pk", flat=True)
    )
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        tasks=tasks,
        done_ids=done_ids,
        correcting=correcting,
        initial=initial,
    )
    if request.method == "POST":
        chosen = set()
        for raw in request.POST.getlist("participants"):
            try:
                chosen.add(int(raw))
            except ValueError:
                continue
    elif correcting:
        chosen = set(activity.participants.values_list("pk", flat=True))
    else:
        chosen = set()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = {
            "held_on": d["held_on"],
            "category": d["category"],
            "summary": d["summary"],
            "participants": request.POST.getlist("participants"),
            "problems_solved": d.get("problems_solved") or 0,
            "services_delivered": d.get("services_delivered") or 0,
            "funds_raised": d.get("funds_raised") or 0,
            "deeds_done": d.get("deeds_done") or 0,
            "completes": d.get("completes") or [],
        }
        try:
            if correcting:
                saved = services.correct_activity(
                    actor=request.user,
                    activity=activity,
                    reason=d["reason"],
                    photos=d.get("photos"),
                    **fields,
                )
            else:
                saved = services.record_activity(
                    actor=request.user, pairing=pairing, photos=d.get("photos"), **fields
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
            if hasattr(exc, "error_dict") and "participants" in exc.message_dict:
                form.participant_errors = exc.message_dict["participants"]
        else:
            n = saved.participants.count()
            messages.success(
                request,
                _("已更正活动记录。")
                if correcting
                else _("已登记活动，%(n)s名党员下基层。") % {"n": n},
            )
            return redirect("outreach:activity", pk=saved.pk)
    extra = set()
    if correcting:
        extra = set(activity.participants.values_list("pk", flat=True))
    groups = _roster_groups(pairing.org, chosen)
    listed = {m.pk for g in groups for m in g["members"]}
    former = [
        m
        for m in (activity.participants.all() if correcting else [])
        if m.pk not in listed and m.pk in extra
    ]
    for m in former:
        m.chosen = m.pk in chosen
    return render(
        request,
        "outreach/activity_form.html",
        {
            "org": pairing.org,
            "pairing": pairing,
            "activity": activity,
            "form": form,
            "groups": groups,
            "former": former,
            "chosen_n": len(chosen),
            "participant_errors": getattr(form, "participant_errors", []),
            "show_tree": False,
        },
    )


@login_required
def activity_new(request, pk):
    pairing = _pairing(request, pk)
    if not _can(request, "add", pairing.org):
        raise Http404
    if not pairing.active:
        messages.warning(request, _("这个结对已经结束，不能再登记活动。"))
        return redirect("outreach:pairing", pk=pairing.pk)
    return _activity_page(request, pairing=pairing)


@login_required
def activity_correct(request, pk):
    activity = get_scoped_or_404(request.user, "view", Activity.objects.all(), pk=pk)
    pairing = _pairing(request, activity.pairing_id)
    if not _can(request, "change", pairing.org):
        raise Http404
    return _activity_page(request, pairing=pairing, activity=activity)


@login_required
def activity_detail(request, pk):
    activity = get_scoped_or_404(
        request.user,
        "view",
        Activity.objects.select_related(
            "org", "pairing__partner", "pairing__partner_org", "recorded_by"
        ),
        pk=pk,
    )
    people = sorted(activity.participants.select_related("org"), key=lambda m: (m.stroke_key, m.pk))
    return render(
        request,
        "outreach/activity.html",
        {
            "a": activity,
            "org": activity.org,
            "people": people,
            "tasks": list(activity.completes.all()),
            "photos": list(activity.photos.all()),
            "corrections": list(activity.corrections.select_related("corrected_by")),
            "can_change": _can(request, "change", activity.org),
            "show_tree": False,
        },
    )


# ------------------------------------------------------------------ registry of outside organisations


@login_required
def partner_list(request):
    org = _org(request)
    can_add = _can(request, "add", org)
    form = PartnerForm(request.POST or None) if can_add else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                p = services.register_partner(actor=request.user, org=org, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记“%(name)s”。") % {"name": p.name})
                return redirect(reverse("outreach:partners") + f"?org={org.pk}")
    rows = list(
        (
            services.usable_partners(org)
            | restrict(
                request.user, "view", services.Partner.objects.filter(org_path__startswith=org.path)
            )
        )
        .distinct()
        .select_related("org")
        .order_by("kind", "name")
    )
    for p in rows:
        p.can_change = _can(request, "change", p.org)
    return render(
        request,
        "outreach/partners.html",
        {
            "org": org,
            "rows": rows,
            "form": form,
            "orgs": selectors.orgs_in_scope(request.user),
            "show_tree": False,
        },
    )


# ------------------------------------------------------------------ 挂点联系 and 党建指导员


@login_required
def assignments(request):
    org = _org(request)
    liaisons = list(
        restrict(request.user, "view", Liaison.objects.filter(org_path__startswith=org.path))
        .select_related("member", "partner", "org")
        .prefetch_related("contacts")
    )
    dispatches = list(
        restrict(request.user, "view", Dispatch.objects.filter(org_path__startswith=org.path))
        .select_related("member", "partner", "org")
        .prefetch_related("reports")
    )
    return render(
        request,
        "outreach/assignments.html",
        {
            "org": org,
            "liaisons": liaisons,
            "dispatches": dispatches,
            "orgs": selectors.orgs_in_scope(request.user),
            "can_add": _can(request, "add", org),
            "show_tree": False,
        },
    )


def _committee_members(org):
    from dangjian.members.models import Member

    today = timezone.localdate()
    return Member.objects.filter(
        pk__in=org.posts.filter(ended_on__isnull=True, term_start__lte=today).values("member_id")
    ).order_by("stroke_key", "id")


@login_required
def liaison_new(request):
    org = _org(request, "add")
    form = LiaisonForm(
        request.POST or None,
        members=_committee_members(org),
        partners=services.usable_partners(org).filter(kind__in=TWO_NEW_KINDS).order_by("name"),
    )
    return _simple_page(
        request,
        form,
        org=org,
        title=_("登记挂点联系"),
        save=lambda d: services.record_liaison(actor=request.user, org=org, **d),
        success=_("已登记挂点联系。"),
        next_url=lambda _r: reverse("outreach:assignments") + f"?org={org.pk}",
    )


@login_required
def dispatch_new(request):
    org = _org(request, "add")
    form = DispatchForm(
        request.POST or None,
        members=services.roster(org),
        partners=services.usable_partners(org)
        .filter(kind__in=DISPATCH_KINDS)
        .order_by("kind", "name"),
    )
    return _simple_page(
        request,
        form,
        org=org,
        title=_("登记党建助理或党建指导员"),
        save=lambda d: services.record_dispatch(actor=request.user, org=org, **d),
        success=_("已登记派驻。"),
        next_url=lambda _r: reverse("outreach:assignments") + f"?org={org.pk}",
    )


def _assignment(request, model, pk):
    record = get_scoped_or_404(
        request.user, "view", model.objects.select_related("member", "partner", "org"), pk=pk
    )
    form = ContactForm(request.POST or None) if request.POST.get("what") != "end" else ContactForm()
    end_form = (
        EndAssignmentForm(request.POST or None)
        if request.POST.get("what") == "end"
        else EndAssignmentForm()
    )
    if request.method == "POST":
        what = request.POST.get("what")
        chosen = end_form if what == "end" else form
        if chosen.is_valid():
            try:
                if what == "end":
                    services.end_assignment(
                        actor=request.user,
                        record=record,
                        ended_on=end_form.cleaned_data["ended_on"],
                        reason=end_form.cleaned_data["reason"],
                    )
                else:
                    kw = {"liaison": record} if model is Liaison else {"dispatch": record}
                    services.add_contact(actor=request.user, **form.cleaned_data, **kw)
            except ValidationError as exc:
                add_service_errors(chosen, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect(request.path)
    entries = list(
        (record.contacts if model is Liaison else record.reports).select_related("recorded_by")
    )
    history = selectors.history(request.user, [record, *entries])
    return render(
        request,
        "outreach/assignment.html",
        {
            "record": record,
            "is_liaison": model is Liaison,
            "org": record.org,
            "entries": entries,
            "history": history,
            "corrected": {r.object_id for r in history if r.content_type.model == "contact"},
            "form": form,
            "end_form": end_form if record.ended_on is None else None,
            "can_add": _can(request, "add", record.org),
            "can_change": _can(request, "change", record.org),
            "show_tree": False,
        },
    )


@login_required
def liaison_detail(request, pk):
    return _assignment(request, Liaison, pk)


@login_required
def dispatch_detail(request, pk):
    return _assignment(request, Dispatch, pk)


# ------------------------------------------------------------------ corrections (reason + history)


def _edit_page(
    request, *, org, form, title, save, success, next_url, back_url, back_label, history,
    hint="", **extra,
):
    """A correction page (core.forms.form_page): the form, the reason, and the change history."""
    return form_page(
        request,
        form,
        title=title,
        save=save,
        success=success,
        next_url=lambda _r: next_url,
        org=org,
        template="outreach/edit.html",
        context={
            "back_url": back_url,
            "back_label": back_label,
            "history": history,
            "hint": hint,
            "show_tree": False,
            **extra,
        },
    )


@login_required
def pairing_edit(request, pk):
    pairing = _pairing(request, pk, "change")
    initial = {
        "started_on": pairing.started_on,
        "leader": pairing.leader_id,
        "coordinator": pairing.coordinator_id,
        "agreement_text": pairing.agreement_text,
        "ended_on": pairing.ended_on,
        "end_reason": pairing.end_reason,
    }
    form = PairingEditForm(
        request.POST or None,
        request.FILES or None,
        pairing=pairing,
        roster=services.roster(pairing.org),
        initial=initial,
    )
    return _edit_page(
        request,
        org=pairing.org,
        form=form,
        title=_("更正结对信息"),
        save=lambda d: services.edit_pairing(actor=request.user, pairing=pairing, **d),
        success=_("已更正结对信息，原来的内容记在下方的更正记录中。"),
        next_url=reverse("outreach:pairing", args=[pairing.pk]),
        back_url=reverse("outreach:pairing", args=[pairing.pk]),
        back_label=str(pairing),
        history=selectors.history(request.user, [pairing]),
        hint=_(
            "改正填错的项目，并写明更正原因。联建单位不能在这里改：与另一个单位结对，"
            "请结束本结对后新建一个。"
        ),
        multipart=True,
    )


@login_required
def task_withdraw(request, pk):
    task = get_scoped_or_404(
        request.user, "change", PairingTask.objects.select_related("pairing__org"), pk=pk
    )
    pairing = task.pairing
    form = WithdrawTaskForm(request.POST or None)
    return _edit_page(
        request,
        org=pairing.org,
        form=form,
        title=_("撤回年度任务"),
        save=lambda d: services.withdraw_task(actor=request.user, task=task, reason=d["reason"]),
        success=_("已撤回这项任务，它不再计入任务数。"),
        next_url=reverse("outreach:pairing", args=[pairing.pk]) + f"#task-{task.pk}",
        back_url=reverse("outreach:pairing", args=[pairing.pk]),
        back_label=str(pairing),
        history=selectors.history(request.user, [task]),
        hint=_("撤回录错的任务：它仍留在列表中，标为“已撤回”，不再计入任务数。"),
        task=task,
        submit=_("撤回这项任务"),
    )


@login_required
def partner_edit(request, pk):
    partner = get_scoped_or_404(
        request.user, "change", Partner.objects.select_related("org"), pk=pk
    )
    form = PartnerEditForm(
        request.POST or None,
        initial={
            f: getattr(partner, f) for f in ("name", "kind", "place", "contact_person", "note")
        },
    )
    return _edit_page(
        request,
        org=partner.org,
        form=form,
        title=_("更正联建单位：%(name)s") % {"name": partner.name},
        save=lambda d: services.edit_partner(actor=request.user, partner=partner, **d),
        success=lambda _r: _("已更正“%(name)s”。") % {"name": partner.name},
        next_url=reverse("outreach:partners") + f"?org={partner.org_id}",
        back_url=reverse("outreach:partners") + f"?org={partner.org_id}",
        back_label=_("联建单位名录"),
        history=selectors.history(request.user, [partner]),
        hint=_("改正名称、类型、所在地或联系人。改了类型，结对统计中的类型随之改变。"),
    )


def _assignment_edit(request, model, pk):
    record = get_scoped_or_404(
        request.user, "change", model.objects.select_related("member", "partner", "org"), pk=pk
    )
    org = record.org
    is_dispatch = model is Dispatch
    if is_dispatch:
        members = services.roster(org)
        partners = services.usable_partners(org).filter(kind__in=DISPATCH_KINDS)
    else:
        members = _committee_members(org)
        partners = services.usable_partners(org).filter(kind__in=TWO_NEW_KINDS)
    initial = {
        "member": record.member_id,
        "partner": record.partner_id,
        "started_on": record.started_on,
        "ended_on": record.ended_on,
    }
    if is_dispatch:
        initial["role"] = record.role
    form = AssignmentEditForm(
        request.POST or None,
        record=record,
        members=members,
        partners=partners,
        is_dispatch=is_dispatch,
        initial=initial,
    )
    detail = reverse("outreach:dispatch" if is_dispatch else "outreach:liaison", args=[record.pk])
    return _edit_page(
        request,
        org=org,
        form=form,
        title=_("更正派驻信息") if is_dispatch else _("更正挂点联系"),
        save=lambda d: services.edit_assignment(actor=request.user, record=record, **d),
        success=_("已更正，原来的内容记在更正记录中。"),
        next_url=detail,
        back_url=detail,
        back_label=f"{record.member.name} → {record.partner.name}",
        history=selectors.history(request.user, [record]),
        hint=_("改正填错的人员、单位或日期，并写明更正原因。已有的记录须在起止日期之内。"),
    )


@login_required
def liaison_edit(request, pk):
    return _assignment_edit(request, Liaison, pk)


@login_required
def dispatch_edit(request, pk):
    return _assignment_edit(request, Dispatch, pk)


@login_required
def contact_correct(request, pk):
    contact = get_scoped_or_404(
        request.user,
        "change",
        Contact.objects.select_related("liaison__member", "liaison__partner", "dispatch__member",
                                       "dispatch__partner"),
        pk=pk,
    )  # fmt: skip
    parent = contact.liaison or contact.dispatch
    detail = reverse(
        "outreach:liaison" if contact.liaison_id else "outreach:dispatch", args=[parent.pk]
    )
    form = ContactCorrectForm(
        request.POST or None, initial={"happened_on": contact.happened_on, "text": contact.text}
    )
    return _edit_page(
        request,
        org=parent.org,
        form=form,
        title=_("更正联系记录") if contact.liaison_id else _("更正工作报告"),
        save=lambda d: services.correct_contact(actor=request.user, contact=contact, **d),
        success=_("已更正这条记录。"),
        next_url=detail,
        back_url=detail,
        back_label=f"{parent.member.name} → {parent.partner.name}",
        history=selectors.history(request.user, [contact]),
        hint=_("改正日期或内容，并写明更正原因；原来的内容保留在更正记录中。"),
    )
