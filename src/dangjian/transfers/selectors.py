"""Reads on transfers and floating records, always through restrict()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q, QuerySet

from dangjian.core.calendar import add_months
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.transfers.models import (
    OPEN_STATES,
    FloatingDirection,
    FloatingRecord,
    FloatingStatus,
    Transfer,
    TransferState,
)
from dangjian.transfers.rules import DOMAIN

# The list's computed buckets (besides the stored states).
EXPIRED = (
    "expired"  # stored 过期, and issued letters past their validity (before expire_letters runs)
)
RECEIPT_DUE_SOON = "receipt_due_soon"
RECEIPT_OVERDUE = "receipt_overdue"
OPEN = "open"


def transfers_for(user, action: str = "view", *, within: str | None = None) -> QuerySet[Transfer]:
    qs = restrict(user, action, Transfer.objects.all(), within=within)
    return hide_others_drafts(user, qs).select_related("from_org", "to_org", "member")


def hide_others_drafts(user, qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """A draft is the sending side's working copy: the receiving branch sees the transfer once
    the letter is issued. (restrict() already decided the user may see either end.)"""
    from dangjian.accounts.roles import TRANSFER
    from dangjian.core.scope import scope_paths

    sender = Q(pk__in=[])
    for root in scope_paths(user, "view", TRANSFER):
        sender |= Q(from_path__startswith=root)
    return qs.exclude(Q(state=TransferState.DRAFT) & ~sender)


def expired_q(today: date) -> Q:
    return Q(state=TransferState.EXPIRED) | Q(state=TransferState.ISSUED, valid_until__lt=today)


def receipt_window(today: date) -> tuple[date, date]:
    rules = rules_on(DOMAIN, today)
    return today, today + timedelta(days=rules.receipt_warning_days)


def bucket(qs: QuerySet[Transfer], name: str, today: date) -> QuerySet[Transfer]:
    """One of the home page's groups; every count on the page is the size of one of these."""
    if name == EXPIRED:
        return qs.filter(expired_q(today))
    if name == OPEN:
        return qs.filter(state__in=OPEN_STATES).exclude(expired_q(today))
    if name == RECEIPT_OVERDUE:
        return qs.filter(state=TransferState.REPORTED, receipt_due__lt=today)
    if name == RECEIPT_DUE_SOON:
        start, end = receipt_window(today)
        return qs.filter(state=TransferState.REPORTED, receipt_due__gte=start, receipt_due__lte=end)
    if name == TransferState.ISSUED:
        return qs.filter(state=TransferState.ISSUED, valid_until__gte=today)
    if name in TransferState.values:
        return qs.filter(state=name)
    return qs


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    count: int


def state_groups(qs: QuerySet[Transfer], today: date) -> list[Group]:
    """Open transfers by state (an issued letter past its validity counts as 过期, not 已开具)."""
    out = []
    for state in (
        TransferState.DRAFT,
        TransferState.ISSUED,
        TransferState.REPORTED,
        TransferState.RECEIPT_RETURNED,
    ):
        out.append(Group(state.value, str(state.label), bucket(qs, state.value, today).count()))
    return out


def open_counts_by_child(user, root: Organization, today: date) -> list[tuple[Organization, int]]:
    """Open transfers touching each child's subtree (either end), for the 工委/党委 drill-down."""
    children = Organization.objects.filter(
        path__startswith=root.path, depth=root.depth + 1
    ).order_by("path")
    base = bucket(transfers_for(user), OPEN, today)
    rows = []
    for child in children:
        n = base.filter(
            Q(from_path__startswith=child.path) | Q(to_path__startswith=child.path)
        ).count()
        if n:
            rows.append((child, n))
    return rows


def floating_for(
    user, action: str = "view", *, within: str | None = None
) -> QuerySet[FloatingRecord]:
    return restrict(user, action, FloatingRecord.objects.all(), within=within).select_related(
        "org", "host_org", "member"
    )


def away_needing_transfer(user, today: date, *, within: str | None = None) -> list[FloatingRecord]:
    """外出 at least N months (RULES.md 3.1) and no open transfer: the relation should be transferred."""
    months = rules_on(DOMAIN, today).away_months_needing_transfer
    # A generous prefilter in the database, then the exact calendar test (31 Aug + 6 months = 28 Feb).
    cutoff = add_months(today, -months) + timedelta(days=3)
    candidates = (
        floating_for(user, within=within)
        .filter(
            direction=FloatingDirection.OUT, status=FloatingStatus.ACTIVE, started_on__lte=cutoff
        )
        .exclude(member__transfers__state__in=OPEN_STATES)
        .order_by("started_on", "id")
    )
    return [r for r in candidates if add_months(r.started_on, months) <= today]


def report_overdue(user, today: date, *, within: str | None = None) -> list[FloatingRecord]:
    """外出 members with no report to the home branch within the last N months (RULES.md 3.7).

    The clock runs from the latest report, or from the day they left if they have not reported yet;
    a report is due on the same day N months later, overdue from the next day.
    """
    months = rules_on(DOMAIN, today).floating_report_months
    cutoff = add_months(today, -months) + timedelta(days=3)
    rows = (
        floating_for(user, within=within)
        .filter(direction=FloatingDirection.OUT, status=FloatingStatus.ACTIVE)
        .annotate(last_report=Max("reports__reported_on"))
        .filter(Q(last_report__lte=cutoff) | Q(last_report__isnull=True, started_on__lte=cutoff))
        .order_by("started_on", "id")
    )
    out = []
    for r in rows:
        last = max(r.started_on, r.last_report) if r.last_report else r.started_on
        if add_months(last, months) < today:
            r.report_due = add_months(last, months)
            out.append(r)
    return out


def inflow_guests(user, *, within: str | None = None) -> QuerySet[FloatingRecord]:
    """Guests active in the user's branches: 流入 records there, and members of other branches of our
    tree hosted there (a home branch does not count its own members hosted elsewhere as guests)."""
    from dangjian.accounts.roles import TRANSFER
    from dangjian.core.scope import narrow_paths, scope_paths

    roots = narrow_paths(scope_paths(user, "view", TRANSFER), within)
    hosted = Q(pk__in=[])
    for root in roots:
        hosted |= Q(host_path__startswith=root)
    qs = floating_for(user, within=within).filter(status=FloatingStatus.ACTIVE)
    return qs.filter(
        Q(direction=FloatingDirection.IN)
        | (Q(direction=FloatingDirection.OUT, host_org__isnull=False) & hosted)
    ).order_by("org_path", "started_on")


def holds_vote_at(member: Member, org: Organization) -> bool:
    """Whether `member` has 表决权/选举权/被选举权 in `org`'s meetings and elections.

    Only in the branch that holds their formal organisational relation (RULES.md 3.6: a 流动党员活动证
    holder takes part in the host's 组织生活 without vote or election rights); a member in transit
    votes where the relation still is (it moves only at 报到). A 预备党员 has no vote anywhere (党章
    第七条); a member not in good standing has none either.
    """
    if member is None or org is None:
        return False
    member = Member.objects.only("org_id", "status", "category").get(pk=member.pk)
    return (
        member.org_id == org.pk
        and member.status == MemberStatus.NORMAL
        and member.category == MemberCategory.FULL
    )


@dataclass(frozen=True)
class NextAction:
    key: str  # the url's action name
    label: str
    primary: bool = True
    needs_reason: bool = False
    date_label: str = "日期"
    needs_reported_on: bool = False


def _may(user, action: str, path: str) -> bool:
    from dangjian.accounts.roles import TRANSFER
    from dangjian.core.scope import path_in_scope

    return bool(path) and path_in_scope(user, action, TRANSFER, path)


def next_actions(user, transfer: Transfer, today: date) -> list[NextAction]:
    """What this user can do next with this transfer: one main step, plus 退回/撤销 where they apply.

    The services check the same conditions again; this only decides which buttons to show.
    """
    from dangjian.transfers.models import TransferKind

    kind, state = transfer.kind, transfer.state
    sender_action = "relay" if kind == TransferKind.OUT else "change"
    sender = _may(user, sender_action, transfer.from_path)
    receiver = _may(user, "receive", transfer.to_path)
    relay_in = kind == TransferKind.IN and _may(user, "relay", transfer.to_path)
    out: list[NextAction] = []
    if transfer.is_expired_on(today):
        if (
            kind != TransferKind.IN
            and _may(user, "add", transfer.from_path)
            and not transfer.member.transfers.filter(state__in=OPEN_STATES)
            .exclude(pk=transfer.pk)
            .exists()
        ):
            out.append(NextAction("reissue", "重新开具介绍信"))
        return out
    if state == TransferState.DRAFT:
        if sender:
            out.append(NextAction("issue", "开具介绍信", date_label="开具日期"))
        if _may(user, "change", transfer.from_path):
            out.append(
                NextAction(
                    "cancel", "撤销", primary=False, needs_reason=True, date_label="撤销日期"
                )
            )
    elif state == TransferState.ISSUED:
        if kind == TransferKind.OUT:
            if sender:
                out.append(
                    NextAction(
                        "receipt", "回执已返回", date_label="回执返回日期", needs_reported_on=True
                    )
                )
                out.append(
                    NextAction(
                        "return",
                        "对方退回",
                        primary=False,
                        needs_reason=True,
                        date_label="退回日期",
                    )
                )
                out.append(
                    NextAction(
                        "cancel", "撤销", primary=False, needs_reason=True, date_label="撤销日期"
                    )
                )
        else:
            if receiver:
                out.append(NextAction("report", "确认报到", date_label="报到日期"))
                out.append(
                    NextAction(
                        "return", "退回", primary=False, needs_reason=True, date_label="退回日期"
                    )
                )
            if (kind == TransferKind.WITHIN and sender) or relay_in:
                out.append(
                    NextAction(
                        "cancel", "撤销", primary=False, needs_reason=True, date_label="撤销日期"
                    )
                )
    elif state == TransferState.REPORTED:
        may_receipt = {
            TransferKind.WITHIN: sender or receiver,
            TransferKind.OUT: sender,
            TransferKind.IN: relay_in,
        }[kind]
        if may_receipt:
            out.append(NextAction("receipt", "回执已返回", date_label="回执返回日期"))
    elif state == TransferState.RECEIPT_RETURNED:
        if (kind != TransferKind.IN and sender) or relay_in:
            out.append(NextAction("complete", "完成", date_label="办结日期"))
    return out


def waiting_for(transfer: Transfer, today: date) -> str:
    """Who the transfer is waiting for, in words, for users who have no button to press."""
    from dangjian.transfers.models import TransferKind

    if transfer.is_expired_on(today):
        if transfer.reissues.exists():
            return "介绍信已过期，已重新开具（见下方链接）。"
        return "介绍信已过期，可由转出方重新开具。"
    kind, state = transfer.kind, transfer.state
    if state == TransferState.DRAFT:
        return "等待转出方开具介绍信" + (
            "（转出系统外，由工委代为开具）。" if kind == TransferKind.OUT else "。"
        )
    if state == TransferState.ISSUED:
        if kind == TransferKind.OUT:
            return "等待对方党组织寄回回执（由工委登记）。"
        return f"等待{transfer.to_label}确认报到（有效期至{transfer.valid_until.year}年{transfer.valid_until.month}月{transfer.valid_until.day}日）。"
    if state == TransferState.REPORTED:
        due = transfer.receipt_due
        return f"已报到，回执应于{due.year}年{due.month}月{due.day}日前返回。"
    if state == TransferState.RECEIPT_RETURNED:
        return "回执已返回，等待办结。"
    return ""
