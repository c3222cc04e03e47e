"""Import and export of members: the upload page, the templates and the filtered-list export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import MEMBER
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.job_views import import_page, template_download
from dangjian.core.scope import has_any, scope_paths
from dangjian.members.choices import Education, Gender, MemberCategory, MemberStatus, Occupation
from dangjian.members.idnumber import mask_id_number
from dangjian.members.importers import MemberImporter
from dangjian.members.models import SHOWN_FIELDS
from dangjian.members.views import scoped_member_filter

# The import template's columns first (same names, same order), then what only an export has.
EXPORT_COLUMNS = [
    ExportColumn(c.header, c.width, "date" if c.kind == "date" else "text")
    for c in MemberImporter.columns
] + [ExportColumn("所在党组织", 30), ExportColumn("党籍状态", 10)]
EXPORT_FIELDS = (*SHOWN_FIELDS, "org__code", "org__name", "status")
_LABELS = {
    "gender": dict(Gender.choices),
    "education": dict(Education.choices),
    "occupation": dict(Occupation.choices),
    "category": dict(MemberCategory.choices),
    "status": dict(MemberStatus.choices),
}


@login_required
def member_import(request):
    """批量导入: members (and, for the 工委, organisations) from Excel or CSV."""
    return import_page(request)


@login_required
def member_import_template(request):
    return template_download(request, request.GET.get("kind") or "members")


def _export_rows(qs):
    maps = [_LABELS.get(f) for f in EXPORT_FIELDS]
    for row in qs.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        yield [m.get(v, v) if m else v for m, v in zip(maps, row, strict=True)]


def _audit_filters(params) -> dict:
    """The filters as typed, with an ID number in the search box masked (the audit log holds no PII)."""
    out = {}
    for key, value in params.items():
        if key == "page" or not value:
            continue
        if key == "q" and sum(ch.isdigit() for ch in value) >= 15:
            value = mask_id_number("".join(value.split()))
        out[key] = value[:100]
    return out


@login_required
def member_export(request):
    """Exactly the filtered list the page shows (same scope, subtree and FilterSet), masked, as .xlsx."""
    if not has_any(request.user, "export", MEMBER):
        raise Http404
    filterset, org = scoped_member_filter(request, action="export")
    qs = filterset.qs
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = (
        f"党员名册_{org.short_name or org.name}_{stamp}.xlsx" if org else f"党员名册_{stamp}.xlsx"
    )
    response, n = xlsx_response(
        filename=name, sheet="党员名册", columns=EXPORT_COLUMNS, rows=_export_rows(qs)
    )
    roots = scope_paths(request.user, "export", MEMBER)
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=org.path if org else (roots[0] if len(roots) == 1 else ""),
        detail={
            "kind": "members",
            "rows": n,
            "filters": _audit_filters(request.GET),
            "masked": True,
        },
    )
    return response
