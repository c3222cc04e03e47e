"""Browser: the funds balance page matches the database; a 党委 records a remittance to the 工委."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.core.calendar import add_months
from dangjian.dues import services as dues
from dangjian.dues.services import BaseLine, month_start
from dangjian.funds import selectors, services
from dangjian.funds.models import FundEntry, Kind, Purpose

pytestmark = pytest.mark.browser


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def _collections(county) -> None:
    """Bases for everyone; the last two months paid at every branch (960.00 元 in all)."""
    gw = county.users["gongwei"]
    this = month_start(timezone.localdate())
    lines = [
        BaseLine(m, "salaried", "4000", add_months(this, -18))
        for ms in county.members.values()
        for m in ms
    ]
    dues.set_bases(actor=gw, lines=lines)
    for n in (2, 1):
        for branch in (county.branch_a1, county.branch_a2, county.branch_b1):
            dues.record_branch_month(
                actor=gw, org=branch, month=add_months(this, -n), paid_on=timezone.localdate()
            )


def test_gongwei_sees_balances_that_match_the_database(county, page, login, snap):
    _collections(county)
    today = timezone.localdate()
    services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=county.dangwei_a,
        amount="300", occurred_on=today,
    )  # fmt: skip
    entry = services.record_expense(
        actor=county.users["zhibu"], org=county.branch_a1, purpose=Purpose.TRAINING,
        amount="15.50", occurred_on=today, decision_body="支委会", decision_on=today,
        decision_summary="同意购买培训教材。", note="党员培训教材",
    )  # fmt: skip
    login("gongwei")
    page.goto("/funds/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("经费")
    _top, _rows, total = selectors.drill(county.users["gongwei"], county.gongwei)
    shown = _money(page.get_by_test_id("subtree-balance").inner_text())
    assert shown == total.balance == Decimal("944.50")
    row = page.get_by_test_id("children").locator("tr", has_text=county.dangwei_a.short_name)
    expect(row).to_contain_text("300.00")
    snap("funds-home")
    row.get_by_role("link", name=county.dangwei_a.short_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(county.dangwei_a.short_name)
    page.get_by_test_id("children").locator("tr", has_text=county.branch_a1.short_name).get_by_role(
        "link", name="账目"
    ).click()
    expect(page.get_by_test_id("entries")).to_contain_text("党员培训教材")
    assert _money(page.locator("[data-balance]").first.inner_text()) == Decimal("4.50")
    snap("funds-ledger")
    page.goto(f"/funds/entry/{entry.pk}/correct/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"更正第{entry.pk}号账目")
    snap("funds-correct")


def test_dangwei_records_a_remittance_to_the_work_committee(county, page, login, snap):
    _collections(county)
    today = timezone.localdate()
    for branch in (county.branch_a1, county.branch_a2):
        services.record_remittance(
            actor=county.users["gongwei"], from_org=branch, to_org=county.dangwei_a,
            amount="320", occurred_on=today,
        )  # fmt: skip
    login("dangwei")
    page.goto("/funds/")
    expect(page.get_by_test_id("own-balance")).to_have_text("640.00")
    page.get_by_role("link", name="登记上缴党费").click()
    chooser = page.get_by_test_id("remit-choose")
    chooser.locator("select[name=to]").select_option(str(county.gongwei.pk))
    chooser.locator("select[name=period_year]").select_option(str(today.year))
    chooser.get_by_role("button", name="计算建议金额").click()
    suggestion = page.get_by_test_id("suggestion")
    expected = selectors.suggested_remittance(
        county.dangwei_a, county.gongwei, start=today.replace(month=1, day=1),
        end=today.replace(month=12, day=31), day=today,
    )  # fmt: skip
    expect(suggestion.get_by_test_id("suggested")).to_have_text(f"{expected.amount:,.2f}")
    expect(suggestion).to_contain_text("上缴工委比例")
    form = page.get_by_test_id("remit-form")
    expect(form.get_by_label("上缴金额（元）")).to_have_value(str(expected.amount))
    snap("funds-remit")
    form.get_by_label("摘要").fill("按20%上缴工委")
    with page.expect_navigation():
        form.get_by_role("button", name="登记上缴").click()
    expect(page.locator(".messages")).to_contain_text("已登记上缴党费")
    out = FundEntry.objects.get(org=county.dangwei_a, kind=Kind.REMIT_OUT)
    got = FundEntry.objects.get(org=county.gongwei, kind=Kind.REMIT_IN)
    assert out.amount == got.amount == expected.amount and out.batch == got.batch
    assert out.recorded_by == county.users["dangwei"]
    expect(page.get_by_test_id("entries")).to_contain_text("按20%上缴工委")
    page.get_by_role("link", name="登记支出", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记支出")
    snap("funds-expense")
