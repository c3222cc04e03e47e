"""换届选举 pages: terms due and overdue, one organisation's terms and elections, the 换届 steps,
ballot entry, the result sheet (page and PDF), 届中任免. Reads through the scope (out of scope is
404), writes through `elections.services`, whose Chinese ValidationError is shown with nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.roles import ELECTION
from dangjian.core.audit import record_event
from dangjian.core.exports import ExportColumn, xlsx_response
from dangjian.core.forms import add_service_errors, form_page
from dangjian.core.pdf import chinese_date, pdf_response
from dangjian.core.rulesets import public_source, rules_on
from dangjian.core.scope import get_scoped_or_404, has_any, path_in_scope, restrict, scope_paths
from dangjian.elections import selectors, services
from dangjian.elections.count import check_slate, fraction_words
from dangjian.elections.forms import (
    CountForm,
    DecisionForm,
    LeaderRoundForm,
    MeetingForm,
    PlanForm,
    PostChangeForm,
    TermChangeForm,
    TermForm,
)
from dangjian.elections.models import (
    Ballot,
    Body,
    Election,
    Office,
    PostChange,
    RequestStatus,
    Round,
    Stage,
    Term,
    TermChange,
)
from dangjian.elections.rules import DOMAIN
from dangjian.orgs.models import Organization, Portfolio, Post


def _org(request, pk, action: str = "view") -> Organization:
    org = Organization.objects.filter(pk=pk).first()
    if org is None or not path_in_scope(request.user, action, ELECTION, org.path):
        raise Http404
    return org


def _can(request, action: str, org: Organization) -> bool:
    return path_in_scope(request.user, action, ELECTION, org.path)


@login_required
def home(request):
    user = request.user
    if not has_any(user, "view", ELECTION):
        raise Http404
    today = timezone.localdate()
    months = selectors.due_soon_months(today)
    return render(
        request,
        "elections/home.html",
        {
            "today": today,
            "months": months,
            "months_source": public_source(
                rules_on("terms", today).domain.spec("due_soon_months").source
            ),
            "overdue": list(selectors.terms_overdue(user, today)[:200]),
            "due_soon": list(selectors.terms_due_within(user, today, months)[:200]),
            "in_progress": list(selectors.elections_in_progress(user)[:200]),
            "waiting": selectors.awaiting_my_decision(user),
            "can_export": has_any(user, "export", ELECTION),
        },
    )


def _registry_rows(user, action: str):
    return (
        restrict(user, action, Term.objects.filter(ended_on__isnull=True))
        .select_related("org")
        .order_by("org_path")
    )


@login_required
def registry(request):
    user = request.user
    if not has_any(user, "view", ELECTION):
        raise Http404
    terms = list(_registry_rows(user, "view")[:1000])
    registered = {t.org_id for t in terms}
    roots = scope_paths(user, "view", ELECTION)
    missing = []
    for root in roots:
        missing += [
            o
            for o in Organization.objects.filter(
                path__startswith=root, org_type__in=services.ELECTING_TYPES, status="active"
            ).order_by("path")
            if o.pk not in registered
        ]
    return render(
        request,
        "elections/registry.html",
        {"terms": terms, "missing": missing[:300], "today": timezone.localdate()},
    )


EXPORT_COLUMNS = (
    ExportColumn("党组织", 34),
    ExportColumn("组织类别", 10),
    ExportColumn("班子", 18),
    ExportColumn("本届开始", 14, "date"),
    ExportColumn("每届年限", 8, "number"),
    ExportColumn("原定届满", 14, "date"),
    ExportColumn("届满日期", 14, "date"),
    ExportColumn("状态", 12),
    ExportColumn("书记", 10),
    ExportColumn("任期依据", 40),
)


@login_required
def registry_export(request):
    user = request.user
    if not has_any(user, "export", ELECTION):
        raise Http404
    today = timezone.localdate()
    terms = list(_registry_rows(user, "export"))
    secretaries = dict(
        Post.objects.filter(
            org_id__in=[t.org_id for t in terms], kind="secretary", ended_on__isnull=True
        ).values_list("org_id", "member__name")
    )

    def rows():
        for t in terms:
            state = _("已届满") if t.due_on < today else _("在任")
            yield (
                t.org.name,
                t.org.get_org_type_display(),
                t.get_body_display(),
                t.started_on,
                t.length_years,
                t.original_due_on,
                t.due_on,
                state,
                secretaries.get(t.org_id, ""),
                t.rule_version,
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, n = xlsx_response(
        filename=f"任期登记_{stamp}.xlsx", sheet="任期登记", columns=EXPORT_COLUMNS, rows=rows()
    )
    record_event(
        "export",
        actor=user,
        request=request,
        org_path=(scope_paths(user, "export", ELECTION) or [""])[0],
        detail={"kind": "terms", "rows": n},
    )
    return response


_POST_ORDER = {"secretary": 0, "deputy": 1, "member": 2}


@login_required
def org_page(request, pk):
    org = _org(request, pk)
    user = request.user
    terms = list(restrict(user, "view", Term.objects.filter(org=org)).order_by("-started_on"))
    current = next((t for t in terms if t.ended_on is None), None)
    return render(
        request,
        "elections/org.html",
        {
            "org": org,
            "current": current,
            "terms": terms,
            "elections": list(restrict(user, "view", Election.objects.filter(org=org))),
            "changes": list(
                restrict(user, "view", TermChange.objects.filter(term__org=org)).select_related(
                    "term"
                )
            ),
            "post_changes": list(
                restrict(user, "view", PostChange.objects.filter(org=org)).select_related("member")
            ),
            "posts": sorted(
                Post.objects.filter(org=org, ended_on__isnull=True).select_related("member"),
                key=lambda p: (_POST_ORDER.get(p.kind, 9), p.member.stroke_key),
            ),
            "can_add": _can(request, "add", org),
            "electing": org.org_type in services.ELECTING_TYPES,
            "busy": Election.objects.filter(org=org).exclude(stage=Stage.COMPLETED).exists(),
            "today": timezone.localdate(),
        },
    )


@login_required
def term_new(request, pk):
    org = _org(request, pk, "add")
    form = TermForm(
        request.POST or None,
        org=org,
        initial={"body": services.default_body(org, timezone.localdate())},
    )
    return form_page(
        request,
        form,
        title=_("登记本届任期：%(org)s") % {"org": org},
        save=lambda d: services.register_term(
            actor=request.user, org=org, started_on=d["started_on"], body=d["body"], note=d["note"]
        ),
        success=lambda t: _("已登记，届满日期为%(d)s。") % {"d": chinese_date(t.due_on)},
        next_url=lambda t: reverse("elections:org", args=[org.pk]),
        org=org,
    )


@login_required
def term_change_new(request, pk):
    term = get_scoped_or_404(request.user, "add", Term.objects.select_related("org"), pk=pk)
    form = TermChangeForm(request.POST or None)
    return form_page(
        request,
        form,
        title=_("申请延期或提前换届：%(org)s（届满日期%(d)s）")
        % {"org": term.org, "d": chinese_date(term.due_on)},
        save=lambda d: services.request_term_change(
            actor=request.user,
            term=term,
            new_due_on=d["new_due_on"],
            reason=d["reason"],
            exception_basis=d["exception_basis"],
        ),
        success=_("已报送，等待上级党组织批复。"),
        next_url=lambda c: reverse("elections:term_change", args=[c.pk]),
        org=term.org,
    )


@login_required
def term_change_detail(request, pk):
    change = get_scoped_or_404(
        request.user, "view", TermChange.objects.select_related("term__org", "requested_by"), pk=pk
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_term_change(
                actor=request.user,
                change=change,
                approve="approve" in request.POST,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已批复。"))
            return redirect("elections:term_change", pk=change.pk)
    return render(
        request,
        "elections/term_change.html",
        {
            "change": change,
            "org": change.term.org,
            "form": form,
            "can_decide": change.status == RequestStatus.PENDING
            and services.may_approve(request.user, change.term.org)
            and change.requested_by_id != request.user.pk,
        },
    )


# --- the 换届 workflow ---------------------------------------------------------------------------


@login_required
def election_new(request, pk):
    org = _org(request, pk, "add")
    term = services.open_term_of(org)
    body = term.body if term else services.default_body(org, timezone.localdate())
    form = PlanForm(
        request.POST or None,
        initial={"seats": 1 if body == Body.SECRETARY else 3, "leaders_same_meeting": True},
    )
    return form_page(
        request,
        form,
        title=_("换届请示：%(org)s") % {"org": org},
        save=lambda d: services.submit_plan(
            actor=request.user,
            org=org,
            plan=d["plan"],
            seats=d["seats"],
            proposed_candidates=d["proposed_candidates"],
            deputy_seats=d["deputy_seats"] or 0,
            leaders_same_meeting=d["leaders_same_meeting"],
            planned_on=d["planned_on"],
        ),
        success=_("换届请示已报送，等待上级党组织批复。"),
        next_url=lambda e: reverse("elections:election", args=[e.pk]),
        org=org,
        template="elections/plan.html",
        context={"body": Body(body).label, "term": term},
    )


@login_required
def election_plan_edit(request, pk):
    election = get_scoped_or_404(
        request.user, "change", Election.objects.select_related("org"), pk=pk
    )
    form = PlanForm(
        request.POST or None,
        initial={
            f: getattr(election, f)
            for f in (
                "plan",
                "seats",
                "proposed_candidates",
                "deputy_seats",
                "leaders_same_meeting",
                "planned_on",
            )
        },
    )
    return form_page(
        request,
        form,
        title=_("修改并重新报送换届请示：%(org)s") % {"org": election.org},
        save=lambda d: services.resubmit_plan(
            actor=request.user,
            election=election,
            **{**d, "deputy_seats": d["deputy_seats"] or 0},
        ),
        success=_("已重新报送。"),
        next_url=lambda e: reverse("elections:election", args=[e.pk]),
        org=election.org,
        template="elections/plan.html",
        context={"body": election.get_body_display()},
    )


def _election(request, pk, action="view") -> Election:
    return get_scoped_or_404(
        request.user, action, Election.objects.select_related("org", "old_term", "new_term"), pk=pk
    )


def _steps(election: Election) -> list[tuple[str, str]]:
    order = [s for s in Stage if s != Stage.RETURNED]
    now = order.index(
        Stage.REQUESTED if election.stage == Stage.RETURNED else Stage(election.stage)
    )
    return [
        (
            s.label,
            "done" if i < now or election.stage == Stage.COMPLETED else "now" if i == now else "",
        )
        for i, s in enumerate(order)
    ]


@login_required
def election_detail(request, pk):
    election = _election(request, pk)
    user = request.user
    rounds = list(election.rounds.prefetch_related("candidates__member"))
    approver = services.may_approve(user, election.org)
    requester = (
        election.requested_by_id
        if election.stage == Stage.REQUESTED
        else election.result_submitted_by_id
    )
    can_decide = (
        election.stage in (Stage.REQUESTED, Stage.RESULT_SUBMITTED)
        and approver
        and requester != user.pk
    )
    open_round = next((r for r in rounds if r.is_open), None)
    portfolios = []
    if election.stage in (Stage.LEADERS, Stage.RESULT_READY) and election.has_committee:
        leaders = {
            c.member_id
            for c in services.elected_members(election, Office.SECRETARY)
            + services.elected_members(election, Office.DEPUTY)
        }
        portfolios = [
            c
            for c in services.elected_members(election, Office.MEMBER)
            if c.member_id not in leaders
        ]
    return render(
        request,
        "elections/election.html",
        {
            "election": election,
            "org": election.org,
            "rounds": rounds,
            "open_round": open_round,
            "events": list(election.events.select_related("actor")),
            "can_change": _can(request, "change", election.org),
            "can_decide": can_decide,
            "decision_form": DecisionForm(),
            "next_step": services.NEXT_STEP[Stage(election.stage)],
            "steps": _steps(election),
            "portfolios": portfolios,
            "portfolio_choices": Portfolio.choices,
            "needs_meeting_again": election.stage == Stage.VOTING and open_round is None,
            "team": services.new_team(election)
            if election.stage in (Stage.RESULT_READY, Stage.RESULT_SUBMITTED)
            else [],
        },
    )


@login_required
@require_POST
def election_decide(request, pk):
    election = _election(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = "approve" in request.POST
    note = form.cleaned_data.get("note", "")
    try:
        if election.stage == Stage.REQUESTED:
            services.decide_plan(actor=request.user, election=election, approve=approve, note=note)
        else:
            services.decide_result(
                actor=request.user, election=election, approve=approve, note=note
            )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已批复。"))
    return redirect("elections:election", pk=election.pk)


@login_required
@require_POST
def election_submit(request, pk):
    election = _election(request, pk, "change")
    try:
        services.submit_result(actor=request.user, election=election)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("选举结果已报送，等待上级党组织批复。"))
    return redirect("elections:election", pk=election.pk)


@login_required
@require_POST
def election_portfolios(request, pk):
    election = _election(request, pk, "change")
    values = {
        int(k[len("portfolio_") :]): v
        for k, v in request.POST.items()
        if k.startswith("portfolio_") and k[len("portfolio_") :].isdigit()
    }
    try:
        services.set_portfolios(actor=request.user, election=election, portfolios=values)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("委员分工已保存。"))
    return redirect("elections:election", pk=election.pk)


@login_required
def candidates(request, pk):
    election = _election(request, pk, "change")
    voters = list(services.voters(election.org))
    rnd = election.rounds.filter(number=1).first()
    chosen = set(rnd.candidates.values_list("member_id", flat=True)) if rnd else set()
    errors: list[str] = []
    if request.method == "POST":
        chosen = {int(x) for x in request.POST.getlist("member") if x.isdigit()}
        try:
            services.set_candidates(
                actor=request.user, election=election, member_ids=sorted(chosen)
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("候选人名单已确定（按姓氏笔画为序）。"))
            return redirect("elections:election", pk=election.pk)
    slate = check_slate(election.seats, max(len(chosen), 0), rules_on(DOMAIN, timezone.localdate()))
    return render(
        request,
        "elections/candidates.html",
        {
            "election": election,
            "org": election.org,
            "voters": voters,
            "chosen": chosen,
            "errors": errors,
            "required": slate.required,
        },
        status=400 if errors else 200,
    )


@login_required
def meeting(request, pk):
    election = _election(request, pk, "change")
    voters = list(services.voters(election.org))
    form = MeetingForm(request.POST or None, initial={"meeting_on": timezone.localdate()})
    excluded = {e.member_id: e.reason for e in election.exclusions.all()}
    if request.method == "POST":
        excluded = {
            m.pk: request.POST.get(f"reason_{m.pk}", "")
            for m in voters
            if request.POST.get(f"exclude_{m.pk}")
        }
        if form.is_valid():
            try:
                services.record_meeting(
                    actor=request.user,
                    election=election,
                    meeting_on=form.cleaned_data["meeting_on"],
                    present=form.cleaned_data["present"],
                    exclusions=excluded,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("选举大会已登记，请录入选票。"))
                return redirect("elections:election", pk=election.pk)
    rules = rules_on(DOMAIN, timezone.localdate())
    return render(
        request,
        "elections/meeting.html",
        {
            "election": election,
            "org": election.org,
            "form": form,
            "voters": voters,
            "excluded": excluded,
            "quorum": (_("超过") if rules["quorum_strict"] else _("达到"))
            + _("应到会人数的%(share)s")
            % {"share": fraction_words(rules["quorum_numerator"], rules["quorum_denominator"])},
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


def _round(request, pk, action="view") -> Round:
    return get_scoped_or_404(
        request.user, action, Round.objects.select_related("election__org"), pk=pk
    )


@login_required
def round_page(request, pk):
    rnd = _round(request, pk)
    election = rnd.election
    cands = list(rnd.candidates.select_related("member"))
    ballots = list(rnd.ballots.order_by("-number"))
    live = [b for b in ballots if not b.cancelled]
    names = {c.member_id: c.member.name for c in cands}
    for b in ballots:
        b.names = [names.get(m, "?") for m in b.marks]
        b.over = len(b.marks) > rnd.seats
    leader_round = rnd.office != Office.MEMBER and election.body != Body.SECRETARY
    needs_prepare = rnd.is_open and (not cands or (leader_round and rnd.held_on is None))
    pool = []
    if needs_prepare:
        if leader_round:
            taken = {c.member_id for c in services.elected_members(election, Office.SECRETARY)}
            pool = [
                c.member
                for c in services.elected_members(election, Office.MEMBER)
                if c.member_id not in taken
            ]
        else:
            taken = {c.member_id for c in services.elected_members(election, rnd.office)}
            pool = [m for m in services.voters(election.org) if m.pk not in taken]
    return render(
        request,
        "elections/round.html",
        {
            "rnd": rnd,
            "election": election,
            "org": election.org,
            "cands": cands,
            "ballots": ballots,
            "live": len(live),
            "can_change": _can(request, "change", election.org) and rnd.is_open,
            "needs_prepare": needs_prepare,
            "leader_round": leader_round,
            "pool": pool,
            "prepare_form": LeaderRoundForm(initial={"held_on": timezone.localdate()}),
            "count_form": CountForm(
                initial={"ballots_issued": rnd.present, "ballots_returned": len(live) or None}
            ),
            "totals_form": CountForm(
                auto_id="t-%s",
                initial={"ballots_issued": rnd.present, "ballots_returned": rnd.present},
            ),
            "explanation": rnd.result.get("explanation", []),
        },
    )


@login_required
@require_POST
def round_prepare(request, pk):
    rnd = _round(request, pk, "change")
    form = LeaderRoundForm(request.POST)
    form.is_valid()
    try:
        services.prepare_round(
            actor=request.user,
            rnd=rnd,
            member_ids=request.POST.getlist("member"),
            held_on=form.cleaned_data.get("held_on"),
            present=form.cleaned_data.get("present"),
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("候选人已确定。"))
    return redirect("elections:round", pk=rnd.pk)


@login_required
@require_POST
def round_ballot(request, pk):
    rnd = _round(request, pk, "change")
    try:
        ballot = services.enter_ballot(
            actor=request.user, rnd=rnd, marks=request.POST.getlist("mark")
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("第%(n)s张选票已保存。") % {"n": ballot.number})
    return redirect(reverse("elections:round", args=[rnd.pk]) + "#ballot")


@login_required
@require_POST
def ballot_cancel(request, pk):
    ballot = get_scoped_or_404(
        request.user, "change", Ballot.objects.select_related("round"), pk=pk
    )
    try:
        services.cancel_ballot(actor=request.user, ballot=ballot)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("第%(n)s张选票已作废，请重新录入。") % {"n": ballot.number})
    return redirect(reverse("elections:round", args=[ballot.round_id]) + "#ballot")


@login_required
@require_POST
def round_count(request, pk):
    rnd = _round(request, pk, "change")
    form = CountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写发出和收回的选票数。"))
        return redirect("elections:round", pk=rnd.pk)
    totals = None
    invalid = None
    if request.POST.get("mode") == "totals":
        totals = {}
        for c in rnd.candidates.all():
            raw = (request.POST.get(f"votes_{c.member_id}") or "0").strip()
            if not raw.isdigit():
                messages.error(request, _("得票数应为不小于0的整数。"))
                return redirect("elections:round", pk=rnd.pk)
            totals[c.member_id] = int(raw)
        raw = (request.POST.get("invalid_count") or "0").strip()
        if not raw.isdigit():
            messages.error(request, _("无效票数应为不小于0的整数。"))
            return redirect("elections:round", pk=rnd.pk)
        invalid = int(raw)
    try:
        services.count_round(
            actor=request.user,
            rnd=rnd,
            ballots_issued=form.cleaned_data["ballots_issued"],
            ballots_returned=form.cleaned_data["ballots_returned"],
            totals=totals,
            invalid_count=invalid,
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("elections:round", pk=rnd.pk)
    messages.success(request, _("已计票。"))
    return redirect("elections:round", pk=rnd.pk)


# --- the result sheet ---------------------------------------------------------------------------


def _sheet(election: Election) -> dict:
    rounds = []
    for r in election.rounds.prefetch_related("candidates__member").order_by("number"):
        if r.is_open:
            continue
        res = r.result or {}
        rounds.append(
            {
                "r": r,
                "res": res,
                "cands": list(r.candidates.all()),
                "invalid": res.get("invalid_details", []),
                "quorum": res.get("quorum", {}),
                "threshold": res.get("threshold") or {},
                "follow": res.get("follow_up", []),
            }
        )
    return {
        "election": election,
        "org": election.org,
        "rounds": rounds,
        "exclusions": list(election.exclusions.select_related("member")),
        "team": services.new_team(election),
        "meeting_day": chinese_date(election.meeting_on),
        "leaders_day": chinese_date(election.leaders_on),
        "today": chinese_date(timezone.localdate()),
    }


@login_required
def result_sheet(request, pk):
    election = _election(request, pk)
    return render(request, "elections/result.html", _sheet(election))


@login_required
def result_pdf(request, pk):
    election = _election(request, pk)
    if not election.rounds.exclude(status="open").exists():
        raise Http404
    return pdf_response(
        "elections/result_pdf.html",
        _sheet(election),
        filename=f"选举结果报告单_{election.org.short_name or election.org.name}.pdf",
    )


# --- 届中任免 ------------------------------------------------------------------------------------


@login_required
def post_change_new(request, pk):
    org = _org(request, pk, "add")
    members = list(services.voters(org))
    holders = Post.objects.filter(org=org, ended_on__isnull=True).values_list(
        "member_id", flat=True
    )
    members += [
        p
        for p in org.members.model.objects.filter(pk__in=holders)
        if p.pk not in {m.pk for m in members}
    ]
    form = PostChangeForm(request.POST or None, members=members)
    by_id = {m.pk: m for m in members}
    return form_page(
        request,
        form,
        title=_("届中任免：%(org)s") % {"org": org},
        save=lambda d: services.request_post_change(
            actor=request.user,
            org=org,
            kind=d["kind"],
            office=d["office"],
            member=by_id.get(d["member"]),
            portfolio=d["portfolio"],
            effective_on=d["effective_on"],
            reason=d["reason"],
        ),
        success=_("已报送，等待上级党组织批复。"),
        next_url=lambda c: reverse("elections:post_change", args=[c.pk]),
        org=org,
    )


@login_required
def post_change_detail(request, pk):
    change = get_scoped_or_404(
        request.user,
        "view",
        PostChange.objects.select_related("org", "member", "term", "requested_by"),
        pk=pk,
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_post_change(
                actor=request.user,
                change=change,
                approve="approve" in request.POST,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已批复。"))
            return redirect("elections:post_change", pk=change.pk)
    return render(
        request,
        "elections/post_change.html",
        {
            "change": change,
            "org": change.org,
            "form": form,
            "can_decide": change.status == RequestStatus.PENDING
            and services.may_approve(request.user, change.org)
            and change.requested_by_id != request.user.pk,
        },
    )
