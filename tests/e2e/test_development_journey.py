"""发展党员 in a real browser, all 25 steps through the pages: a branch secretary registers an
applicant and records the branch's steps, the 党委 records its own (审批 ⑰ admits, ㉔ confirms), the
person ends as a 正式党员 in the branch; both PDFs render."""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import pdf_to_pngs

from dangjian.core.calendar import add_months
from dangjian.development import steps as S
from dangjian.development.demo import step_dates
from dangjian.development.models import Applicant
from dangjian.members.choices import MemberCategory
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member

pytestmark = pytest.mark.browser


def _switch_user(page, login, username):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    login(username)


def _save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()


def _fill_step(page, step_def, day: date) -> None:
    """Fill the facts a step's form asks for, as a branch secretary would."""
    form = page.locator("form.card")
    form.locator('input[name="done_on"]').fill(day.isoformat())
    needs = step_def.needs
    if S.TALKER in needs:
        page.get_by_label("谈话人：", exact=True).fill("王建国（党委委员）")
    for name in ("contacts", "introducers"):
        boxes = form.locator(f'input[name="{name}"]')
        if boxes.count():
            boxes.nth(0).check()
            boxes.nth(1).check()
    if S.TRAINING in needs:
        page.get_by_label("培训天数").fill("3")
        page.get_by_label("培训学时").fill("24")
    if S.VOTE in needs:
        # 应到会 is prefilled from the roster; everyone comes and votes in favour.
        expected = form.locator('input[name="votes_expected"]').input_value()
        assert int(expected) >= 3
        form.locator('input[name="votes_present"]').fill(expected)
        form.locator('input[name="votes_for"]').fill(expected)


def test_development_from_application_to_full_member(county, page, login, snap, tmp_path):
    branch = county.branch_a1
    today = date.today()
    applied = add_months(today, -36)
    login("zhibu")

    page.goto(f"/development/?org={branch.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("发展党员")
    snap("development-home-empty")
    page.get_by_role("link", name="＋ 登记入党申请人").click()
    birth = date(1996, 8, 17)
    page.get_by_label("姓名").fill("欧阳晓峰")
    page.get_by_label("性别").select_option("male")
    page.get_by_label("身份证号").fill(make_id_number("350402", birth, 41, "male"))
    page.get_by_label("学历").select_option("bachelor")
    page.get_by_label("工作单位").fill("示范县教育局")
    page.get_by_label("递交入党申请书日期").fill(applied.isoformat())
    snap("development-add")
    _save(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("欧阳晓峰")
    applicant = Applicant.objects.get(name="欧阳晓峰")

    # ② through the one big button.
    page.get_by_role("link", name="登记下一步：②党组织派人谈话").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("②党组织派人谈话")
    page.get_by_label("日期").fill((applied + timedelta(days=12)).isoformat())
    page.get_by_label("谈话人：", exact=True).fill("张书记")
    snap("development-step-form")
    _save(page)
    expect(page.locator("#step-2")).to_contain_text("张书记")
    expect(page.get_by_role("link", name="登记下一步：③推荐和确定入党积极分子")).to_be_visible()

    # ③ … ㉕ through the pages, each by whoever records it: the branch (zhibu) or the 上级党委
    # (dangwei). The dates follow a schedule that meets every interval.
    dates = step_dates(applicant)
    who = "zhibu"
    member = None
    for number in range(3, 26):
        step_def = S.step(number)
        needed = "dangwei" if step_def.by_committee else "zhibu"
        if needed != who:
            _switch_user(page, login, needed)
            who = needed
        if number == 23:
            applicant.refresh_from_db()
            dates[23] = applicant.probation_end + timedelta(days=3)
            dates[24] = dates[23] + timedelta(days=20)
            dates[25] = dates[24] + timedelta(days=10)
        page.goto(f"/development/people/{applicant.pk}/")
        page.get_by_role("link", name=f"登记下一步：{step_def.title}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(step_def.title)
        _fill_step(page, step_def, dates[number])
        if number == 15:
            snap("development-step-vote")
        _save(page)
        expect(page.locator(f"#step-{number}")).to_contain_text(f"{dates[number].year}年")
        if number == 15:
            expect(page.locator(f"#step-{number}")).to_contain_text("赞成")
            # ⑯ belongs to the 党委: the branch sees it waiting.
            expect(page.locator("#next-step")).to_contain_text("待上级党委登记")
            snap("development-detail-candidate")
        if number == 17:
            expect(page.locator(".messages")).to_contain_text("已接收为预备党员")
            snap("development-detail-admitted")
            member = Member.objects.get(name="欧阳晓峰")
            assert member.category == MemberCategory.PROBATIONARY and member.joined_on == dates[15]
        if number == 23:
            expect(page.locator("#step-23")).to_contain_text("按期转正")
        if number == 24:
            expect(page.locator(".messages")).to_contain_text("已转为正式党员")
    expect(page.locator("#next-step")).to_have_count(0)  # all 25 steps done: nothing left to record
    snap("development-detail-full")
    applicant.refresh_from_db()

    member.refresh_from_db()
    assert member.category == MemberCategory.FULL
    assert member.confirmed_on == applicant.probation_end
    assert member.org_id == branch.pk

    # The member page exists in the branch; both PDFs render and rasterise.
    page.get_by_role("link", name="党员信息").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("欧阳晓峰")
    expect(page.locator("dl.facts")).to_contain_text("正式党员")
    out = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    for name in ("volunteer", "summary"):
        response = page.request.get(f"/development/people/{applicant.pk}/{name}.pdf")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert pdf_to_pngs(response.body(), out, stem=f"development-{name}", dpi=70)

    page.goto(f"/development/?org={branch.pk}")
    snap("development-home")
    _switch_user(page, login, "dangwei")  # the 党委 sets and follows its branches' plans
    page.goto(f"/development/plan/?org={county.dangwei_a.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"\d{4}年发展党员计划"))
    snap("development-plan")
