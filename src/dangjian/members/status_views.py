"""党籍 pages: the member's status section, the request form, 党籍审批, and the status lists.

Views only route: every check and write is in members.status (services and selectors).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.accounts.roles import MEMBER
from dangjian.core.forms import ChineseForm, add_service_errors
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import can, get_scoped_or_404, has_any
from dangjian.members import lapse, status
from dangjian.members.models import Member, StatusChangeKind
from dangjian.members.rules import DOMAIN
from dangjian.orgs.models import Organization

_DATE = forms.DateInput(attrs={"type": "date"})

# What the effective date means for each kind, shown as the field's label.
_EFFECTIVE_LABEL = {
    StatusChangeKind.DEATH: "去世日期",
    StatusChangeKind.RESTORE: "恢复党籍日期",
}
_EFFECTIVE_HELP = "党组织作出决定的日期（支部大会或支委会开会的日期）。"


def _kind_form(kind: str, member: Member, data=None) -> ChineseForm:
    """A form with the fields the chosen kind needs and nothing else."""
    form = ChineseForm(data)
    form.fields["effective_on"] = forms.DateField(
        label=_EFFECTIVE_LABEL.get(kind, "生效日期"),
        widget=_DATE,
        help_text="" if kind == StatusChangeKind.DEATH else _EFFECTIVE_HELP,
    )
    for fact in status.facts_for(kind, member):
        if fact.kind == "date":
            form.fields[fact.key] = forms.DateField(
                label=fact.label, widget=_DATE, help_text=fact.help
            )
        else:
            form.fields[fact.key] = forms.CharField(
                label=fact.label,
                max_length=500,
                help_text=fact.help,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
    form.fields["reason"] = forms.CharField(
        label="事由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="简要写明情况，例如“2023年起长期在外，电话停机，多方查找无果”。",
    )
    if kind not in status.NO_APPROVAL:
        form.fields["basis"] = forms.CharField(
            label="依据（会议、文件）",
            max_length=500,
            help_text="例如“2024年3月5日支部大会决议”。",
            widget=forms.TextInput(attrs={"size": 50}),
        )
    else:
        form.fields["basis"] = forms.CharField(
            label="证明材料",
            max_length=500,
            required=False,
            help_text="例如死亡证明、户籍注销证明（可不填）。",
            widget=forms.TextInput(attrs={"size": 50}),
        )
    return form


def _member(request, pk, action="view") -> Member:
    return get_scoped_or_404(request.user, action, Member.objects.select_related("org"), pk=pk)


@login_required
def request_change(request, pk):
    """申请变更党籍状态: first choose the kind, then fill in only the facts it needs."""
    member = _member(request, pk, "archive")
    kinds = status.allowed_kinds(member)
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    pending = (
        status.scoped_changes(request.user, "view").filter(member=member, state="pending").first()
    )
    rules = rules_on(DOMAIN, timezone.localdate())
    context = {
        "member": member,
        "org": member.org,
        "show_tree": True,
        "pending": pending,
        "rules": rules,
    }
    if kind not in kinds or pending is not None:
        choices = [
            {
                "value": k,
                "label": StatusChangeKind(k).label,
                "source": status.KIND_SOURCE.get(k, ""),
                "direct": k in status.NO_APPROVAL,
                "hint": _kind_hint(k, rules),
            }
            for k in kinds
        ]
        return render(request, "members/status_choose.html", {**context, "choices": choices})
    form = _kind_form(kind, member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        facts = {f.key: d.get(f.key) for f in status.facts_for(kind, member)}
        try:
            change = status.request_change(
                actor=request.user,
                member=member,
                kind=kind,
                effective_on=d["effective_on"],
                reason=d["reason"],
                basis=d.get("basis", ""),
                facts=facts,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if change.is_pending:
                messages.success(
                    request, f"已提交“{change.get_kind_display()}”申请，等待上级党组织审批。"
                )
            else:
                messages.success(request, f"已登记：{change.get_kind_display()}。")
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/status_request.html",
        {
            **context,
            "form": form,
            "kind": kind,
            "kind_label": StatusChangeKind(kind).label,
            "source": status.KIND_SOURCE.get(kind, ""),
            "direct": kind in status.NO_APPROVAL,
            "hint": _kind_hint(kind, rules),
        },
    )


def _kind_hint(kind: str, rules) -> str:
    """The rule a kind must meet, in one sentence, with the values in force."""
    k = StatusChangeKind
    return {
        k.SUSPEND_LOST: f"与党组织失去联系满{rules.lost_contact_months}个月、经多方查找仍无音讯的党员。",
        k.SUSPEND_SETTLED: "因私出国（境）并在国（境）外长期定居的党员。",
        k.SUSPEND_STUDY: f"出国（境）学习研究超过{rules.abroad_study_years}年仍未返回的党员。",
        k.RESTORE: f"停止党籍未满{rules.restore_within_years}年、本人书面申请恢复的"
        + ("，须报县级党组织（工委）批准。" if rules.restore_county_approval else "。"),
        k.STRIKE_LAPSED: f"停止党籍满{rules.suspension_strike_years}年仍无联系，或连续{rules.lapse_months}个月"
        "无正当理由不参加组织生活、不交纳党费、不做党所分配的工作的党员。",
        k.STRIKE_UNQUALIFIED: "经限期改正仍无转变、劝退后本人不愿退党的不合格党员。",
        k.WITHDRAW: "本人要求退党的党员，由支部大会讨论后宣布除名。",
        k.EXPEL: "受到开除党籍处分的党员（依据纪律处分决定登记）。",
        k.DEATH: "党员去世后由支部直接登记，无需审批。",
    }.get(kind, "")


class DecisionForm(ChineseForm):
    decision = forms.ChoiceField(
        label="审批意见",
        choices=[("approve", "批准"), ("reject", "不予批准")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="不予批准时必须写明理由。",
    )


@login_required
def change_detail(request, pk):
    """One request: its facts, and the decision form for an approver who did not submit it."""
    change = status.get_change_or_404(request.user, "view", pk)
    may_decide = (
        change.is_pending
        and change.requested_by_id != request.user.pk
        and status.scoped_changes(request.user, "approve_status").filter(pk=change.pk).exists()
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not status.scoped_changes(request.user, "approve_status").filter(pk=change.pk).exists():
            raise Http404
        if form.is_valid():
            try:
                status.decide_change(
                    actor=request.user,
                    change=change,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "审批意见已保存。")
                return redirect("members:status_pending")
    facts = []
    for fact in status.FACTS.get(change.kind, ()):
        if fact.key in change.facts:
            value = change.facts[fact.key]
            if fact.kind == "date":
                value = date.fromisoformat(value)
            facts.append((fact.label, value, fact.kind))
    return render(
        request,
        "members/status_change.html",
        {
            "change": change,
            "member": change.member,
            "org": change.member.org,
            "show_tree": True,
            "facts": facts,
            "may_decide": may_decide,
            "form": form,
            "source": status.KIND_SOURCE.get(change.kind, ""),
        },
    )


@login_required
def member_section(request, pk):
    """The 党籍 section of the member page (loaded into it by htmx)."""
    member = _member(request, pk)
    return render(
        request,
        "members/status_section.html",
        {
            "member": member,
            "history": status.history_of(request.user, member),
            "can_request": can(request.user, "archive", member)
            and bool(status.allowed_kinds(member)),
        },
    )


def _staff_list(request):
    if not has_any(request.user, "archive", MEMBER):
        raise Http404
    org = None
    if request.GET.get("org"):
        org = get_scoped_or_404(
            request.user, "view", Organization.objects.all(), pk=request.GET["org"]
        )
    return org


def _list_context(request, org, tab):
    return {
        "org": org,
        "show_tree": True,
        "tab": tab,
        "is_approver": has_any(request.user, "approve_status", MEMBER),
        "org_query": f"?org={org.pk}" if org else "",
    }


@login_required
def pending(request):
    """党籍审批: requests waiting for this user's decision; a branch sees its own pending requests."""
    org = _staff_list(request)
    within = org.path if org else None
    to_decide = list(status.pending_for_decision(request.user, within=within))
    waiting = [
        c for c in status.pending_requested_in(request.user, within=within) if c not in to_decide
    ]
    return render(
        request,
        "members/status_pending.html",
        {**_list_context(request, org, "pending"), "to_decide": to_decide, "waiting": waiting},
    )


@login_required
def suspended(request):
    """停止党籍人员, with how long each has been suspended and who is now a 除名 candidate."""
    org = _staff_list(request)
    today = timezone.localdate()
    rows = status.suspended_members(request.user, within=org.path if org else None, today=today)
    return render(
        request,
        "members/status_suspended.html",
        {
            **_list_context(request, org, "suspended"),
            "rows": rows,
            "candidates": sum(1 for r in rows if r.strike_candidate),
            "rules": rules_on(DOMAIN, today),
            "today": today,
        },
    )


@login_required
def history(request):
    """党籍变更记录 of an organisation's subtree, newest first."""
    org = _staff_list(request)
    qs = status.changes_for(request.user, within=org.path if org else None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/status_history.html",
        {**_list_context(request, org, "history"), "page": page},
    )


@login_required
def lapses(request):
    """可能自行脱党: members with no recorded 组织生活 and 党费 for the rule's months."""
    org = _staff_list(request)
    today = timezone.localdate()
    return render(
        request,
        "members/status_lapses.html",
        {
            **_list_context(request, org, "lapses"),
            "sources": lapse.lapse_sources(),
            "rows": lapse.possible_lapses(
                request.user, within=org.path if org else None, today=today
            ),
            "rules": rules_on(DOMAIN, today),
        },
    )
