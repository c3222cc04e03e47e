"""Browser: a citizen submits an opinion on a phone and follows it by receipt number; staff
consolidate two opinions into one case and route it to a lead and a co-unit; the lead replies;
the citizen rates the reply."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dangjian.opinions import services
from dangjian.opinions.models import (
    Case,
    CaseState,
    Category,
    Opinion,
    Place,
    TaskRole,
    Unit,
    UnitKind,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _setting(county):
    place = Place.objects.create(name="列东社区", town="列东街道")
    school = Category.objects.create(name="教育文体")
    edu = Unit.objects.create(name="区教育局", kind=UnitKind.DEPARTMENT, org=county.branch_a1)
    health = Unit.objects.create(name="区卫健局", kind=UnitKind.DEPARTMENT, org=county.branch_b1)
    edu.categories.add(school)
    health.categories.add(school)
    return place, school, edu, health


def _citizen(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=True,
    )
    return context, context.new_page()


def _logout(page):
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()


def test_citizen_to_reply_and_rating(county, page, login, snap, browser, live_server):
    place, school, edu, health = _setting(county)

    # A citizen on a phone submits an opinion (no login) and keeps the receipt number.
    context, phone = _citizen(browser, live_server)
    phone.goto("/opinions/submit/")
    phone.get_by_label("您反映的问题或建议").fill(
        "列东社区小学门口上下学时段交通拥堵严重，孩子过马路很危险"
    )
    phone.get_by_label("所在社区（村）").select_option(label=str(place))
    phone.get_by_label("手机号码（可不填）").fill("13905981234")
    phone.get_by_role("button", name="提交").click()
    receipt = phone.get_by_test_id("receipt").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", receipt)
    assert Opinion.objects.get(receipt=receipt).phone_masked == "139****1234"
    phone.get_by_role("link", name="查询办理进度").click()
    expect(phone.get_by_test_id("progress")).to_contain_text("正在梳理")

    # A second, similar opinion comes in from a visit.
    services.record_opinion(
        actor=county.users["gongwei"],
        data=services.OpinionInput(
            text="列东社区小学门口上下学时交通很拥堵，孩子过马路危险", place=place
        ),
        channel="visit",
        intake_org=county.gongwei,
    )

    # The 工委 confirms the proposed group as one case and routes it: lead 教育局, co 卫健局.
    page.goto("/opinions/submit/")
    snap("opinions-submit")
    login("gongwei")
    page.goto("/opinions/")
    snap("opinions-home")
    page.goto("/opinions/inbox/")
    group = page.get_by_test_id("group").first
    expect(group).to_contain_text("相似意见 2 条")
    snap("opinions-inbox")
    group.get_by_label("事项名称").fill("列东社区小学门口交通拥堵")
    group.get_by_role("button", name="形成新事项").click()
    expect(page.get_by_test_id("case-state")).to_have_text("待交办")
    case = Case.objects.get()
    assert case.opinions.count() == 2
    route = page.get_by_test_id("route")
    route.get_by_label("办理层级").select_option(label="多部门联合办理")
    route.get_by_label("类别").select_option(label="教育文体")
    route.get_by_label("主办单位").select_option(label="区教育局")
    route.get_by_label("区卫健局").check()
    snap("opinions-route")
    route.get_by_role("button", name="交办").click()
    expect(page.get_by_test_id("case-state")).to_have_text("办理中")
    expect(page.get_by_test_id("merge-log")).to_contain_text("归并")
    case.refresh_from_db()
    assert {(t.unit.name, t.role) for t in case.tasks.all()} == {
        ("区教育局", TaskRole.LEAD),
        ("区卫健局", TaskRole.CO),
    }
    _logout(page)

    # The co-unit adds its part and finishes it.
    login("zhibu2")
    page.goto(f"/opinions/case/{case.pk}/")
    co = page.get_by_test_id("task-co")
    co.get_by_label("办理进展").fill("已在学校门口设置护学岗，安排校医值守")
    co.get_by_role("button", name="本单位协办完成").click()
    expect(page.get_by_test_id("task-co")).to_contain_text("已完成")
    expect(page.get_by_test_id("reply-form")).to_have_count(0)  # only the lead signs the reply
    _logout(page)

    # The lead unit signs the joint reply.
    login("zhibu")
    page.goto(f"/opinions/case/{case.pk}/")
    form = page.get_by_test_id("reply-form")
    form.get_by_label("答复内容").fill("已协调交警在上下学时段定点疏导，并增设护学岗。")
    form.get_by_role("button", name="签发答复").click()
    expect(page.get_by_test_id("case-state")).to_have_text("已答复")
    snap("opinions-case")

    # The citizen checks progress with the receipt number and rates the reply.
    phone.goto("/opinions/track/")
    phone.get_by_label("回执编号").fill(receipt.lower().replace("-", ""))
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("reply")).to_contain_text("定点疏导")
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("您的评价：满意")).to_be_visible()
    context.close()
    page.goto(f"/opinions/track/?receipt={receipt}")
    snap("opinions-track")
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWED_UP
    assert case.follow_ups.get().by_citizen


def _sheet(tmp_path, rows, name):
    import xlsxwriter

    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return path


def test_import_with_mapping_check_job_and_confirm(county, page, login, snap, tmp_path, settings):
    """Staff upload a sheet, say which column is which, read the row-level problems of the check,
    upload the corrected sheet, and confirm the import; nothing is written before the confirm."""
    settings.MEDIA_ROOT = tmp_path / "media"
    head = ["编号", "反映内容", "时间"]
    bad = _sheet(tmp_path, [head, [1, "路灯不亮", "2024/3/1"], [2, "", "2024/3/2"]], "bad.xlsx")
    good = _sheet(
        tmp_path, [head, [1, "路灯不亮", "2024/3/1"], [2, "井盖缺失", "2024/3/2"]], "ok.xlsx"
    )
    login("gongwei")
    for path in (bad, good):
        page.goto("/opinions/import/")
        page.set_input_files("#id_file", str(path))
        with page.expect_navigation():
            page.get_by_role("button", name="上传并预览").click()
        # "反映内容" is no known header: the user picks the column.
        page.select_option("#col_text", label="反映内容")
        page.select_option("#col_received_at", label="时间")
        snap("opinions-import-map")
        with page.expect_navigation():
            page.get_by_test_id("check").click()
        expect(page.get_by_test_id("job-message")).to_be_visible()
        if path == bad:
            errors = page.get_by_test_id("errors")
            expect(errors).to_contain_text("第3行")
            expect(errors).to_contain_text("意见内容为空")
            expect(page.get_by_test_id("confirm")).to_have_count(0)
            snap("opinions-import-errors")
            assert Opinion.objects.count() == 0
    expect(page.get_by_test_id("preview")).to_contain_text("井盖缺失")
    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("job-message")).to_contain_text("已导入2条群众意见")
    snap("opinions-import-done")
    assert Opinion.objects.filter(channel="import").count() == 2
