"""Pages of 组织关系接转 and 流动党员. Reads through selectors (restrict), writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.accounts.roles import MEMBER, TRANSFER
from dangjian.core.audit import record_event
from dangjian.core.calendar import age_on
from dangjian.core.crypto import provider
from dangjian.core.forms import add_service_errors
from dangjian.core.pdf import capital_number, capital_year_month, chinese_date, pdf_response
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import get_scoped_or_404, has_any, path_in_scope, restrict, scope_paths
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgStatus
from dangjian.transfers import selectors, services
from dangjian.transfers.forms import (
    EndForm,
    FloatingForm,
    IncomingForm,
    ReportForm,
    StepForm,
    TransferForm,
)
from dangjian.transfers.models import (
    OPEN_STATES,
    FloatingDirection,
    FloatingRecord,
    Transfer,
    TransferKind,
)
from dangjian.transfers.rules import DOMAIN

BUCKET_LABELS = {
    selectors.OPEN: "未办结的转接",
    selectors.EXPIRED: "已过期的介绍信",
    selectors.RECEIPT_OVERDUE: "回执逾期",
    selectors.RECEIPT_DUE_SOON: "回执将到期",
    "draft": "草稿",
    "issued": "已开具、待报到",
    "reported": "已报到、待回执",
    "receipt_returned": "回执已返回、待办结",
    "completed": "已完成",
    "returned": "已退回",
    "cancelled": "已撤销",
}


def _require_view(request):
    if not has_any(request.user, "view", TRANSFER):
        raise Http404


def _scope_org(request):
    """The optional ?org= drill-down, itself in the user's scope."""
    if not request.GET.get("org"):
        return None
    return get_scoped_or_404(
        request.user, "view", Organization.objects.all(), pk=request.GET["org"]
    )


def _all_branches():
    """Destinations: every working 党支部 of our tree (names only — the letter needs the address)."""
    return Organization.objects.filter(status=OrgStatus.ACTIVE, org_type__in=BRANCH_TYPES).order_by(
        "path"
    )


@login_required
def home(request):
    _require_view(request)
    today = timezone.localdate()
    user = request.user
    org = _scope_org(request)
    within = org.path if org else None
    qs = selectors.transfers_for(user, within=within)
    roots = scope_paths(user, "view", TRANSFER)
    root = org or (Organization.objects.filter(path=roots[0]).first() if len(roots) == 1 else None)
    drill = []
    if root is not None and root.org_type not in BRANCH_TYPES:
        drill = selectors.open_counts_by_child(user, root, today)
    rules = rules_on(DOMAIN, today)
    context = {
        "org": org,
        "root": root,
        "show_tree": False,
        "today": today,
        "groups": selectors.state_groups(qs, today),
        "open_count": selectors.bucket(qs, selectors.OPEN, today).count(),
        "overdue": selectors.bucket(qs, selectors.RECEIPT_OVERDUE, today).order_by("receipt_due")[
            :20
        ],
        "due_soon": selectors.bucket(qs, selectors.RECEIPT_DUE_SOON, today).order_by("receipt_due")[
            :20
        ],
        "expired": selectors.bucket(qs, selectors.EXPIRED, today).order_by("-valid_until")[:20],
        "expired_count": selectors.bucket(qs, selectors.EXPIRED, today).count(),
        "drill": drill,
        "away": selectors.away_needing_transfer(user, today, within=within)[:20],
        "report_overdue": selectors.report_overdue(user, today, within=within)[:20],
        "guests": selectors.inflow_guests(user, within=within)[:20],
        "rules": rules,
        "receipt_cite": rules.cite("receipt_return_months"),
        "can_add": has_any(user, "add", TRANSFER),
        "can_relay": has_any(user, "relay", TRANSFER),
    }
    return render(request, "transfers/home.html", context)


@login_required
def transfer_list(request):
    _require_view(request)
    today = timezone.localdate()
    org = _scope_org(request)
    name = request.GET.get("bucket") or selectors.OPEN
    qs = selectors.bucket(
        selectors.transfers_for(request.user, within=org.path if org else None), name, today
    )
    kind = request.GET.get("kind")
    if kind in TransferKind.values:
        qs = qs.filter(kind=kind)
    rows = list(qs.order_by("-created_at", "-id")[:300])
    return render(
        request,
        "transfers/list.html",
        {
            "rows": rows,
            "org": org,
            "title": BUCKET_LABELS.get(name, "组织关系转接"),
            "today": today,
            "show_tree": False,
        },
    )


def _members_for_new(user):
    """Members this user may start a transfer for: in scope, in good standing, no open transfer."""
    paths = scope_paths(user, "add", TRANSFER)
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(org_path__startswith=p)
    return (
        restrict(user, "view", Member.objects.filter(q, status=MemberStatus.NORMAL))
        .exclude(transfers__state__in=OPEN_STATES)
        .select_related("org")
        .order_by("org_path", "stroke_key", "id")
    )


@login_required
def transfer_new(request):
    if not has_any(request.user, "add", TRANSFER):
        raise Http404
    initial = {}
    if request.GET.get("member"):
        initial["member"] = request.GET["member"]
    floating = None
    if request.GET.get("floating"):
        floating = get_scoped_or_404(
            request.user, "view", FloatingRecord.objects.all(), pk=request.GET["floating"]
        )
        initial.update(
            member=floating.member_id,
            kind=TransferKind.WITHIN if floating.host_org_id else TransferKind.OUT,
            to_org=floating.host_org_id,
            to_name=floating.host_name,
            reason=f"外出满{rules_on(DOMAIN, timezone.localdate()).away_months_needing_transfer}个月，转接组织关系",
        )
    form = TransferForm(
        request.POST or None,
        initial=initial,
        members=_members_for_new(request.user),
        orgs=_all_branches(),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            t = services.create_transfer(
                actor=request.user,
                member=d["member"],
                kind=d["kind"],
                to_org=d.get("to_org"),
                to_name=d.get("to_name", ""),
                to_address=d.get("to_address", ""),
                reason=d["reason"],
                dues_year=d["dues_year"],
                dues_month=d["dues_month"],
                contact_phone=d.get("contact_phone", ""),
                validity_days=d.get("validity_days"),
                floating=floating,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已起草{t.person_name}的组织关系转接，请核对后开具介绍信。")
            return redirect("transfers:detail", pk=t.pk)
    return render(
        request,
        "transfers/new.html",
        {
            "form": form,
            "title": "办理组织关系转接",
            "validity_cite": rules_on(DOMAIN, timezone.localdate()).cite("letter_validity_days"),
        },
    )


@login_required
def transfer_incoming(request):
    if not has_any(request.user, "relay", TRANSFER):
        raise Http404
    paths = scope_paths(request.user, "relay", TRANSFER)
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    form = IncomingForm(request.POST or None, orgs=_all_branches().filter(q))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            t = services.register_incoming(
                actor=request.user,
                to_org=d["to_org"],
                person=form.person(),
                from_name=d["from_name"],
                letter_no=d["letter_number"],
                issued_on=d["issued_on"],
                validity_days=d["validity_days"],
                reason=d["reason"],
                dues_year=d["dues_year"],
                dues_month=d["dues_month"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"已登记{t.person_name}的转入介绍信，等待{t.to_org}确认报到。"
            )
            return redirect("transfers:detail", pk=t.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "登记系统外转入的介绍信（工委）", "show_tree": False},
    )


def _transfer_or_404(request, pk):
    transfers = Transfer.objects.select_related("from_org", "to_org", "member", "reissue_of")
    return get_scoped_or_404(
        request.user, "view", selectors.hide_others_drafts(request.user, transfers), pk=pk
    )


def _detail(request, transfer, *, step_form=None, failed_action=None, status=200):
    today = timezone.localdate()
    actions = selectors.next_actions(request.user, transfer, today)
    return render(
        request,
        "transfers/detail.html",
        {
            "t": transfer,
            "today": today,
            "shown_state": transfer.shown_state(today),
            "expired": transfer.is_expired_on(today),
            "actions": actions,
            "waiting": ""
            if any(a.primary for a in actions)
            else selectors.waiting_for(transfer, today),
            "events": transfer.events.select_related("actor").order_by("at", "id"),
            "step_form": step_form,
            "failed_action": failed_action,
            "has_letter": bool(transfer.letter_number) and transfer.kind != TransferKind.IN,
            "reissues": transfer.reissues.all(),
            "show_tree": False,
        },
        status=status,
    )


@login_required
def transfer_detail(request, pk):
    return _detail(request, _transfer_or_404(request, pk))


STEP_SUCCESS = {
    "issue": "介绍信已开具。",
    "report": "已确认报到，党员的组织关系已转入。",
    "receipt": "已登记回执返回。",
    "complete": "转接已办结。",
    "return": "介绍信已退回。",
    "cancel": "转接已撤销。",
    "reissue": "已起草新的转接，请开具新的介绍信。",
}


@login_required
@require_POST
def transfer_step(request, pk, action):
    transfer = _transfer_or_404(request, pk)
    if action not in STEP_SUCCESS:
        raise Http404
    form = StepForm(request.POST)
    if action != "reissue" and not form.is_valid():
        return _detail(request, transfer, step_form=form, failed_action=action, status=400)
    d = form.cleaned_data if action != "reissue" else {}
    user, on = request.user, d.get("on")
    try:
        if action == "issue":
            result = services.issue(
                actor=user, transfer=transfer, on=on, validity_days=d.get("validity_days")
            )
        elif action == "report":
            result = services.confirm_report(actor=user, transfer=transfer, on=on)
        elif action == "receipt":
            result = services.record_receipt(
                actor=user, transfer=transfer, on=on, reported_on=d.get("reported_on")
            )
        elif action == "complete":
            result = services.complete(actor=user, transfer=transfer, on=on)
        elif action == "return":
            result = services.return_transfer(
                actor=user, transfer=transfer, on=on, reason=d.get("reason", "")
            )
        elif action == "cancel":
            result = services.cancel(
                actor=user, transfer=transfer, on=on, reason=d.get("reason", "")
            )
        else:
            result = services.reissue(actor=user, transfer=transfer)
    except ValidationError as exc:
        form = StepForm(request.POST)
        form.is_valid()
        add_service_errors(form, exc)
        transfer.refresh_from_db()
        return _detail(request, transfer, step_form=form, failed_action=action, status=400)
    messages.success(request, STEP_SUCCESS[action])
    return redirect("transfers:detail", pk=result.pk)


_SMALL = "零一二三四五六七八九"


def chinese_age(n: int) -> str:
    """Ages in lower-case Chinese numerals, as the letter writes them: 35 → 三十五."""
    if n < 10:
        return _SMALL[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _SMALL[tens]
    if n >= 100:
        return str(n)
    return f"{head}十{_SMALL[ones] if ones else ''}"


@login_required
def transfer_letter(request, pk):
    """The three-part letter (存根 / 介绍信 / 回执), A4, to print and cut."""
    transfer = _transfer_or_404(request, pk)
    if not transfer.letter_number or transfer.kind == TransferKind.IN:
        raise Http404
    member = transfer.member
    full = path_in_scope(request.user, "view_pii", MEMBER, transfer.from_path)
    if full:
        id_number = provider().decrypt(member.id_number_enc) if member.id_number_enc else ""
        record_event(
            "view_pii",
            actor=request.user,
            request=request,
            obj=member,
            detail={"field": "id_number", "via": "transfer_letter"},
        )
    else:
        id_number = member.id_number_masked
    context = {
        "t": transfer,
        "member": member,
        "age": age_on(member.birth_date, transfer.issued_on),
        "age_words": chinese_age(age_on(member.birth_date, transfer.issued_on)),
        "id_number": id_number,
        "id_masked": not full,
        "validity_capital": capital_number(transfer.validity_days),
        "dues_capital": capital_year_month(transfer.dues_year, transfer.dues_month),
        "issued": chinese_date(transfer.issued_on),
        "valid_until": chinese_date(transfer.valid_until),
        "from_label": transfer.from_label,
        "to_label": transfer.to_label,
        "stamp_org": _stamp_org(transfer),
    }
    return pdf_response(
        "transfers/letter_pdf.html", context, filename=f"介绍信{transfer.letter_number}.pdf"
    )


def _stamp_org(transfer: Transfer) -> str:
    """The issuing organisation printed under 盖章: the 工委 for letters it relays, else the sender."""
    if transfer.kind == TransferKind.OUT:
        relay = (
            Organization.objects.filter(org_type="work_committee")
            .filter(
                path__in=[transfer.from_path[:i] for i in range(4, len(transfer.from_path) + 1, 4)]
            )
            .order_by("-depth")
            .first()
        )
        if relay is not None:
            return relay.name
    return transfer.from_label


# --- 流动党员 -----------------------------------------------------------------------------------


@login_required
def floating_list(request):
    _require_view(request)
    today = timezone.localdate()
    org = _scope_org(request)
    within = org.path if org else None
    records = (
        selectors.floating_for(request.user, within=within)
        .prefetch_related("reports")
        .order_by("status", "-started_on")[:300]
    )
    return render(
        request,
        "transfers/floating_list.html",
        {
            "org": org,
            "records": records,
            "away": selectors.away_needing_transfer(request.user, today, within=within),
            "report_overdue": selectors.report_overdue(request.user, today, within=within),
            "guests": selectors.inflow_guests(request.user, within=within),
            "rules": rules_on(DOMAIN, today),
            "away_cite": rules_on(DOMAIN, today).cite("away_months_needing_transfer"),
            "report_cite": rules_on(DOMAIN, today).cite("floating_report_months"),
            "can_add": has_any(request.user, "add", TRANSFER),
            "show_tree": False,
        },
    )


@login_required
def floating_new(request):
    if not has_any(request.user, "add", TRANSFER):
        raise Http404
    paths = scope_paths(request.user, "add", TRANSFER)
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    mq = Q(pk__in=[])
    for p in paths:
        mq |= Q(org_path__startswith=p)
    members = (
        restrict(request.user, "view", Member.objects.filter(mq, status=MemberStatus.NORMAL))
        .select_related("org")
        .order_by("org_path", "stroke_key")
    )
    form = FloatingForm(
        request.POST or None,
        initial={"member": request.GET.get("member")},
        members=members,
        orgs=_all_branches().filter(q),
        all_branches=_all_branches(),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            member = d.get("member")
            record = services.create_floating(
                actor=request.user,
                direction=d["direction"],
                org=member.org if member else d.get("org"),
                member=member,
                person_name=d.get("person_name", ""),
                home_name=d.get("home_name", ""),
                place=d["place"],
                host_org=d.get("host_org"),
                host_name=d.get("host_name", ""),
                started_on=d["started_on"],
                expected_return=d.get("expected_return"),
                reason=d["reason"],
                contact=d.get("contact", ""),
                card_number=d.get("card_number", ""),
                card_issued_on=d.get("card_issued_on"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记流动党员{record.person_name}。")
            return redirect("transfers:floating_detail", pk=record.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "登记流动党员", "show_tree": False}
    )


@login_required
def floating_detail(request, pk):
    record = get_scoped_or_404(
        request.user,
        "view",
        FloatingRecord.objects.select_related("org", "host_org", "member", "transfer"),
        pk=pk,
    )
    report_form = ReportForm(
        request.POST if request.POST.get("form") == "report" else None,
        initial={"reported_on": timezone.localdate()},
    )
    end_form = EndForm(
        request.POST if request.POST.get("form") == "end" else None,
        initial={"on": timezone.localdate()},
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "report" and report_form.is_valid():
                d = report_form.cleaned_data
                services.add_floating_report(
                    actor=request.user,
                    record=record,
                    reported_on=d["reported_on"],
                    method=d["method"],
                    content=d["content"],
                )
                messages.success(request, "已记录汇报。")
                return redirect("transfers:floating_detail", pk=record.pk)
            if request.POST.get("form") == "end" and end_form.is_valid():
                services.end_floating(
                    actor=request.user, record=record, on=end_form.cleaned_data["on"]
                )
                messages.success(request, "已登记返回，流动结束。")
                return redirect("transfers:floating_detail", pk=record.pk)
        except ValidationError as exc:
            add_service_errors(
                report_form if request.POST.get("form") == "report" else end_form, exc
            )
    may_change = path_in_scope(request.user, "change", TRANSFER, record.org_path) or (
        record.host_path and path_in_scope(request.user, "change", TRANSFER, record.host_path)
    )
    return render(
        request,
        "transfers/floating_detail.html",
        {
            "r": record,
            "reports": record.reports.all(),
            "report_form": report_form,
            "end_form": end_form,
            "may_change": may_change and record.status == "active",
            "may_transfer": record.direction == FloatingDirection.OUT
            and record.status == "active"
            and path_in_scope(request.user, "add", TRANSFER, record.org_path),
            "show_tree": False,
        },
    )
