"""A pairing for 教育局机关第一党支部 (zhibu's branch) with an outside village, made through the services."""

from datetime import date

import pytest
from django.utils import timezone

from dangjian.outreach import services
from dangjian.outreach.models import PartnerKind


def years_ago(n: int) -> date:
    return date(timezone.localdate().year - n, 1, 1)


@pytest.fixture
def village(county):
    return services.register_partner(
        actor=county.users["gongwei"],
        org=county.gongwei,
        name="东山村",
        kind=PartnerKind.VILLAGE,
        place="东山乡",
    )


@pytest.fixture
def pairing(county, village):
    a1 = county.members["a1"]
    return services.create_pairing(
        actor=county.users["zhibu"], org=county.branch_a1, partner=village,
        started_on=years_ago(2), leader=a1[0], coordinator=a1[1],
    )  # fmt: skip
