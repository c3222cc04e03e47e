"""Login lockout and its audit trail; the 姓氏笔画 tool."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_five_wrong_passwords_lock_the_account_and_are_audited(county, page, login, snap):
    for _ in range(5):
        login("zhibu", "wrong-password", expect_success=False)
    # The right password no longer helps: the lockout page, in Chinese.
    login("zhibu", expect_success=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("账号已临时锁定")
    expect(page.locator("main")).to_contain_text("30分钟后可再试")
    snap("locked-out")
    response = page.goto("/")
    assert "/accounts/login/" in page.url, "a locked-out login must not open a session"
    assert response is not None and response.ok

    login("shenji")
    expect(page).to_have_url(re.compile(r"/audit/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    failed = page.locator("table tbody tr").filter(has_text="登录失败")
    expect(failed.first).to_be_visible()
    assert failed.count() >= 5
    expect(failed.first).to_contain_text("zhibu")
    expect(page.locator("table tbody")).to_contain_text("账号锁定")
    snap("audit-log")


def test_stroke_order_tool_sorts_surnames(county, page, login, snap):
    login("zhibu")
    page.get_by_role("link", name="笔画排序").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("姓氏笔画排序")
    page.get_by_label("名单（每行一个）").fill("\n".join("尹孔文方毛王"))
    with page.expect_navigation():
        page.get_by_role("button", name="排序", exact=True).click()
    result = page.locator("#result")
    expect(result).to_be_visible()
    lines = [line for line in result.input_value().splitlines() if line.strip()]
    assert "".join(lines) == "王毛文方尹孔"
    expect(page.locator("main")).to_contain_text("（6人）")
    snap("sort-tool")
