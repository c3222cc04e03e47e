"""The work committee's view of the tree, and approving a 党委's request to set up a branch."""

import re

import pytest
from playwright.sync_api import expect

from dangjian.orgs.models import Organization, OrgType, RequestKind, Sector
from dangjian.orgs.services import submit_request

pytestmark = pytest.mark.browser

NEW_BRANCH = "教育局机关第三党支部"


def _toggle(page, org):
    return page.locator(f'#tree button[data-toggle-children="kids-{org.pk}"]')


def test_gongwei_expands_the_lazy_tree(county, page, login, wait_tree, open_node, snap):
    login("gongwei")
    expect(page).to_have_url(re.compile(rf"/orgs/{county.gongwei.pk}/$"))
    tree = wait_tree()
    expect(tree.get_by_role("link", name=str(county.gongwei), exact=True)).to_be_visible()
    open_node(county.gongwei)
    expect(tree.get_by_role("link", name=str(county.dangwei_a), exact=True)).to_be_visible()
    branch = tree.get_by_role("link", name=str(county.branch_a1), exact=True)
    expect(branch).to_have_count(0)  # not loaded until the folder is opened

    toggle = _toggle(page, county.dangwei_a)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    with page.expect_response(re.compile(rf"/orgs/tree/{county.dangwei_a.pk}/$")):
        toggle.click()
    expect(branch).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    snap("org-gongwei")

    # Closing and reopening only hides and shows: no second request.
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/orgs/tree/" in r.url else None)
    toggle.click()
    expect(branch).to_be_hidden()
    toggle.click()
    expect(branch).to_be_visible()
    assert requests == []

    branch.click()
    expect(page).to_have_url(re.compile(rf"/orgs/{county.branch_a1.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(county.branch_a1.name)


def test_gongwei_approves_a_new_branch_and_the_tree_shows_it(
    county, page, login, wait_tree, open_node, snap
):
    req = submit_request(
        actor=county.users["dangwei"],
        kind=RequestKind.CREATE,
        org=county.dangwei_a,
        reason="机关人员增加，拟增设一个党支部。",
        payload={
            "name": NEW_BRANCH,
            "short_name": NEW_BRANCH,
            "code": "T113",
            "org_type": OrgType.BRANCH,
            "sector": Sector.ORGAN,
            "founded_on": None,
        },
    )
    login("gongwei")
    tree = wait_tree()
    open_node(county.gongwei)
    # The pending request is flagged on the committee's node.
    node = tree.locator("li", has=page.locator(f'a[href="/orgs/{county.dangwei_a.pk}/"]')).first
    expect(node).to_contain_text("待批")

    page.get_by_role("link", name="设置审批").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("审批")
    row = page.locator("table tbody tr", has_text=NEW_BRANCH)
    expect(row).to_contain_text("待审批")
    snap("requests")

    row.get_by_role("link", name="设立").click()
    expect(page).to_have_url(re.compile(rf"/orgs/requests/{req.pk}/$"))
    page.get_by_label("批准", exact=True).check()
    page.get_by_label("审批意见").fill("同意设立。")
    snap("request-detail")
    with page.expect_navigation():
        page.get_by_role("button", name="提交审批").click()
    expect(page.locator(".messages")).to_contain_text("审批完成")
    expect(page.locator("main")).to_contain_text("已批准")

    # The tree (opened down to the committee) now holds the new branch, and the flag is gone.
    tree = wait_tree()
    open_node(county.dangwei_a)
    expect(tree.get_by_role("link", name=NEW_BRANCH, exact=True)).to_be_visible()
    node = tree.locator("li", has=page.locator(f'a[href="/orgs/{county.dangwei_a.pk}/"]')).first
    expect(node).not_to_contain_text("待批")

    new = Organization.objects.get(code="T113")
    assert Organization.objects.get_parent(new).pk == county.dangwei_a.pk
    tree.get_by_role("link", name=NEW_BRANCH, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/orgs/{new.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_BRANCH)
