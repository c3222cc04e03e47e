"""群众意见 pages: the public intake and tracking pages (no login), and the staff pages — cases,
the inbox of unconsolidated opinions with proposed groups, staff entry with similar open cases, and
one case page carrying every action the user's role allows. Reads through selectors, writes
through services; out of scope is 404."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.accounts.roles import OPINION
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.forms import add_service_errors
from dangjian.core.scope import has_any, path_in_scope, scope_paths
from dangjian.opinions import selectors, services
from dangjian.opinions.forms import RateForm, RouteForm, StaffOpinionForm, SubmitForm, TrackForm
from dangjian.opinions.models import (
    HANDLING_STATES,
    OPEN_STATES,
    Case,
    CaseState,
    Category,
    ExtensionRequest,
    ExtensionState,
    MergeLog,
    Opinion,
    ReplyTemplate,
    Satisfaction,
    TaskRole,
)
from dangjian.orgs.models import Organization

# ---------------------------------------------------------------- public pages (no login)


def submit(request):
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.OpinionInput(
            text=d["text"],
            place=d["place"],
            category=d["category"],
            name=d["name"],
            phone=d["phone"],
        )
        try:
            opinion = services.submit_public(
                data=data, client_address=request.META.get("REMOTE_ADDR", "")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "opinions/submitted.html", {"opinion": opinion, "public": True})
    return render(request, "opinions/submit.html", {"form": form, "public": True})


def _track_case(opinion: Opinion) -> Case | None:
    case = opinion.case
    while case is not None and case.state == CaseState.MERGED and case.merged_into_id:
        case = case.merged_into
    return case


PUBLIC_STEPS = [
    (gettext_lazy("已收到"), ()),
    (gettext_lazy("已梳理"), (CaseState.TO_ROUTE,)),
    (gettext_lazy("办理中"), HANDLING_STATES),
    (gettext_lazy("已答复"), (CaseState.REPLIED,)),
    (gettext_lazy("已回访"), (CaseState.FOLLOWED_UP, CaseState.CLOSED)),
]


def track(request):
    """Progress by receipt number; the citizen rates the reply here once it is given."""
    receipt = services.normalise_receipt(
        request.POST.get("receipt") or request.GET.get("receipt") or ""
    )
    form = TrackForm(initial={"receipt": receipt} if receipt else None)
    opinion = (
        Opinion.objects.filter(receipt=receipt).select_related("place", "case").first()
        if receipt
        else None
    )
    ctx = {"form": form, "public": True, "receipt": receipt, "opinion": opinion}
    if receipt and opinion is None:
        ctx["not_found"] = True
    if opinion is not None:
        case = _track_case(opinion)
        ctx["case"] = case
        rate_form = RateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and rate_form.is_valid():
            try:
                services.rate_by_citizen(
                    receipt=receipt,
                    result=rate_form.cleaned_data["result"],
                    comment=rate_form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                add_service_errors(rate_form, exc)
            else:
                messages.success(request, _("感谢您的评价。"))
                return redirect(f"{reverse('opinions:track')}?receipt={receipt}")
        ctx["rate_form"] = rate_form
        reached = 0
        if case is not None:
            for i, (_label, states) in enumerate(PUBLIC_STEPS):
                if case.state in states:
                    reached = i
            if case.state in (CaseState.FOLLOWED_UP, CaseState.CLOSED):
                reached = len(PUBLIC_STEPS) - 1
        ctx["steps"] = [(label, i <= reached) for i, (label, _s) in enumerate(PUBLIC_STEPS)]
        if case is not None:
            ctx["rated"] = opinion.follow_ups.filter(round=case.round).first()
            ctx["can_rate"] = (
                case.state in (CaseState.REPLIED, CaseState.FOLLOWED_UP) and ctx["rated"] is None
            )
            ctx["ended"] = case.state in (CaseState.REJECTED, CaseState.CLOSED)
    return render(request, "opinions/track.html", ctx)


def replies(request):
    """Published replies (公开答复), newest first; no personal data, no login."""
    qs = (
        Case.objects.filter(reply_published=True, replied_on__isnull=False)
        .exclude(state__in=(CaseState.REOPENED, CaseState.MERGED))
        .select_related("category")
        .order_by("-replied_on", "-id")
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "opinions/replies.html", {"page": page, "public": True})


# ---------------------------------------------------------------- staff pages


def _staff(request, action: str = "view") -> None:
    if not has_any(request.user, action, OPINION):
        raise Http404


def _can(user, action: str, path: str) -> bool:
    return bool(path) and path_in_scope(user, action, OPINION, path)


@login_required
def home(request):
    _staff(request)
    user = request.user
    today = timezone.localdate()
    cases = selectors.cases_for(user).select_related("category")
    period = selectors.period_from(user, request.GET)
    flt = selectors.filter_cases(selectors.scoped_cases(user, period), period, today)
    state, q = period.state, period.q
    page = Paginator(flt.select_related("category").order_by("-created_at", "-id"), 30).get_page(
        request.GET.get("page")
    )
    my_tasks = (
        selectors.tasks_for(user, "change")
        .filter(case__state__in=HANDLING_STATES, done_on__isnull=True)
        .order_by("deadline")[:50]
    )
    counts = {
        "inbox": selectors.inbox(user).count() if has_any(user, "change", OPINION) else 0,
        "open": cases.filter(state__in=OPEN_STATES).count(),
        "overdue": selectors.overdue_cases(cases, today).count(),
        "to_route": cases.filter(state=CaseState.TO_ROUTE).count(),
        "replied": cases.filter(state=CaseState.REPLIED).count(),
    }
    pending_ext = ExtensionRequest.objects.none()
    if has_any(user, "supervise", OPINION):
        pending_ext = ExtensionRequest.objects.filter(
            state=ExtensionState.PENDING, task__case__in=selectors.cases_for(user, "supervise")
        ).select_related("task__case", "task__unit")
    return render(
        request,
        "opinions/home.html",
        {
            "page": page,
            "period": period,
            "filtered": request.GET.urlencode()
            and any(
                request.GET.get(k)
                for k in ("start", "end", "org", "level", "category", "unit", "result")
            ),
            "query": period.query(),
            "state": state,
            "q": q,
            "states": CaseState.choices,
            "my_tasks": my_tasks,
            "counts": counts,
            "today": today,
            "pending_ext": pending_ext,
            "can_add": has_any(user, "add", OPINION),
        },
    )


def _intake_orgs(user) -> list[Organization]:
    return list(
        Organization.objects.filter(path__in=scope_paths(user, "add", OPINION)).order_by("path")
    )


@login_required
def opinion_new(request):
    _staff(request, "add")
    orgs = _intake_orgs(request.user)
    form = StaffOpinionForm(request.POST or None)
    form.fields["intake_org"].choices = [(o.pk, str(o)) for o in orgs]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        org = next((o for o in orgs if str(o.pk) == d["intake_org"]), None)
        if org is None:
            raise Http404
        data = services.OpinionInput(
            text=d["text"],
            place=d["place"],
            category=d["category"],
            name=d["name"],
            phone=d["phone"],
            received_at=d["received_at"],
        )
        try:
            op = services.record_opinion(
                actor=request.user, data=data, channel=d["channel"], intake_org=org
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记意见，回执编号 %(r)s。") % {"r": op.receipt})
            return redirect("opinions:inbox")
    return render(request, "opinions/opinion_new.html", {"form": form})


# Open cases shown while an opinion is being entered have at least this pair_score. Measured with
# opinions.tuning.similar_cases_curve on the demo county (262 cases, 203 held-out queries, top 5):
#   threshold 0.30: the right case listed for 100% of queries, 3.85 wrong cases listed per query
#             0.60: 100%, 2.63 wrong    0.65: 100%, 1.82 wrong    0.70: 99%, 1.18 wrong
#             0.75:  91%, 0.64 wrong    0.80:  55%, 0.23 wrong
# Staff decide from the list, so missing the right case costs more than one wrong neighbour:
# 0.70 keeps it for 99% of queries with about one wrong case (0.30 filled every list with noise).
SIMILAR_CASES_THRESHOLD = 0.70


def _similar_open_cases(
    user, text: str, place_id: str = "", k: int = 5, title_typed: str = ""
) -> list[tuple[Case, float]]:
    from dangjian.opinions.similarity import Item, SimilarityIndex, opinion_text

    open_cases = list(
        selectors.cases_for(user)
        .filter(state__in=OPEN_STATES)
        .order_by("-id")
        .values_list("pk", "title", "summary")[:3000]
    )
    if not open_cases or not text.strip():
        return []
    texts = {}
    for case_id, op_text in Opinion.objects.filter(
        case_id__in=[c[0] for c in open_cases]
    ).values_list("case_id", "text"):
        texts.setdefault(case_id, op_text)
    items = [
        Item(pk, opinion_text(title, f"{texts.get(pk, '')} {summary}"))
        for pk, title, summary in open_cases
    ]
    found = SimilarityIndex(items).similar(
        opinion_text(title_typed, text), k=k, threshold=SIMILAR_CASES_THRESHOLD
    )
    by_id = Case.objects.in_bulk([pk for pk, _s in found])
    return [(by_id[pk], score) for pk, score in found if pk in by_id]


@login_required
def similar(request):
    """htmx: open cases similar to the text being typed."""
    _staff(request)
    text = request.GET.get("text") or ""
    title = request.GET.get("title") or ""
    rows = (
        _similar_open_cases(request.user, text, title_typed=title) if len(text.strip()) >= 4 else []
    )
    return render(request, "opinions/_similar.html", {"rows": rows, "text": text})


@login_required
def inbox(request):
    """待梳理: opinions not yet in a case, with the engine's proposed groups (blocked by place)."""
    _staff(request, "change")
    from dangjian.opinions.similarity import Item, consolidate, opinion_text

    ops = list(selectors.inbox(request.user).order_by("received_at", "id")[:1000])
    by_id = {o.pk: o for o in ops}
    groups = (
        consolidate([Item(o.pk, opinion_text(o.title, o.text), str(o.place_id or "")) for o in ops])
        if ops
        else []
    )
    groups = [[by_id[i] for i in g] for g in groups]
    groups.sort(key=lambda g: (-len(g), g[0].received_at))
    open_cases = (
        selectors.cases_for(request.user, "change")
        .filter(state__in=OPEN_STATES)
        .order_by("-id")[:200]
    )
    return render(
        request,
        "opinions/inbox.html",
        {
            "groups": groups,
            "total": selectors.inbox(request.user).count(),
            "shown": len(ops),
            "open_cases": open_cases,
            "categories": Category.objects.filter(is_active=True).select_related("parent"),
        },
    )


@login_required
@require_POST
def inbox_confirm(request):
    _staff(request, "change")
    ids = request.POST.getlist("opinion")
    opinions = list(selectors.inbox(request.user).filter(pk__in=[i for i in ids if i.isdigit()]))
    if len(opinions) != len(ids):
        messages.error(request, _("所选意见已被他人处理或不在您的范围内，请刷新后重试。"))
        return redirect("opinions:inbox")
    try:
        if request.POST.get("existing"):
            if not request.POST.get("into"):
                raise ValidationError(_("请选择要归入的事项。"))
            case = selectors.get_case_or_404(request.user, request.POST["into"], "change")
            services.add_to_case(
                actor=request.user,
                case=case,
                opinions=opinions,
                reason=request.POST.get("reason", ""),
            )
            messages.success(
                request,
                _("已将%(n)d条意见归入事项%(c)s。") % {"n": len(opinions), "c": case.number},
            )
        else:
            cat = Category.objects.filter(pk=request.POST.get("category") or 0).first()
            case = services.consolidate(
                actor=request.user,
                opinions=opinions,
                title=request.POST.get("title", ""),
                category=cat,
                reason=request.POST.get("reason", ""),
            )
            messages.success(
                request,
                _("已由%(n)d条意见形成事项%(c)s。") % {"n": len(opinions), "c": case.number},
            )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("opinions:inbox")
    return redirect("opinions:case", case.pk)


def _suggest_category(case: Case):
    """The trained suggester's category for the case, if a model exists and is confident."""
    from dangjian.opinions.training import suggest_for

    return suggest_for(
        " ".join([case.title, case.summary, *[o.text for o in case.opinions.all()[:5]]])
    )


@login_required
def case_detail(request, pk: int):
    _staff(request)
    user = request.user
    case = selectors.get_case_or_404(user, pk)
    tasks = list(case.tasks.select_related("unit").prefetch_related("notes", "extensions"))
    lead = next((t for t in tasks if t.role == TaskRole.LEAD), None)
    today = timezone.localdate()
    for t in tasks:
        t.mine = _can(user, "change", t.unit_path)
        t.overdue = t.done_on is None and case.in_handling and t.deadline < today
        t.pending_ext = next(
            (e for e in t.extensions.all() if e.state == ExtensionState.PENDING), None
        )
    can_route = _can(user, "route", case.intake_path)
    can_supervise = _can(user, "supervise", case.intake_path)
    can_change = _can(user, "change", case.intake_path)
    ctx = {
        "case": case,
        "opinions": case.opinions.select_related("place", "category").order_by("received_at"),
        "log": case_log(case),
        "tasks": tasks,
        "lead": lead,
        "events": case.events.select_related("actor"),
        "follow_ups": case.follow_ups.select_related("opinion"),
        "today": today,
        "overdue_days": services.overdue_days(case, today),
        "escalation_due": services.escalation_due(case, today),
        "can_route": can_route and case.state == CaseState.TO_ROUTE,
        "can_reject": can_route and case.state == CaseState.TO_ROUTE,
        "can_supervise": can_supervise and case.in_handling,
        "can_change": can_change and case.is_open,
        "can_reply": lead is not None and lead.mine and case.in_handling,
        "can_follow_up": can_change and case.state in (CaseState.REPLIED, CaseState.FOLLOWED_UP),
        "can_close": can_route and case.state in (CaseState.REPLIED, CaseState.FOLLOWED_UP),
        "can_reopen": can_route
        and case.state in (CaseState.REPLIED, CaseState.FOLLOWED_UP, CaseState.CLOSED),
        "can_contact": _can(user, "view_contact", case.intake_path),
        "satisfaction": Satisfaction.choices,
        "templates": ReplyTemplate.objects.all(),
        "other_cases": selectors.cases_for(user, "change")
        .filter(state__in=(CaseState.TO_ROUTE, *HANDLING_STATES))
        .exclude(pk=case.pk)
        .order_by("-id")[:200],
    }
    ctx["can_merge"] = (
        ctx["can_change"]
        and case.state in (CaseState.TO_ROUTE, *HANDLING_STATES)
        and bool(ctx["other_cases"])
    )
    if ctx["can_route"]:
        suggestion = _suggest_category(case)
        routing = services.suggest_routing(case.category or (suggestion[0] if suggestion else None))
        initial = {
            "category": case.category or (suggestion[0] if suggestion else None),
            "level": routing.level,
            "lead": routing.lead,
            "co_units": routing.co_units,
        }
        ctx["route_form"] = RouteForm(initial=initial)
        ctx["suggestion"] = suggestion
    return render(request, "opinions/case.html", ctx)


def case_log(case: Case):
    """The merge log rows that brought opinions into the case or took them out."""
    return (
        MergeLog.objects.filter(Q(from_case=case) | Q(to_case=case))
        .select_related("opinion", "from_case", "to_case", "actor")
        .order_by("at", "id")
    )


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValidationError({"deadline": _("日期格式应为 2026-05-06。")}) from None


@login_required
@require_POST
def case_action(request, pk: int, op: str):
    """Every action on a case page posts here; a refused action changes nothing and says why."""
    _staff(request)
    user, post = request.user, request.POST
    case = selectors.get_case_or_404(user, pk)
    done = _("已保存。")
    try:
        if op == "route":
            form = RouteForm(post)
            if not form.is_valid():
                raise ValidationError(
                    [f"{form.fields[k].label}：{'；'.join(v)}" for k, v in form.errors.items()]
                )
            d = form.cleaned_data
            services.route(
                actor=user,
                case=case,
                level=d["level"],
                category=d["category"],
                lead=services.TaskInput(d["lead"], d["lead_text"], d["deadline"]),
                co=[services.TaskInput(u, d["lead_text"], d["deadline"]) for u in d["co_units"]],
            )
            done = _("已交办。")
        elif op == "reject":
            services.reject(actor=user, case=case, reason=post.get("reason", ""))
        elif op in ("urge", "supervise"):
            services.urge(
                actor=user, case=case, text=post.get("text", ""), formal=op == "supervise"
            )
        elif op == "escalate":
            services.escalate(actor=user, case=case, reason=post.get("reason", ""))
        elif op in ("progress", "finish", "extension"):
            task = (
                selectors.tasks_for(user, "change")
                .filter(case=case, pk=post.get("task") or 0)
                .first()
            )
            if task is None:
                raise Http404
            if op == "progress":
                services.add_progress(actor=user, task=task, text=post.get("text", ""))
            elif op == "finish":
                services.finish_task(actor=user, task=task, note=post.get("text", ""))
            else:
                services.request_extension(
                    actor=user,
                    task=task,
                    new_deadline=_date(post.get("new_deadline", "")),
                    reason=post.get("reason", ""),
                )
        elif op in ("approve_ext", "refuse_ext"):
            ext = ExtensionRequest.objects.filter(
                task__case=case, pk=post.get("extension") or 0
            ).first()
            if ext is None:
                raise Http404
            services.decide_extension(
                actor=user, extension=ext, approve=op == "approve_ext", note=post.get("note", "")
            )
        elif op == "reply":
            services.reply(
                actor=user,
                case=case,
                text=post.get("text", ""),
                summary=post.get("summary", ""),
                publish=bool(post.get("publish")),
            )
            done = _("已签发答复。")
        elif op == "follow_up":
            services.follow_up(
                actor=user,
                case=case,
                result=post.get("result", ""),
                comment=post.get("comment", ""),
            )
        elif op == "close":
            services.close(actor=user, case=case, reason=post.get("reason", ""))
        elif op == "reopen":
            services.reopen(actor=user, case=case, reason=post.get("reason", ""))
        elif op == "merge":
            into = selectors.get_case_or_404(user, post.get("into") or 0, "change")
            services.merge_case(actor=user, case=case, into=into, reason=post.get("reason", ""))
        elif op == "split":
            ops = list(
                case.opinions.filter(pk__in=[i for i in post.getlist("opinion") if i.isdigit()])
            )
            new = services.split(
                actor=user,
                case=case,
                opinions=ops,
                title=post.get("title", ""),
                reason=post.get("reason", ""),
            )
            messages.success(request, _("已拆分出事项%(c)s。") % {"c": new.number})
            return redirect("opinions:case", new.pk)
        elif op == "move":
            op_obj = case.opinions.filter(pk=post.get("opinion") or 0).first()
            into = selectors.get_case_or_404(user, post.get("into") or 0, "change")
            if op_obj is None:
                raise Http404
            services.move(actor=user, opinion=op_obj, to_case=into, reason=post.get("reason", ""))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("opinions:case", case.pk)


@login_required
@require_POST
def reveal(request, pk: int):
    """htmx: a submitter's name and phone in clear (audited)."""
    opinion = selectors.opinions_for(request.user).filter(pk=pk).first()
    if opinion is None:
        raise Http404
    name, phone = services.reveal_contact(actor=request.user, opinion=opinion, request=request)
    return render(request, "opinions/_contact.html", {"name": name, "phone": phone})


# ---------------------------------------------------------------- figures and export


@login_required
def figures(request):
    _staff(request)
    today = timezone.localdate()
    period = selectors.period_from(request.user, request.GET)
    figs = selectors.figures(request.user, period, today)
    roots = Organization.objects.filter(
        path__in=scope_paths(request.user, "view", OPINION)
    ).order_by("path")
    choices = list(roots)
    for root in roots:
        choices.extend(
            Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by(
                "path"
            )
        )
    return render(
        request,
        "opinions/figures.html",
        {
            "f": figs,
            "p": period,
            "today": today,
            "orgs": choices,
            "can_export": has_any(request.user, "export", OPINION),
        },
    )


CASE_COLUMNS = [
    ExportColumn("事项编号", 12),
    ExportColumn("事项名称", 40),
    ExportColumn("类别", 20),
    ExportColumn("办理层级", 18),
    ExportColumn("状态", 10),
    ExportColumn("受理党组织", 28),
    ExportColumn("主办单位", 20),
    ExportColumn("协办单位", 30),
    ExportColumn("来源意见数", 10, "number"),
    ExportColumn("形成日期", 14, "date"),
    ExportColumn("办理期限", 14, "date"),
    ExportColumn("答复日期", 14, "date"),
    ExportColumn("回访评价", 12),
]


@login_required
def export(request):
    """The drill-down list of cases as .xlsx (same filters as the page); no personal data in it."""
    _staff(request, "export")
    today = timezone.localdate()
    period = selectors.period_from(request.user, request.GET)
    qs = selectors.filter_cases(
        selectors.scoped_cases(request.user, period, "export"), period, today
    )
    qs = (
        qs.select_related("category", "intake_org")
        .prefetch_related("tasks__unit", "follow_ups")
        .annotate(n_opinions=Count("opinions", distinct=True))
        .order_by("number")
    )

    def rows():
        for c in qs:
            lead = next((t.unit.name for t in c.tasks.all() if t.role == TaskRole.LEAD), "")
            co = "、".join(t.unit.name for t in c.tasks.all() if t.role == TaskRole.CO)
            last = list(c.follow_ups.all())[-1:] or None
            yield [
                c.number, c.title, str(c.category or ""), c.get_level_display(), c.get_state_display(),
                str(c.intake_org), lead, co, c.n_opinions, c.created_at.date(), c.deadline, c.replied_on,
                last[0].get_result_display() if last else "",
            ]  # fmt: skip

    response, count = xlsx_response(
        filename="诉求事项.xlsx", sheet="诉求事项", columns=CASE_COLUMNS, rows=rows()
    )
    record_event(
        "export",
        actor=request.user,
        request=request,
        detail={"what": "opinions.cases", "rows": count},
    )
    return response


@login_required
def opinion_list(request):
    """The opinions behind a figure: received in the period, in scope (contact details masked)."""
    _staff(request)
    period = selectors.period_from(request.user, request.GET)
    qs = (
        selectors.scoped_opinions(request.user, period)
        .select_related("place", "case")
        .order_by("-received_at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "opinions/opinion_list.html", {"page": page, "p": period, "query": period.query()}
    )


# ---------------------------------------------------------------- import with a column mapping


def _import_dir():
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.MEDIA_ROOT) / "imports" / "opinions"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _import_orgs(user) -> list[Organization]:
    return list(
        Organization.objects.filter(path__in=scope_paths(user, "import", OPINION)).order_by("path")
    )


def _stored(request):
    """The uploaded file of this session's import (kept only until confirmed or replaced)."""
    import re as _re

    token = request.session.get("opinions_import")
    if not token or not _re.fullmatch(r"[0-9a-f]{32}\.(xlsx|xlsm|xls|csv)", token):
        return None
    path = _import_dir() / token
    return path if path.exists() else None


def _forget_stale_uploads() -> None:
    """Uploads nobody confirmed are deleted after the import framework's time limit."""
    import time as _time

    from dangjian.core.imports import file_ttl

    cutoff = _time.time() - file_ttl().total_seconds()
    for path in _import_dir().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@login_required
def import_start(request):
    """Step 1: upload a file (and the intake organisation); or import the category taxonomy."""
    import secrets as _secrets
    from pathlib import PurePath

    from dangjian.core.imports import ImportFileError, read_table
    from dangjian.opinions import importing

    _staff(request, "import")
    orgs = _import_orgs(request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        suffix = PurePath(upload.name).suffix.lower() if upload else ""
        if upload is None or suffix not in (".xlsx", ".xlsm", ".xls", ".csv"):
            messages.error(request, _("请选择Excel（.xlsx）或CSV文件。"))
            return redirect("opinions:import")
        if request.POST.get("what") == "taxonomy":
            try:
                table = read_table(upload, name=upload.name)
                created, existing = importing.import_taxonomy(
                    actor=request.user,
                    table=table,
                    levels=2 if request.POST.get("levels") == "2" else 1,
                )
            except ImportFileError as exc:
                messages.error(request, exc.message)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("分类目录：新增%(c)d个，已有%(e)d个。") % {"c": created, "e": existing},
                )
            return redirect("opinions:import")
        old = _stored(request)
        if old is not None:
            old.unlink()
        _forget_stale_uploads()
        token = f"{_secrets.token_hex(16)}{suffix}"
        path = _import_dir() / token
        with open(path, "wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        path.chmod(0o600)
        request.session["opinions_import"] = token
        request.session["opinions_import_name"] = upload.name[:100]
        return redirect("opinions:import_map")
    from dangjian.core.models import Job

    recent = list(
        Job.objects.filter(
            created_by=request.user, kind__in=[importing.JOB_CHECK, importing.JOB_IMPORT]
        ).order_by("-pk")[:10]
    )
    return render(request, "opinions/import_start.html", {"orgs": orgs, "recent": recent})


@login_required
def import_map(request):
    """Step 2: say which column is which and where the opinions are received; 检查 starts the job."""
    from dangjian.core.imports import ImportFileError, read_table
    from dangjian.opinions import importing

    _staff(request, "import")
    path = _stored(request)
    if path is None:
        messages.error(request, _("请先上传文件。"))
        return redirect("opinions:import")
    orgs = _import_orgs(request.user)
    try:
        table = read_table(path)
    except ImportFileError as exc:
        path.unlink()
        messages.error(request, exc.message)
        return redirect("opinions:import")
    data = request.POST if request.method == "POST" else None
    if data is not None:
        raw = {f.key: data.get(f"col_{f.key}") for f in importing.FIELDS}
    else:
        raw = {k: str(v) for k, v in importing.guess_mapping(table.headers).items()}
    org = next(
        (
            o
            for o in orgs
            if str(o.pk) == (data or {}).get("intake_org", str(orgs[0].pk if orgs else ""))
        ),
        None,
    )
    ctx = {
        "headers": list(enumerate(table.headers)),
        "fields": importing.FIELDS,
        "raw": raw,
        "orgs": orgs,
        "org": org,
        "name": request.session.get("opinions_import_name", ""),
        "total": len(table.rows),
    }
    try:
        mapping = importing.clean_mapping(table.headers, raw)
    except ValidationError as exc:
        if data is not None:
            ctx["mapping_error"] = "；".join(exc.messages)
        return render(request, "opinions/import_map.html", ctx)
    if data is None or org is None:
        return render(request, "opinions/import_map.html", ctx)
    # 检查 runs as a background job on a copy of the file (the upload stays here, so a wrong
    # mapping can be corrected without uploading again); its page shows progress, the preview and
    # every problem, and offers 确认导入 when the check is clean.
    job = importing.start_check(
        actor=request.user,
        source=str(path),
        filename=request.session.get("opinions_import_name", "") or path.name,
        mapping=mapping,
        intake_org=org,
    )
    return redirect("opinions:import_job", pk=job.pk)


def _import_job(request, pk):
    from dangjian.core.job_views import jobs_for
    from dangjian.core.jobs import reap_if_dead
    from dangjian.opinions import importing

    _staff(request, "import")
    job = (
        jobs_for(request.user)
        .filter(pk=pk, kind__in=[importing.JOB_CHECK, importing.JOB_IMPORT])
        .first()
    )
    if job is None:
        raise Http404
    return reap_if_dead(job)


def _import_job_context(request, job) -> dict:
    from dangjian.opinions import importing

    is_check = job.kind == importing.JOB_CHECK
    commit_job = job.children.order_by("-pk").first() if is_check else None
    errors = job.errors or []
    return {
        "job": job,
        "is_check": is_check,
        "title": _("检查导入文件") if is_check else _("导入群众意见"),
        "errors": errors[:500],
        "errors_more": max(0, job.error_count - min(len(errors), 500)),
        "commit_job": commit_job,
        "can_commit": (
            is_check
            and job.created_by_id == request.user.pk
            and job.status == "succeeded"
            and (job.result or {}).get("ok")
            and bool(job.file)
            and (commit_job is None or commit_job.status == "failed")
        ),
        "remap": is_check and _stored(request) is not None,
    }


@login_required
def import_job(request, pk):
    """A check or import job of opinions: progress (the page may be left), preview, problems."""
    job = _import_job(request, pk)
    return render(request, "opinions/import_job.html", _import_job_context(request, job))


@login_required
def import_job_status(request, pk):
    """The polled part of the job page (every second until the job ends)."""
    job = _import_job(request, pk)
    return render(request, "opinions/_import_job_status.html", _import_job_context(request, job))


@login_required
@require_POST
def import_commit(request, pk):
    """确认导入: only who uploaded the file, only a clean check, only once."""
    from dangjian.core.jobs import JobFailed
    from dangjian.opinions import importing

    check = _import_job(request, pk)
    if check.created_by_id != request.user.pk or check.kind != importing.JOB_CHECK:
        raise Http404
    try:
        job = importing.start_commit(check_job=check, actor=request.user)
    except JobFailed as exc:
        messages.error(request, exc.message)
        return redirect("opinions:import_job", pk=check.pk)
    path = _stored(request)
    if path is not None:
        path.unlink()
        request.session.pop("opinions_import", None)
    return redirect("opinions:import_job", pk=job.pk)
