"""Writes on citizens' opinions. Transactional, scoped, keyword-only with `actor` first.

Opinions are permanent; cases move through states with guards, and every terminal state carries a
reason. Scope (resource OPINION): intake and consolidation act at the intake organisation; routing
("route") and 催办/督办/延期审批/提级 ("supervise") at the case's intake organisation; a unit's work
(progress notes, task done, extension request) at the unit's organisation; the reply only by the
lead unit's staff. Anything outside the actor's scope answers 404.

`actor=None` is the system (public intake, the demo): no scope check, nothing recorded as a user.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import OPINION
from dangjian.core.audit import record_event
from dangjian.core.crypto import provider
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import path_in_scope
from dangjian.members.idnumber import mask_phone
from dangjian.members.person import PHONE
from dangjian.opinions.models import (
    HANDLING_STATES,
    OPEN_STATES,
    TERMINAL_STATES,
    Case,
    CaseEvent,
    CaseState,
    CaseTask,
    Category,
    Channel,
    EventKind,
    ExtensionRequest,
    ExtensionState,
    FollowUp,
    Level,
    MergeAction,
    MergeLog,
    Opinion,
    Place,
    ProgressNote,
    Satisfaction,
    TaskRole,
    Unit,
)
from dangjian.opinions.rules import DOMAIN, LEVEL_KEYS
from dangjian.orgs.models import Organization, OrgStatus, OrgType

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone
CLIENT_KEY_PURPOSE = "opinion.client"
MAX_TEXT = 20000  # a letter can be long: one real message-board post runs to 5,000+ characters


def _today() -> date:
    return timezone.localdate()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, action: str, path: str) -> None:
    if actor is not None and not path_in_scope(actor, action, OPINION, path or "\x00"):
        raise Http404


def _reason(reason: str, key: str = "reason", what: str = "理由") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({key: f"请填写{what}。"})
    return text[:500]


def _event(case: Case, kind: str, actor, text: str = "", on: date | None = None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, text=text, on=on or _today(), actor=_user(actor)
    )


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


# ---------------------------------------------------------------- intake


def new_receipt() -> str:
    """12 characters from a 31-letter alphabet (about 59 bits): unguessable, easy to read out."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_receipt(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else ""


def client_key(address: str) -> str:
    """A blind index of the client address: the rate limit counts by it, the address is not kept."""
    return provider().blind_index(address or "-", purpose=CLIENT_KEY_PURPOSE)


def mask_name(name: str) -> str:
    return (name[0] + "*" * (len(name) - 1)) if len(name) > 1 else ("*" if name else "")


def default_intake_org() -> Organization:
    """Where an opinion from a place with no organisation is received: the first 工委."""
    org = (
        Organization.objects.filter(org_type=OrgType.WORK_COMMITTEE, status=OrgStatus.ACTIVE)
        .order_by("path")
        .first()
    )
    if org is None:
        org = Organization.objects.order_by("path").first()
    if org is None:
        raise ValidationError({"place": "系统中还没有党组织，不能受理意见。"})
    return org


@dataclass
class OpinionInput:
    text: str
    place: Place | None = None
    category: Category | None = None
    name: str = ""
    phone: str = ""
    title: str = ""
    place_text: str = ""
    received_at: datetime | None = None
    source_ref: str = ""


def clean_opinion(data: OpinionInput, *, require_place: bool = True) -> OpinionInput:
    errors: dict[str, str] = {}
    text = (data.text or "").strip()
    if not text:
        errors["text"] = "请填写意见内容。"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"意见内容过长（不超过{MAX_TEXT}字）。"
    if require_place and data.place is None and not data.place_text.strip():
        errors["place"] = "请选择所在社区（村）。"
    if data.place is not None and not data.place.is_active:
        errors["place"] = "该社区（村）已停用，请重新选择。"
    name = "".join((data.name or "").split())
    if len(name) > 50:
        errors["name"] = "姓名过长（不超过50个字）。"
    phone = "".join((data.phone or "").split())
    if phone and not PHONE.match(phone):
        errors["phone"] = "联系电话应为11位手机号或带区号的固定电话。"
    if data.received_at is not None and data.received_at > timezone.now() + timedelta(minutes=5):
        errors["received_at"] = "收到时间不能晚于现在。"
    if errors:
        raise ValidationError(errors)
    data.text, data.name, data.phone = text, name, phone
    data.title = (data.title or "").strip()[:200]
    data.place_text = (data.place_text or "").strip()[:200]
    return data


def _build_opinion(
    data: OpinionInput, *, channel: str, intake_org: Organization, actor, key: str = ""
) -> Opinion:
    crypto = provider()
    return Opinion(
        receipt=new_receipt(),
        text=data.text,
        title=data.title,
        place=data.place,
        place_text=data.place_text,
        category=data.category,
        channel=channel,
        received_at=data.received_at or timezone.now(),
        intake_org=intake_org,
        intake_path=intake_org.path,
        submitter_name_enc=crypto.encrypt(data.name) if data.name else "",
        submitter_name_masked=mask_name(data.name),
        phone_enc=crypto.encrypt(data.phone) if data.phone else "",
        phone_masked=mask_phone(data.phone) if data.phone else "",
        client_key=key,
        source_ref=data.source_ref,
        recorded_by=_user(actor),
    )


@transaction.atomic
def submit_public(*, data: OpinionInput, client_address: str) -> Opinion:
    """A citizen's own submission (no login). Rate-limited per client address and hour."""
    data = clean_opinion(data)
    key = client_key(client_address)
    limit = rules_on(DOMAIN, _today()).intake_per_hour
    since = timezone.now() - timedelta(hours=1)
    if Opinion.objects.filter(client_key=key, recorded_at__gte=since).count() >= limit:
        raise ValidationError(
            {"text": f"提交过于频繁：同一网络每小时最多提交{limit}条意见，请稍后再试。"}
        )
    intake = (
        data.place.org if data.place is not None and data.place.org_id else default_intake_org()
    )
    opinion = _build_opinion(data, channel=Channel.ONLINE, intake_org=intake, actor=None, key=key)
    opinion.save()
    return opinion


@transaction.atomic
def record_opinion(*, actor, data: OpinionInput, channel: str, intake_org: Organization) -> Opinion:
    """Staff entry from a meeting, visit, letter or hotline call."""
    if channel not in Channel.values or channel == Channel.ONLINE:
        raise ValidationError({"channel": "请选择意见来源渠道（会议、走访、来信、热线）。"})
    _require(actor, "add", intake_org.path)
    data = clean_opinion(data)
    opinion = _build_opinion(data, channel=channel, intake_org=intake_org, actor=actor)
    opinion.save()
    return opinion


@transaction.atomic
def record_opinions(
    *, actor, rows: Sequence[tuple[OpinionInput, str]], intake_org: Organization
) -> list[Opinion]:
    """Many staff entries at once (the demo, a batch typed from a meeting's minutes): the same
    checks as record_opinion for every row, one scope check, one insert for all."""
    _require(actor, "add", intake_org.path)
    objs = []
    for data, channel in rows:
        # 网上提交 only from the system (actor None: the public page's own records, the demo).
        if channel not in Channel.values or (channel == Channel.ONLINE and actor is not None):
            raise ValidationError({"channel": "请选择意见来源渠道（会议、走访、来信、热线）。"})
        objs.append(
            _build_opinion(clean_opinion(data), channel=channel, intake_org=intake_org, actor=actor)
        )
    taken = set(
        Opinion.objects.filter(receipt__in=[o.receipt for o in objs]).values_list(
            "receipt", flat=True
        )
    )
    seen: set[str] = set()
    for o in objs:
        while o.receipt in taken or o.receipt in seen:
            o.receipt = new_receipt()
        seen.add(o.receipt)
    return Opinion.objects.bulk_create(objs, batch_size=500)


def reveal_contact(*, actor, opinion: Opinion, request=None) -> tuple[str, str]:
    """The submitter's name and phone in clear, for roles with view_contact; every reveal is audited."""
    _require(actor, "view_contact", opinion.intake_path)
    record_event(
        "view_pii", actor=actor, request=request, obj=opinion, detail={"field": "submitter"}
    )
    crypto = provider()
    name = crypto.decrypt(opinion.submitter_name_enc) if opinion.submitter_name_enc else ""
    phone = crypto.decrypt(opinion.phone_enc) if opinion.phone_enc else ""
    return name, phone


# ---------------------------------------------------------------- consolidation


def _next_number(day: date) -> str:
    prefix = f"{day.year}-"
    last = Case.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def common_org(paths: Iterable[str]) -> Organization:
    """The nearest organisation above every path (treebeard paths share their ancestors' prefix)."""
    paths = list(paths)
    prefix = paths[0]
    for p in paths[1:]:
        i = 0
        while i < min(len(prefix), len(p)) and prefix[i] == p[i]:
            i += 1
        prefix = prefix[:i]
    step = Organization.steplen
    prefix = prefix[: len(prefix) // step * step]
    return Organization.objects.get(path=prefix)


def _log(opinion: Opinion, action: str, from_case, to_case: Case, reason: str, actor) -> None:
    opinion.case = to_case
    opinion.save(update_fields=["case"])
    MergeLog.objects.create(
        opinion=opinion,
        action=action,
        from_case=from_case,
        to_case=to_case,
        reason=reason,
        actor=_user(actor),
    )


def _opinions_for_change(actor, opinions: Sequence[Opinion]) -> list[Opinion]:
    ids = [o.pk for o in opinions]
    if not ids:
        raise ValidationError({"opinions": "请至少选择一条意见。"})
    rows = list(
        Opinion.objects.select_for_update().filter(pk__in=ids).order_by("received_at", "id")
    )
    if len(rows) != len(set(ids)):
        raise Http404
    for o in rows:
        _require(actor, "change", o.intake_path)
    return rows


@transaction.atomic
def consolidate(
    *,
    actor,
    opinions: Sequence[Opinion],
    title: str,
    summary: str = "",
    category: Category | None = None,
    reason: str = "",
    intake_org: Organization | None = None,
    on: date | None = None,
) -> Case:
    """Group inbox opinions (not yet in a case) into a new case (待交办).

    `on` back-dates the 形成事项 event (an entry made after the fact; the demo's timeline)."""
    rows = _opinions_for_change(actor, opinions)
    taken = [o.receipt for o in rows if o.case_id is not None]
    if taken:
        raise ValidationError(
            {"opinions": f"以下意见已归入其他事项，请用“移动”：{'、'.join(taken)}。"}
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写事项名称。"})
    org = intake_org or common_org(o.intake_path for o in rows)
    _require(actor, "add", org.path)
    today = _today()
    case = Case.objects.create(
        number=_next_number(today),
        title=title[:200],
        summary=(summary or "").strip(),
        category=category or next((o.category for o in rows if o.category_id), None),
        intake_org=org,
        intake_path=org.path,
        created_by=_user(actor),
    )
    why = (reason or "").strip() or ("同一诉求归并" if len(rows) > 1 else "形成事项")
    for o in rows:
        _log(o, MergeAction.CONSOLIDATE, None, case, why, actor)
    _event(case, EventKind.CREATED, actor, f"由{len(rows)}条意见形成", on=on)
    return case


@dataclass
class GroupInput:
    opinions: Sequence[Opinion]
    title: str
    category: Category | None = None
    reason: str = ""
    on: date | None = None


@transaction.atomic
def consolidate_many(*, actor, groups: Sequence[GroupInput]) -> list[Case]:
    """consolidate() for many groups at once (the engine's confirmed proposals, the demo): the
    same checks — every opinion in scope and still in the inbox, a title for each group, no
    opinion in two groups — with a handful of queries instead of a dozen per group."""
    ids = [o.pk for g in groups for o in g.opinions]
    if len(ids) != len(set(ids)):
        raise ValidationError({"opinions": "同一条意见不能同时归入两个事项。"})
    rows = {o.pk: o for o in Opinion.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(rows) != len(ids):
        raise Http404
    for path in {o.intake_path for o in rows.values()}:
        _require(actor, "change", path)
    taken = [o.receipt for o in rows.values() if o.case_id is not None]
    if taken:
        raise ValidationError(
            {"opinions": f"以下意见已归入其他事项，请用“移动”：{'、'.join(taken[:10])}。"}
        )
    orgs: dict[str, Organization] = {}
    today = _today()
    prefix = f"{today.year}-"
    last = Case.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last.split("-")[1]) if last else 0
    cases, members = [], []
    for g in groups:
        title = (g.title or "").strip()
        if not title or not g.opinions:
            raise ValidationError({"title": "请填写事项名称。"})
        mine = sorted((rows[o.pk] for o in g.opinions), key=lambda o: (o.received_at, o.pk))
        key = "|".join(sorted({o.intake_path for o in mine}))
        org = orgs.get(key) or orgs.setdefault(key, common_org(o.intake_path for o in mine))
        _require(actor, "add", org.path)
        seq += 1
        cases.append(
            Case(
                number=f"{prefix}{seq:04d}",
                title=title[:200],
                category=g.category or next((o.category for o in mine if o.category_id), None),
                intake_org=org,
                intake_path=org.path,
                created_by=_user(actor),
            )
        )
        members.append(mine)
    Case.objects.bulk_create(cases)
    logs, events, moved = [], [], []
    for case, g, mine in zip(cases, groups, members, strict=True):
        why = (g.reason or "").strip() or ("同一诉求归并" if len(mine) > 1 else "形成事项")
        for o in mine:
            o.case = case
            moved.append(o)
            logs.append(
                MergeLog(
                    opinion=o,
                    action=MergeAction.CONSOLIDATE,
                    to_case=case,
                    reason=why[:500],
                    actor=_user(actor),
                )
            )
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.CREATED,
                text=f"由{len(mine)}条意见形成",
                on=g.on or today,
                actor=_user(actor),
            )
        )
    _update_rows(moved, ["case"])  # only the case link changes
    MergeLog.objects.bulk_create(logs, batch_size=500)
    CaseEvent.objects.bulk_create(events, batch_size=500)
    return cases


def _open_case_for_change(actor, case: Case) -> Case:
    case = _lock_case(case)
    _require(actor, "change", case.intake_path)
    if case.state in TERMINAL_STATES:
        raise ValidationError(
            {"case": f"事项{case.number}已{case.get_state_display()}，不能再调整意见。"}
        )
    return case


@transaction.atomic
def add_to_case(*, actor, case: Case, opinions: Sequence[Opinion], reason: str = "") -> Case:
    """Inbox opinions join an existing open case."""
    case = _open_case_for_change(actor, case)
    rows = _opinions_for_change(actor, opinions)
    taken = [o.receipt for o in rows if o.case_id is not None]
    if taken:
        raise ValidationError(
            {"opinions": f"以下意见已归入其他事项，请用“移动”：{'、'.join(taken)}。"}
        )
    why = (reason or "").strip() or "同一诉求归并"
    for o in rows:
        _log(o, MergeAction.CONSOLIDATE, None, case, why, actor)
    return case


@transaction.atomic
def split(
    *,
    actor,
    case: Case,
    opinions: Sequence[Opinion],
    title: str,
    reason: str,
    on: date | None = None,
) -> Case:
    """Some of a case's opinions become a case of their own (待交办)."""
    reason = _reason(reason)
    case = _open_case_for_change(actor, case)
    rows = _opinions_for_change(actor, opinions)
    if any(o.case_id != case.pk for o in rows):
        raise ValidationError({"opinions": "只能拆分本事项的意见。"})
    if len(rows) >= case.opinions.count():
        raise ValidationError({"opinions": "拆分后原事项至少要保留一条意见。"})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写拆分出的事项名称。"})
    new = Case.objects.create(
        number=_next_number(_today()),
        title=title[:200],
        category=case.category,
        intake_org=case.intake_org,
        intake_path=case.intake_path,
        created_by=_user(actor),
    )
    for o in rows:
        _log(o, MergeAction.SPLIT, case, new, reason, actor)
    _event(new, EventKind.CREATED, actor, f"从{case.number}拆分：{reason}", on=on)
    return new


@transaction.atomic
def move(*, actor, opinion: Opinion, to_case: Case, reason: str) -> Opinion:
    """One opinion moves from its case to another open case."""
    reason = _reason(reason)
    rows = _opinions_for_change(actor, [opinion])
    opinion = rows[0]
    if opinion.case_id is None:
        raise ValidationError({"opinion": "该意见尚未归入事项，请用“归入事项”。"})
    source = _open_case_for_change(actor, opinion.case)
    target = _open_case_for_change(actor, to_case)
    if source.pk == target.pk:
        raise ValidationError({"to_case": "目标事项与原事项相同。"})
    if source.opinions.count() <= 1:
        raise ValidationError({"opinion": "这是原事项唯一的意见，请改用“合并事项”。"})
    _log(opinion, MergeAction.MOVE, source, target, reason, actor)
    return opinion


@transaction.atomic
def merge_case(*, actor, case: Case, into: Case, reason: str, on: date | None = None) -> Case:
    """Terminal state 合并: the case's opinions join `into`; the case stays, pointing there."""
    reason = _reason(reason, what="合并理由")
    case = _open_case_for_change(actor, case)
    into = _open_case_for_change(actor, into)
    if case.pk == into.pk:
        raise ValidationError({"into": "不能合并到事项本身。"})
    if case.state in (CaseState.REPLIED, CaseState.FOLLOWED_UP):
        raise ValidationError({"case": "已答复的事项不能再合并。"})
    for o in list(case.opinions.select_for_update()):
        _log(o, MergeAction.MERGE, case, into, reason, actor)
    case.state, case.merged_into, case.end_reason, case.closed_on = (
        CaseState.MERGED,
        into,
        reason,
        on or _today(),
    )
    case.save(update_fields=["state", "merged_into", "end_reason", "closed_on"])
    _event(case, EventKind.MERGED, actor, f"合并到{into.number}：{reason}", on=on)
    return case


# ---------------------------------------------------------------- routing


def deadline_for(level: str, category: Category | None, start: date) -> date:
    """The time limit of the level (rule domain "opinions"), or the category's own if it has one."""
    days = None
    if category is not None:
        days = category.deadline_days or (
            category.parent.deadline_days if category.parent_id else None
        )
    if not days:
        days = rules_on(DOMAIN, start)[LEVEL_KEYS[level]]
    return start + timedelta(days=days)


@dataclass
class Routing:
    level: str
    lead: Unit | None
    co_units: list[Unit]


def suggest_routing(category: Category | None) -> Routing:
    """The routing rule: the category's responsible units decide the level.

    A category marked 需党委政府统筹协调 → level 1; one responsible unit → 单一部门; several → 多部门
    (the unit named responsible first leads). No category or no unit → no suggestion for the units.
    """
    if category is None:
        return Routing("", None, [])
    units = _responsible(category)
    if not units and category.parent_id:
        units = _responsible(category.parent)
    needs = category.needs_coordination or (
        category.parent_id and category.parent.needs_coordination
    )
    if needs:
        return Routing(Level.COORDINATE, units[0] if units else None, units[1:])
    if not units:
        return Routing("", None, [])
    return Routing(Level.SINGLE if len(units) == 1 else Level.JOINT, units[0], units[1:])


def _responsible(category: Category) -> list[Unit]:
    through = Unit.categories.through.objects.filter(category=category, unit__is_active=True)
    return [row.unit for row in through.select_related("unit").order_by("id")]


@dataclass
class TaskInput:
    unit: Unit
    text: str = ""
    deadline: date | None = None


def _check_route(level: str, category, lead: TaskInput | None, co: list[TaskInput]) -> None:
    errors: dict[str, str] = {}
    if level not in Level.values:
        errors["level"] = "请选择办理层级。"
    if category is None:
        errors["category"] = "请选择类别。"
    if lead is None or lead.unit is None:
        errors["lead"] = "请选择一个主办单位。"
    units = [lead.unit] + [t.unit for t in co] if lead and lead.unit else [t.unit for t in co]
    if len({u.pk for u in units}) != len(units):
        errors["co_units"] = "同一单位不能既主办又协办，或重复协办。"
    if any(not u.is_active for u in units):
        errors["co_units"] = "所选单位已停用。"
    if level == Level.SINGLE and co:
        errors["level"] = "单一部门办理的事项不设协办单位；有协办单位请选“多部门联合办理”。"
    if level == Level.JOINT and not co:
        errors["co_units"] = "多部门联合办理须至少有一个协办单位。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def route(
    *,
    actor,
    case: Case,
    level: str,
    category: Category | None,
    lead: TaskInput,
    co: Sequence[TaskInput] = (),
    on: date | None = None,
) -> Case:
    """交办: level, category, one lead unit and any co-units, each with a task and deadline."""
    case = _lock_case(case)
    _require(actor, "route", case.intake_path)
    if case.state != CaseState.TO_ROUTE:
        raise ValidationError(
            {"case": f"只有待交办的事项才能交办（当前：{case.get_state_display()}）。"}
        )
    co = [t for t in co if t.unit is not None]
    _check_route(level, category, lead, co)
    day = on or _today()
    default = deadline_for(level, category, day)
    for t in [lead, *co]:
        if t.deadline is not None and t.deadline < day:
            raise ValidationError({"deadline": "办理期限不能早于交办日期。"})
    CaseTask.objects.create(
        case=case,
        unit=lead.unit,
        role=TaskRole.LEAD,
        text=lead.text.strip(),
        deadline=lead.deadline or default,
    )
    for t in co:
        CaseTask.objects.create(
            case=case,
            unit=t.unit,
            role=TaskRole.CO,
            text=t.text.strip(),
            deadline=t.deadline or default,
        )
    case.level, case.category, case.state, case.routed_on = level, category, CaseState.HANDLING, day
    case.deadline = lead.deadline or default
    case.save(update_fields=["level", "category", "state", "routed_on", "deadline"])
    names = "、".join(t.unit.name for t in co)
    _event(
        case,
        EventKind.ROUTED,
        actor,
        f"{case.get_level_display()}；主办：{lead.unit.name}"
        + (f"；协办：{names}" if names else ""),
        on=day,
    )
    return case


@transaction.atomic
def reject(*, actor, case: Case, reason: str, level: str = "", on: date | None = None) -> Case:
    """不予受理 (before routing), with the reason. A case triaged before it was refused keeps the
    handling level it was triaged with (`level`), so the split by level counts it."""
    reason = _reason(reason, what="不予受理的理由")
    if level and level not in Level.values:
        raise ValidationError({"level": "请选择办理层级。"})
    case = _lock_case(case)
    _require(actor, "route", case.intake_path)
    if case.state != CaseState.TO_ROUTE:
        raise ValidationError({"case": "只有待交办的事项可以不予受理。"})
    day = on or _today()
    case.state, case.end_reason, case.closed_on = CaseState.REJECTED, reason, day
    case.level = level or case.level
    case.save(update_fields=["state", "end_reason", "closed_on", "level"])
    _event(case, EventKind.REJECTED, actor, reason, on=day)
    return case


# ---------------------------------------------------------------- handling


def _task_for_unit_work(actor, task: CaseTask) -> CaseTask:
    task = CaseTask.objects.select_for_update().select_related("case", "unit").get(pk=task.pk)
    _require(actor, "change", task.unit_path)
    if task.case.state not in HANDLING_STATES:
        raise ValidationError({"case": f"事项{task.case.get_state_display()}，不在办理中。"})
    return task


@transaction.atomic
def add_progress(*, actor, task: CaseTask, text: str):
    text = _reason(text, key="text", what="办理进展")
    task = _task_for_unit_work(actor, task)
    return task.notes.create(text=text, actor=_user(actor))


@transaction.atomic
def finish_task(*, actor, task: CaseTask, note: str = "", on: date | None = None) -> CaseTask:
    """A unit marks its part done (a co-unit's part must be in before the lead can reply)."""
    task = _task_for_unit_work(actor, task)
    if task.done_on is not None:
        raise ValidationError({"task": "该任务已完成。"})
    if note.strip():
        task.notes.create(text=note.strip(), actor=_user(actor))
    task.done_on = on or _today()
    task.save(update_fields=["done_on"])
    _event(
        task.case,
        EventKind.TASK_DONE,
        actor,
        f"{task.unit.name}（{task.get_role_display()}）",
        on=task.done_on,
    )
    return task


def _supervised_case(actor, case: Case) -> Case:
    case = _lock_case(case)
    _require(actor, "supervise", case.intake_path)
    if case.state not in HANDLING_STATES:
        raise ValidationError({"case": "只有办理中的事项可以催办、督办、延期或提级。"})
    return case


@transaction.atomic
def urge(
    *, actor, case: Case, text: str, formal: bool = False, on: date | None = None
) -> CaseEvent:
    """催办 (a reminder) or 督办 (formal supervision) by the 工委, with its text and date."""
    text = _reason(text, key="text", what="催办督办内容")
    case = _supervised_case(actor, case)
    return _event(case, EventKind.SUPERVISE if formal else EventKind.URGE, actor, text, on=on)


@transaction.atomic
def request_extension(
    *, actor, task: CaseTask, new_deadline: date, reason: str, on: date | None = None
) -> ExtensionRequest:
    reason = _reason(reason, what="延期理由")
    task = _task_for_unit_work(actor, task)
    if task.done_on is not None:
        raise ValidationError({"task": "任务已完成，无需延期。"})
    if task.extensions.filter(state=ExtensionState.PENDING).exists():
        raise ValidationError({"new_deadline": "已有一份延期申请待审批。"})
    if new_deadline is None or new_deadline <= task.deadline:
        raise ValidationError({"new_deadline": "延期后的期限应晚于原期限。"})
    rules = rules_on(DOMAIN, _today())
    if (new_deadline - task.deadline).days > rules.extension_max_days:
        raise ValidationError(
            {"new_deadline": f"延期超过上限（{rules.cite('extension_max_days')}）。"}
        )
    ext = ExtensionRequest.objects.create(
        task=task, new_deadline=new_deadline, reason=reason, requested_by=_user(actor)
    )
    _event(
        task.case,
        EventKind.EXTENSION_REQUESTED,
        actor,
        f"{task.unit.name}申请延至{new_deadline:%Y年%-m月%-d日}：{reason}",
        on=on,
    )
    return ext


@transaction.atomic
def decide_extension(
    *, actor, extension: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The 工委 approves (the task's deadline moves; the lead's moves the case's) or refuses."""
    ext = (
        ExtensionRequest.objects.select_for_update()
        .select_related("task__case", "task__unit")
        .get(pk=extension.pk)
    )
    case = _supervised_case(actor, ext.task.case)
    if ext.state != ExtensionState.PENDING:
        raise ValidationError({"extension": "该申请已审批。"})
    if not approve:
        _reason(note, key="note", what="不予延期的理由")
    ext.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = (
        _user(actor),
        timezone.now(),
        note.strip()[:500],
    )
    ext.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    task = ext.task
    if approve:
        task.deadline = ext.new_deadline
        task.save(update_fields=["deadline"])
        if task.role == TaskRole.LEAD:
            case.deadline = ext.new_deadline
            case.save(update_fields=["deadline"])
        _event(
            case,
            EventKind.EXTENSION_APPROVED,
            actor,
            f"{task.unit.name}延至{ext.new_deadline:%Y年%-m月%-d日}",
        )
    else:
        _event(case, EventKind.EXTENSION_REFUSED, actor, f"{task.unit.name}：{note.strip()}")
    return ext


def overdue_days(case: Case, today: date | None = None) -> int:
    """Days past the deadline of a case still in handling (0 when not overdue)."""
    today = today or _today()
    if case.state not in HANDLING_STATES or case.deadline is None or today <= case.deadline:
        return 0
    return (today - case.deadline).days


def escalation_due(case: Case, today: date | None = None) -> bool:
    """Proposed for 统筹协调 when overdue by more than the rule's days (and not already level 1)."""
    today = today or _today()
    if case.level == Level.COORDINATE:
        return False
    return overdue_days(case, today) > rules_on(DOMAIN, today).escalate_after_days


@transaction.atomic
def escalate(*, actor, case: Case, reason: str, on: date | None = None) -> Case:
    """提级: the case becomes 需党委政府统筹协调 with the level's time limit from today."""
    reason = _reason(reason, what="提级理由")
    case = _supervised_case(actor, case)
    if case.level == Level.COORDINATE:
        raise ValidationError({"level": "该事项已是需党委政府统筹协调。"})
    day = on or _today()
    case.level, case.escalated = Level.COORDINATE, True
    case.deadline = max(case.deadline or day, deadline_for(Level.COORDINATE, None, day))
    case.save(update_fields=["level", "escalated", "deadline"])
    lead = case.tasks.get(role=TaskRole.LEAD)
    if lead.deadline < case.deadline:
        lead.deadline = case.deadline
        lead.save(update_fields=["deadline"])
    _event(case, EventKind.ESCALATED, actor, reason, on=day)
    return case


# ---------------------------------------------------------------- reply, 回访, end


@transaction.atomic
def reply(
    *,
    actor,
    case: Case,
    text: str,
    summary: str = "",
    publish: bool = False,
    on: date | None = None,
) -> Case:
    """The joint reply, signed only by the lead unit's staff, once every co-unit's part is in."""
    text = _reason(text, key="text", what="答复内容")
    case = _lock_case(case)
    lead = case.tasks.filter(role=TaskRole.LEAD).select_related("unit").first()
    if lead is None:
        raise ValidationError({"case": "事项尚未交办，不能答复。"})
    if actor is not None and not path_in_scope(actor, "change", OPINION, lead.unit_path or "\x00"):
        if any(
            path_in_scope(actor, "view", OPINION, p)
            for p in [case.intake_path, lead.unit_path]
            if p
        ) or any(
            path_in_scope(actor, "view", OPINION, t.unit_path)
            for t in case.tasks.all()
            if t.unit_path
        ):
            raise ValidationError(
                {"case": f"只有主办单位（{lead.unit.name}）可以签发答复；协办单位请填写办理进展。"}
            )
        raise Http404
    if case.state not in HANDLING_STATES:
        raise ValidationError({"case": f"事项{case.get_state_display()}，不能答复。"})
    pending = [
        t.unit.name
        for t in case.tasks.filter(role=TaskRole.CO, done_on__isnull=True).select_related("unit")
    ]
    if pending:
        raise ValidationError({"case": f"协办单位尚未完成：{'、'.join(pending)}。"})
    day = on or _today()
    if lead.done_on is None:
        lead.done_on = day
        lead.save(update_fields=["done_on"])
    case.state, case.reply_text = CaseState.REPLIED, text
    case.reply_summary = (summary or "").strip()[:500] or text[:200]
    case.reply_published, case.replied_on, case.replied_by = bool(publish), day, _user(actor)
    case.save(
        update_fields=[
            "state",
            "reply_text",
            "reply_summary",
            "reply_published",
            "replied_on",
            "replied_by",
        ]
    )
    _event(case, EventKind.REPLIED, actor, case.reply_summary, on=day)
    return case


def _follow_up(
    case: Case, *, result: str, comment: str, opinion, actor, by_citizen: bool, on
) -> FollowUp:
    if result not in Satisfaction.values:
        raise ValidationError({"result": "请选择满意、基本满意或不满意。"})
    if case.state not in (CaseState.REPLIED, CaseState.FOLLOWED_UP):
        raise ValidationError({"result": "事项答复后才能回访评价。"})
    if opinion is not None and FollowUp.objects.filter(opinion=opinion, round=case.round).exists():
        raise ValidationError({"result": "您已对本次答复作过评价。"})
    comment = (comment or "").strip()[:500]
    if result == Satisfaction.UNSATISFIED and not comment:
        raise ValidationError({"comment": "不满意时请说明原因，以便重新办理。"})
    day = on or _today()
    fu = FollowUp.objects.create(
        case=case,
        opinion=opinion,
        round=case.round,
        result=result,
        comment=comment,
        by_citizen=by_citizen,
        actor=_user(actor),
        on=day,
    )
    label = Satisfaction(result).label
    _event(
        case, EventKind.FOLLOW_UP, actor, f"{label}" + (f"：{comment}" if comment else ""), on=day
    )
    if result == Satisfaction.UNSATISFIED:
        _reopen(case, actor, f"回访不满意：{comment}", day)
    elif case.state == CaseState.REPLIED:
        case.state = CaseState.FOLLOWED_UP
        case.save(update_fields=["state"])
    return fu


def _reopen(case: Case, actor, reason: str, day: date) -> None:
    """重办: a new round with fresh deadlines; every unit's part is open again."""
    case.state, case.round = CaseState.REOPENED, case.round + 1
    case.deadline = deadline_for(case.level, case.category, day)
    case.save(update_fields=["state", "round", "deadline"])
    for task in case.tasks.all():
        task.done_on, task.deadline = None, case.deadline
        task.save(update_fields=["done_on", "deadline"])
    _event(case, EventKind.REOPENED, actor, reason, on=day)


@transaction.atomic
def follow_up(
    *,
    actor,
    case: Case,
    result: str,
    comment: str = "",
    opinion: Opinion | None = None,
    on: date | None = None,
) -> FollowUp:
    """回访 entered by staff (phone call, visit)."""
    case = _lock_case(case)
    _require(actor, "change", case.intake_path)
    return _follow_up(
        case, result=result, comment=comment, opinion=opinion, actor=actor, by_citizen=False, on=on
    )


@transaction.atomic
def rate_by_citizen(*, receipt: str, result: str, comment: str = "") -> FollowUp:
    """The citizen's own rating on the track page (the receipt number is the credential)."""
    opinion = (
        Opinion.objects.filter(receipt=normalise_receipt(receipt)).select_related("case").first()
    )
    if opinion is None or opinion.case_id is None:
        raise ValidationError({"receipt": "没有找到该回执编号的意见，或意见尚未办理。"})
    case = _lock_case(opinion.case)
    while case.state == CaseState.MERGED and case.merged_into_id:
        case = _lock_case(case.merged_into)
    return _follow_up(
        case, result=result, comment=comment, opinion=opinion, actor=None, by_citizen=True, on=None
    )


@transaction.atomic
def reopen(*, actor, case: Case, reason: str) -> Case:
    """重办 by staff (e.g. the reply was found wanting before 回访)."""
    reason = _reason(reason, what="重办理由")
    case = _lock_case(case)
    _require(actor, "route", case.intake_path)
    if case.state not in (CaseState.REPLIED, CaseState.FOLLOWED_UP, CaseState.CLOSED):
        raise ValidationError({"case": "只有已答复、已回访或已办结的事项可以重办。"})
    _reopen(case, actor, reason, _today())
    return case


@transaction.atomic
def close(*, actor, case: Case, reason: str, on: date | None = None) -> Case:
    """办结, with the reason (e.g. 群众满意, 已按政策解释到位)."""
    reason = _reason(reason, what="办结说明")
    case = _lock_case(case)
    _require(actor, "route", case.intake_path)
    if case.state not in (CaseState.REPLIED, CaseState.FOLLOWED_UP):
        raise ValidationError({"case": "答复之后才能办结。"})
    day = on or _today()
    case.state, case.end_reason, case.closed_on = CaseState.CLOSED, reason, day
    case.save(update_fields=["state", "end_reason", "closed_on"])
    _event(case, EventKind.CLOSED, actor, reason, on=day)
    return case


def is_open(case: Case) -> bool:
    return case.state in OPEN_STATES


def _update_rows(objs: Sequence, fields: Sequence[str]) -> None:
    """Write `fields` of many rows: one UPDATE per distinct combination of values. Cheaper than
    QuerySet.bulk_update, whose CASE … WHEN expression per row and field costs more to build than
    the batch saves (most batches here share their values: a state, a day)."""
    groups: dict[tuple, list[int]] = {}
    for obj in objs:
        key = tuple(getattr(obj, f"{f}_id" if f in _FK_FIELDS else f) for f in fields)
        groups.setdefault(key, []).append(obj.pk)
    if not objs:
        return
    model = type(objs[0])
    for key, pks in groups.items():
        values = {
            (f"{f}_id" if f in _FK_FIELDS else f): v for f, v in zip(fields, key, strict=True)
        }
        model.objects.filter(pk__in=pks).update(**values)


_FK_FIELDS = {"category", "replied_by", "case"}


# ---------------------------------------------------------------- batches
#
# The same steps for many cases at once, with the same checks as the one-case services above
# (scope, state guards, co-units done before the reply, a reason on every end) but a handful of
# queries per batch instead of a dozen per case: the demo county's 250 cases, a 工委 confirming a
# day's worth of routing. Any failing case stops the batch and nothing of it is written.


def _cases_locked(actor, action: str, cases: Sequence[Case]) -> dict[int, Case]:
    ids = [c.pk for c in cases]
    if len(ids) != len(set(ids)):
        raise ValidationError({"case": "同一事项在一批中出现了两次。"})
    rows = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(rows) != len(ids):
        raise Http404
    for path in {c.intake_path for c in rows.values()}:
        _require(actor, action, path)
    return rows


class _Deadlines:
    """deadline_for with the rule set read once per day (not once per case)."""

    def __init__(self) -> None:
        self.rules: dict[date, object] = {}

    def __call__(self, level: str, category: Category | None, start: date) -> date:
        days = None
        if category is not None:
            days = category.deadline_days or (
                category.parent.deadline_days if category.parent_id else None
            )
        if not days:
            if start not in self.rules:
                self.rules[start] = rules_on(DOMAIN, start)
            days = self.rules[start][LEVEL_KEYS[level]]
        return start + timedelta(days=days)


@dataclass
class RouteInput:
    case: Case
    level: str
    category: Category | None
    lead: TaskInput
    co: Sequence[TaskInput] = ()
    on: date | None = None


@transaction.atomic
def route_many(*, actor, routes: Sequence[RouteInput]) -> list[Case]:
    """route() for many cases."""
    cases = _cases_locked(actor, "route", [r.case for r in routes])
    deadline = _Deadlines()
    tasks, events, out = [], [], []
    for r in routes:
        case = cases[r.case.pk]
        if case.state != CaseState.TO_ROUTE:
            raise ValidationError(
                {"case": f"事项{case.number}不是待交办（当前：{case.get_state_display()}）。"}
            )
        co = [t for t in r.co if t.unit is not None]
        _check_route(r.level, r.category, r.lead, co)
        day = r.on or _today()
        default = deadline(r.level, r.category, day)
        for t in [r.lead, *co]:
            if t.deadline is not None and t.deadline < day:
                raise ValidationError({"deadline": "办理期限不能早于交办日期。"})
        for t, role in [(r.lead, TaskRole.LEAD)] + [(t, TaskRole.CO) for t in co]:
            tasks.append(
                CaseTask(
                    case=case,
                    unit=t.unit,
                    unit_path=t.unit.org_path,  # what CaseTask.save() copies
                    role=role,
                    text=t.text.strip(),
                    deadline=t.deadline or default,
                )
            )
        case.level, case.category, case.state, case.routed_on = (
            r.level,
            r.category,
            CaseState.HANDLING,
            day,
        )
        case.deadline = r.lead.deadline or default
        names = "、".join(t.unit.name for t in co)
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.ROUTED,
                text=f"{case.get_level_display()}；主办：{r.lead.unit.name}"
                + (f"；协办：{names}" if names else ""),
                on=day,
                actor=_user(actor),
            )
        )
        out.append(case)
    CaseTask.objects.bulk_create(tasks, batch_size=500)
    _update_rows(out, ["level", "category", "state", "routed_on", "deadline"])
    CaseEvent.objects.bulk_create(events, batch_size=500)
    return out


@transaction.atomic
def finish_tasks(
    *,
    actor,
    tasks: Sequence[CaseTask],
    note: str = "",
    on: date | dict[int, date] | None = None,
) -> list[CaseTask]:
    """finish_task() for many tasks (e.g. every co-unit's part of a batch of cases); `on` is one
    date for all, or each task's date by its id."""
    ids = [t.pk for t in tasks]
    rows = list(
        CaseTask.objects.select_for_update()
        .select_related("case", "unit")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(rows) != len(set(ids)):
        raise Http404
    for path in {t.unit_path for t in rows}:
        _require(actor, "change", path)
    notes, events = [], []
    for task in rows:
        day = (on.get(task.pk) if isinstance(on, dict) else on) or _today()
        if task.case.state not in HANDLING_STATES:
            raise ValidationError(
                {"case": f"事项{task.case.number}{task.case.get_state_display()}，不在办理中。"}
            )
        if task.done_on is not None:
            raise ValidationError({"task": f"{task.unit.name}的任务已完成。"})
        if note.strip():
            notes.append(ProgressNote(task=task, text=note.strip(), actor=_user(actor)))
        task.done_on = day
        events.append(
            CaseEvent(
                case=task.case,
                kind=EventKind.TASK_DONE,
                text=f"{task.unit.name}（{task.get_role_display()}）",
                on=day,
                actor=_user(actor),
            )
        )
    ProgressNote.objects.bulk_create(notes, batch_size=500)
    _update_rows(rows, ["done_on"])
    CaseEvent.objects.bulk_create(events, batch_size=500)
    return rows


@dataclass
class ReplyInput:
    case: Case
    text: str
    summary: str = ""
    publish: bool = False
    on: date | None = None


@transaction.atomic
def reply_many(*, actor, replies: Sequence[ReplyInput]) -> list[Case]:
    """reply() for many cases: each signed by its lead unit, each with every co-unit's part in."""
    texts = [_reason(r.text, key="text", what="答复内容") for r in replies]
    ids = [r.case.pk for r in replies]
    if len(ids) != len(set(ids)):
        raise ValidationError({"case": "同一事项在一批中出现了两次。"})
    cases = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(cases) != len(ids):
        raise Http404
    leads: dict[int, CaseTask] = {}
    pending: dict[int, list[str]] = {}
    for t in CaseTask.objects.filter(case_id__in=ids).select_related("unit"):
        if t.role == TaskRole.LEAD:
            leads[t.case_id] = t
        elif t.done_on is None:
            pending.setdefault(t.case_id, []).append(t.unit.name)
    for path in {t.unit_path for t in leads.values()}:
        if actor is not None and not path_in_scope(actor, "change", OPINION, path or "\x00"):
            raise Http404  # one case at a time (reply()) explains whom to ask
    out, done_leads, events = [], [], []
    for r, text in zip(replies, texts, strict=True):
        case = cases[r.case.pk]
        lead = leads.get(case.pk)
        if lead is None:
            raise ValidationError({"case": f"事项{case.number}尚未交办，不能答复。"})
        if case.state not in HANDLING_STATES:
            raise ValidationError(
                {"case": f"事项{case.number}{case.get_state_display()}，不能答复。"}
            )
        if pending.get(case.pk):
            raise ValidationError(
                {"case": f"事项{case.number}的协办单位尚未完成：{'、'.join(pending[case.pk])}。"}
            )
        day = r.on or _today()
        if lead.done_on is None:
            lead.done_on = day
            done_leads.append(lead)
        case.state, case.reply_text = CaseState.REPLIED, text
        case.reply_summary = (r.summary or "").strip()[:500] or text[:200]
        case.reply_published, case.replied_on, case.replied_by = bool(r.publish), day, _user(actor)
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.REPLIED,
                text=case.reply_summary,
                on=day,
                actor=_user(actor),
            )
        )
        out.append(case)
    _update_rows(done_leads, ["done_on"])
    _update_rows(
        out, ["state", "reply_text", "reply_summary", "reply_published", "replied_on", "replied_by"]
    )
    CaseEvent.objects.bulk_create(events, batch_size=500)
    return out


@dataclass
class FollowUpInput:
    case: Case
    result: str
    comment: str = ""
    opinion: Opinion | None = None
    by_citizen: bool = False
    on: date | None = None


@transaction.atomic
def follow_up_many(*, actor, items: Sequence[FollowUpInput]) -> list[FollowUp]:
    """follow_up() for many cases (回访 rounds entered from a call list). 不满意 reopens the case
    as 重办, one by one, as follow_up() does."""
    cases = _cases_locked(actor, "change", [i.case for i in items])
    asked = [(i.opinion.pk, cases[i.case.pk].round) for i in items if i.opinion is not None]
    done = set(
        FollowUp.objects.filter(opinion_id__in=[o for o, _r in asked]).values_list(
            "opinion_id", "round"
        )
    )
    made, events, followed, reopen = [], [], [], []
    for i in items:
        case = cases[i.case.pk]
        if i.result not in Satisfaction.values:
            raise ValidationError({"result": "请选择满意、基本满意或不满意。"})
        if case.state not in (CaseState.REPLIED, CaseState.FOLLOWED_UP):
            raise ValidationError({"result": f"事项{case.number}答复后才能回访评价。"})
        if i.opinion is not None and (i.opinion.pk, case.round) in done:
            raise ValidationError({"result": "该反映人已对本次答复作过评价。"})
        comment = (i.comment or "").strip()[:500]
        if i.result == Satisfaction.UNSATISFIED and not comment:
            raise ValidationError({"comment": "不满意时请说明原因，以便重新办理。"})
        day = i.on or _today()
        made.append(
            FollowUp(
                case=case,
                opinion=i.opinion,
                round=case.round,
                result=i.result,
                comment=comment,
                by_citizen=i.by_citizen,
                actor=_user(actor),
                on=day,
            )
        )
        label = Satisfaction(i.result).label
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.FOLLOW_UP,
                text=f"{label}" + (f"：{comment}" if comment else ""),
                on=day,
                actor=_user(actor),
            )
        )
        if i.result == Satisfaction.UNSATISFIED:
            reopen.append((case, f"回访不满意：{comment}", day))
        elif case.state == CaseState.REPLIED:
            case.state = CaseState.FOLLOWED_UP
            followed.append(case)
    FollowUp.objects.bulk_create(made, batch_size=500)
    CaseEvent.objects.bulk_create(events, batch_size=500)
    _update_rows(followed, ["state"])
    for case, reason, day in reopen:
        _reopen(case, actor, reason, day)
    return made


@dataclass
class CloseInput:
    case: Case
    reason: str
    on: date | None = None


@transaction.atomic
def close_many(*, actor, closes: Sequence[CloseInput]) -> list[Case]:
    """close() for many cases, each with its reason."""
    reasons = [_reason(c.reason, what="办结说明") for c in closes]
    cases = _cases_locked(actor, "route", [c.case for c in closes])
    out, events = [], []
    for c, reason in zip(closes, reasons, strict=True):
        case = cases[c.case.pk]
        if case.state not in (CaseState.REPLIED, CaseState.FOLLOWED_UP):
            raise ValidationError({"case": f"事项{case.number}答复之后才能办结。"})
        day = c.on or _today()
        case.state, case.end_reason, case.closed_on = CaseState.CLOSED, reason, day
        events.append(
            CaseEvent(case=case, kind=EventKind.CLOSED, text=reason, on=day, actor=_user(actor))
        )
        out.append(case)
    _update_rows(out, ["state", "end_reason", "closed_on"])
    CaseEvent.objects.bulk_create(events, batch_size=500)
    return out
