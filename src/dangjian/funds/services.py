"""Writes on the funds ledger. Transactional, scoped, audited; keyword-only, first argument `actor`.

Nothing is edited or deleted: a remittance writes a pair of entries (sent here, received there),
an expense one entry, a correction a reversing entry (and optionally the right one). Every write
that takes money out re-reads the balance with the organisation's row locked and refuses to go
below zero (量入为出, RULES.md 1.15). Uses of 党费 are limited to those the regulation permits and
need a recorded collective decision (集体讨论, RULES.md 1.15).

Scope: "remit" on DUES at the sending organisation for remittances and allocations, "spend" at the
organisation for expenses and other income; corrections need the action that made the entry.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.rulesets import rules_on
from dangjian.development.services import check_upload
from dangjian.dues.services import acting_user, require_scope
from dangjian.funds.models import (
    DUES_PURPOSES,
    FUND_PURPOSES,
    KIND_DIRECTION,
    BudgetLine,
    Fund,
    FundEntry,
    Kind,
    Purpose,
)
from dangjian.funds.rules import DOMAIN as FUNDS_DOMAIN
from dangjian.funds.selectors import dues_balance, fund_balance, year_period
from dangjian.orgs.models import Organization

CENT = Decimal("0.01")
CENTRE_NAME = "党中央"
CENTRE_VIA = "党中央（经基层党委）"


def _today() -> date:
    return timezone.localdate()


def _money(raw, label: str, *, allow_zero: bool = False) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"amount": _("%(label)s应为金额数字（元）。") % {"label": label}}
        ) from None
    if not value.is_finite() or value < 0 or value != value.quantize(CENT):
        raise ValidationError(
            {"amount": _("%(label)s应为不小于0、最多两位小数的金额（元）。") % {"label": label}}
        )
    if value == 0 and not allow_zero:
        raise ValidationError({"amount": _("%(label)s应大于0。") % {"label": label}})
    return value.quantize(CENT)


def _day(value: date | None, label: str = "", key: str = "occurred_on") -> date:
    label = label or _("发生日期")
    if value is None:
        raise ValidationError({key: _("请填写%(label)s。") % {"label": label}})
    if value > _today():
        raise ValidationError({key: _("%(label)s不能晚于今天。") % {"label": label}})
    return value


def _period(period) -> tuple[date | None, date | None]:
    """A year (2025) or a (start, end) pair of dates; None for no period."""
    if period in (None, ""):
        return None, None
    if isinstance(period, tuple | list):
        start, end = period
        if start > end:
            raise ValidationError({"period": _("所属期间的起始日期不能晚于截止日期。")})
        return start, end
    try:
        year = int(period)
    except (TypeError, ValueError):
        raise ValidationError({"period": _("所属年度应为四位年份。")}) from None
    if not 1921 <= year <= _today().year:
        raise ValidationError({"period": _("所属年度不正确。")})
    return year_period(year)


def _lock(org: Organization) -> None:
    """Serialise money leaving one organisation: concurrent writes wait for each other."""
    list(Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk"))


def _check_balance(org: Organization, fund: str = Fund.DUES) -> None:
    """After the write, inside its transaction: nothing may leave what the organisation holds."""
    if fund != Fund.DUES:
        left = fund_balance(org, fund)
        if left < 0:
            raise ValidationError(
                {
                    "amount": _(
                        "%(org)s的%(fund)s结余不足：本次登记后结余将为%(left)s元。"
                        "经费支出应量入为出，请先登记经费来源或改由其他经费支付。"
                    )
                    % {"org": org, "fund": Fund(fund).label, "left": left}
                }
            )
        return
    bal = dues_balance(org)
    if bal.balance < 0:
        raise ValidationError(
            {
                "amount": _(
                    "%(org)s的党费结余不足：本次登记后结余将为%(left)s元。"
                    "党费使用应量入为出（《关于中国共产党党费收缴、使用和管理的规定》第十七条）。"
                )
                % {"org": org, "left": bal.balance}
            }
        )
    if bal.held_for_centre < 0:
        raise ValidationError(
            {
                "centre_amount": _(
                    "%(org)s代收的应全额上缴中央的自愿多交党费不足："
                    "本次登记后将为%(left)s元（按规定应经基层党委全额上缴中央，"
                    "《关于中国共产党党费收缴、使用和管理的规定》第十一条）。"
                )
                % {"org": org, "left": bal.held_for_centre}
            }
        )


def check_document(upload) -> None:
    """The same file types and size limit as development documents."""
    check_upload(upload, field="document")


def _new(**fields) -> FundEntry:
    fields.setdefault("direction", KIND_DIRECTION[fields["kind"]])
    fields["org_path"] = fields["org"].path
    entry = FundEntry(**fields)
    entry.save()  # one by one: auditlog records each entry
    return entry


# --- remittance (RULES.md 1.10, 1.14) -------------------------------------------------------------


def record_remittance(
    *,
    actor,
    from_org: Organization,
    to_org: Organization | None,
    amount,
    occurred_on: date,
    period=None,
    note: str = "",
    centre_amount=0,
) -> list[FundEntry]:
    """上缴党费: `from_org` sends dues up to `to_org` (an organisation above it in our tree) or,
    with `to_org` None, to the Centre. Writes the pair — 上缴 at the sender and 收到下级上缴 at the
    receiver inside our tree — in one transaction. `centre_amount` passes on voluntary payments
    that go wholly to the Centre (RULES.md 1.10) as a pair of its own, kept apart from the dues
    the sender holds. Returns the entries written, the sender's first."""
    require_scope(actor, "remit", from_org.path)
    if to_org is not None:
        if to_org.pk == from_org.pk or not from_org.path.startswith(to_org.path):
            raise ValidationError({"to_org": _("党费只能上缴给本组织的上级党组织。")})
    amount = _money(amount, _("上缴金额"), allow_zero=True)
    centre_amount = _money(centre_amount or 0, _("代转中央的自愿多交党费"), allow_zero=True)
    if amount == 0 and centre_amount == 0:
        raise ValidationError({"amount": _("上缴金额应大于0。")})
    occurred_on = _day(occurred_on, _("上缴日期"))
    start, end = _period(period)
    if to_org is None:
        name = CENTRE_NAME if from_org.org_type == "work_committee" else CENTRE_VIA
    else:
        name = ""
    batch = uuid.uuid4().hex
    common = {
        "fund": Fund.DUES,
        "occurred_on": occurred_on,
        "period_start": start,
        "period_end": end,
        "note": (note or "").strip()[:500],
        "batch": batch,
        "recorded_by": acting_user(actor),
    }
    written = []
    with transaction.atomic():
        _lock(from_org)
        for value, centre in ((amount, False), (centre_amount, True)):
            if value == 0:
                continue
            written.append(
                _new(
                    org=from_org,
                    kind=Kind.REMIT_OUT,
                    amount=value,
                    counterparty=to_org,
                    counterparty_name=name,
                    centre_voluntary=centre,
                    **common,
                )
            )
            if to_org is not None:
                written.append(
                    _new(
                        org=to_org,
                        kind=Kind.REMIT_IN,
                        amount=value,
                        counterparty=from_org,
                        centre_voluntary=centre,
                        **common,
                    )
                )
        _check_balance(from_org)
    return written


def record_allocation(
    *,
    actor,
    from_org: Organization | None,
    to_org: Organization,
    amount,
    occurred_on: date,
    purpose: str = "",
    counterparty_name: str = "",
    note: str = "",
) -> list[FundEntry]:
    """上级下拨党费 (RULES.md 1.15: funds allocated are 专款专用, their purpose is recorded).
    Inside our tree `from_org` is above `to_org` and both sides are written; from outside it
    (`from_org` None, e.g. the county 组织部) only the receipt is, under `counterparty_name`."""
    if from_org is not None:
        require_scope(actor, "remit", from_org.path)
        if to_org.pk == from_org.pk or not to_org.path.startswith(from_org.path):
            raise ValidationError({"to_org": _("党费只能下拨给本组织的下级党组织。")})
    else:
        require_scope(actor, "remit", to_org.path)
        counterparty_name = (counterparty_name or "").strip()
        if not counterparty_name:
            raise ValidationError({"counterparty_name": _("请填写拨款单位。")})
    if purpose and purpose not in DUES_PURPOSES:
        raise ValidationError({"purpose": _("下拨党费的用途应在党费使用范围内。")})
    amount = _money(amount, _("下拨金额"))
    occurred_on = _day(occurred_on, _("下拨日期"))
    common = {
        "fund": Fund.DUES,
        "occurred_on": occurred_on,
        "purpose": purpose,
        "note": (note or "").strip()[:500],
        "batch": uuid.uuid4().hex,
        "recorded_by": acting_user(actor),
        "amount": amount,
    }
    with transaction.atomic():
        written = []
        if from_org is not None:
            _lock(from_org)
            written.append(
                _new(org=from_org, kind=Kind.ALLOCATION_OUT, counterparty=to_org, **common)
            )
        written.append(
            _new(
                org=to_org,
                kind=Kind.ALLOCATION_IN,
                counterparty=from_org,
                counterparty_name=counterparty_name[:200] if from_org is None else "",
                **common,
            )
        )
        if from_org is not None:
            _check_balance(from_org)
    return written


# --- expenses (RULES.md 1.15) ---------------------------------------------------------------------


def record_expense(
    *,
    actor,
    org: Organization,
    fund: str = Fund.DUES,
    purpose: str,
    amount,
    occurred_on: date,
    decision_body: str = "",
    decision_on: date | None = None,
    decision_summary: str = "",
    document=None,
    approved_by=None,
    counterparty_name: str = "",
    document_no: str = "",
    note: str = "",
) -> FundEntry:
    """支出 from one fund, within that fund's balance. For 党费 (RULES.md 1.15): only a permitted
    use, only after a recorded 集体讨论; the other sources have their own (wider) purposes and
    record a collective decision when there was one."""
    require_scope(actor, "spend", org.path)
    if fund not in Fund.values:
        raise ValidationError({"fund": _("请选择资金性质。")})
    if not org.is_active:
        raise ValidationError(_("%(org)s已撤销，不能再登记支出。") % {"org": org})
    if fund != Fund.DUES and purpose not in FUND_PURPOSES[fund]:
        raise ValidationError({"purpose": _("请选择用途。")})
    if fund == Fund.DUES and purpose not in DUES_PURPOSES:
        allowed = "；".join(str(Purpose(p).label) for p in DUES_PURPOSES)
        raise ValidationError(
            {
                "purpose": _(
                    "党费只能用于：%(uses)s（《关于中国共产党党费收缴、使用和管理的规定》第十八条）。"
                )
                % {"uses": allowed}
            }
        )
    amount = _money(amount, _("支出金额"))
    occurred_on = _day(occurred_on, _("支出日期"))
    decision_body = (decision_body or "").strip()
    decision_summary = (decision_summary or "").strip()
    errors = {}
    if fund != Fund.DUES:
        if decision_on is not None and decision_on > occurred_on:
            errors["decision_on"] = _("集体讨论应在支出之前，讨论日期不能晚于支出日期。")
    elif not decision_body:
        errors["decision_body"] = _(
            "党费的使用须经集体讨论：请填写讨论决定的会议（如党委会、支委会）。"
        )
    if fund == Fund.DUES:
        if decision_on is None:
            errors["decision_on"] = _("请填写集体讨论的日期。")
        elif decision_on > occurred_on:
            errors["decision_on"] = _("集体讨论应在支出之前，讨论日期不能晚于支出日期。")
        if not decision_summary:
            errors["decision_summary"] = _("请填写集体讨论的意见（讨论决定的内容）。")
    if errors:
        raise ValidationError(errors)
    if document:
        check_document(document)
    with transaction.atomic():
        _lock(org)
        entry = FundEntry(
            org=org,
            org_path=org.path,
            fund=fund,
            direction=KIND_DIRECTION[Kind.EXPENSE],
            kind=Kind.EXPENSE,
            amount=amount,
            occurred_on=occurred_on,
            counterparty_name=(counterparty_name or "").strip()[:200],
            purpose=purpose,
            decision_body=decision_body[:100],
            decision_on=decision_on,
            decision_summary=decision_summary,
            approved_by=approved_by,
            document_no=(document_no or "").strip()[:100],
            note=(note or "").strip()[:500],
            batch=uuid.uuid4().hex,
            recorded_by=acting_user(actor),
        )
        if document:
            entry.document_name = PurePath(document.name).name[:200]
            entry.document_size = document.size
            entry.document.save(entry.document_name, document, save=False)
        entry.save()
        _check_balance(org, fund)
    return entry


# --- corrections ----------------------------------------------------------------------------------

_ACTION = {
    Kind.REMIT_OUT: "remit",
    Kind.REMIT_IN: "remit",
    Kind.ALLOCATION_OUT: "remit",
    Kind.ALLOCATION_IN: "remit",
    Kind.EXPENSE: "spend",
    Kind.INCOME: "spend",
    Kind.FUNDING: "spend",
}
_COPIED = (
    "org_id",
    "org_path",
    "fund",
    "direction",
    "kind",
    "counterparty_id",
    "counterparty_name",
    "centre_voluntary",
    "period_start",
    "period_end",
    "purpose",
    "decision_body",
    "decision_on",
    "decision_summary",
    "document",
    "document_name",
    "document_size",
    "approved_by_id",
    "document_no",
    "base_amount",
    "percent",
)


def correction_group(entry: FundEntry) -> list[FundEntry]:
    """The entries corrected together: both sides of a remittance or an allocation."""
    if not entry.batch or entry.corrects_id is not None:
        return [entry]
    return list(
        FundEntry.objects.filter(
            batch=entry.batch, centre_voluntary=entry.centre_voluntary, corrects__isnull=True
        ).order_by("id")
    )


def linked_to_visit(entry: FundEntry) -> bool:
    """Whether the entry is the 慰问金 of a care visit (the visit owns its corrections)."""
    return FundEntry.objects.filter(pk=entry.pk, care_visit__isnull=False).exists()


def correction_scope(entry: FundEntry) -> tuple[str, str]:
    """(action, organisation path) a correction needs: for the receiving side of a pair inside our
    tree the sender's (the sender corrects what it sent), else the entry's own."""
    if entry.kind in (Kind.REMIT_IN, Kind.ALLOCATION_IN) and entry.counterparty_id:
        return _ACTION[entry.kind], entry.counterparty.path
    return _ACTION[entry.kind], entry.org_path


def correct_entry(
    *,
    actor,
    entry: FundEntry,
    reason: str,
    amount=None,
    occurred_on: date | None = None,
    allow_linked: bool = False,
) -> tuple[list[FundEntry], list[FundEntry]]:
    """冲销 a mistaken entry by reversing entries naming it (both sides of a remittance or an
    allocation together); with `amount`, the right entries follow, naming the originals in
    `replaces`. Returns (reversals, replacements).

    慰问金 paid on a care visit belong to that visit: they are corrected by correcting the visit
    (care.services.correct_visit, which passes `allow_linked`), so the visit and the ledger never
    disagree."""
    group = correction_group(entry)
    action, path = correction_scope(entry)
    require_scope(actor, action, path)
    if not allow_linked and linked_to_visit(entry):
        raise ValidationError(
            _(
                "这笔慰问金是登记走访慰问时记入的：请到困难党员的走访记录中更正该次走访，"
                "账目会同时更正。"
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写更正原因。")})
    if entry.corrects_id is not None:
        raise ValidationError(_("这是一条冲销记录，不能再更正；如有错误请更正原记录的替代记录。"))
    if FundEntry.objects.filter(corrects__in=group).exists():
        raise ValidationError(_("该记录已经更正过。"))
    new_amount = None
    if amount not in (None, ""):
        new_amount = _money(amount, _("更正后的金额"))
    new_day = _day(occurred_on, _("更正后的发生日期")) if occurred_on else None
    reversals, replacements = [], []
    batch = uuid.uuid4().hex
    with transaction.atomic():
        orgs = Organization.objects.filter(pk__in={e.org_id for e in group}).order_by("pk")
        for org in orgs:
            _lock(org)
        for old in group:
            fields = {name: getattr(old, name) for name in _COPIED}
            reversals.append(
                _save(
                    FundEntry(
                        **fields,
                        amount=-old.amount,
                        occurred_on=old.occurred_on,
                        note=f"冲销：{reason}"[:500],
                        batch=old.batch,
                        corrects=old,
                        recorded_by=acting_user(actor),
                    )
                )
            )
        if new_amount is not None:
            for old in group:
                fields = {name: getattr(old, name) for name in _COPIED}
                replacements.append(
                    _save(
                        FundEntry(
                            **fields,
                            amount=new_amount,
                            occurred_on=new_day or old.occurred_on,
                            note=f"更正后：{reason}"[:500],
                            batch=batch,
                            replaces=old,
                            recorded_by=acting_user(actor),
                        )
                    )
                )
        for org in orgs:
            _check_balance(org, entry.fund)
    return reversals, replacements


def _save(entry: FundEntry) -> FundEntry:
    entry.save()
    return entry


# --- the other sources of the 党建经费 ---------------------------------------------------------------

INCOME_FUNDS = (Fund.BUDGET, Fund.PARTY_BUILDING, Fund.OTHER)


def _income_entry(
    *, actor, org, fund, amount, occurred_on, counterparty_name, document, document_no, note,
    period, approved_by, base_amount=None, percent=None,
) -> FundEntry:  # fmt: skip
    if document:
        check_document(document)
    start, end = _period(period)
    with transaction.atomic():
        entry = FundEntry(
            org=org,
            org_path=org.path,
            fund=fund,
            direction=KIND_DIRECTION[Kind.FUNDING],
            kind=Kind.FUNDING,
            amount=amount,
            occurred_on=occurred_on,
            counterparty_name=(counterparty_name or "").strip()[:200],
            period_start=start,
            period_end=end,
            approved_by=approved_by,
            document_no=(document_no or "").strip()[:100],
            base_amount=base_amount,
            percent=percent,
            note=(note or "").strip()[:500],
            batch=uuid.uuid4().hex,
            recorded_by=acting_user(actor),
        )
        if document:
            entry.document_name = PurePath(document.name).name[:200]
            entry.document_size = document.size
            entry.document.save(entry.document_name, document, save=False)
        entry.save()
    return entry


def record_funding(
    *,
    actor,
    org: Organization,
    fund: str,
    amount,
    occurred_on: date,
    counterparty_name: str,
    period=None,
    document=None,
    document_no: str = "",
    approved_by=None,
    note: str = "",
) -> FundEntry:
    """经费拨入 to a non-dues fund: the 财政专项 annual allocation (`period` = its year) or other
    income. 党费 comes in through the dues ledger and `record_allocation`; the county 党建经费
    share through `record_county_share`, which computes its amount."""
    require_scope(actor, "spend", org.path)
    if fund not in (Fund.BUDGET, Fund.OTHER):
        raise ValidationError(
            {
                "fund": _(
                    "这里只登记财政专项和其他收入；党费由党费台账和上级下拨登记，"
                    "党建工作经费按比例划拨登记。"
                )
            }
        )
    if not org.is_active:
        raise ValidationError(_("%(org)s已撤销，不能再登记收入。") % {"org": org})
    if not (counterparty_name or "").strip():
        raise ValidationError({"counterparty_name": _("请填写拨款单位或来源。")})
    return _income_entry(
        actor=actor, org=org, fund=fund, amount=_money(amount, _("收入金额")),
        occurred_on=_day(occurred_on, _("到账日期")), counterparty_name=counterparty_name,
        document=document, document_no=document_no, note=note, period=period,
        approved_by=approved_by,
    )  # fmt: skip


def county_share(base_amount, day: date) -> tuple[Decimal, Decimal, str]:
    """(amount, percent, citation): base × the percentage in force on `day`, to 0.01 元 half up."""
    from decimal import ROUND_HALF_UP

    rules = rules_on(FUNDS_DOMAIN, day)
    percent = Decimal(str(rules["county_share_percent"]))
    amount = (base_amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount, percent, rules.cite("county_share_percent")


def record_county_share(
    *,
    actor,
    org: Organization,
    base_amount,
    occurred_on: date,
    counterparty_name: str = "县委组织部",
    period=None,
    document=None,
    document_no: str = "",
    approved_by=None,
    note: str = "",
) -> FundEntry:
    """按比例划拨的党建工作经费: the county's 党建经费 (`base_amount`) × the percentage in force on
    the day (rule "county_share_percent", default the article's 20 %). Both the base and the
    percentage are stored with the amount."""
    require_scope(actor, "spend", org.path)
    if not org.is_active:
        raise ValidationError(_("%(org)s已撤销，不能再登记收入。") % {"org": org})
    base = _money(base_amount, _("全县党建经费总额"))
    occurred_on = _day(occurred_on, _("到账日期"))
    amount, percent, cite = county_share(base, occurred_on)
    if amount <= 0:
        raise ValidationError(
            {"base_amount": _("按比例算出的划拨金额为0元（%(cite)s）。") % {"cite": cite}}
        )
    return _income_entry(
        actor=actor, org=org, fund=Fund.PARTY_BUILDING, amount=amount,
        occurred_on=occurred_on, counterparty_name=counterparty_name or "县委组织部",
        document=document, document_no=document_no,
        note=(note or "").strip() or f"全县党建经费{base}元×{percent}%",
        period=period, approved_by=approved_by, base_amount=base, percent=percent,
    )  # fmt: skip


def set_budget(
    *,
    actor,
    org: Organization,
    year: int,
    fund: str,
    purpose: str,
    amount,
    note: str = "",
) -> BudgetLine:
    """年度预算 for (org, year, fund, purpose). A change is a new line (the latest counts)."""
    require_scope(actor, "spend", org.path)
    if fund not in Fund.values:
        raise ValidationError({"fund": _("请选择资金性质。")})
    if purpose not in FUND_PURPOSES[fund]:
        if fund == Fund.DUES:
            raise ValidationError(
                {"purpose": _("党费预算的用途应在党费使用范围内（RULES.md 1.15）。")}
            )
        raise ValidationError({"purpose": _("请选择用途。")})
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("年度应为四位年份。")}) from None
    if not 2000 <= year <= _today().year + 1:
        raise ValidationError({"year": _("年度不正确：只能编制今明两年及以前的预算。")})
    amount = _money(amount, _("预算金额"), allow_zero=True)
    with transaction.atomic():
        return BudgetLine.objects.create(
            org=org,
            org_path=org.path,
            year=year,
            fund=fund,
            purpose=purpose,
            amount=amount,
            note=(note or "").strip()[:500],
            recorded_by=acting_user(actor),
        )
