"""党费 calculator endpoint: the amount under the standard in force on a day."""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangjian.accounts.roles import DUES
from dangjian.api import ErrorOut
from dangjian.core.scope import path_in_scope
from dangjian.dues import reports
from dangjian.dues.selectors import member_months
from dangjian.dues.standards import Category, amount_for
from dangjian.members.models import Member

router = Router(tags=["党费"])


class AmountQuery(Schema):
    category: Category = Field(..., description="党员类别")
    base: str = Field(
        "0", max_length=20, description="计算基数（元，最多两位小数）；固定金额的类别可不填"
    )
    on: date | None = Field(None, description="按哪一天有效的党费标准计算，默认今天")


class StandardRefOut(Schema):
    name: str
    effective_from: date


class AmountOut(Schema):
    amount: str = Field(..., description="每月党费（元）")
    rate: str | None = Field(..., description="比例；固定金额的类别为 null")
    standard: StandardRefOut


@router.get("/amount", response={200: AmountOut, 400: ErrorOut}, summary="计算每月党费")
def dues_amount(request: HttpRequest, params: Query[AmountQuery]):
    try:
        result = amount_for(params.category, params.base, params.on or timezone.localdate())
    except ValidationError as exc:
        return Status(400, {"detail": "；".join(exc.messages)})
    return Status(
        200,
        {
            "amount": str(result.amount),
            "rate": None if result.rate is None else str(result.rate),
            "standard": {
                "name": result.standard.name,
                "effective_from": result.standard.effective_from,
            },
        },
    )


# --- roll-up and a member's ledger (read through restrict(), out of scope → 404) -----------------


class RollupQuery(Schema):
    org: int | None = Field(
        None, description="党组织；不填时为本人授权范围内唯一的顶层党组织（有多个时须指定）"
    )
    month: str | None = Field(
        None, max_length=10, description="月份 YYYY-MM；与 year 二选一，都不填为最近已入账的月份"
    )
    year: int | None = Field(None, ge=1900, le=2999, description="年度：12个月合计")


class OrgRef(Schema):
    id: int
    name: str


class TotalsOut(Schema):
    members: int = Field(..., description="应交人数（年度为人次：人·月）")
    due: str = Field(..., description="应交（元）")
    paid: str = Field(..., description="实交（元）")
    unpaid: int = Field(..., description="未交足的人次")
    rate: str | None = Field(..., description="收缴率（%，一位小数）；无应交时为 null")
    arrears: str = Field(..., description="欠交（元）")


class RollupRowOut(Schema):
    org: OrgRef
    own: bool = Field(..., description="是否为该党组织本级直属党员的一行")
    totals: TotalsOut


class RollupOut(Schema):
    org: OrgRef
    period: str = Field(..., description="期间：YYYY-MM 或 YYYY")
    start: date
    end: date
    rows: list[RollupRowOut]
    total: TotalsOut


def _totals(t) -> dict:
    return {
        "members": t.members,
        "due": str(t.due),
        "paid": str(t.paid),
        "unpaid": t.unpaid,
        "rate": None if t.rate is None else str(t.rate),
        "arrears": str(t.arrears),
    }


@router.get(
    "/rollup",
    response={200: RollupOut, 400: ErrorOut, 404: ErrorOut},
    summary="党费收缴汇总（按下级党组织）",
    description="一个月或一个年度内，所选党组织每个下级党组织（及本级直属党员）的应交、实交、"
    "收缴率和欠交；数字由党费台账汇总得出，与页面和导出一致。",
)
def dues_rollup(request: HttpRequest, params: Query[RollupQuery]):
    raw = {k: v for k, v in params.dict().items() if v not in (None, "")}
    try:
        query = reports.report_query(request.auth, raw)
    except ValidationError as exc:
        return Status(400, {"detail": "；".join(exc.messages)})
    if query.org is None:
        return Status(400, {"detail": "您可以查看多个党组织，请用 org 参数指定一个。"})
    lines, total = reports.org_lines(request.auth, query)
    return Status(
        200,
        {
            "org": {"id": query.org.pk, "name": query.org.name},
            "period": query.period.key,
            "start": query.period.start,
            "end": query.period.end,
            "rows": [
                {
                    "org": {"id": line.org.pk, "name": line.org.name},
                    "own": line.own,
                    "totals": _totals(line.totals),
                }
                for line in lines
            ],
            "total": _totals(total),
        },
    )


class MemberMonthOut(Schema):
    month: str = Field(..., description="YYYY-MM")
    org: OrgRef
    category: str = Field(..., description="交纳类别")
    base: str | None = Field(..., description="计算基数（元）")
    assessed: str = Field(..., description="核定应交（元）")
    due: str = Field(..., description="应交（元，含减免和更正）")
    paid: str = Field(..., description="实交（元）")
    owing: str = Field(..., description="欠交（元）")
    paid_on: date | None
    method: str


@router.get(
    "/members/{member_id}/months",
    response={200: list[MemberMonthOut], 404: ErrorOut},
    summary="党员的党费月台账",
    description="一名党员每月的应交、实交和交纳日期（新的在前）；党员本人也可以查看自己的。",
)
def dues_member_months(request: HttpRequest, member_id: int, year: int | None = None):
    member = Member.objects.filter(pk=member_id).first()
    own = getattr(request.auth, "member", None)
    if member is None or not (
        path_in_scope(request.auth, "view", DUES, member.org_path)
        or (own is not None and own.pk == member.pk)
    ):
        raise Http404
    return [
        {
            "month": f"{r.month:%Y-%m}",
            "org": {"id": r.org_id, "name": r.org.name},
            "category": r.category,
            "base": None if r.base is None else str(r.base),
            "assessed": str(r.assessed),
            "due": str(r.due),
            "paid": str(r.paid),
            "owing": str(r.owing),
            "paid_on": r.paid_on,
            "method": r.method,
        }
        for r in member_months(member, year=year)
    ]
