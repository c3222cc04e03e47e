"""Token endpoints for integrators and the caller's own identity."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from dangjian.accounts.tokens import TokenRefused, obtain_token, revoke_all_tokens, revoke_token
from dangjian.api import ErrorOut, session_auth, token_auth
from dangjian.core.scope import active_grants

router = Router(tags=["令牌与账号"])


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    # Bounded so a megabyte "password" cannot make Argon2 the attack.
    password: str = Field(..., min_length=1, max_length=1024)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class DetailOut(Schema):
    detail: str


class RevokedOut(Schema):
    detail: str
    count: int


class GrantOut(Schema):
    role: str
    role_label: str
    org_id: int
    org_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    grants: list[GrantOut]


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    summary="申请接口令牌",
)
def create_token(request: HttpRequest, payload: TokenIn):
    """Username and password in, token out. Same lockout as the login page; the token is shown once."""
    try:
        issued = obtain_token(request=request, username=payload.username, password=payload.password)
    except TokenRefused as refused:
        return Status(refused.status, {"detail": refused.message})
    return Status(200, {"token": issued.token, "expires_at": issued.expires_at})


@router.post(
    "/token/revoke",
    auth=token_auth,
    response={200: DetailOut},
    summary="吊销当前令牌",
)
def revoke_current_token(request: HttpRequest):
    """Revokes the token this request presents (only a bearer token can be revoked this way)."""
    revoke_token(token=request.api_token, actor=request.auth, request=request)
    return {"detail": "接口令牌已吊销。"}


@router.post(
    "/token/revoke-all",
    auth=[token_auth, session_auth],
    response={200: RevokedOut},
    summary="吊销本人全部令牌",
)
def revoke_my_tokens(request: HttpRequest):
    """Revokes every token of the calling account, e.g. after a suspected leak."""
    count = revoke_all_tokens(user=request.auth, actor=request.auth, request=request)
    return {"detail": f"已吊销{count}个接口令牌。", "count": count}


@router.get("/me", response=MeOut, summary="当前账号")
def me(request: HttpRequest):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "grants": [
            {
                "role": g.role,
                "role_label": str(g.get_role_display()),
                "org_id": g.org_id,
                "org_name": g.org.name,
            }
            for g in active_grants(user)
        ],
    }
