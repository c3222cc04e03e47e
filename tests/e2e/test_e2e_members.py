"""A branch secretary's everyday path: log in, tree, member list, one member; scope and search."""

import re

import pytest
from playwright.sync_api import expect
from support import member_in

from dangjian.members.models import Member

pytestmark = pytest.mark.browser

MASKED_ID = re.compile(r"^350402\*{8}\d{3}[\dX]$")


def test_zhibu_walks_from_login_through_tree_to_a_masked_member(
    county, page, login, wait_tree, snap, full_id_numbers
):
    branch = county.branch_a1
    page.goto("/accounts/login/")
    snap("login")
    login("zhibu")

    # Lands on the branch's own organisation page.
    expect(page).to_have_url(re.compile(rf"/orgs/{branch.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(branch.name)

    # The tree arrives by HTMX and shows the branch, marked as the current node.
    tree = wait_tree()
    node = tree.get_by_role("link", name=str(branch), exact=True)
    expect(node).to_be_visible()
    expect(node).to_have_class(re.compile(r"\bcurrent\b"))
    expect(tree).not_to_contain_text(str(county.branch_b1))
    snap("org-zhibu")

    node.click()
    expect(page).to_have_url(re.compile(rf"/orgs/{branch.pk}/$"))
    page.get_by_role("link", name="党员名册").click()
    expect(page).to_have_url(re.compile(rf"/members/\?org={branch.pk}$"))
    rows = page.locator("table.members tbody tr")
    expect(rows).to_have_count(len(county.members["a1"]))
    snap("member-list")

    member = Member.objects.filter(org=branch).order_by("stroke_key", "id").first()
    page.locator("table.members").get_by_role("link", name=member.name).first.click()
    expect(page).to_have_url(re.compile(r"/members/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)
    id_cell = page.locator("#id-number")
    expect(id_cell).to_contain_text("350402********")
    shown = id_cell.inner_text().split()[0]
    assert MASKED_ID.match(shown), shown
    html = page.content()
    for number in full_id_numbers():
        assert number not in html
    snap("member-page")


def test_zhibu_typing_another_branchs_member_url_gets_404(county, page, login, snap):
    login("zhibu")
    other = county.members["b1"][0]
    response = page.goto(f"/members/{other.pk}/")
    assert response is not None and response.status == 404
    body = page.locator("body")
    expect(body).not_to_contain_text(other.id_number_masked)
    expect(body).not_to_contain_text("身份证号")
    snap("not-found")
    # Also the edit page, and the branch's organisation page.
    assert page.goto(f"/members/{other.pk}/edit/").status == 404
    assert page.goto(f"/orgs/{county.branch_b1.pk}/").status == 404


def test_pinyin_initials_find_a_member(county, page, login):
    target = member_in(county.branch_a1, name="张三")
    login("zhibu")
    page.get_by_role("link", name="党员", exact=True).click()
    page.get_by_label("姓名/拼音首字母/身份证号").fill("zs")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert "q=zs" in page.url
    table = page.locator("table.members")
    expect(table.get_by_role("link", name="张三", exact=True)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(target.id_number_masked)
