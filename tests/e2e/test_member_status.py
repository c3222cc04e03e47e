"""党籍 in the browser: zhibu requests 停止党籍（失去联系）, dangwei approves, the member page shows it."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from dangjian.core.calendar import add_months
from dangjian.members.models import Member, MemberStatusChange

pytestmark = pytest.mark.browser


def test_suspension_requested_by_branch_and_approved_by_committee(county, page, login, snap):
    member = county.members["a1"][1]
    today = date.today()
    lost_since = add_months(today, -8)

    login("zhibu")
    page.goto(f"/members/{member.pk}/")
    section = page.locator("#status-section")
    expect(section).to_contain_text("入党以来党籍没有变更记录")
    snap("status-member-before")
    section.get_by_role("link", name="申请变更党籍状态").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("申请变更党籍状态")
    snap("status-choose")
    page.get_by_role("link", name="停止党籍（失去联系）").click()
    expect(page.get_by_label("失去联系起始日期")).to_be_visible()
    expect(page.get_by_label("出国（境）日期")).to_have_count(0)

    # First a date too recent: the rule is named and nothing is written.
    page.get_by_label("生效日期").fill(today.isoformat())
    page.get_by_label("失去联系起始日期").fill(add_months(today, -5).isoformat())
    page.get_by_label("查找情况").fill("走访原单位、联系家属，电话停机，均无法取得联系")
    page.get_by_label("事由").fill("长期外出务工，与党组织失去联系")
    page.get_by_label("依据（会议、文件）").fill("支部大会决议")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator(".errorlist")).to_contain_text("尚不满6个月")
    expect(page.locator(".errorlist")).to_contain_text("第二十四条")
    snap("status-request-refused")
    assert MemberStatusChange.objects.count() == 0

    page.get_by_label("失去联系起始日期").fill(lost_since.isoformat())
    page.get_by_role("button", name="提交审批").click()
    expect(page).to_have_url(re.compile(rf"/members/{member.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("等待上级党组织审批")
    expect(page.locator("#status-section")).to_contain_text("待审批")
    snap("status-member-pending")
    page.context.clear_cookies()

    login("dangwei")
    page.goto("/members/status/")
    snap("status-pending-list")
    page.locator("table.status-pending").get_by_role("link", name="审批").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("停止党籍（失去联系）")
    snap("status-decide")
    page.get_by_label("批准", exact=True).check()
    page.get_by_label("说明").fill("同意停止党籍")
    page.get_by_role("button", name="提交审批意见").click()
    expect(page.locator(".messages")).to_contain_text("审批意见已保存")

    page.goto(f"/members/{member.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("停止党籍")
    section = page.locator("#status-section")
    expect(section).to_contain_text("停止党籍（失去联系）")
    expect(section).to_contain_text("已批准")
    expect(section).to_contain_text("正常 → 停止党籍")
    snap("status-member-after")
    member.refresh_from_db()
    assert member.status == "suspended" and member.status_date == today

    page.goto("/members/status/suspended/")
    expect(page.locator("table.status-suspended")).to_contain_text(member.name)
    snap("status-suspended-list")
    page.goto("/members/status/lapses/")
    # the dues ledger is a source; the test county has posted no dues, so nobody is listed
    expect(page.locator("main")).to_contain_text("目前据以列出的记录：交纳党费")
    expect(page.locator("table.status-lapses")).to_contain_text("没有符合条件的党员")
    snap("status-lapses")
    page.goto("/members/status/history/")
    expect(page.locator("table.status-history")).to_contain_text(member.name)
    snap("status-history")
    assert Member.objects.get(pk=member.pk).status == "suspended"
