"""联建共创 figures as JSON: the same selector as the figures page, through the same scope."""

from datetime import date

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangjian.accounts.roles import OUTREACH
from dangjian.api import ErrorOut
from dangjian.core.scope import path_in_scope, scope_paths
from dangjian.orgs.models import Organization
from dangjian.outreach import selectors

router = Router(tags=["联建共创"])


class OutreachFiguresQuery(Schema):
    org: int | None = Field(None, description="党组织编号；不填时为您可查看的唯一范围")
    from_: date | None = Field(None, alias="from", description="开始日期（含），默认本年1月1日")
    to: date | None = Field(None, description="结束日期（含），默认今天")


class OutreachOrgRef(Schema):
    id: int
    name: str


class KindOut(Schema):
    kind: str = Field(..., description="联建单位类型")
    label: str
    pairings: int = Field(..., description="结对数")
    agency_orgs: int = Field(..., description="开展结对的机关党组织数（不重复）")
    partners: int = Field(..., description="联建单位数（不重复）")


class PairingsOut(Schema):
    pairings: int
    agency_orgs: int
    partners: int
    by_partner_kind: list[KindOut]


class CategoryOut(Schema):
    category: str = Field(..., description="四联四共类别")
    label: str
    count: int


class ActivitiesOut(Schema):
    total: int
    by_category: list[CategoryOut]


class TasksOut(Schema):
    total: int
    done: int


class OutreachFiguresOut(Schema):
    org: OutreachOrgRef
    from_: date = Field(..., alias="from")
    to: date
    pairings: PairingsOut = Field(..., description="期间内在结对状态的结对")
    activities: ActivitiesOut
    members_went_down: int = Field(..., description="下基层党员人数（不重复计）")
    problems_solved: int
    services_delivered: int
    funds_raised: str = Field(..., description="筹措项目资金（元）")
    deeds_done: int
    tasks: TasksOut


@router.get(
    "/figures",
    response={200: OutreachFiguresOut, 400: ErrorOut, 404: ErrorOut},
    by_alias=True,
    summary="联建共创统计",
    description="所选党组织（含下级）在一段时间内的结对、活动和成效数字；由活动记录统计得出，"
    "与页面和导出一致。",
)
def figures(request: HttpRequest, params: Query[OutreachFiguresQuery]):
    user = request.auth
    today = timezone.localdate()
    start = params.from_ or date(today.year, 1, 1)
    end = params.to or today
    if start > end:
        return Status(400, {"detail": "开始日期不能晚于结束日期。"})
    if params.org is None:
        roots = scope_paths(user, "view", OUTREACH)
        if not roots:
            raise Http404
        if len(roots) > 1:
            return Status(400, {"detail": "您可以查看多个党组织，请用 org 参数指定一个。"})
        org = Organization.objects.get(path=roots[0])
    else:
        org = Organization.objects.filter(pk=params.org).first()
        if org is None or not path_in_scope(user, "view", OUTREACH, org.path):
            raise Http404
    return Status(200, selectors.figures(user, org, start, end).as_dict())
