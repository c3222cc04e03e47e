"""Browser: zhibu records a 支部党员大会 from the roster (one absent with a reason), sees it in the
list and the compliance change, and records a 民主评议 result set with a follow-up."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.life.models import Appraisal, Meeting

pytestmark = pytest.mark.browser


def _quarter_label(day) -> str:
    return f"{day.year}年第{(day.month - 1) // 3 + 1}季度"


def test_zhibu_records_a_branch_assembly_and_an_appraisal(county, page, login, snap):
    today = timezone.localdate()
    a, b, c, d = county.members["a1"]
    login("zhibu")
    page.goto("/life/compliance/")
    cell = page.locator(f"#branch-{county.branch_a1.pk} td.kind-branch_assembly")
    expect(cell).to_contain_text(_quarter_label(today))
    expect(cell).to_contain_text("已开0")

    page.goto("/life/")
    page.get_by_role("link", name="记录一次会议").click()
    page.get_by_label("类别").select_option(label="支部党员大会")
    page.get_by_label("召开日期").fill(today.isoformat())
    page.get_by_label("主题：", exact=True).fill("学习党章，讨论年度工作")
    page.get_by_label("地点").fill("三楼会议室")
    page.get_by_label("主持人").select_option(label=a.name)
    row = page.locator(f"#member-{b.pk}")
    row.get_by_label("缺席", exact=True).check()
    row.locator(f"input[name=reason_{b.pk}]").fill("外出参加培训")
    snap("life-new")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("支部党员大会")
    expect(page.locator("dl.card")).to_contain_text("出席3人，缺席1人，请假0人")
    expect(page.locator("#attendance")).to_contain_text("外出参加培训")
    meeting = Meeting.objects.get()
    assert meeting.attendance.get(member=b).status == "absent"
    snap("life-detail")

    page.get_by_role("link", name="会议记录").click()
    expect(page.locator(f"#meeting-{meeting.pk}")).to_contain_text("学习党章，讨论年度工作")
    page.get_by_role("link", name="落实情况").click()
    cell = page.locator(f"#branch-{county.branch_a1.pk} td.kind-branch_assembly")
    expect(cell).to_contain_text("已开1")
    expect(cell).not_to_contain_text(_quarter_label(today))
    snap("life-compliance")
    page.get_by_role("link", name="日历").click()
    expect(page.locator("#month")).to_contain_text("支部党员大会")
    snap("life-calendar")

    page.get_by_role("link", name="民主评议").click()
    page.get_by_role("link", name="录入民主评议结果").click()
    page.get_by_label("评议年度").select_option(str(today.year))
    page.get_by_label("评议日期").fill(today.isoformat())
    page.locator(f"#member-{a.pk}").get_by_label("优秀").check()
    row = page.locator(f"#member-{c.pk}")
    expect(row.locator(f"input[name=deadline_{c.pk}]")).to_be_hidden()
    row.get_by_label("基本合格").check()
    expect(row.locator(f"input[name=deadline_{c.pk}]")).to_be_visible()
    deadline = today.replace(year=today.year + 1, day=min(today.day, 28))
    row.locator(f"input[name=deadline_{c.pk}]").fill(deadline.isoformat())
    row.locator(f"input[name=help_{c.pk}]").fill("支部书记结对帮扶")
    snap("life-appraisal-new")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{today.year}年度民主评议党员")
    entries = page.locator("#entries")
    expect(entries.locator(f"#entry-{c.pk}")).to_contain_text("基本合格")
    expect(entries.locator(f"#entry-{c.pk}")).to_contain_text("支部书记结对帮扶")
    expect(entries.locator(f"#entry-{a.pk}")).to_contain_text("优秀")
    snap("life-appraisal")
    appraisal = Appraisal.objects.get()
    assert dict(appraisal.entries.values_list("member_id", "result")) == {
        a.pk: "excellent", b.pk: "qualified", c.pk: "basic", d.pk: "qualified"
    }  # fmt: skip
    page.get_by_role("link", name="民主评议").click()
    page.get_by_label("年度").select_option(str(today.year))
    expect(page.locator(f"#branch-{county.branch_a1.pk}")).to_contain_text("4")
    snap("life-appraisals")


def test_zhibu_records_a_guest_and_corrects_the_meeting(county, page, login, snap):
    """A 流入党员 ticked as a guest (列席) stays out of the counts; a correction needs a reason and is
    shown as history on the meeting page."""
    from datetime import timedelta

    from dangjian.life.models import MeetingCorrection
    from dangjian.transfers import services as transfers

    today = timezone.localdate()
    guest = transfers.create_floating(
        actor=county.users["zhibu"],
        direction="in",
        org=county.branch_a1,
        person_name="外来丙",
        home_name="外省某县某党支部",
        place="示范县",
        started_on=today - timedelta(days=30),
        reason="务工",
        card_number="闽流证0001",
        card_issued_on=today - timedelta(days=30),
    )
    b = county.members["a1"][1]
    login("zhibu")
    page.goto("/life/new/")
    page.get_by_label("类别").select_option(label="主题党日")
    page.get_by_label("召开日期").fill(today.isoformat())
    page.get_by_label("主题：", exact=True).fill("重温入党誓词")
    page.locator(f"#guest-{guest.pk}").get_by_label("外来丙").check()
    snap("life-new-guest")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("dl.card")).to_contain_text(
        "出席4人，缺席0人，请假0人；另有流入党员列席1人"
    )
    expect(page.locator("#guests")).to_contain_text("外来丙")

    page.get_by_role("link", name="更正本次记录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("更正会议记录")
    page.locator(f"#member-{b.pk}").get_by_label("请假", exact=True).check()
    page.locator(f"input[name=reason_{b.pk}]").fill("病假")
    page.get_by_role("button", name="保存更正").click()
    expect(page.locator("#row-reason")).to_contain_text("请写明更正原因。")
    assert not MeetingCorrection.objects.exists()
    page.get_by_label("更正原因").fill("漏记了一名请假的党员")
    snap("life-correct")
    page.get_by_role("button", name="保存更正").click()
    expect(page.locator("dl.card")).to_contain_text("出席3人，缺席0人，请假1人")
    history = page.locator("#corrections ~ .correction")
    expect(history).to_contain_text("漏记了一名请假的党员")
    expect(history).to_contain_text(f"出席情况：{b.name}")
    expect(history).to_contain_text("请假（病假）")
    snap("life-correction-history")
