"""Organisation endpoints: the tree in scope, one organisation with its counts, posts and warnings."""

from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dangjian.api import paginated
from dangjian.core.scope import get_scoped_or_404, restrict
from dangjian.orgs.models import (
    Organization,
    OrgChangeRequest,
    OrgStatus,
    OrgType,
    Post,
    RequestStatus,
)
from dangjian.orgs.selectors import current_posts, member_counts, orgs_for, warnings_for

router = Router(tags=["党组织"])


class OrgFilters(Schema):
    parent: int | None = Field(None, description="只列出该组织的直属下级")
    q: str | None = Field(None, max_length=100, description="名称包含")
    type: OrgType | None = Field(None, description="组织类别")
    status: OrgStatus | None = Field(None, description="状态")


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    org_type: str
    org_type_label: str
    sector: str
    sector_label: str
    status: str
    status_label: str
    depth: int
    parent_id: int | None = Field(None, description="上级组织；上级不在查看范围内时为空")

    @staticmethod
    def resolve_org_type_label(obj: Organization) -> str:
        return str(obj.get_org_type_display())

    @staticmethod
    def resolve_sector_label(obj: Organization) -> str:
        return str(obj.get_sector_display()) if obj.sector else ""

    @staticmethod
    def resolve_status_label(obj: Organization) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_parent_id(obj: Organization) -> int | None:
        return getattr(obj, "visible_parent_id", None)


class CountsOut(Schema):
    full: int
    probationary: int
    total: int


class PostMemberOut(Schema):
    id: int
    name: str


class PostOut(Schema):
    id: int
    kind: str
    kind_label: str
    portfolio: str
    portfolio_label: str
    member: PostMemberOut
    term_start: date
    term_end: date | None

    @staticmethod
    def resolve_kind_label(obj: Post) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_portfolio_label(obj: Post) -> str:
        return str(obj.get_portfolio_display()) if obj.portfolio else ""


class WarningOut(Schema):
    rule: str
    source: str
    text: str


class OrgDetailOut(OrgOut):
    unit_name: str
    founded_on: date | None
    dissolved_on: date | None
    member_counts: CountsOut
    current_posts: list[PostOut]
    warnings: list[WarningOut]
    pending_requests: int


def _with_visible_parent(user, qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate `visible_parent_id`, in the same query, only when the parent is in scope.

    An out-of-scope parent stays null rather than leaking its id: the user cannot open it anyway.
    """
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
    parent = orgs_for(user).filter(path=parent_path).values("pk")[:1]
    return qs.annotate(visible_parent_id=Subquery(parent))


def _filtered(user, filters: OrgFilters) -> QuerySet[Organization]:
    qs = orgs_for(user)
    if filters.parent is not None:
        parent = get_scoped_or_404(user, "view", Organization.objects.all(), pk=filters.parent)
        qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q))
    if filters.type is not None:
        qs = qs.filter(org_type=filters.type)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    return qs.order_by("path")


@router.get("/", response=list[OrgOut], summary="党组织列表")
@paginated
def list_orgs(request: HttpRequest, filters: Query[OrgFilters]):
    return _with_visible_parent(request.auth, _filtered(request.auth, filters))


@router.get("/{int:org_id}", response=OrgDetailOut, summary="党组织详情")
def get_org(request: HttpRequest, org_id: int):
    user = request.auth
    org = get_scoped_or_404(
        user, "view", _with_visible_parent(user, Organization.objects.all()), pk=org_id
    )
    # Posts and requests are their own resources: the same restrict() the pages use decides.
    posts = list(restrict(user, "view", current_posts(org)))
    pending = restrict(
        user, "view", OrgChangeRequest.objects.filter(org=org, status=RequestStatus.PENDING)
    ).count()
    # The figures travel on the instance, so the schema's resolvers serve list and detail alike.
    org.member_counts = member_counts(org)
    org.current_posts = posts
    org.warnings = warnings_for(org)
    org.pending_requests = pending
    return org
