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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

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
            errors.add(field, f"请填写{label}。")
        return None
    if not isinstance(value, date):
        errors.add(field, f"{label}不是有效的日期。")
        return None
    if value > timezone.localdate():
        errors.add(field, f"{label}不能晚于今天。")
    return value


def _count(errors: Errors, field: str, value, label: str) -> int:
    if value in (None, ""):
        return 0
    try:
        n = int(value)
        if n != value and str(n) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        errors.add(field, f"{label}应填写整数。")
        return 0
    if n < 0:
        errors.add(field, f"{label}不能是负数。")
    elif n > MAX_COUNT:
        errors.add(field, f"{label}超过了{MAX_COUNT}，请核对。")
    return n


def _money(errors: Errors, value) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.add("funds_raised", "筹措项目资金应填写金额（元），如“5000”或“1234.50”。")
        return Decimal("0")
    if not amount.is_finite():
        errors.add("funds_raised", "筹措项目资金应填写金额（元），如“5000”或“1234.50”。")
        return Decimal("0")
    if amount < 0:
        errors.add("funds_raised", "筹措项目资金不能是负数。")
    elif amount >= MAX_FUNDS:
        errors.add("funds_raised", "筹措项目资金金额过大，请核对。")
    elif amount != amount.quantize(Decimal("0.01")):
        errors.add("funds_raised", "筹措项目资金最多精确到分（两位小数）。")
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal("0")


def _roster_member(errors: Errors, field: str, member, org: Organization, label: str):
    if member is None:
        errors.add(field, f"请选择{label}。")
        return None
    if not roster(org).filter(pk=getattr(member, "pk", member)).exists():
        errors.add(field, f"{label}应是{org.name}（含下级组织）党籍正常的党员。")
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
        errors.add("name", "请填写单位名称。")
    if kind not in PartnerKind.values:
        errors.add("kind", "请选择单位类型。")
    if name and usable_partners(org).filter(name=name).exists():
        errors.add("name", f"“{name}”已经登记过，可以直接选用。")
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
        errors.add("partner", "请选择一个联建单位：登记的外部单位或组织树中的党组织，二者选一。")
    kind = PartnerKind.OTHER
    if partner is not None:
        if not usable_partners(org).filter(pk=partner.pk).exists():
            errors.add("partner", "这个联建单位不在本组织可选用的名录中。")
        else:
            kind = partner.kind
    if partner_org is not None:
        if partner_org.path.startswith(org.path) or org.path.startswith(partner_org.path):
            errors.add(
                "partner_org",
                "联建党组织不能是本组织、本组织的上级或下级，请选择基层的村、社区或企业党组织。",
            )
        kind = SECTOR_KIND.get(partner_org.sector, PartnerKind.OTHER)
    started_on = _day(errors, "started_on", started_on, "结对日期")
    _roster_member(errors, "leader", leader, org, "分管领导")
    _roster_member(errors, "coordinator", coordinator, org, "具体协调人")
    _attach_file(errors, agreement, "agreement")
    if not errors.items:
        same = Pairing.objects.filter(org=org, ended_on__isnull=True)
        same = same.filter(partner=partner) if partner else same.filter(partner_org=partner_org)
        if same.exists():
            errors.add("partner", "本组织与这个单位已有正在进行的结对，不必重复登记。")
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


@transaction.atomic
def end_pairing(*, actor, pairing: Pairing, ended_on: date, reason: str) -> Pairing:
    """End a pairing: it stays on record with its activities, and no new activity is added."""
    pairing = get_scoped_or_404(actor, "change", Pairing.objects.select_for_update(), pk=pairing.pk)
    errors = Errors()
    if pairing.ended_on is not None:
        errors.add("ended_on", f"这个结对已于{pairing.ended_on:%Y年%-m月%-d日}结束。")
        errors.raise_if_any()
    ended_on = _day(errors, "ended_on", ended_on, "结束日期")
    if ended_on and ended_on < pairing.started_on:
        errors.add("ended_on", "结束日期不能早于结对日期。")
    last = pairing.activities.order_by("-held_on").values_list("held_on", flat=True).first()
    if ended_on and last and ended_on < last:
        errors.add("ended_on", f"结束日期不能早于最后一次活动（{last:%Y年%-m月%-d日}）。")
    reason = _text(reason)
    if not reason:
        errors.add("reason", "请填写结束原因。")
    errors.raise_if_any()
    pairing.ended_on, pairing.end_reason = ended_on, reason[:300]
    pairing.save(update_fields=["ended_on", "end_reason"])
    return pairing


@transaction.atomic
def add_task(*, actor, pairing: Pairing, year: int, category: str, title: str) -> PairingTask:
    """Add an item to the pairing's yearly task list (it is done when an activity completes it)."""
    pairing = get_scoped_or_404(actor, "change", Pairing.objects.all(), pk=pairing.pk)
    errors = Errors()
    if category not in Category.values:
        errors.add("category", "请选择任务类别（四联四共）。")
    title = _text(title)
    if not title:
        errors.add("title", "请填写任务内容。")
    try:
        year = int(year)
    except (TypeError, ValueError):
        errors.add("year", "请选择年度。")
        year = 0
    last_year = (pairing.ended_on or timezone.localdate()).year + (0 if pairing.ended_on else 1)
    if year and not pairing.started_on.year <= year <= last_year:
        errors.add("year", f"年度应在结对期间内（{pairing.started_on.year}年至{last_year}年）。")
    errors.raise_if_any()
    return PairingTask.objects.create(
        pairing=pairing, year=year, category=category, title=title[:300], recorded_by=actor
    )


# ------------------------------------------------------------------ activities


def _clean_activity(pairing: Pairing, data: dict, *, existing: Activity | None = None) -> dict:
    errors = Errors()
    held_on = _day(errors, "held_on", data.get("held_on"), "活动日期")
    if held_on and held_on < pairing.started_on:
        errors.add("held_on", f"活动日期早于结对日期（{pairing.started_on:%Y年%-m月%-d日}）。")
    if held_on and pairing.ended_on and held_on > pairing.ended_on:
        errors.add(
            "held_on", f"这个结对已于{pairing.ended_on:%Y年%-m月%-d日}结束，之后不能再登记活动。"
        )
    if data.get("category") not in Category.values:
        errors.add("category", "请选择活动类别（四联四共）。")
    summary = _text(data.get("summary"))
    if not summary:
        errors.add("summary", "请填写活动内容：做了什么。")
    counts = {
        "problems_solved": _count(
            errors, "problems_solved", data.get("problems_solved"), "解决实际问题数"
        ),
        "services_delivered": _count(
            errors, "services_delivered", data.get("services_delivered"), "提供便民服务数"
        ),
        "deeds_done": _count(errors, "deeds_done", data.get("deeds_done"), "办实事好事数"),
    }
    funds = _money(errors, data.get("funds_raised"))

    ids: set[int] = set()
    for raw in data.get("participants") or ():
        try:
            ids.add(int(getattr(raw, "pk", raw)))
        except (TypeError, ValueError):
            errors.add("participants", "参加党员的名单有误，请重新勾选。")
    allowed = set(roster(pairing.org).filter(pk__in=ids).values_list("pk", flat=True))
    if existing is not None:
        # People recorded before may since have moved on; the record of who went stays.
        allowed |= set(existing.participants.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        errors.add(
            "participants",
            f"参加党员只能从{pairing.org.name}（含下级组织）党籍正常的党员中选择。",
        )
    if not ids:
        errors.add("participants", "请勾选参加活动的党员（下基层的人数按勾选的党员统计）。")

    task_ids: set[int] = set()
    for raw in data.get("completes") or ():
        try:
            task_ids.add(int(getattr(raw, "pk", raw)))
        except (TypeError, ValueError):
            errors.add("completes", "完成的任务有误，请重新选择。")
    tasks = list(PairingTask.objects.filter(pk__in=task_ids, pairing=pairing))
    if len(tasks) != len(task_ids):
        errors.add("completes", "只能勾选本结对的年度任务。")
    if held_on:
        for t in tasks:
            if t.year != held_on.year:
                errors.add(
                    "completes",
                    f"任务“{t.title}”是{t.year}年度的，不能由{held_on.year}年的活动完成。",
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
        raise ValidationError("只能更正活动的日期、类别、内容、参加党员、成效数字和完成的任务。")
    reason = _text(reason)
    errors = Errors()
    if not reason:
        errors.add("reason", "请填写更正原因。")
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
        raise ValidationError({"reason": "没有需要更正的内容。"})
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
        labels.append("照片和材料")
    ActivityCorrection.objects.create(
        activity=activity, reason=reason[:300], fields="、".join(labels)[:300], corrected_by=actor
    )
    return activity


# ------------------------------------------------------------------ 挂点联系 and 党建指导员


def _usable_partner(errors: Errors, org: Organization, partner, kinds, message: str):
    if partner is None:
        errors.add("partner", "请选择单位。")
        return
    if not usable_partners(org).filter(pk=partner.pk).exists():
        errors.add("partner", "这个单位不在本组织可选用的名录中。")
    elif partner.kind not in kinds:
        errors.add("partner", message)


def _span(errors: Errors, started_on, ended_on) -> None:
    _day(errors, "started_on", started_on, "开始日期")
    if ended_on not in (None, ""):
        if not isinstance(ended_on, date):
            errors.add("ended_on", "结束日期不是有效的日期。")
        elif isinstance(started_on, date) and ended_on < started_on:
            errors.add("ended_on", "结束日期不能早于开始日期。")


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
    if member is None:
        errors.add("member", "请选择联系的委员。")
    else:
        day = started_on if isinstance(started_on, date) else timezone.localdate()
        holds = Post.objects.filter(org=org, member=member, term_start__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day)
        )
        if not holds.exists():
            errors.add("member", f"挂点联系的应是{org.name}在任的委员（书记、副书记或委员）。")
    _usable_partner(
        errors,
        org,
        partner,
        TWO_NEW_KINDS,
        "挂点联系的对象应是两新组织（非公有制企业或社会组织）。",
    )
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
        errors.add("role", "请选择党建助理或党建指导员。")
    _roster_member(errors, "member", member, org, "派出人员")
    _usable_partner(errors, org, partner, DISPATCH_KINDS, "党建助理和党建指导员派往企业或社区。")
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


@transaction.atomic
def end_assignment(*, actor, record: Liaison | Dispatch, ended_on: date) -> Liaison | Dispatch:
    record = get_scoped_or_404(
        actor, "change", type(record).objects.select_for_update(), pk=record.pk
    )
    errors = Errors()
    if record.ended_on is not None:
        errors.add("ended_on", f"已于{record.ended_on:%Y年%-m月%-d日}结束。")
        errors.raise_if_any()
    ended_on = _day(errors, "ended_on", ended_on, "结束日期")
    if ended_on and ended_on < record.started_on:
        errors.add("ended_on", "结束日期不能早于开始日期。")
    errors.raise_if_any()
    record.ended_on = ended_on
    record.save(update_fields=["ended_on"])
    return record


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
        raise ValidationError("联系记录应属于一项挂点联系或一次派驻。")
    parent = get_scoped_or_404(actor, "add", type(parent).objects.all(), pk=parent.pk)
    errors = Errors()
    happened_on = _day(errors, "happened_on", happened_on, "日期")
    if happened_on and happened_on < parent.started_on:
        errors.add("happened_on", f"日期早于开始日期（{parent.started_on:%Y年%-m月%-d日}）。")
    if happened_on and parent.ended_on and happened_on > parent.ended_on:
        errors.add("happened_on", f"日期晚于结束日期（{parent.ended_on:%Y年%-m月%-d日}）。")
    text = _text(text)
    if not text:
        errors.add("text", "请填写内容。")
    errors.raise_if_any()
    return Contact.objects.create(
        liaison=liaison and parent,
        dispatch=dispatch and parent,
        org_path=parent.org_path,
        happened_on=happened_on,
        text=text,
        recorded_by=actor,
    )
