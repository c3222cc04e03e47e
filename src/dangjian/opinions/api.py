"""群众意见 figures over the API: the same numbers as the figures page, through the same scope."""

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dangjian.opinions import selectors

router = Router(tags=["群众意见"])


class FiguresQuery(Schema):
    start: date | None = Field(None, description="期间起（含）；事项按形成日期、意见按收到日期计入")
    end: date | None = Field(None, description="期间止（含）")
    org: int | None = Field(None, description="只统计这个党组织及其下级（受理或承办）")


class OpinionCountOut(Schema):
    key: str
    label: str
    count: int


class UnitOut(Schema):
    unit_id: int
    name: str
    tasks: int
    done: int
    on_time: int
    on_time_rate: float | None = Field(
        ..., description="按期完成 ÷ 已完成 × 100；没有已完成的任务为 null"
    )
    overdue_open: int


class FiguresOut(Schema):
    opinions: int = Field(..., description="收到群众意见")
    cases: int = Field(..., description="归并后诉求事项（不含合并到其他事项的）")
    open: int
    overdue: int
    satisfied_rate: float | None
    by_level: list[OpinionCountOut]
    by_category: list[OpinionCountOut]
    satisfaction: list[OpinionCountOut]
    units: list[UnitOut]


@router.get("/figures", response=FiguresOut, summary="群众意见统计")
def figures(request: HttpRequest, query: Query[FiguresQuery]):
    params = {
        k: v for k, v in {"start": query.start, "end": query.end, "org": query.org}.items() if v
    }
    params = {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in params.items()}
    f = selectors.figures(
        request.user, selectors.period_from(request.user, params), timezone.localdate()
    )
    return {
        "opinions": f.opinions,
        "cases": f.cases,
        "open": f.open,
        "overdue": f.overdue,
        "satisfied_rate": f.satisfied_rate,
        "by_level": [{"key": k, "label": label, "count": n} for k, label, n in f.by_level],
        "by_category": [{"key": str(k or ""), "label": label, "count": n} for k, label, n in f.by_category],
        "satisfaction": [{"key": k, "label": label, "count": n} for k, label, n in f.satisfaction],
        "units": [
            {
                "unit_id": u.unit_id, "name": u.name, "tasks": u.tasks, "done": u.done, "on_time": u.on_time,
                "on_time_rate": u.on_time_rate, "overdue_open": u.overdue_open,
            }
            for u in f.units
        ],
    }  # fmt: skip
