"""Writes for terms, 换届选举 and 届中任免. Every check that fails raises a Chinese ValidationError
and writes nothing; scope is re-checked here (out of scope: 404).

Approvals (批复) come from the higher level: a user whose ELECTION "approve" grant sits strictly
above the organisation concerned (a 党委 admin approves its branches, not its own 党委), and never
the user who submitted what is being approved.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import ELECTION
from dangjian.core.calendar import add_months, add_years
from dangjian.core.rulesets import Rules, rules_on
from dangjian.core.scope import active_grants, get_scoped_or_404, path_in_scope, role_allows
from dangjian.core.strokes import stroke_key
from dangjian.elections.count import (
    Candidate,
    CountInput,
    CountInputError,
    CountRules,
    CountStatus,
    check_slate,
    count_ballots,
)
from dangjian.elections.count import RoundKind as FollowKind
from dangjian.elections.models import (
    Ballot,
    Body,
    Election,
    Event,
    Exclusion,
    Office,
    PostChange,
    PostChangeKind,
    RequestStatus,
    Round,
    RoundCandidate,
    RoundKind,
    RoundStatus,
    Stage,
    Term,
    TermChange,
    TermChangeKind,
)
from dangjian.elections.rules import DOMAIN, TERMS
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType, Post, PostKind, Sector
from dangjian.orgs.services import appoint, end_post
from dangjian.transfers.selectors import holds_vote_at

ELECTING_TYPES = frozenset({OrgType.PARTY_COMMITTEE, OrgType.GENERAL_BRANCH, *BRANCH_TYPES})

# What must happen next at each stage: named in the message when a step comes out of order.
NEXT_STEP = {
    Stage.REQUESTED: "等待上级党组织批复请示",
    Stage.RETURNED: "修改请示后重新报送",
    Stage.PLAN_APPROVED: "确定候选人名单",
    Stage.CANDIDATES: "登记选举大会到会情况",
    Stage.VOTING: "录入选票并计票",
    Stage.LEADERS: "选举书记、副书记",
    Stage.RESULT_READY: "报送选举结果",
    Stage.RESULT_SUBMITTED: "等待上级党组织批复选举结果",
    Stage.COMPLETED: "本次换届已经完成",
}


# --- scope and approval ------------------------------------------------------------------------


def _check(actor, action: str, org: Organization) -> None:
    if not path_in_scope(actor, action, ELECTION, org.path):
        raise Http404


def may_approve(user, org: Organization) -> bool:
    """Whether `user` holds an ELECTION approval grant strictly above `org` (the higher level)."""
    return any(
        role_allows(g.role, ELECTION, "approve")
        and org.path.startswith(g.org.path)
        and len(g.org.path) < len(org.path)
        for g in active_grants(user)
    )


def _check_approver(actor, org: Organization, requested_by_id: int | None, what: str) -> None:
    if not path_in_scope(actor, "view", ELECTION, org.path):
        raise Http404
    if not may_approve(actor, org):
        raise ValidationError(f"{what}须由{org}的上级党组织批复：您的权限不在{org}之上，不能批复。")
    if requested_by_id == actor.pk:
        raise ValidationError(f"不能批复自己报送的{what}，请由上级党组织的其他同志批复。")


def _event(election: Election, actor, step: str, text: str) -> Event:
    return Event.objects.create(election=election, actor=actor, step=step, text=text)


def _today() -> date:
    return timezone.localdate()


# --- voters --------------------------------------------------------------------------------------


def has_vote(member: Member, org: Organization) -> bool:
    """选举权 in `org`'s election (RULES.md 4.2): a 正式党员 in good standing whose relation is at
    `org` (a branch) or at an organisation in its subtree (a 党委/总支's 党员大会)."""
    if member is None or not member.org_path.startswith(org.path):
        return False
    own = org if member.org_id == org.pk else Organization(pk=member.org_id)
    return holds_vote_at(member, own)


def voters(org: Organization):
    """The members with 选举权 in `org`'s election, in 姓氏笔画 order (same test as `has_vote`)."""
    qs = Member.objects.filter(status=MemberStatus.NORMAL, category=MemberCategory.FULL)
    qs = qs.filter(org=org) if org.is_branch else qs.filter(org_path__startswith=org.path)
    return qs.order_by("stroke_key", "id")


# --- terms ---------------------------------------------------------------------------------------


def term_length(org: Organization, day: date) -> tuple[int, Rules, str]:
    """Years of one term for `org` under the rules in force on `day` (RULES.md 4.11), and the key."""
    rules = rules_on(TERMS, day)
    if org.org_type not in ELECTING_TYPES:
        raise ValidationError(
            {
                "org": f"{org.get_org_type_display()}不在基层党组织任期登记范围内（只登记党委、总支、支部）。"
            }
        )
    if org.sector in (Sector.VILLAGE, Sector.COMMUNITY):
        key = "village_community_years"
    elif org.org_type == OrgType.PARTY_COMMITTEE:
        key = "party_committee_years"
    elif org.org_type == OrgType.GENERAL_BRANCH:
        key = "general_branch_years"
    else:
        key = "branch_years"
    return int(rules[key]), rules, key


def default_body(org: Organization, day: date) -> str:
    if not org.is_branch:
        return Body.COMMITTEE
    need = int(rules_on(TERMS, day)["branch_committee_min_full_members"])
    return Body.BRANCH_COMMITTEE if voters(org).count() >= need else Body.SECRETARY


def open_term_of(org: Organization) -> Term | None:
    return Term.objects.filter(org=org, ended_on__isnull=True).first()


def _new_term(org: Organization, *, started_on: date, body: str, election=None, note="") -> Term:
    years, rules, key = term_length(org, started_on)
    due = add_years(started_on, years)
    return Term.objects.create(
        org=org,
        org_path=org.path,
        body=body,
        started_on=started_on,
        length_years=years,
        due_on=due,
        original_due_on=due,
        opened_by=election,
        rule_version=rules.cite(key)[:200],
        note=(note or "").strip()[:300],
    )


@transaction.atomic
def register_term(
    *, actor, org: Organization, started_on: date, body: str | None = None, note: str = ""
) -> Term:
    """登记现任届次: the term an organisation is in now (elected before the system was used)."""
    org = Organization.objects.get(pk=org.pk)
    _check(actor, "add", org)
    if not isinstance(started_on, date):
        raise ValidationError({"started_on": "请填写本届开始日期（选举大会召开日期）。"})
    if started_on > _today():
        raise ValidationError({"started_on": "本届开始日期不能晚于今天。"})
    if open_term_of(org):
        raise ValidationError({"started_on": f"{org}已登记本届任期，不能重复登记。"})
    body = body or default_body(org, started_on)
    if body not in Body.values:
        raise ValidationError({"body": "请选择班子类别。"})
    if body != Body.COMMITTEE and not org.is_branch or body == Body.COMMITTEE and org.is_branch:
        raise ValidationError(
            {"body": f"{org.get_org_type_display()}不能选择“{Body(body).label}”。"}
        )
    return _new_term(org, started_on=started_on, body=body, note=note)


def change_limit(term: Term, day: date) -> tuple[int, Rules]:
    rules = rules_on(TERMS, day)
    return int(rules["change_max_months"]), rules


@transaction.atomic
def request_term_change(
    *, actor, term: Term, new_due_on: date, reason: str, exception_basis: str = ""
) -> TermChange:
    """延期或提前换届 (RULES.md 4.1): needs the 上级's approval, generally within one year; beyond that
    only with the special circumstances and their basis written down (a documented exception)."""
    term = get_scoped_or_404(actor, "add", Term.objects.select_for_update(), pk=term.pk)
    if term.ended_on is not None:
        raise ValidationError("这一届已经结束，不能申请延期或提前换届。")
    if TermChange.objects.filter(term=term, status=RequestStatus.PENDING).exists():
        raise ValidationError("已有一项待批复的延期或提前换届申请。")
    if not isinstance(new_due_on, date):
        raise ValidationError({"new_due_on": "请填写拟换届日期。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明延期或提前换届的理由。"})
    if new_due_on == term.due_on:
        raise ValidationError({"new_due_on": "拟换届日期与届满日期相同，无需申请。"})
    if new_due_on <= term.started_on:
        raise ValidationError({"new_due_on": "拟换届日期应晚于本届开始日期。"})
    kind = TermChangeKind.POSTPONE if new_due_on > term.due_on else TermChangeKind.ADVANCE
    months, rules = change_limit(term, _today())
    limit = add_months(term.due_on, months if kind == TermChangeKind.POSTPONE else -months)
    beyond = new_due_on > limit if kind == TermChangeKind.POSTPONE else new_due_on < limit
    if beyond and not (exception_basis or "").strip():
        raise ValidationError(
            {
                "new_due_on": f"{TermChangeKind(kind).label}超过{months}个月（最迟可到"
                f"{limit:%Y年%-m月%-d日}）。{rules.cite('change_max_months')}。确属特殊情况的，"
                "请在“超过1年的特殊情况及依据”中写明。"
                if kind == TermChangeKind.POSTPONE
                else f"{TermChangeKind(kind).label}超过{months}个月（最早可到"
                f"{limit:%Y年%-m月%-d日}）。{rules.cite('change_max_months')}。确属特殊情况的，"
                "请在“超过1年的特殊情况及依据”中写明。"
            }
        )
    return TermChange.objects.create(
        term=term,
        org_path=term.org_path,
        kind=kind,
        old_due_on=term.due_on,
        new_due_on=new_due_on,
        reason=reason.strip(),
        exception_basis=(exception_basis or "").strip() if beyond else "",
        requested_by=actor,
    )


@transaction.atomic
def decide_term_change(*, actor, change: TermChange, approve: bool, note: str = "") -> TermChange:
    change = get_scoped_or_404(
        actor,
        "view",
        TermChange.objects.select_for_update().select_related("term__org"),
        pk=change.pk,
    )
    _check_approver(actor, change.term.org, change.requested_by_id, "延期或提前换届申请")
    if change.status != RequestStatus.PENDING:
        raise ValidationError(f"该申请已{change.get_status_display()}，不能重复批复。")
    if not approve and not (note or "").strip():
        raise ValidationError({"decision_note": "不予批准时请写明理由。"})
    term = Term.objects.select_for_update().get(pk=change.term_id)
    if approve:
        if term.ended_on is not None:
            raise ValidationError("这一届已经结束，不能再调整届满日期。")
        term.due_on = change.new_due_on
        term.save(update_fields=["due_on"])
    change.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    change.decided_by, change.decided_at = actor, timezone.now()
    change.decision_note = (note or "").strip()
    change.save()
    return change


# --- the 换届 workflow ---------------------------------------------------------------------------


def _require_stage(election: Election, step: str, *stages: str) -> None:
    if election.stage not in stages:
        raise ValidationError(
            f"现在不能{step}：本次换届选举目前处于“{election.get_stage_display()}”阶段，"
            f"下一步应{NEXT_STEP[Stage(election.stage)]}。"
        )


def _locked(actor, action: str, election: Election) -> Election:
    return get_scoped_or_404(
        actor, action, Election.objects.select_for_update().select_related("org"), pk=election.pk
    )


def _clean_plan(org, *, body, plan, seats, proposed_candidates, deputy_seats, planned_on) -> dict:
    errors: dict[str, str] = {}
    if not (plan or "").strip():
        errors["plan"] = "请填写换届工作方案（时间安排、选举办法、候选人酝酿方式等）。"
    if not isinstance(seats, int) or seats < 1:
        errors["seats"] = "委员应选名额至少为1名。"
    elif body == Body.SECRETARY and seats != 1:
        errors["seats"] = "不设支部委员会的支部只选举书记1名，应选名额为1。"
    if not isinstance(deputy_seats, int) or deputy_seats < 0:
        errors["deputy_seats"] = "副书记名额不能为负数。"
    elif isinstance(seats, int) and body != Body.SECRETARY and deputy_seats >= seats:
        errors["deputy_seats"] = "副书记名额应少于委员名额（书记、副书记从委员中选举）。"
    elif body == Body.SECRETARY and deputy_seats:
        errors["deputy_seats"] = "不设支部委员会的支部不在本流程中选举副书记。"
    if isinstance(planned_on, date) and planned_on < _today():
        errors["planned_on"] = "拟召开选举大会日期不能早于今天。"
    if not errors:
        rules = rules_on(DOMAIN, planned_on or _today())
        slate = check_slate(seats, proposed_candidates or 0, rules)
        if not slate.ok:
            errors["proposed_candidates"] = slate.message
    if errors:
        raise ValidationError(errors)
    return {
        "plan": plan.strip(),
        "seats": seats,
        "proposed_candidates": proposed_candidates,
        "deputy_seats": deputy_seats,
        "planned_on": planned_on,
    }


@transaction.atomic
def submit_plan(
    *,
    actor,
    org: Organization,
    plan: str,
    seats: int,
    proposed_candidates: int,
    deputy_seats: int = 0,
    leaders_same_meeting: bool = True,
    planned_on: date | None = None,
    body: str | None = None,
) -> Election:
    """换届请示: the plan, the seats, whether 书记/副书记 are elected at the same meeting, the
    proposed number of candidates (checked against the 差额 rule, RULES.md 4.3)."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    _check(actor, "add", org)
    if org.org_type not in ELECTING_TYPES or not org.is_active:
        raise ValidationError("只有正常状态的党委、党总支、党支部进行换届选举。")
    busy = Election.objects.filter(org=org).exclude(stage=Stage.COMPLETED).first()
    if busy:
        raise ValidationError(
            f"{org}已有一次进行中的换届选举（{busy.get_stage_display()}），请在其中继续办理。"
        )
    term = open_term_of(org)
    body = body or (term.body if term else default_body(org, _today()))
    if body not in Body.values or (body == Body.COMMITTEE) == org.is_branch:
        raise ValidationError({"body": "班子类别与组织类别不符。"})
    data = _clean_plan(
        org,
        body=body,
        plan=plan,
        seats=seats,
        proposed_candidates=proposed_candidates,
        deputy_seats=deputy_seats,
        planned_on=planned_on,
    )
    election = Election.objects.create(
        org=org,
        org_path=org.path,
        old_term=term,
        body=body,
        leaders_same_meeting=bool(leaders_same_meeting),
        requested_by=actor,
        **data,
    )
    _event(
        election,
        actor,
        "plan",
        f"报送换届请示：{Body(body).label}，应选{seats}名，拟提名候选人{proposed_candidates}名"
        + (f"，副书记{deputy_seats}名" if deputy_seats else "")
        + "。",
    )
    return election


@transaction.atomic
def resubmit_plan(*, actor, election: Election, **fields) -> Election:
    election = _locked(actor, "change", election)
    _require_stage(election, "重新报送请示", Stage.RETURNED)
    data = _clean_plan(
        election.org,
        body=election.body,
        plan=fields.get("plan", election.plan),
        seats=fields.get("seats", election.seats),
        proposed_candidates=fields.get("proposed_candidates", election.proposed_candidates),
        deputy_seats=fields.get("deputy_seats", election.deputy_seats),
        planned_on=fields.get("planned_on", election.planned_on),
    )
    for key, value in data.items():
        setattr(election, key, value)
    election.leaders_same_meeting = bool(
        fields.get("leaders_same_meeting", election.leaders_same_meeting)
    )
    election.stage = Stage.REQUESTED
    election.requested_by = actor
    election.save()
    _event(election, actor, "plan", "修改后重新报送换届请示。")
    return election


@transaction.atomic
def decide_plan(*, actor, election: Election, approve: bool, note: str = "") -> Election:
    """The higher level's 批复 of the 请示: approve, or return it with the reason."""
    election = _locked(actor, "view", election)
    _check_approver(actor, election.org, election.requested_by_id, "换届请示")
    _require_stage(election, "批复换届请示", Stage.REQUESTED)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "退回请示时请写明理由。"})
    election.stage = Stage.PLAN_APPROVED if approve else Stage.RETURNED
    election.save(update_fields=["stage"])
    text = "上级党组织批复同意换届请示" if approve else "上级党组织退回换届请示"
    _event(election, actor, "plan_decision", f"{text}{'：' + note if note else '。'}")
    return election


def _ordered(members: list[Member]) -> list[Member]:
    """姓氏笔画 order (RULES.md 4.4, core.strokes), member id as the stable secondary key."""
    return sorted(members, key=lambda m: (stroke_key(m.name), m.pk))


def _eligible(org: Organization, member_ids, field: str) -> list[Member]:
    ids = []
    for raw in member_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationError({field: "候选人选择有误。"}) from None
    if len(set(ids)) != len(ids):
        raise ValidationError({field: "同一人不能重复列入候选人名单。"})
    members = list(Member.objects.filter(pk__in=ids))
    if len(members) != len(ids):
        raise ValidationError({field: "候选人选择有误。"})
    refused = [m for m in members if not has_vote(m, org)]
    if refused:
        names = "、".join(f"{m.name}（{_why_no_vote(m, org)}）" for m in refused)
        raise ValidationError(
            {field: f"只有本组织有选举权的正式党员才能列为候选人，以下人员不能列入：{names}。"}
        )
    return _ordered(members)


def _why_no_vote(member: Member, org: Organization) -> str:
    if not member.org_path.startswith(org.path):
        return "组织关系不在本组织"
    if member.status != MemberStatus.NORMAL:
        return f"党籍状态为{member.get_status_display()}"
    if member.category != MemberCategory.FULL:
        return "预备党员没有选举权和被选举权"
    return "没有选举权"


def _first_office(election: Election) -> str:
    return Office.SECRETARY if election.body == Body.SECRETARY else Office.MEMBER


@transaction.atomic
def set_candidates(*, actor, election: Election, member_ids) -> Round:
    """候选人名单 (RULES.md 4.2–4.4): 正式党员 with 选举权 only, 差额 checked, 姓氏笔画 order."""
    election = _locked(actor, "change", election)
    _require_stage(election, "确定候选人名单", Stage.PLAN_APPROVED, Stage.CANDIDATES)
    members = _eligible(election.org, member_ids, "candidates")
    slate = check_slate(election.seats, len(members), rules_on(DOMAIN, _today()))
    if not slate.ok:
        raise ValidationError({"candidates": slate.message})
    rnd = election.rounds.filter(number=1).first()
    if rnd is None:
        rnd = Round.objects.create(
            election=election,
            number=1,
            office=_first_office(election),
            kind=RoundKind.FIRST,
            seats=election.seats,
        )
    else:
        rnd.candidates.all().delete()
    RoundCandidate.objects.bulk_create(
        [RoundCandidate(round=rnd, member=m, position=i) for i, m in enumerate(members, 1)]
    )
    election.stage = Stage.CANDIDATES
    election.save(update_fields=["stage"])
    _event(
        election,
        actor,
        "candidates",
        f"确定候选人名单（按姓氏笔画为序）：{'、'.join(m.name for m in members)}。{slate.message}",
    )
    return rnd


@transaction.atomic
def record_meeting(
    *, actor, election: Election, meeting_on: date, present: int, exclusions: dict | None = None
) -> Round:
    """选举大会: 应到会 comes from the roster's voters less the exclusions the 上级 agreed to (each
    with its reason, RULES.md 4.16); 实到会 is entered. A meeting that failed (quorum not met, or
    more ballots returned than issued) is convened again with the same call."""
    election = _locked(actor, "change", election)
    _require_stage(election, "登记选举大会", Stage.CANDIDATES, Stage.VOTING)
    first_office = _first_office(election)
    current = election.rounds.filter(office=first_office).order_by("-number").first()
    if election.stage == Stage.VOTING and current.status not in (
        RoundStatus.QUORUM_NOT_MET,
        RoundStatus.VOID,
    ):
        raise ValidationError(
            "选举大会已经登记；只有到会人数不足或选举无效时才需要重新召开选举大会。"
        )
    errors: dict[str, str] = {}
    if not isinstance(meeting_on, date):
        errors["meeting_on"] = "请填写选举大会日期。"
    elif meeting_on > _today():
        errors["meeting_on"] = "选举大会日期不能晚于今天：只登记已经召开的会议。"
    roll = {m.pk: m for m in voters(election.org)}
    excluded: dict[int, str] = {}
    for raw, reason in (exclusions or {}).items():
        try:
            mid = int(raw)
        except (TypeError, ValueError):
            mid = None
        if mid not in roll:
            errors["exclusions"] = "只能把本组织有选举权的党员列为不计入应到会人数。"
            continue
        reason = (reason or "").strip()
        if not reason:
            errors["exclusions"] = (
                f"{roll[mid].name}不计入应到会人数，请写明原因（如出国（境）半年以上、正在服刑、"
                "因病卧床不起等，须经上级党组织同意）。"
            )
            continue
        excluded[mid] = reason[:200]
    electorate = len(roll) - len(excluded)
    if electorate < 1:
        errors["present"] = "应到会有选举权人数为0，不能进行选举。"
    if not isinstance(present, int) or present < 0:
        errors["present"] = "请填写实到会有选举权人数。"
    elif present > electorate:
        errors["present"] = (
            f"实到会有选举权人数（{present}人）不能多于应到会有选举权人数（{electorate}人）。"
        )
    if errors:
        raise ValidationError(errors)
    election.exclusions.all().delete()
    Exclusion.objects.bulk_create(
        [Exclusion(election=election, member_id=mid, reason=r) for mid, r in excluded.items()]
    )
    election.meeting_on, election.voters_on_roll = meeting_on, len(roll)
    election.electorate, election.present = electorate, present
    if current.is_open:
        rnd = current
    else:  # convened again: a new vote on the same candidates
        rnd = Round.objects.create(
            election=election,
            number=election.rounds.count() + 1,
            office=first_office,
            kind=RoundKind.FIRST,
            seats=current.seats,
        )
        RoundCandidate.objects.bulk_create(
            [
                RoundCandidate(round=rnd, member_id=c.member_id, position=c.position)
                for c in current.candidates.all()
            ]
        )
    rnd.held_on, rnd.electorate, rnd.present = meeting_on, electorate, present
    rnd.save(update_fields=["held_on", "electorate", "present"])
    election.stage = Stage.VOTING
    election.save()
    note = (
        "；不计入应到会：" + "、".join(f"{roll[mid].name}（{r}）" for mid, r in excluded.items())
        if excluded
        else ""
    )
    _event(
        election,
        actor,
        "meeting",
        f"登记选举大会（{meeting_on:%Y年%-m月%-d日}）：有选举权的党员{len(roll)}人，应到会"
        f"{electorate}人，实到会{present}人{note}。",
    )
    return rnd


def _open_round(actor, rnd: Round, action: str = "change") -> Round:
    rnd = get_scoped_or_404(
        actor, action, Round.objects.select_for_update().select_related("election__org"), pk=rnd.pk
    )
    _require_stage(rnd.election, "录入选票或计票", Stage.VOTING, Stage.LEADERS)
    if not rnd.is_open:
        raise ValidationError(f"第{rnd.number}轮已经计票，不能再改动；需要时请进行下一轮。")
    if rnd.held_on is None:
        raise ValidationError("请先登记这一轮的投票日期和到会人数。")
    if not rnd.candidates.exists():
        raise ValidationError("请先确定这一轮的候选人。")
    return rnd


@transaction.atomic
def enter_ballot(*, actor, rnd: Round, marks) -> Ballot:
    """One ballot as marked. A ballot ticking more than the seats is recorded (and counted invalid)."""
    rnd = _open_round(actor, rnd)
    ids = set(rnd.candidates.values_list("member_id", flat=True))
    chosen = []
    for raw in marks or []:
        try:
            mid = int(raw)
        except (TypeError, ValueError):
            mid = None
        if mid not in ids:
            raise ValidationError("选票上只能勾选本轮的候选人。")
        chosen.append(mid)
    live = rnd.ballots.filter(cancelled=False).count()
    if rnd.present is not None and live >= rnd.present:
        raise ValidationError(
            f"已录入{live}张选票，等于实到会人数（{rnd.present}人），不能再录入。"
            "如有录错的选票，请先作废后重录。"
        )
    number = (rnd.ballots.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Ballot.objects.create(round=rnd, number=number, marks=chosen, entered_by=actor)


@transaction.atomic
def cancel_ballot(*, actor, ballot: Ballot) -> Ballot:
    ballot = get_scoped_or_404(actor, "change", Ballot.objects.select_for_update(), pk=ballot.pk)
    _open_round(actor, ballot.round)
    if ballot.cancelled:
        raise ValidationError("这张选票已经作废。")
    ballot.cancelled = True
    ballot.save(update_fields=["cancelled"])
    return ballot


@transaction.atomic
def count_round(
    *,
    actor,
    rnd: Round,
    ballots_issued: int,
    ballots_returned: int,
    totals: dict | None = None,
    invalid_count: int | None = None,
) -> Round:
    """Count one round with `count.count_ballots` under the rules in force on the voting day.

    Either the ballots entered one by one are counted, or `totals` (votes per candidate member id)
    with the invalid count. The outcome decides what follows: a re-vote among the tied, an
    另行选举 for unfilled seats, the next office, or the result sheet.
    """
    rnd = _open_round(actor, rnd)
    election = rnd.election
    cands = list(rnd.candidates.select_related("member"))
    spec_candidates = [Candidate(str(c.member_id), c.member.name) for c in cands]
    base = {
        "seats": rnd.seats,
        "electorate": rnd.electorate,
        "present": rnd.present,
        "ballots_issued": ballots_issued,
        "ballots_returned": ballots_returned,
        "candidates": spec_candidates,
    }
    if totals is not None:
        spec = CountInput(
            **base,
            totals={str(k): v for k, v in totals.items()},
            invalid_count=invalid_count or 0,
        )
    else:
        marks = [
            [str(m) for m in b.marks]
            for b in rnd.ballots.filter(cancelled=False).order_by("number")
        ]
        spec = CountInput(**base, ballots=marks)
    rules = rules_on(DOMAIN, rnd.held_on)
    count_rules = CountRules.from_rules(rules)
    if rnd.office != Office.MEMBER and election.body != Body.SECRETARY:
        # The committee's own vote on 书记/副书记 (4.9): a committee meeting needs more than half
        # of its members present (the 支委会 rule, RULES.md 4.15), not the 党员大会's four fifths.
        count_rules = replace(
            count_rules, quorum_numerator=1, quorum_denominator=2, quorum_strict=True
        )
    try:
        result = count_ballots(spec, count_rules)
    except CountInputError as exc:
        raise ValidationError(exc.messages) from None
    rnd.ballots_issued, rnd.ballots_returned = ballots_issued, ballots_returned
    rnd.by_totals = totals is not None
    rnd.invalid_count = result.invalid_ballots
    rnd.status = {
        CountStatus.COUNTED: RoundStatus.COUNTED,
        CountStatus.VOID: RoundStatus.VOID,
        CountStatus.QUORUM_NOT_MET: RoundStatus.QUORUM_NOT_MET,
    }[result.status]
    rnd.result = _jsonable(asdict(result))
    rnd.rule_version = rules.version[:200]
    rnd.counted_at = timezone.now()
    rnd.save()
    tallies = {t.id: t for t in result.tallies}
    for c in cands:
        t = tallies.get(str(c.member_id))
        c.votes = t.votes if t else None
        c.elected = bool(t and t.elected)
        c.save(update_fields=["votes", "elected"])
    elected = [c.member.name for c in cands if c.elected]
    _event(
        election,
        actor,
        "count",
        f"第{rnd.number}轮（{rnd.get_office_display()}{rnd.get_kind_display()}）计票：{rnd.get_status_display()}"
        + (f"，当选：{'、'.join(elected)}" if elected else "")
        + "。",
    )
    _after_count(actor, election, rnd, result)
    return rnd


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def elected_members(election: Election, office: str) -> list[RoundCandidate]:
    return list(
        RoundCandidate.objects.filter(round__election=election, round__office=office, elected=True)
        .select_related("member", "round")
        .order_by("round__number", "-votes", "position")
    )


def _after_count(actor, election: Election, rnd: Round, result) -> None:
    if result.status != CountStatus.COUNTED:
        return  # quorum not met or void: the meeting is convened again (record_meeting)
    follow = {f.kind: f for f in result.follow_up}
    number = election.rounds.count() + 1
    if FollowKind.REVOTE in follow:
        f = follow[FollowKind.REVOTE]
        new = Round.objects.create(
            election=election,
            number=number,
            office=rnd.office,
            kind=RoundKind.REVOTE,
            seats=f.seats,
            held_on=rnd.held_on,
            electorate=rnd.electorate,
            present=rnd.present,
        )
        tied = [int(i) for i in f.candidates]
        members = _ordered(list(Member.objects.filter(pk__in=tied)))
        RoundCandidate.objects.bulk_create(
            [RoundCandidate(round=new, member=m, position=i) for i, m in enumerate(members, 1)]
        )
        _event(
            election, actor, "round", f"票数相等：就{'、'.join(m.name for m in members)}再次投票。"
        )
        return
    if FollowKind.ADDITIONAL in follow:
        f = follow[FollowKind.ADDITIONAL]
        Round.objects.create(
            election=election,
            number=number,
            office=rnd.office,
            kind=RoundKind.ADDITIONAL,
            seats=f.seats,
            held_on=rnd.held_on,
            electorate=rnd.electorate,
            present=rnd.present,
        )
        _event(election, actor, "round", f"当选人数不足：对不足的{f.seats}个名额另行选举。")
        return
    _next_office(actor, election, number)


def _next_office(actor, election: Election, number: int) -> None:
    """Every seat of the office just voted on is filled: on to 书记, 副书记, or the result."""
    if election.body == Body.SECRETARY:
        election.stage = Stage.RESULT_READY
        election.save(update_fields=["stage"])
        return
    secretary = elected_members(election, Office.SECRETARY)
    deputies = elected_members(election, Office.DEPUTY)
    if not secretary:
        office, seats = Office.SECRETARY, 1
    elif election.deputy_seats and len(deputies) < election.deputy_seats:
        office, seats = Office.DEPUTY, election.deputy_seats - len(deputies)
    else:
        election.stage = Stage.RESULT_READY
        election.save(update_fields=["stage"])
        _event(election, actor, "ready", "选举结束，可以查看选举结果报告单并报上级党组织批复。")
        return
    Round.objects.create(
        election=election,
        number=number,
        office=office,
        kind=RoundKind.FIRST,
        seats=seats,
        electorate=len(elected_members(election, Office.MEMBER)),
    )
    election.stage = Stage.LEADERS
    election.save(update_fields=["stage"])


@transaction.atomic
def prepare_round(
    *, actor, rnd: Round, member_ids, held_on: date | None = None, present: int | None = None
) -> Round:
    """Candidates (and, for the committee's vote on 书记/副书记, the day and 委员 present) of a
    round the system opened: an 另行选举 or the election of 书记/副书记 among the new 委员 (4.9)."""
    rnd = get_scoped_or_404(
        actor,
        "change",
        Round.objects.select_for_update().select_related("election__org"),
        pk=rnd.pk,
    )
    election = rnd.election
    _require_stage(election, "确定这一轮的候选人", Stage.VOTING, Stage.LEADERS)
    if not rnd.is_open or rnd.ballots.exists():
        raise ValidationError("这一轮已经开始投票，候选人不能再改。")
    if rnd.kind == RoundKind.REVOTE:
        raise ValidationError("再次投票的候选人就是票数相等的被选举人，不能更改。")
    errors: dict[str, str] = {}
    if rnd.office == Office.MEMBER or election.body == Body.SECRETARY:
        members = _eligible(election.org, member_ids, "candidates")
        taken = {c.member_id for c in elected_members(election, rnd.office)}
        again = [m.name for m in members if m.pk in taken]
        if again:
            errors["candidates"] = f"{'、'.join(again)}已经当选，不能再列为候选人。"
    else:
        committee = {c.member_id: c for c in elected_members(election, Office.MEMBER)}
        taken = {c.member_id for c in elected_members(election, Office.SECRETARY)}
        members = []
        for raw in member_ids or []:
            try:
                c = committee.get(int(raw))
            except (TypeError, ValueError):
                c = None
            if c is None or c.member_id in taken:
                errors["candidates"] = (
                    "书记、副书记只能从新当选的委员中选举（书记不再列为副书记候选人）。"
                )
                break
            members.append(c.member)
        if not isinstance(held_on, date):
            errors["held_on"] = "请填写委员会全体会议日期。"
        elif held_on > _today() or (election.meeting_on and held_on < election.meeting_on):
            errors["held_on"] = "全体会议日期应在选举大会之后，且不晚于今天。"
        if not isinstance(present, int) or present < 0 or present > (rnd.electorate or 0):
            errors["present"] = f"到会委员人数应在0到{rnd.electorate}人之间。"
    if not members and "candidates" not in errors:
        errors["candidates"] = "请选择候选人。"
    if members and len(members) < rnd.seats:
        errors["candidates"] = f"候选人不能少于应选名额（{rnd.seats}名）。"
    if errors:
        raise ValidationError(errors)
    rnd.candidates.all().delete()
    RoundCandidate.objects.bulk_create(
        [RoundCandidate(round=rnd, member=m, position=i) for i, m in enumerate(members, 1)]
    )
    if rnd.office != Office.MEMBER and election.body != Body.SECRETARY:
        rnd.held_on, rnd.present = held_on, present
        election.leaders_on = held_on
        election.save(update_fields=["leaders_on"])
    rnd.save()
    _event(
        election,
        actor,
        "round",
        f"第{rnd.number}轮（{rnd.get_office_display()}{rnd.get_kind_display()}）候选人："
        f"{'、'.join(m.name for m in members)}。",
    )
    return rnd


@transaction.atomic
def set_portfolios(*, actor, election: Election, portfolios: dict) -> None:
    """分工 (组织委员、宣传委员、纪检委员) of the new 委员, before the result is reported."""
    from dangjian.orgs.models import Portfolio

    election = _locked(actor, "change", election)
    _require_stage(election, "登记委员分工", Stage.LEADERS, Stage.RESULT_READY)
    for c in elected_members(election, Office.MEMBER):
        value = (portfolios or {}).get(c.member_id, (portfolios or {}).get(str(c.member_id), ""))
        if value and value not in Portfolio.values:
            raise ValidationError("分工选择有误。")
        c.portfolio = value or ""
        c.save(update_fields=["portfolio"])


@transaction.atomic
def submit_result(*, actor, election: Election) -> Election:
    election = _locked(actor, "change", election)
    _require_stage(election, "报送选举结果", Stage.RESULT_READY)
    election.stage = Stage.RESULT_SUBMITTED
    election.result_submitted_by = actor
    election.save(update_fields=["stage", "result_submitted_by"])
    _event(election, actor, "result", "报送选举结果，请上级党组织批复。")
    return election


def new_team(election: Election) -> list[tuple[Member, str, str]]:
    """(member, post kind, portfolio) of the new committee: 书记, 副书记, then the other 委员."""
    secretary = elected_members(election, Office.SECRETARY)
    deputies = elected_members(election, Office.DEPUTY)
    leaders = {c.member_id for c in secretary + deputies}
    team = [(c.member, PostKind.SECRETARY, "") for c in secretary]
    team += [(c.member, PostKind.DEPUTY, "") for c in deputies]
    if election.body != Body.SECRETARY:
        team += [
            (c.member, PostKind.MEMBER, c.portfolio)
            for c in elected_members(election, Office.MEMBER)
            if c.member_id not in leaders
        ]
    return team


@transaction.atomic
def decide_result(*, actor, election: Election, approve: bool, note: str = "") -> Election:
    """批复 of the result. Approval, in this one transaction: the old posts end (换届), the old
    term closes, the new term opens (dated from the election meeting) and the new posts start."""
    election = _locked(actor, "view", election)
    _check_approver(actor, election.org, election.result_submitted_by_id, "选举结果")
    _require_stage(election, "批复选举结果", Stage.RESULT_SUBMITTED)
    note = (note or "").strip()
    if not approve:
        if not note:
            raise ValidationError({"note": "退回选举结果时请写明理由。"})
        election.stage = Stage.RESULT_READY
        election.save(update_fields=["stage"])
        _event(election, actor, "result_decision", f"上级党组织退回选举结果：{note}")
        return election
    org = Organization.objects.select_for_update().get(pk=election.org_id)
    start = election.meeting_on
    for post in Post.objects.filter(org=org, ended_on__isnull=True):
        end_post(actor=actor, post=post, on=max(start, post.term_start), reason="换届")
    old = open_term_of(org)
    if old is not None:
        old.ended_on = max(start, old.started_on)
        old.save(update_fields=["ended_on"])
    term = _new_term(org, started_on=start, body=election.body, election=election)
    for member, kind, portfolio in new_team(election):
        appoint(
            actor=actor,
            org=org,
            member=Member.objects.get(pk=member.pk),
            kind=kind,
            portfolio=portfolio,
            term_start=start,
            term_end=term.due_on,
        )
    election.new_term = term
    election.stage = Stage.COMPLETED
    election.save(update_fields=["new_term", "stage"])
    _event(
        election,
        actor,
        "result_decision",
        f"上级党组织批复同意选举结果{'：' + note if note else ''}。新一届任期自"
        f"{start:%Y年%-m月%-d日}起，至{term.due_on:%Y年%-m月%-d日}届满；职务已更新。",
    )
    return election


# --- 届中任免 ------------------------------------------------------------------------------------


@transaction.atomic
def request_post_change(
    *,
    actor,
    org: Organization,
    kind: str,
    office: str,
    member: Member,
    effective_on: date,
    reason: str,
    portfolio: str = "",
) -> PostChange:
    org = Organization.objects.get(pk=org.pk)
    _check(actor, "add", org)
    term = open_term_of(org)
    errors: dict[str, str] = {}
    if term is None:
        raise ValidationError(f"{org}还没有登记本届任期，请先登记任期再办理届中任免。")
    if kind not in PostChangeKind.values:
        errors["kind"] = "请选择事项。"
    if office not in Office.values:
        errors["office"] = "请选择职务。"
    if not (reason or "").strip():
        errors["reason"] = "请写明理由。"
    if not isinstance(effective_on, date):
        errors["effective_on"] = "请填写生效日期。"
    elif effective_on < term.started_on or effective_on >= term.due_on:
        errors["effective_on"] = (
            f"生效日期应在本届任期内（{term.started_on:%Y年%-m月%-d日}至"
            f"{term.due_on:%Y年%-m月%-d日}）。"
        )
    if member is None:
        errors["member"] = "请选择党员。"
    if errors:
        raise ValidationError(errors)
    current = Post.objects.filter(org=org, member=member, ended_on__isnull=True).first()
    if kind == PostChangeKind.APPOINT:
        if not has_vote(member, org):
            raise ValidationError(
                {"member": f"{member.name}不能任职：{_why_no_vote(member, org)}。"}
            )
        if current and current.kind == office:
            raise ValidationError({"member": f"{member.name}已任{current.get_kind_display()}。"})
        if term.body == Body.SECRETARY and office != Office.SECRETARY:
            raise ValidationError({"office": "不设支部委员会的支部只设书记。"})
    else:
        if current is None or current.kind != office:
            raise ValidationError(
                {"member": f"{member.name}现在不是{org}的{Office(office).label}，无需免职。"}
            )
    if PostChange.objects.filter(org=org, member=member, status=RequestStatus.PENDING).exists():
        raise ValidationError({"member": f"{member.name}已有一项待批复的任免申请。"})
    return PostChange.objects.create(
        term=term,
        org=org,
        org_path=org.path,
        kind=kind,
        office=office,
        member=member,
        portfolio=portfolio if office == Office.MEMBER else "",
        effective_on=effective_on,
        reason=reason.strip(),
        requested_by=actor,
    )


@transaction.atomic
def decide_post_change(*, actor, change: PostChange, approve: bool, note: str = "") -> PostChange:
    """批复 of a 届中任免; approval updates the posts through orgs.services (term end = due date)."""
    change = get_scoped_or_404(
        actor,
        "view",
        PostChange.objects.select_for_update().select_related("org", "term", "member"),
        pk=change.pk,
    )
    _check_approver(actor, change.org, change.requested_by_id, "届中任免申请")
    if change.status != RequestStatus.PENDING:
        raise ValidationError(f"该申请已{change.get_status_display()}，不能重复批复。")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"decision_note": "不予批准时请写明理由。"})
    if approve:
        term = Term.objects.get(pk=change.term_id)
        if term.ended_on is not None:
            raise ValidationError("申请所在的一届已经结束，请按新一届重新申请。")
        _apply_post_change(actor, change, term)
    change.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note
    change.save()
    return change


def _apply_post_change(actor, change: PostChange, term: Term) -> None:
    org, member, on = change.org, change.member, change.effective_on
    current = Post.objects.filter(org=org, member=member, ended_on__isnull=True).first()
    if change.kind == PostChangeKind.REMOVE:
        if current is None or current.kind != change.office:
            raise ValidationError(f"{member.name}已不在该职务上，无需免职。")
        end_post(
            actor=actor,
            post=current,
            on=max(on, current.term_start),
            reason=f"免职：{change.reason}",
        )
        return
    if change.office == Office.SECRETARY:
        for post in Post.objects.filter(
            Q(org=org, kind=PostKind.SECRETARY, ended_on__isnull=True) & ~Q(member=member)
        ):
            end_post(actor=actor, post=post, on=max(on, post.term_start), reason="届中调整")
    if current is not None:
        end_post(actor=actor, post=current, on=max(on, current.term_start), reason="职务调整")
    appoint(
        actor=actor,
        org=org,
        member=Member.objects.get(pk=member.pk),
        kind=change.office,
        portfolio=change.portfolio,
        term_start=on,
        term_end=term.due_on,
    )
