"""The possible 自行脱党 hook: sources registered by other modules, the 6-month rule on both sides."""

from datetime import date

import pytest
from support import member_in

from dangjian.members.lapse import (
    lapse_sources,
    possible_lapses,
    register_lapse_source,
    unregister_lapse_source,
)
from dangjian.members.services import change_status

TODAY = date(2024, 9, 10)


@pytest.fixture(autouse=True)
def _only_test_sources():
    """The hook's own rules, with the real sources (the dues ledger) set aside meanwhile."""
    from dangjian.members import lapse

    saved = dict(lapse._SOURCES)
    lapse._SOURCES.clear()
    yield
    lapse._SOURCES.clear()
    lapse._SOURCES.update(saved)


@pytest.fixture
def ledgers():
    """Two dict-backed sources, as the life and dues modules would register: member id → last date."""
    life: dict[int, date] = {}
    dues: dict[int, date] = {}
    calls: list[list[int]] = []

    def life_dates(ids):
        calls.append(list(ids))
        return {i: life[i] for i in ids if i in life}

    register_lapse_source("test_life", "参加组织生活", life_dates)
    register_lapse_source("test_dues", "交纳党费", lambda ids: {i: dues.get(i) for i in ids})
    yield life, dues, calls
    unregister_lapse_source("test_life")
    unregister_lapse_source("test_dues")


def test_no_source_registered_lists_nothing(county):
    assert lapse_sources() == []
    assert possible_lapses(county.users["zhibu"], today=TODAY) == []


def test_every_source_must_show_six_months_both_sides_of_the_boundary(county, ledgers):
    life, dues, calls = ledgers
    exact, short, one_ok, never = (
        member_in(
            county.branch_a1,
            birth_date=date(1970, 5, 5),
            joined_on=date(1995, 7, 1),
            confirmed_on=date(1996, 7, 1),
        )
        for _ in range(4)
    )
    life[exact.pk], dues[exact.pk] = date(2024, 3, 10), date(2024, 2, 1)  # exactly 6 months: listed
    life[short.pk], dues[short.pk] = date(2024, 3, 11), date(2024, 1, 1)  # 6 months minus one day
    life[one_ok.pk], dues[one_ok.pk] = date(2023, 1, 1), date(2024, 8, 1)  # still pays dues
    # `never`: no date in either source, counted from joining the Party (years ago).
    rows = {r.member.pk: r for r in possible_lapses(county.users["zhibu"], today=TODAY)}
    assert exact.pk in rows and never.pk in rows
    assert short.pk not in rows and one_ok.pk not in rows
    assert rows[exact.pk].months == 6
    assert [f.last for f in rows[never.pk].facts] == [None, None]
    assert rows[never.pk].facts[0].counted_from == never.joined_on
    assert calls and exact.pk in calls[0]
    # The branch's other members (created by build_county) have no records either: all listed, scoped.
    # (those who joined 6 months or more ago; a newer member is counted from joining).
    old_enough = {m.pk for m in county.members["a1"] if m.joined_on <= date(2024, 3, 10)}
    assert old_enough <= set(rows)
    assert not ({m.pk for m in county.members["a1"]} - old_enough) & set(rows)
    assert not any(r.member.org_id != county.branch_a1.pk for r in rows.values())


def test_new_member_counted_from_joining_and_inactive_members_skipped(county, ledgers):
    recent = member_in(
        county.branch_a1, joined_on=date(2024, 3, 11), confirmed_on=None, category="probationary"
    )
    joined_exact = member_in(
        county.branch_a1, joined_on=date(2024, 3, 10), confirmed_on=None, category="probationary"
    )
    dead = member_in(
        county.branch_a1,
        birth_date=date(1970, 5, 5),
        joined_on=date(1995, 7, 1),
        confirmed_on=date(1996, 7, 1),
    )
    change_status(
        actor=county.users["zhibu"],
        member=dead,
        status="deceased",
        on=date(2024, 1, 2),
        reason="因病去世",
    )
    shown = {r.member.pk for r in possible_lapses(county.users["zhibu"], today=TODAY)}
    assert joined_exact.pk in shown
    assert recent.pk not in shown and dead.pk not in shown


def test_lapse_list_is_scoped_and_narrowed(county, ledgers):
    b1 = county.members["b1"][0]
    assert b1.pk not in {r.member.pk for r in possible_lapses(county.users["zhibu"], today=TODAY)}
    within = possible_lapses(county.users["gongwei"], within=county.dangwei_b.path, today=TODAY)
    assert {r.member.pk for r in within} == {
        m.pk for m in county.members["b1"] if m.joined_on <= date(2024, 3, 10)
    }
