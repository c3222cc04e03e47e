"""Browser: gongwei opens the quarterly care compliance (a pair missing its visit is listed) and
the funds balance by source (figures as the database sums them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from support import member_in

from dangjian.care import services
from dangjian.care.models import Level, Reason
from dangjian.funds import selectors
from dangjian.funds import services as funds
from dangjian.funds.models import Fund

pytestmark = pytest.mark.browser


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def test_gongwei_sees_the_pair_missing_its_quarterly_visit(county, page, login, snap):
    gw = county.users["gongwei"]
    year = date.today().year - 1
    funds.record_funding(
        actor=gw, org=county.gongwei, fund=Fund.BUDGET, amount="2000",
        occurred_on=date(year, 1, 5), counterparty_name="县财政局",
    )  # fmt: skip
    cadre = member_in(county.dangwei_a, name="周书记")
    visited, forgotten = (
        services.register_recipient(
            actor=gw,
            member=m,
            reason=Reason.ILLNESS,
            level=Level.SPECIAL,
            since=date(year - 1, 6, 1),
            circumstances="患病",
        )  # fmt: skip
        for m in (county.members["a1"][1], county.members["a2"][1])
    )
    for r in (visited, forgotten):
        services.pair_cadre(actor=gw, recipient=r, cadre=cadre, started_on=date(year - 1, 12, 1))
    services.record_visit(
        actor=gw, recipient=visited, visited_on=date(year, 3, 31), cadres=[cadre],
        what_done="到家中看望", deeds=["联系医院复诊"], amount="800",
        paying_org=county.gongwei, fund=Fund.BUDGET,
    )  # fmt: skip
    login("gongwei")
    page.goto("/care/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("困难党员帮扶")
    page.get_by_role("link", name="季度走访落实情况").click()
    page.locator("select[name=quarter]").select_option(f"{year}Q1")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("expected")).to_have_text("2")
    expect(page.get_by_test_id("missing-count")).to_have_text("1")
    missing = page.get_by_test_id("missing")
    expect(missing).to_contain_text(forgotten.member.name)
    expect(missing).to_contain_text("未走访")
    expect(missing).not_to_contain_text(visited.member.name)
    expect(page.get_by_test_id("done")).to_contain_text(visited.member.name)
    snap("care-compliance")
    missing.get_by_role("link", name=forgotten.member.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(forgotten.member.name)
    expect(page.get_by_test_id("pairs")).to_contain_text("周书记")
    snap("care-detail")

    page.goto("/funds/sources/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("经费结余（按来源）")
    _own, _rows, total = selectors.source_drill(gw, county.gongwei)
    own_row = page.locator(f"#org-{county.gongwei.pk}")
    assert _money(own_row.locator("[data-fund=budget]").inner_text()) == Decimal("1200.00")
    assert total.balance[Fund.BUDGET] == Decimal("1200.00")
    assert _money(page.get_by_test_id("sources-total").inner_text()) == total.total
    snap("funds-sources")


def test_gongwei_corrects_a_visit_and_the_figures_follow_the_ledger(county, page, login, snap):
    gw = county.users["gongwei"]
    year = date.today().year - 1
    funds.record_funding(
        actor=gw, org=county.gongwei, fund=Fund.BUDGET, amount="2000",
        occurred_on=date(year, 1, 5), counterparty_name="县财政局",
    )  # fmt: skip
    cadre = member_in(county.dangwei_a, name="周书记")
    r = services.register_recipient(
        actor=gw, member=county.members["a1"][1], reason=Reason.DISASTER, level=Level.SPECIAL,
        since=date(year - 1, 6, 1),
    )  # fmt: skip
    services.pair_cadre(actor=gw, recipient=r, cadre=cadre, started_on=date(year - 1, 12, 1))
    services.record_visit(
        actor=gw, recipient=r, visited_on=date(year, 3, 31), cadres=[cadre],
        what_done="到家中看望", deeds=["联系医院复诊"], amount="800",
        paying_org=county.gongwei, fund=Fund.BUDGET,
    )  # fmt: skip
    login("gongwei")
    page.goto(f"/care/r/{r.pk}/")
    page.get_by_test_id("visits").get_by_role("link", name="更正").click()
    page.get_by_label("更正原因").fill("慰问金实际发了500元")
    page.get_by_label("慰问金（元）").fill("500")
    page.get_by_role("button", name="保存更正").click()
    visits = page.get_by_test_id("visits")
    expect(visits).to_contain_text("已更正，不计入统计")
    expect(visits).to_contain_text("慰问金实际发了500元")
    snap("care-visit-corrected")
    assert selectors.fund_balance(county.gongwei, Fund.BUDGET) == Decimal("1500.00")

    page.goto(f"/care/figures/?year={year}")
    expect(page.get_by_test_id("fig-money")).to_contain_text("500.00")
    expect(page.get_by_test_id("money-check")).to_contain_text("与经费账目核对一致")
    page.get_by_test_id("fig-visits").click()
    expect(page.get_by_test_id("list")).to_contain_text(r.member.name)
    expect(page.get_by_test_id("list-count")).to_have_text("共1条")
    snap("care-figures-list")

    # the funds budget page on a phone: one card per line, nothing cut off at the side
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/funds/org/{county.gongwei.pk}/budget/?year={year}")
    table = page.get_by_test_id("budget")
    expect(table.locator("thead")).to_be_hidden()
    actual = table.locator("tbody tr").first.locator("td[data-label='实际支出（元）']")
    expect(actual).to_be_visible()
    expect(actual).to_contain_text("500.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    snap("funds-budget-phone")
