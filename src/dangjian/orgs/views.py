from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from dangjian.accounts.roles import MEMBER, ORG, ORG_REQUEST, POST
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.scope import can, get_scoped_or_404, has_any, path_in_scope, restrict
from dangjian.members.models import Member
from dangjian.orgs import selectors, services
from dangjian.orgs.forms import AppointForm, DecisionForm, EndPostForm, OrgEditForm, RequestForm
from dangjian.orgs.models import (
    Organization,
    OrgChangeRequest,
    OrgStatus,
    Post,
    RequestKind,
    RequestStatus,
)


def _org_or_404(user, pk):
    return get_scoped_or_404(user, "view", Organization.objects.all(), pk=pk)


@login_required
def org_home(request):
    roots = selectors.tree_roots(request.user)
    if not roots:
        raise Http404
    return redirect("orgs:detail", pk=roots[0].pk)


def _nodes(user, orgs):
    pending = selectors.pending_request_counts([o.path for o in orgs])
    counts = selectors.subtree_member_totals(orgs)
    return [
        {"org": o, "pending": pending.get(o.pk, 0), "has_children": o.numchild > 0, "members": counts.get(o.pk, 0)}
        for o in orgs
    ]


@login_required
def tree(request):
    """The tree's first level (the user's roots), opened down to the current organisation."""
    roots = selectors.tree_roots(request.user)
    open_path = ""
    if request.GET.get("open", "").isdigit():
        current = selectors.orgs_for(request.user).filter(pk=request.GET["open"]).first()
        open_path = current.path if current else ""
    return render(request, "orgs/_tree.html", {"nodes": _expand(request.user, roots, open_path), "open_path": open_path})


def _expand(user, orgs, open_path):
    nodes = _nodes(user, orgs)
    for node in nodes:
        o = node["org"]
        if open_path.startswith(o.path) and o.numchild:
            node["children"] = _expand(user, list(selectors.children_of(user, o)), open_path)
    return nodes


@login_required
def tree_children(request, pk):
    org = _org_or_404(request.user, pk)
    children = list(selectors.children_of(request.user, org))
    return render(request, "orgs/_tree_nodes.html", {"nodes": _nodes(request.user, children)})


@login_required
def detail(request, pk):
    org = _org_or_404(request.user, pk)
    user = request.user
    counts = selectors.member_counts(org)
    direct = selectors.member_counts(org, subtree=False)
    children = [
        {"org": c, "counts": selectors.member_counts(c)} for c in selectors.children_of(user, org, include_dissolved=True)
    ]
    ctx = {
        "org": org,
        "show_tree": True,
        "counts": counts,
        "direct": direct,
        "children": children,
        # Posts are their own resource: a member or an auditor sees the organisation, not who holds its posts.
        "posts": restrict(user, "view", selectors.current_posts(org)),
        "warnings": selectors.warnings_for(org),
        "ancestors": [a for a in Organization.objects.get_ancestors(org) if can(user, "view", a)],
        "pending": restrict(user, "view", OrgChangeRequest.objects.filter(org=org, status=RequestStatus.PENDING)),
        "can_add_member": org.is_active and path_in_scope(user, "add", MEMBER, org.path),
        "can_list_members": path_in_scope(user, "view", MEMBER, org.path),
        "can_request": org.is_active and path_in_scope(user, "add", ORG_REQUEST, org.path),
        "can_edit": org.is_active and path_in_scope(user, "change", ORG, org.path),
        "can_appoint": org.is_active and path_in_scope(user, "add", POST, org.path),
    }
    return render(request, "orgs/detail.html", ctx)


@login_required
def attention(request):
    items = selectors.needs_attention(request.user)
    return render(request, "orgs/attention.html", {"items": items, "show_tree": True})


@login_required
def request_list(request):
    if not has_any(request.user, "view", ORG_REQUEST):
        raise Http404
    qs = restrict(request.user, "view", OrgChangeRequest.objects.select_related("org", "target", "requested_by", "decided_by"))
    qs = qs.annotate(
        pending_first=Case(When(status=RequestStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("pending_first", "-requested_at")
    return render(request, "orgs/requests.html", {"requests": qs[:200], "show_tree": True})


@login_required
def request_new(request, pk):
    org = _org_or_404(request.user, pk)
    if not path_in_scope(request.user, "add", ORG_REQUEST, org.path):
        raise Http404
    targets = selectors.orgs_for(request.user).filter(status=OrgStatus.ACTIVE).exclude(path__startswith=org.path).order_by("path")
    form = RequestForm(request.POST or None, targets=targets, initial={"kind": request.GET.get("kind", RequestKind.CREATE)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        payload = {k: d[k] for k in ("name", "short_name", "code", "org_type", "sector", "founded_on")}
        try:
            services.submit_request(actor=request.user, kind=d["kind"], org=org, reason=d["reason"], target=d["target"], payload=payload)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "申请已提交，等待工委审批。")
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/request_new.html", {"org": org, "form": form, "show_tree": True})


@login_required
def request_detail(request, pk):
    req = get_scoped_or_404(request.user, "view", OrgChangeRequest.objects.select_related("org", "target"), pk=pk)
    may_decide = req.status == RequestStatus.PENDING and can(request.user, "approve", req)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("withdraw"):
            try:
                services.withdraw_request(actor=request.user, request_obj=req)
                messages.success(request, "申请已撤回。")
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            return redirect("orgs:request", pk=req.pk)
        if not may_decide:
            raise Http404
        if form.is_valid():
            try:
                services.decide_request(
                    actor=request.user, request_obj=req, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "审批完成。")
                return redirect("orgs:request", pk=req.pk)
    return render(request, "orgs/request_detail.html", {"req": req, "form": form, "may_decide": may_decide, "show_tree": True, "org": req.org})


@login_required
def edit(request, pk):
    org = get_scoped_or_404(request.user, "change", Organization.objects.all(), pk=pk)
    form = OrgEditForm(request.POST or None, initial={f: getattr(org, f) for f in services.EDITABLE_ORG_FIELDS})
    return form_page(
        request, form, title=f"修改组织信息：{org}", success="已保存。", org=org,
        save=lambda d: services.update_organization(actor=request.user, org=org, raw=d),
        next_url=lambda o: reverse("orgs:detail", args=[o.pk]),
    )


@login_required
def appoint(request, pk):
    org = _org_or_404(request.user, pk)
    if not path_in_scope(request.user, "add", POST, org.path):
        raise Http404
    members = restrict(request.user, "view", Member.objects.filter(org_path__startswith=org.path, status="normal"))
    form = AppointForm(request.POST or None, members=members.order_by("stroke_key"))
    return form_page(
        request, form, title=f"{org}：登记任职", success="已登记任职。", org=org,
        save=lambda d: services.appoint(actor=request.user, org=org, **d),
        next_url=lambda p: reverse("orgs:detail", args=[p.org_id]),
    )


@login_required
def end_post(request, pk):
    post = get_scoped_or_404(request.user, "change", Post.objects.select_related("org", "member"), pk=pk)
    form = EndPostForm(request.POST or None)
    return form_page(
        request, form, title=f"离任：{post}", success="已登记离任。", org=post.org,
        save=lambda d: services.end_post(actor=request.user, post=post, on=d["ended_on"], reason=d["ended_reason"]),
        next_url=lambda p: reverse("orgs:detail", args=[p.org_id]),
    )
