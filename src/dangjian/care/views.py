"""困难党员帮扶 pages: the register, a recipient's pairings and visits, quarterly compliance,
training records and the register's export. Reads through selectors, writes through services;
everything out of scope (resource CARE) is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import CARE
from dangjian.care import selectors, services
from dangjian.care.forms import (
    CircumstancesForm,
    CloseForm,
    CorrectVisitForm,
    CourseForm,
    EndForm,
    PairForm,
    RecipientForm,
    ReemploymentForm,
    ReviewForm,
    VisitForm,
)
from dangjian.care.models import (
    CarePair,
    CareRecipient,
    Level,
    Reason,
    Trainee,
    TrainingCourse,
    Visit,
)
from dangjian.care.rules import DOMAIN
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import get_scoped_or_404, path_in_scope, scope_paths
from dangjian.orgs.models import Organization


def _can(request, action: str, path: str) -> bool:
    return path_in_scope(request.user, action, CARE, path)


def _root(request, action: str = "view") -> Organization:
    """The organisation picked with ?org= (in scope), else the user's first subtree root."""
    roots = scope_paths(request.user, action, CARE)
    if not roots:
        raise Http404
    raw = request.GET.get("org") or request.POST.get("org")
    if raw:
        org = Organization.objects.filter(pk=raw).first() if str(raw).isdigit() else None
        if org is None or not _can(request, action, org.path):
            raise Http404
        return org
    return Organization.objects.get(path=roots[0])


def _others(request, root: Organization):
    roots = scope_paths(request.user, "view", CARE)
    return Organization.objects.filter(path__in=roots).exclude(pk=root.pk).order_by("path")


def _recipient(request, pk, action: str = "view") -> CareRecipient:
    return get_scoped_or_404(
        request.user, action, CareRecipient.objects.select_related("member", "org"), pk=pk
    )


@login_required
def home(request):
    root = _root(request)
    today = timezone.localdate()
    show = request.GET.get("show", "open")
    rows = selectors.recipients(request.user, within=root.path)
    rows = rows.filter(closed_on__isnull=show != "closed")
    rows = list(rows[:500])
    pairs: dict[int, list] = {}
    for p in CarePair.objects.filter(recipient__in=rows, ended_on__isnull=True).select_related(
        "cadre"
    ):
        pairs.setdefault(p.recipient_id, []).append(p)
    for r in rows:
        r.active_pairs = pairs.get(r.pk, [])
    due = selectors.due_for_review(request.user, today, within=root.path)
    # the last finished quarter: the one a secretary is asked about
    quarter = selectors.quarter_of(today).previous()
    last = selectors.compliance(request.user, quarter, today, within=root.path)
    return render(
        request,
        "care/home.html",
        {
            "org": root,
            "others": _others(request, root),
            "rows": rows,
            "show": show,
            "due": due,
            "review_months": rules_on(DOMAIN, today)["review_months"],
            "last": last,
            "can_add": _can(request, "add", root.path),
            "can_export": _can(request, "export", root.path),
            "show_tree": False,
        },
    )


@login_required
def new(request):
    org = _root(request, "add")
    form = RecipientForm(request.POST or None, org=org)
    return form_page(
        request,
        form,
        title=_("登记困难党员") + " · " + org.name,
        save=lambda d: services.register_recipient(
            actor=request.user,
            member=d["member"],
            reason=d["reason"],
            level=d["level"],
            since=d["since"],
            circumstances=d.get("circumstances", ""),
        ),
        success=lambda r: _("已将%(m)s登记为困难党员。") % {"m": r.member},
        next_url=lambda r: reverse("care:detail", args=[r.pk]),
        org=org,
    )


@login_required
def detail(request, pk):
    recipient = _recipient(request, pk)
    may_read = _can(request, "view_circumstances", recipient.org_path)
    circumstances = None
    if may_read and request.GET.get("show") == "circumstances":
        circumstances = services.reveal_circumstances(
            actor=request.user, recipient=recipient, request=request
        )
    pairs = list(recipient.pairs.select_related("cadre__org").order_by("ended_on", "started_on"))
    load = selectors.cadre_load(request.user)
    for p in pairs:
        p.load = load.get(p.cadre_id, 0)
    visits = list(
        selectors.visits(request.user, within=recipient.org_path)
        .filter(recipient=recipient)
        .order_by("-visited_on", "-id")
    )
    rules = rules_on(DOMAIN, timezone.localdate())
    return render(
        request,
        "care/detail.html",
        {
            "r": recipient,
            "org": recipient.org,
            "pairs": pairs,
            "visits": visits,
            "counted": sum(1 for v in visits if not v.is_corrected),
            "may_read": may_read,
            "circumstances": circumstances,
            "can_add": _can(request, "add", recipient.org_path) and recipient.is_open,
            "can_change": _can(request, "change", recipient.org_path) and recipient.is_open,
            "can_correct": _can(request, "change", recipient.org_path),
            "limit_cite": rules.cite("max_recipients_per_cadre"),
            "show_tree": False,
        },
    )


@login_required
def circumstances(request, pk):
    recipient = _recipient(request, pk, "view_circumstances")
    current = services.reveal_circumstances(
        actor=request.user, recipient=recipient, request=request
    )
    form = CircumstancesForm(request.POST or None, initial={"circumstances": current})
    return form_page(
        request,
        form,
        title=_("个人情况") + " · " + str(recipient.member),
        save=lambda d: services.update_circumstances(
            actor=request.user, recipient=recipient, circumstances=d.get("circumstances", "")
        ),
        success=_("已保存个人情况。"),
        next_url=lambda r: reverse("care:detail", args=[r.pk]),
        org=recipient.org,
    )


@login_required
def pair(request, pk):
    recipient = _recipient(request, pk, "add")
    form = PairForm(request.POST or None, recipient=recipient)
    return form_page(
        request,
        form,
        title=_("结对帮扶") + " · " + str(recipient.member),
        save=lambda d: services.pair_cadre(
            actor=request.user,
            recipient=recipient,
            cadre=d["cadre"],
            started_on=d["started_on"],
            cadre_title=d.get("cadre_title", ""),
        ),
        success=lambda p: _("%(c)s已与%(m)s结对。") % {"c": p.cadre, "m": recipient.member},
        next_url=lambda p: reverse("care:detail", args=[recipient.pk]),
        org=recipient.org,
    )


@login_required
def end_pair(request, pk):
    p = get_scoped_or_404(
        request.user, "change", CarePair.objects.select_related("cadre", "recipient"), pk=pk
    )
    form = EndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    return form_page(
        request,
        form,
        title=_("结束结对") + f" · {p.cadre} → {p.recipient}",
        save=lambda d: services.end_pair(
            actor=request.user, pair=p, ended_on=d["ended_on"], reason=d["reason"]
        ),
        success=_("已结束结对。"),
        next_url=lambda r: reverse("care:detail", args=[p.recipient_id]),
    )


@login_required
def review(request, pk):
    recipient = _recipient(request, pk, "change")
    form = ReviewForm(
        request.POST or None,
        initial={"reviewed_on": timezone.localdate(), "level": recipient.level},
    )
    return form_page(
        request,
        form,
        title=_("年度复核") + " · " + str(recipient.member),
        save=lambda d: services.review_recipient(
            actor=request.user,
            recipient=recipient,
            reviewed_on=d["reviewed_on"],
            level=d["level"],
            note=d.get("note", ""),
        ),
        success=_("已登记复核。"),
        next_url=lambda r: reverse("care:detail", args=[r.pk]),
        org=recipient.org,
    )


@login_required
def close(request, pk):
    recipient = _recipient(request, pk, "change")
    form = CloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    return form_page(
        request,
        form,
        title=_("退出帮扶台账") + " · " + str(recipient.member),
        save=lambda d: services.close_recipient(
            actor=request.user, recipient=recipient, closed_on=d["closed_on"], reason=d["reason"]
        ),
        success=_("已退出帮扶台账，结对同时结束。"),
        next_url=lambda r: reverse("care:detail", args=[r.pk]),
        org=recipient.org,
    )


@login_required
def visit(request, pk):
    recipient = _recipient(request, pk, "add")
    payers = [
        o
        for o in services.payer_choices(recipient)
        if path_in_scope(request.user, "spend", "dues", o.path)
    ]
    form = VisitForm(request.POST or None, recipient=recipient, payers=payers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_visit(
                actor=request.user,
                recipient=recipient,
                visited_on=d["visited_on"],
                cadres=d["cadres"],
                what_done=d["what_done"],
                deeds=(d.get("deeds") or "").splitlines(),
                amount=d.get("amount") or 0,
                paying_org=d.get("paying_org"),
                fund=d["fund"],
                decision_body=d.get("decision_body", ""),
                decision_on=d.get("decision_on"),
                decision_summary=d.get("decision_summary", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记走访。"))
            return redirect(reverse("care:detail", args=[recipient.pk]))
    return render(
        request,
        "care/visit.html",
        {"r": recipient, "org": recipient.org, "form": form, "show_tree": False},
    )


def _payers(request, recipient):
    return [
        o
        for o in services.payer_choices(recipient)
        if path_in_scope(request.user, "spend", "dues", o.path)
    ]


@login_required
def correct_visit(request, pk):
    """更正走访: the right visit replaces the mistaken one (which stays, shown as corrected)."""
    old = get_scoped_or_404(
        request.user,
        "change",
        Visit.objects.select_related("recipient__member", "recipient__org", "fund_entry__org"),
        pk=pk,
    )
    recipient = old.recipient
    if old.is_corrected:
        messages.info(request, _("该走访记录已经更正过；如仍有错误，请更正最新的记录。"))
        return redirect(reverse("care:detail", args=[recipient.pk]))
    form = CorrectVisitForm(
        request.POST or None, recipient=recipient, payers=_payers(request, recipient), visit=old
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.correct_visit(
                actor=request.user,
                visit=old,
                reason=d["reason"],
                visited_on=d["visited_on"],
                cadres=d["cadres"],
                what_done=d["what_done"],
                deeds=(d.get("deeds") or "").splitlines(),
                amount=d.get("amount") or 0,
                paying_org=d.get("paying_org"),
                fund=d["fund"],
                decision_body=d.get("decision_body", ""),
                decision_on=d.get("decision_on"),
                decision_summary=d.get("decision_summary", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已更正走访记录。"))
            return redirect(reverse("care:detail", args=[recipient.pk]))
    return render(
        request,
        "care/visit.html",
        {"r": recipient, "org": recipient.org, "form": form, "old": old, "show_tree": False},
    )


@login_required
def compliance(request):
    root = _root(request)
    today = timezone.localdate()
    try:
        quarter = selectors.parse_quarter(request.GET.get("quarter"), today)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        quarter = selectors.quarter_of(today)
    result = selectors.compliance(request.user, quarter, today, within=root.path)
    return render(
        request,
        "care/compliance.html",
        {
            "org": root,
            "others": _others(request, root),
            "c": result,
            "quarters": selectors.quarter_choices(today),
            "show_tree": False,
        },
    )


@login_required
def training(request):
    root = _root(request)
    rows = selectors.courses(request.user, within=root.path)
    return render(
        request,
        "care/training.html",
        {
            "org": root,
            "others": _others(request, root),
            "rows": rows,
            "trained": sum(r.trained for r in rows),
            "reemployed": sum(r.reemployed for r in rows),
            "can_add": _can(request, "add", root.path),
            "show_tree": False,
        },
    )


@login_required
def training_new(request):
    org = _root(request, "add")
    form = CourseForm(request.POST or None, org=org)

    def save(d):
        reemployed = {m.pk for m in d.get("reemployed") or []}
        day = d.get("reemployed_on") or d["held_on"]
        people = list(d.get("trainees") or [])
        people += [m for m in d.get("reemployed") or [] if m not in people]
        return services.record_course(
            actor=request.user,
            org=org,
            title=d["title"],
            held_on=d["held_on"],
            organiser=d["organiser"],
            trainees=[(m, day if m.pk in reemployed else None, "") for m in people],
            others_trained=d.get("others_trained") or 0,
            others_reemployed=d.get("others_reemployed") or 0,
            headcount_source=d.get("headcount_source", ""),
            note=d.get("note", ""),
        )

    return form_page(
        request,
        form,
        title=_("登记技能培训") + " · " + org.name,
        save=save,
        success=_("已登记培训。"),
        next_url=lambda c: f"{reverse('care:training')}?org={org.pk}",
        org=org,
    )


EXPORT_COLUMNS = (
    ExportColumn("姓名", 10),
    ExportColumn("党组织", 28),
    ExportColumn("困难类型", 10),
    ExportColumn("困难程度", 10),
    ExportColumn("困难起始日期", 14, "date"),
    ExportColumn("最近复核日期", 14, "date"),
    ExportColumn("结对领导干部", 30),
    ExportColumn("个人情况", 40),
    ExportColumn("退出日期", 14, "date"),
    ExportColumn("退出原因", 24),
)


@login_required
def export(request):
    """The register as .xlsx. Personal circumstances are masked unless asked for (?unmask=1) by
    a role that may read them; an unmasked export is a reading of every row and says so."""
    root = _root(request, "export")
    unmask = request.GET.get("unmask") == "1"
    if unmask and not _can(request, "view_circumstances", root.path):
        raise Http404
    rows = selectors.recipients(request.user, action="export", within=root.path)
    if unmask:
        rows = rows.filter(
            pk__in=selectors.recipients(
                request.user, action="view_circumstances", within=root.path
            ).values("pk")
        )
    pairs: dict[int, list[str]] = {}
    for p in CarePair.objects.filter(
        recipient__in=rows.values("pk"), ended_on__isnull=True
    ).select_related("cadre"):
        pairs.setdefault(p.recipient_id, []).append(
            f"{p.cadre}{'（' + p.cadre_title + '）' if p.cadre_title else ''}"
        )
    from dangjian.core.crypto import provider

    crypto = provider()

    def lines():
        for r in rows.iterator(chunk_size=500):
            if not r.has_circumstances:
                text = ""
            elif unmask:
                text = crypto.decrypt(r.circumstances_enc)
            else:
                text = "******"
            yield (
                r.member.name,
                r.org.name,
                r.get_reason_display(),
                r.get_level_display(),
                r.since,
                r.reviewed_on,
                "、".join(pairs.get(r.pk, [])),
                text,
                r.closed_on,
                r.closed_reason,
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, n = xlsx_response(
        filename=f"困难党员台账_{root.short_name or root.name}_{stamp}.xlsx",
        sheet="困难党员台账",
        columns=EXPORT_COLUMNS,
        rows=lines(),
    )
    record_event(
        "view_pii" if unmask else "export",
        actor=request.user,
        request=request,
        org_path=root.path,
        detail={"kind": "care_recipients", "rows": n, "unmasked": unmask, "field": "circumstances"}
        if unmask
        else {"kind": "care_recipients", "rows": n, "unmasked": False},
    )
    if unmask:
        record_event(
            "export",
            actor=request.user,
            request=request,
            org_path=root.path,
            detail={"kind": "care_recipients", "rows": n, "unmasked": True},
        )
    return response


# --- a course and its trainees' re-employment ---------------------------------------------------


@login_required
def course(request, pk):
    c = get_scoped_or_404(request.user, "view", TrainingCourse.objects.select_related("org"), pk=pk)
    trainees = list(
        Trainee.objects.filter(course=c)
        .select_related("member__org")
        .order_by("member__stroke_key", "id")
    )
    return render(
        request,
        "care/course.html",
        {
            "c": c,
            "org": c.org,
            "trainees": trainees,
            "reemployed": sum(1 for t in trainees if t.reemployed_on),
            "can_change": _can(request, "change", c.org_path),
            "show_tree": False,
        },
    )


@login_required
def reemploy(request, pk):
    t = get_scoped_or_404(
        request.user, "change", Trainee.objects.select_related("course", "member"), pk=pk
    )
    form = ReemploymentForm(
        request.POST or None,
        initial={
            "reemployed_on": t.reemployed_on or timezone.localdate(),
            "employer": t.employer,
        },
    )
    return form_page(
        request,
        form,
        title=_("登记再就业") + f" · {t.member} · {t.course.title}",
        save=lambda d: services.record_reemployment(
            actor=request.user,
            trainee=t,
            reemployed_on=d["reemployed_on"],
            employer=d["employer"],
            note=d.get("note", ""),
        ),
        success=lambda r: _("已登记%(m)s再就业。") % {"m": r.member},
        next_url=lambda r: reverse("care:course", args=[t.course_id]),
    )


# --- figures --------------------------------------------------------------------------------------


def _year(request, today) -> int:
    raw = request.GET.get("year") or ""
    if raw.isdigit() and 2000 <= int(raw) <= today.year:
        return int(raw)
    if raw:
        messages.error(request, _("年度应为2000年至今年之间的四位年份。"))
    return today.year


@login_required
def figures(request):
    root = _root(request)
    today = timezone.localdate()
    year = _year(request, today)
    f = selectors.figures(request.user, year, today, within=root.path)
    return render(
        request,
        "care/figures.html",
        {
            "org": root,
            "others": _others(request, root),
            "f": f,
            "year": year,
            "years": list(range(today.year, today.year - 6, -1)),
            "can_export": _can(request, "export", root.path),
            "show_tree": False,
        },
    )


FIGURE_LISTS = {
    "recipients": _("困难党员"),
    "visits": _("走访慰问"),
    "deeds": _("办的实事"),
    "money": _("慰问金"),
    "reemployed": _("实现再就业的党员"),
}


@login_required
def figures_list(request):
    """The records behind one number of the figures page."""
    root = _root(request)
    today = timezone.localdate()
    year = _year(request, today)
    what = request.GET.get("what", "")
    if what not in FIGURE_LISTS:
        raise Http404
    title = str(FIGURE_LISTS[what])
    page = {"org": root, "year": year, "what": what, "show_tree": False}
    if what == "recipients":
        rows = selectors.recipients_in_year(request.user, year, within=root.path)
        reason, level = request.GET.get("reason", ""), request.GET.get("level", "")
        if reason in Reason.values:
            rows = rows.filter(reason=reason)
            title += " · " + str(Reason(reason).label)
        if level in Level.values:
            rows = rows.filter(level=level)
            title += " · " + str(Level(level).label)
        page["rows"] = list(rows[:2000])
    elif what == "reemployed":
        page["rows"] = list(selectors.reemployed_in_year(request.user, year, within=root.path))
    else:
        rows = selectors.visits_in_year(request.user, year, within=root.path).order_by(
            "visited_on", "id"
        )
        if what == "money":
            rows = rows.filter(amount__gt=0)
            page["ledger"] = list(
                selectors.ledger_condolences(request.user, year, within=root.path)
            )
        elif what == "deeds":
            rows = rows.filter(deeds__isnull=False).distinct()
        page["rows"] = list(rows[:2000])
    page["title"] = title
    return render(request, "care/figures_list.html", page)


@login_required
def figures_export(request):
    """The figures as .xlsx: the summary, the recipients (circumstances always masked) and the
    visits that count. Audited as an export."""
    import os
    import tempfile

    from django.http import FileResponse

    from dangjian.core.exports import XLSX, export_dir, new_workbook

    root = _root(request, "export")
    today = timezone.localdate()
    year = _year(request, today)
    f = selectors.figures(request.user, year, today, within=root.path)
    people = selectors.recipients_in_year(request.user, year, within=root.path).filter(
        pk__in=selectors.recipients(request.user, action="export", within=root.path).values("pk")
    )
    visits = selectors.visits_in_year(request.user, year, within=root.path).filter(
        pk__in=selectors.visits(request.user, action="export", within=root.path).values("pk")
    )
    fd, path = tempfile.mkstemp(suffix=".xlsx", dir=export_dir())
    os.close(fd)
    n = 0
    try:
        book = new_workbook(path)
        head = book.add_format({"bold": True, "bg_color": "#FAF0E6", "border": 1})
        day = book.add_format({"num_format": 'yyyy"年"m"月"d"日"', "align": "left"})
        money = book.add_format({"num_format": "#,##0.00"})

        def sheet(name, headers, widths):
            ws = book.add_worksheet(name)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True)):
                ws.set_column(i, i, w)
                ws.write_string(0, i, h, head)
            ws.freeze_panes(1, 0)
            return ws

        ws = sheet("汇总", ["项目", "数量"], [36, 16])
        summary = [(f"{year}年 {root.name}", ""), ("困难党员（人）", f.recipients)]
        summary += [(f"  困难类型：{label}", n) for _v, label, n in f.by_reason]
        summary += [(f"  困难程度：{label}", n) for _v, label, n in f.by_level]
        summary += [
            ("走访慰问（次）", f.visits),
            ("办的实事（件）", f.deeds),
            ("慰问金（元）", float(f.money)),
            ("经费账目中的走访慰问金支出（元）", float(f.ledger_money)),
        ]
        summary += [
            (f"{q.quarter.label}结对走访落实（落实/应走访）", f"{q.compliant}/{q.expected}")
            for q in f.quarters
        ]
        summary += [("参训人数", f.trained), ("实现再就业人数", f.reemployed)]
        for i, (label, value) in enumerate(summary, start=1):
            ws.write_string(i, 0, label)
            if isinstance(value, int | float):
                ws.write_number(i, 1, value, money if isinstance(value, float) else None)
            elif value:
                ws.write_string(i, 1, value)
        ws = sheet(
            "困难党员",
            ["姓名", "党组织", "困难类型", "困难程度", "困难起始日期", "个人情况", "退出日期"],
            [10, 28, 10, 10, 14, 12, 14],
        )
        for n, r in enumerate(people.iterator(chunk_size=500), start=1):
            ws.write_string(n, 0, r.member.name)
            ws.write_string(n, 1, r.org.name)
            ws.write_string(n, 2, r.get_reason_display())
            ws.write_string(n, 3, r.get_level_display())
            ws.write_datetime(n, 4, r.since, day)
            ws.write_string(n, 5, "******" if r.has_circumstances else "")  # always masked
            if r.closed_on:
                ws.write_datetime(n, 6, r.closed_on, day)
        ws = sheet(
            "走访慰问",
            ["走访日期", "困难党员", "走访的领导干部", "办的实事", "慰问金（元）"],
            [14, 10, 24, 40, 14],
        )
        for i, v in enumerate(visits.order_by("visited_on", "id"), start=1):
            ws.write_datetime(i, 0, v.visited_on, day)
            ws.write_string(i, 1, v.recipient.member.name)
            ws.write_string(i, 2, "、".join(c.name for c in v.cadres.all()))
            ws.write_string(i, 3, "；".join(d.text for d in v.deeds.all()))
            ws.write_number(i, 4, float(v.amount), money)
        book.close()
        handle = open(path, "rb")
    finally:
        os.unlink(path)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"困难党员帮扶统计_{root.short_name or root.name}_{year}.xlsx",
        content_type=XLSX,
    )
    response["Cache-Control"] = "no-store"
    record_event(
        "export",
        actor=request.user,
        request=request,
        org_path=root.path,
        detail={"kind": "care_figures", "year": year, "rows": n, "unmasked": False},
    )
    return response
