"""Writes on the dues ledger. Transactional, scoped, audited; keyword-only, first argument `actor`.

The model: a member's category and base (`DuesBase`, history) fix a monthly amount; posting a month
writes one `DuesMonth` row per member (set-based: one INSERT … SELECT for a whole subtree); money is
recorded in the append-only journal `DuesEntry`, and each `DuesMonth` row's `due`/`paid` are kept
equal to its journal in the same transaction (`_resync`); `DuesOrgMonth` sums are rebuilt for every
organisation and month a write touched (`refresh_org_months`).

Months are dates on the first day. Checks that come from rules name them and their source.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from auditlog.context import auditlog_disabled
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import DUES
from dangjian.core.audit import record_event
from dangjian.core.calendar import add_months, months_between
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import path_in_scope
from dangjian.dues.models import (
    BaseSource,
    DuesBase,
    DuesEntry,
    DuesMonth,
    DuesOrgMonth,
    DuesRelief,
    EntryKind,
    Method,
    ReliefState,
)
from dangjian.dues.rules import DOMAIN
from dangjian.dues.selectors import money_sum
from dangjian.dues.standards import Category, amount_for, parse_base
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

CENT = Decimal("0.01")


# --- months -------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return add_months(month_start(month), 1) - timedelta(days=1)


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def parse_month(raw) -> date:
    """'2026-11', '2026-11-01', '2026年11月' or a date → the first day of that month."""
    if isinstance(raw, date):
        return month_start(raw)
    text = str(raw or "").strip().replace("年", "-").replace("月", "").replace("/", "-")
    parts = [p for p in text.split("-") if p]
    try:
        year, month = int(parts[0]), int(parts[1])
        return date(year, month, 1)
    except (IndexError, ValueError):
        raise ValidationError("月份格式应为“2026-11”或“2026年11月”。") from None


def _today() -> date:
    return timezone.localdate()


def acting_user(actor):
    """The user to record on a row: None for the system (the monthly job, the demo)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def require_scope(actor, action: str, path: str) -> None:
    """Out of scope is "does not exist" (404), as everywhere else."""
    if actor is not None and not path_in_scope(actor, action, DUES, path):
        raise Http404


def _bulk_event(kind: str, **kwargs) -> None:
    """A set-based write bypasses the per-row audit log, so one event stands for its rows; it
    follows the same switch as the per-row log (off only while the demo county is built)."""
    if not auditlog_disabled.get():
        record_event(kind, **kwargs)


def _money(raw, label: str, *, allow_zero: bool = True) -> Decimal:
    try:
        value = parse_base(raw)
    except ValidationError:
        raise ValidationError(f"{label}应为金额数字（元），不能为负数，最多两位小数。") from None
    if not allow_zero and value == 0:
        raise ValidationError(f"{label}应大于0。")
    return value


def _paying_member(member: Member) -> None:
    if member.status != MemberStatus.NORMAL:
        raise ValidationError(
            f"{member.name}的党籍状态为“{member.get_status_display()}”，不在交纳党费的名单内。"
        )


# --- bases ----------------------------------------------------------------------------------------


def base_in_force(member: Member, month: date) -> DuesBase | None:
    return (
        DuesBase.objects.filter(member=member, from_month__lte=month_start(month))
        .order_by("-from_month", "-id")
        .first()
    )


@dataclass(frozen=True)
class BaseLine:
    member: Member
    category: str
    base: object  # anything parse_base accepts; ignored for fixed-amount categories
    from_month: date
    note: str = ""


def _priced(line: BaseLine, *, actor, source: str) -> DuesBase:
    category = getattr(line.category, "value", line.category)
    if category not in Category.values:
        raise ValidationError("请选择党费交纳类别。")
    month = month_start(line.from_month)
    if month < month_start(line.member.joined_on):
        raise ValidationError(
            f"起始月份不能早于入党（预备党员接收）的月份（{month_label(month_start(line.member.joined_on))}）。"
        )
    fixed = category in ("farmer", "low_income")
    base = None if fixed else _money(line.base, "计算基数")
    result = amount_for(category, base if base is not None else 0, month)
    return DuesBase(
        member=line.member,
        category=category,
        base=base,
        amount=result.amount,
        rate=result.rate,
        standard_name=result.standard.name[:200],
        from_month=month,
        source=source,
        note=line.note[:500],
        recorded_by=acting_user(actor),
    )


def set_base(
    *, actor, member: Member, category: str, base, from_month: date, note: str = ""
) -> DuesBase:
    """Record a member's category and base from a month on (RULES.md 1.9: from the month the new
    salary is paid). Months already posted keep their amount; correct those with `adjust_due`."""
    require_scope(actor, "change", member.org_path)
    _paying_member(member)
    row = _priced(
        BaseLine(member, category, base, from_month, note), actor=actor, source=BaseSource.MANUAL
    )
    with transaction.atomic():
        row.save()
    return row


def set_bases(*, actor, lines: list[BaseLine], source: str = BaseSource.IMPORT) -> int:
    """Many bases at once (the salary-sheet import): all priced and checked first, then one insert."""
    rows = []
    for line in lines:
        require_scope(actor, "change", line.member.org_path)
        _paying_member(line.member)
        rows.append(_priced(line, actor=actor, source=source))
    with transaction.atomic():
        DuesBase.objects.bulk_create(rows, batch_size=2000)
        if rows:
            _bulk_event("dues_bases", actor=actor, detail={"rows": len(rows), "source": source})
    return len(rows)


def reprice(*, actor, from_month: date, within: Organization | None = None) -> int:
    """After a new standard takes effect: a new base row from `from_month` for every paying member
    whose base in force was priced under another standard (same category and base)."""
    month = month_start(from_month)
    members = Member.objects.filter(status=MemberStatus.NORMAL)
    if within is not None:
        require_scope(actor, "change", within.path)
        members = members.filter(org_path__startswith=within.path)
    lines = []
    for member in members.iterator(chunk_size=2000):
        current = base_in_force(member, month)
        if current is None:
            continue
        if (
            amount_for(current.category, current.base or 0, month).standard.name
            == current.standard_name
        ):
            continue
        lines.append(BaseLine(member, current.category, current.base or 0, month, "按新标准重算"))
    return set_bases(actor=actor, lines=lines, source=BaseSource.REPRICE)


# --- posting a month ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseResult:
    month: date
    posted: int  # rows written now
    already: int  # rows that were posted before (prepayments, an earlier close)
    missing_base: list[Member]  # paying members with no base for the month: nothing posted


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _post_sql(*, month: date, prefix: str, member_ids: list[int] | None) -> tuple[str, list]:
    """INSERT … SELECT of one month's rows: the base in force, less any approved relief."""
    member, base, relief, dm = (_t(m) for m in (Member, DuesBase, DuesRelief, DuesMonth))
    sql = f"""
        INSERT INTO {dm} (member_id, month, org_id, org_path, category, base, assessed, due, paid,
                          paid_on, method, recorded_by_id, relief_id, base_row_id, posted_at)
        SELECT m.id, %s, m.org_id, m.org_path, b.category, b.base, b.amount,
               CASE WHEN r.id IS NOT NULL AND r.amount < b.amount THEN r.amount ELSE b.amount END,
               0, NULL, '', NULL, r.id, b.id, %s
        FROM {member} m
        JOIN {base} b ON b.id = (
            SELECT b2.id FROM {base} b2
            WHERE b2.member_id = m.id AND b2.from_month <= %s
            ORDER BY b2.from_month DESC, b2.id DESC LIMIT 1)
        LEFT JOIN {relief} r ON r.id = (
            SELECT r2.id FROM {relief} r2
            WHERE r2.member_id = m.id AND r2.state = %s AND r2.from_month <= %s AND r2.to_month >= %s
            ORDER BY r2.id DESC LIMIT 1)
        WHERE m.status = %s AND m.joined_on <= %s AND m.org_path LIKE %s
          AND NOT EXISTS (SELECT 1 FROM {dm} d WHERE d.member_id = m.id AND d.month = %s)
    """
    params = [
        month,
        timezone.now(),
        month,
        ReliefState.APPROVED,
        month,
        month,
        MemberStatus.NORMAL,
        month_end(month),
        prefix + "%",
        month,
    ]
    if member_ids is not None:
        sql += f" AND m.id IN ({', '.join(['%s'] * len(member_ids))})"
        params.extend(member_ids)
    return sql, params


def _post(*, month: date, prefix: str = "", member_ids: list[int] | None = None) -> int:
    sql, params = _post_sql(month=month, prefix=prefix, member_ids=member_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def check_closable(month: date) -> None:
    """Only the current month and earlier ones are posted for everybody."""
    if month_start(month) > month_start(_today()):
        raise ValidationError(f"{month_label(month)}还没有到，不能提前结算；预交党费请逐人登记。")


def close_month(*, actor, month: date, within: Organization | None = None) -> CloseResult:
    """Post one month for every paying member of a subtree (the whole tree when `within` is None
    and the caller is the system). Idempotent: members already posted are left as they are."""
    month = month_start(month)
    if within is None and actor is not None:
        raise ValidationError("请选择要结算的党组织。")
    prefix = within.path if within is not None else ""
    if within is not None:
        require_scope(actor, "add", prefix)
    check_closable(month)
    paying = Member.objects.filter(
        status=MemberStatus.NORMAL, joined_on__lte=month_end(month), org_path__startswith=prefix
    )
    with transaction.atomic():
        before = DuesMonth.objects.filter(month=month, org_path__startswith=prefix).count()
        posted = _post(month=month, prefix=prefix)
        refresh_org_months(month=month, prefix=prefix)
        missing = list(
            paying.exclude(pk__in=DuesMonth.objects.filter(month=month).values("member_id"))
            .select_related("org")
            .order_by("org_path", "stroke_key")[:500]
        )
        _bulk_event(
            "dues_close",
            actor=actor,
            obj=within,
            org_path=prefix,
            detail={"month": month.isoformat(), "posted": posted, "missing_base": len(missing)},
        )
    return CloseResult(month, posted, before, missing)


def refresh_org_months(
    *, month: date, prefix: str = "", org_ids: Iterable[int] | None = None
) -> None:
    """Rebuild the per-organisation sums of one month, for a subtree or for some organisations."""
    om, dm, org = _t(DuesOrgMonth), _t(DuesMonth), _t(Organization)
    cond, params = "month = %s AND org_path LIKE %s", [month, prefix + "%"]
    if org_ids is not None:
        ids = sorted(set(org_ids))
        if not ids:
            return
        cond += f" AND org_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    d_cond = " AND ".join(f"d.{part}" for part in cond.split(" AND "))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {om} WHERE {cond}", params)
        cursor.execute(
            f"""
            INSERT INTO {om} (org_id, org_path, month, members, due, paid, unpaid)
            SELECT d.org_id, o.path, d.month, COUNT(*), SUM(d.due), SUM(d.paid),
                   SUM(CASE WHEN d.paid < d.due THEN 1 ELSE 0 END)
            FROM {dm} d JOIN {org} o ON o.id = d.org_id
            WHERE {d_cond}
            GROUP BY d.org_id, o.path, d.month
            """,
            params,
        )


# --- the journal ----------------------------------------------------------------------------------


def _resync(pairs: Iterable[tuple[int, date]]) -> set[tuple[int, date]]:
    """Make each (member, month) row's due/paid/paid_on/method equal to its journal.
    Returns the (org, month) pairs whose sums must be rebuilt."""
    touched: set[tuple[int, date]] = set()
    for member_id, month in set(pairs):
        row = DuesMonth.objects.select_for_update().get(member_id=member_id, month=month)
        entries = DuesEntry.objects.filter(member_id=member_id, month=month)
        adjust = money_sum(entries.filter(kind=EntryKind.DUE_ADJUST), "amount")
        paid = money_sum(entries.filter(kind=EntryKind.PAYMENT), "amount")
        last = (
            entries.filter(kind=EntryKind.PAYMENT, amount__gt=0, corrected_by__isnull=True)
            .order_by("-paid_on", "-id")
            .first()
        )
        row.due = row.assessed + adjust
        row.paid = paid
        row.paid_on = last.paid_on if last else None
        row.method = last.method if last else ""
        row.recorded_by = last.recorded_by if last else None
        row.save(update_fields=["due", "paid", "paid_on", "method", "recorded_by"])
        touched.add((row.org_id, month))
    return touched


def _refresh(touched: set[tuple[int, date]]) -> None:
    by_month: dict[date, set[int]] = {}
    for org_id, month in touched:
        by_month.setdefault(month, set()).add(org_id)
    for month, org_ids in by_month.items():
        refresh_org_months(month=month, org_ids=org_ids)


def _check_paid_on(paid_on: date | None) -> date:
    if paid_on is None:
        raise ValidationError("请填写交纳日期。")
    if paid_on > _today():
        raise ValidationError("交纳日期不能晚于今天。")
    return paid_on


def _check_month_window(month: date, paid_on: date, member: Member) -> None:
    """补交 at most N months back (RULES.md 1.11), 预交 at most N months ahead (a setting)."""
    rules = rules_on(DOMAIN, paid_on)
    current = month_start(paid_on)
    if month < month_start(member.joined_on):
        raise ValidationError(
            f"{member.name}{month_label(month)}还不是党员（预备党员自支部大会通过之日起交纳党费），不能登记该月党费。"
        )
    back = months_between(month, current) if month < current else 0
    if back > rules.catchup_months:
        raise ValidationError(
            f"{month_label(month)}的党费距交纳月份已{back}个月，超过“{rules.cite('catchup_months')}”，"
            "不能补交；连续6个月不交纳党费的，请支部按规定研究处理。"
        )
    ahead = months_between(current, month) if month > current else 0
    if ahead > rules.prepay_months:
        raise ValidationError(
            f"{month_label(month)}距交纳月份{ahead}个月，超过“{rules.cite('prepay_months')}”。"
        )


@dataclass(frozen=True)
class PaymentLine:
    month: date
    amount: object = None  # None: whatever is still owing for the month


def record_payment(
    *,
    actor,
    member: Member,
    lines: list[PaymentLine],
    paid_on: date,
    method: str = Method.CASH,
    note: str = "",
) -> list[DuesEntry]:
    """One member pays for one or more months: the current month, 补交 of arrears or 预交 ahead.
    Months not posted yet are posted for this member first, from the base in force."""
    require_scope(actor, "add", member.org_path)
    _paying_member(member)
    paid_on = _check_paid_on(paid_on)
    if method not in Method.values:
        raise ValidationError("请选择交纳方式。")
    if not lines:
        raise ValidationError("请选择交纳的月份。")
    months = [month_start(line.month) for line in lines]
    if len(set(months)) != len(months):
        raise ValidationError("同一月份只能填写一次。")
    for month in months:
        _check_month_window(month, paid_on, member)
    batch = uuid.uuid4().hex
    with transaction.atomic():
        for month in months:
            _post(month=month, member_ids=[member.pk])
        rows = {
            r.month: r
            for r in DuesMonth.objects.select_for_update().filter(member=member, month__in=months)
        }
        entries = []
        for line, month in zip(lines, months, strict=True):
            row = rows.get(month)
            if row is None:
                raise ValidationError(
                    f"{member.name}{month_label(month)}没有适用的党费基数，请先核定党费基数。"
                )
            owing = row.due - row.paid
            amount = (
                owing
                if line.amount in (None, "")
                else _money(line.amount, "交纳金额", allow_zero=False)
            )
            if amount <= 0:
                raise ValidationError(f"{member.name}{month_label(month)}的党费已交足。")
            if amount > owing:
                raise ValidationError(
                    f"{member.name}{month_label(month)}应交{owing}元，填写的{amount}元超出部分请按“自愿多交”登记。"
                )
            entries.append(
                DuesEntry(
                    member=member, month=month, org_id=row.org_id, org_path=row.org_path,
                    kind=EntryKind.PAYMENT, amount=amount, paid_on=paid_on, method=method,
                    note=note[:500], batch=batch, recorded_by=acting_user(actor),
                )
            )  # fmt: skip
        for entry in entries:
            entry.save()  # one by one: auditlog records each payment
        _refresh(_resync((member.pk, m) for m in months))
    return entries


@dataclass(frozen=True)
class BranchResult:
    month: date
    paid_in_full: int
    exceptions: int
    total: Decimal


def record_branch_month(
    *,
    actor,
    org: Organization,
    month: date,
    paid_on: date,
    method: str = Method.CASH,
    exceptions: dict[int, object] | None = None,
) -> BranchResult:
    """A whole branch pays one month "as due", except the listed members (member id → the amount
    they did pay; 0 or blank: not paid). Set-based for the members paying in full."""
    require_scope(actor, "add", org.path)
    paid_on = _check_paid_on(paid_on)
    month = month_start(month)
    if method not in Method.values:
        raise ValidationError("请选择交纳方式。")
    rules = rules_on(DOMAIN, paid_on)
    current = month_start(paid_on)
    if month > current:
        raise ValidationError("整支部登记只用于本月及以前的月份；预交请逐人登记。")
    if months_between(month, current) > rules.catchup_months:
        raise ValidationError(
            f"{month_label(month)}已超过“{rules.cite('catchup_months')}”，不能补交。"
        )
    exceptions = exceptions or {}
    batch = uuid.uuid4().hex
    dm, entry_t = _t(DuesMonth), _t(DuesEntry)
    with transaction.atomic():
        _post(month=month, prefix=org.path)
        rows = DuesMonth.objects.filter(org=org, month=month)
        known = set(rows.values_list("member_id", flat=True))
        stray = set(exceptions) - known
        if stray:
            raise ValidationError("例外名单中有不属于本支部该月台账的党员，请刷新页面后重试。")
        amounts = {mid: _money(a or 0, "交纳金额") for mid, a in exceptions.items()}
        skip = sorted(amounts)
        not_in = f" AND d.member_id NOT IN ({', '.join(['%s'] * len(skip))})" if skip else ""
        now = timezone.now()
        user = acting_user(actor)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {entry_t} (member_id, month, org_id, org_path, kind, amount, paid_on,
                    method, note, corrects_id, to_centre, batch, recorded_by_id, recorded_at)
                SELECT d.member_id, d.month, d.org_id, d.org_path, %s, d.due - d.paid, %s, %s, '',
                       NULL, %s, %s, %s, %s
                FROM {dm} d WHERE d.org_id = %s AND d.month = %s AND d.paid < d.due{not_in}
                """,
                [EntryKind.PAYMENT, paid_on, method, False, batch,
                 user.pk if user else None, now, org.pk, month, *skip],
            )  # fmt: skip
            full = cursor.rowcount
            cursor.execute(
                f"""
                UPDATE {dm} SET paid = due, paid_on = %s, method = %s, recorded_by_id = %s
                WHERE org_id = %s AND month = %s AND paid < due
                  AND member_id IN (SELECT member_id FROM {entry_t} WHERE batch = %s)
                """,
                [paid_on, method, user.pk if user else None, org.pk, month, batch],
            )
        total = money_sum(DuesEntry.objects.filter(batch=batch), "amount")
        partial = 0
        for member_id, amount in amounts.items():
            if amount > 0:
                record_payment(
                    actor=actor,
                    member=Member.objects.get(pk=member_id),
                    lines=[PaymentLine(month, amount)],
                    paid_on=paid_on,
                    method=method,
                )
                total += amount
                partial += 1
        refresh_org_months(month=month, org_ids=[org.pk])
        _bulk_event(
            "dues_branch_payment",
            actor=actor,
            obj=org,
            org_path=org.path,
            detail={
                "month": month.isoformat(),
                "full": full,
                "exceptions": len(amounts),
                "total": str(total),
            },
        )
    return BranchResult(month, full, len(amounts), total)


def record_voluntary(
    *, actor, member: Member, amount, paid_on: date, method: str = Method.CASH, note: str = ""
) -> DuesEntry:
    """自愿多交 (RULES.md 1.10): no limit; one payment at or above the threshold is flagged to go
    wholly to the Centre through the 基层党委."""
    require_scope(actor, "add", member.org_path)
    _paying_member(member)
    paid_on = _check_paid_on(paid_on)
    amount = _money(amount, "自愿多交金额", allow_zero=False)
    threshold = rules_on(DOMAIN, paid_on).voluntary_centre_threshold
    with transaction.atomic():
        return DuesEntry.objects.create(
            member=member, month=month_start(paid_on), org_id=member.org_id,
            org_path=member.org_path, kind=EntryKind.VOLUNTARY, amount=amount, paid_on=paid_on,
            method=method, note=note[:500], to_centre=amount >= threshold,
            recorded_by=acting_user(actor),
        )  # fmt: skip


def correct_entry(
    *,
    actor,
    entry: DuesEntry,
    reason: str,
    amount=None,
    paid_on: date | None = None,
    method: str | None = None,
) -> tuple[DuesEntry, DuesEntry | None]:
    """A mistaken entry is reversed by a new entry naming it; with `amount`, the right entry follows."""
    require_scope(actor, "change", entry.org_path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写更正原因。")
    if entry.corrects_id is not None:
        raise ValidationError("这是一条更正记录，不能再更正；如有错误请更正原记录的替代记录。")
    if DuesEntry.objects.filter(corrects=entry).exists():
        raise ValidationError("该记录已经更正过。")
    new_amount = None
    if amount not in (None, ""):
        new_amount = _money(amount, "更正后的金额", allow_zero=False)
    with transaction.atomic():
        reversal = DuesEntry.objects.create(
            member_id=entry.member_id, month=entry.month, org_id=entry.org_id,
            org_path=entry.org_path, kind=entry.kind, amount=-entry.amount, paid_on=entry.paid_on,
            method=entry.method, note=f"更正：{reason}"[:500], corrects=entry,
            recorded_by=acting_user(actor),
        )  # fmt: skip
        replacement = None
        if new_amount is not None:
            day = (
                _check_paid_on(paid_on or entry.paid_on)
                if entry.kind != EntryKind.DUE_ADJUST
                else None
            )
            replacement = DuesEntry.objects.create(
                member_id=entry.member_id, month=entry.month, org_id=entry.org_id,
                org_path=entry.org_path, kind=entry.kind,
                amount=new_amount if entry.kind != EntryKind.DUE_ADJUST else new_amount,
                paid_on=day, method=method or entry.method, note=f"更正后：{reason}"[:500],
                to_centre=entry.to_centre, recorded_by=acting_user(actor),
            )  # fmt: skip
        if entry.kind == EntryKind.VOLUNTARY:
            return reversal, replacement
        touched = _resync([(entry.member_id, entry.month)])
        row = DuesMonth.objects.get(member_id=entry.member_id, month=entry.month)
        if row.paid < 0:
            raise ValidationError("更正后实交金额将小于0，请核对。")
        _refresh(touched)
    return reversal, replacement


def adjust_due(*, actor, row: DuesMonth, due, reason: str) -> DuesEntry:
    """Change what a posted month asks for (a base recorded late, an approved relief): an entry
    for the difference, so the posted amount and every change stay visible."""
    require_scope(actor, "change", row.org_path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写更正原因。")
    due = _money(due, "应交金额")
    with transaction.atomic():
        row = DuesMonth.objects.select_for_update().get(pk=row.pk)
        delta = due - row.due
        if delta == 0:
            raise ValidationError("应交金额没有变化。")
        entry = DuesEntry.objects.create(
            member_id=row.member_id, month=row.month, org_id=row.org_id, org_path=row.org_path,
            kind=EntryKind.DUE_ADJUST, amount=delta, note=reason[:500], recorded_by=acting_user(actor),
        )  # fmt: skip
        _refresh(_resync([(row.member_id, row.month)]))
    return entry


# --- hardship relief (RULES.md 1.7) ---------------------------------------------------------------


def request_relief(
    *, actor, member: Member, from_month: date, to_month: date, amount, reason: str
) -> DuesRelief:
    require_scope(actor, "add", member.org_path)
    _paying_member(member)
    start, end = month_start(from_month), month_start(to_month)
    if end < start:
        raise ValidationError("截止月份不能早于起始月份。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写困难情况和支部研究意见。")
    amount = _money(amount if amount not in (None, "") else 0, "每月交纳金额")
    current = base_in_force(member, start)
    if current is not None and amount >= current.amount:
        raise ValidationError(f"减免后的金额应少于按标准应交的{current.amount}元。")
    if DuesRelief.objects.filter(member=member, state=ReliefState.PENDING).exists():
        raise ValidationError(f"{member.name}已有一份待审批的减免申请。")
    with transaction.atomic():
        return DuesRelief.objects.create(
            member=member, org_id=member.org_id, org_path=member.org_path, from_month=start,
            to_month=end, amount=amount, reason=reason, requested_by=acting_user(actor),
        )  # fmt: skip


def decide_relief(*, actor, relief: DuesRelief, approve: bool, note: str = "") -> DuesRelief:
    """The 上一级党委 decides (RULES.md 1.7): the approver must hold "approve" above the branch."""
    parent = Organization.objects.get_parent(relief.org)
    if parent is None or not path_in_scope(actor, "approve", DUES, parent.path):
        if path_in_scope(actor, "view", DUES, relief.org_path):
            raise ValidationError("党费减免须经上一级党委批准，本级不能审批。")
        raise Http404
    if relief.requested_by_id is not None and relief.requested_by_id == getattr(actor, "pk", None):
        raise ValidationError("申请人不能审批自己提出的申请。")
    with transaction.atomic():
        relief = DuesRelief.objects.select_for_update().get(pk=relief.pk)
        if relief.state != ReliefState.PENDING:
            raise ValidationError("该申请已经审批过。")
        relief.state = ReliefState.APPROVED if approve else ReliefState.REJECTED
        relief.decided_by, relief.decided_at = acting_user(actor), timezone.now()
        relief.decision_note = (note or "").strip()[:500]
        relief.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        if approve:
            _apply_relief(relief)
    return relief


def _apply_relief(relief: DuesRelief) -> None:
    """Months already posted inside the period now ask for the relief amount."""
    touched: set[tuple[int, date]] = set()
    rows = DuesMonth.objects.filter(
        member_id=relief.member_id,
        month__gte=relief.from_month,
        month__lte=relief.to_month,
        due__gt=relief.amount,
    )
    for row in rows:
        DuesEntry.objects.create(
            member_id=row.member_id, month=row.month, org_id=row.org_id, org_path=row.org_path,
            kind=EntryKind.DUE_ADJUST, amount=relief.amount - row.due,
            note=f"困难党员减免（已批准，第{relief.pk}号申请）", recorded_by=relief.decided_by,
        )  # fmt: skip
        DuesMonth.objects.filter(pk=row.pk).update(relief=relief)
        touched |= _resync([(row.member_id, row.month)])
    _refresh(touched)
