"""Helpers for the care tests: recipients and pairings made through the services."""

from datetime import date

import pytest
from support import member_in

from dangjian.care import services
from dangjian.care.models import Level, Reason


@pytest.fixture
def last_year() -> int:
    return date.today().year - 1


@pytest.fixture
def make_recipient(county):
    def _make(member=None, *, since=date(2020, 1, 1), user="gongwei", text="患病，配偶无业。"):
        member = member or member_in(county.branch_a1)
        return services.register_recipient(
            actor=county.users[user],
            member=member,
            reason=Reason.ILLNESS,
            level=Level.ORDINARY,
            since=since,
            circumstances=text,
        )

    return _make


@pytest.fixture
def cadre(county):
    return member_in(county.dangwei_a, name="周书记")
