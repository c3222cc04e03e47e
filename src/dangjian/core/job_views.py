"""Pages for background jobs and imports: upload, preview, confirm, progress, error list."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core import imports
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.jobs import JobFailed, reap_if_dead
from dangjian.core.models import Job, JobKind
from dangjian.core.scope import scope_q

ERRORS_SHOWN = 500  # on the page; the downloadable list has every kept error


def jobs_for(user) -> QuerySet[Job]:
    """Jobs a user may see: their own, and those whose org_path lies in their JOB view scope."""
    if not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(scope_q(user, "view", Job) | Q(created_by=user)).select_related(
        "created_by"
    )


def _job_or_404(request, pk) -> Job:
    try:
        return jobs_for(request.user).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- upload ---------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", widget=forms.RadioSelect)
    file = forms.FileField(
        label="选择文件",
        help_text="Excel表格（.xlsx，也可以是.xls）或CSV文件。",
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "上传的文件是空的，请检查后重新选择文件。",
        },
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["kind"].error_messages["required"] = "请选择导入的内容。"
        self.fields["kind"].error_messages["invalid_choice"] = "请选择导入的内容。"
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]
        self.fields["file"].widget.attrs["accept"] = ",".join(imports.EXTENSIONS)

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = (f.name or "").lower()
        if not name.endswith(imports.EXTENSIONS):
            raise forms.ValidationError("只能上传Excel表格（.xlsx、.xls）或CSV文件。")
        if f.size > imports.max_bytes():
            raise forms.ValidationError(
                f"文件太大（超过{imports.max_bytes() // (1024 * 1024)}MB），请分成几个文件分别导入。"
            )
        return f


def importable_kinds(user) -> list[tuple[str, str]]:
    out = []
    for kind in imports.IMPORTERS:
        importer = imports.get_importer(kind)
        if importer.allowed(user):
            out.append((kind, importer.title))
    return out


def import_page(request, *, kinds: list[str] | None = None):
    """The upload form (GET) and upload → check → preview (POST)."""
    allowed = [(k, t) for k, t in importable_kinds(request.user) if kinds is None or k in kinds]
    if not allowed:
        raise Http404
    initial_kind = request.GET.get("kind")
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        kinds=allowed,
        initial={"kind": initial_kind if initial_kind in dict(allowed) else allowed[0][0]},
    )
    if request.method == "POST" and form.is_valid():
        job = imports.start_check(
            kind=form.cleaned_data["kind"], actor=request.user, uploaded=form.cleaned_data["file"]
        )
        return redirect("core:job", pk=job.pk)
    recent = list(jobs_for(request.user).filter(created_by=request.user, parent__isnull=True)[:10])
    for job in recent:  # the kind's name and counting word ("党费基数（工资表）", 名/个/笔)
        importer = (
            imports.get_importer(job.import_kind) if job.import_kind in imports.IMPORTERS else None
        )
        job.import_title = importer.title if importer else job.get_kind_display()
        job.import_unit = importer.noun[:1] if importer else "条"
    return render(
        request,
        "core/import.html",
        {
            "form": form,
            "kinds": [(k, t, imports.get_importer(k)) for k, t in allowed],
            "recent": recent,
            "inline_rows": imports.inline_rows(),
        },
    )


def template_download(request, kind: str) -> HttpResponse:
    """The blank template of one import kind, for users who may import it."""
    if kind not in imports.IMPORTERS:
        raise Http404
    importer = imports.get_importer(kind)
    if not importer.allowed(request.user):
        raise Http404
    response = HttpResponse(
        importer.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    from django.utils.encoding import escape_uri_path

    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{escape_uri_path(importer.title + '导入模板.xlsx')}"
    )
    return response


# --- jobs -----------------------------------------------------------------------------------------


def _context(request, job: Job) -> dict:
    errors = job.errors or []
    commit_job = None
    if job.is_check:
        commit_job = job.children.order_by("-pk").first()
    return {
        "job": job,
        "errors": errors[:ERRORS_SHOWN],
        "errors_more": max(0, job.error_count - min(len(errors), ERRORS_SHOWN)),
        "errors_kept": len(errors),
        "warnings": (job.result or {}).get("warnings", [])[:200],
        "commit_job": commit_job,
        "can_commit": (
            job.is_check
            and job.created_by_id == request.user.pk
            and job.status == "succeeded"
            and (job.result or {}).get("ok")
            and bool(job.file)
            and (commit_job is None or commit_job.status == "failed")
        ),
        "is_import": not job.is_check,
    }


# Job kinds whose own app shows them (the list links here; this page sends them on).
OWN_PAGES = {
    JobKind.OPINIONS_CHECK: "opinions:import_job",
    JobKind.OPINIONS_IMPORT: "opinions:import_job",
}


@login_required
def job_detail(request, pk):
    job = reap_if_dead(_job_or_404(request, pk))
    if job.kind in OWN_PAGES:
        # An import with its own column-mapping step has its own job page (preview, 确认导入).
        return redirect(OWN_PAGES[job.kind], pk=job.pk)
    return render(request, "core/job.html", _context(request, job))


@login_required
def job_status(request, pk):
    """The polled part of the job page (HTMX, every second until the job ends)."""
    job = reap_if_dead(_job_or_404(request, pk))
    return render(request, "core/job_status.html", _context(request, job))


@login_required
@require_POST
def job_commit(request, pk):
    """确认导入: only the person who uploaded the file, only a clean check, only once."""
    check = _job_or_404(request, pk)
    if check.created_by_id != request.user.pk or not check.is_check:
        raise Http404
    try:
        job = imports.start_commit(check_job=check, actor=request.user)
    except JobFailed as exc:
        ctx = _context(request, check)
        ctx["commit_error"] = exc.message
        return render(request, "core/job.html", ctx, status=400)
    return redirect("core:job", pk=job.pk)


@login_required
def job_errors_xlsx(request, pk):
    """Every kept problem of a job as a spreadsheet (行, 列, 问题), to work through in Excel."""
    job = _job_or_404(request, pk)
    if not job.errors:
        raise Http404
    response, _ = xlsx_response(
        filename=f"导入问题清单_{job.pk}.xlsx",
        sheet="问题清单",
        columns=[ExportColumn("行", 8, "number"), ExportColumn("列", 16), ExportColumn("问题", 80)],
        rows=((e["row"], e["column"], e["reason"]) for e in job.errors),
    )
    return response


@login_required
def job_list(request):
    jobs = jobs_for(request.user)
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(request, "core/job_list.html", {"page": page, "now": timezone.now()})
