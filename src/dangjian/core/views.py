"""Views shared by every app: home, the 姓氏笔画 tool and the audit log."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from dangjian.accounts.roles import AUDIT, Role
from dangjian.core.audit import ACTION_LABELS, EVENT_LABELS, describe_changes
from dangjian.core.scope import active_grants, has_any, scope_paths
from dangjian.core.strokes import sort_by_strokes


def healthz(request):
    """Liveness probe; also the trivial baseline view the benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    """Each role lands on its own work: a subtree, the audit log, accounts or the member's own page."""
    grants = active_grants(request.user)
    roles = {g.role for g in grants}
    if roles & {Role.WORK_COMMITTEE_ADMIN, Role.COMMITTEE_ADMIN, Role.BRANCH_SECRETARY}:
        staff = [g for g in grants if g.role not in (Role.MEMBER, Role.AUDITOR, Role.SYSTEM_ADMIN)]
        top = min(staff, key=lambda g: g.org.depth)
        return redirect("orgs:detail", pk=top.org_id)
    if Role.AUDITOR in roles:
        return redirect("core:audit")
    if Role.SYSTEM_ADMIN in roles:
        return redirect("accounts:list")
    if Role.MEMBER in roles and getattr(request.user, "member", None) is not None:
        return redirect("members:me")
    return render(request, "core/no_grants.html")


@login_required
def sort_names(request):
    """Paste names one a line, get them back in 姓氏笔画 order (as official lists print them)."""
    text = request.POST.get("names", "") if request.method == "POST" else ""
    names = [line.strip() for line in text.splitlines() if line.strip()]
    result = sort_by_strokes(names) if names else []
    return render(request, "core/sort_names.html", {"text": text, "result": result, "count": len(result)})


def _audit_queryset(user):
    roots = scope_paths(user, "view", AUDIT)
    if not roots:
        raise Http404
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(additional_data__org_path__startswith=root)
    if any(g.role == Role.AUDITOR for g in active_grants(user)):
        # System-level events (logins, accounts) belong to no organisation; the auditor sees them.
        q |= Q(additional_data__org_path="") | Q(additional_data__isnull=True)
    return LogEntry.objects.filter(q).select_related("actor", "content_type")


def _audit_org_choices(user, levels: int = 3) -> list:
    """Organisations offered in the audit filter: the scope roots and a few levels below them."""
    from dangjian.orgs.models import Organization

    q = Q(pk__in=[])
    for root in scope_paths(user, "view", AUDIT):
        q |= Q(path__startswith=root, depth__lte=len(root) // Organization.steplen + levels)
    return list(Organization.objects.filter(q).order_by("path"))


@login_required
def audit_log(request):
    if not has_any(request.user, "view", AUDIT):
        raise Http404
    qs = _audit_queryset(request.user)
    f = request.GET
    if f.get("org"):
        from dangjian.orgs.selectors import orgs_for

        org = orgs_for(request.user).filter(pk=f["org"]).first() if f["org"].isdigit() else None
        if org is None:
            raise Http404
        qs = qs.filter(additional_data__org_path__startswith=org.path)
    if f.get("actor"):
        qs = qs.filter(actor__username__iexact=f["actor"].strip())
    if f.get("since"):
        qs = qs.filter(timestamp__date__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(timestamp__date__lte=f["until"])
    if f.get("model"):
        qs = qs.filter(content_type__model=f["model"])
    if f.get("action") in {"0", "1", "2", "3"}:
        qs = qs.filter(action=int(f["action"]))
    if f.get("cid"):
        qs = qs.filter(cid=f["cid"].strip())
    page = Paginator(qs.order_by("-timestamp", "-pk"), 50).get_page(request.GET.get("page"))
    for entry in page:
        data = entry.additional_data or {}
        entry.event_label = EVENT_LABELS.get(data.get("event", ""), "")
        entry.action_label = ACTION_LABELS.get(entry.action, "")
        entry.rows = describe_changes(entry)
    org_choices = _audit_org_choices(request.user)
    models = ContentType.objects.filter(app_label__in=["orgs", "members", "accounts"]).order_by("model")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "models": models, "f": f, "querystring": params.urlencode(), "org_choices": org_choices},
    )


@login_required
def reminders(request):
    """待办提醒: every module's due and overdue items in the user's scope, each with a count."""
    from django.utils import timezone

    from dangjian.core.reminders import reminders_for

    items = reminders_for(request.user, timezone.localdate())
    return render(request, "core/reminders.html", {"items": items})
