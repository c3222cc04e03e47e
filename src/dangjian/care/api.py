"""困难党员帮扶 endpoint: quarterly visit compliance, read through restrict() (out of scope → 404)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangjian.accounts.roles import CARE
from dangjian.api import ErrorOut
from dangjian.care import selectors
from dangjian.core.scope import path_in_scope, scope_paths
from dangjian.orgs.models import Organization

router = Router(tags=["困难党员帮扶"])


class ComplianceQuery(Schema):
    quarter: str | None = Field(
        None, max_length=10, description="季度，如 2026Q1；不填为今天所在的季度"
    )
    org: int | None = Field(
        None, description="党组织；不填时为本人授权范围内唯一的顶层党组织（有多个时须指定）"
    )


class PairOut(Schema):
    pair_id: int
    recipient_id: int
    recipient: str = Field(..., description="困难党员姓名")
    org: str = Field(..., description="困难党员所在党组织")
    cadre: str = Field(..., description="结对领导干部")
    visits: int = Field(..., description="本季度走访次数")
    deeds: int = Field(..., description="本季度办实事件数")
    ok: bool
    missing: list[str] = Field(..., description="缺少的项目")


class ComplianceOut(Schema):
    quarter: str
    start: date
    end: date
    in_progress: bool = Field(..., description="季度尚未结束")
    expected: int = Field(..., description="应走访的结对数")
    compliant: int
    missing: list[PairOut]
    rules: list[str] = Field(..., description="依据的规则及其来源")


@router.get(
    "/compliance",
    response={200: ComplianceOut, 400: ErrorOut, 404: ErrorOut},
    summary="困难党员季度走访落实情况",
    description="季度开始前已结对、季度内未结束的每个结对：走访次数、实事件数，列出未落实的结对。"
    "季度中间新结对的从下一季度起统计。数字由走访记录算出，与页面一致。",
)
def care_compliance(request: HttpRequest, params: Query[ComplianceQuery]):
    user = request.auth
    today = timezone.localdate()
    try:
        quarter = selectors.parse_quarter(params.quarter, today)
    except ValidationError as exc:
        return Status(400, {"detail": "；".join(exc.messages)})
    roots = scope_paths(user, "view", CARE)
    if params.org is not None:
        org = Organization.objects.filter(pk=params.org).first()
        if org is None or not path_in_scope(user, "view", CARE, org.path):
            raise Http404
        within = org.path
    elif len(roots) == 1:
        within = roots[0]
    elif not roots:
        raise Http404
    else:
        return Status(400, {"detail": "您可以查看多个党组织，请用 org 参数指定一个。"})
    result = selectors.compliance(user, quarter, today, within=within)
    return Status(
        200,
        {
            "quarter": quarter.key,
            "start": quarter.start,
            "end": quarter.end,
            "in_progress": result.in_progress,
            "expected": len(result.rows),
            "compliant": result.compliant,
            "missing": [
                {
                    "pair_id": s.pair.pk,
                    "recipient_id": s.pair.recipient_id,
                    "recipient": s.pair.recipient.member.name,
                    "org": s.pair.recipient.org.name,
                    "cadre": s.pair.cadre.name,
                    "visits": len(s.visits),
                    "deeds": s.deeds,
                    "ok": s.ok,
                    "missing": [str(m) for m in s.missing],
                }
                for s in result.missing
            ],
            "rules": [result.cite_visits, result.cite_deeds],
        },
    )
