"""The 工委 reads the dues collection: both 党委 with their rates, down to a branch and its members,
then the list of members with six months unpaid."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.core.calendar import add_months
from dangjian.dues import services
from dangjian.dues.services import BaseLine, PaymentLine, month_start

pytestmark = pytest.mark.browser


def ago(n: int):
    return add_months(month_start(timezone.localdate()), -n)


def post_ledger(county) -> None:
    """Seven posted months. a1's first member never pays after the first month (six unpaid);
    everyone else in a1 and b1 pays every month; a2 pays only last month."""
    gw = county.users["gongwei"]
    services.set_bases(
        actor=gw,
        lines=[
            BaseLine(m, "salaried", "4000", ago(10))
            for members in county.members.values()
            for m in members
        ],
    )
    for n in range(7, 0, -1):
        services.close_month(actor=gw, month=ago(n), within=county.gongwei)
    late = county.members["a1"][0]
    services.record_payment(actor=gw, member=late, lines=[PaymentLine(ago(7))], paid_on=ago(7))
    for n in range(7, 0, -1):
        services.record_branch_month(
            actor=gw, org=county.branch_a1, month=ago(n), paid_on=ago(n),
            exceptions={late.pk: "0"} if n < 7 else {},
        )  # fmt: skip
        services.record_branch_month(actor=gw, org=county.branch_b1, month=ago(n), paid_on=ago(n))
    services.record_branch_month(
        actor=gw, org=county.branch_a2, month=ago(1), paid_on=timezone.localdate()
    )


def test_gongwei_drills_from_committees_to_members_and_the_six_month_list(
    county, page, login, snap
):
    post_ledger(county)
    late = county.members["a1"][0]
    login("gongwei")
    page.goto("/dues/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("党费收缴")
    rows = page.locator("#org-rows tbody tr")
    expect(rows).to_have_count(2)
    # last month: a1 lacks one member (280 of 320), b1 paid in full
    expect(page.locator(f'#org-rows tr[data-org="{county.dangwei_a.pk}"]')).to_contain_text("87.5%")
    expect(page.locator(f'#org-rows tr[data-org="{county.dangwei_b.pk}"]')).to_contain_text(
        "100.0%"
    )
    expect(page.locator("#org-rows tfoot")).to_contain_text("480.00")
    snap("dues-home-gongwei")

    # the year: a1 lost six months of one member, a2 paid one month of seven
    page.get_by_label("年度").select_option(str(ago(1).year))
    with page.expect_navigation():
        page.get_by_role("button", name="按年度查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{ago(1).year}年度")
    snap("dues-home-year")
    page.goto("/dues/")

    # drill down: 党委 → branch → members
    page.get_by_role("link", name=county.dangwei_a.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(county.dangwei_a.name)
    expect(page.locator("#org-rows tbody tr")).to_have_count(2)
    snap("dues-home-dangwei")
    page.get_by_role("link", name=county.branch_a1.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(county.branch_a1.name)
    members = page.locator("#member-rows tbody tr")
    expect(members).to_have_count(4)
    expect(page.locator("#member-rows")).to_contain_text(late.name)
    expect(page.locator("#member-rows tfoot")).to_contain_text("160.00")
    expect(page.locator(".dues-crumbs")).to_contain_text(county.dangwei_a.short_name)
    snap("dues-home-branch")

    # the 6-month list
    page.get_by_role("link", name="欠交党费名单").click()
    expect(page.locator("#arrears-rows")).to_contain_text(late.name)
    snap("dues-arrears")
    page.get_by_role("link", name="连续6个月未交纳党费").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("连续6个月未交纳党费")
    expect(page.locator("#six-rows tbody tr")).to_have_count(1)
    row = page.locator("#six-rows tbody tr").first
    expect(row).to_contain_text(late.name)
    expect(row).to_contain_text("6个月")
    expect(page.locator(".dues-note")).to_contain_text("不是处理决定")
    expect(page.locator("body")).to_contain_text("第十三条")
    snap("dues-six-months")


def test_member_sees_only_their_own_dues(county, page, login, snap):
    post_ledger(county)
    login("dangyuan")
    page.goto("/members/me/")
    page.get_by_role("link", name="我的党费").click()
    expect(page).to_have_url(re.compile(r"/dues/mine/$"))
    expect(page.locator("#my-months tbody tr")).to_have_count(7)
    for other in county.members["a1"][1:]:
        expect(page.locator("body")).not_to_contain_text(other.name)
    snap("dues-mine")
    assert page.goto("/dues/").status == 404
