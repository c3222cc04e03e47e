"""Writes on transfers and floating records. Transactional, scoped, audited; first argument `actor`.

The invariant: a member always belongs to exactly one organisation. Within our tree the member's
`org` (and `org_path`) changes only in the transaction where the receiving side confirms 报到; a
member transferred out stays ours until the 回执 comes back, then becomes 已转出; an incoming person
becomes a member (through the members app's own cleaning) at 报到.

Letter validity: 有效期 N 天 counts from the day after the issue date (民法典第二百零一条: the
starting day is not counted), so the last valid day is issued_on + N days.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import MEMBER, TRANSFER
from dangjian.core.calendar import add_months
from dangjian.core.crypto import provider
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import get_scoped_or_404, path_in_scope
from dangjian.members.choices import MemberStatus
from dangjian.members.idnumber import mask_id_number, mask_phone
from dangjian.members.models import Member
from dangjian.members.services import apply_member_data, clean_member_data
from dangjian.orgs.models import BRANCH_TYPES, Organization
from dangjian.transfers.models import (
    OPEN_STATES,
    FloatingDirection,
    FloatingRecord,
    FloatingReport,
    FloatingStatus,
    ReportMethod,
    Transfer,
    TransferEvent,
    TransferKind,
    TransferState,
)
from dangjian.transfers.rules import DOMAIN

# The member fields an incoming letter carries (members.services.MEMBER_FIELDS minus the secrets).
INCOMING_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "occupation",
    "joined_on",
    "confirmed_on",
    "category",
)


def letter_number(year: int, seq: int) -> str:
    return f"〔{year}〕第{seq:04d}号"


def _today() -> date:
    return timezone.localdate()


def _fmt(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _require_end(actor, action: str, path: str) -> None:
    """The acting user must hold `action` on this end of the transfer; otherwise it does not exist."""
    if not path or not path_in_scope(actor, action, TRANSFER, path):
        raise Http404


def _locked(actor, transfer: Transfer) -> Transfer:
    return get_scoped_or_404(
        actor,
        "view",
        Transfer.objects.select_for_update(of=("self",)).select_related("from_org", "to_org"),
        pk=transfer.pk,
    )


def _event(
    transfer: Transfer, *, actor, on: date, from_state: str, note: str = ""
) -> TransferEvent:
    return TransferEvent.objects.create(
        transfer=transfer,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        on=on,
        from_state=from_state,
        to_state=transfer.state,
        note=note[:500],
    )


def _check_day(
    on: date | None,
    *,
    field: str,
    label: str,
    not_before: date | None = None,
    before_label: str = "",
) -> date:
    if on is None:
        raise ValidationError({field: f"请填写{label}。"})
    if on > _today():
        raise ValidationError({field: f"{label}不能晚于今天。"})
    if not_before is not None and on < not_before:
        raise ValidationError({field: f"{label}不能早于{before_label}（{_fmt(not_before)}）。"})
    return on


def _check_dues(year, month) -> tuple[int, int]:
    try:
        year, month = int(year), int(month)
    except (TypeError, ValueError):
        raise ValidationError({"dues_month": "请填写党费交至的年份和月份。"}) from None
    if not 1 <= month <= 12:
        raise ValidationError({"dues_month": "党费交至的月份应为1至12。"})
    if year < 1921:
        raise ValidationError({"dues_year": "党费交至的年份不正确。"})
    today = _today()
    if (year, month) > (today.year, today.month):
        raise ValidationError(
            {
                "dues_month": f"党费只能交到本月（{today.year}年{today.month}月），不能填写以后的月份。"
            }
        )
    return year, month


def _check_destination(from_org: Organization, to_org: Organization | None) -> Organization:
    if to_org is None:
        raise ValidationError({"to_org": "请选择转入的党组织。"})
    try:
        to_org = Organization.objects.get(pk=to_org.pk)
    except Organization.DoesNotExist:
        raise ValidationError({"to_org": "转入党组织不存在，请重新选择。"}) from None
    if not to_org.is_active:
        raise ValidationError({"to_org": f"{to_org}已撤销，不能接收党员。"})
    if to_org.org_type not in BRANCH_TYPES:
        raise ValidationError({"to_org": "党员应编入党支部，请选择一个党支部。"})
    if to_org.pk == from_org.pk:
        raise ValidationError({"to_org": "转入党组织与党员现在所在的党组织相同。"})
    return to_org


def _open_transfer_error(member: Member) -> None:
    current = Transfer.objects.filter(member=member, state__in=OPEN_STATES).first()
    if current is None:
        return
    label = current.letter_number or "草稿"
    extra = (
        "；如介绍信已过期，请在原转接页面“重新开具”"
        if current.state == TransferState.ISSUED
        else ""
    )
    raise ValidationError(
        {
            "member": f"{member.name}已有一份未办结的组织关系转接（{label}，{current.get_state_display()}），不能再办理第二份{extra}。"
        }
    )


def _current_posts_error(member: Member) -> None:
    """A member who still holds a post in the sending organisation leaves it (离任) before transferring."""
    from dangjian.orgs.models import Post

    posts = list(Post.objects.filter(member=member, ended_on__isnull=True).select_related("org"))
    if posts:
        held = "、".join(
            f"{p.org}{p.get_portfolio_display() if p.portfolio else p.get_kind_display()}"
            for p in posts
        )
        raise ValidationError(
            {"member": f"{member.name}仍担任{held}，请先在组织页面登记离任，再办理组织关系转接。"}
        )


def _check_validity(rules, validity_days) -> int:
    limit = rules.letter_validity_days
    if validity_days in (None, ""):
        return limit
    try:
        days = int(validity_days)
    except (TypeError, ValueError):
        raise ValidationError({"validity_days": "有效期应为天数。"}) from None
    if days < 1:
        raise ValidationError({"validity_days": "有效期至少1天。"})
    if days > limit:
        raise ValidationError(
            {
                "validity_days": f"有效期不能超过{limit}天（{rules.cite('letter_validity_days')}），可以缩短，不能延长。"
            }
        )
    return days


@transaction.atomic
def create_transfer(
    *,
    actor,
    member: Member,
    kind: str,
    reason: str,
    dues_year: int,
    dues_month: int,
    to_org: Organization | None = None,
    to_name: str = "",
    to_address: str = "",
    contact_phone: str = "",
    validity_days: int | None = None,
    reissue_of: Transfer | None = None,
    floating: FloatingRecord | None = None,
) -> Transfer:
    """A draft transfer of one of our members: within our tree (系统内转接) or out of it (转出)."""
    member = get_scoped_or_404(
        actor, "view", Member.objects.select_for_update().select_related("org"), pk=member.pk
    )
    _require_end(actor, "add", member.org_path)
    if kind not in (TransferKind.WITHIN, TransferKind.OUT):
        raise ValidationError({"kind": "请选择转接类别：系统内转接或转出。"})
    if member.status != MemberStatus.NORMAL:
        raise ValidationError(
            {
                "member": f"{member.name}的党籍状态为“{member.get_status_display()}”，不能办理组织关系转接。"
            }
        )
    _open_transfer_error(member)
    _current_posts_error(member)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写转接原因，例如工作调动、退休回原籍。"})
    dues_year, dues_month = _check_dues(dues_year, dues_month)
    to_name, to_address = (to_name or "").strip(), (to_address or "").strip()
    if kind == TransferKind.WITHIN:
        to_org = _check_destination(member.org, to_org)
        to_name, to_address, to_path = "", "", to_org.path
    else:
        if not to_name:
            raise ValidationError({"to_name": "请填写接收党组织的全称。"})
        to_org, to_path = None, ""
    if validity_days not in (None, ""):
        _check_validity(rules_on(DOMAIN, _today()), validity_days)
    transfer = Transfer.objects.create(
        kind=kind,
        state=TransferState.DRAFT,
        member=member,
        person_name=member.name,
        from_org=member.org,
        from_path=member.org_path,
        to_org=to_org,
        to_name=to_name[:200],
        to_address=to_address[:200],
        to_path=to_path,
        reason=reason[:200],
        dues_year=dues_year,
        dues_month=dues_month,
        contact_phone=(contact_phone or "").strip()[:30],
        validity_days=int(validity_days) if validity_days not in (None, "") else None,
        reissue_of=reissue_of,
        created_by=actor,
    )
    note = f"重新开具，原介绍信{reissue_of.letter_number}已过期" if reissue_of else "起草"
    if floating is not None:
        convert_floating(actor=actor, record=floating, transfer=transfer)
        note = f"{note}（流动党员外出已满规定时间，转接组织关系）"
    _event(transfer, actor=actor, on=_today(), from_state="", note=note)
    return transfer


def _allocate_number(transfer: Transfer, year: int) -> None:
    """The next number of the year; a concurrent issue that takes it makes us take the next one."""
    from django.db.models import Max

    for _attempt in range(5):
        top = Transfer.objects.filter(letter_year=year).aggregate(m=Max("letter_seq"))["m"] or 0
        transfer.letter_year, transfer.letter_seq = year, top + 1
        transfer.letter_number = letter_number(year, top + 1)
        try:
            with transaction.atomic():
                transfer.save(update_fields=["letter_year", "letter_seq", "letter_number"])
            return
        except IntegrityError:
            continue
    raise ValidationError("介绍信编号分配冲突，请稍后重试。")


@transaction.atomic
def issue(
    *,
    actor,
    transfer: Transfer,
    on: date,
    validity_days: int | None = None,
    contact_phone: str | None = None,
) -> Transfer:
    """开具介绍信: numbered, dated, valid for the rule's days (or fewer). 转出 letters are the 工委's (relay)."""
    transfer = _locked(actor, transfer)
    _require_end(
        actor, "relay" if transfer.kind == TransferKind.OUT else "change", transfer.from_path
    )
    if transfer.state != TransferState.DRAFT:
        raise ValidationError(f"只有草稿可以开具介绍信（当前：{transfer.get_state_display()}）。")
    on = _check_day(on, field="issued_on", label="开具日期")
    rules = rules_on(DOMAIN, on)
    days = _check_validity(
        rules, validity_days if validity_days not in (None, "") else transfer.validity_days
    )
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if member.status != MemberStatus.NORMAL or member.org_id != transfer.from_org_id:
        raise ValidationError(
            f"{member.name}已不在{transfer.from_label}或党籍状态有变化，不能开具介绍信。"
        )
    transfer.validity_days, transfer.rules_version = days, rules.version
    transfer.issued_on, transfer.valid_until = on, on + timedelta(days=days)
    if contact_phone is not None:
        transfer.contact_phone = contact_phone.strip()[:30]
    transfer.state = TransferState.ISSUED
    transfer.save()
    _allocate_number(transfer, on.year)
    by = "（由工委代为开具）" if transfer.kind == TransferKind.OUT else ""
    _event(
        transfer,
        actor=actor,
        on=on,
        from_state=TransferState.DRAFT,
        note=f"开具介绍信{transfer.letter_number}，有效期{days}天，至{_fmt(transfer.valid_until)}{by}",
    )
    return transfer


@transaction.atomic
def register_incoming(
    *,
    actor,
    to_org: Organization,
    person: dict,
    from_name: str,
    letter_no: str,
    issued_on: date,
    validity_days: int,
    reason: str,
    dues_year: int,
    dues_month: int,
) -> Transfer:
    """转入: the 工委 registers a paper letter from outside and assigns the receiving branch (relay)."""
    try:
        to_org = Organization.objects.get(pk=getattr(to_org, "pk", None))
    except Organization.DoesNotExist:
        raise ValidationError({"to_org": "接收党支部不存在，请重新选择。"}) from None
    _require_end(actor, "relay", to_org.path)
    errors: dict = {}
    if not to_org.is_active:
        errors["to_org"] = f"{to_org}已撤销，不能接收党员。"
    elif to_org.org_type not in BRANCH_TYPES:
        errors["to_org"] = "党员应编入党支部，请选择一个党支部。"
    if not (from_name or "").strip():
        errors["from_name"] = "请填写开具介绍信的党组织全称。"
    if not (letter_no or "").strip():
        errors["letter_number"] = "请填写来信上的介绍信编号。"
    if not (reason or "").strip():
        errors["reason"] = "请填写转接原因。"
    try:
        data = clean_member_data(person)
    except ValidationError as exc:
        errors.update(
            {f"person_{k}" if k != "__all__" else k: v for k, v in exc.message_dict.items()}
        )
        data = None
    try:
        dues_year, dues_month = _check_dues(dues_year, dues_month)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        issued_on = _check_day(issued_on, field="issued_on", label="来信开具日期")
        days = int(validity_days)
        if days < 1:
            raise ValueError
    except ValidationError as exc:
        errors.update(exc.message_dict)
    except (TypeError, ValueError):
        errors["validity_days"] = "请按来信填写有效期天数。"
    if data is not None and "member" not in errors:
        pending = Transfer.objects.filter(
            kind=TransferKind.IN,
            state__in=OPEN_STATES,
            member__isnull=True,
            incoming_data__id_index=_id_index(data.id_number),
        )
        if pending.exists():
            errors["person_id_number"] = "此人已有一份待报到的转入登记。"
    if errors:
        raise ValidationError(errors)
    crypto = provider()
    carried = {
        k: (
            getattr(data, k).isoformat() if isinstance(getattr(data, k), date) else getattr(data, k)
        )
        for k in INCOMING_FIELDS
    }
    carried["id_index"] = _id_index(data.id_number)
    transfer = Transfer.objects.create(
        kind=TransferKind.IN,
        state=TransferState.ISSUED,
        letter_number=letter_no.strip()[:60],
        person_name=data.name,
        incoming_data=carried,
        incoming_id_enc=crypto.encrypt(data.id_number),
        incoming_phone_enc=crypto.encrypt(data.phone) if data.phone else "",
        incoming_id_masked=mask_id_number(data.id_number),
        from_name=from_name.strip()[:200],
        to_org=to_org,
        to_path=to_org.path,
        reason=reason.strip()[:200],
        dues_year=dues_year,
        dues_month=dues_month,
        validity_days=days,
        issued_on=issued_on,
        valid_until=issued_on + timedelta(days=days),
        created_by=actor,
    )
    _event(
        transfer,
        actor=actor,
        on=_today(),
        from_state=TransferState.DRAFT,
        note=f"工委登记转入介绍信{transfer.letter_number}（{transfer.from_name}开具），指定{to_org}接收",
    )
    return transfer


def _id_index(number: str) -> str:
    from dangjian.members.services import id_number_index

    return id_number_index(number)


@transaction.atomic
def confirm_report(*, actor, transfer: Transfer, on: date) -> Transfer:
    """确认报到. Within our tree and for 转入 the receiving side confirms; the member moves here, once."""
    transfer = _locked(actor, transfer)
    if transfer.kind == TransferKind.OUT:
        _require_end(actor, "relay", transfer.from_path)
    else:
        _require_end(actor, "receive", transfer.to_path)
    if transfer.state != TransferState.ISSUED:
        raise ValidationError(f"当前状态为“{transfer.get_state_display()}”，不能确认报到。")
    on = _check_day(
        on,
        field="reported_on",
        label="报到日期",
        not_before=transfer.issued_on,
        before_label="开具日期",
    )
    if on > transfer.valid_until:
        raise ValidationError(
            {
                "reported_on": f"介绍信有效期至{_fmt(transfer.valid_until)}，报到日期已超过有效期。过期的介绍信应由原党组织重新开具。"
            }
        )
    if transfer.kind == TransferKind.WITHIN:
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        if member.org_id != transfer.from_org_id or member.status != MemberStatus.NORMAL:
            raise ValidationError(
                f"{member.name}已不在{transfer.from_label}或党籍状态有变化，不能报到。"
            )
        to_org = Organization.objects.get(pk=transfer.to_org_id)
        if not to_org.is_active:
            raise ValidationError(f"{to_org}已撤销，不能接收党员。")
        member.org, member.org_path = to_org, to_org.path
        member.save(update_fields=["org", "org_path", "updated_at"])
    elif transfer.kind == TransferKind.IN:
        transfer.member = _create_incoming_member(transfer)
    rules = rules_on(DOMAIN, on)
    transfer.reported_on = on
    transfer.receipt_due = add_months(on, rules.receipt_return_months)
    transfer.state = TransferState.REPORTED
    transfer.save()
    _event(
        transfer,
        actor=actor,
        on=on,
        from_state=TransferState.ISSUED,
        note=f"已报到，回执应于{_fmt(transfer.receipt_due)}前寄回（{rules.cite('receipt_return_months')}）",
    )
    return transfer


def _create_incoming_member(transfer: Transfer) -> Member:
    crypto = provider()
    raw = {k: transfer.incoming_data.get(k) for k in INCOMING_FIELDS}
    raw["id_number"] = crypto.decrypt(transfer.incoming_id_enc) if transfer.incoming_id_enc else ""
    raw["phone"] = (
        crypto.decrypt(transfer.incoming_phone_enc) if transfer.incoming_phone_enc else ""
    )
    to_org = Organization.objects.get(pk=transfer.to_org_id)
    if not to_org.is_active:
        raise ValidationError(f"{to_org}已撤销，不能接收党员。")
    try:
        data = clean_member_data(raw)
    except ValidationError as exc:
        raise ValidationError(
            f"转入人员信息有误，不能建立党员档案：{'；'.join(exc.messages)}"
        ) from None
    member = Member(org=to_org)
    apply_member_data(member, data)
    member.save()
    return member


@transaction.atomic
def record_receipt(
    *, actor, transfer: Transfer, on: date, reported_on: date | None = None
) -> Transfer:
    """回执已返回. For 转出 the receipt from outside ends our membership record: 已转出."""
    transfer = _locked(actor, transfer)
    if transfer.kind == TransferKind.WITHIN:
        if not (
            path_in_scope(actor, "change", TRANSFER, transfer.from_path)
            or path_in_scope(actor, "receive", TRANSFER, transfer.to_path)
        ):
            raise Http404
    elif transfer.kind == TransferKind.OUT:
        _require_end(actor, "relay", transfer.from_path)
    else:
        _require_end(actor, "relay", transfer.to_path)
    from_state = transfer.state
    if transfer.kind == TransferKind.OUT and from_state == TransferState.ISSUED:
        # The receipt from outside is how we learn of the 报到: its date comes with it.
        if reported_on is None:
            raise ValidationError({"reported_on": "请按回执填写党员到对方报到的日期。"})
        reported_on = _check_day(
            reported_on,
            field="reported_on",
            label="报到日期",
            not_before=transfer.issued_on,
            before_label="开具日期",
        )
        if reported_on > transfer.valid_until:
            raise ValidationError(
                {
                    "reported_on": f"介绍信有效期至{_fmt(transfer.valid_until)}，报到日期已超过有效期。"
                }
            )
        transfer.reported_on = reported_on
        transfer.receipt_due = add_months(
            reported_on, rules_on(DOMAIN, reported_on).receipt_return_months
        )
    elif from_state != TransferState.REPORTED:
        raise ValidationError(f"当前状态为“{transfer.get_state_display()}”，还不能登记回执。")
    on = _check_day(
        on,
        field="receipt_returned_on",
        label="回执返回日期",
        not_before=transfer.reported_on,
        before_label="报到日期",
    )
    if transfer.kind == TransferKind.OUT:
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        if member.org_id != transfer.from_org_id or member.status != MemberStatus.NORMAL:
            raise ValidationError(f"{member.name}已不在{transfer.from_label}或党籍状态有变化。")
        member.status, member.status_date = MemberStatus.TRANSFERRED_OUT, on
        member.status_reason = (
            f"组织关系转至{transfer.to_name}（介绍信{transfer.letter_number}，回执已返回）"[:500]
        )
        member.save(update_fields=["status", "status_date", "status_reason", "updated_at"])
    transfer.receipt_returned_on = on
    transfer.state = TransferState.RECEIPT_RETURNED
    transfer.save()
    late = ""
    if transfer.receipt_due and on > transfer.receipt_due:
        late = f"，晚于应返回日期{_fmt(transfer.receipt_due)}"
    _event(transfer, actor=actor, on=on, from_state=from_state, note=f"回执已返回{late}")
    return transfer


@transaction.atomic
def complete(*, actor, transfer: Transfer, on: date, note: str = "") -> Transfer:
    """办结: the sending side files the stub and the receipt."""
    transfer = _locked(actor, transfer)
    if transfer.kind == TransferKind.WITHIN:
        _require_end(actor, "change", transfer.from_path)
    elif transfer.kind == TransferKind.OUT:
        _require_end(actor, "relay", transfer.from_path)
    else:
        _require_end(actor, "relay", transfer.to_path)
    if transfer.state != TransferState.RECEIPT_RETURNED:
        raise ValidationError(f"回执返回后才能办结（当前：{transfer.get_state_display()}）。")
    on = _check_day(
        on,
        field="completed_on",
        label="办结日期",
        not_before=transfer.receipt_returned_on,
        before_label="回执返回日期",
    )
    transfer.completed_on, transfer.state = on, TransferState.COMPLETED
    transfer.save()
    _event(
        transfer, actor=actor, on=on, from_state=TransferState.RECEIPT_RETURNED, note=note or "办结"
    )
    return transfer


def _close(transfer: Transfer, *, actor, state: str, on: date, reason: str) -> Transfer:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写原因。"})
    on = _check_day(
        on, field="on", label="日期", not_before=transfer.issued_on, before_label="开具日期"
    )
    from_state = transfer.state
    transfer.state, transfer.closed_on, transfer.closed_reason = state, on, reason[:500]
    transfer.save()
    _event(transfer, actor=actor, on=on, from_state=from_state, note=reason)
    return transfer


@transaction.atomic
def return_transfer(*, actor, transfer: Transfer, on: date, reason: str) -> Transfer:
    """退回: the receiving side sends the letter back (wrong destination, incomplete papers …)."""
    transfer = _locked(actor, transfer)
    if transfer.kind == TransferKind.OUT:
        _require_end(actor, "relay", transfer.from_path)
    else:
        _require_end(actor, "receive", transfer.to_path)
    if transfer.state != TransferState.ISSUED:
        raise ValidationError(
            f"只有已开具、尚未报到的介绍信可以退回（当前：{transfer.get_state_display()}）。"
        )
    return _close(transfer, actor=actor, state=TransferState.RETURNED, on=on, reason=reason)


@transaction.atomic
def cancel(*, actor, transfer: Transfer, on: date, reason: str) -> Transfer:
    """撤销: the side that made the transfer withdraws it before 报到."""
    transfer = _locked(actor, transfer)
    if transfer.kind == TransferKind.IN:
        _require_end(actor, "relay", transfer.to_path)
    elif transfer.kind == TransferKind.OUT and transfer.state != TransferState.DRAFT:
        _require_end(actor, "relay", transfer.from_path)
    else:
        _require_end(actor, "change", transfer.from_path)
    if transfer.state not in (TransferState.DRAFT, TransferState.ISSUED):
        raise ValidationError(f"党员已报到，不能撤销（当前：{transfer.get_state_display()}）。")
    return _close(transfer, actor=actor, state=TransferState.CANCELLED, on=on, reason=reason)


def _expire(transfer: Transfer, *, actor=None, today: date) -> None:
    transfer.state = TransferState.EXPIRED
    transfer.closed_on = today
    transfer.closed_reason = f"超过有效期（至{_fmt(transfer.valid_until)}）未报到"
    transfer.save(update_fields=["state", "closed_on", "closed_reason", "updated_at"])
    _event(
        transfer,
        actor=actor,
        on=today,
        from_state=TransferState.ISSUED,
        note=transfer.closed_reason,
    )


@transaction.atomic
def expire_letters(today: date) -> int:
    """Letters whose validity ended before `today` without 报到 become 过期 (a system step, no actor)."""
    count = 0
    for transfer in Transfer.objects.select_for_update().filter(
        state=TransferState.ISSUED, valid_until__lt=today
    ):
        _expire(transfer, today=today)
        count += 1
    return count


@transaction.atomic
def reissue(*, actor, transfer: Transfer, validity_days: int | None = None) -> Transfer:
    """重新开具: an expired letter stays as it is; a new draft transfer takes its place."""
    transfer = _locked(actor, transfer)
    if transfer.kind == TransferKind.IN:
        raise ValidationError(
            "转入的介绍信由对方党组织开具，过期后请对方重新开具，再登记新的来信。"
        )
    _require_end(actor, "add", transfer.from_path)
    today = _today()
    if not transfer.is_expired_on(today):
        raise ValidationError("只有过期的介绍信可以重新开具。")
    if transfer.state == TransferState.ISSUED:
        _expire(transfer, actor=actor, today=today)
    return create_transfer(
        actor=actor,
        member=transfer.member,
        kind=transfer.kind,
        reason=transfer.reason,
        dues_year=transfer.dues_year,
        dues_month=transfer.dues_month,
        to_org=transfer.to_org,
        to_name=transfer.to_name,
        to_address=transfer.to_address,
        contact_phone=transfer.contact_phone,
        validity_days=validity_days,
        reissue_of=transfer,
    )


# --- 流动党员 -----------------------------------------------------------------------------------


def _check_text(value: str, field: str, label: str, errors: dict) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = f"请填写{label}。"
    return value


@transaction.atomic
def create_floating(
    *,
    actor,
    direction: str,
    org: Organization,
    place: str,
    started_on: date,
    reason: str,
    member: Member | None = None,
    person_name: str = "",
    host_org: Organization | None = None,
    host_name: str = "",
    home_name: str = "",
    expected_return: date | None = None,
    contact: str = "",
    card_number: str = "",
    card_issued_on: date | None = None,
) -> FloatingRecord:
    """外出: one of our members leaves the branch for a while; 流入: a guest joins one of our branches."""
    contact = (contact or "").strip()[:100]
    errors: dict = {}
    if direction == FloatingDirection.OUT:
        if member is None:
            raise ValidationError({"member": "请选择外出的党员。"})
        member = get_scoped_or_404(
            actor, "view", Member.objects.select_related("org"), pk=member.pk
        )
        org = member.org
        if member.status != MemberStatus.NORMAL:
            errors["member"] = f"{member.name}的党籍状态为“{member.get_status_display()}”。"
        elif FloatingRecord.objects.filter(
            member=member, status=FloatingStatus.ACTIVE, direction=FloatingDirection.OUT
        ).exists():
            errors["member"] = f"{member.name}已登记为外出流动党员，请先登记返回。"
        person_name = member.name
        if host_org is not None:
            host_org = Organization.objects.filter(pk=host_org.pk).first()
            if host_org is None or not host_org.is_active:
                errors["host_org"] = "流入地党组织不存在或已撤销。"
            elif host_org.pk == org.pk:
                errors["host_org"] = "流入地党组织不能是党员所在的党支部。"
        elif not (host_name or "").strip():
            errors["host_name"] = "请填写流入地党组织（不清楚时可填写“暂未联系上党组织”）。"
    elif direction == FloatingDirection.IN:
        org = Organization.objects.filter(pk=getattr(org, "pk", None)).first()
        if org is None:
            raise ValidationError({"org": "请选择接纳的党支部。"})
        member, host_org, host_name = None, None, ""
        person_name = _check_text(person_name, "person_name", "姓名", errors)
        home_name = _check_text(home_name, "home_name", "原所在党组织", errors)
        if org.org_type not in BRANCH_TYPES or not org.is_active:
            errors["org"] = "请选择一个正常的党支部。"
    else:
        raise ValidationError({"direction": "请选择流动方向：外出或流入。"})
    _require_end(actor, "add", org.path)
    place = _check_text(place, "place", "流动地点", errors)
    reason = _check_text(reason, "reason", "流动原因", errors)
    try:
        started_on = _check_day(started_on, field="started_on", label="外出（流入）日期")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if expected_return and started_on and expected_return <= started_on:
        errors["expected_return"] = "预计返回日期应晚于外出日期。"
    if card_number and not card_issued_on:
        errors["card_issued_on"] = "请填写流动党员活动证的发放日期。"
    if card_issued_on and card_issued_on > _today():
        errors["card_issued_on"] = "活动证发放日期不能晚于今天。"
    if errors:
        raise ValidationError(errors)
    record = FloatingRecord.objects.create(
        direction=direction,
        member=member,
        person_name=person_name[:50],
        org=org,
        org_path=org.path,
        place=place[:200],
        host_org=host_org,
        host_name=(host_name or "").strip()[:200] if host_org is None else "",
        host_path=host_org.path if host_org is not None else "",
        home_name=(home_name or "").strip()[:200],
        started_on=started_on,
        expected_return=expected_return,
        reason=reason[:200],
        contact_enc=provider().encrypt(contact) if contact else "",
        contact_masked=mask_phone(contact) if contact else "",
        card_number=(card_number or "").strip()[:60],
        card_issued_on=card_issued_on,
        created_by=actor,
    )
    return record


def _floating_locked(actor, record: FloatingRecord, action: str = "change") -> FloatingRecord:
    record = get_scoped_or_404(
        actor, "view", FloatingRecord.objects.select_for_update(), pk=record.pk
    )
    if not (
        path_in_scope(actor, action, TRANSFER, record.org_path)
        or (record.host_path and path_in_scope(actor, action, TRANSFER, record.host_path))
    ):
        raise Http404
    return record


@transaction.atomic
def add_floating_report(
    *, actor, record: FloatingRecord, reported_on: date, method: str, content: str
) -> FloatingReport:
    record = _floating_locked(actor, record)
    errors: dict = {}
    if method not in ReportMethod.values:
        errors["method"] = "请选择汇报方式。"
    if not (content or "").strip():
        errors["content"] = "请简要记录汇报内容。"
    try:
        _check_day(
            reported_on,
            field="reported_on",
            label="汇报日期",
            not_before=record.started_on,
            before_label="外出日期",
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return FloatingReport.objects.create(
        record=record,
        reported_on=reported_on,
        method=method,
        content=content.strip(),
        created_by=actor,
    )


@transaction.atomic
def end_floating(*, actor, record: FloatingRecord, on: date) -> FloatingRecord:
    """The member is back (外出) or the guest has left (流入)."""
    record = _floating_locked(actor, record)
    if record.status != FloatingStatus.ACTIVE:
        raise ValidationError("该流动党员记录已结束。")
    _check_day(
        on,
        field="ended_on",
        label="返回日期",
        not_before=record.started_on,
        before_label="外出日期",
    )
    record.status, record.ended_on = FloatingStatus.RETURNED, on
    record.save(update_fields=["status", "ended_on"])
    return record


@transaction.atomic
def convert_floating(*, actor, record: FloatingRecord, transfer: Transfer) -> FloatingRecord:
    """Away long enough at a fixed place: the relation is transferred; the floating record closes."""
    record = _floating_locked(actor, record)
    if record.status != FloatingStatus.ACTIVE or record.direction != FloatingDirection.OUT:
        raise ValidationError("只有外出中的流动党员可以转为组织关系转接。")
    if transfer.member_id != record.member_id:
        raise ValidationError("转接的党员与流动党员记录不一致。")
    record.status, record.ended_on, record.transfer = FloatingStatus.CONVERTED, _today(), transfer
    record.save(update_fields=["status", "ended_on", "transfer"])
    return record


def member_scope_check(actor, member: Member) -> None:
    """Members offered on the new-transfer page: ones the user may add a transfer for."""
    if not path_in_scope(actor, "add", TRANSFER, member.org_path) or not path_in_scope(
        actor, "view", MEMBER, member.org_path
    ):
        raise Http404
