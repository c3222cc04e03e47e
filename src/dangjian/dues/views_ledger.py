"""The branch-facing dues pages: the month sheet, the month close, a member's dues, relief.

The monthly work of a part-time 支部书记 in as few clicks as possible: open the month, untick who did
not pay, correct who paid part, press one button. Reads go through the scope (`path_in_scope`,
`restrict`, `get_scoped_or_404`: out of scope is 404); writes go through `dues.services`, whose
Chinese ValidationError is shown on the form with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import DUES
from dangjian.core.calendar import add_months
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import get_scoped_or_404, has_any, path_in_scope, restrict, scope_paths
from dangjian.dues import jobs, selectors, services
from dangjian.dues.forms import (
    AdjustForm,
    BaseForm,
    BranchMonthForm,
    CloseForm,
    CorrectForm,
    DecideForm,
    PayForm,
    ReliefForm,
    VoluntaryForm,
)
from dangjian.dues.models import DuesEntry, DuesMonth, DuesRelief, EntryKind, ReliefState
from dangjian.dues.rules import DOMAIN
from dangjian.dues.services import month_label, month_start
from dangjian.dues.standards import Category, amount_for, percent
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

ZERO = Decimal("0")
CENT = Decimal("0.01")


# --- helpers --------------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _may(user, action: str, path: str) -> bool:
    return path_in_scope(user, action, DUES, path)


def _org_or_404(user, org_id: int, action: str = "view") -> Organization:
    org = get_object_or_404(Organization, pk=org_id)
    if not _may(user, action, org.path):
        raise Http404
    return org


def _member_or_404(user, member_id: int, action: str = "view") -> Member:
    member = get_object_or_404(Member.objects.select_related("org"), pk=member_id)
    if not _may(user, action, member.org_path):
        raise Http404
    return member


def _month_or_404(raw: str) -> date:
    try:
        month = services.parse_month(raw)
    except ValidationError:
        raise Http404 from None
    if _key(month) != raw or month.year < 2008:
        raise Http404
    return month


def row_state(row: DuesMonth) -> tuple[str, str]:
    """(css class, Chinese words) for one ledger row."""
    if row.due == 0:
        return "ok", _("免交")
    if row.paid >= row.due:
        return "ok", _("已交清")
    if row.paid == 0:
        return "owing", _("未交")
    return "part", _("部分交纳，欠%(owing)s元") % {"owing": row.due - row.paid}


# --- 1. the branch's month sheet ------------------------------------------------------------------


@login_required
def branch_month(request, org_id: int, month: str):
    user = request.user
    org = _org_or_404(user, org_id)
    month = _month_or_404(month)
    if request.GET.get("go"):
        try:
            other = services.parse_month(request.GET["go"])
        except ValidationError:
            other = month
        return redirect("dues:branch_month", org_id=org.pk, month=_key(other))
    today = _today()
    current = month_start(today)
    can_add = _may(user, "add", org.path)
    if can_add and month <= current and selectors.needs_posting(org, month):
        services.close_month(actor=user, month=month, within=org)

    rows = list(
        restrict(user, "view", DuesMonth.objects.filter(org=org, month=month))
        .select_related("member")
        .order_by("member__stroke_key", "member_id")
    )
    form = None
    # Once the month has been recorded, those still owing start unticked: a second press of the
    # button must not record money nobody handed over.
    recorded = DuesEntry.objects.filter(
        org=org, month=month, kind=EntryKind.PAYMENT, paid_on__gte=month
    ).exists()
    if can_add and month <= current:
        form = BranchMonthForm(
            request.POST if request.method == "POST" else None,
            rows=rows,
            ticked=not recorded,
            initial={"paid_on": today},
        )
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            exceptions = form.exceptions()
            try:
                result = services.record_branch_month(
                    actor=user,
                    org=org,
                    month=month,
                    paid_on=form.cleaned_data["paid_on"],
                    method=form.cleaned_data["method"],
                    exceptions=exceptions,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _summary(result, rows, exceptions))
                return redirect("dues:branch_month", org_id=org.pk, month=_key(month))

    shown = []
    totals = {"due": ZERO, "paid": ZERO, "owing": ZERO}
    for row in rows:
        css, words = row_state(row)
        totals["due"] += row.due
        totals["paid"] += row.paid
        totals["owing"] += row.owing
        shown.append(
            {
                "row": row,
                "css": css,
                "state": words,
                "category": _category_label(row.category),
                "owes": row.paid < row.due,
                "pay": form.pay_field(row) if form and row.paid < row.due else None,
                "amount": form.amount_field(row) if form and row.paid < row.due else None,
            }
        )
    no_base = selectors.members_without_base(user, within=org.path, month=month).filter(org=org)
    groups = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by(
        "path"
    )
    prev_month, next_month = add_months(month, -1), add_months(month, 1)
    context = {
        "org": org,
        "month": month,
        "month_text": month_label(month),
        "rows": shown,
        "totals": totals,
        "owing_count": sum(1 for s in shown if s["owes"]),
        "recorded": recorded,
        "form": form,
        "can_add": can_add,
        "can_change": _may(user, "change", org.path),
        "future": month > current,
        "no_base": list(no_base[:200]),
        "groups": groups,
        "prev_key": _key(prev_month),
        "prev_text": month_label(prev_month),
        "next_key": _key(next_month) if next_month <= current else None,
        "next_text": month_label(next_month),
        "current_key": _key(current),
        "is_current": month == current,
        "month_key": _key(month),
        "show_tree": False,
    }
    failed = request.method == "POST"
    return render(request, "dues/ledger_branch_month.html", context, status=400 if failed else 200)


def _category_label(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _summary(result, rows, exceptions: dict[int, str]) -> str:
    names = {r.member_id: r.member.name for r in rows}
    parts = []
    for member_id, raw in exceptions.items():
        amount = Decimal(raw).quantize(CENT) if raw not in ("", None) else ZERO
        if amount == 0:
            parts.append(_("%(name)s未交") % {"name": names.get(member_id, "")})
        else:
            parts.append(
                _("%(name)s交纳%(amount)s元") % {"name": names.get(member_id, ""), "amount": amount}
            )
    text = _(
        "已登记%(month)s党费：%(full)s人按应交足额交纳，%(exceptions)s人例外，合计%(total)s元。"
    ) % {
        "month": month_label(result.month),
        "full": result.paid_in_full,
        "exceptions": result.exceptions,
        "total": result.total,
    }
    if parts:
        text += _("例外：%(list)s。") % {"list": _("；").join(parts)}
    return text


# --- 2. posting a month for a subtree -------------------------------------------------------------


def _orgs_for(user, action: str):
    q = Q(pk__in=[])
    for root in scope_paths(user, action, DUES):
        q |= Q(path__startswith=root)
    return Organization.objects.filter(q).order_by("path")


@login_required
def close(request):
    user = request.user
    if not has_any(user, "add", DUES):
        raise Http404
    orgs = _orgs_for(user, "add")
    initial = {"month": month_start(_today())}
    if request.GET.get("org"):
        initial["org"] = request.GET["org"]
    form = CloseForm(request.POST or None, initial=initial, orgs=orgs)
    result = None
    if request.method == "POST" and form.is_valid():
        org, month = form.cleaned_data["org"], form.cleaned_data["month"]
        try:
            services.check_closable(month)
            if jobs.needs_job(org):  # a large subtree: in the background, with progress
                job = jobs.close_in_background(actor=user, org=org, month=month)
                return redirect("core:job", pk=job.pk)
            result = services.close_month(actor=user, month=month, within=org)
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {
        "form": form,
        "result": result,
        "result_org": form.cleaned_data.get("org") if result else None,
        "result_month_text": month_label(result.month) if result else "",
        "result_month_key": _key(result.month) if result else "",
        "show_tree": False,
    }
    return render(request, "dues/ledger_close.html", context)


# --- 3. one member's dues -------------------------------------------------------------------------


@login_required
def member(request, member_id: int):
    user = request.user
    m = _member_or_404(user, member_id)
    today = _today()
    current = month_start(today)
    in_force = services.base_in_force(m, current)
    years = sorted(
        {d.year for d in DuesMonth.objects.filter(member=m).dates("month", "year")} | {today.year},
        reverse=True,
    )
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if year not in years:
        year = today.year
    rows = []
    for row in selectors.member_months(m, year=year):
        css, words = row_state(row)
        rows.append(
            {"row": row, "css": css, "state": words, "category": _category_label(row.category)}
        )
    entries = list(selectors.member_entries(m))
    corrected = set(
        DuesEntry.objects.filter(member=m, corrects__isnull=False).values_list(
            "corrects_id", flat=True
        )
    )
    journal = [
        {
            "entry": e,
            "corrected": e.pk in corrected,
            "correctable": e.corrects_id is None and e.pk not in corrected,
        }
        for e in entries
    ]
    bases = [{"b": b, "category": _category_label(b.category)} for b in selectors.member_bases(m)]
    path = m.org_path
    context = {
        "m": m,
        "in_force": in_force,
        "in_force_category": _category_label(in_force.category) if in_force else "",
        "in_force_rate": percent(in_force.rate) if in_force and in_force.rate else "",
        "year": year,
        "years": years,
        "rows": rows,
        "year_totals": _year_totals([r["row"] for r in rows]),
        "journal": journal,
        "bases": bases,
        "reliefs": list(m.dues_reliefs.select_related("decided_by").order_by("-requested_at")),
        "can_add": _may(user, "add", path) and m.status == MemberStatus.NORMAL,
        "can_change": _may(user, "change", path),
        "can_set_base": _may(user, "change", path) and m.status == MemberStatus.NORMAL,
        "current_key": _key(current),
        "show_tree": False,
    }
    return render(request, "dues/ledger_member.html", context)


def _year_totals(rows: list[DuesMonth]) -> dict:
    return {
        "due": sum((r.due for r in rows), ZERO),
        "paid": sum((r.paid for r in rows), ZERO),
        "owing": sum((r.owing for r in rows), ZERO),
    }


def _form_page(request, *, form, title, template="dues/ledger_form.html", save, done, **extra):
    """core's form_page with the dues templates: `save` returns the message naming what was done."""
    return form_page(
        request,
        form,
        title=title,
        save=save,
        success=lambda message: message,
        next_url=lambda _message: done,
        template=template,
        context={"show_tree": False, **extra},
        invalid_status=400,
    )


def _member_url(m: Member) -> str:
    return reverse("dues:member", args=[m.pk])


@login_required
def set_base(request, member_id: int):
    user = request.user
    m = _member_or_404(user, member_id, "change")
    current = month_start(_today())
    in_force = services.base_in_force(m, current)
    initial = {"from_month": current}
    if in_force is not None:
        initial.update(category=in_force.category, base=in_force.base or "")
    form = BaseForm(request.POST or None, initial=initial)

    def save(d):
        row = services.set_base(
            actor=user,
            member=m,
            category=d["category"],
            base=d.get("base") or "0",
            from_month=d["from_month"],
            note=d.get("note", ""),
        )
        return _("已核定%(name)s自%(month)s起每月交纳党费%(amount)s元（%(standard)s）。") % {
            "name": m.name,
            "month": month_label(row.from_month),
            "amount": row.amount,
            "standard": row.standard_name,
        }

    return _form_page(
        request,
        form=form,
        title=_("核定党费基数：%(name)s") % {"name": m.name},
        template="dues/ledger_base.html",
        save=save,
        done=_member_url(m),
        m=m,
        in_force=in_force,
        in_force_category=_category_label(in_force.category) if in_force else "",
        preview=_preview(form),
    )


def _preview(form) -> str:
    """The amount for what the form holds, computed by the standard (shown before saving)."""
    data = form.data if form.is_bound else None
    if data is None:
        category, base, month = (
            form.initial.get("category"),
            form.initial.get("base"),
            form.initial.get("from_month"),
        )
    else:
        category, base = data.get("category"), data.get("base")
        try:
            month = services.parse_month(data.get("from_month"))
        except ValidationError:
            month = None
    if not category or month is None:
        return ""
    try:
        result = amount_for(category, base or "0", month)
    except ValidationError as exc:
        return "；".join(exc.messages)
    return _("每月应交%(amount)s元（按%(standard)s计算）") % {
        "amount": result.amount,
        "standard": result.standard.name,
    }


@dataclass(frozen=True)
class MonthOffer:
    month: date
    kind: str  # "catchup", "current", "ahead"
    amount: Decimal | None  # what is still owing (posted) or the amount of the base in force
    posted: bool
    ticked: bool

    @property
    def key(self) -> str:
        return _key(self.month)

    @property
    def label(self) -> str:
        return month_label(self.month)


def _offers(m: Member, today: date) -> list[MonthOffer]:
    """The months one may pay for today: arrears within the 补交 limit, this month, and ahead."""
    rules = rules_on(DOMAIN, today)
    current = month_start(today)
    first = max(add_months(current, -rules.catchup_months), month_start(m.joined_on))
    last = add_months(current, rules.prepay_months)
    posted = {
        r.month: r for r in DuesMonth.objects.filter(member=m, month__gte=first, month__lte=last)
    }
    offers = []
    month = first
    while month <= last:
        row = posted.get(month)
        if row is not None:
            if row.paid < row.due:
                kind = "catchup" if month < current else "current" if month == current else "ahead"
                offers.append(MonthOffer(month, kind, row.due - row.paid, True, month <= current))
        elif month >= current:
            base = services.base_in_force(m, month)
            if base is not None and base.amount > 0:
                kind = "current" if month == current else "ahead"
                offers.append(MonthOffer(month, kind, base.amount, False, month == current))
        month = add_months(month, 1)
    return offers


@login_required
def pay(request, member_id: int):
    user = request.user
    m = _member_or_404(user, member_id, "add")
    today = _today()
    offers = _offers(m, today)
    form = PayForm(request.POST or None, offers=offers, initial={"paid_on": today})

    def save(d):
        chosen = form.chosen()
        entries = services.record_payment(
            actor=user,
            member=m,
            lines=[services.PaymentLine(month, amount) for month, amount in chosen],
            paid_on=d["paid_on"],
            method=d["method"],
            note=d.get("note", ""),
        )
        total = sum((e.amount for e in entries), ZERO)
        return _("已登记%(name)s交纳%(months)s党费，共%(count)s个月，合计%(total)s元。") % {
            "name": m.name,
            "months": _("、").join(month_label(e.month) for e in entries),
            "count": len(entries),
            "total": total,
        }

    rows = [
        {"offer": o, "pick": form.month_field(o), "amount": form.amount_field(o)} for o in offers
    ]
    # 补交, this month and the next two months first; further 预交 months folded away
    ahead = [r for r in rows if r["offer"].kind == "ahead"]
    more = ahead[2:]
    rows = [r for r in rows if r not in more]
    return _form_page(
        request,
        form=form,
        title=_("登记交纳党费：%(name)s") % {"name": m.name},
        template="dues/ledger_pay.html",
        save=save,
        done=_member_url(m),
        m=m,
        offer_rows=rows,
        more_rows=more,
        more_last=more[-1]["offer"].label if more else "",
        rules=rules_on(DOMAIN, today),
    )


@login_required
def voluntary(request, member_id: int):
    user = request.user
    m = _member_or_404(user, member_id, "add")
    today = _today()
    form = VoluntaryForm(request.POST or None, initial={"paid_on": today})
    rules = rules_on(DOMAIN, today)

    def save(d):
        entry = services.record_voluntary(
            actor=user,
            member=m,
            amount=d["amount"],
            paid_on=d["paid_on"],
            method=d["method"],
            note=d.get("note", ""),
        )
        text = _("已登记%(name)s自愿多交党费%(amount)s元。") % {
            "name": m.name,
            "amount": entry.amount,
        }
        if entry.to_centre:
            text += _("一次达到%(threshold)s元，全额上缴中央。") % {
                "threshold": rules.voluntary_centre_threshold
            }
        return text

    return _form_page(
        request,
        form=form,
        title=_("登记自愿多交党费：%(name)s") % {"name": m.name},
        save=save,
        done=_member_url(m),
        m=m,
        explain=_("自愿多交党费不限数额。%(rule)s")
        % {"rule": rules.cite("voluntary_centre_threshold")},
    )


@login_required
def correct(request, entry_id: int):
    user = request.user
    entry = get_scoped_or_404(
        user, "view", DuesEntry.objects.select_related("member", "corrects"), pk=entry_id
    )
    if not _may(user, "change", entry.org_path):
        raise Http404
    form = CorrectForm(request.POST or None)

    def save(d):
        services.correct_entry(
            actor=user,
            entry=entry,
            reason=d["reason"],
            amount=d.get("amount") or None,
            paid_on=d.get("paid_on"),
            method=d.get("method") or None,
        )
        return _("已更正第%(no)s号记录。原记录保留，更正记录已登记。") % {"no": entry.pk}

    return _form_page(
        request,
        form=form,
        title=_("更正收缴记录：%(name)s") % {"name": entry.member.name},
        template="dues/ledger_correct.html",
        save=save,
        done=_member_url(entry.member),
        m=entry.member,
        entry=entry,
    )


@login_required
def adjust(request, row_id: int):
    user = request.user
    row = get_scoped_or_404(user, "view", DuesMonth.objects.select_related("member"), pk=row_id)
    if not _may(user, "change", row.org_path):
        raise Http404
    form = AdjustForm(request.POST or None, initial={"due": row.due})

    def save(d):
        services.adjust_due(actor=user, row=row, due=d["due"], reason=d["reason"])
        return _("已将%(name)s%(month)s的应交党费更正为%(due)s元。") % {
            "name": row.member.name,
            "month": month_label(row.month),
            "due": Decimal(d["due"].strip()).quantize(CENT),
        }

    return _form_page(
        request,
        form=form,
        title=_("更正应交：%(name)s %(month)s")
        % {
            "name": row.member.name,
            "month": month_label(row.month),
        },
        template="dues/ledger_adjust.html",
        save=save,
        done=_member_url(row.member),
        m=row.member,
        row=row,
    )


@login_required
def relief_new(request, member_id: int):
    user = request.user
    m = _member_or_404(user, member_id, "add")
    current = month_start(_today())
    form = ReliefForm(
        request.POST or None,
        initial={"from_month": current, "to_month": add_months(current, 11), "amount": "0"},
    )

    def save(d):
        relief = services.request_relief(
            actor=user,
            member=m,
            from_month=d["from_month"],
            to_month=d["to_month"],
            amount=d.get("amount"),
            reason=d["reason"],
        )
        return _("已提交%(name)s的党费减免申请（第%(no)s号），请等待上一级党委审批。") % {
            "name": m.name,
            "no": relief.pk,
        }

    return _form_page(
        request,
        form=form,
        title=_("申请党费减免：%(name)s") % {"name": m.name},
        save=save,
        done=_member_url(m),
        m=m,
        explain=_(
            "生活确有困难的党员，经党支部研究、报上一级党委批准，可以少交或免交党费"
            "（《关于中国共产党党费收缴、使用和管理的规定》第七条）。"
        ),
    )


# --- 4. relief requests ---------------------------------------------------------------------------


def _parent_path(path: str) -> str:
    return path[: -Organization.steplen]


@login_required
def reliefs(request):
    user = request.user
    if not has_any(user, "view", DUES):
        raise Http404
    qs = (
        restrict(user, "view", DuesRelief.objects.all())
        .select_related("member", "org", "decided_by")
        .annotate(
            pending_first=Case(
                When(state=ReliefState.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-requested_at", "-id")
    )
    show = request.GET.get("show")
    if show == "pending":
        qs = qs.filter(state=ReliefState.PENDING)
    rows = [
        {
            "r": r,
            "may_decide": r.state == ReliefState.PENDING
            and len(r.org_path) > Organization.steplen
            and _may(user, "approve", _parent_path(r.org_path)),
        }
        for r in qs[:300]
    ]
    return render(
        request,
        "dues/ledger_reliefs.html",
        {
            "rows": rows,
            "show": show,
            "pending": sum(1 for r in rows if r["r"].state == ReliefState.PENDING),
            "show_tree": False,
        },
    )


@login_required
def relief_decide(request, pk: int):
    user = request.user
    relief = get_scoped_or_404(
        user, "view", DuesRelief.objects.select_related("member", "org", "decided_by"), pk=pk
    )
    form = DecideForm(request.POST or None)

    def save(d):
        approve = d["decision"] == "approve"
        services.decide_relief(actor=user, relief=relief, approve=approve, note=d.get("note", ""))
        if approve:
            return _("已批准%(name)s的党费减免申请。") % {"name": relief.member.name}
        return _("已决定不批准%(name)s的党费减免申请。") % {"name": relief.member.name}

    return _form_page(
        request,
        form=form,
        title=_("审批党费减免：%(name)s") % {"name": relief.member.name},
        template="dues/ledger_decide.html",
        save=save,
        done=reverse("dues:reliefs"),
        relief=relief,
        decided=relief.state != ReliefState.PENDING,
    )


urlpatterns = [
    path("branch/<int:org_id>/<str:month>/", branch_month, name="branch_month"),
    path("close/", close, name="close"),
    path("member/<int:member_id>/", member, name="member"),
    path("member/<int:member_id>/base/", set_base, name="base"),
    path("member/<int:member_id>/pay/", pay, name="pay"),
    path("member/<int:member_id>/voluntary/", voluntary, name="voluntary"),
    path("member/<int:member_id>/relief/", relief_new, name="relief_new"),
    path("entry/<int:entry_id>/correct/", correct, name="correct"),
    path("row/<int:row_id>/adjust/", adjust, name="adjust"),
    path("reliefs/", reliefs, name="reliefs"),
    path("relief/<int:pk>/decide/", relief_decide, name="relief_decide"),
]
