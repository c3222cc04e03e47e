"""Accounts and grants: only the system administrator writes them (三员分立)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from dangjian.accounts.models import Grant, User
from dangjian.accounts.roles import ACCOUNT, SEPARATED_ROLES
from dangjian.core.audit import record_event
from dangjian.core.scope import path_in_scope


def check_role_separation(user: User, new_role: str) -> None:
    """The 三员 roles (system administrator, auditor) never share an account with any other role."""
    roles = set(Grant.objects.filter(user=user).values_list("role", flat=True)) | {new_role}
    if len(roles) > 1 and roles & SEPARATED_ROLES:
        raise ValidationError({"role": "系统管理员、审计员不能与其他角色由同一账号兼任（三员分立）。"})


@transaction.atomic
def create_user(*, actor, username: str, display_name: str, password: str, role: str, org, expires_on=None) -> User:
    if not path_in_scope(actor, "add", ACCOUNT, org.path):
        raise Http404
    if User.objects.filter(username__iexact=username.strip()).exists():
        raise ValidationError({"username": "该登录账号已存在（不区分大小写）。"})
    user = User(username=username.strip(), display_name=display_name.strip(), expires_on=expires_on, must_change_password=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    grant_role(actor=actor, user=user, role=role, org=org)
    return user


@transaction.atomic
def grant_role(*, actor, user: User, role: str, org) -> Grant:
    if not path_in_scope(actor, "change", ACCOUNT, org.path):
        raise Http404
    check_role_separation(user, role)
    grant, _ = Grant.objects.get_or_create(user=user, role=role, org=org, defaults={"granted_by": actor})
    record_event("grant_changed", actor=actor, obj=grant, detail={"role": role, "user": user.username})
    return grant


def change_password_done(*, user: User, request=None) -> None:
    """After a successful change: clear the first-login flag and audit the event."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    record_event("password_changed", actor=user, request=request)
