"""A transfer between two branches of different 党委, clicked through by both secretaries."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import pdf_to_pngs

from dangjian.core.pdf import capital_year_month
from dangjian.members.models import Member
from dangjian.transfers.models import Transfer, TransferState

pytestmark = pytest.mark.browser


def test_zhibu_issues_zhibu2_confirms_receipt_and_complete(county, page, login, snap, tmp_path):
    member = Member.objects.filter(org=county.branch_a1, user__isnull=True).order_by("id").first()
    login("zhibu")
    page.goto("/transfers/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("组织关系接转")
    snap("transfers-home-zhibu")
    page.get_by_role("link", name="办理组织关系转接").click()
    page.locator("#id_member").select_option(str(member.pk))
    page.get_by_label("本系统内的党支部").check()
    page.get_by_label("转入党支部（系统内）").select_option(str(county.branch_b1.pk))
    page.get_by_label("转接原因").fill("工作调动")
    page.get_by_label("本党组织联系电话").fill("0598-8220000")
    snap("transfers-new")
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#state")).to_have_text("草稿")
    snap("transfers-draft")
    with page.expect_navigation():
        page.get_by_role("button", name="开具介绍信").click()
    expect(page.locator("#state")).to_have_text("已开具")
    transfer = Transfer.objects.get(member=member)
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)
    expect(page.locator("body")).to_contain_text(transfer.letter_number)
    snap("transfers-issued")

    # The letter: download, render, read.
    with page.expect_download() as info:
        page.evaluate(
            """url => { const a = document.createElement('a'); a.href = url; a.download = 'letter.pdf';
                        document.body.appendChild(a); a.click(); }""",
            f"/transfers/{transfer.pk}/letter.pdf",
        )
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    out = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    pngs = pdf_to_pngs(pdf, out, stem="transfers-letter-e2e", dpi=80)
    assert len(pngs) == 1
    (tmp_path / "l.pdf").write_bytes(pdf)
    text = "".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert member.name in text and "存根" in text and "回执" in text
    assert capital_year_month(transfer.dues_year, transfer.dues_month) in text

    # zhibu2 (the receiving branch, another 党委) sees it and confirms 报到.
    page.context.clear_cookies()
    login("zhibu2")
    page.goto("/transfers/")
    page.get_by_role("link", name=re.compile("已开具")).first.click()
    page.get_by_role("link", name=member.name).click()
    expect(page.get_by_role("button", name="开具介绍信")).to_have_count(0)
    snap("transfers-zhibu2-receive")
    with page.expect_navigation():
        page.get_by_role("button", name="确认报到").click()
    expect(page.locator("#state")).to_have_text("已报到")
    member.refresh_from_db()
    assert member.org_id == county.branch_b1.pk

    # zhibu records the receipt and completes.
    page.context.clear_cookies()
    login("zhibu")
    page.goto(f"/transfers/{transfer.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="回执已返回").click()
    expect(page.locator("#state")).to_have_text("回执已返回")
    with page.expect_navigation():
        page.get_by_role("button", name="完成").click()
    expect(page.locator("#state")).to_have_text("完成")
    expect(page.locator("#history tbody tr")).to_have_count(5)
    snap("transfers-completed")
    transfer.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED
