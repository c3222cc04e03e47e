"""Writes on 发展党员 records: applicants, step records, documents and plans.

Every function is transactional, scoped (restrict) and audited (auditlog). A step that breaks a
timing rule is refused with the rule's citation, or — for the rules a 党委 may depart from in a
special case — recorded as a documented exception by someone holding "exception". Records are
never edited or deleted: a correction is a new record naming the one it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from dangjian.accounts.roles import DEVELOPMENT, MEMBER
from dangjian.core.calendar import add_months, age_on
from dangjian.core.choices import choice_labels, choice_value
from dangjian.core.crypto import provider
from dangjian.core.pdf import chinese_date
from dangjian.core.rulesets import Rules, rules_on
from dangjian.core.scope import can, get_scoped_or_404, path_in_scope, restrict
from dangjian.development import steps as S
from dangjian.development.models import (
    ACTIVE_STATUSES,
    Applicant,
    ApplicantStatus,
    ConfirmOutcome,
    DecisionBody,
    DevelopmentPlan,
    Stage,
    StepDocument,
    StepRecord,
)
from dangjian.development.rules import DOMAIN
from dangjian.members.choices import (
    Education,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)
from dangjian.members.models import Member
from dangjian.members.person import (
    clean_ethnicity,
    clean_id_number,
    clean_name,
    clean_phone,
    id_number_index,
    pick_choice,
    store_person,
)
from dangjian.orgs.models import Organization

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png", ".ofd", ".doc", ".docx", ".xls", ".xlsx"}
# Steps whose records feed the member record once admitted: not corrected here afterwards.
FIXED_AFTER_ADMISSION = {15, 17, 24}


def fmt(day: date | None) -> str:
    return chinese_date(day)


def development_rules(day: date) -> Rules:
    return rules_on(DOMAIN, day)


# --------------------------------------------------------------------------------------------
# Applicants


@dataclass
class ApplicantData:
    name: str
    gender: str
    ethnicity: str
    birth_date: date
    id_number: str
    education: str
    occupation: str
    phone: str
    work_unit: str
    position: str
    applied_on: date
    warnings: list[str] = field(default_factory=list)


APPLICANT_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "occupation",
    "phone",
    "work_unit",
    "position",
    "applied_on",
)


def clean_applicant_data(raw: dict, *, instance: Applicant | None = None) -> ApplicantData:
    """Validate an applicant's person fields exactly as member records are checked."""
    errors: dict[str, str] = {}
    name = clean_name(raw, errors)
    gender = pick_choice(raw, "gender", Gender, "性别", errors)
    education = pick_choice(raw, "education", Education, "学历", errors)
    occupation = pick_choice(raw, "occupation", Occupation, "职业", errors)
    ethnicity = clean_ethnicity(raw, errors)
    applied_on = _clean_applied_on(raw, errors)
    id_number, birth_date, warnings = clean_id_number(
        raw, raw.get("birth_date") or None, gender, errors
    )
    if birth_date is None and "id_number" not in errors:
        errors["birth_date"] = "出生日期不能为空。"
    phone = clean_phone(raw, errors)
    if id_number and "id_number" not in errors:
        _check_not_registered(id_number, instance, errors)
    if birth_date and applied_on and "applied_on" not in errors:
        _check_min_age(birth_date, applied_on, errors)
    if errors:
        raise ValidationError(errors)
    return ApplicantData(
        name=name,
        gender=gender,
        ethnicity=ethnicity,
        birth_date=birth_date,
        id_number=id_number,
        education=education,
        occupation=occupation,
        phone=phone,
        work_unit=str(raw.get("work_unit") or "").strip()[:200],
        position=str(raw.get("position") or "").strip()[:100],
        applied_on=applied_on,
        warnings=warnings,
    )


def _clean_applied_on(raw: dict, errors: dict[str, str]) -> date | None:
    applied_on = raw.get("applied_on") or None
    if applied_on is None:
        errors["applied_on"] = "请填写递交入党申请书的日期。"
    elif applied_on > timezone.localdate():
        errors["applied_on"] = "递交申请书日期不能晚于今天。"
    return applied_on


def _check_not_registered(
    id_number: str, instance: Applicant | None, errors: dict[str, str]
) -> None:
    """A person is either a member or one active applicant, never both nor twice."""
    index = id_number_index(id_number)
    member = Member.objects.filter(id_number_hash=index).select_related("org").first()
    if member is not None and (instance is None or instance.member_id != member.pk):
        errors["id_number"] = f"该身份证号已登记为党员（{member.org}），不能再作为入党申请人登记。"
        return
    clash = Applicant.objects.filter(id_number_hash=index, status__in=ACTIVE_STATUSES)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    other = clash.select_related("org").first()
    if other is not None:
        errors["id_number"] = (
            f"该身份证号已作为入党申请人登记在{other.org}（{other.get_stage_display()}），不能重复登记。"
        )


def _check_min_age(birth_date: date, applied_on: date, errors: dict[str, str]) -> None:
    rules = development_rules(applied_on)
    if age_on(birth_date, applied_on) < rules.min_age:
        errors["applied_on"] = (
            f"递交申请书时未满{rules.min_age}周岁（{fmt(add_months(birth_date, 12 * rules.min_age))}"
            f"年满{rules.min_age}周岁）。{rules.cite('min_age')}"
        )


def _apply_person(applicant: Applicant, data: ApplicantData) -> None:
    for attr in (
        "name",
        "gender",
        "ethnicity",
        "birth_date",
        "education",
        "occupation",
        "work_unit",
        "position",
    ):
        setattr(applicant, attr, getattr(data, attr))
    store_person(applicant, id_number=data.id_number, phone=data.phone)


@transaction.atomic
def create_applicant(*, actor, org: Organization, data: ApplicantData) -> Applicant:
    """登记入党申请人: the person and step ① 递交入党申请书 on the application date."""
    if not path_in_scope(actor, "add", DEVELOPMENT, org.path):
        raise Http404
    if not org.is_active:
        raise ValidationError({"org": f"{org}已撤销，不能再登记入党申请人。"})
    if not org.is_branch:
        raise ValidationError(
            {
                "org": "入党申请人应登记在党支部（《中国共产党发展党员工作细则》第六条：向工作单位的党支部提出申请）。"
            }
        )
    rules = development_rules(data.applied_on)
    applicant = Applicant(org=org, org_path=org.path, applied_on=data.applied_on, created_by=actor)
    _apply_person(applicant, data)
    applicant.save()
    StepRecord.objects.create(
        applicant=applicant,
        org_path=applicant.org_path,
        step=1,
        done_on=data.applied_on,
        ruleset_version=rules.version,
        ruleset_id=rules.ruleset_id,
        recorded_by=actor,
    )
    _refresh(applicant)
    return applicant


@transaction.atomic
def update_applicant(*, actor, applicant: Applicant, data: ApplicantData) -> Applicant:
    """Correct the person's details (not the milestones, which come from the step records)."""
    applicant = get_scoped_or_404(
        actor, "change", Applicant.objects.select_for_update(), pk=applicant.pk
    )
    if applicant.member_id:
        raise ValidationError("已接收为预备党员，个人信息请在党员信息中修改。")
    if data.applied_on != applicant.applied_on:
        raise ValidationError({"applied_on": "递交申请书日期请通过更正步骤①修改。"})
    phone_enc, phone_masked = applicant.phone_enc, applicant.phone_masked
    _apply_person(applicant, data)
    if not data.phone:  # blank keeps the stored phone, as for members
        applicant.phone_enc, applicant.phone_masked = phone_enc, phone_masked
    applicant.save()
    return applicant


@transaction.atomic
def stop_applicant(*, actor, applicant: Applicant, on: date, reason: str) -> Applicant:
    """终止培养 (moved away, withdrew, 不再培养): the record and its steps stay."""
    applicant = get_scoped_or_404(
        actor, "change", Applicant.objects.select_for_update(), pk=applicant.pk
    )
    if applicant.status != ApplicantStatus.IN_PROGRESS:
        raise ValidationError(
            "只有培养考察中的人员可以终止；预备党员请通过㉓支部大会讨论作出取消预备党员资格的决定。"
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写终止的原因。"})
    if on is None or on > timezone.localdate():
        raise ValidationError({"on": "终止日期不能晚于今天。"})
    if on < applicant.applied_on:
        raise ValidationError({"on": "终止日期不能早于递交申请书的日期。"})
    applicant.status, applicant.stopped_on, applicant.stop_reason = (
        ApplicantStatus.STOPPED,
        on,
        reason.strip(),
    )
    applicant.save(update_fields=["status", "stopped_on", "stop_reason", "updated_at"])
    return applicant


def reveal_applicant_id_number(*, actor, applicant: Applicant, request=None) -> str:
    from dangjian.core.audit import record_event

    applicant = get_scoped_or_404(actor, "change", Applicant.objects.all(), pk=applicant.pk)
    record_event(
        "view_pii", actor=actor, request=request, obj=applicant, detail={"field": "id_number"}
    )
    return provider().decrypt(applicant.id_number_enc) if applicant.id_number_enc else ""


# --------------------------------------------------------------------------------------------
# State: which steps are done


def current_records(applicant: Applicant):
    """The records in force (not replaced by a correction), in step order."""
    return (
        StepRecord.objects.filter(applicant=applicant, replaced_by__isnull=True)
        .select_related("talker_member", "recorded_by")
        .order_by("step", "done_on", "id")
    )


def done_map(records, confirm_round: int) -> dict[int, StepRecord]:
    """Step number → the record that completed it (the latest passing one).

    A failed vote, a failed 政审 or a refusal leaves the step undone; steps ㉒–㉔ count only in the
    current 转正 round (a 延长预备期 opens a new round).
    """
    done: dict[int, StepRecord] = {}
    for r in sorted(records, key=lambda r: (r.done_on, r.id)):
        if r.step in S.CONFIRM_ROUND and r.confirm_round != confirm_round:
            continue
        if r.passed:
            done[r.step] = r
        else:
            done.pop(r.step, None)
    return done


def last_results(records, confirm_round: int) -> dict[int, StepRecord]:
    """Step number → its latest record, passing or not."""
    latest: dict[int, StepRecord] = {}
    for r in sorted(records, key=lambda r: (r.done_on, r.id)):
        if r.step in S.CONFIRM_ROUND and r.confirm_round != confirm_round:
            continue
        latest[r.step] = r
    return latest


def available_steps(applicant: Applicant, done: dict[int, StepRecord]) -> list[S.Step]:
    """Steps whose prerequisites are all done and which are not done themselves."""
    if applicant.status == ApplicantStatus.STOPPED:
        return []
    out = []
    for s in S.STEPS:
        if s.number in done:
            continue
        if all(p in done for p in s.after):
            out.append(s)
    return out


def _refresh(applicant: Applicant) -> None:
    """Derive the milestone dates, stage and last step from the records in force."""
    records = list(current_records(applicant))
    done = done_map(records, applicant.confirm_round)
    # Milestones before the 转正 rounds do not depend on the round.
    first_round = done_map(records, 1)
    pick = {**first_round, **done}

    def day(n):
        return pick[n].done_on if n in pick else None

    applicant.applied_on = day(1) or applicant.applied_on
    applicant.activist_on = day(3)
    applicant.candidate_on = day(7)
    applicant.meeting_on = day(15)
    applicant.approved_on = day(17)
    if applicant.meeting_on:
        rules = development_rules(applicant.meeting_on)
        end = add_months(applicant.meeting_on, rules.probation_months)
        applicant.probation_end = add_months(end, applicant.extended_months or 0)
    else:
        applicant.probation_end = None
    if applicant.confirmed_on:
        applicant.stage = Stage.FULL
    elif applicant.approved_on:
        applicant.stage = Stage.PROBATIONARY
    elif applicant.candidate_on:
        applicant.stage = Stage.CANDIDATE
    elif applicant.activist_on:
        applicant.stage = Stage.ACTIVIST
    else:
        applicant.stage = Stage.APPLICANT
    applicant.last_step = max(pick) if pick else 0
    applicant.save()


# --------------------------------------------------------------------------------------------
# Recording a step


@dataclass
class _Checks:
    refused: list[str] = field(default_factory=list)  # never allowed
    breaks: list[str] = field(default_factory=list)  # allowed only as a documented exception
    overdue: list[str] = field(default_factory=list)  # allowed, flagged 逾期


def working_days(start: date, end: date) -> int:
    """Monday–Friday days from start to end inclusive (public holidays are not known here)."""
    if end < start:
        return 0
    n, day = 0, start
    while day <= end:
        if day.weekday() < 5:
            n += 1
        day += timedelta(days=1)
    return n


def _full_members(actor, ids, label: str, errors: dict, key: str) -> list[Member]:
    ids = [int(i) for i in ids if i not in (None, "")]
    if len(set(ids)) != len(ids):
        errors[key] = f"{label}不能重复选择同一人。"
        return []
    found = list(restrict(actor, "view", Member.objects.filter(pk__in=ids)))
    if len(found) != len(ids):
        errors[key] = f"所选{label}不在您可查看的党员范围内。"
        return []
    for m in found:
        if m.category != MemberCategory.FULL or m.status != MemberStatus.NORMAL:
            errors[key] = (
                f"{label}应为党籍正常的正式党员：{m.name}是{m.get_category_display()}（{m.get_status_display()}）。"
            )
    return found


def _as_int(value, label: str, key: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        errors[key] = f"{label}应为整数。"
        return None
    if n < 0:
        errors[key] = f"{label}不能为负数。"
        return None
    return n


def vote_result(expected: int, present: int, in_favour: int) -> tuple[bool, str]:
    """RULES.md 2.10: quorum = present > half of 应到; passes if in favour > half of 应到."""
    if present * 2 <= expected:
        return (
            False,
            f"实到会{present}人，未超过应到会{expected}人的半数，会议不能进行表决，视为未通过。",
        )
    if in_favour * 2 <= expected:
        return (
            False,
            f"赞成{in_favour}票，未超过应到会有表决权的正式党员{expected}人的半数，未通过。",
        )
    return (
        True,
        f"应到{expected}人，实到{present}人，赞成{in_favour}票，超过应到会人数的半数，通过。",
    )


class _Talker(NamedTuple):
    name: str
    member: Member | None


class _Vote(NamedTuple):
    expected: int | None = None
    present: int | None = None
    in_favour: int | None = None
    passed: bool | None = None  # None: the step has no vote, its outcome is stated
    note: str = ""


class _Training(NamedTuple):
    days: int | None
    hours: int | None


class _Confirmation(NamedTuple):
    outcome: str
    extend_months: int | None


class _Publicity(NamedTuple):
    start: date | None
    end: date | None


@dataclass
class _Facts:
    """What the step's form said, validated: everything the record stores besides dates."""

    talker: _Talker
    contacts: list[Member]
    introducers: list[Member]
    decision_body: str
    stated_passed: bool
    vote: _Vote
    training: _Training
    confirmation: _Confirmation

    @property
    def passed(self) -> bool:
        return self.stated_passed if self.vote.passed is None else self.vote.passed


@transaction.atomic
def record_step(
    *,
    actor,
    applicant: Applicant,
    step: int,
    done_on: date | None,
    talker: str = "",
    talker_member: Member | int | None = None,
    contacts=(),
    introducers=(),
    decision_body: str = "",
    votes_expected=None,
    votes_present=None,
    votes_for=None,
    passed: bool | None = None,
    training_days=None,
    training_hours=None,
    confirm_outcome: str = "",
    extend_months=None,
    publicity_start: date | None = None,
    publicity_end: date | None = None,
    notes: str = "",
    exception_reason: str = "",
    replaces: StepRecord | None = None,
    correction_reason: str = "",
    documents=(),
) -> StepRecord:
    """Record one of the 25 steps for an applicant, checking order, timing and the step's facts."""
    applicant = get_scoped_or_404(
        actor, "view", Applicant.objects.select_for_update(), pk=applicant.pk
    )
    s = _known_step(step)
    _check_may_record(actor, applicant, s)
    all_records = list(current_records(applicant))
    replaces = _record_to_correct(applicant, s, all_records, replaces, correction_reason)
    records = [r for r in all_records if r is not replaces]
    done = done_map(records, applicant.confirm_round)
    _check_order(s, done, last_results(records, applicant.confirm_round))
    done_on = _checked_date(s, done_on, done)
    if replaces is not None:
        _check_correction_date(s, done_on, records)

    rules = development_rules(done_on)
    checks = _Checks()
    errors: dict[str, str] = {}
    # Arguments are evaluated in order: the errors then read in the form's order.
    facts = _Facts(
        talker=_talker(actor, s, talker, talker_member, errors),
        contacts=_contacts(actor, s, contacts, errors),
        introducers=_introducers(actor, s, introducers, errors),
        decision_body=_decision_body(s, decision_body, errors),
        stated_passed=_stated_outcome(s, passed, errors),
        vote=_vote(s, votes_expected, votes_present, votes_for, errors),
        training=_training(s, rules, training_days, training_hours, errors, checks),
        confirmation=_confirmation(
            applicant, s, done, rules, confirm_outcome, extend_months, errors
        ),
    )
    if errors:
        raise ValidationError(errors)

    _check_too_early(applicant, s, done_on, rules, checks)
    publicity = _publicity(s, rules, done_on, publicity_start, publicity_end, checks)
    _check_too_late(applicant, s, done_on, done, rules, checks)
    exception_reason = _exception_reason(actor, applicant, checks, exception_reason)

    record = _save_record(
        actor,
        applicant,
        s.number,
        done_on,
        rules,
        facts,
        publicity,
        checks,
        notes=notes,
        exception_reason=exception_reason,
        replaces=replaces,
        correction_reason=correction_reason,
    )
    for upload in documents or ():
        _attach(actor, record, upload)
    _effects(actor, applicant, record)
    _refresh(applicant)
    return record


# Who may record the step, and what it corrects


def _known_step(number: int) -> S.Step:
    try:
        return S.step(number)
    except KeyError:
        raise ValidationError({"step": "未知的发展步骤。"}) from None


def _check_may_record(actor, applicant: Applicant, s: S.Step) -> None:
    if not can(actor, s.action, applicant):
        if s.by_committee:
            raise ValidationError(f"{s.title}由上级党委登记，您没有该权限。")
        raise ValidationError("您没有登记发展步骤的权限。")
    if applicant.status == ApplicantStatus.STOPPED:
        raise ValidationError(
            f"{applicant.name}的发展工作已终止（{applicant.stop_reason}），不能再登记步骤。"
        )


def _record_to_correct(
    applicant: Applicant,
    s: S.Step,
    records: list[StepRecord],
    replaces: StepRecord | int | None,
    correction_reason: str,
) -> StepRecord | None:
    """The record in force that this one replaces; only records in force can be corrected."""
    if replaces is None:
        if s.number == 1:
            raise ValidationError("步骤①在登记入党申请人时已记录；如日期有误，请使用“更正”。")
        return None
    found = next((r for r in records if r.pk == getattr(replaces, "pk", replaces)), None)
    if found is None or found.step != s.number:
        raise ValidationError("要更正的记录不存在或已被更正。")
    if applicant.member_id and s.number in FIXED_AFTER_ADMISSION:
        raise ValidationError(f"已生成党员记录，{s.title}不能在此更正；请在党员信息中处理。")
    if not (correction_reason or "").strip():
        raise ValidationError({"correction_reason": "请填写更正原因。"})
    return found


# Order and dates


def _check_order(s: S.Step, done: dict[int, StepRecord], latest: dict[int, StepRecord]) -> None:
    """What must precede the step; a failed 政审 or 预审 stops the way on, not just delays it."""
    if s.number in done:
        raise ValidationError(
            f"{s.title}已登记（{fmt(done[s.number].done_on)}）；如有错误，请使用“更正”。"
        )
    if s.number >= 12 and 10 in latest and not latest[10].passed:
        raise ValidationError(
            "政治审查结论为不合格，不能继续发展（《中国共产党发展党员工作细则》第十六条）。"
        )
    if s.number == 14 and 13 in latest and not latest[13].passed:
        raise ValidationError(
            "上级党委预审未通过，不能发放入党志愿书（《中国共产党发展党员工作细则》第十九条）。"
        )
    missing = [S.step(p).title for p in s.after if p not in done]
    if missing:
        raise ValidationError(f"还不能登记{s.title}：尚未完成{'、'.join(missing)}。")


def _checked_date(s: S.Step, done_on: date | None, done: dict[int, StepRecord]) -> date:
    if done_on is None:
        raise ValidationError({"done_on": "请填写日期。"})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "日期不能晚于今天。"})
    for p in s.after:
        if done_on < done[p].done_on:
            raise ValidationError(
                {"done_on": f"日期早于前一步骤{S.step(p).title}的日期（{fmt(done[p].done_on)}）。"}
            )
    return done_on


def _check_correction_date(s: S.Step, done_on: date, records: list[StepRecord]) -> None:
    """A corrected date must not move the step after the steps that followed it."""
    for r in records:
        if s.number in S.step(r.step).after and r.done_on < done_on:
            raise ValidationError(
                {
                    "done_on": f"更正后的日期晚于后续步骤{S.step(r.step).title}的日期（{fmt(r.done_on)}）。"
                }
            )


# The facts the step needs: each adds its problems to `errors`, reported together


def _talker(actor, s: S.Step, talker: str, talker_member, errors: dict[str, str]) -> _Talker:
    if S.TALKER not in s.needs:
        return _Talker("", None)
    name = (talker or "").strip()[:100]
    member = None
    if talker_member not in (None, ""):
        found = _full_members(
            actor, [getattr(talker_member, "pk", talker_member)], "谈话人", errors, "talker"
        )
        member = found[0] if found else None
        name = name or (member.name if member else "")
    if not name and "talker" not in errors:
        errors["talker"] = "请填写谈话人。"
    return _Talker(name, member)


def _chosen_ids(chosen) -> list:
    return [getattr(c, "pk", c) for c in chosen or () if c not in (None, "")]


def _contacts(actor, s: S.Step, contacts, errors: dict[str, str]) -> list[Member]:
    """培养联系人: one or two 正式党员."""
    if S.CONTACTS not in s.needs:
        return []
    ids = _chosen_ids(contacts)
    if not 1 <= len(ids) <= 2:
        errors["contacts"] = "培养联系人应为1至2名正式党员。"
        return []
    return _full_members(actor, ids, "培养联系人", errors, "contacts")


def _introducers(actor, s: S.Step, introducers, errors: dict[str, str]) -> list[Member]:
    """入党介绍人: exactly two 正式党员."""
    if S.INTRODUCERS not in s.needs:
        return []
    ids = _chosen_ids(introducers)
    if len(ids) != 2:
        errors["introducers"] = "入党介绍人应为2名正式党员。"
        return []
    return _full_members(actor, ids, "入党介绍人", errors, "introducers")


def _decision_body(s: S.Step, decision_body: str, errors: dict[str, str]) -> str:
    if S.DECISION not in s.needs:
        return ""
    value = choice_value(DecisionBody, decision_body or "")
    if value is None:
        errors["decision_body"] = f"请选择决定机构：{choice_labels(DecisionBody)}。"
        return ""
    return value


def _stated_outcome(s: S.Step, passed: bool | None, errors: dict[str, str]) -> bool:
    """The 结论 entered for 政审 and 审批; steps with neither a 结论 nor a vote always pass."""
    if S.VETTING in s.needs or S.APPROVAL in s.needs:
        if passed is None:
            errors["passed"] = "请选择结论。"
    elif S.VOTE not in s.needs:
        return True
    return True if passed is None else bool(passed)


def _vote(s: S.Step, votes_expected, votes_present, votes_for, errors: dict[str, str]) -> _Vote:
    """支部大会表决: the count decides the outcome (RULES.md 2.10), whatever was stated."""
    if S.VOTE not in s.needs:
        return _Vote()
    expected = _as_int(votes_expected, "应到会人数", "votes_expected", errors)
    present = _as_int(votes_present, "实到会人数", "votes_present", errors)
    in_favour = _as_int(votes_for, "赞成票数", "votes_for", errors)
    if expected is None or present is None or in_favour is None:
        for key, value in (
            ("votes_expected", expected),
            ("votes_present", present),
            ("votes_for", in_favour),
        ):
            if value is None:
                errors.setdefault(key, "请填写表决人数。")
    elif expected < 1:
        errors["votes_expected"] = "应到会有表决权的正式党员人数至少为1。"
    elif present > expected:
        errors["votes_present"] = "实到会人数不能多于应到会人数。"
    elif in_favour > expected:
        errors["votes_for"] = (
            "赞成票数不能多于应到会有表决权的正式党员人数（含会前书面表达意见者）。"
        )
    else:
        return _Vote(expected, present, in_favour, *vote_result(expected, present, in_favour))
    return _Vote(expected, present, in_favour)


def _training(
    s: S.Step, rules: Rules, training_days, training_hours, errors: dict[str, str], checks: _Checks
) -> _Training:
    """短期集中培训: too short is a break a 党委 may allow, not a refusal."""
    if S.TRAINING not in s.needs:
        return _Training(None, None)
    days = _as_int(training_days, "培训天数", "training_days", errors)
    hours = _as_int(training_hours, "培训学时", "training_hours", errors)
    if not days and not hours and "training_days" not in errors and "training_hours" not in errors:
        errors["training_days"] = "请填写培训天数或学时。"
    elif (days or 0) < rules.training_min_days and (hours or 0) < rules.training_min_hours:
        checks.breaks.append(
            f"培训{days or 0}天、{hours or 0}学时，不足{rules.training_min_days}天且不足"
            f"{rules.training_min_hours}学时。{rules.cite('training_min_days')}"
        )
    return _Training(days, hours)


def _confirmation(
    applicant: Applicant,
    s: S.Step,
    done: dict[int, StepRecord],
    rules: Rules,
    confirm_outcome: str,
    extend_months,
    errors: dict[str, str],
) -> _Confirmation:
    """转正结论. ㉔ approves the 支部大会's decision at ㉓, so it takes that decision by default and
    may not change it: a 党委 that disagrees does not approve, and the branch discusses again."""
    if S.CONFIRM not in s.needs:
        return _Confirmation("", None)
    meeting = done.get(23) if s.number == 24 else None
    outcome = choice_value(ConfirmOutcome, confirm_outcome) or ""
    if meeting is not None and not outcome:
        outcome = meeting.confirm_outcome
    if not outcome:
        errors["confirm_outcome"] = f"请选择转正结论：{choice_labels(ConfirmOutcome)}。"
    elif meeting is not None and outcome != meeting.confirm_outcome:
        errors["confirm_outcome"] = (
            f"上级党委审批的是支部大会的决定（{meeting.get_confirm_outcome_display()}），结论应一致；"
            "如不同意，请选择“不批准”，由支部重新讨论。"
        )
    months = None
    if outcome == ConfirmOutcome.EXTEND:
        asked = meeting.extend_months if meeting is not None else extend_months
        months = _extension(applicant, rules, asked, errors)
    return _Confirmation(outcome, months)


def _extension(
    applicant: Applicant, rules: Rules, extend_months, errors: dict[str, str]
) -> int | None:
    """延长预备期: once only, for a bounded number of months."""
    if applicant.extended_months:
        errors["confirm_outcome"] = (
            f"预备期已延长过一次（{applicant.extended_months}个月），只能延长一次。"
            f"{rules.cite('extension_max_months')}"
        )
    months = _as_int(extend_months, "延长月数", "extend_months", errors)
    if months is None and "extend_months" not in errors:
        errors["extend_months"] = "请填写延长预备期的月数。"
    elif (
        months is not None
        and not rules.extension_min_months <= months <= rules.extension_max_months
    ):
        errors["extend_months"] = (
            f"延长预备期应为{rules.extension_min_months}至{rules.extension_max_months}个月。"
            f"{rules.cite('extension_max_months')}"
        )
    return months


# Timing rules: a refusal cannot be overridden, a break can (as an exception), overdue is flagged


def _check_too_early(
    applicant: Applicant, s: S.Step, done_on: date, rules: Rules, checks: _Checks
) -> None:
    if s.number == 1 and age_on(applicant.birth_date, done_on) < rules.min_age:
        checks.refused.append(f"递交申请书时未满{rules.min_age}周岁。{rules.cite('min_age')}")
    if s.number == 3 and rules.activist_min_application_months:
        earliest = add_months(applicant.applied_on, rules.activist_min_application_months)
        if done_on < earliest:
            checks.breaks.append(
                f"递交申请书未满{rules.activist_min_application_months}个月，{fmt(earliest)}起方可确定为入党积极分子。"
                f"{rules.cite('activist_min_application_months')}"
            )
    if s.number == 7:
        earliest = add_months(applicant.activist_on, rules.candidate_min_months)
        if done_on < earliest:
            checks.breaks.append(
                f"确定为入党积极分子（{fmt(applicant.activist_on)}）未满{rules.candidate_min_months}个月，"
                f"满一年后方可确定为发展对象：{fmt(earliest)}起。{rules.cite('candidate_min_months')}"
            )
    if s.number == 23 and applicant.probation_end and done_on < applicant.probation_end:
        checks.refused.append(
            f"预备期至{fmt(applicant.probation_end)}期满，期满后方可讨论转正。{rules.cite('probation_months')}"
        )


def _publicity(
    s: S.Step,
    rules: Rules,
    done_on: date,
    start: date | None,
    end: date | None,
    checks: _Checks,
) -> _Publicity:
    """公示: only where the local rules ask for it; the dates are kept only then."""
    n = rules.publicity_working_days
    if S.PUBLICITY not in s.needs or not n:
        return _Publicity(None, None)
    if start is None or end is None:
        checks.breaks.append(f"未登记公示起止日期。{rules.cite('publicity_working_days')}")
    elif end < start or end > done_on:
        raise ValidationError(
            {"publicity_end": "公示结束日期应不早于开始日期，且不晚于本步骤日期。"}
        )
    elif working_days(start, end) < n:
        checks.breaks.append(
            f"公示{working_days(start, end)}个工作日，不足{n}个工作日。"
            f"{rules.cite('publicity_working_days')}"
        )
    return _Publicity(start, end)


def _check_too_late(
    applicant: Applicant,
    s: S.Step,
    done_on: date,
    done: dict[int, StepRecord],
    rules: Rules,
    checks: _Checks,
) -> None:
    if s.number == 2:
        deadline = add_months(applicant.applied_on, rules.talk_within_months)
        if done_on > deadline:
            checks.overdue.append(
                f"逾期：应在{fmt(deadline)}前谈话。{rules.cite('talk_within_months')}"
            )
    if s.number == 17 and applicant.meeting_on:
        _check_approval_deadline(applicant.meeting_on, done_on, rules, checks)
    if s.number == 24 and 23 in done:
        deadline = add_months(done[23].done_on, rules.confirm_approval_months)
        if done_on > deadline:
            checks.overdue.append(
                f"逾期：应在{fmt(deadline)}前审批。{rules.cite('confirm_approval_months')}"
            )


def _check_approval_deadline(
    meeting_on: date, done_on: date, rules: Rules, checks: _Checks
) -> None:
    """⑰ 审批 is late after the usual months, and too late to count after the hard limit."""
    deadline = add_months(meeting_on, rules.approval_months)
    hard = add_months(meeting_on, rules.approval_max_months)
    if done_on > hard:
        checks.refused.append(
            f"支部大会（{fmt(meeting_on)}）后已超过{rules.approval_max_months}个月，不能再审批，"
            f"应于{fmt(hard)}前审批；请支部重新履行程序。{rules.cite('approval_max_months')}"
        )
    elif done_on > deadline:
        checks.overdue.append(
            f"逾期：应在{fmt(deadline)}前审批（特殊情况最迟{fmt(hard)}）。{rules.cite('approval_months')}"
        )


def _exception_reason(actor, applicant: Applicant, checks: _Checks, exception_reason: str) -> str:
    """Refusals stop here; breaks pass only with a reason, given by someone who may grant them."""
    if checks.refused:
        raise ValidationError({"done_on": checks.refused})
    reason = (exception_reason or "").strip()
    if checks.breaks:
        if not reason:
            hint = "如确属特殊情况，可由有权限的上级党委填写例外理由后登记。"
            raise ValidationError({"done_on": [*checks.breaks, hint]})
        if not can(actor, "exception", applicant):
            raise ValidationError(
                {"exception_reason": "您没有登记例外情况的权限，请由上级党委登记。"}
            )
        return reason
    if reason:
        raise ValidationError({"exception_reason": "本步骤没有突破任何规定，不需要填写例外理由。"})
    return ""


# Saving


def _save_record(
    actor,
    applicant: Applicant,
    step: int,
    done_on: date,
    rules: Rules,
    facts: _Facts,
    publicity: _Publicity,
    checks: _Checks,
    *,
    notes: str,
    exception_reason: str,
    replaces: StepRecord | None,
    correction_reason: str,
) -> StepRecord:
    vote = facts.vote
    record = StepRecord.objects.create(
        applicant=applicant,
        org_path=applicant.org_path,
        step=step,
        confirm_round=applicant.confirm_round,
        done_on=done_on,
        talker=facts.talker.name,
        talker_member=facts.talker.member,
        decision_body=facts.decision_body,
        votes_expected=vote.expected,
        votes_present=vote.present,
        votes_for=vote.in_favour,
        passed=facts.passed,
        training_days=facts.training.days,
        training_hours=facts.training.hours,
        confirm_outcome=facts.confirmation.outcome,
        extend_months=facts.confirmation.extend_months,
        publicity_start=publicity.start,
        publicity_end=publicity.end,
        notes="\n".join(x for x in ((notes or "").strip(), vote.note) if x),
        overdue=bool(checks.overdue),
        overdue_note="；".join(checks.overdue)[:500],
        exception=bool(checks.breaks),
        exception_reason=exception_reason,
        exception_rules="\n".join(checks.breaks),
        ruleset_version=rules.version,
        ruleset_id=rules.ruleset_id,
        replaces=replaces,
        correction_reason=(correction_reason or "").strip()[:500] if replaces else "",
        recorded_by=actor,
    )
    if facts.contacts:
        record.contacts.set(facts.contacts)
    if facts.introducers:
        record.introducers.set(facts.introducers)
    return record


def _effects(actor, applicant: Applicant, record: StepRecord) -> None:
    """What ⑰ and ㉔ change beyond the applicant: the member record."""
    if record.step == 17:
        if record.passed:
            _admit(actor, applicant, record)
        else:
            applicant.status = ApplicantStatus.STOPPED
            applicant.stopped_on = record.done_on
            applicant.stop_reason = (
                f"上级党委不批准接收为预备党员{('：' + record.notes) if record.notes else ''}"[:500]
            )
            applicant.save()
    elif record.step == 24 and record.passed:
        if record.confirm_outcome == ConfirmOutcome.ON_TIME:
            _confirm(actor, applicant)
        elif record.confirm_outcome == ConfirmOutcome.EXTEND:
            applicant.extended_months = record.extend_months
            applicant.confirm_round += 1
            applicant.save()
        elif record.confirm_outcome == ConfirmOutcome.CANCEL:
            from dangjian.members.services import change_status

            reason = f"取消预备党员资格：{record.notes or '支部大会决定，上级党委批准'}"[:500]
            change_status(
                actor=actor,
                member=applicant.member,
                status=MemberStatus.LEFT,
                on=record.done_on,
                reason=reason,
            )
            applicant.status = ApplicantStatus.STOPPED
            applicant.stopped_on = record.done_on
            applicant.stop_reason = reason
            applicant.save()


def _member_raw(applicant: Applicant, **extra) -> dict:
    crypto = provider()
    return {
        "name": applicant.name,
        "gender": applicant.gender,
        "ethnicity": applicant.ethnicity,
        "birth_date": applicant.birth_date,
        "id_number": crypto.decrypt(applicant.id_number_enc),
        "education": applicant.education,
        "occupation": applicant.occupation,
        "phone": crypto.decrypt(applicant.phone_enc) if applicant.phone_enc else "",
        **extra,
    }


def _admit(actor, applicant: Applicant, record: StepRecord) -> None:
    """⑰ approved: the applicant becomes a 预备党员 member, joined on the 支部大会 date (RULES.md 1.18)."""
    from dangjian.members.services import clean_member_data, create_member

    if not path_in_scope(actor, "add", MEMBER, applicant.org.path):
        raise ValidationError("您没有在该党支部登记党员的权限，不能审批接收。")
    meeting = applicant.meeting_on
    try:
        data = clean_member_data(
            _member_raw(
                applicant,
                joined_on=meeting,
                confirmed_on=None,
                category=MemberCategory.PROBATIONARY,
            )
        )
    except ValidationError as exc:
        details = "；".join(f"{msgs[0]}" for msgs in exc.message_dict.values())
        raise ValidationError(f"不能生成党员记录：{details}") from exc
    member = create_member(actor=actor, org=applicant.org, data=data)
    applicant.member = member
    applicant.status = ApplicantStatus.ADMITTED
    applicant.save()


def _confirm(actor, applicant: Applicant) -> None:
    """㉔ 按期转正 approved: 正式党员 from the end of the 预备期 (党龄 counts from then)."""
    from dangjian.members.services import clean_member_data, update_member

    member = applicant.member
    raw = _member_raw(
        applicant,
        joined_on=member.joined_on,
        confirmed_on=applicant.probation_end,
        category=MemberCategory.FULL,
    )
    # The member's own details may have been corrected since admission: keep them.
    crypto = provider()
    raw.update(
        {
            "name": member.name,
            "gender": member.gender,
            "ethnicity": member.ethnicity,
            "birth_date": member.birth_date,
            "id_number": crypto.decrypt(member.id_number_enc),
            "education": member.education,
            "occupation": member.occupation,
            "phone": crypto.decrypt(member.phone_enc) if member.phone_enc else "",
        }
    )
    data = clean_member_data(raw, instance=member)
    update_member(actor=actor, member=member, data=data)
    applicant.confirmed_on = applicant.probation_end
    applicant.status = ApplicantStatus.CONFIRMED
    applicant.save()


# --------------------------------------------------------------------------------------------
# Documents


def check_upload(upload, *, field: str = "documents") -> None:
    """Type and size of an uploaded document (step records here, expense vouchers in funds)."""
    name = getattr(upload, "name", "") or ""
    suffix = PurePath(name).suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        allowed = "、".join(sorted(t.lstrip(".").upper() for t in DOCUMENT_TYPES))
        raise ValidationError(
            {
                field: gettext("文件“%(name)s”的类型不支持，只能上传%(allowed)s文件。")
                % {"name": name, "allowed": allowed}
            }
        )
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        raise ValidationError({field: gettext("文件“%(name)s”是空文件。") % {"name": name}})
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                field: gettext("文件“%(name)s”有%(size).1fMB，超过%(limit)sMB的上限。")
                % {"name": name, "size": size / 1024 / 1024, "limit": MAX_DOCUMENT_BYTES // 1024 // 1024}
            }
        )


def _attach(actor, record: StepRecord, upload) -> StepDocument:
    check_upload(upload)
    doc = StepDocument(
        record=record,
        org_path=record.org_path,
        original_name=PurePath(upload.name).name[:200],
        size=upload.size,
        uploaded_by=actor,
    )
    doc.file.save(doc.original_name, upload, save=False)
    doc.save()
    return doc


@transaction.atomic
def attach_documents(*, actor, record: StepRecord, documents) -> list[StepDocument]:
    """Add material to a step already recorded (the record itself does not change)."""
    record = get_scoped_or_404(
        actor, "view", StepRecord.objects.select_related("applicant"), pk=record.pk
    )
    if not can(actor, record.step_def.action, record.applicant):
        raise ValidationError("您没有为该步骤上传材料的权限。")
    for upload in documents:
        check_upload(upload)
    return [_attach(actor, record, u) for u in documents]


# --------------------------------------------------------------------------------------------
# Plans


@transaction.atomic
def set_plan(*, actor, org: Organization, year: int, quota: int, note: str = "") -> DevelopmentPlan:
    """年度发展计划 for one organisation, set by the level above (a 党委 for its subtree, the 工委 …)."""
    if not path_in_scope(actor, "view", DEVELOPMENT, org.path):
        raise Http404
    if not path_in_scope(actor, "approve", DEVELOPMENT, org.path):
        raise ValidationError("发展计划由上级党委下达，您没有设置计划的权限。")
    errors = {}
    if year is None or not 2000 <= int(year) <= 2100:
        errors["year"] = "年度应为2000至2100之间的年份。"
    if quota is None or int(quota) < 0:
        errors["quota"] = "计划发展人数不能为负数。"
    if errors:
        raise ValidationError(errors)
    plan, _ = DevelopmentPlan.objects.select_for_update().get_or_create(
        org=org,
        year=int(year),
        defaults={"quota": int(quota), "org_path": org.path, "updated_by": actor},
    )
    plan.quota, plan.note, plan.org_path, plan.updated_by = (
        int(quota),
        (note or "").strip()[:500],
        org.path,
        actor,
    )
    plan.save()
    return plan
