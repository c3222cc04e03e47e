"""The 党建经费 sources: 财政专项, the county 党建经费 share at the set percentage, other income;
expenses by fund (1.15 only for dues money); balances summed from entries; budget vs actual."""

import io
from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.core.rulesets import add_ruleset
from dangjian.funds import selectors, services
from dangjian.funds.models import BudgetLine, Fund, FundEntry, Purpose

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2024, 3, 1)


def funding(county, amount="50000", fund=Fund.BUDGET, org=None):
    return services.record_funding(
        actor=county.users["gongwei"], org=org or county.gongwei, fund=fund, amount=amount,
        occurred_on=DAY, counterparty_name="县财政局", period=2024,
    )  # fmt: skip


def spend(county, amount, fund=Fund.BUDGET, purpose=Purpose.ACTIVITIES, org=None, **extra):
    return services.record_expense(
        actor=county.users["gongwei"], org=org or county.gongwei, fund=fund, purpose=purpose,
        amount=amount, occurred_on=DAY, **extra,
    )  # fmt: skip


def test_the_county_share_is_the_base_times_the_percentage_and_both_are_kept(county):
    entry = services.record_county_share(
        actor=county.users["gongwei"], org=county.gongwei, base_amount="250000.10", occurred_on=DAY
    )
    assert entry.fund == Fund.PARTY_BUILDING and entry.base_amount == D("250000.10")
    assert entry.percent == D("20") and entry.amount == D("50000.02")
    assert "250000.10" in entry.note


def test_the_percentage_is_a_versioned_setting(county):
    add_ruleset(
        actor=county.users["admin"], domain_key="funds", name="县委常委会2024年决定",
        effective_from=date(2024, 3, 2), values={"county_share_percent": "25"},
    )  # fmt: skip
    before = services.record_county_share(
        actor=county.users["gongwei"], org=county.gongwei, base_amount="1000", occurred_on=DAY
    )
    after = services.record_county_share(
        actor=county.users["gongwei"], org=county.gongwei, base_amount="1000",
        occurred_on=date(2024, 3, 2),
    )  # fmt: skip
    assert (before.amount, after.amount) == (D("200.00"), D("250.00"))
    assert after.percent == D("25")


def test_funding_is_for_the_budget_and_other_funds_only(county):
    with pytest.raises(ValidationError):
        funding(county, fund=Fund.DUES)
    with pytest.raises(ValidationError):
        funding(county, fund=Fund.PARTY_BUILDING)
    assert funding(county, fund=Fund.OTHER).fund == Fund.OTHER


def test_the_dues_purpose_restriction_applies_to_dues_money_only(county):
    funding(county, "1000")
    # activities are not a permitted use of dues (RULES.md 1.15) …
    services.record_allocation(
        actor=county.users["gongwei"], from_org=None, to_org=county.gongwei, amount="1000",
        occurred_on=DAY, counterparty_name="县委组织部",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="党费只能用于"):
        spend(county, "100", fund=Fund.DUES, purpose=Purpose.ACTIVITIES,
              decision_body="工委会议", decision_on=DAY, decision_summary="同意")  # fmt: skip
    # … but are for the 财政专项, without a recorded decision
    entry = spend(county, "100", fund=Fund.BUDGET, purpose=Purpose.ACTIVITIES)
    assert entry.fund == Fund.BUDGET and entry.decision_body == ""
    # a permitted use of dues still goes through
    spend(county, "100", fund=Fund.DUES, purpose=Purpose.TRAINING,
          decision_body="工委会议", decision_on=DAY, decision_summary="同意")  # fmt: skip


def test_a_non_dues_fund_cannot_go_below_zero(county):
    funding(county, "300")
    with pytest.raises(ValidationError, match="财政专项结余不足"):
        spend(county, "300.01")
    assert not FundEntry.objects.filter(kind="expense").exists()
    spend(county, "300")
    assert selectors.fund_balance(county.gongwei, Fund.BUDGET) == 0
    # the dues balance is another pot: this spending did not touch it
    assert selectors.dues_balance(county.gongwei).balance == 0


def test_balance_is_the_sum_of_entries_including_corrections(county):
    funding(county, "1000")
    wrong = spend(county, "400")
    services.correct_entry(
        actor=county.users["gongwei"], entry=wrong, reason="按发票", amount="350"
    )
    entries = FundEntry.objects.filter(org=county.gongwei, fund=Fund.BUDGET)
    signed = sum(e.amount if e.direction == "income" else -e.amount for e in entries)
    assert entries.count() == 4  # income, expense, its reversal, the right expense
    assert selectors.fund_balance(county.gongwei, Fund.BUDGET) == signed == D("650.00")
    own, rows, total = selectors.source_drill(county.users["gongwei"], county.gongwei)
    assert own.balance[Fund.BUDGET] == total.balance[Fund.BUDGET] == D("650.00")
    assert own.expense[Fund.BUDGET] == D("350.00")


def test_a_correction_that_would_overdraw_is_refused(county):
    funding(county, "100")
    income = FundEntry.objects.get(kind="funding")
    spend(county, "80")
    with pytest.raises(ValidationError, match="结余不足"):
        services.correct_entry(actor=county.users["gongwei"], entry=income, reason="错账")


def test_sources_sum_subtrees_and_stay_in_scope(county):
    funding(county, "500", org=county.branch_a1)
    funding(county, "700", org=county.branch_b1)
    own, rows, total = selectors.source_drill(county.users["gongwei"], county.gongwei)
    by_org = {r.org: r.balance[Fund.BUDGET] for r in rows}
    assert by_org[county.dangwei_a] == D("500.00") and by_org[county.dangwei_b] == D("700.00")
    assert total.balance[Fund.BUDGET] == D("1200.00")
    _own, _rows, mine = selectors.source_drill(county.users["zhibu2"], county.branch_b1)
    assert mine.balance[Fund.BUDGET] == D("700.00")


def test_budget_vs_actual_takes_the_latest_line_and_derives_the_actual(county):
    funding(county, "5000")
    for amount in ("3000", "2000"):
        services.set_budget(
            actor=county.users["gongwei"], org=county.gongwei, year=2024, fund=Fund.BUDGET,
            purpose=Purpose.ACTIVITIES, amount=amount,
        )  # fmt: skip
    wrong = spend(county, "800")
    services.correct_entry(actor=county.users["gongwei"], entry=wrong, reason="错", amount="500")
    spend(county, "100", purpose=Purpose.TRAINING)
    rows = selectors.budget_vs_actual(county.users["gongwei"], county.gongwei, 2024)
    got = {(r.purpose, r.budget, r.actual) for r in rows}
    assert got == {
        (Purpose.ACTIVITIES, D("2000.00"), D("500.00")),
        (Purpose.TRAINING, None, D("100.00")),
    }
    assert BudgetLine.objects.count() == 2  # the earlier line is kept
    assert [r.remaining for r in rows if r.purpose == Purpose.ACTIVITIES] == [D("1500.00")]


def test_a_dues_budget_must_be_for_a_permitted_use(county):
    with pytest.raises(ValidationError, match="党费使用范围"):
        services.set_budget(
            actor=county.users["gongwei"], org=county.gongwei, year=2024, fund=Fund.DUES,
            purpose=Purpose.ACTIVITIES, amount="100",
        )  # fmt: skip


# --- pages --------------------------------------------------------------------------------------


def test_pages_are_scoped(county, login):
    funding(county, "100")
    pages = [
        reverse("funds:sources"),
        reverse("funds:sources_export"),
        reverse("funds:income", args=[county.gongwei.pk]),
        reverse("funds:budget", args=[county.gongwei.pk]),
        reverse("funds:budget_export", args=[county.gongwei.pk]),
    ]
    for user in ("nobody", "dangyuan", "admin"):
        client = login(county.users[user])
        assert [client.get(u).status_code for u in pages] == [404] * 5, user
    client = login(county.users["zhibu2"])
    assert [client.get(u).status_code for u in pages[2:]] == [404, 404, 404]
    assert client.get(reverse("funds:sources") + f"?org={county.gongwei.pk}").status_code == 404
    client = login(county.users["gongwei"])
    assert [client.get(u).status_code for u in pages[:1] + pages[2:4]] == [200, 200, 200]


def test_income_page_computes_the_share_and_exports_are_audited(county, login):
    client = login(county.users["gongwei"])
    page = client.get(reverse("funds:income", args=[county.gongwei.pk])).content.decode()
    assert "从全县党建经费中划拨工委的比例：20%" in page
    response = client.post(
        reverse("funds:income", args=[county.gongwei.pk]),
        {"fund": Fund.PARTY_BUILDING, "base_amount": "100000", "occurred_on": "2024-03-01",
         "counterparty_name": "县委组织部", "period_year": ""},
    )  # fmt: skip
    assert response.status_code == 302
    entry = FundEntry.objects.get(fund=Fund.PARTY_BUILDING)
    assert entry.amount == D("20000.00") and entry.base_amount == D("100000.00")
    response = client.get(reverse("funds:sources_export") + f"?org={county.gongwei.pk}")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == "党组织" and rows[-1][-1] == "20000.00"
    response = client.get(reverse("funds:budget_export", args=[county.gongwei.pk]) + "?year=2024")
    assert response.status_code == 200
    kinds = set(
        LogEntry.objects.filter(additional_data__event="export").values_list(
            "additional_data__kind", flat=True
        )
    )
    assert kinds == {"fund_sources", "fund_budget"}


def test_budget_page_adds_a_line_and_refuses_a_bad_one(county, login):
    client = login(county.users["gongwei"])
    url = reverse("funds:budget", args=[county.gongwei.pk]) + "?year=2024"
    bad = client.post(url, {"fund": "dues", "purpose": "activities", "amount": "10"})
    assert bad.status_code == 200 and "党费使用范围" in bad.content.decode()
    assert (
        client.post(url, {"fund": "budget", "purpose": "activities", "amount": "10"}).status_code
        == 302
    )
    assert BudgetLine.objects.get().year == 2024
    secretary = login(county.users["zhibu"])
    url = reverse("funds:budget", args=[county.branch_a1.pk])
    assert secretary.get(url).status_code == 200
