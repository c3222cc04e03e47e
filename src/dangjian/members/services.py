"""Writes on member records. Every function is transactional, scoped and audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import MEMBER
from dangjian.core.choices import choice_labels, choice_value
from dangjian.core.crypto import provider
from dangjian.core.scope import get_scoped_or_404, path_in_scope
from dangjian.members.choices import (
    Education,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)
from dangjian.members.idnumber import mask_phone
from dangjian.members.models import Member
from dangjian.members.person import (
    PHONE,
    clean_ethnicity,
    clean_id_number,
    clean_name,
    clean_phone,
    id_number_index,
    pick_choice,
    store_person,
)
from dangjian.orgs.models import Organization

MIN_JOIN_AGE = 18  # RULES.md 2.2: applicants must be at least 18 (细则第五条)

# The editable fields of a member, in form and template order.
MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "occupation",
    "phone",
    "joined_on",
    "confirmed_on",
    "category",
)


@dataclass
class MemberData:
    """Cleaned member fields, ready to write; produced by clean_member_data()."""

    name: str
    gender: str
    ethnicity: str
    birth_date: date
    id_number: str
    education: str
    occupation: str
    phone: str
    joined_on: date
    confirmed_on: date | None
    category: str
    warnings: list[str] = field(default_factory=list)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year: the next day, as the calendar counts ages
        return day.replace(year=day.year + years, month=3, day=1)


def _as_date(value, label: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("年", "-").replace("月", "-").replace("日", "")
    text = text.replace("/", "-").replace(".", "-")
    try:
        parts = [int(p) for p in text.split("-")[:3]]
        return date(*parts)
    except (TypeError, ValueError):
        errors[label] = f"不是有效日期（应为如 2024-07-01 的格式）：{value}"
        return None


def clean_member_data(raw: dict, *, instance: Member | None = None, check_registered: bool = True) -> MemberData:
    """Validate raw input from a form, an import row or the API. Raises ValidationError({field: msg})."""
    errors: dict[str, str] = {}
    name = clean_name(raw, errors)
    gender = pick_choice(raw, "gender", Gender, "性别", errors)
    ethnicity = clean_ethnicity(raw, errors)
    education = pick_choice(raw, "education", Education, "学历", errors)
    occupation = pick_choice(raw, "occupation", Occupation, "职业", errors)
    category = choice_value(MemberCategory, raw.get("category") or MemberCategory.FULL)
    if category is None:
        errors["category"] = f"党员类别应为：{choice_labels(MemberCategory)}。"
    birth_date = _as_date(raw.get("birth_date"), "birth_date", errors)
    joined_on = _as_date(raw.get("joined_on"), "joined_on", errors)
    confirmed_on = _as_date(raw.get("confirmed_on"), "confirmed_on", errors)
    id_number, birth_date, warnings = clean_id_number(raw, birth_date, gender, errors)
    phone = clean_phone(raw, errors)

    today = timezone.localdate()
    if birth_date is None and "birth_date" not in errors and "id_number" not in errors:
        errors["birth_date"] = "出生日期不能为空。"
    if joined_on is None and "joined_on" not in errors:
        errors["joined_on"] = "入党日期不能为空。"
    if joined_on and joined_on > today:
        errors["joined_on"] = "入党日期不能晚于今天。"
    if joined_on and birth_date and joined_on < _add_years(birth_date, MIN_JOIN_AGE):
        errors["joined_on"] = "入党时未满18周岁（《发展党员工作细则》第五条）。"
    if confirmed_on and joined_on and confirmed_on <= joined_on:
        errors["confirmed_on"] = "转正日期应晚于入党日期。"
    if confirmed_on and confirmed_on > today:
        errors["confirmed_on"] = "转正日期不能晚于今天。"
    if category == MemberCategory.PROBATIONARY and confirmed_on:
        errors["confirmed_on"] = "预备党员不应有转正日期。"
    if category == MemberCategory.FULL and joined_on and not confirmed_on:
        warnings.append("正式党员未填写转正日期。")

    # Imports check a whole file's numbers against the database in one query instead.
    if check_registered and id_number and "id_number" not in errors:
        clash = Member.objects.filter(id_number_hash=id_number_index(id_number))
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["id_number"] = "该身份证号已登记在系统中，不能重复登记。"

    if errors:
        raise ValidationError(errors)
    return MemberData(
        name=name,
        gender=gender,
        ethnicity=ethnicity,
        birth_date=birth_date,
        id_number=id_number,
        education=education,
        occupation=occupation,
        phone=phone,
        joined_on=joined_on,
        confirmed_on=confirmed_on,
        category=category,
        warnings=warnings,
    )


def apply_member_data(member: Member, data: MemberData) -> Member:
    """Copy cleaned data onto a (possibly unsaved) member, encrypting and deriving as needed."""
    for attr in ("name", "gender", "ethnicity", "birth_date", "education", "occupation"):
        setattr(member, attr, getattr(data, attr))
    member.joined_on, member.confirmed_on, member.category = data.joined_on, data.confirmed_on, data.category
    store_person(member, id_number=data.id_number, phone=data.phone)
    if member.org_id is not None:
        member.org_path = member.org.path
    return member


def _require_active_org_in_scope(actor, action: str, org: Organization) -> None:
    if not path_in_scope(actor, action, MEMBER, org.path):
        raise Http404
    if not org.is_active:
        raise ValidationError({"org": f"{org}已撤销，不能再编入党员。"})


@transaction.atomic
def create_member(*, actor, org: Organization, data: MemberData) -> Member:
    _require_active_org_in_scope(actor, "add", org)
    member = Member(org=org)
    apply_member_data(member, data)
    member.save()
    return member


@transaction.atomic
def update_member(*, actor, member: Member, data: MemberData) -> Member:
    """Save corrected details. A phone left blank keeps the stored one: the edit form does not show
    a phone number to a user who may only see it masked."""
    member = get_scoped_or_404(actor, "change", Member.objects.select_for_update(), pk=member.pk)
    phone_enc, phone_masked = member.phone_enc, member.phone_masked
    apply_member_data(member, data)
    if not data.phone:
        member.phone_enc, member.phone_masked = phone_enc, phone_masked
    member.save()
    return member


@transaction.atomic
def update_contact(*, actor, member: Member, phone: str) -> Member:
    """A member's own self-service: only the phone number."""
    member = get_scoped_or_404(actor, "change_contact", Member.objects.select_for_update(), pk=member.pk)
    phone = "".join((phone or "").split())
    if phone and not PHONE.match(phone):
        raise ValidationError({"phone": "联系电话应为11位手机号或带区号的固定电话。"})
    member.phone_enc = provider().encrypt(phone) if phone else ""
    member.phone_masked = mask_phone(phone) if phone else ""
    member.save(update_fields=["phone_enc", "phone_masked", "updated_at"])
    return member


@transaction.atomic
def change_status(
    *, actor, member: Member, status: str, on: date, reason: str, kind: str | None = None, basis: str = ""
) -> Member:
    """停止党籍 / 出党 / 死亡 (or restoring 正常): a dated, reasoned status; the record stays.

    A direct registration (another module's decision, e.g. 取消预备党员资格 with
    kind="cancel_probation", or a correction by the branch): the change is also written to the
    member's 党籍 history (status.record_direct) as already decided by the actor. Requests that
    need the higher level's approval go through status.request_change / decide_change instead.
    """
    from dangjian.members.status import record_direct

    member = get_scoped_or_404(actor, "archive", Member.objects.select_for_update(), pk=member.pk)
    if choice_value(MemberStatus, status) is None:
        raise ValidationError({"status": "未知的党籍状态。"})
    if status == member.status:
        raise ValidationError({"status": "党籍状态没有变化。"})
    if not (reason or "").strip():
        raise ValidationError({"status_reason": "请填写状态变更的原因和依据。"})
    if on > timezone.localdate():
        raise ValidationError({"status_date": "变更日期不能晚于今天。"})
    if member.status in (MemberStatus.LEFT, MemberStatus.DECEASED):
        raise ValidationError({"status": "已出党或已去世的党员不能恢复或变更状态（可重新申请入党）。"})
    old_status = member.status
    member.status, member.status_date, member.status_reason = status, on, reason.strip()
    member.save(update_fields=["status", "status_date", "status_reason", "updated_at"])
    record_direct(
        actor=actor, member=member, old_status=old_status, kind=kind, on=on, reason=reason.strip(), basis=basis
    )
    return member


def reveal_id_number(*, actor, member: Member, request=None) -> str:
    """The plain ID number, for roles allowed to see it; every reveal is audited."""
    from dangjian.core.audit import record_event

    member = get_scoped_or_404(actor, "view_pii", Member.objects.all(), pk=member.pk)
    record_event("view_pii", actor=actor, request=request, obj=member, detail={"field": "id_number"})
    return provider().decrypt(member.id_number_enc) if member.id_number_enc else ""


def reveal_phone(*, actor, member: Member) -> str:
    """The member's own phone (self-service) or a staff member's view of contact details."""
    return provider().decrypt(member.phone_enc) if member.phone_enc else ""
