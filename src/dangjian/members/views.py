from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django_tables2 import RequestConfig

from dangjian.accounts.roles import MEMBER
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.scope import can, get_scoped_or_404, has_any, path_in_scope, restrict
from dangjian.members import services
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.forms import ContactForm, MemberForm
from dangjian.members.models import Member
from dangjian.members.selectors import members_for
from dangjian.members.tables import LimitedCountPaginator, MemberTable
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import orgs_for

PAGE_SIZE = 20


def scoped_member_filter(request, action: str = "view"):
    """The one place the list page and the export build their queryset: scope, subtree, filters."""
    org = None
    if request.GET.get("org"):
        org = get_scoped_or_404(request.user, "view", Organization.objects.all(), pk=request.GET["org"])
    qs = members_for(request.user, action, within=org.path if org else None)
    return MemberFilterSet(request.GET or None, queryset=qs), org


@login_required
def member_list(request):
    if not has_any(request.user, "view", MEMBER):
        raise Http404
    filterset, org = scoped_member_filter(request)
    table = MemberTable(filterset.qs)
    # The count stops at 10,000 rows (tables.LimitedCountPaginator): a 工委 is never counted whole.
    paginate = {"per_page": PAGE_SIZE, "paginator_class": LimitedCountPaginator}
    RequestConfig(request, paginate=paginate).configure(table)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "members/list.html",
        {
            "filterset": filterset,
            "table": table,
            "org": org,
            "show_tree": True,
            "querystring": params.urlencode(),
            "can_export": has_any(request.user, "export", MEMBER),
            "can_add": org is not None and org.is_active and path_in_scope(request.user, "add", MEMBER, org.path),
        },
    )


def _member_or_404(request, pk, action="view"):
    return get_scoped_or_404(request.user, action, Member.objects.select_related("org"), pk=pk)


@login_required
def member_detail(request, pk):
    member = _member_or_404(request, pk)
    id_number = None
    if request.method == "POST" and request.POST.get("reveal"):
        id_number = services.reveal_id_number(actor=request.user, member=member, request=request)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "org": member.org,
            "show_tree": True,
            "id_number": id_number,
            "can_change": can(request.user, "change", member),
            "can_archive": can(request.user, "archive", member),
            "can_reveal": can(request.user, "view_pii", member),
            "posts": member.posts.select_related("org").order_by("-term_start"),
            **_transfer_context(request.user, member),
        },
    )


def _transfer_context(user, member: Member) -> dict:
    """The member's open transfer (if any) and whether this user may start one or record an absence."""
    from dangjian.accounts.roles import TRANSFER
    from dangjian.transfers.models import OPEN_STATES

    open_transfer = restrict(user, "view", member.transfers.filter(state__in=OPEN_STATES)).first()
    may_add = member.is_active and path_in_scope(user, "add", TRANSFER, member.org_path)
    return {
        "open_transfer": open_transfer,
        "can_transfer": may_add and open_transfer is None,
        "can_float": may_add,
    }


@login_required
def member_create(request):
    org = get_scoped_or_404(request.user, "view", orgs_for(request.user), pk=request.GET.get("org") or 0)
    if not path_in_scope(request.user, "add", MEMBER, org.path):
        raise Http404
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = services.clean_member_data(form.cleaned_data)
            member = services.create_member(actor=request.user, org=org, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            for w in data.warnings:
                messages.warning(request, w)
            messages.success(request, f"已登记党员{member.name}。")
            return redirect("members:detail", pk=member.pk)
    return render(request, "core/form.html", {"form": form, "org": org, "show_tree": True, "title": f"{org}：新增党员"})


@login_required
def member_edit(request, pk):
    member = _member_or_404(request, pk, "change")
    initial = {f: getattr(member, f) for f in services.MEMBER_FIELDS if f not in ("id_number", "phone")}
    initial["id_number"] = services.reveal_id_number(actor=request.user, member=member, request=request) if can(
        request.user, "view_pii", member
    ) else ""
    form = MemberForm(request.POST or None, initial=initial)
    if not can(request.user, "view_pii", member):
        form.fields["id_number"].help_text = "出于保密，请重新录入完整身份证号以保存。"
    if member.phone_masked:
        form.fields["phone"].help_text = f"现号码{member.phone_masked}；留空则保留原号码。"

    def save(d):
        return services.update_member(actor=request.user, member=member, data=services.clean_member_data(d, instance=member))

    return form_page(
        request, form, title=f"修改党员信息：{member.name}", save=save, success="已保存。",
        next_url=lambda m: reverse("members:detail", args=[m.pk]), org=member.org,
    )


@login_required
def me(request):
    """A member's own page: their record, and their contact details to keep current."""
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    member = _member_or_404(request, member.pk)
    form = ContactForm(request.POST or None, initial={"phone": services.reveal_phone(actor=request.user, member=member)})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(actor=request.user, member=member, phone=form.cleaned_data["phone"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "联系方式已更新。")
            return redirect("members:me")
    return render(request, "members/me.html", {"member": member, "form": form})
