"""Collections for the funds tests, made through the dues services as tests/dues does."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from dangjian.core.calendar import add_months
from dangjian.dues import services as dues
from dangjian.dues.services import BaseLine, month_start


def this_month() -> date:
    return month_start(timezone.localdate())


def ago(n: int) -> date:
    return add_months(this_month(), -n)


@pytest.fixture
def paid(county):
    """Every member on a 4000 元 base (40.00 元 a month); months ago(2) and ago(1) posted and paid
    in full at every branch: 160.00 元 a month per branch of four, 960.00 元 in all."""
    gw = county.users["gongwei"]
    lines = [BaseLine(m, "salaried", "4000", ago(18)) for ms in county.members.values() for m in ms]
    dues.set_bases(actor=gw, lines=lines)
    today = timezone.localdate()
    for month in (ago(2), ago(1)):
        for branch in (county.branch_a1, county.branch_a2, county.branch_b1):
            dues.record_branch_month(actor=gw, org=branch, month=month, paid_on=today)
    return {"period": (ago(2), ago(1)), "per_branch_month": Decimal("160.00")}
