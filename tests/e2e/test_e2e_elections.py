"""Browser: dangwei runs branch_a1's 换届选举 from the 请示 to updated posts; gongwei (the level
above, not the requester) gives both 批复. Ballots are entered one by one from the keyboard, the
result sheet is printed as a PDF, rendered to PNG and read."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from support import member_in, pdf_to_pngs

from dangjian.core.calendar import add_years
from dangjian.elections import services
from dangjian.elections.models import Election, Stage, Term
from dangjian.orgs.models import Post, PostKind
from dangjian.orgs.services import appoint

pytestmark = pytest.mark.browser


def _as(page, login, username):
    page.context.clear_cookies()
    login(username)


def test_dangwei_runs_a_branch_election_to_updated_posts(county, page, login, snap, tmp_path):
    branch = county.branch_a1
    for _ in range(4):
        member_in(branch)
    gw = county.users["gongwei"]
    today = timezone.localdate()
    term = services.register_term(
        actor=gw, org=branch, started_on=add_years(today, -3) + timedelta(days=10)
    )
    old = county.members["a1"][0]
    appoint(actor=gw, org=branch, member=old, kind=PostKind.SECRETARY,
            term_start=term.started_on, term_end=term.due_on)  # fmt: skip
    voters = list(services.voters(branch))
    assert len(voters) == 8

    # 1. The 请示.
    login("dangwei")
    page.goto("/elections/")
    expect(page.locator("#due-table")).to_contain_text(branch.name)
    snap("elections-home")
    page.locator("#due-table").get_by_role("link", name=branch.name).click()
    snap("elections-org")
    page.get_by_role("link", name="开始换届：报送换届请示").click()
    page.get_by_label("换届工作方案").fill("本届支部委员会任期将满，召开支部党员大会差额选举。")
    page.get_by_label("委员应选名额").fill("3")
    page.get_by_label("拟提名候选人数").fill("3")
    page.get_by_role("button", name="报送请示").click()
    expect(page.locator(".errorlist")).to_contain_text("差额不足")
    page.get_by_label("拟提名候选人数").fill("4")
    snap("elections-plan")
    page.get_by_role("button", name="报送请示").click()
    expect(page.locator(".messages")).to_contain_text("换届请示已报送")
    election = Election.objects.get(org=branch)
    expect(page.locator("#next-step")).to_contain_text("等待上级党组织批复请示")
    # dangwei submitted it: no 批复 form for the requester.
    expect(page.locator("#decision")).to_have_count(0)

    # 2. gongwei, above the branch and not the requester, approves.
    _as(page, login, "gongwei")
    page.goto("/elections/")
    page.locator("#waiting").get_by_role("link", name=re.compile("换届请示")).click()
    page.locator("#decision").get_by_role("button", name="同意").click()
    expect(page.locator(".messages")).to_contain_text("已批复")
    election.refresh_from_db()
    assert election.stage == Stage.PLAN_APPROVED

    # 3. Candidates, in 姓氏笔画 order.
    _as(page, login, "dangwei")
    page.goto(f"/elections/{election.pk}/")
    page.get_by_role("link", name="确定候选人名单").click()
    chosen = voters[:4]
    for m in chosen:
        page.locator("#voters").get_by_label(m.name, exact=True).check()
    snap("elections-candidates")
    page.get_by_role("button", name="确定候选人名单").click()
    expect(page.locator(".messages")).to_contain_text("候选人名单已确定")

    # 4. The meeting: 8 voters, all present.
    page.get_by_role("link", name="登记选举大会").click()
    page.get_by_label("实到会有选举权人数").fill("8")
    snap("elections-meeting")
    page.get_by_role("button", name="保存，开始投票").click()
    expect(page.locator(".messages")).to_contain_text("选举大会已登记")

    # 5. Ballots from the keyboard: digits tick, Enter saves and clears.
    page.get_by_role("link", name="第1轮：委员正式选举").click()
    marks = ["123", "123", "124", "123", "134", "123", "123", "1234"]  # the last is an over-vote
    for i, keys in enumerate(marks, 1):
        page.locator("#ballot-form input[name=mark]").first.wait_for()
        for k in keys:
            page.keyboard.press(k)
        expect(page.locator("#ballot-form input[name=mark]:checked")).to_have_count(len(keys))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#ballot-count")).to_contain_text(f"已录入{i}张")
        expect(page.locator("#ballot-form input[name=mark]:checked")).to_have_count(0)
    snap("elections-ballots")
    page.locator("#count-ballots").get_by_role("button", name="计票").click()
    expect(page.locator(".messages")).to_contain_text("已计票")
    expect(page.locator("#explanation")).to_contain_text("多于应选名额3名，为无效票")
    snap("elections-counted")
    rnd = election.rounds.get(number=1)
    elected = {c.member.name for c in rnd.candidates.filter(elected=True)}
    assert len(elected) == 3

    # 6. The committee elects the 书记 from the new 委员.
    page.get_by_role("link", name="返回换届选举").click()
    page.get_by_role("link", name="第2轮：书记正式选举").click()
    secretary = rnd.candidates.filter(elected=True).order_by("position").first().member
    page.locator("#prepare").get_by_label(secretary.name, exact=True).check()
    page.get_by_label("到会委员人数").fill("3")
    page.get_by_role("button", name="确定候选人").click()
    expect(page.locator(".messages")).to_contain_text("候选人已确定")
    for i in range(1, 4):
        page.locator("#ballot-form input[name=mark]").first.wait_for()
        page.keyboard.press("1")
        expect(page.locator("#ballot-form input[name=mark]:checked")).to_have_count(1)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#ballot-count")).to_contain_text(f"已录入{i}张")
    page.locator("#count-ballots").get_by_role("button", name="计票").click()
    expect(page.locator("#tally")).to_contain_text("当选")

    # 7. The result sheet and its PDF.
    page.get_by_role("link", name="返回换届选举").click()
    expect(page.locator("#next-step")).to_contain_text("报送选举结果")
    page.get_by_role("link", name="选举结果报告单").click()
    sheet = page.locator("#sheet")
    for text in ("应到会有选举权人数", "8人", "至少7人", "无效票", "至少5票", secretary.name):
        expect(sheet).to_contain_text(text)
    snap("elections-result")
    pdf = page.request.get(f"/elections/{election.pk}/result.pdf").body()
    assert pdf.startswith(b"%PDF")
    out = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    pngs = pdf_to_pngs(pdf, out, stem="elections-result-pdf", dpi=70)
    assert len(pngs) >= 1
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = "".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "换届选举结果报告单" in text and secretary.name in text and "监票人" in text
    assert "应到会有选举权人数8人" in text and "至少5票" in text

    # 8. Reported, approved above, posts updated.
    page.goto(f"/elections/{election.pk}/")
    page.get_by_role("button", name="报送选举结果，请上级批复").click()
    expect(page.locator(".messages")).to_contain_text("等待上级党组织批复")
    _as(page, login, "gongwei")
    page.goto(f"/elections/{election.pk}/")
    page.locator("#decision").get_by_role("button", name="同意").click()
    expect(page.locator("#next-step")).to_contain_text("已批复，职务已更新")
    snap("elections-completed")
    _as(page, login, "dangwei")
    page.goto(f"/orgs/{branch.pk}/")
    body = page.locator("main")
    expect(body).to_contain_text(secretary.name)
    for name in elected:
        expect(body).to_contain_text(name)
    snap("elections-branch-page")
    current = Post.objects.filter(org=branch, ended_on__isnull=True)
    assert {p.member.name for p in current} == elected
    assert current.get(kind=PostKind.SECRETARY).member == secretary
    assert (
        Post.objects.get(member=old, org=branch, term_start=term.started_on).ended_reason == "换届"
    )
    assert Term.objects.get(org=branch, ended_on__isnull=True).opened_by == election

    # zhibu2 (another 党委's branch) cannot open it.
    _as(page, login, "zhibu2")
    response = page.goto(f"/elections/{election.pk}/")
    assert response.status == 404
