"""The JSON API (django-ninja): one instance, its authentication, errors and pagination.

OpenAPI at /api/docs and /api/openapi.json. Every endpoint reads through the same restrict() as the
pages; out-of-scope objects answer 404 and lists simply leave them out.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from dangjian.accounts.tokens import may_use_api, token_owner

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for integrators; no cookie, so no CSRF."""

    def __call__(self, request: HttpRequest) -> Any:
        # ninja's HttpBearer writes the whole header to the log on a wrong scheme when DEBUG is
        # on; a token must never reach a log (SECURITY.md -32), so the header is parsed here.
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_owner(token)
        if found is None:
            return None
        user, record = found
        # Code that reads request.user (audit glue, helpers shared with the pages) sees the token's user.
        request.user = user
        request.api_token = record
        return user


class SessionCookieAuth(APIKeyCookie):
    """The pages' Django session. Unsafe methods must carry the CSRF token.

    ninja's own SessionAuth checks CSRF before looking at the session, which turns an anonymous
    call into 403; we check it only when the cookie would actually authenticate, so anonymous
    stays 401 and a logged-in browser still cannot be ridden by another site.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not may_use_api(getattr(request, "user", None)):
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise HttpError(403, "CSRF 校验失败，请刷新页面后重试。")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not may_use_api(request.user):
            return None
        # request.user is a SimpleLazyObject (now evaluated); services that call type(user), such
        # as the audit writer, need the User instance itself.
        return getattr(request.user, "_wrapped", request.user)


token_auth = BearerTokenAuth()
session_auth = SessionCookieAuth()


class ErrorOut(Schema):
    detail: str


class LimitOffset(LimitOffsetPagination):
    """`limit` (default 50, at most 500) and `offset`; answers `{"items": [...], "count": N}`."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–500）")
        offset: int = Field(0, ge=0, description="跳过的条数")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


def paginated(func: Callable) -> Callable:
    """Decorate a list endpoint that returns a queryset (declare `response=list[ItemOut]`)."""
    return paginate(LimitOffset)(func)


# Routers are imported when the URLs are first built, not when this module loads, so an app's
# api.py can import the helpers above without an import cycle.
_ROUTERS = (
    ("/auth", "dangjian.accounts.api.router"),
    ("/orgs", "dangjian.orgs.api.router"),
    ("/members", "dangjian.members.api.router"),
    ("/dues", "dangjian.dues.api.router"),
    ("/elections", "dangjian.elections.api.router"),
    ("/life", "dangjian.life.api.router"),
    ("/outreach", "dangjian.outreach.api.router"),
    ("/care", "dangjian.care.api.router"),
    ("/opinions", "dangjian.opinions.api.router"),
)


class DangjianAPI(NinjaAPI):
    _mounted = False

    def _mount_routers(self) -> None:
        if not self._mounted:
            self._mounted = True
            for prefix, router in _ROUTERS:
                self.add_router(prefix, router)

    @property
    def urls(self):  # type: ignore[override]
        self._mount_routers()
        return super().urls

    def get_openapi_schema(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        self._mount_routers()
        return super().get_openapi_schema(*args, **kwargs)


api = DangjianAPI(
    title="党建 API",
    version="1",
    description="党组织与党员数据接口。会话登录或 `Authorization: Bearer <令牌>`；"
    "令牌通过 `POST /api/auth/token` 申请。",
    urls_namespace="api",
    auth=[token_auth, session_auth],
)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # One message for "does not exist" and "not yours": a 404 must not tell them apart.
    return api.create_response(request, {"detail": "未找到。"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "未登录，或接口令牌无效、已过期、已吊销。"}, status=401
    )


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "请求参数不正确。", "errors": exc.errors}, status=422
    )


@api.exception_handler(DjangoValidationError)
def _invalid_data(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "数据不正确。", "errors": errors}, status=422)
