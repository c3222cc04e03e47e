"""API tokens for integrators: issue, check, revoke.

A token is `secrets.token_urlsafe(32)` shown once; only its SM3 digest is stored (SECURITY.md
8.1.4.7 -28: no authentication secret in plaintext at rest). Tokens expire after
settings.DANGJIAN_API_TOKEN_DAYS and can be revoked one by one or all at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils import timezone

from dangjian.accounts.models import ApiToken, User
from dangjian.core.audit import record_event
from dangjian.core.crypto import sm3_hex

PREFIX_LENGTH = 8
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours and is not hashed.
_MAX_TOKEN_LENGTH = 128
# last_used_at is for the dormant-token report, not an access log: one write a minute is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    """Credentials were not good enough for a token; carries the HTTP status and a Chinese message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


BAD_CREDENTIALS = "用户名或密码不正确。"


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the only time the plain token exists; it is never stored
    expires_at: datetime
    record: ApiToken


def token_digest(raw: str) -> str:
    return sm3_hex(raw.encode())


def may_use_api(user) -> bool:
    """An account that could log in on the pages right now (active, not past its expiry date)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and not user.is_expired
    )


@transaction.atomic
def issue_token(*, user: User, request=None) -> IssuedToken:
    raw = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=settings.DANGJIAN_API_TOKEN_DAYS)
    record = ApiToken.objects.create(
        user=user, digest=token_digest(raw), prefix=raw[:PREFIX_LENGTH], expires_at=expires_at
    )
    # Inside the transaction: if the audit write fails, no token exists.
    record_event("token_issued", actor=user, request=request, detail={"prefix": record.prefix})
    return IssuedToken(token=raw, expires_at=expires_at, record=record)


def obtain_token(*, request, username: str, password: str) -> IssuedToken:
    """Exchange a username and password for a token, under the same lockout as the login page.

    Raises TokenRefused. `authenticate` gets the request so that django-axes counts the attempt
    and refuses a locked-out account.
    """
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # Axes' middleware would replace our JSON answer with the HTML lockout page; the API
        # answers for itself, so the flag is consumed here.
        request.axes_locked_out = False
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        raise TokenRefused(429, f"登录失败次数过多，账号已锁定，请{minutes}分钟后再试。")
    if user is None:  # wrong credentials, or an inactive account (ModelBackend refuses those)
        raise TokenRefused(401, BAD_CREDENTIALS)
    if user.is_expired:
        record_event(
            "login_failed",
            actor=user,
            request=request,
            success=False,
            detail={"reason": "account_expired", "channel": "api"},
        )
        raise TokenRefused(403, "账号已过有效期，请联系系统管理员。")
    if user.must_change_password:
        # The initial password must be changed at first login (SECURITY.md -06); a token would
        # let the account skip that step.
        raise TokenRefused(403, "请先登录网页修改初始密码，再申请接口令牌。")
    issued = issue_token(user=user, request=request)
    # A token is a login through another door: axes resets the failure count, last_login feeds
    # the dormant-account report, and the audit trail shows the login.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return issued


def token_owner(raw: str) -> tuple[User, ApiToken] | None:
    """The user a presented token authenticates, or None if it is unknown, expired or revoked."""
    if not raw or len(raw) > _MAX_TOKEN_LENGTH:
        return None
    record = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if record is None or not record.is_active or not may_use_api(record.user):
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        record.last_used_at = now
    return record.user, record


@transaction.atomic
def revoke_token(*, token: ApiToken, actor, request=None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            "token_revoked",
            actor=actor,
            request=request,
            obj=token.user,
            detail={"prefix": token.prefix},
        )
    return token


@transaction.atomic
def revoke_all_tokens(*, user: User, actor, request=None) -> int:
    """Revoke every live token of `user` (password change, account handover, suspected leak)."""
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    prefixes = list(live.values_list("prefix", flat=True))
    count = live.update(revoked_at=timezone.now())
    if count:
        record_event(
            "token_revoked",
            actor=actor,
            request=request,
            obj=user,
            detail={"all": True, "count": count, "prefixes": prefixes},
        )
    return count
