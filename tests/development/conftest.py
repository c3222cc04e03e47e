from datetime import date

import pytest

from dangjian.development.demo import new_applicant

_seq = [500]


@pytest.fixture
def make_applicant(county):
    """make_applicant(applied_on, birth=…, org=…) through the real service, as zhibu."""

    def _make(
        applied_on: date, *, birth: date = date(1995, 6, 15), org=None, name="林晓明", actor=None
    ):
        _seq[0] += 3
        return new_applicant(
            actor=actor or county.users["zhibu"],
            org=org or county.branch_a1,
            name=name,
            applied_on=applied_on,
            birth=birth,
            seq=_seq[0],
        )

    return _make


@pytest.fixture
def walk(county):
    from dangjian.development.demo import walk as _walk

    def _go(applicant, upto):
        return _walk(
            applicant,
            branch_actor=county.users["zhibu"],
            committee_actor=county.users["dangwei"],
            upto=upto,
        )

    return _go
