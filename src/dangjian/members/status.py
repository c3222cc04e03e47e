"""党籍: requests to change a member's status, their approval, and the lists built on them.

RULES.md 1.17–1.19. A branch (the "archive" action on the member) submits a request naming the kind
of change, the effective date, the reason, the basis (meeting or document) and the facts the kind's
rule needs; a 党委/总支/工委 administrator with "approve_status" over the member decides it (never
their own request). Approval applies the change to the member in the same transaction. The rules'
numbers come from the "membership" rule domain (members/rules.py) in force on the effective date.

Death is a fact, not a decision: whoever may archive the member records it directly, and the
history row is stored as already approved, with the recorder as decider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import MEMBER
from dangjian.core.calendar import add_months, add_years, months_between
from dangjian.core.rulesets import Rules, rules_on
from dangjian.core.scope import active_grants, get_scoped_or_404, restrict, role_allows
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.models import (
    Member,
    MemberStatusChange,
    StatusChangeKind,
    StatusChangeState,
)
from dangjian.members.rules import DOMAIN

K = StatusChangeKind
S = MemberStatus

# The status each kind ends in. Every 出党 kind (除名, 退党, 开除, 取消预备党员资格) ends in LEFT.
KIND_RESULT: dict[str, str] = {
    K.SUSPEND_LOST: S.SUSPENDED,
    K.SUSPEND_SETTLED: S.SUSPENDED,
    K.SUSPEND_STUDY: S.SUSPENDED,
    K.RESTORE: S.NORMAL,
    K.STRIKE_LAPSED: S.LEFT,
    K.STRIKE_UNQUALIFIED: S.LEFT,
    K.WITHDRAW: S.LEFT,
    K.EXPEL: S.LEFT,
    K.CANCEL_PROBATION: S.LEFT,
    K.DEATH: S.DECEASED,
}

# The statuses each kind may start from; nothing follows 出党, 死亡 or 已转出.
KIND_FROM: dict[str, frozenset[str]] = {
    K.SUSPEND_LOST: frozenset({S.NORMAL}),
    K.SUSPEND_SETTLED: frozenset({S.NORMAL}),
    K.SUSPEND_STUDY: frozenset({S.NORMAL}),
    K.RESTORE: frozenset({S.SUSPENDED}),
    K.STRIKE_LAPSED: frozenset({S.NORMAL, S.SUSPENDED}),
    K.STRIKE_UNQUALIFIED: frozenset({S.NORMAL}),
    K.WITHDRAW: frozenset({S.NORMAL}),
    K.EXPEL: frozenset({S.NORMAL, S.SUSPENDED}),
    K.CANCEL_PROBATION: frozenset({S.NORMAL}),
    K.DEATH: frozenset({S.NORMAL, S.SUSPENDED}),
}

# Kinds a branch may request on the 党籍 pages, in the order the form offers them.
# 取消预备党员资格 is decided in 发展党员 (转正) and recorded there through services.change_status.
REQUESTABLE: tuple[str, ...] = (
    K.SUSPEND_LOST,
    K.SUSPEND_SETTLED,
    K.SUSPEND_STUDY,
    K.RESTORE,
    K.STRIKE_LAPSED,
    K.STRIKE_UNQUALIFIED,
    K.WITHDRAW,
    K.EXPEL,
    K.DEATH,
)
# Kinds applied at once, without a second person's approval.
NO_APPROVAL = frozenset({K.DEATH})

# Where each kind comes from, shown beside it on the form.
KIND_SOURCE: dict[str, str] = {
    K.SUSPEND_LOST: "《党员教育管理工作条例》第二十四条",
    K.SUSPEND_SETTLED: "《党员教育管理工作条例》第二十四条",
    K.SUSPEND_STUDY: "《党员教育管理工作条例》第二十四条",
    K.RESTORE: "《党员教育管理工作条例》第二十四条；地方实践",
    K.STRIKE_LAPSED: "党章第九条；《党员教育管理工作条例》第二十四条",
    K.STRIKE_UNQUALIFIED: "党章第九条",
    K.WITHDRAW: "党章第九条",
    K.EXPEL: "党章（党的纪律）",
    K.DEATH: "",
}


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    kind: str = "date"  # date | text
    help: str = ""


_LOST_SINCE = Fact(
    "lost_since", "失去联系起始日期", help="最后一次与党组织取得联系之后、开始无法联系的日期。"
)
_SEARCH = Fact(
    "search_note",
    "查找情况",
    "text",
    help="党组织如何查找过该党员，例如走访单位、家属、电话联系的情况。",
)
_ABROAD_SINCE = Fact("abroad_since", "出国（境）日期")
_ABROAD_PLACE = Fact("abroad_place", "所在国家（地区）", "text")
_APPLIED_ON = Fact("applied_on", "书面申请日期")
_LAPSE_SINCE = Fact(
    "lapse_since",
    "最后一次参加组织生活或交纳党费的日期",
    help="以两者中较晚的一个为准；从未参加、从未交纳的，填入党日期。",
)
_ADVISED_ON = Fact("advised_on", "劝退日期", help="限期改正后仍无转变、党组织对其劝退的日期。")

# The facts each kind's rule needs; the form asks for these and nothing else.
FACTS: dict[str, tuple[Fact, ...]] = {
    K.SUSPEND_LOST: (_LOST_SINCE, _SEARCH),
    K.SUSPEND_SETTLED: (_ABROAD_SINCE, _ABROAD_PLACE),
    K.SUSPEND_STUDY: (_ABROAD_SINCE, _ABROAD_PLACE),
    K.RESTORE: (_APPLIED_ON,),
    K.STRIKE_LAPSED: (_LAPSE_SINCE,),  # only from 正常; from 停止党籍 the suspension date counts
    K.STRIKE_UNQUALIFIED: (_ADVISED_ON,),
    K.WITHDRAW: (_APPLIED_ON,),
    K.EXPEL: (),
    K.DEATH: (),
}


def facts_for(kind: str, member: Member) -> tuple[Fact, ...]:
    if kind == K.STRIKE_LAPSED and member.status == S.SUSPENDED:
        return ()
    return FACTS.get(kind, ())


def allowed_kinds(member: Member) -> list[str]:
    """The kinds that may start from the member's current status (the form offers only these)."""
    return [k for k in REQUESTABLE if member.status in KIND_FROM[k]]


def _d(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _clean_facts(kind: str, member: Member, raw: dict, errors: dict) -> dict:
    clean: dict = {}
    for fact in facts_for(kind, member):
        value = (raw or {}).get(fact.key)
        if fact.kind == "date":
            day = _as_date(value)
            if day is None:
                errors[fact.key] = (
                    f"请填写{fact.label}。"
                    if value in (None, "")
                    else f"{fact.label}不是有效日期。"
                )
                continue
            clean[fact.key] = day
        else:
            text = " ".join(str(value or "").split())
            if not text:
                errors[fact.key] = f"请填写{fact.label}。"
                continue
            clean[fact.key] = text[:500]
    return clean


def suspended_since(member: Member) -> date | None:
    """The day the current 停止党籍 took effect (the member's status date)."""
    return member.status_date if member.status == S.SUSPENDED else None


def check_change(
    *, member: Member, kind: str, on: date, facts: dict, today: date
) -> tuple[dict, Rules]:
    """Every check a 党籍 change must pass, for submission and again at approval.

    Returns the cleaned facts and the rules applied; raises ValidationError({field: message})
    naming the rule (rules.cite) when a statutory interval is not met.
    """
    errors: dict[str, str] = {}
    if kind not in KIND_RESULT:
        raise ValidationError({"kind": "未知的党籍变更事项。"})
    label = StatusChangeKind(kind).label
    if member.status not in KIND_FROM[kind]:
        if member.status in (S.LEFT, S.DECEASED, S.TRANSFERRED_OUT):
            msg = f"该党员党籍状态为“{member.get_status_display()}”，不能再变更党籍状态。"
        else:
            allowed = "、".join(str(S(s).label) for s in sorted(KIND_FROM[kind]))
            msg = (
                f"“{label}”只能从“{allowed}”状态办理，该党员目前为“{member.get_status_display()}”。"
            )
        raise ValidationError({"kind": msg})
    if on is None:
        raise ValidationError({"effective_on": "请填写生效日期。"})
    if on > today:
        errors["effective_on"] = "生效日期不能晚于今天。"
    if on < member.joined_on:
        errors["effective_on"] = f"生效日期不能早于入党日期（{_d(member.joined_on)}）。"
    if member.status_date and on < member.status_date:
        errors["effective_on"] = f"生效日期不能早于上一次状态变更日期（{_d(member.status_date)}）。"
    clean = _clean_facts(kind, member, facts, errors)
    rules = rules_on(DOMAIN, on)
    for key, value in clean.items():
        if isinstance(value, date) and value > on:
            errors[key] = "该日期不能晚于生效日期。"
    if errors:
        raise ValidationError(errors)

    if kind == K.SUSPEND_LOST:
        if member.category == MemberCategory.PROBATIONARY and rules.lost_probationary_disqualified:
            raise ValidationError(
                {
                    "kind": "预备党员失去联系的，应取消预备党员资格（在发展党员中办理），不停止党籍。"
                    + rules.cite("lost_probationary_disqualified")
                }
            )
        since = clean["lost_since"]
        if add_months(since, rules.lost_contact_months) > on:
            raise ValidationError(
                {
                    "lost_since": f"自{_d(since)}失去联系，到生效日期尚不满{rules.lost_contact_months}个月，"
                    f"不能停止党籍。{rules.cite('lost_contact_months')}"
                }
            )
    elif kind == K.SUSPEND_STUDY:
        since = clean["abroad_since"]
        if add_years(since, rules.abroad_study_years) >= on:
            raise ValidationError(
                {
                    "abroad_since": f"自{_d(since)}出国（境）学习研究，到生效日期未超过{rules.abroad_study_years}年，"
                    f"不能停止党籍。{rules.cite('abroad_study_years')}"
                }
            )
    elif kind in (K.RESTORE, K.STRIKE_LAPSED) and member.status == S.SUSPENDED:
        start = suspended_since(member)
        if start is None:
            raise ValidationError({"kind": "缺少停止党籍的日期，请先核实该党员的停止党籍记录。"})
        if kind == K.RESTORE and add_years(start, rules.restore_within_years) <= on:
            raise ValidationError(
                {
                    "kind": f"自{_d(start)}停止党籍已满{rules.restore_within_years}年，不能恢复党籍；"
                    f"仍无联系的，按自行脱党除名。{rules.cite('restore_within_years')}"
                }
            )
        if kind == K.STRIKE_LAPSED and add_years(start, rules.suspension_strike_years) > on:
            raise ValidationError(
                {
                    "kind": f"自{_d(start)}停止党籍，到生效日期尚不满{rules.suspension_strike_years}年，"
                    f"不能按自行脱党除名。{rules.cite('suspension_strike_years')}"
                }
            )
        if kind == K.RESTORE and clean["applied_on"] < start:
            raise ValidationError({"applied_on": "书面申请日期不能早于停止党籍日期。"})
    elif kind == K.STRIKE_LAPSED:
        since = clean["lapse_since"]
        if add_months(since, rules.lapse_months) > on:
            raise ValidationError(
                {
                    "lapse_since": f"自{_d(since)}起到生效日期尚不满{rules.lapse_months}个月，"
                    f"不能视为自行脱党。{rules.cite('lapse_months')}"
                }
            )
    elif kind == K.CANCEL_PROBATION and member.category != MemberCategory.PROBATIONARY:
        raise ValidationError({"kind": "只有预备党员才能取消预备党员资格。"})
    return clean, rules


def _store_facts(clean: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in clean.items()}


def _apply(change: MemberStatusChange, member: Member) -> None:
    reason = change.reason if not change.basis else f"{change.reason}（{change.basis}）"
    member.status, member.status_date, member.status_reason = (
        change.to_status,
        change.effective_on,
        reason[:500],
    )
    member.save(update_fields=["status", "status_date", "status_reason", "updated_at"])


# --- writes -------------------------------------------------------------------------------------


@transaction.atomic
def request_change(
    *,
    actor,
    member: Member,
    kind: str,
    effective_on: date,
    reason: str,
    basis: str = "",
    facts: dict | None = None,
) -> MemberStatusChange:
    """A branch's request to change a member's 党籍 (death is recorded and applied at once)."""
    member = get_scoped_or_404(actor, "archive", Member.objects.select_for_update(), pk=member.pk)
    if kind not in REQUESTABLE:
        raise ValidationError({"kind": "请选择变更事项。"})
    reason = " ".join((reason or "").split())
    basis = " ".join((basis or "").split())
    errors = {}
    if not reason:
        errors["reason"] = "请填写事由。"
    if kind not in NO_APPROVAL and not basis:
        errors["basis"] = "请填写依据，例如“2024年3月5日支部大会决议”。"
    today = timezone.localdate()
    try:
        clean, rules = check_change(
            member=member, kind=kind, on=effective_on, facts=facts or {}, today=today
        )
    except ValidationError as exc:
        errors = {**errors, **exc.message_dict}
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    if MemberStatusChange.objects.filter(member=member, state=StatusChangeState.PENDING).exists():
        raise ValidationError({"kind": "该党员已有一项待审批的党籍变更申请，请等待审批结果。"})
    change = MemberStatusChange(
        member=member,
        kind=kind,
        from_status=member.status,
        to_status=KIND_RESULT[kind],
        effective_on=effective_on,
        reason=reason[:500],
        basis=basis[:500],
        facts=_store_facts(clean),
        requested_by=actor,
        rules_version=rules.version,
    )
    if kind in NO_APPROVAL:
        change.state = StatusChangeState.APPROVED
        change.decided_by, change.decided_at = actor, timezone.now()
        change.decision_note = "死亡为事实登记，无需审批。"
        _apply(change, member)
    change.save()
    return change


def approver_at_county_level(actor, member: Member) -> bool:
    """Whether the actor holds "approve_status" over the member through a county-level node (县委/工委)."""
    from dangjian.orgs.models import OrgType

    return any(
        role_allows(g.role, MEMBER, "approve_status")
        and member.org_path.startswith(g.org.path)
        and g.org.org_type in (OrgType.COUNTY_COMMITTEE, OrgType.WORK_COMMITTEE)
        for g in active_grants(actor)
    )


@transaction.atomic
def decide_change(
    *, actor, change: MemberStatusChange, approve: bool, note: str = ""
) -> MemberStatusChange:
    """The higher level decides; approval re-checks the rules and applies the change at once."""
    if not scoped_changes(actor, "approve_status").filter(pk=change.pk).exists():
        raise Http404
    change = MemberStatusChange.objects.select_for_update().get(pk=change.pk)
    if change.state != StatusChangeState.PENDING:
        raise ValidationError({"decision": f"该申请已{change.get_state_display()}，不能重复审批。"})
    if change.requested_by_id == actor.pk:
        raise ValidationError({"decision": "不能审批自己提交的申请。"})
    note = " ".join((note or "").split())
    if not approve and not note:
        raise ValidationError({"note": "不予批准时请写明理由。"})
    member = Member.objects.select_for_update().get(pk=change.member_id)
    if approve:
        if member.status != change.from_status:
            raise ValidationError(
                {
                    "decision": f"该党员的党籍状态已变为“{member.get_status_display()}”，"
                    "与申请时不同，不能批准；请不予批准后由支部重新申请。"
                }
            )
        _clean, rules = check_change(
            member=member,
            kind=change.kind,
            on=change.effective_on,
            facts=change.facts,
            today=timezone.localdate(),
        )
        if (
            change.kind == K.RESTORE
            and rules.restore_county_approval
            and not approver_at_county_level(actor, member)
        ):
            raise ValidationError(
                {
                    "decision": "恢复党籍须报县级党组织（工委）审批，请转报工委。"
                    + rules.cite("restore_county_approval")
                }
            )
        _apply(change, member)
    change.state = StatusChangeState.APPROVED if approve else StatusChangeState.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note[:500]
    change.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    return change


def record_direct(
    *,
    actor,
    member: Member,
    old_status: str,
    kind: str | None,
    on: date,
    reason: str,
    basis: str = "",
) -> MemberStatusChange:
    """History for a status set directly through services.change_status (already scoped and applied)."""
    if kind is None or kind not in KIND_RESULT:
        kind = K.DEATH if member.status == S.DECEASED else K.RECORD
    return MemberStatusChange.objects.create(
        member=member,
        kind=kind,
        from_status=old_status,
        to_status=member.status,
        effective_on=on,
        reason=reason[:500],
        basis=(basis or "")[:500],
        state=StatusChangeState.APPROVED,
        requested_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note="直接登记",
        rules_version=rules_on(DOMAIN, on).version,
    )


# --- reads --------------------------------------------------------------------------------------


def _changes() -> QuerySet[MemberStatusChange]:
    return MemberStatusChange.objects.select_related(
        "member", "member__org", "requested_by", "decided_by"
    )


def scoped_changes(
    user, action: str, qs: QuerySet | None = None, *, within: str | None = None
) -> QuerySet:
    """Status changes of the members `restrict` lets the user apply `action` to.

    Scoped through the member (not the change row itself) so that a member's own-record grant
    covers their own history and nothing else.
    """
    qs = _changes() if qs is None else qs
    return qs.filter(
        member__in=restrict(user, action, Member.objects.all(), within=within).values("pk")
    )


def get_change_or_404(user, action: str, pk) -> MemberStatusChange:
    try:
        return scoped_changes(user, action).get(pk=pk)
    except (MemberStatusChange.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def history_of(user, member: Member) -> QuerySet[MemberStatusChange]:
    """A member's whole 党籍 history, oldest first (the member page)."""
    return scoped_changes(user, "view", _changes().filter(member=member)).order_by(
        "effective_on", "requested_at", "id"
    )


def changes_for(user, *, within: str | None = None) -> QuerySet[MemberStatusChange]:
    """Status history of an organisation's subtree, newest first."""
    return scoped_changes(user, "view", within=within).order_by(
        "-effective_on", "-requested_at", "-id"
    )


def pending_for_decision(user, *, within: str | None = None) -> QuerySet[MemberStatusChange]:
    """Requests this user may decide: pending, in their approval scope, not their own."""
    qs = _changes().filter(state=StatusChangeState.PENDING).exclude(requested_by=user)
    return scoped_changes(user, "approve_status", qs, within=within).order_by("requested_at", "id")


def pending_requested_in(user, *, within: str | None = None) -> QuerySet[MemberStatusChange]:
    """Pending requests the user can see (a branch follows its own requests)."""
    qs = _changes().filter(state=StatusChangeState.PENDING)
    return scoped_changes(user, "view", qs, within=within).order_by("requested_at", "id")


@dataclass(frozen=True)
class SuspendedRow:
    member: Member
    since: date | None
    months: int | None
    strike_from: date | None  # the day 除名（自行脱党） becomes possible
    restore_until: date | None  # the last day restoration may take effect
    strike_candidate: bool
    pending: MemberStatusChange | None


def suspended_members(user, *, within: str | None = None, today: date) -> list[SuspendedRow]:
    """停止党籍人员 with the age of the suspension; those past the rule's years are 除名 candidates."""
    rules = rules_on(DOMAIN, today)
    members = list(
        restrict(
            user,
            "view",
            Member.objects.select_related("org").filter(status=S.SUSPENDED),
            within=within,
        ).order_by("status_date", "stroke_key", "id")
    )
    pending = {
        c.member_id: c
        for c in MemberStatusChange.objects.filter(
            member__in=[m.pk for m in members], state=StatusChangeState.PENDING
        )
    }
    rows = []
    for m in members:
        since = m.status_date
        strike_from = add_years(since, rules.suspension_strike_years) if since else None
        restore_end = add_years(since, rules.restore_within_years) if since else None
        rows.append(
            SuspendedRow(
                member=m,
                since=since,
                months=months_between(since, today) if since else None,
                strike_from=strike_from,
                restore_until=restore_end - timedelta(days=1) if restore_end else None,
                strike_candidate=bool(strike_from and strike_from <= today),
                pending=pending.get(m.pk),
            )
        )
    return rows
