"""Writes for 联建共创, 挂点联系 and 党建指导员.

Every function is one transaction, takes the acting user first (keyword-only), re-checks scope (an
organisation or record outside it is 404) and raises a Chinese ValidationError — by field where it
can — before anything is written. Records are never deleted: a pairing is ended, an activity is
corrected with a reason (the audit log keeps the before/after).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangjian.accounts.roles import OUTREACH
from dangjian.core.scope import get_scoped_or_404, path_in_scope
from dangjian.development.services import check_upload
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, Post
from dangjian.outreach.models import (
    DISPATCH_KINDS,
    SECTOR_KIND,
    TWO_NEW_KINDS,
    Activity,
    ActivityCorrection,
    ActivityPhoto,
    Category,
    Contact,
    Dispatch,
    DispatchRole,
    Liaison,
    Pairing,
    PairingTask,
    Partner,
    PartnerKind,
    Revision,
    RevisionKind,
)

MAX_COUNT = 100_000
MAX_FUNDS = Decimal("1000000000")


class Errors:
    """Collects messages by field; raises them all at once."""

    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.items.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def _check_scope(actor, action: str, org: Organization) -> None:
    if not path_in_scope(actor, action, OUTREACH, org.path):
        raise Http404


def roster(org: Organization):
    """Members in good standing anywhere in the organisation's subtree (who may go down 下基层)."""
    return Member.objects.filter(
        org_path__startswith=org.path, status=MemberStatus.NORMAL
    ).order_by("stroke_key", "id")


def usable_partners(org: Organization):
    """Outside organisations registered at `org` or above it: a registry serves its subtree."""
    prefixes = [org.path[:i] for i in range(len(org.path), 0, -Organization.steplen)]
    return Partner.objects.filter(org_path__in=prefixes)


def _text(value) -> str:
    return (value or "").strip()


def _day(errors: Errors, field: str, value, label: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("请填写%(label)s。") % {"label": label})
        return None
    if not isinstance(value, date):
        errors.add(field, _("%(label)s不是有效的日期。") % {"label": label})
        return None
    if value > timezone.localdate():
        errors.add(field, _("%(label)s不能晚于今天。") % {"label": label})
    return value


def _count(errors: Errors, field: str, value, label: str) -> int:
    if value in (None, ""):
        return 0
    try:
        n = int(value)
        if n != value and str(n) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        errors.add(field, _("%(label)s应填写整数。") % {"label": label})
        return 0
    if n < 0:
        errors.add(field, _("%(label)s不能是负数。") % {"label": label})
    elif n > MAX_COUNT:
        errors.add(
            field, _("%(label)s超过了%(max)s，请核对。") % {"label": label, "max": MAX_COUNT}
        )
    return n


def _money(errors: Errors, value) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.add("funds_raised", _("筹措项目资金应填写金额（元），如“5000”或“1234.50”。"))
        return Decimal("0")
    if not amount.is_finite():
        errors.add("funds_raised", _("筹措项目资金应填写金额（元），如“5000”或“1234.50”。"))
        return Decimal("0")
    if amount < 0:
        errors.add("funds_raised", _("筹措项目资金不能是负数。"))
    elif amount >= MAX_FUNDS:
        errors.add("funds_raised", _("筹措项目资金金额过大，请核对。"))
    elif amount != amount.quantize(Decimal("0.01")):
        errors.add("funds_raised", _("筹措项目资金最多精确到分（两位小数）。"))
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal("0")


def _roster_member(errors: Errors, field: str, member, org: Organization, label: str):
    if member is None:
        errors.add(field, _("请选择%(label)s。") % {"label": label})
        return None
    if not roster(org).filter(pk=getattr(member, "pk", member)).exists():
        errors.add(
            field,
            _("%(label)s应是%(org)s（含下级组织）党籍正常的党员。")
            % {"label": label, "org": org.name},
        )
        return None
    return member


# ------------------------------------------------------------------ registry of outside organisations


@transaction.atomic
def register_partner(
    *,
    actor,
    org: Organization,
    name: str,
    kind: str,
    place: str = "",
    contact_person: str = "",
    note: str = "",
) -> Partner:
    """Add an outside organisation (village, community, enterprise, 两新组织 …) to org's registry."""
    _check_scope(actor, "add", org)
    errors = Errors()
    name = _text(name)
    if not name:
        errors.add("name", _("请填写单位名称。"))
    if kind not in PartnerKind.values:
        errors.add("kind", _("请选择单位类型。"))
    if name and usable_partners(org).filter(name=name).exists():
        errors.add("name", _("“%(name)s”已经登记过，可以直接选用。") % {"name": name})
    errors.raise_if_any()
    return Partner.objects.create(
        org=org,
        org_path=org.path,
        name=name[:200],
        kind=kind,
        place=_text(place)[:200],
        contact_person=_text(contact_person)[:50],
        note=_text(note)[:500],
        recorded_by=actor,
    )


# ------------------------------------------------------------------ pairings


def _attach_file(errors: Errors, upload, field: str) -> None:
    if upload is None:
        return
    try:
        check_upload(upload, field=field)
    except ValidationError as exc:
        for msg in exc.message_dict.get(field, exc.messages):
            errors.add(field, msg)


@transaction.atomic
def create_pairing(
    *,
    actor,
    org: Organization,
    started_on: date,
    leader: Member | None,
    coordinator: Member | None,
    partner: Partner | None = None,
    partner_org: Organization | None = None,
    agreement_text: str = "",
    agreement=None,
) -> Pairing:
    """Pair an agency organisation with a partner (an outside organisation or one in our tree)."""
    _check_scope(actor, "add", org)
    errors = Errors()
    if (partner is None) == (partner_org is None):
        errors.add("partner", _("请选择一个联建单位：登记的外部单位或组织树中的党组织，二者选一。"))
    kind = PartnerKind.OTHER
    if partner is not None:
        if not usable_partners(org).filter(pk=partner.pk).exists():
            errors.add("partner", _("这个联建单位不在本组织可选用的名录中。"))
        else:
            kind = partner.kind
    if partner_org is not None:
        if partner_org.path.startswith(org.path) or org.path.startswith(partner_org.path):
            errors.add(
                "partner_org",
                _("联建党组织不能是本组织、本组织的上级或下级，请选择基层的村、社区或企业党组织。"),
            )
        kind = SECTOR_KIND.get(partner_org.sector, PartnerKind.OTHER)
    started_on = _day(errors, "started_on", started_on, _("结对日期"))
    _roster_member(errors, "leader", leader, org, _("分管领导"))
    _roster_member(errors, "coordinator", coordinator, org, _("具体协调人"))
    _attach_file(errors, agreement, "agreement")
    if not errors.items:
        same = Pairing.objects.filter(org=org, ended_on__isnull=True)
        same = same.filter(partner=partner) if partner else same.filter(partner_org=partner_org)
        if same.exists():
            errors.add("partner", _("本组织与这个单位已有正在进行的结对，不必重复登记。"))
    errors.raise_if_any()
    pairing = Pairing(
        org=org,
        org_path=org.path,
        partner=partner,
        partner_org=partner_org,
        partner_kind=kind,
        started_on=started_on,
        leader=leader,
        coordinator=coordinator,
        agreement_text=_text(agreement_text),
        recorded_by=actor,
    )
    if agreement is not None:
        pairing.agreement_name = PurePath(agreement.name).name[:200]
        pairing.agreement_size = agreement.size
        pairing.agreement.save(pairing.agreement_name, agreement, save=False)
    pairing.save()
    return pairing


def _d(day: date) -> str:
    """A date in the reader's language: 2025年3月5日, or Mar. 5, 2025 in English."""
    return date_format(day, "DATE_FORMAT")


def _raw(value) -> str:
    """How a value is kept in a Revision: dates ISO, records by name, codes as codes."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "_meta"):
        return str(getattr(value, "name", value))
    return str(value)


def _revise(actor, obj, *, kind: str, reason: str, before: dict, org_path: str) -> Revision:
    """Keep why `obj` changed and each field's before/after (the audit log has its own entry)."""
    changes = [[f, _raw(old), _raw(getattr(obj, f))] for f, old in before.items()]
    changes = [c for c in changes if c[1] != c[2]]
    return Revision.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        org_path=org_path,
        kind=kind,
        reason=reason[:300],
        changes=changes,
        made_by=actor,
    )


def _reason(errors: Errors, reason, message: str) -> str:
    reason = _text(reason)
    if not reason:
        errors.add("reason", message)
    return reason


_UNSET = object()


@transaction.atomic
def edit_partner(
    *,
    actor,
    partner: Partner,
    reason: str,
    name=_UNSET,
    kind=_UNSET,
    place=_UNSET,
    contact_person=_UNSET,
    note=_UNSET,
) -> Partner:
    """Correct an outside organisation's details. A new type is carried to its pairings' counts."""
    partner = get_scoped_or_404(
        actor, "change", Partner.objects.select_for_update().select_related("org"), pk=partner.pk
    )
    errors = Errors()
    reason = _reason(errors, reason, _("请填写更正原因。"))
    new = {
        "name": partner.name if name is _UNSET else _text(name)[:200],
        "kind": partner.kind if kind is _UNSET else kind,
        "place": partner.place if place is _UNSET else _text(place)[:200],
        "contact_person": partner.contact_person
        if contact_person is _UNSET
        else _text(contact_person)[:50],
        "note": partner.note if note is _UNSET else _text(note)[:500],
    }
    if not new["name"]:
        errors.add("name", _("请填写单位名称。"))
    elif (
        usable_partners(partner.org).filter(name=new["name"]).exclude(pk=partner.pk).exists()
        or Partner.objects.filter(org_path__startswith=partner.org_path, name=new["name"])
        .exclude(pk=partner.pk)
        .exists()
    ):
        errors.add("name", _("“%(name)s”已经登记过，不能重名。") % {"name": new["name"]})
    if new["kind"] not in PartnerKind.values:
        errors.add("kind", _("请选择单位类型。"))
    elif new["kind"] != partner.kind:
        if new["kind"] not in TWO_NEW_KINDS and partner.liaisons.exists():
            errors.add(
                "kind",
                _("这个单位有挂点联系记录，挂点联系的对象应是两新组织，类型不能改为“%(kind)s”。")
                % {"kind": PartnerKind(new["kind"]).label},
            )
        if new["kind"] not in DISPATCH_KINDS and partner.dispatches.exists():
            errors.add(
                "kind",
                _(
                    "这个单位有党建助理或党建指导员派驻记录，类型应是企业或社区，不能改为“%(kind)s”。"
                )
                % {"kind": PartnerKind(new["kind"]).label},
            )
    before = {f: getattr(partner, f) for f in new}
    if not errors.items and before == new:
        errors.add("reason", _("没有需要更正的内容。"))
    errors.raise_if_any()
    for f, v in new.items():
        setattr(partner, f, v)
    partner.save()
    if before["kind"] != new["kind"]:
        for pairing in partner.pairings.select_for_update():
            pairing.partner_kind = new["kind"]
            pairing.save(update_fields=["partner_kind"])
    _revise(
        actor, partner, kind=RevisionKind.EDIT, reason=reason, before=before,
        org_path=partner.org_path,
    )  # fmt: skip
    return partner


@transaction.atomic
def edit_pairing(
    *,
    actor,
    pairing: Pairing,
    reason: str,
    started_on=_UNSET,
    leader=_UNSET,
    coordinator=_UNSET,
    agreement_text=_UNSET,
    agreement=None,
    ended_on=_UNSET,
    end_reason=_UNSET,
) -> Pairing:
    """Correct a pairing's details (dates within their rules, leader, coordinator, agreement).

    The partner itself is not changed here: a pairing with another unit is a new pairing.
    A new agreement file replaces the one shown; the earlier file name stays in the history.
    """
    pairing = get_scoped_or_404(
        actor,
        "change",
        Pairing.objects.select_for_update().select_related("org"),
        pk=pairing.pk,
    )
    org = pairing.org
    errors = Errors()
    reason = _reason(errors, reason, _("请填写更正原因。"))
    before = {
        "started_on": pairing.started_on,
        "ended_on": pairing.ended_on,
        "end_reason": pairing.end_reason,
        "leader": pairing.leader,
        "coordinator": pairing.coordinator,
        "agreement_text": pairing.agreement_text,
        "agreement_name": pairing.agreement_name,
    }
    new_start = pairing.started_on if started_on is _UNSET else started_on
    new_start = _day(errors, "started_on", new_start, _("结对日期"))
    new_end = pairing.ended_on
    if ended_on is not _UNSET and ended_on != pairing.ended_on:
        if pairing.ended_on is None:
            errors.add("ended_on", _("结对还在进行中；要结束结对，请用“结束结对”。"))
        else:
            new_end = _day(errors, "ended_on", ended_on, _("结束日期"))
    new_end_reason = pairing.end_reason
    if end_reason is not _UNSET and pairing.ended_on is not None:
        new_end_reason = _text(end_reason)[:300]
        if not new_end_reason:
            errors.add("end_reason", _("请填写结束原因。"))
    acts = pairing.activities.order_by("held_on").values_list("held_on", flat=True)
    first, last = (
        acts.first(),
        pairing.activities.order_by("-held_on").values_list("held_on", flat=True).first(),
    )
    if new_start and first and new_start > first:
        errors.add(
            "started_on",
            _("结对日期不能晚于第一次活动（%(day)s）。") % {"day": _d(first)},
        )
    first_year = (
        pairing.tasks.filter(withdrawn_at__isnull=True)
        .order_by("year")
        .values_list("year", flat=True)
        .first()
    )
    if new_start and first_year and new_start.year > first_year:
        errors.add(
            "started_on",
            _("已有%(year)s年度的任务，结对日期不能晚于%(year)s年。") % {"year": first_year},
        )
    if new_start and new_end and new_end < new_start:
        errors.add("ended_on", _("结束日期不能早于结对日期。"))
    if new_end and last and new_end < last:
        errors.add("ended_on", _("结束日期不能早于最后一次活动（%(day)s）。") % {"day": _d(last)})
    new_leader = pairing.leader if leader is _UNSET else leader
    new_coord = pairing.coordinator if coordinator is _UNSET else coordinator
    # Someone who has since moved on may stay as recorded; a new choice must be on the roster.
    if getattr(new_leader, "pk", None) != pairing.leader_id:
        _roster_member(errors, "leader", new_leader, org, _("分管领导"))
    if getattr(new_coord, "pk", None) != pairing.coordinator_id:
        _roster_member(errors, "coordinator", new_coord, org, _("具体协调人"))
    new_text = pairing.agreement_text if agreement_text is _UNSET else _text(agreement_text)
    _attach_file(errors, agreement, "agreement")
    after = {
        "started_on": new_start,
        "ended_on": new_end,
        "end_reason": new_end_reason,
        "leader": new_leader,
        "coordinator": new_coord,
        "agreement_text": new_text,
    }
    if not errors.items and agreement is None and all(before[k] == v for k, v in after.items()):
        errors.add("reason", _("没有需要更正的内容。"))
    errors.raise_if_any()
    for f, v in after.items():
        setattr(pairing, f, v)
    if agreement is not None:
        pairing.agreement_name = PurePath(agreement.name).name[:200]
        pairing.agreement_size = agreement.size
        pairing.agreement.save(pairing.agreement_name, agreement, save=False)
    pairing.save()
    _revise(
        actor, pairing, kind=RevisionKind.EDIT, reason=reason, before=before,
        org_path=pairing.org_path,
    )  # fmt: skip
    return pairing


@transaction.atomic
def end_pairing(*, actor, pairing: Pairing, ended_on: date, reason: str) -> Pairing:
    """End a pairing: it stays on record with its activities, and no new activity is added."""
    pairing = get_scoped_or_404(actor, "change", Pairing.objects.select_for_update(), pk=pairing.pk)
    errors = Errors()
    if pairing.ended_on is not None:
        errors.add("ended_on", _("这个结对已于%(day)s结束。") % {"day": _d(pairing.ended_on)})
        errors.raise_if_any()
    ended_on = _day(errors, "ended_on", ended_on, _("结束日期"))
    if ended_on and ended_on < pairing.started_on:
        errors.add("ended_on", _("结束日期不能早于结对日期。"))
    last = pairing.activities.order_by("-held_on").values_list("held_on", flat=True).first()
    if ended_on and last and ended_on < last:
        errors.add("ended_on", _("结束日期不能早于最后一次活动（%(day)s）。") % {"day": _d(last)})
    reason = _reason(errors, reason, _("请填写结束原因。"))
    errors.raise_if_any()
    before = {"ended_on": None, "end_reason": ""}
    pairing.ended_on, pairing.end_reason = ended_on, reason[:300]
    pairing.save(update_fields=["ended_on", "end_reason"])
    _revise(
        actor, pairing, kind=RevisionKind.END, reason=reason, before=before,
        org_path=pairing.org_path,
    )  # fmt: skip
    return pairing


@transaction.atomic
def add_task(*, actor, pairing: Pairing, year: int, category: str, title: str) -> PairingTask:
    """Add an item to the pairing's yearly task list, at any time of the year.

    It is done when an activity completes it (an activity held earlier in the year can be
    corrected to tick it).
    """
    pairing = get_scoped_or_404(actor, "change", Pairing.objects.all(), pk=pairing.pk)
    errors = Errors()
    if category not in Category.values:
        errors.add("category", _("请选择任务类别（四联四共）。"))
    title = _text(title)
    if not title:
        errors.add("title", _("请填写任务内容。"))
    try:
        year = int(year)
    except (TypeError, ValueError):
        errors.add("year", _("请选择年度。"))
        year = 0
    last_year = (pairing.ended_on or timezone.localdate()).year + (0 if pairing.ended_on else 1)
    if year and not pairing.started_on.year <= year <= last_year:
        errors.add(
            "year",
            _("年度应在结对期间内（%(first)s年至%(last)s年）。")
            % {"first": pairing.started_on.year, "last": last_year},
        )
    if (
        title
        and year
        and pairing.tasks.filter(year=year, title=title[:300], withdrawn_at__isnull=True).exists()
    ):
        errors.add("title", _("%(year)s年度已有这项任务，不必重复添加。") % {"year": year})
    errors.raise_if_any()
    return PairingTask.objects.create(
        pairing=pairing, year=year, category=category, title=title[:300], recorded_by=actor
    )


@transaction.atomic
def withdraw_task(*, actor, task: PairingTask, reason: str) -> PairingTask:
    """Withdraw a task entered by mistake: it stays listed as withdrawn and leaves the counts.

    Only while no activity completes it (correct that activity first).
    """
    task = get_scoped_or_404(
        actor, "change", PairingTask.objects.select_for_update().select_related("pairing"),
        pk=task.pk,
    )  # fmt: skip
    errors = Errors()
    if task.withdrawn_at is not None:
        errors.add("reason", _("这项任务已经撤回。"))
        errors.raise_if_any()
    done = task.done_by.order_by("held_on").first()
    if done is not None:
        errors.add(
            "reason",
            _(
                "这项任务已由%(day)s的活动完成，不能撤回。"
                "如果是那次活动勾错了任务，请先更正那次活动。"
            )
            % {"day": _d(done.held_on)},
        )
    reason = _reason(errors, reason, _("请填写撤回原因。"))
    errors.raise_if_any()
    before = {"withdrawn_at": None, "withdraw_reason": ""}
    task.withdrawn_at, task.withdraw_reason = timezone.now(), reason[:300]
    task.save(update_fields=["withdrawn_at", "withdraw_reason"])
    _revise(
        actor, task, kind=RevisionKind.WITHDRAW, reason=reason, before=before,
        org_path=task.pairing.org_path,
    )  # fmt: skip
    return task


# ------------------------------------------------------------------ activities


def _clean_activity(pairing: Pairing, data: dict, *, existing: Activity | None = None) -> dict:
    errors = Errors()
    held_on = _day(errors, "held_on", data.get("held_on"), _("活动日期"))
    if held_on and held_on < pairing.started_on:
        errors.add(
            "held_on", _("活动日期早于结对日期（%(day)s）。") % {"day": _d(pairing.started_on)}
        )
    if held_on and pairing.ended_on and held_on > pairing.ended_on:
        errors.add(
            "held_on",
            _("这个结对已于%(day)s结束，之后不能再登记活动。") % {"day": _d(pairing.ended_on)},
        )
    if data.get("category") not in Category.values:
        errors.add("category", _("请选择活动类别（四联四共）。"))
    summary = _text(data.get("summary"))
    if not summary:
        errors.add("summary", _("请填写活动内容：做了什么。"))
    counts = {
        "problems_solved": _count(
            errors, "problems_solved", data.get("problems_solved"), _("解决实际问题数")
        ),
        "services_delivered": _count(
            errors, "services_delivered", data.get("services_delivered"), _("提供便民服务数")
        ),
        "deeds_done": _count(errors, "deeds_done", data.get("deeds_done"), _("办实事好事数")),
    }
    funds = _money(errors, data.get("funds_raised"))

    ids: set[int] = set()
    for raw in data.get("participants") or ():
        try:
            ids.add(int(getattr(raw, "pk", raw)))
        except (TypeError, ValueError):
            errors.add("participants", _("参加党员的名单有误，请重新勾选。"))
    allowed = set(roster(pairing.org).filter(pk__in=ids).values_list("pk", flat=True))
    if existing is not None:
        # People recorded before may since have moved on; the record of who went stays.
        allowed |= set(existing.participants.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        errors.add(
            "participants",
            _("参加党员只能从%(org)s（含下级组织）党籍正常的党员中选择。")
            % {"org": pairing.org.name},
        )
    if not ids:
        errors.add("participants", _("请勾选参加活动的党员（下基层的人数按勾选的党员统计）。"))

    task_ids: set[int] = set()
    for raw in data.get("completes") or ():
        try:
            task_ids.add(int(getattr(raw, "pk", raw)))
        except (TypeError, ValueError):
            errors.add("completes", _("完成的任务有误，请重新选择。"))
    tasks = list(PairingTask.objects.filter(pk__in=task_ids, pairing=pairing))
    if len(tasks) != len(task_ids):
        errors.add("completes", _("只能勾选本结对的年度任务。"))
    kept = set()
    if existing is not None:
        kept = set(existing.completes.values_list("pk", flat=True))
    for t in tasks:
        if t.withdrawn_at is not None and t.pk not in kept:
            errors.add("completes", _("任务“%(title)s”已经撤回，不能再勾选。") % {"title": t.title})
        if held_on and t.year != held_on.year:
            errors.add(
                "completes",
                _("任务“%(title)s”是%(year)s年度的，不能由%(held)s年的活动完成。")
                % {"title": t.title, "year": t.year, "held": held_on.year},
            )
    errors.raise_if_any()
    return {
        "held_on": held_on,
        "category": data["category"],
        "summary": summary,
        "funds_raised": funds,
        **counts,
        "participants": sorted(ids),
        "completes": [t.pk for t in tasks],
    }


def _photos(errors: Errors, photos) -> list:
    photos = [p for p in (photos or []) if p is not None]
    for upload in photos:
        _attach_file(errors, upload, "photos")
    return photos


def _save_photos(actor, activity: Activity, photos) -> None:
    for upload in photos:
        doc = ActivityPhoto(
            activity=activity,
            original_name=PurePath(upload.name).name[:200],
            size=upload.size,
            uploaded_by=actor,
        )
        doc.file.save(doc.original_name, upload, save=False)
        doc.save()


@transaction.atomic
def record_activity(
    *,
    actor,
    pairing: Pairing,
    held_on: date,
    category: str,
    summary: str,
    participants: Iterable,
    problems_solved=0,
    services_delivered=0,
    funds_raised=0,
    deeds_done=0,
    completes: Iterable = (),
    photos: Iterable = (),
) -> Activity:
    """Record an activity that has taken place under a pairing, with the members who went."""
    pairing = get_scoped_or_404(actor, "view", Pairing.objects.select_related("org"), pk=pairing.pk)
    _check_scope(actor, "add", pairing.org)
    clean = _clean_activity(
        pairing,
        {
            "held_on": held_on,
            "category": category,
            "summary": summary,
            "participants": participants,
            "problems_solved": problems_solved,
            "services_delivered": services_delivered,
            "funds_raised": funds_raised,
            "deeds_done": deeds_done,
            "completes": completes,
        },
    )
    errors = Errors()
    photos = _photos(errors, photos)
    errors.raise_if_any()
    people, tasks = clean.pop("participants"), clean.pop("completes")
    activity = Activity.objects.create(
        pairing=pairing, org=pairing.org, org_path=pairing.org_path, recorded_by=actor, **clean
    )
    activity.participants.set(people)
    activity.completes.set(tasks)
    _save_photos(actor, activity, photos)
    return activity


CORRECTABLE = (
    "held_on",
    "category",
    "summary",
    "participants",
    "problems_solved",
    "services_delivered",
    "funds_raised",
    "deeds_done",
    "completes",
)


@transaction.atomic
def correct_activity(*, actor, activity: Activity, reason: str, photos=(), **changes) -> Activity:
    """Correct an activity: the given fields are replaced after the same checks as a new record.

    The reason is kept with the activity; the audit log keeps what each field said before.
    """
    activity = get_scoped_or_404(
        actor,
        "view",
        Activity.objects.select_for_update().select_related("pairing"),
        pk=activity.pk,
    )
    pairing = Pairing.objects.select_related("org").get(pk=activity.pairing_id)
    _check_scope(actor, "change", pairing.org)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationError(_("只能更正活动的日期、类别、内容、参加党员、成效数字和完成的任务。"))
    reason = _text(reason)
    errors = Errors()
    if not reason:
        errors.add("reason", _("请填写更正原因。"))
    photos = _photos(errors, photos)
    current = {
        f: getattr(activity, f) for f in CORRECTABLE if f not in ("participants", "completes")
    }
    current["participants"] = list(activity.participants.values_list("pk", flat=True))
    current["completes"] = list(activity.completes.values_list("pk", flat=True))
    data = current | changes
    try:
        clean = _clean_activity(pairing, data, existing=activity)
    except ValidationError as exc:
        for field, msgs in exc.message_dict.items():
            for m in msgs:
                errors.add(field, m)
        errors.raise_if_any()
    errors.raise_if_any()
    changed = [
        f
        for f in CORRECTABLE
        if (sorted(current[f]) if f in ("participants", "completes") else current[f]) != clean[f]
    ]
    if not changed and not photos:
        raise ValidationError({"reason": _("没有需要更正的内容。")})
    people, tasks = clean.pop("participants"), clean.pop("completes")
    for field, value in clean.items():
        setattr(activity, field, value)
    activity.save()
    if "participants" in changed:
        activity.participants.set(people)
    if "completes" in changed:
        activity.completes.set(tasks)
    _save_photos(actor, activity, photos)
    labels = [str(Activity._meta.get_field(f).verbose_name) for f in changed]
    if photos:
        labels.append(str(_("照片和材料")))
    ActivityCorrection.objects.create(
        activity=activity, reason=reason[:300], fields="、".join(labels)[:300], corrected_by=actor
    )
    return activity


# ------------------------------------------------------------------ 挂点联系 and 党建指导员


def _usable_partner(errors: Errors, org: Organization, partner, kinds, message: str):
    if partner is None:
        errors.add("partner", _("请选择单位。"))
        return
    if not usable_partners(org).filter(pk=partner.pk).exists():
        errors.add("partner", _("这个单位不在本组织可选用的名录中。"))
    elif partner.kind not in kinds:
        errors.add("partner", message)


def _span(errors: Errors, started_on, ended_on) -> None:
    _day(errors, "started_on", started_on, _("开始日期"))
    if ended_on not in (None, ""):
        if not isinstance(ended_on, date):
            errors.add("ended_on", _("结束日期不是有效的日期。"))
        elif isinstance(started_on, date) and ended_on < started_on:
            errors.add("ended_on", _("结束日期不能早于开始日期。"))


def _committee_member(errors: Errors, org: Organization, member, started_on) -> None:
    if member is None:
        errors.add("member", _("请选择联系的委员。"))
        return
    day = started_on if isinstance(started_on, date) else timezone.localdate()
    holds = Post.objects.filter(org=org, member=member, term_start__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)
    )
    if not holds.exists():
        errors.add(
            "member",
            _("挂点联系的应是%(org)s在任的委员（书记、副书记或委员）。") % {"org": org.name},
        )


def _liaison_kind_message() -> str:
    return _("挂点联系的对象应是两新组织（非公有制企业或社会组织）。")


def _dispatch_kind_message() -> str:
    return _("党建助理和党建指导员派往企业或社区。")


@transaction.atomic
def record_liaison(
    *,
    actor,
    org: Organization,
    member: Member | None,
    partner: Partner | None,
    started_on: date,
    ended_on: date | None = None,
) -> Liaison:
    """挂点联系: a 委员 of `org` (the 工委) takes one 两新组织 to keep in touch with."""
    _check_scope(actor, "add", org)
    errors = Errors()
    _committee_member(errors, org, member, started_on)
    _usable_partner(errors, org, partner, TWO_NEW_KINDS, _liaison_kind_message())
    _span(errors, started_on, ended_on)
    errors.raise_if_any()
    return Liaison.objects.create(
        org=org,
        org_path=org.path,
        member=member,
        partner=partner,
        started_on=started_on,
        ended_on=ended_on or None,
        recorded_by=actor,
    )


@transaction.atomic
def record_dispatch(
    *,
    actor,
    org: Organization,
    role: str,
    member: Member | None,
    partner: Partner | None,
    started_on: date,
    ended_on: date | None = None,
) -> Dispatch:
    """下派: a member of org's subtree goes to an enterprise or a community as 党建助理/指导员."""
    _check_scope(actor, "add", org)
    errors = Errors()
    if role not in DispatchRole.values:
        errors.add("role", _("请选择党建助理或党建指导员。"))
    _roster_member(errors, "member", member, org, _("派出人员"))
    _usable_partner(errors, org, partner, DISPATCH_KINDS, _dispatch_kind_message())
    _span(errors, started_on, ended_on)
    errors.raise_if_any()
    return Dispatch.objects.create(
        org=org,
        org_path=org.path,
        role=role,
        member=member,
        partner=partner,
        started_on=started_on,
        ended_on=ended_on or None,
        recorded_by=actor,
    )


def _entries(record: Liaison | Dispatch):
    return record.contacts if isinstance(record, Liaison) else record.reports


def _check_entries_within(errors: Errors, record, started_on, ended_on) -> None:
    """Reports and contact records already kept must stay inside the corrected period."""
    days = _entries(record).order_by("happened_on").values_list("happened_on", flat=True)
    first = days.first()
    last = _entries(record).order_by("-happened_on").values_list("happened_on", flat=True).first()
    if isinstance(started_on, date) and first and started_on > first:
        errors.add(
            "started_on",
            _("开始日期不能晚于第一条记录（%(day)s）。") % {"day": _d(first)},
        )
    if isinstance(ended_on, date) and last and ended_on < last:
        errors.add("ended_on", _("结束日期不能早于最后一条记录（%(day)s）。") % {"day": _d(last)})


@transaction.atomic
def edit_assignment(
    *,
    actor,
    record: Liaison | Dispatch,
    reason: str,
    member=_UNSET,
    partner=_UNSET,
    started_on=_UNSET,
    ended_on=_UNSET,
    role=_UNSET,
) -> Liaison | Dispatch:
    """Correct a 挂点联系 or a 派驻 (who, where, from–to, and for a 派驻 the role), with a reason.

    The same rules as when it was recorded apply to what is changed; a person or unit left as
    recorded stays even if they would not be chosen today.
    """
    model = type(record)
    record = get_scoped_or_404(
        actor, "change", model.objects.select_for_update().select_related("org"), pk=record.pk
    )
    org = record.org
    errors = Errors()
    reason = _reason(errors, reason, _("请填写更正原因。"))
    before = {
        "member": record.member,
        "partner": record.partner,
        "started_on": record.started_on,
        "ended_on": record.ended_on,
    }
    if model is Dispatch:
        before["role"] = record.role
    new = dict(before)
    for f, v in (
        ("member", member),
        ("partner", partner),
        ("started_on", started_on),
        ("ended_on", ended_on),
        ("role", role),
    ):
        if v is not _UNSET and f in before:
            new[f] = v or None if f == "ended_on" else v
    if model is Dispatch and new["role"] not in DispatchRole.values:
        errors.add("role", _("请选择党建助理或党建指导员。"))
    member_changed = getattr(new["member"], "pk", None) != record.member_id
    if model is Liaison and (member_changed or new["started_on"] != record.started_on):
        _committee_member(errors, org, new["member"], new["started_on"])
    elif model is Dispatch and member_changed:
        _roster_member(errors, "member", new["member"], org, _("派出人员"))
    if getattr(new["partner"], "pk", None) != record.partner_id:
        if model is Liaison:
            _usable_partner(errors, org, new["partner"], TWO_NEW_KINDS, _liaison_kind_message())
        else:
            _usable_partner(errors, org, new["partner"], DISPATCH_KINDS, _dispatch_kind_message())
    _span(errors, new["started_on"], new["ended_on"])
    if record.ended_on is not None and new["ended_on"] is None:
        errors.add(
            "ended_on", _("已经结束的记录不能改为进行中；如结束日期有误，请填写正确的日期。")
        )
    if new["ended_on"] and new["ended_on"] != record.ended_on:
        _day(errors, "ended_on", new["ended_on"], _("结束日期"))
    _check_entries_within(errors, record, new["started_on"], new["ended_on"])
    if not errors.items and new == before:
        errors.add("reason", _("没有需要更正的内容。"))
    errors.raise_if_any()
    for f, v in new.items():
        setattr(record, f, v)
    record.save()
    _revise(
        actor, record, kind=RevisionKind.EDIT, reason=reason, before=before,
        org_path=record.org_path,
    )  # fmt: skip
    return record


@transaction.atomic
def end_assignment(
    *, actor, record: Liaison | Dispatch, ended_on: date, reason: str
) -> Liaison | Dispatch:
    """End a 挂点联系 or a 派驻 with the reason; its records stay."""
    record = get_scoped_or_404(
        actor, "change", type(record).objects.select_for_update(), pk=record.pk
    )
    errors = Errors()
    if record.ended_on is not None:
        errors.add("ended_on", _("已于%(day)s结束。") % {"day": _d(record.ended_on)})
        errors.raise_if_any()
    ended_on = _day(errors, "ended_on", ended_on, _("结束日期"))
    if ended_on and ended_on < record.started_on:
        errors.add("ended_on", _("结束日期不能早于开始日期。"))
    _check_entries_within(errors, record, None, ended_on)
    reason = _reason(errors, reason, _("请填写结束原因。"))
    errors.raise_if_any()
    before = {"ended_on": None, "end_reason": ""}
    record.ended_on, record.end_reason = ended_on, reason[:300]
    record.save(update_fields=["ended_on", "end_reason"])
    _revise(
        actor, record, kind=RevisionKind.END, reason=reason, before=before,
        org_path=record.org_path,
    )  # fmt: skip
    return record


def _check_contact(errors: Errors, parent, happened_on, text) -> tuple[date | None, str]:
    happened_on = _day(errors, "happened_on", happened_on, _("日期"))
    if happened_on and happened_on < parent.started_on:
        errors.add(
            "happened_on", _("日期早于开始日期（%(day)s）。") % {"day": _d(parent.started_on)}
        )
    if happened_on and parent.ended_on and happened_on > parent.ended_on:
        errors.add("happened_on", _("日期晚于结束日期（%(day)s）。") % {"day": _d(parent.ended_on)})
    text = _text(text)
    if not text:
        errors.add("text", _("请填写内容。"))
    return happened_on, text


@transaction.atomic
def add_contact(
    *,
    actor,
    happened_on: date,
    text: str,
    liaison: Liaison | None = None,
    dispatch: Dispatch | None = None,
) -> Contact:
    """A 联系记录 under a 挂点联系, or a 工作报告 under a 派驻."""
    parent = liaison or dispatch
    if parent is None or (liaison is not None and dispatch is not None):
        raise ValidationError(_("联系记录应属于一项挂点联系或一次派驻。"))
    parent = get_scoped_or_404(actor, "add", type(parent).objects.all(), pk=parent.pk)
    errors = Errors()
    happened_on, text = _check_contact(errors, parent, happened_on, text)
    errors.raise_if_any()
    return Contact.objects.create(
        liaison=liaison and parent,
        dispatch=dispatch and parent,
        org_path=parent.org_path,
        happened_on=happened_on,
        text=text,
        recorded_by=actor,
    )


@transaction.atomic
def correct_contact(
    *, actor, contact: Contact, reason: str, happened_on=_UNSET, text=_UNSET
) -> Contact:
    """Correct a 联系记录 or 工作报告 (date, text) with a reason; the earlier wording is kept."""
    contact = get_scoped_or_404(
        actor,
        "change",
        Contact.objects.select_for_update(of=("self",)).select_related("liaison", "dispatch"),
        pk=contact.pk,
    )
    parent = contact.liaison or contact.dispatch
    errors = Errors()
    reason = _reason(errors, reason, _("请填写更正原因。"))
    before = {"happened_on": contact.happened_on, "text": contact.text}
    new_day, new_text = _check_contact(
        errors,
        parent,
        contact.happened_on if happened_on is _UNSET else happened_on,
        contact.text if text is _UNSET else text,
    )
    if not errors.items and (new_day, new_text) == (contact.happened_on, contact.text):
        errors.add("reason", _("没有需要更正的内容。"))
    errors.raise_if_any()
    contact.happened_on, contact.text = new_day, new_text
    contact.save(update_fields=["happened_on", "text"])
    _revise(
        actor, contact, kind=RevisionKind.EDIT, reason=reason, before=before,
        org_path=contact.org_path,
    )  # fmt: skip
    return contact
