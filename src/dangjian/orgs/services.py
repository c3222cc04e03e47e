"""Writes on the organisation tree. Structural changes go through requests the 工委 approves."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import ORG_REQUEST
from dangjian.core.choices import choice_value
from dangjian.core.scope import get_scoped_or_404, path_in_scope
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import (
    BRANCH_TYPES,
    Organization,
    OrgChangeRequest,
    OrgStatus,
    OrgType,
    Post,
    PostKind,
    RequestKind,
    RequestStatus,
    Sector,
)

# Which types may sit under which: a branch holds only 党小组; a 党小组 holds nothing.
_CHILD_TYPES: dict[str, frozenset[str]] = {
    OrgType.COUNTY_COMMITTEE: frozenset(OrgType.values) - {OrgType.COUNTY_COMMITTEE},
    OrgType.WORK_COMMITTEE: frozenset(OrgType.values) - {OrgType.COUNTY_COMMITTEE, OrgType.WORK_COMMITTEE},
    OrgType.PARTY_COMMITTEE: frozenset(
        {OrgType.PARTY_COMMITTEE, OrgType.GENERAL_BRANCH, *BRANCH_TYPES}
    ),
    OrgType.GENERAL_BRANCH: frozenset(BRANCH_TYPES),
    **{t: frozenset({OrgType.GROUP}) for t in BRANCH_TYPES},
    OrgType.GROUP: frozenset(),
}


def can_hold(parent_type: str, child_type: str) -> bool:
    return child_type in _CHILD_TYPES.get(parent_type, frozenset())


def clean_org_fields(raw: dict, *, parent: Organization | None, instance: Organization | None = None) -> dict:
    """Validate organisation fields from a form, a request or an import row."""
    errors: dict[str, str] = {}
    name = (raw.get("name") or "").strip()
    if not name:
        errors["name"] = "组织全称不能为空。"
    code = "".join(str(raw.get("code") or "").split())
    if not code:
        errors["code"] = "组织代码不能为空。"
    elif Organization.objects.filter(code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = f"组织代码{code}已被使用。"
    org_type = choice_value(OrgType, raw.get("org_type"))
    if org_type is None:
        errors["org_type"] = "组织类别不正确。"
    elif parent is not None and not can_hold(parent.org_type, org_type):
        errors["org_type"] = f"{parent.get_org_type_display()}下不能设立{OrgType(org_type).label}。"
    sector = choice_value(Sector, raw.get("sector") or "") if raw.get("sector") else ""
    if sector is None:
        errors["sector"] = "所在单位类别不正确。"
    founded_on = raw.get("founded_on") or None
    if isinstance(founded_on, str):
        try:
            founded_on = date.fromisoformat(founded_on.strip())
        except ValueError:
            errors["founded_on"] = "成立日期格式不正确（应为如 2020-07-01）。"
    if isinstance(founded_on, date) and founded_on > timezone.localdate():
        errors["founded_on"] = "成立日期不能晚于今天。"
    if parent is not None and not parent.is_active:
        errors["parent"] = f"{parent}已撤销，不能在其下设立组织。"
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "short_name": (raw.get("short_name") or "").strip()[:60],
        "code": code,
        "org_type": org_type,
        "sector": sector or "",
        "unit_name": (raw.get("unit_name") or "").strip()[:200],
        "founded_on": founded_on,
    }


@transaction.atomic
def create_organization(*, parent: Organization | None, fields: dict) -> Organization:
    """Add a node. Internal: callers are approval of a request, imports and the demo builder."""
    if parent is None:
        return Organization.objects.add_root(fields)
    parent = Organization.objects.get(pk=parent.pk)  # treebeard needs a fresh numchild
    return Organization.objects.add_child(parent, fields)


# --- requests -----------------------------------------------------------------------------------


@transaction.atomic
def submit_request(
    *,
    actor,
    kind: str,
    org: Organization,
    reason: str,
    target: Organization | None = None,
    payload: dict | None = None,
) -> OrgChangeRequest:
    org = get_scoped_or_404(actor, "view", Organization.objects.all(), pk=org.pk)
    if not path_in_scope(actor, "add", ORG_REQUEST, org.path):
        raise Http404
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写申请理由。"})
    if kind not in RequestKind.values:
        raise ValidationError({"kind": "未知的申请事项。"})
    if OrgChangeRequest.objects.filter(org=org, kind=kind, status=RequestStatus.PENDING).exists() and kind != RequestKind.CREATE:
        raise ValidationError({"kind": f"{org}已有一项待审批的同类申请。"})
    if kind == RequestKind.CREATE:
        payload = clean_org_fields(payload or {}, parent=org)
        payload["founded_on"] = payload["founded_on"].isoformat() if payload["founded_on"] else None
    else:
        payload = {}
        if not org.is_active:
            raise ValidationError({"org": f"{org}已撤销。"})
        if org.depth <= 2:
            raise ValidationError({"org": "县委、工委本级不能通过申请调整。"})
    if kind in (RequestKind.MOVE, RequestKind.MERGE):
        if target is None:
            raise ValidationError({"target": "请选择目标组织。"})
        _check_target(actor, kind, org, target)
    elif target is not None:
        target = None
    return OrgChangeRequest.objects.create(
        kind=kind, org=org, target=target, payload=payload, reason=reason.strip(), requested_by=actor
    )


def _check_target(actor, kind: str, org: Organization, target: Organization) -> None:
    # The target must be visible to the requester: no probing other subtrees through requests.
    get_scoped_or_404(actor, "view", Organization.objects.all(), pk=target.pk)
    if not target.is_active:
        raise ValidationError({"target": f"{target}已撤销。"})
    if target.pk == org.pk or target.path.startswith(org.path):
        raise ValidationError({"target": "不能调整到本组织或其下级组织。"})
    if kind == RequestKind.MOVE:
        if Organization.objects.get_parent(org).pk == target.pk:
            raise ValidationError({"target": f"{org}已隶属于{target}。"})
        if not can_hold(target.org_type, org.org_type):
            raise ValidationError(
                {"target": f"{target.get_org_type_display()}下不能设立{org.get_org_type_display()}。"}
            )
    if kind == RequestKind.MERGE and target.org_type != org.org_type and not (
        org.is_branch and target.is_branch
    ):
        raise ValidationError({"target": "只能与同类组织合并。"})


@transaction.atomic
def decide_request(*, actor, request_obj: OrgChangeRequest, approve: bool, note: str = "") -> OrgChangeRequest:
    """The 工委 approves or rejects; approval applies the change in the same transaction."""
    req = get_scoped_or_404(
        actor, "approve", OrgChangeRequest.objects.select_for_update(), pk=request_obj.pk
    )
    if req.status != RequestStatus.PENDING:
        raise ValidationError({"status": f"该申请已{req.get_status_display()}，不能重复审批。"})
    if req.requested_by_id == actor.pk:
        raise ValidationError({"status": "不能审批自己提交的申请。"})
    if not approve and not (note or "").strip():
        raise ValidationError({"decision_note": "不予批准时请写明理由。"})
    if approve:
        req.result_org = _apply(req)
    req.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), (note or "").strip()
    req.save()
    return req


@transaction.atomic
def withdraw_request(*, actor, request_obj: OrgChangeRequest) -> OrgChangeRequest:
    req = get_scoped_or_404(actor, "view", OrgChangeRequest.objects.select_for_update(), pk=request_obj.pk)
    if req.requested_by_id != actor.pk:
        raise Http404
    if req.status != RequestStatus.PENDING:
        raise ValidationError({"status": "只有待审批的申请可以撤回。"})
    req.status = RequestStatus.WITHDRAWN
    req.save(update_fields=["status"])
    return req


def _apply(req: OrgChangeRequest) -> Organization:
    org = Organization.objects.get(pk=req.org_id)
    if req.kind == RequestKind.CREATE:
        fields = dict(req.payload)
        fields["founded_on"] = date.fromisoformat(fields["founded_on"]) if fields.get("founded_on") else None
        clean_org_fields(fields, parent=org)  # re-check: the code may have been taken meanwhile
        return create_organization(parent=org, fields=fields)
    if req.kind == RequestKind.MOVE:
        target = Organization.objects.get(pk=req.target_id)
        _check_target_unscoped(req.kind, org, target)
        move_subtree(org, target)
        return Organization.objects.get(pk=org.pk)
    if req.kind == RequestKind.MERGE:
        target = Organization.objects.get(pk=req.target_id)
        _check_target_unscoped(req.kind, org, target)
        merge_into(org, target, on=timezone.localdate(), reason=req.reason)
        return target
    dissolve(org, on=timezone.localdate(), reason=req.reason)
    return org


def _check_target_unscoped(kind: str, org: Organization, target: Organization) -> None:
    if not target.is_active or target.path.startswith(org.path):
        raise ValidationError({"target": "目标组织已不可用，请重新申请。"})
    if kind == RequestKind.MOVE and not can_hold(target.org_type, org.org_type):
        raise ValidationError({"target": "目标组织类别不能容纳该组织。"})


def copied_path_fields() -> list[tuple[type, str]]:
    """Every (model, field) that keeps a copy of an organisation's path for scope.

    Read from the models' own `scope_path_field` declarations, so a new scoped model is kept in
    step without being listed anywhere; lookups through a relation (`org__path`) need nothing.
    """
    from django.apps import apps

    from dangjian.core.scope import scope_path_fields

    out = []
    for model in apps.get_models():
        if getattr(model, "scope_path_field", None) is None or model is Organization:
            continue
        out.extend((model, name) for name in scope_path_fields(model) if "__" not in name)
    return out


def move_subtree(org: Organization, target: Organization) -> None:
    """Move a subtree and keep every copied path (members, applicants, transfers …) in step."""
    old_path = org.path
    Organization.objects.move(org, Organization.objects.get(pk=target.pk), pos="last-child")
    new_path = Organization.objects.values_list("path", flat=True).get(pk=org.pk)
    for model, field in copied_path_fields():
        model._base_manager.filter(**{f"{field}__startswith": old_path}).update(
            **{field: Concat(Value(new_path), Substr(F(field), len(old_path) + 1))}
        )


def merge_into(org: Organization, target: Organization, *, on: date, reason: str) -> None:
    """Members and sub-organisations pass to the target; the merged organisation is kept, dissolved."""
    for child in list(Organization.objects.get_children(org)):
        move_subtree(child, Organization.objects.get(pk=target.pk))
    target = Organization.objects.get(pk=target.pk)
    for member in Member.objects.filter(org=org):
        member.org, member.org_path = target, target.path
        member.save(update_fields=["org", "org_path", "updated_at"])
    org = Organization.objects.get(pk=org.pk)
    org.status, org.dissolved_on, org.merged_into = OrgStatus.DISSOLVED, on, target
    org.dissolved_reason = f"并入{target}：{reason}"[:500]
    org.save()


def dissolve(org: Organization, *, on: date, reason: str) -> None:
    active_members = Member.objects.filter(org_path__startswith=org.path, status=MemberStatus.NORMAL).count()
    if active_members:
        raise ValidationError({"org": f"{org}及其下级还有{active_members}名党员，请先转出或合并后再撤销。"})
    if Organization.objects.get_descendants(org).filter(status=OrgStatus.ACTIVE).exists():
        raise ValidationError({"org": f"{org}还有未撤销的下级组织。"})
    org.status, org.dissolved_on, org.dissolved_reason = OrgStatus.DISSOLVED, on, reason[:500]
    org.save()


# --- posts --------------------------------------------------------------------------------------


@transaction.atomic
def appoint(*, actor, org: Organization, member: Member, kind: str, portfolio: str = "", term_start: date, term_end: date | None = None) -> Post:
    from dangjian.accounts.roles import POST

    if not path_in_scope(actor, "add", POST, org.path):
        raise Http404
    if member.org_path[: len(org.path)] != org.path:
        raise ValidationError({"member": f"{member}不是{org}的党员。"})
    if member.status != MemberStatus.NORMAL:
        raise ValidationError({"member": f"{member}党籍状态为{member.get_status_display()}，不能任职。"})
    if kind not in PostKind.values:
        raise ValidationError({"kind": "职务不正确。"})
    if term_end and term_end <= term_start:
        raise ValidationError({"term_end": "任期届满日期应晚于任期开始日期。"})
    if kind == PostKind.SECRETARY and Post.objects.filter(org=org, kind=kind, ended_on__isnull=True).exists():
        raise ValidationError({"kind": f"{org}已有在任书记，请先办理离任。"})
    if Post.objects.filter(org=org, member=member, ended_on__isnull=True).exists():
        raise ValidationError({"member": f"{member}已在{org}任职。"})
    return Post.objects.create(
        org=org, member=member, kind=kind, portfolio=portfolio or "", term_start=term_start, term_end=term_end
    )


@transaction.atomic
def end_post(*, actor, post: Post, on: date, reason: str) -> Post:
    post = get_scoped_or_404(actor, "change", Post.objects.select_for_update(), pk=post.pk)
    if post.ended_on is not None:
        raise ValidationError({"ended_on": "该职务已离任。"})
    if on < post.term_start:
        raise ValidationError({"ended_on": "离任日期不能早于任期开始日期。"})
    post.ended_on, post.ended_reason = on, (reason or "").strip()[:200]
    post.save(update_fields=["ended_on", "ended_reason"])
    return post


EDITABLE_ORG_FIELDS = ("name", "short_name", "sector", "unit_name", "founded_on")


@transaction.atomic
def update_organization(*, actor, org: Organization, raw: dict) -> Organization:
    """Descriptive fields only; type, code and place in the tree change through approved requests."""
    org = get_scoped_or_404(actor, "change", Organization.objects.select_for_update(), pk=org.pk)
    merged = {"code": org.code, "org_type": org.org_type, **{f: raw.get(f) for f in EDITABLE_ORG_FIELDS}}
    cleaned = clean_org_fields(merged, parent=None, instance=org)
    for field in EDITABLE_ORG_FIELDS:
        setattr(org, field, cleaned[field])
    org.save()
    return org
