"""Visit corrections (the old visit stays, its 慰问金 reversed and re-entered in the funds ledger in
the same transaction), re-employment per person, and the care figures for a subtree and a year."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from support import member_in

from dangjian.care import selectors, services
from dangjian.care.models import Deed, Level, Reason, Trainee, Visit
from dangjian.funds import selectors as fund_selectors
from dangjian.funds import services as funds
from dangjian.funds.models import Fund, FundEntry, Kind

pytestmark = pytest.mark.django_db

TODAY = date.today()


def fund(county, org=None, amount="1000", fund_=Fund.BUDGET):
    return funds.record_funding(
        actor=county.users["gongwei"], org=org or county.dangwei_a, fund=fund_, amount=amount,
        occurred_on=date(2020, 1, 2), counterparty_name="县财政局",
    )  # fmt: skip


@pytest.fixture
def paired(county, make_recipient, cadre):
    r = make_recipient()
    services.pair_cadre(
        actor=county.users["gongwei"], recipient=r, cadre=cadre, started_on=date(2020, 1, 1)
    )
    return r


def visit(county, r, cadre, day, amount="0", payer=None, fund_=Fund.BUDGET, deeds=("修缮屋顶",)):
    return services.record_visit(
        actor=county.users["gongwei"], recipient=r, visited_on=day, cadres=[cadre],
        what_done="到家中看望。", deeds=list(deeds), amount=amount,
        paying_org=payer, fund=fund_,
    )  # fmt: skip


def correct(county, old, cadre, day, amount="0", payer=None, fund_=Fund.BUDGET, user="gongwei",
            reason="金额登记错了", deeds=("修缮屋顶",)):  # fmt: skip
    return services.correct_visit(
        actor=county.users[user], visit=old, reason=reason, visited_on=day, cadres=[cadre],
        what_done="到家中看望（更正）。", deeds=list(deeds), amount=amount,
        paying_org=payer, fund=fund_,
    )  # fmt: skip


def balance(org, fund_=Fund.BUDGET):
    return fund_selectors.fund_balance(org, fund_)


# --- visit correction ------------------------------------------------------------------------------


def test_a_corrected_visit_stays_and_its_money_is_reversed_and_re_entered(county, paired, cadre):
    fund(county)
    old = visit(county, paired, cadre, date(2020, 3, 1), "600", county.dangwei_a)
    assert balance(county.dangwei_a) == Decimal("400.00")
    new = correct(county, old, cadre, date(2020, 3, 2), "500", county.dangwei_a)
    old.refresh_from_db()
    assert Visit.objects.filter(pk=old.pk).exists() and old.is_corrected
    assert new.replaces_id == old.pk and new.correction_reason == "金额登记错了"
    # the old entry is untouched, reversed by a negative entry, the right one follows
    first = FundEntry.objects.get(pk=old.fund_entry_id)
    assert first.amount == Decimal("600.00")
    reversal = FundEntry.objects.get(corrects=first)
    assert reversal.amount == Decimal("-600.00") and reversal.kind == Kind.EXPENSE
    assert new.fund_entry.replaces_id == first.pk and new.fund_entry.amount == Decimal("500.00")
    assert new.fund_entry.occurred_on == date(2020, 3, 2)
    # the balance is derived from the entries: 1000 − 600 + 600 − 500
    assert balance(county.dangwei_a) == Decimal("500.00")


def test_a_correction_to_another_payer_reverses_and_pays_anew(county, paired, cadre):
    fund(county)
    fund(county, org=county.gongwei)
    old = visit(county, paired, cadre, date(2020, 3, 1), "600", county.dangwei_a)
    new = correct(county, old, cadre, date(2020, 3, 1), "300", county.gongwei)
    assert balance(county.dangwei_a) == Decimal("1000.00")
    assert balance(county.gongwei) == Decimal("700.00")
    assert new.fund_entry.org == county.gongwei and new.fund_entry.replaces_id is None


def test_a_correction_to_no_money_only_reverses(county, paired, cadre):
    fund(county)
    old = visit(county, paired, cadre, date(2020, 3, 1), "600", county.dangwei_a)
    new = correct(county, old, cadre, date(2020, 3, 1), "0")
    assert new.fund_entry is None and balance(county.dangwei_a) == Decimal("1000.00")
    # and a visit without money corrected to money pays it
    newer = correct(county, new, cadre, date(2020, 3, 1), "100", county.dangwei_a)
    assert newer.fund_entry.amount == Decimal("100.00")
    assert balance(county.dangwei_a) == Decimal("900.00")


def test_a_correction_refused_by_the_ledger_writes_nothing(county, paired, cadre):
    fund(county)
    old = visit(county, paired, cadre, date(2020, 3, 1), "600", county.dangwei_a)
    entries, visits = FundEntry.objects.count(), Visit.objects.count()
    with pytest.raises(ValidationError, match="结余不足"):
        correct(county, old, cadre, date(2020, 3, 1), "1000.01", county.dangwei_a)
    assert (FundEntry.objects.count(), Visit.objects.count()) == (entries, visits)
    old.refresh_from_db()
    assert not old.is_corrected
    # exactly the balance (1000 after the reversal) is fine
    correct(county, old, cadre, date(2020, 3, 1), "1000", county.dangwei_a)
    assert balance(county.dangwei_a) == 0


def test_a_visit_is_corrected_once_and_needs_a_reason(county, paired, cadre):
    old = visit(county, paired, cadre, date(2020, 3, 1))
    with pytest.raises(ValidationError, match="更正原因"):
        correct(county, old, cadre, date(2020, 3, 1), reason=" ")
    correct(county, old, cadre, date(2020, 3, 1))
    with pytest.raises(ValidationError, match="已经更正过"):
        correct(county, Visit.objects.get(pk=old.pk), cadre, date(2020, 3, 1))
    assert Visit.objects.count() == 2


def test_correcting_is_scoped(county, paired, cadre):
    old = visit(county, paired, cadre, date(2020, 3, 1))
    member_in(county.branch_b1)
    with pytest.raises(Http404):
        correct(county, old, cadre, date(2020, 3, 1), user="zhibu2")
    correct(county, old, cadre, date(2020, 3, 1), user="zhibu")


def test_visit_money_cannot_be_corrected_from_the_funds_ledger_alone(county, paired, cadre):
    fund(county)
    old = visit(county, paired, cadre, date(2020, 3, 1), "600", county.dangwei_a)
    with pytest.raises(ValidationError, match="走访记录中更正"):
        funds.correct_entry(actor=county.users["gongwei"], entry=old.fund_entry, reason="错")
    # an ordinary expense is still corrected there
    other = funds.record_expense(
        actor=county.users["gongwei"], org=county.dangwei_a, fund=Fund.BUDGET,
        purpose="activities", amount="10", occurred_on=date(2020, 3, 5),
    )  # fmt: skip
    funds.correct_entry(actor=county.users["gongwei"], entry=other, reason="错")


def test_only_the_correction_counts_for_quarterly_compliance(county, paired, cadre):
    q1 = selectors.Quarter(2020, 1)
    old = visit(county, paired, cadre, date(2020, 3, 31))
    c = selectors.compliance(county.users["gongwei"], q1, TODAY)
    assert c.compliant == 1
    # the visit was really on 1 April: Q1 is now missing, Q2 has it
    correct(county, old, cadre, date(2020, 4, 1), reason="日期登记错了")
    assert selectors.compliance(county.users["gongwei"], q1, TODAY).compliant == 0
    q2 = selectors.compliance(county.users["gongwei"], selectors.Quarter(2020, 2), TODAY)
    assert q2.compliant == 1


# --- re-employment per person ---------------------------------------------------------------------


@pytest.fixture
def course(county):
    people = county.members["a1"][:2]
    return services.record_course(
        actor=county.users["gongwei"], org=county.dangwei_a, title="家政服务培训",
        held_on=date(2020, 5, 10), organiser="县人社局",
        trainees=[(m, None, "") for m in people],
    )  # fmt: skip


def test_a_trainee_is_re_employed_later_with_their_own_date(county, course):
    t = Trainee.objects.filter(course=course).order_by("id").first()
    services.record_reemployment(
        actor=county.users["dangwei"],
        trainee=t,
        reemployed_on=date(2021, 2, 1),
        employer="县物流公司",
    )
    t.refresh_from_db()
    assert (t.reemployed_on, t.employer) == (date(2021, 2, 1), "县物流公司")
    user = county.users["gongwei"]
    # counted in the year of its own date, not the course's
    assert selectors.reemployed_in_year(user, 2020).count() == 0
    assert list(selectors.reemployed_in_year(user, 2021)) == [t]
    assert selectors.figures(user, 2021, TODAY).reemployed == 1
    assert selectors.courses(user)[0].reemployed == 1


def test_re_employment_dates_and_changes_are_checked(county, course):
    t = Trainee.objects.filter(course=course).order_by("id").first()
    gw = county.users["gongwei"]
    with pytest.raises(ValidationError, match="不能早于培训日期"):
        services.record_reemployment(
            actor=gw, trainee=t, reemployed_on=date(2020, 5, 9), employer="甲"
        )
    services.record_reemployment(
        actor=gw, trainee=t, reemployed_on=date(2020, 5, 10), employer="甲"
    )
    with pytest.raises(ValidationError, match="说明原因"):
        services.record_reemployment(
            actor=gw, trainee=t, reemployed_on=date(2020, 6, 1), employer="乙"
        )
    services.record_reemployment(
        actor=gw, trainee=t, reemployed_on=date(2020, 6, 1), employer="乙", note="单位登记错了"
    )
    t.refresh_from_db()
    assert (t.employer, t.reemployment_note) == ("乙", "单位登记错了")
    with pytest.raises(Http404):
        services.record_reemployment(
            actor=county.users["zhibu2"], trainee=t, reemployed_on=date(2020, 6, 1), employer="丙"
        )


# --- figures ---------------------------------------------------------------------------------------


def test_figures_count_the_records_of_the_subtree_and_year(county, make_recipient, cadre):
    fund(county)
    gw = county.users["gongwei"]
    r1 = make_recipient(county.members["a1"][1], since=date(2020, 1, 1))
    r2 = services.register_recipient(
        actor=gw, member=county.members["a2"][1], reason=Reason.DISABILITY,
        level=Level.SPECIAL, since=date(2020, 6, 1),
    )  # fmt: skip
    # registered in 2021: counted from 2021 only
    r3 = make_recipient(county.members["b1"][1], since=date(2021, 1, 1))
    for r in (r1, r2):
        services.pair_cadre(actor=gw, recipient=r, cadre=cadre, started_on=date(2020, 1, 1))
    v = visit(county, r1, cadre, date(2020, 2, 1), "200", county.dangwei_a, deeds=("甲", "乙"))
    visit(county, r2, cadre, date(2020, 7, 1), "100", county.dangwei_a)
    visit(county, r1, cadre, date(2020, 12, 31), deeds=())
    visit(county, r1, cadre, date(2021, 1, 1), "50", county.dangwei_a)
    correct(county, v, cadre, date(2020, 2, 1), "250", county.dangwei_a, deeds=("甲",))
    f = selectors.figures(gw, 2020, TODAY)
    assert f.recipients == 2
    assert dict((k, n) for k, _l, n in f.by_reason)[Reason.ILLNESS] == 1
    assert dict((k, n) for k, _l, n in f.by_level)[Level.SPECIAL] == 1
    assert (f.visits, f.deeds, f.money) == (3, 2, Decimal("350.00"))
    # equal to the ledger's 慰问 expenses for visits (the 200 entry, its reversal, 250, 100)
    assert f.ledger_money == Decimal("350.00") and f.money_matches
    # both pairs expected every quarter; Q1 r1 visited, Q3 r2 visited, Q4 r1 visited without 实事
    assert [(q.expected, q.compliant) for q in f.quarters] == [(2, 1), (2, 0), (2, 1), (2, 0)]
    # a subtree: dangwei_a holds r1 and r2, dangwei_b's r3 only from 2021
    f21 = selectors.figures(gw, 2021, TODAY, within=county.dangwei_b.path)
    assert (f21.recipients, f21.visits) == (1, 0)
    assert selectors.figures(gw, 2020, TODAY, within=county.dangwei_b.path).recipients == 0
    assert r3.pk


def test_figures_money_equals_the_ledger_and_shows_a_difference(county, paired, cadre):
    fund(county)
    gw = county.users["gongwei"]
    visit(county, paired, cadre, date(2020, 2, 1), "200", county.dangwei_a)
    f = selectors.figures(gw, 2020, TODAY)
    assert f.money == f.ledger_money == Decimal("200.00")
    # a ledger entry for the visit changed behind its back (not through the services) shows up
    entry = FundEntry.objects.get(care_visit__isnull=False)
    FundEntry.objects.filter(pk=entry.pk).update(amount=Decimal("210.00"))
    f = selectors.figures(gw, 2020, TODAY)
    assert f.ledger_money == Decimal("210.00") and not f.money_matches


def test_figures_follow_the_scope_of_the_user(county, paired, cadre):
    visit(county, paired, cadre, date(2020, 2, 1))
    assert selectors.figures(county.users["zhibu"], 2020, TODAY).visits == 1
    assert selectors.figures(county.users["zhibu2"], 2020, TODAY).visits == 0
    assert Deed.objects.count() == 1


def test_a_recipient_counts_in_the_years_they_were_on_the_register(county, make_recipient):
    gw = county.users["gongwei"]
    closed_last_day = make_recipient(county.members["a1"][1], since=date(2020, 12, 31))
    closed_first_day = make_recipient(county.members["a1"][2], since=date(2020, 6, 1))
    services.close_recipient(
        actor=gw, recipient=closed_last_day, closed_on=date(2020, 12, 31), reason="已脱困"
    )
    services.close_recipient(
        actor=gw, recipient=closed_first_day, closed_on=date(2021, 1, 1), reason="已脱困"
    )
    assert set(selectors.recipients_in_year(gw, 2020)) == {closed_last_day, closed_first_day}
    assert list(selectors.recipients_in_year(gw, 2021)) == [closed_first_day]
    assert not selectors.recipients_in_year(gw, 2019).exists()


def test_a_course_keeps_an_employer_only_for_those_in_work(county):
    a, b = county.members["a1"][:2]
    course = services.record_course(
        actor=county.users["gongwei"], org=county.dangwei_a, title="电工培训",
        held_on=date(2020, 5, 10), organiser="县人社局",
        trainees=[(a, date(2020, 6, 1), "县电力公司"), (b, None, "县电力公司")],
    )  # fmt: skip
    got = dict(Trainee.objects.filter(course=course).values_list("member_id", "employer"))
    assert got == {a.pk: "县电力公司", b.pk: ""}
