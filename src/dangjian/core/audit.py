"""Audit glue around django-auditlog: model registration, security events and bulk entries.

Object changes are logged by auditlog's signals inside the service's transaction, so a failed audit
write aborts the business write. Security events (login, lockout, export, unmasked PII …) go to the
same table as ACCESS entries, so one page and one filter serve both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from dangjian.core.middleware import current_request_id

EVENT_LABELS = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "lockout": "账号锁定",
    "logout": "退出登录",
    "session_expired": "会话超时",
    "password_changed": "修改密码",
    "export": "导出数据",
    "view_pii": "查看敏感信息",
    "import": "批量导入",
    "token_issued": "签发接口令牌",
    "token_revoked": "吊销接口令牌",
    "grant_changed": "授权变更",
    "dues_close": "党费月度入账",
    "dues_bases": "批量核定党费基数",
    "dues_branch_payment": "整支部登记党费",
}


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


def record_event(
    kind: str,
    *,
    actor=None,
    request=None,
    obj: Model | None = None,
    org_path: str = "",
    success: bool = True,
    detail: dict | None = None,
) -> LogEntry:
    """Write one security event. Never silently skipped: a failure propagates to the caller."""
    from dangjian.accounts.models import User

    target = obj if obj is not None else actor
    model = target._meta.model if target is not None else User  # works through lazy request.user
    if not org_path and obj is not None and hasattr(obj, "get_additional_data"):
        org_path = obj.get_additional_data().get("org_path", "")
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(getattr(target, "pk", "") or ""),
        object_id=getattr(target, "pk", None)
        if isinstance(getattr(target, "pk", None), int)
        else None,
        object_repr=str(target)[:200] if target is not None else "",
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=actor_obj,
        cid=current_request_id(),
        remote_addr=_client_ip(request),
        additional_data={
            "event": kind,
            "success": success,
            "org_path": org_path,
            **(detail or {}),
        },
    )


ACTION_LABELS = {0: "新增", 1: "修改", 2: "删除", 3: "访问"}
EMPTY = "（空）"


def describe_changes(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(field label, before, after) in the language of the page, with choice labels, not codes."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for name, change in (entry.changes_dict or {}).items():
        before, after = (
            (list(change) + ["", ""])[:2] if isinstance(change, list | tuple) else ("", change)
        )
        label, show = name, lambda v: v
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except Exception:
                field = None
            if field is not None:
                label = str(getattr(field, "verbose_name", name))
                choices = dict(getattr(field, "flatchoices", []) or [])
                show = lambda v, c=choices: str(c.get(v, v))  # noqa: E731
        rows.append((label, _plain(show(before)), _plain(show(after))))
    return rows


def _plain(value) -> str:
    return EMPTY if value in (None, "", "None") else str(value)


def field_snapshot(obj: Model, fields: Iterable[str]) -> dict[str, str]:
    return {f: "" if getattr(obj, f) is None else str(getattr(obj, f)) for f in fields}


def log_bulk_created(objs: list[Model], *, actor, fields: Iterable[str]) -> None:
    """Audit entries for rows written with bulk_create (imports), one per object, in one insert."""
    if not objs:
        return
    fields = list(fields)
    ct = ContentType.objects.get_for_model(type(objs[0]))
    rid = current_request_id()
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=ct,
                object_pk=str(o.pk),
                object_id=o.pk,
                object_repr=str(o)[:200],
                action=LogEntry.Action.CREATE,
                changes={k: ["None", v] for k, v in field_snapshot(o, fields).items()},
                changes_text=json.dumps({"source": "import"}, ensure_ascii=False),
                actor=actor,
                cid=rid,
                additional_data=o.get_additional_data(),
            )
            for o in objs
        ],
        batch_size=2000,
    )


def register_models() -> None:
    """Called from CoreConfig.ready(): which models are audited and which fields never appear."""
    from auditlog.registry import auditlog

    from dangjian.accounts.models import Grant, User
    from dangjian.core.models import RuleSet
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgChangeRequest, Post

    secret = [
        "id_number_enc",
        "id_number_hash",
        "phone_enc",
        "stroke_key",
        "pinyin",
        "pinyin_initials",
    ]
    auditlog.register(Organization, exclude_fields=["depth", "numchild"])
    auditlog.register(Member, exclude_fields=secret)
    auditlog.register(Post)
    auditlog.register(OrgChangeRequest)
    auditlog.register(Grant)
    auditlog.register(RuleSet)
    auditlog.register(
        User,
        include_fields=[
            "username",
            "display_name",
            "email",
            "is_active",
            "expires_on",
            "must_change_password",
        ],
    )
