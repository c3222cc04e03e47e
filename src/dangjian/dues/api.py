"""党费 calculator endpoint: the amount under the standard in force on a day."""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangjian.api import ErrorOut
from dangjian.dues.standards import Category, amount_for

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
