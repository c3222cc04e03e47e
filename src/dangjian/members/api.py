"""Member endpoints. ID numbers and phones leave only masked, except through the audited reveal."""

from datetime import date
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from dangjian.api import ErrorOut, paginated
from dangjian.core.scope import get_scoped_or_404
from dangjian.members.choices import Gender, MemberCategory, MemberStatus
from dangjian.members.models import Member
from dangjian.members.selectors import members_for, search_people
from dangjian.members.services import reveal_id_number
from dangjian.orgs.models import Organization

router = Router(tags=["党员"])

# Every ordering ends on the id so that pages never overlap or skip rows.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "stroke": ("stroke_key", "id"),  # 姓氏笔画, the order of official name lists
    "name_pinyin": ("pinyin", "id"),
    "joined_on": ("joined_on", "id"),
    "-joined_on": ("-joined_on", "-id"),
    "birth_date": ("birth_date", "id"),
}
Ordering = Literal["stroke", "name_pinyin", "joined_on", "-joined_on", "birth_date"]


class MemberFilters(Schema):
    org: int | None = Field(None, description="党组织（含全部下级）")
    q: str | None = Field(None, max_length=50, description="姓名、拼音首字母或完整身份证号")
    category: MemberCategory | None = Field(None, description="党员类别")
    status: MemberStatus | None = Field(None, description="党籍状态")
    gender: Gender | None = Field(None, description="性别")
    ordering: Ordering = Field("stroke", description="排序：默认按姓氏笔画")


class OrgRefOut(Schema):
    id: int
    name: str


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    gender_label: str
    ethnicity: str
    birth_date: date
    id_number: str = Field(..., description="脱敏的身份证号")
    education: str
    education_label: str
    occupation: str
    occupation_label: str
    category: str
    category_label: str
    status: str
    status_label: str
    joined_on: date
    confirmed_on: date | None
    org: OrgRefOut
    phone: str = Field(..., description="脱敏的联系电话")

    # The plain values never reach the schema: these read the masked columns only.
    @staticmethod
    def resolve_id_number(obj: Member) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj: Member) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_gender_label(obj: Member) -> str:
        return str(obj.get_gender_display())

    @staticmethod
    def resolve_education_label(obj: Member) -> str:
        return str(obj.get_education_display())

    @staticmethod
    def resolve_occupation_label(obj: Member) -> str:
        return str(obj.get_occupation_display())

    @staticmethod
    def resolve_category_label(obj: Member) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Member) -> str:
        return str(obj.get_status_display())


class IdNumberOut(Schema):
    id: int
    id_number: str


@router.get("/", response=list[MemberOut], summary="党员列表")
@paginated
def list_members(request: HttpRequest, filters: Query[MemberFilters]):
    user = request.auth
    qs = members_for(user)
    if filters.org is not None:
        # The org must be one the user may see; otherwise 404, as if it did not exist.
        org = get_scoped_or_404(user, "view", Organization.objects.all(), pk=filters.org)
        qs = qs.filter(org_path__startswith=org.path)
    if filters.q:
        qs = search_people(qs, filters.q)
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.gender is not None:
        qs = qs.filter(gender=filters.gender)
    return qs.order_by(*ORDERINGS[filters.ordering])


@router.get("/{int:member_id}", response=MemberOut, summary="党员详情")
def get_member(request: HttpRequest, member_id: int):
    return get_scoped_or_404(request.auth, "view", members_for(request.auth), pk=member_id)


@router.get(
    "/{int:member_id}/id-number",
    response={200: IdNumberOut, 404: ErrorOut},
    summary="查看完整身份证号（留痕）",
)
def get_id_number(request: HttpRequest, response: HttpResponse, member_id: int):
    """Only for roles allowed to see personal data; every call is written to the audit log."""
    user = request.auth
    member = get_scoped_or_404(user, "view", members_for(user), pk=member_id)
    number = reveal_id_number(actor=user, member=member, request=request)
    # Personal data must not linger in a browser or proxy cache (SECURITY.md -32/-33).
    response["Cache-Control"] = "no-store"
    return Status(200, {"id": member.pk, "id_number": number})
