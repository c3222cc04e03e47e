"""Term registry: length by rule (4.11), due lists, postpone/advance within one year (4.1), approval above."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from support import org as make_org

from dangjian.core.calendar import add_months, add_years
from dangjian.elections import selectors, services
from dangjian.elections.models import Body, RequestStatus, TermChangeKind
from dangjian.elections.reminders import term_reminders
from dangjian.orgs.models import OrgType, Sector

pytestmark = pytest.mark.django_db


def _today():
    from django.utils import timezone

    return timezone.localdate()


def test_term_length_follows_the_rules(county):
    gw = county.users["gongwei"]
    start = date(2024, 3, 1)
    t1 = services.register_term(actor=gw, org=county.dangwei_a, started_on=start)
    t2 = services.register_term(actor=gw, org=county.branch_a1, started_on=start)
    assert (t1.length_years, t1.due_on, t1.body) == (5, date(2029, 3, 1), Body.COMMITTEE)
    assert (t2.length_years, t2.due_on) == (3, date(2027, 3, 1))
    # 4 正式党员 < 7: a lone 书记, no 支部委员会 (4.13)
    assert t2.body == Body.SECRETARY
    village = make_org(county.dangwei_b, "T129", "某村党支部", OrgType.BRANCH, Sector.VILLAGE)
    t3 = services.register_term(actor=gw, org=village, started_on=start)
    assert t3.length_years == 5
    general = make_org(county.dangwei_b, "T128", "某党总支", OrgType.GENERAL_BRANCH)
    assert services.register_term(actor=gw, org=general, started_on=start).length_years == 3
    assert "《关于党的基层组织任期的意见》" in t1.rule_version


def test_term_cannot_be_registered_twice_or_out_of_scope(county):
    services.register_term(
        actor=county.users["zhibu"], org=county.branch_a1, started_on=date(2024, 1, 1)
    )
    with pytest.raises(ValidationError, match="不能重复登记"):
        services.register_term(
            actor=county.users["zhibu"], org=county.branch_a1, started_on=date(2024, 1, 1)
        )
    with pytest.raises(Http404):
        services.register_term(
            actor=county.users["zhibu2"], org=county.branch_a2, started_on=date(2024, 1, 1)
        )
    with pytest.raises(ValidationError, match="不在基层党组织任期登记范围"):
        services.register_term(
            actor=county.users["gongwei"], org=county.gongwei, started_on=date(2024, 1, 1)
        )


def test_due_soon_and_overdue_lists_for_the_users_subtree(county):
    gw = county.users["gongwei"]
    today = _today()
    soon = services.register_term(
        actor=gw, org=county.branch_a1, started_on=add_years(today, -3) + timedelta(days=30)
    )
    late = services.register_term(
        actor=gw, org=county.branch_a2, started_on=add_years(today, -3) - timedelta(days=1)
    )
    edge = services.register_term(
        actor=gw, org=county.branch_b1, started_on=add_years(add_months(today, 6), -3)
    )
    far = services.register_term(actor=gw, org=county.dangwei_a, started_on=add_years(today, -1))
    assert edge.due_on == add_months(today, 6)
    due = set(selectors.terms_due_within(gw, today))
    assert soon in due and edge in due and far not in due and late not in due
    assert set(selectors.terms_overdue(gw, today)) == {late}
    # the same term seen a day earlier is one day beyond the 6-month window
    assert edge not in set(selectors.terms_due_within(gw, today - timedelta(days=1), 6))
    assert set(selectors.terms_overdue(county.users["zhibu2"], today)) == set()
    assert set(selectors.terms_due_within(county.users["zhibu2"], today)) == {edge}
    labels = {r.label: r.count for r in term_reminders(gw, today)}
    assert labels["任期已届满，尚未换届"] == 1
    assert labels["任期6个月内届满"] == 2


def test_postponement_of_one_year_is_allowed_and_more_is_refused(county):
    zhibu, dangwei = county.users["zhibu"], county.users["dangwei"]
    term = services.register_term(actor=zhibu, org=county.branch_a1, started_on=date(2024, 5, 10))
    assert term.due_on == date(2027, 5, 10)
    with pytest.raises(ValidationError, match="延期换届超过12个月"):
        services.request_term_change(
            actor=zhibu, term=term, new_due_on=date(2028, 5, 11), reason="单位改革"
        )
    change = services.request_term_change(
        actor=zhibu, term=term, new_due_on=date(2028, 5, 10), reason="单位改革"
    )
    assert change.kind == TermChangeKind.POSTPONE
    services.decide_term_change(actor=dangwei, change=change, approve=True)
    term.refresh_from_db()
    assert term.due_on == date(2028, 5, 10) and term.original_due_on == date(2027, 5, 10)


def test_postponement_beyond_one_year_needs_a_documented_exception(county):
    zhibu = county.users["zhibu"]
    term = services.register_term(actor=zhibu, org=county.branch_a1, started_on=date(2024, 5, 10))
    change = services.request_term_change(
        actor=zhibu,
        term=term,
        new_due_on=date(2028, 6, 1),
        reason="机构改革",
        exception_basis="机构改革尚未完成，经县委组织部同意（县组通〔2027〕5号）",
    )
    assert change.exception_basis.startswith("机构改革")


def test_advance_limits_both_sides(county):
    zhibu = county.users["zhibu"]
    term = services.register_term(actor=zhibu, org=county.branch_a1, started_on=date(2024, 5, 10))
    with pytest.raises(ValidationError, match="提前换届超过12个月"):
        services.request_term_change(
            actor=zhibu, term=term, new_due_on=date(2026, 5, 9), reason="合并"
        )
    change = services.request_term_change(
        actor=zhibu, term=term, new_due_on=date(2026, 5, 10), reason="合并"
    )
    assert change.kind == TermChangeKind.ADVANCE


def test_approval_must_come_from_strictly_above_and_not_the_requester(county):
    dangwei, gongwei = county.users["dangwei"], county.users["gongwei"]
    own = services.register_term(actor=dangwei, org=county.dangwei_a, started_on=date(2024, 5, 10))
    change = services.request_term_change(
        actor=dangwei, term=own, new_due_on=date(2029, 9, 1), reason="x"
    )
    with pytest.raises(ValidationError, match="上级党组织批复"):
        services.decide_term_change(actor=dangwei, change=change, approve=True)
    with pytest.raises(ValidationError, match="写明理由"):
        services.decide_term_change(actor=gongwei, change=change, approve=False)
    services.decide_term_change(actor=gongwei, change=change, approve=False, note="时间太长")
    change.refresh_from_db()
    assert change.status == RequestStatus.REJECTED
    own.refresh_from_db()
    assert own.due_on == date(2029, 5, 10)
    branch_term = services.register_term(
        actor=gongwei, org=county.branch_a1, started_on=date(2024, 5, 10)
    )
    mine = services.request_term_change(
        actor=gongwei, term=branch_term, new_due_on=date(2027, 9, 1), reason="x"
    )
    with pytest.raises(ValidationError, match="不能批复自己"):
        services.decide_term_change(actor=gongwei, change=mine, approve=True)
    # a branch secretary has no approval at all; zhibu2 cannot even see it
    with pytest.raises(ValidationError, match="上级党组织批复"):
        services.decide_term_change(actor=county.users["zhibu"], change=mine, approve=True)
    with pytest.raises(Http404):
        services.decide_term_change(actor=county.users["zhibu2"], change=mine, approve=True)
    services.decide_term_change(actor=dangwei, change=mine, approve=True)
    branch_term.refresh_from_db()
    assert branch_term.due_on == date(2027, 9, 1)
