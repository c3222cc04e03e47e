"""困难党员帮扶 through its services: the register, the cadre limit, visits with 慰问金 from the
funds ledger, quarterly compliance at the quarter boundaries, the yearly review."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from support import member_in

from dangjian.care import selectors, services
from dangjian.care.models import CarePair, CareRecipient, Visit
from dangjian.core.calendar import add_months
from dangjian.core.rulesets import add_ruleset
from dangjian.funds import selectors as fund_selectors
from dangjian.funds import services as funds
from dangjian.funds.models import Fund, FundEntry, Kind, Purpose

pytestmark = pytest.mark.django_db


def pair(county, recipient, cadre, started_on=date(2020, 1, 1)):
    return services.pair_cadre(
        actor=county.users["gongwei"], recipient=recipient, cadre=cadre, started_on=started_on
    )


def visit(county, recipient, cadre, day, deeds=("帮助申请临时救助",), **money):
    return services.record_visit(
        actor=county.users["gongwei"],
        recipient=recipient,
        visited_on=day,
        cadres=[cadre],
        what_done="到家中看望。",
        deeds=list(deeds),
        **money,
    )


# --- the register -------------------------------------------------------------------------------


def test_circumstances_are_stored_encrypted_and_read_only_by_committee_roles(
    county, make_recipient
):
    r = make_recipient(text="患尿毒症，每周透析三次。")
    stored = CareRecipient.objects.values_list("circumstances_enc", flat=True).get(pk=r.pk)
    assert "尿毒症" not in stored and stored and r.has_circumstances
    with pytest.raises(Http404):
        services.reveal_circumstances(actor=county.users["zhibu"], recipient=r)
    before = LogEntry.objects.filter(additional_data__event="view_pii").count()
    text = services.reveal_circumstances(actor=county.users["dangwei"], recipient=r)
    assert text == "患尿毒症，每周透析三次。"
    event = LogEntry.objects.filter(additional_data__event="view_pii").order_by("-id").first()
    assert LogEntry.objects.filter(additional_data__event="view_pii").count() == before + 1
    assert (
        event.additional_data["field"] == "circumstances" and event.actor == county.users["dangwei"]
    )
    # the change log never carries the ciphertext
    assert not any("circumstances_enc" in (e.changes or {}) for e in LogEntry.objects.all())


def test_a_member_is_registered_once_and_only_in_scope(county, make_recipient):
    member = county.members["a1"][1]
    make_recipient(member)
    with pytest.raises(ValidationError, match="已在困难党员台账中"):
        make_recipient(member)
    with pytest.raises(Http404):
        make_recipient(county.members["a1"][2], user="zhibu2")


def test_review_is_due_after_twelve_months_and_not_a_day_before(county, make_recipient):
    today = timezone.localdate()
    due_one = make_recipient(since=date(2015, 1, 1))
    fresh = make_recipient(since=date(2015, 1, 1))
    services.review_recipient(
        actor=county.users["gongwei"], recipient=due_one, reviewed_on=add_months(today, -12)
    )
    services.review_recipient(
        actor=county.users["gongwei"],
        recipient=fresh,
        reviewed_on=add_months(today, -12) + timedelta(days=1),
    )
    due = selectors.due_for_review(county.users["gongwei"], today)
    assert due_one in due and fresh not in due
    # never reviewed: counted from registration's start date
    new = make_recipient(since=today - timedelta(days=30))
    assert new not in selectors.due_for_review(county.users["gongwei"], today)


def test_closing_needs_a_reason_and_ends_the_pairings(county, make_recipient, cadre):
    r = make_recipient()
    p = pair(county, r, cadre)
    with pytest.raises(ValidationError):
        services.close_recipient(
            actor=county.users["gongwei"], recipient=r, closed_on=timezone.localdate(), reason=" "
        )
    services.close_recipient(
        actor=county.users["gongwei"], recipient=r, closed_on=timezone.localdate(), reason="已脱困"
    )
    p.refresh_from_db()
    assert p.ended_on == timezone.localdate() and "已脱困" in p.end_reason
    with pytest.raises(ValidationError, match="已退出"):
        visit(county, r, cadre, timezone.localdate())


# --- the cadre limit (the "care" rules, default 3) ---------------------------------------------


def test_a_cadre_may_care_for_three_and_the_fourth_is_refused_naming_the_rule(
    county, make_recipient, cadre
):
    for _ in range(3):
        pair(county, make_recipient(), cadre)
    assert CarePair.objects.filter(cadre=cadre, ended_on__isnull=True).count() == 3
    fourth = make_recipient()
    with pytest.raises(ValidationError) as err:
        pair(county, fourth, cadre)
    assert "每名领导干部结对帮扶困难党员最多人数：3名" in str(err.value)
    assert not CarePair.objects.filter(recipient=fourth).exists()


def test_an_ended_pairing_frees_a_place(county, make_recipient, cadre):
    pairs = [pair(county, make_recipient(), cadre) for _ in range(3)]
    services.end_pair(
        actor=county.users["gongwei"], pair=pairs[0], ended_on=timezone.localdate(), reason="调离"
    )
    assert pair(county, make_recipient(), cadre).pk


def test_the_limit_is_a_setting(county, make_recipient, cadre):
    add_ruleset(
        actor=county.users["admin"],
        domain_key="care",
        name="本县规定",
        effective_from=date(2019, 1, 1),
        values={"max_recipients_per_cadre": 4},
    )
    for _ in range(4):
        pair(county, make_recipient(), cadre)
    with pytest.raises(ValidationError, match="最多人数：4名"):
        pair(county, make_recipient(), cadre)


# --- visits and 慰问金 --------------------------------------------------------------------------


def fund_the_committee(county, amount="1000"):
    return funds.record_funding(
        actor=county.users["gongwei"], org=county.dangwei_a, fund=Fund.BUDGET, amount=amount,
        occurred_on=date(2020, 1, 2), counterparty_name="县财政局",
    )  # fmt: skip


def test_a_visit_with_condolence_money_is_one_expense_in_the_payers_ledger(
    county, make_recipient, cadre
):
    fund_the_committee(county)
    r = make_recipient()
    pair(county, r, cadre)
    v = visit(
        county, r, cadre, date(2020, 3, 1), amount="600",
        paying_org=county.dangwei_a, fund=Fund.BUDGET,
    )  # fmt: skip
    entry = FundEntry.objects.get(pk=v.fund_entry_id)
    assert (entry.org, entry.fund, entry.kind, entry.purpose, entry.amount) == (
        county.dangwei_a, Fund.BUDGET, Kind.EXPENSE, Purpose.HARDSHIP, Decimal("600.00"),
    )  # fmt: skip
    assert entry.occurred_on == date(2020, 3, 1) and str(r.member) in entry.note
    assert fund_selectors.fund_balance(county.dangwei_a, Fund.BUDGET) == Decimal("400.00")
    assert [d.text for d in v.deeds.all()] == ["帮助申请临时救助"]


def test_an_insufficient_balance_refuses_the_visit_and_writes_nothing(
    county, make_recipient, cadre
):
    fund_the_committee(county, "500")
    r = make_recipient()
    pair(county, r, cadre)
    with pytest.raises(ValidationError, match="结余不足"):
        visit(
            county, r, cadre, date(2020, 3, 1), amount="500.01",
            paying_org=county.dangwei_a, fund=Fund.BUDGET,
        )  # fmt: skip
    assert not Visit.objects.exists()
    assert not FundEntry.objects.filter(kind=Kind.EXPENSE).exists()
    # exactly the balance is fine
    visit(
        county, r, cadre, date(2020, 3, 1), amount="500",
        paying_org=county.dangwei_a, fund=Fund.BUDGET,
    )  # fmt: skip
    assert fund_selectors.fund_balance(county.dangwei_a, Fund.BUDGET) == 0


def test_condolence_money_from_dues_needs_the_collective_decision(county, make_recipient, cadre):
    r = make_recipient()
    pair(county, r, cadre)
    with pytest.raises(ValidationError) as err:
        visit(
            county, r, cadre, date(2020, 3, 1), amount="100",
            paying_org=county.dangwei_a, fund=Fund.DUES,
        )  # fmt: skip
    assert "decision_body" in err.value.message_dict
    assert not Visit.objects.exists()


def test_visitors_must_be_paired_on_the_day_and_the_payer_above_the_recipient(
    county, make_recipient, cadre
):
    r = make_recipient()
    pair(county, r, cadre, started_on=date(2020, 6, 1))
    with pytest.raises(ValidationError, match="结对的领导干部"):
        visit(county, r, cadre, date(2020, 5, 31))
    visit(county, r, cadre, date(2020, 6, 1))
    with pytest.raises(ValidationError, match="上级党组织支付"):
        visit(county, r, cadre, date(2020, 6, 2), amount="10", paying_org=county.dangwei_b)


# --- quarterly compliance -----------------------------------------------------------------------


def check(county, year, q):
    return selectors.compliance(
        county.users["gongwei"], selectors.Quarter(year, q), timezone.localdate()
    )


def test_a_visit_on_31_march_counts_for_the_first_quarter_only(
    county, make_recipient, cadre, last_year
):
    r = make_recipient()
    pair(county, r, cadre)
    visit(county, r, cadre, date(last_year, 3, 31))
    q1, q2 = check(county, last_year, 1), check(county, last_year, 2)
    assert [s.ok for s in q1.rows] == [True]
    assert [s.missing for s in q2.rows] == [["未走访", "未办实事"]]


def test_a_visit_on_1_april_counts_for_the_second_quarter_only(
    county, make_recipient, cadre, last_year
):
    r = make_recipient()
    pair(county, r, cadre)
    visit(county, r, cadre, date(last_year, 4, 1))
    assert [s.ok for s in check(county, last_year, 1).rows] == [False]
    assert [s.ok for s in check(county, last_year, 2).rows] == [True]


def test_a_visit_without_a_deed_is_listed_as_missing_the_deed(
    county, make_recipient, cadre, last_year
):
    r = make_recipient()
    pair(county, r, cadre)
    visit(county, r, cadre, date(last_year, 5, 5), deeds=())
    result = check(county, last_year, 2)
    assert [s.missing for s in result.missing] == [["未办实事"]]
    assert result.missing[0].pair.cadre == cadre


def test_a_pair_started_mid_quarter_is_expected_from_the_next_quarter(
    county, make_recipient, cadre, last_year
):
    on_first_day = pair(county, make_recipient(), cadre, started_on=date(last_year, 4, 1))
    mid = pair(county, make_recipient(), cadre, started_on=date(last_year, 4, 2))
    q2 = check(county, last_year, 2)
    assert [s.pair for s in q2.rows] == [on_first_day] and q2.not_expected == [mid]
    assert {s.pair for s in check(county, last_year, 3).rows} == {on_first_day, mid}


def test_a_visit_counts_only_for_the_cadres_who_went(county, make_recipient, cadre, last_year):
    other = member_in(county.dangwei_a, name="吴副书记")
    r = make_recipient()
    pair(county, r, cadre)
    pair(county, r, other)
    visit(county, r, cadre, date(last_year, 8, 8))
    result = check(county, last_year, 3)
    assert {s.pair.cadre: s.ok for s in result.rows} == {cadre: True, other: False}


def test_compliance_is_scoped(county, make_recipient, cadre, last_year):
    pair(county, make_recipient(), cadre)
    b1 = make_recipient(member_in(county.branch_b1))
    pair(county, b1, member_in(county.dangwei_b))
    mine = selectors.compliance(
        county.users["zhibu2"], selectors.Quarter(last_year, 1), timezone.localdate()
    )
    assert [s.pair.recipient for s in mine.rows] == [b1]


def test_quarters_parse_and_refuse_the_future():
    today = date(2026, 5, 10)
    assert selectors.parse_quarter("2026Q1", today) == selectors.Quarter(2026, 1)
    assert selectors.parse_quarter("", today) == selectors.Quarter(2026, 2)
    assert selectors.Quarter(2026, 1).end == date(2026, 3, 31)
    assert selectors.Quarter(2026, 2).start == date(2026, 4, 1)
    with pytest.raises(ValidationError):
        selectors.parse_quarter("2026Q3", today)
    with pytest.raises(ValidationError):
        selectors.parse_quarter("2026Q5", today)


# --- 送技能、送岗位 ---------------------------------------------------------------------------------


def test_training_counts_come_from_member_rows_plus_sourced_headcounts(county):
    a, b, c = county.members["a1"][:3]
    with pytest.raises(ValidationError, match="人数来源"):
        services.record_course(
            actor=county.users["gongwei"], org=county.gongwei, title="家政培训",
            held_on=date(2020, 5, 1), organiser="县人社局", trainees=[(a, None, "")],
            others_trained=10,
        )  # fmt: skip
    services.record_course(
        actor=county.users["gongwei"], org=county.gongwei, title="家政培训",
        held_on=date(2020, 5, 1), organiser="县人社局",
        trainees=[(a, date(2020, 6, 1), "家政中心"), (b, None, ""), (c, date(2020, 7, 1), "")],
        others_trained=10, others_reemployed=4, headcount_source="县劳动就业中心花名册",
    )  # fmt: skip
    [fig] = selectors.courses(county.users["gongwei"])
    assert (fig.members_trained, fig.trained, fig.members_reemployed, fig.reemployed) == (
        3, 13, 2, 6,
    )  # fmt: skip
    assert selectors.courses(county.users["zhibu2"]) == []


def test_care_records_keep_their_copied_path_in_step_when_an_organisation_moves(
    county, make_recipient, cadre
):
    from dangjian.orgs.models import Organization
    from dangjian.orgs.services import copied_path_fields, move_subtree

    fields = {(m._meta.label, f) for m, f in copied_path_fields()}
    assert {
        ("care.CareRecipient", "org_path"),
        ("care.CarePair", "org_path"),
        ("care.Visit", "org_path"),
        ("care.TrainingCourse", "org_path"),
        ("funds.BudgetLine", "org_path"),
    } <= fields
    r = make_recipient()
    p = pair(county, r, cadre)
    v = visit(county, r, cadre, date(2020, 2, 2))
    move_subtree(county.branch_a1, county.dangwei_b)
    moved = Organization.objects.get(pk=county.branch_a1.pk).path
    assert CareRecipient.objects.get(pk=r.pk).org_path == moved
    assert CarePair.objects.get(pk=p.pk).org_path == moved
    assert Visit.objects.get(pk=v.pk).org_path == moved
