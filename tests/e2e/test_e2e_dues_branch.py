"""The 支部书记's monthly dues work in a real browser: open last month's sheet, untick who did not
pay, give one member a partial amount, press the one button; then the member's page and the rest."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.core.calendar import add_months
from dangjian.dues import services
from dangjian.dues.models import DuesEntry, DuesMonth, DuesOrgMonth
from dangjian.dues.services import BaseLine, PaymentLine, month_start

pytestmark = pytest.mark.browser


def _key(month):
    return f"{month.year:04d}-{month.month:02d}"


def test_zhibu_records_last_month_with_two_exceptions(county, page, login, snap):
    today = timezone.localdate()
    last = add_months(month_start(today), -1)
    a1 = county.members["a1"]
    services.set_bases(
        actor=county.users["gongwei"],
        lines=[BaseLine(m, "salaried", "4000", add_months(last, -6)) for m in a1[:3]]
        + [BaseLine(a1[3], "retired", "3000", add_months(last, -6))],
    )
    login("zhibu")
    page.goto(f"/dues/branch/{county.branch_a1.pk}/{_key(last)}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{last.year}年{last.month}月党费收缴"
    )
    rows = list(DuesMonth.objects.filter(org=county.branch_a1, month=last).order_by("id"))
    assert len(rows) == 4  # opening the sheet posted the month
    unpaid, partial = rows[0].member, rows[1].member
    others = [r.member for r in rows[2:]]
    expected = sum((r.due for r in rows[2:]), Decimal("15.00"))
    snap("dues-branch-month")

    page.get_by_role("checkbox", name=f"{unpaid.name}收到").uncheck()
    page.get_by_label(f"{partial.name}本次交纳（元）").fill("15")
    expect(page.locator("#live-summary")).to_contain_text("2人按应交足额交纳，1人未交，1人部分交纳")
    expect(page.locator(f"#member-{unpaid.pk}")).to_have_class("unticked")
    with page.expect_navigation():
        page.get_by_role("button", name=f"确认登记{last.year}年{last.month}月党费").click()

    message = page.locator(".messages")
    expect(message).to_contain_text(f"2人按应交足额交纳，2人例外，合计{expected}元")
    expect(message).to_contain_text(f"{unpaid.name}未交")
    expect(message).to_contain_text(f"{partial.name}交纳15.00元")
    expect(page.locator(f"#member-{unpaid.pk}")).to_contain_text("未交")
    expect(page.locator(f"#member-{partial.pk}")).to_contain_text("部分交纳，欠25.00元")
    for m in others:
        expect(page.locator(f"#member-{m.pk}")).to_contain_text("已交清")
    snap("dues-branch-month-done")

    paid = {r.member_id: r.paid for r in DuesMonth.objects.filter(month=last)}
    assert paid[unpaid.pk] == 0 and paid[partial.pk] == Decimal("15.00")
    due = {r.member_id: r.due for r in DuesMonth.objects.filter(month=last)}
    for m in others:
        assert paid[m.pk] == due[m.pk] > 0
    total = sum(paid.values())
    assert total == expected
    assert DuesOrgMonth.objects.get(org=county.branch_a1, month=last).paid == total
    assert sum(e.amount for e in DuesEntry.objects.filter(month=last)) == total

    # the member's page, reached from the sheet
    page.get_by_role("link", name=partial.name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{partial.name}的党费")
    expect(page.locator(f"#row-{_key(last)}")).to_contain_text("25.00")
    snap("dues-member")


def test_every_dues_page_renders_for_screenshots(county, page, login, snap):
    """Walks the other pages like a user (and screenshots them when SHOTS_DIR is set)."""
    today = timezone.localdate()
    this = month_start(today)
    last = add_months(this, -1)
    a1 = county.members["a1"]
    zhibu = county.users["zhibu"]
    services.set_bases(
        actor=county.users["gongwei"],
        lines=[BaseLine(m, "salaried", "5200", add_months(this, -5)) for m in a1[:3]],
    )
    for n in (3, 2, 1):
        services.close_month(actor=zhibu, month=add_months(this, -n), within=county.branch_a1)
    (entry,) = services.record_payment(
        actor=zhibu, member=a1[0], lines=[PaymentLine(last, "30")], paid_on=today
    )
    _reversal, replacement = services.correct_entry(
        actor=zhibu, entry=entry, reason="金额登记错误", amount="78"
    )
    services.request_relief(
        actor=zhibu, member=a1[1], from_month=this, to_month=add_months(this, 5), amount="0",
        reason="患重病长期住院，经支部委员会研究，同意申请免交党费",
    )  # fmt: skip

    login("zhibu")
    page.goto(f"/dues/member/{a1[0].pk}/")
    expect(page.locator("#entries")).to_contain_text(f"更正第{entry.pk}号")
    snap("dues-member-journal")

    page.get_by_role("link", name="登记交纳").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记交纳党费")
    snap("dues-pay")
    page.goto(f"/dues/member/{a1[0].pk}/base/")
    page.get_by_label("计算基数（元/月）").fill("10001")
    expect(page.locator("#calc")).to_contain_text("每月应交200.02元")
    snap("dues-base")
    page.goto(f"/dues/member/{a1[0].pk}/voluntary/")
    snap("dues-voluntary")
    page.goto(f"/dues/member/{a1[0].pk}/relief/")
    snap("dues-relief-new")
    page.goto(f"/dues/entry/{replacement.pk}/correct/")
    snap("dues-correct")
    row = DuesMonth.objects.get(member=a1[0], month=last)
    page.goto(f"/dues/row/{row.pk}/adjust/")
    snap("dues-adjust")
    page.goto(f"/dues/branch/{county.branch_a1.pk}/{_key(this)}/")
    expect(page.locator("#no-base")).to_contain_text(a1[3].name)
    snap("dues-branch-month-current")
    page.goto("/dues/close/")
    page.get_by_label("党组织").select_option(str(county.branch_a1.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="入账").click()
    expect(page.locator("#close-result")).to_contain_text(a1[3].name)
    snap("dues-close")
    page.goto("/dues/reliefs/")
    expect(page.locator("#reliefs")).to_contain_text("待上一级党委审批")
    snap("dues-reliefs")

    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    login("dangwei")
    page.goto("/dues/reliefs/")
    page.get_by_role("link", name="审批", exact=True).click()
    snap("dues-relief-decide")
    page.get_by_label("批准", exact=True).check()
    page.get_by_label("审批意见").fill("同意免交")
    with page.expect_navigation():
        page.get_by_role("button", name="提交审批意见").click()
    expect(page.locator(".messages")).to_contain_text("已批准")
