"""发展党员 in a real browser: a branch secretary registers an applicant and records steps, the 党委
records its steps (审批 ⑰ admits, ㉔ confirms), the person ends as a 正式党员; both PDFs render."""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import pdf_to_pngs

from dangjian.core.calendar import add_months
from dangjian.development.demo import step_dates, walk
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

    # ③–⑭ through the services (the same code the forms call), ⑮ in the browser.
    walk(
        applicant,
        branch_actor=county.users["zhibu"],
        committee_actor=county.users["dangwei"],
        upto=14,
    )
    page.reload()
    snap("development-detail-candidate")
    page.get_by_role("link", name="登记下一步：⑮支部大会讨论").click()
    meeting = step_dates(applicant)[15]
    page.get_by_label("支部大会日期").fill(meeting.isoformat())
    page.get_by_label("应到会有表决权的正式党员（人）").fill("10")
    page.get_by_label("实到会有表决权的正式党员（人）").fill("9")
    page.get_by_label("赞成票（票）").fill("9")
    _save(page)
    expect(page.locator("#step-15")).to_contain_text("应到10人，实到9人，赞成9票")
    # ⑯ belongs to the 党委: the branch sees it waiting.
    expect(page.locator("#next-step")).to_contain_text("待上级党委登记")

    _switch_user(page, login, "dangwei")
    walk(
        applicant,
        branch_actor=county.users["zhibu"],
        committee_actor=county.users["dangwei"],
        upto=16,
    )
    page.goto(f"/development/people/{applicant.pk}/")
    page.get_by_role("link", name="登记下一步：⑰上级党委审批").click()
    expect(page.locator(".hint")).to_contain_text("批准后自动生成预备党员记录")
    page.get_by_label("日期").fill((meeting + timedelta(days=30)).isoformat())
    page.get_by_label("批准", exact=True).check()
    _save(page)
    expect(page.locator(".messages")).to_contain_text("已接收为预备党员")
    snap("development-detail-admitted")
    member = Member.objects.get(name="欧阳晓峰")
    assert member.category == MemberCategory.PROBATIONARY and member.joined_on == meeting

    # ⑱–㉒ through the services, ㉓ by the branch and ㉔ by the 党委 in the browser.
    walk(
        applicant,
        branch_actor=county.users["zhibu"],
        committee_actor=county.users["dangwei"],
        upto=22,
    )
    applicant.refresh_from_db()
    _switch_user(page, login, "zhibu")
    page.goto(f"/development/people/{applicant.pk}/")
    page.get_by_role("link", name="登记下一步：㉓支部大会讨论").click()
    page.get_by_label("支部大会日期").fill(
        (applicant.probation_end + timedelta(days=3)).isoformat()
    )
    page.get_by_label("应到会有表决权的正式党员（人）").fill("11")
    page.get_by_label("实到会有表决权的正式党员（人）").fill("10")
    page.get_by_label("赞成票（票）").fill("10")
    page.get_by_label("按期转正").check()
    _save(page)
    expect(page.locator("#step-23")).to_contain_text("按期转正")

    _switch_user(page, login, "dangwei")
    page.goto(f"/development/people/{applicant.pk}/")
    page.get_by_role("link", name="登记下一步：㉔上级党委审批").click()
    page.get_by_label("日期").fill((applicant.probation_end + timedelta(days=20)).isoformat())
    _save(page)
    expect(page.locator(".messages")).to_contain_text("已转为正式党员")
    snap("development-detail-full")

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
    page.goto(f"/development/plan/?org={county.dangwei_a.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"\d{4}年发展党员计划"))
    snap("development-plan")
