"""发展党员 pages: home (due lists, pipeline), applicants, the 25-step timeline, step forms, PDFs, plans."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import DEVELOPMENT, MEMBER
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.pdf import chinese_date, pdf_response
from dangjian.core.scope import can, get_scoped_or_404, has_any, path_in_scope
from dangjian.development import selectors, services
from dangjian.development import steps as S
from dangjian.development.filtersets import ApplicantFilterSet
from dangjian.development.forms import ApplicantForm, StepForm, StopForm
from dangjian.development.models import Applicant, StepDocument, StepRecord
from dangjian.members.selectors import voting_member_count
from dangjian.orgs.selectors import orgs_for


def _require_view(request):
    if not has_any(request.user, "view", DEVELOPMENT):
        raise Http404


def _org_from(request):
    if request.GET.get("org"):
        return get_scoped_or_404(
            request.user, "view", orgs_for(request.user), pk=request.GET["org"]
        )
    return None


def _can_add_here(user, org) -> bool:
    return (
        org is not None
        and org.is_branch
        and org.is_active
        and path_in_scope(user, "add", DEVELOPMENT, org.path)
    )


@login_required
def home(request):
    _require_view(request)
    org = _org_from(request)
    within = org.path if org else None
    today = timezone.localdate()
    groups = selectors.group_due(selectors.due_items(request.user, within=within), today)
    return render(
        request,
        "development/home.html",
        {
            "org": org,
            "show_tree": True,
            "today": today,
            "groups": [(key, label, groups[key]) for key, label in selectors.GROUPS],
            "by_org": selectors.due_counts_by_org(groups),
            "pipeline": selectors.pipeline(request.user, within=within, year=today.year),
            "can_add": _can_add_here(request.user, org),
        },
    )


@login_required
def applicant_list(request):
    _require_view(request)
    org = _org_from(request)
    qs = selectors.applicants_for(request.user, within=org.path if org else None).annotate(
        n_overdue=Count(
            "records", filter=Q(records__overdue=True, records__replaced_by__isnull=True)
        ),
        n_exception=Count(
            "records", filter=Q(records__exception=True, records__replaced_by__isnull=True)
        ),
    )
    filterset = ApplicantFilterSet(request.GET or None, queryset=qs)
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "development/list.html",
        {
            "org": org,
            "show_tree": True,
            "filterset": filterset,
            "page": page,
            "querystring": params.urlencode(),
            "can_add": _can_add_here(request.user, org),
        },
    )


@login_required
def applicant_create(request):
    org = get_scoped_or_404(
        request.user, "view", orgs_for(request.user), pk=request.GET.get("org") or 0
    )
    if not _can_add_here(request.user, org):
        raise Http404
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = services.clean_applicant_data(form.cleaned_data)
            applicant = services.create_applicant(actor=request.user, org=org, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            for w in data.warnings:
                messages.warning(request, w)
            messages.success(
                request, f"已登记入党申请人{applicant.name}，步骤①递交入党申请书已记录。"
            )
            return redirect("development:detail", pk=applicant.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "org": org, "show_tree": True, "title": f"{org}：登记入党申请人"},
    )


def _applicant_or_404(request, pk, action="view"):
    return get_scoped_or_404(
        request.user, action, Applicant.objects.select_related("org", "member"), pk=pk
    )


@login_required
def applicant_detail(request, pk):
    applicant = _applicant_or_404(request, pk)
    tl = selectors.timeline(applicant)
    next_step = tl["next_step"]
    allowed = {action: can(request.user, action, applicant) for action in ("change", "approve")}
    for stage in tl["stages"]:
        for row in stage["rows"]:
            for r in row["records"]:
                r.can_correct = (
                    r.is_current
                    and applicant.status != "stopped"
                    and allowed[row["step"].action]
                    and not (applicant.member_id and r.step in services.FIXED_AFTER_ADMISSION)
                )
    return render(
        request,
        "development/detail.html",
        {
            "a": applicant,
            "org": applicant.org,
            "show_tree": True,
            "tl": tl,
            "next_step": next_step,
            "next_hint": selectors.step_hint(applicant, next_step.number, tl["done"])
            if next_step
            else [],
            "can_next": bool(next_step) and can(request.user, next_step.action, applicant),
            "others": [s for s in tl["available"] if next_step and s.number != next_step.number],
            "can_change": can(request.user, "change", applicant),
            "can_approve": can(request.user, "approve", applicant),
            "can_stop": applicant.status == "in_progress"
            and can(request.user, "change", applicant),
            "can_edit": applicant.member_id is None and can(request.user, "change", applicant),
        },
    )


@login_required
def record_step(request, pk, number):
    applicant = _applicant_or_404(request, pk)
    try:
        step = S.step(number)
    except KeyError:
        raise Http404 from None
    if not can(request.user, step.action, applicant):
        # Seen by the branch, but the step is the 上级党委's: say so rather than pretend it is not there.
        messages.error(request, f"{step.title}由上级党委登记。")
        return redirect("development:detail", pk=applicant.pk)
    correcting = None
    if request.GET.get("replace"):
        correcting = get_scoped_or_404(
            request.user,
            "view",
            StepRecord.objects.filter(applicant=applicant, step=step.number),
            pk=request.GET["replace"],
        )
    rules = services.development_rules(timezone.localdate())
    initial = {"done_on": timezone.localdate()}
    if S.VOTE in step.needs:
        # Enter once: the roster already knows who has a vote in this branch.
        initial["votes_expected"] = voting_member_count(applicant.org)
    if correcting is not None:
        initial = {
            "done_on": correcting.done_on,
            "talker": correcting.talker,
            "decision_body": correcting.decision_body,
            "notes": correcting.notes,
            "votes_expected": correcting.votes_expected,
            "votes_present": correcting.votes_present,
            "votes_for": correcting.votes_for,
            "training_days": correcting.training_days,
            "training_hours": correcting.training_hours,
            "contacts": list(correcting.contacts.all()),
            "introducers": list(correcting.introducers.all()),
        }
    form = StepForm(
        request.POST or None,
        request.FILES or None,
        step=step,
        applicant=applicant,
        actor=request.user,
        can_exception=can(request.user, "exception", applicant),
        correcting=correcting,
        publicity=bool(rules.publicity_working_days),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = services.record_step(
                actor=request.user,
                applicant=applicant,
                step=step.number,
                done_on=d["done_on"],
                talker=d.get("talker", ""),
                talker_member=d.get("talker_member"),
                contacts=d.get("contacts") or (),
                introducers=d.get("introducers") or (),
                decision_body=d.get("decision_body", ""),
                votes_expected=d.get("votes_expected"),
                votes_present=d.get("votes_present"),
                votes_for=d.get("votes_for"),
                passed=d.get("passed"),
                training_days=d.get("training_days"),
                training_hours=d.get("training_hours"),
                confirm_outcome=d.get("confirm_outcome", ""),
                extend_months=d.get("extend_months"),
                publicity_start=d.get("publicity_start"),
                publicity_end=d.get("publicity_end"),
                notes=d.get("notes", ""),
                exception_reason=d.get("exception_reason", ""),
                replaces=correcting,
                correction_reason=d.get("correction_reason", ""),
                documents=d.get("documents") or (),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = f"已登记{step.title}（{chinese_date(record.done_on)}）。"
            if not record.passed:
                text = f"已登记{step.title}：未通过（{chinese_date(record.done_on)}）。"
            messages.success(request, text)
            if record.overdue:
                messages.warning(request, record.overdue_note)
            if record.step == 17 and record.passed:
                messages.success(request, f"{applicant.name}已接收为预备党员，党员记录已生成。")
            if record.step == 24 and record.passed and record.confirm_outcome == "on_time":
                messages.success(request, f"{applicant.name}已转为正式党员。")
            return redirect("development:detail", pk=applicant.pk)
    tl = selectors.timeline(applicant)
    return render(
        request,
        "development/step_form.html",
        {
            "a": applicant,
            "org": applicant.org,
            "show_tree": True,
            "form": form,
            "step": step,
            "correcting": correcting,
            "hint": selectors.step_hint(applicant, step.number, tl["done"]),
        },
    )


_PERSON_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "education", "occupation", "work_unit", "position",
    "applied_on",
)  # fmt: skip


@login_required
def applicant_edit(request, pk):
    """Correct an applicant's personal details; the milestones come from the step records."""
    applicant = _applicant_or_404(request, pk, "change")
    initial = {f: getattr(applicant, f) for f in _PERSON_FIELDS}
    may_see_pii = path_in_scope(request.user, "view_pii", MEMBER, applicant.org_path)
    if may_see_pii and request.method == "GET":
        initial["id_number"] = services.reveal_applicant_id_number(
            actor=request.user, applicant=applicant, request=request
        )
    form = ApplicantForm(request.POST or None, initial=initial)
    form.fields["applied_on"].disabled = True
    form.fields["applied_on"].help_text = "递交申请书日期请在步骤①中更正。"
    if not may_see_pii:
        form.fields["id_number"].help_text = "出于保密，请重新录入完整身份证号以保存。"
    if applicant.phone_masked:
        form.fields["phone"].help_text = f"现号码{applicant.phone_masked}；留空则保留原号码。"

    def save(d: dict):
        data = services.clean_applicant_data(d, instance=applicant)
        return services.update_applicant(actor=request.user, applicant=applicant, data=data)

    return form_page(
        request,
        form,
        title=f"修改个人信息：{applicant.name}",
        success="已保存。",
        save=save,
        next_url=lambda a: reverse("development:detail", args=[a.pk]),
        org=applicant.org,
    )


@login_required
def applicant_stop(request, pk):
    applicant = _applicant_or_404(request, pk, "change")
    form = StopForm(request.POST or None)
    return form_page(
        request,
        form,
        title=f"终止培养：{applicant.name}",
        success="已终止，记录保留。",
        save=lambda d: services.stop_applicant(
            actor=request.user, applicant=applicant, on=d["on"], reason=d["reason"]
        ),
        next_url=lambda a: reverse("development:detail", args=[a.pk]),
        org=applicant.org,
    )


@login_required
def document_download(request, pk):
    doc = get_scoped_or_404(request.user, "view", StepDocument.objects.all(), pk=pk)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=doc.original_name)


# --------------------------------------------------------------------------------------------
# PDFs


def _pdf_context(applicant: Applicant) -> dict:
    tl = selectors.timeline(applicant)
    done = tl["done"]
    introducers = list(done[9].introducers.all()) if 9 in done else []
    return {
        "a": applicant,
        "tl": tl,
        "done": done,
        "introducers": introducers,
        "branch": applicant.org,
        "filled_on": done[14].done_on if 14 in done else None,
        "today": timezone.localdate(),
    }


@login_required
def volunteer_pdf(request, pk):
    applicant = _applicant_or_404(request, pk)
    return pdf_response(
        "development/pdf_volunteer.html",
        _pdf_context(applicant),
        filename=f"入党志愿书封面-{applicant.name}.pdf",
    )


@login_required
def summary_pdf(request, pk):
    applicant = _applicant_or_404(request, pk)
    return pdf_response(
        "development/pdf_summary.html",
        _pdf_context(applicant),
        filename=f"发展党员全程纪实-{applicant.name}.pdf",
    )


# --------------------------------------------------------------------------------------------
# Annual plans


@login_required
def plan(request):
    _require_view(request)
    org = _org_from(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if request.method == "POST":
        target = get_scoped_or_404(
            request.user, "view", orgs_for(request.user), pk=request.POST.get("target") or 0
        )
        try:
            services.set_plan(
                actor=request.user,
                org=target,
                year=year,
                quota=int(request.POST.get("quota") or 0),
                note=request.POST.get("note", ""),
            )
        except (ValidationError, ValueError) as exc:
            messages.error(
                request,
                "；".join(exc.messages)
                if isinstance(exc, ValidationError)
                else "计划人数应为整数。",
            )
        else:
            messages.success(request, f"已保存{target}{year}年发展计划。")
        query = f"?year={year}" + (f"&org={org.pk}" if org else "")
        return redirect(reverse("development:plan") + query)
    rows = selectors.plan_rows(request.user, org=org, year=year)
    for row in rows:
        row["can_set"] = path_in_scope(request.user, "approve", DEVELOPMENT, row["org"].path)
    return render(
        request,
        "development/plan.html",
        {
            "org": org,
            "show_tree": True,
            "year": year,
            "years": [today.year + 1, today.year, today.year - 1, today.year - 2],
            "rows": rows,
            "children_quota": sum(r["quota"] or 0 for r in rows if not r["is_parent"])
            if org
            else None,
        },
    )
