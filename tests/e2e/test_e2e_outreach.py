"""Browser: a 党委 records a 联建共创 activity, ticking members from its roster, and the figures rise.

The figure for members who went down (下基层) counts DISTINCT people: one of the three ticked went
down before, so it rises by two while the activities rise by one.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.outreach import services
from dangjian.outreach.models import Activity, Category, PartnerKind

pytestmark = pytest.mark.browser


def _number(page, testid: str) -> int:
    return int(page.get_by_test_id(testid).locator("b").inner_text().replace(",", ""))


def test_dangwei_records_an_activity_and_sees_the_figures_rise(county, page, login, snap):
    today = timezone.localdate()
    gw = county.users["gongwei"]
    village = services.register_partner(
        actor=gw, org=county.gongwei, name="东山村", kind=PartnerKind.VILLAGE, place="东山乡"
    )
    a1, a2 = county.members["a1"], county.members["a2"]
    pairing = services.create_pairing(
        actor=gw, org=county.dangwei_a, partner=village, started_on=date(today.year - 1, 3, 1),
        leader=a1[0], coordinator=a2[0],
    )  # fmt: skip
    task = services.add_task(
        actor=gw,
        pairing=pairing,
        year=today.year,
        category=Category.INFRASTRUCTURE,
        title="修缮村部",
    )
    services.record_activity(
        actor=gw, pairing=pairing, held_on=date(today.year, 1, 1), category=Category.PARTY_WORK,
        summary="召开联席会", participants=[a1[0]], problems_solved=1,
    )  # fmt: skip

    login("dangwei")
    page.goto("/outreach/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("联建共创")
    people_before, problems_before = _number(page, "fig-people"), _number(page, "fig-problems")
    acts_before = _number(page, "fig-activities")
    assert (people_before, problems_before, acts_before) == (1, 1, 1)
    snap("outreach-figures-before")

    page.get_by_role("link", name="登记活动（选结对）").click()
    row = page.get_by_test_id("pairings").locator(f"#pairing-{pairing.pk}")
    expect(row).to_contain_text("东山村")
    row.get_by_role("link", name="登记活动").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记活动")

    form = page.get_by_test_id("activity-form")
    form.get_by_label("活动日期").fill(today.isoformat())
    form.get_by_label("类别（四联四共）").select_option(label="基础设施联建")
    form.get_by_label("活动内容").fill("帮助东山村整修村部，铺设水泥路200米")
    form.get_by_label("解决实际问题（个）").fill("2")
    form.get_by_label("筹措项目资金（元）").fill("30000")
    roster = page.get_by_test_id("roster")
    for org in (county.branch_a1, county.branch_a2):
        box = roster.locator("details", has_text=org.name)
        if box.get_attribute("open") is None:
            box.locator("summary").click()
    for m in (a1[0], a1[1], a2[1]):  # a1[0] went down before
        roster.get_by_label(m.name, exact=True).check()
    form.get_by_label(f"{today.year}年 基础设施联建：修缮村部").check()
    snap("outreach-activity-form")
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记活动，3名党员下基层")
    expect(page.get_by_test_id("act-people")).to_have_text("3")
    snap("outreach-activity")

    act = Activity.objects.latest("id")
    assert act.recorded_by == county.users["dangwei"]
    assert set(act.participants.values_list("pk", flat=True)) == {a1[0].pk, a1[1].pk, a2[1].pk}
    assert list(act.completes.all()) == [task]

    page.goto("/outreach/")
    assert _number(page, "fig-people") == people_before + 2  # distinct people, not ticks
    assert _number(page, "fig-problems") == problems_before + 2
    assert _number(page, "fig-activities") == acts_before + 1
    expect(page.get_by_test_id("fig-funds").locator("b")).to_have_text("30,000.00")
    snap("outreach-figures-after")

    page.get_by_test_id("fig-people").click()
    expect(page.get_by_test_id("people").locator("tbody tr")).to_have_count(3)
    page.goto(f"/outreach/pairings/{pairing.pk}/")
    expect(page.get_by_test_id("tasks").locator(f"#task-{task.pk}")).to_contain_text("已完成")
    snap("outreach-pairing")
