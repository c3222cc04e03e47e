"""Writes for 困难党员帮扶. Transactional, scoped (CARE; out of scope is 404), keyword-only with
`actor` first; a check that fails raises a Chinese ValidationError and writes nothing.

慰问金 given on a visit are a 支出 in the funds ledger of the paying organisation, written by
`funds.services.record_expense` inside the visit's transaction: the fund's balance check (and,
for 党费, its permitted uses and 集体讨论) apply, and a refusal there refuses the visit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import CARE
from dangjian.care.models import (
    CarePair,
    CareRecipient,
    Deed,
    Level,
    Reason,
    Trainee,
    TrainingCourse,
    Visit,
)
from dangjian.care.rules import DOMAIN
from dangjian.core.crypto import provider
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import get_scoped_or_404, path_in_scope
from dangjian.dues.services import acting_user
from dangjian.funds import services as funds
from dangjian.funds.models import Fund, Purpose
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

CENT = Decimal("0.01")


def _require(actor, action: str, path: str) -> None:
    if actor is not None and not path_in_scope(actor, action, CARE, path):
        raise Http404


def _day(value, label: str, key: str) -> date:
    if not isinstance(value, date):
        raise ValidationError({key: _("请填写%(label)s。") % {"label": label}})
    if value > timezone.localdate():
        raise ValidationError({key: _("%(label)s不能晚于今天。") % {"label": label}})
    return value


def _open(recipient: CareRecipient) -> None:
    if recipient.closed_on is not None:
        raise ValidationError(_("该困难党员已退出帮扶台账，不能再登记。"))


# --- the register -------------------------------------------------------------------------------


def register_recipient(
    *,
    actor,
    member: Member,
    reason: str,
    level: str,
    since: date,
    circumstances: str = "",
) -> CareRecipient:
    """A member in difficulty enters the register at their organisation."""
    _require(actor, "add", member.org_path)
    errors = {}
    if member.status != MemberStatus.NORMAL:
        errors["member"] = _("只能登记党籍正常的党员。")
    if reason not in Reason.values:
        errors["reason"] = _("请选择困难类型。")
    if level not in Level.values:
        errors["level"] = _("请选择困难程度。")
    if errors:
        raise ValidationError(errors)
    since = _day(since, _("困难起始日期"), "since")
    if CareRecipient.objects.filter(member=member, closed_on__isnull=True).exists():
        raise ValidationError({"member": _("%(name)s已在困难党员台账中。") % {"name": member}})
    text = (circumstances or "").strip()
    with transaction.atomic():
        return CareRecipient.objects.create(
            member=member,
            org_id=member.org_id,
            org_path=member.org_path,
            reason=reason,
            level=level,
            since=since,
            circumstances_enc=provider().encrypt(text) if text else "",
            has_circumstances=bool(text),
            recorded_by=acting_user(actor),
        )


def reveal_circumstances(*, actor, recipient: CareRecipient, request=None) -> str:
    """The personal circumstances in clear, for roles with "view_circumstances"; every reading
    is an audit event (查看敏感信息)."""
    from dangjian.core.audit import record_event

    recipient = get_scoped_or_404(
        actor, "view_circumstances", CareRecipient.objects.all(), pk=recipient.pk
    )
    record_event(
        "view_pii",
        actor=actor,
        request=request,
        obj=recipient,
        detail={"field": "circumstances", "resource": CARE},
    )
    return provider().decrypt(recipient.circumstances_enc) if recipient.circumstances_enc else ""


def update_circumstances(*, actor, recipient: CareRecipient, circumstances: str) -> CareRecipient:
    """Replace the circumstances (only those who may read them may write them)."""
    recipient = get_scoped_or_404(
        actor, "view_circumstances", CareRecipient.objects.all(), pk=recipient.pk
    )
    text = (circumstances or "").strip()
    recipient.circumstances_enc = provider().encrypt(text) if text else ""
    recipient.has_circumstances = bool(text)
    with transaction.atomic():
        recipient.save(update_fields=["circumstances_enc", "has_circumstances"])
    return recipient


def review_recipient(
    *, actor, recipient: CareRecipient, reviewed_on: date, level: str = "", note: str = ""
) -> CareRecipient:
    """年度复核: still in difficulty (the level may change). Closing is `close_recipient`."""
    _require(actor, "change", recipient.org_path)
    _open(recipient)
    reviewed_on = _day(reviewed_on, _("复核日期"), "reviewed_on")
    if reviewed_on < recipient.since:
        raise ValidationError({"reviewed_on": _("复核日期不能早于困难起始日期。")})
    if level and level not in Level.values:
        raise ValidationError({"level": _("请选择困难程度。")})
    recipient.reviewed_on = reviewed_on
    recipient.review_note = (note or "").strip()[:500]
    if level:
        recipient.level = level
    with transaction.atomic():
        recipient.save(update_fields=["reviewed_on", "review_note", "level"])
    return recipient


def close_recipient(
    *, actor, recipient: CareRecipient, closed_on: date, reason: str
) -> CareRecipient:
    """退出台账 with a reason; the recipient's pairings end the same day."""
    _require(actor, "change", recipient.org_path)
    _open(recipient)
    closed_on = _day(closed_on, _("退出日期"), "closed_on")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退出原因，例如已脱困、已去世、组织关系转出。")})
    if closed_on < recipient.since:
        raise ValidationError({"closed_on": _("退出日期不能早于困难起始日期。")})
    with transaction.atomic():
        recipient.closed_on, recipient.closed_reason = closed_on, reason[:500]
        recipient.save(update_fields=["closed_on", "closed_reason"])
        for pair in recipient.pairs.filter(ended_on__isnull=True):
            pair.ended_on = max(closed_on, pair.started_on)
            pair.end_reason = _("困难党员退出台账：%(r)s") % {"r": reason[:400]}
            pair.save(update_fields=["ended_on", "end_reason"])
    return recipient


# --- pairing with leading cadres --------------------------------------------------------------


def pair_cadre(
    *,
    actor,
    recipient: CareRecipient,
    cadre: Member,
    started_on: date,
    cadre_title: str = "",
) -> CarePair:
    """挂包: the cadre takes on the recipient. A cadre cares for at most the number the "care"
    rules allow (default 3); the next one is refused, naming the rule."""
    _require(actor, "add", recipient.org_path)
    _open(recipient)
    if cadre.status != MemberStatus.NORMAL:
        raise ValidationError({"cadre": _("结对的领导干部应是党籍正常的党员。")})
    if cadre.pk == recipient.member_id:
        raise ValidationError({"cadre": _("不能与本人结对。")})
    started_on = _day(started_on, _("结对日期"), "started_on")
    with transaction.atomic():
        # serialise pairings of one cadre so two at once cannot both pass the limit
        list(Member.objects.select_for_update().filter(pk=cadre.pk).values_list("pk"))
        if recipient.pairs.filter(cadre=cadre, ended_on__isnull=True).exists():
            raise ValidationError({"cadre": _("%(c)s已与该困难党员结对。") % {"c": cadre}})
        rules = rules_on(DOMAIN, started_on)
        limit = rules["max_recipients_per_cadre"]
        current = CarePair.objects.filter(cadre=cadre, ended_on__isnull=True).count()
        if current >= limit:
            raise ValidationError(
                {
                    "cadre": _("%(c)s已结对%(n)s名困难党员，不能再增加（%(rule)s）。")
                    % {"c": cadre, "n": current, "rule": rules.cite("max_recipients_per_cadre")}
                }
            )
        return CarePair.objects.create(
            recipient=recipient,
            cadre=cadre,
            cadre_title=(cadre_title or "").strip()[:100],
            org_path=recipient.org_path,
            started_on=started_on,
            recorded_by=acting_user(actor),
        )


def end_pair(*, actor, pair: CarePair, ended_on: date, reason: str) -> CarePair:
    _require(actor, "change", pair.org_path)
    if pair.ended_on is not None:
        raise ValidationError(_("该结对已经结束。"))
    ended_on = _day(ended_on, _("结束日期"), "ended_on")
    if ended_on < pair.started_on:
        raise ValidationError({"ended_on": _("结束日期不能早于结对日期。")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写结束原因，例如干部调离。")})
    pair.ended_on, pair.end_reason = ended_on, reason[:500]
    with transaction.atomic():
        pair.save(update_fields=["ended_on", "end_reason"])
    return pair


# --- visits -------------------------------------------------------------------------------------


def _amount(raw) -> Decimal:
    if raw in (None, ""):
        return Decimal("0.00")
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("慰问金应为金额数字（元）。")}) from None
    if not value.is_finite() or value < 0 or value != value.quantize(CENT):
        raise ValidationError({"amount": _("慰问金应为不小于0、最多两位小数的金额（元）。")})
    return value.quantize(CENT)


def payer_choices(recipient: CareRecipient) -> list[Organization]:
    """Who may pay 慰问金 for a recipient: the recipient's organisation and those above it."""
    org = Organization.objects.get(pk=recipient.org_id)
    return [*Organization.objects.get_ancestors(org).order_by("depth"), org]


def _visit_fields(
    *, recipient: CareRecipient, visited_on, cadres, what_done, deeds, amount, paying_org
) -> tuple[date, list, str, list[str], Decimal]:
    """The checks a visit (new or correcting) must pass; raises one ValidationError for all."""
    errors = {}
    visited_on = _day(visited_on, _("走访日期"), "visited_on")
    if visited_on < recipient.since:
        errors["visited_on"] = _("走访日期不能早于困难起始日期。")
    if recipient.closed_on is not None and visited_on > recipient.closed_on:
        errors["visited_on"] = _("走访日期不能晚于退出台账的日期。")
    cadres = list(cadres or [])
    paired = set(
        recipient.pairs.filter(started_on__lte=visited_on)
        .exclude(ended_on__lt=visited_on)
        .values_list("cadre_id", flat=True)
    )
    if not cadres:
        errors["cadres"] = _("请选择参加走访的结对领导干部。")
    elif any(c.pk not in paired for c in cadres):
        errors["cadres"] = _("参加走访的应是走访当日与该困难党员结对的领导干部。")
    what_done = (what_done or "").strip()
    if not what_done:
        errors["what_done"] = _("请填写走访情况。")
    deeds = [d.strip()[:500] for d in deeds or () if d and d.strip()]
    amount = _amount(amount)
    if amount > 0:
        if paying_org is None:
            errors["paying_org"] = _("发放慰问金时请选择支付慰问金的党组织。")
        elif paying_org.pk not in {o.pk for o in payer_choices(recipient)}:
            errors["paying_org"] = _("慰问金应由困难党员所在党组织或其上级党组织支付。")
    if errors:
        raise ValidationError(errors)
    return visited_on, cadres, what_done, deeds, amount


def _pay(*, actor, visit: Visit, recipient: CareRecipient, cadres, paying_org, fund, **decision):
    names = "、".join(str(c) for c in cadres)
    return funds.record_expense(
        actor=actor,
        org=paying_org,
        fund=fund,
        purpose=Purpose.HARDSHIP,
        amount=visit.amount,
        occurred_on=visit.visited_on,
        counterparty_name=str(recipient.member),
        note=_("走访慰问困难党员%(m)s（%(c)s）") % {"m": recipient.member, "c": names},
        **decision,
    )


def record_visit(
    *,
    actor,
    recipient: CareRecipient,
    visited_on: date,
    cadres,
    what_done: str,
    deeds=(),
    amount=0,
    paying_org: Organization | None = None,
    fund: str = Fund.DUES,
    decision_body: str = "",
    decision_on: date | None = None,
    decision_summary: str = "",
) -> Visit:
    """走访慰问 by cadres paired with the recipient on that day, with the 实事 done; 慰问金 (if any)
    are recorded as a 支出 (用途：补助生活困难的党员) of `paying_org`'s `fund` in the same
    transaction, so an insufficient balance refuses the whole visit."""
    _require(actor, "add", recipient.org_path)
    _open(recipient)
    visited_on, cadres, what_done, deeds, amount = _visit_fields(
        recipient=recipient, visited_on=visited_on, cadres=cadres, what_done=what_done,
        deeds=deeds, amount=amount, paying_org=paying_org,
    )  # fmt: skip
    with transaction.atomic():
        visit = Visit.objects.create(
            recipient=recipient,
            org_path=recipient.org_path,
            visited_on=visited_on,
            what_done=what_done,
            amount=amount,
            recorded_by=acting_user(actor),
        )
        visit.cadres.set(cadres)
        for text in deeds:
            Deed.objects.create(visit=visit, text=text)
        if amount > 0:
            visit.fund_entry = _pay(
                actor=actor, visit=visit, recipient=recipient, cadres=cadres,
                paying_org=paying_org, fund=fund, decision_body=decision_body,
                decision_on=decision_on, decision_summary=decision_summary,
            )  # fmt: skip
            visit.save(update_fields=["fund_entry"])
    return visit


def correct_visit(
    *,
    actor,
    visit: Visit,
    reason: str,
    visited_on: date,
    cadres,
    what_done: str,
    deeds=(),
    amount=0,
    paying_org: Organization | None = None,
    fund: str = Fund.DUES,
    decision_body: str = "",
    decision_on: date | None = None,
    decision_summary: str = "",
) -> Visit:
    """更正 a mistaken visit: a new visit replaces it (naming it and the reason); the old one stays,
    shown as corrected, and no longer counts. Its 慰问金 are corrected in the funds ledger in the
    same transaction through `funds.correct_entry`: paid by the same organisation from the same
    fund, the entry is reversed and re-entered at the right amount and date; otherwise it is
    reversed and the new 慰问金 (if any) are a new expense. A refusal anywhere (a balance that
    would go below zero, a missing 集体讨论 for 党费) refuses the whole correction."""
    _require(actor, "change", visit.org_path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写更正原因。")})
    if visit.is_corrected:
        raise ValidationError(_("该走访记录已经更正过；如仍有错误，请更正最新的记录。"))
    recipient = CareRecipient.objects.get(pk=visit.recipient_id)
    visited_on, cadres, what_done, deeds, amount = _visit_fields(
        recipient=recipient, visited_on=visited_on, cadres=cadres, what_done=what_done,
        deeds=deeds, amount=amount, paying_org=paying_org,
    )  # fmt: skip
    with transaction.atomic():
        # serialise corrections of one visit: the second one waits, then finds it corrected
        old = Visit.objects.select_for_update().get(pk=visit.pk)
        if Visit.objects.filter(replaces=old).exists():
            raise ValidationError(_("该走访记录已经更正过；如仍有错误，请更正最新的记录。"))
        new = Visit.objects.create(
            recipient=recipient,
            org_path=recipient.org_path,
            visited_on=visited_on,
            what_done=what_done,
            amount=amount,
            replaces=old,
            correction_reason=reason[:500],
            recorded_by=acting_user(actor),
        )
        new.cadres.set(cadres)
        for text in deeds:
            Deed.objects.create(visit=new, text=text)
        entry = old.fund_entry
        note = _("更正走访慰问：%(r)s") % {"r": reason}
        same_payer = (
            entry is not None
            and amount > 0
            and entry.org_id == paying_org.pk
            and entry.fund == fund
        )
        if same_payer:
            _reversed, replaced = funds.correct_entry(
                actor=actor, entry=entry, reason=note, amount=amount, occurred_on=visited_on,
                allow_linked=True,
            )  # fmt: skip
            new.fund_entry = replaced[0]
        else:
            if entry is not None:
                funds.correct_entry(actor=actor, entry=entry, reason=note, allow_linked=True)
            if amount > 0:
                new.fund_entry = _pay(
                    actor=actor, visit=new, recipient=recipient, cadres=cadres,
                    paying_org=paying_org, fund=fund, decision_body=decision_body,
                    decision_on=decision_on, decision_summary=decision_summary,
                )  # fmt: skip
        if new.fund_entry_id:
            new.save(update_fields=["fund_entry"])
    return new


# --- 送技能、送岗位 --------------------------------------------------------------------------------


def record_course(
    *,
    actor,
    org: Organization,
    title: str,
    held_on: date,
    organiser: str,
    trainees=(),
    others_trained: int = 0,
    others_reemployed: int = 0,
    headcount_source: str = "",
    note: str = "",
) -> TrainingCourse:
    """A training course. `trainees` are (member, reemployed_on or None, employer) for members;
    people outside our records are counted in `others_*`, which need their source named."""
    _require(actor, "add", org.path)
    errors = {}
    title, organiser = (title or "").strip(), (organiser or "").strip()
    if not title:
        errors["title"] = _("请填写培训项目。")
    if not organiser:
        errors["organiser"] = _("请填写举办单位。")
    held_on = _day(held_on, _("培训日期"), "held_on")
    others_trained, others_reemployed = int(others_trained or 0), int(others_reemployed or 0)
    if others_trained < 0 or others_reemployed < 0:
        errors["others_trained"] = _("人数不能为负数。")
    if (others_trained or others_reemployed) and not (headcount_source or "").strip():
        errors["headcount_source"] = _("填写了其他人数时，请注明人数来源（如劳动部门统计表）。")
    rows, seen = [], set()
    for member, reemployed_on, employer in trainees or ():
        if member.pk in seen:
            continue
        seen.add(member.pk)
        if not path_in_scope(actor, "add", CARE, member.org_path):
            raise Http404
        if reemployed_on is not None and reemployed_on < held_on:
            errors["trainees"] = _("再就业日期不能早于培训日期。")
        # an employer belongs to a re-employment: none is kept for someone not yet in work
        employer = (employer or "").strip()[:200] if reemployed_on is not None else ""
        rows.append((member, reemployed_on, employer))
    if not rows and not others_trained:
        errors["trainees"] = _("请登记参训的党员或其他参训人数。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        course = TrainingCourse.objects.create(
            org=org,
            org_path=org.path,
            title=title[:200],
            held_on=held_on,
            organiser=organiser[:200],
            others_trained=others_trained,
            others_reemployed=others_reemployed,
            headcount_source=(headcount_source or "").strip()[:300],
            note=(note or "").strip(),
            recorded_by=acting_user(actor),
        )
        for member, reemployed_on, employer in rows:
            Trainee.objects.create(
                course=course, member=member, reemployed_on=reemployed_on, employer=employer
            )
    return course


def record_reemployment(
    *, actor, trainee: Trainee, reemployed_on: date, employer: str, note: str = ""
) -> Trainee:
    """A trainee found work after the course: the day and the employer, per person. Changing a
    recorded re-employment needs a note saying why (the earlier values stay in the audit log)."""
    trainee = Trainee.objects.select_related("course", "member").get(pk=trainee.pk)
    _require(actor, "change", trainee.course.org_path)
    reemployed_on = _day(reemployed_on, _("再就业日期"), "reemployed_on")
    errors = {}
    if reemployed_on < trainee.course.held_on:
        errors["reemployed_on"] = _("再就业日期不能早于培训日期。")
    employer = (employer or "").strip()
    if not employer:
        errors["employer"] = _("请填写就业单位或岗位。")
    note = (note or "").strip()
    if trainee.reemployed_on is not None and not note:
        errors["note"] = _("该党员已登记过再就业，更改时请说明原因。")
    if errors:
        raise ValidationError(errors)
    trainee.reemployed_on, trainee.employer = reemployed_on, employer[:200]
    trainee.reemployment_note = note[:500]
    with transaction.atomic():
        trainee.save(update_fields=["reemployed_on", "employer", "reemployment_note"])
    return trainee
