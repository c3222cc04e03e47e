"""Permission matrix for every page: anonymous, in scope, out of scope (another subtree), wrong role.

Expectations are written out by hand from the issue's role descriptions, not computed from the code
under test.
"""

import pytest
from django.urls import reverse

from dangjian.members.models import Member
from dangjian.orgs.models import OrgChangeRequest
from dangjian.orgs.services import submit_request

USERS = ["gongwei", "dangwei", "zhibu", "zhibu2", "dangyuan", "shenji", "admin", "nobody"]

# (url name, object key, {user: expected status}); users not listed expect 404.
MATRIX = [
    ("members:detail", "m_a1", {"gongwei": 200, "dangwei": 200, "zhibu": 200}),
    ("members:detail", "m_b1", {"gongwei": 200, "zhibu2": 200}),
    ("members:detail", "m_self", {"gongwei": 200, "dangwei": 200, "zhibu": 200, "dangyuan": 200}),
    ("members:edit", "m_a1", {"gongwei": 200, "dangwei": 200, "zhibu": 200}),
    ("members:edit", "m_b1", {"gongwei": 200, "zhibu2": 200}),
    ("members:status_request", "m_a1", {"gongwei": 200, "dangwei": 200, "zhibu": 200}),
    ("members:status_request", "m_b1", {"gongwei": 200, "zhibu2": 200}),
    ("orgs:detail", "branch_a1", {"gongwei": 200, "dangwei": 200, "zhibu": 200, "dangyuan": 200, "shenji": 200, "admin": 200}),
    ("orgs:detail", "branch_b1", {"gongwei": 200, "zhibu2": 200, "shenji": 200, "admin": 200}),
    ("orgs:tree_children", "dangwei_a", {"gongwei": 200, "dangwei": 200, "shenji": 200, "admin": 200}),
    ("orgs:request_new", "branch_a1", {"gongwei": 200, "dangwei": 200, "zhibu": 200}),
    ("orgs:request_new", "branch_b1", {"gongwei": 200, "zhibu2": 200}),
    ("orgs:request", "req_a1", {"gongwei": 200, "dangwei": 200, "zhibu": 200}),
    ("orgs:request", "req_b1", {"gongwei": 200, "zhibu2": 200}),
    ("members:list", None, {"gongwei": 200, "dangwei": 200, "zhibu": 200, "zhibu2": 200, "dangyuan": 200}),
    ("members:me", None, {"dangyuan": 200}),
    ("orgs:requests", None, {"gongwei": 200, "dangwei": 200, "zhibu": 200, "zhibu2": 200}),
    ("core:audit", None, {"gongwei": 200, "shenji": 200}),
    ("accounts:list", None, {"admin": 200}),
]


@pytest.fixture
def objects(county):
    req_a1 = submit_request(actor=county.users["zhibu"], kind="dissolve", org=county.branch_a1, reason="测试")
    req_b1 = submit_request(actor=county.users["zhibu2"], kind="dissolve", org=county.branch_b1, reason="测试")
    return {
        "m_a1": county.members["a1"][1],
        "m_b1": county.members["b1"][0],
        "m_self": county.members["a1"][0],
        "branch_a1": county.branch_a1,
        "branch_b1": county.branch_b1,
        "dangwei_a": county.dangwei_a,
        "req_a1": req_a1,
        "req_b1": req_b1,
    }


def _url(name, obj):
    return reverse(name, args=[obj.pk]) if obj is not None else reverse(name)


@pytest.mark.parametrize(("name", "key", "allowed"), MATRIX, ids=[f"{m[0]}-{m[1]}" for m in MATRIX])
def test_get_matrix(county, objects, login, client, name, key, allowed):
    url = _url(name, objects.get(key))
    client.logout()
    anon = client.get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    for username in USERS:
        c = login(county.users[username])
        got = c.get(url).status_code
        assert got == allowed.get(username, 404), f"{username} GET {url}: {got}"
        c.logout()


@pytest.mark.parametrize("username", ["zhibu", "dangwei", "dangyuan", "shenji", "admin"])
def test_post_to_out_of_scope_member_is_404_and_changes_nothing(county, objects, login, username):
    target = objects["m_b1"]
    before = Member.objects.values().get(pk=target.pk)
    c = login(county.users[username])
    for name, data in (
        ("members:edit", {"name": "篡改", "gender": "male"}),
        ("members:status_request", {"kind": "death", "effective_on": "2024-01-01", "reason": "x"}),
        ("members:detail", {"reveal": "1"}),
    ):
        assert c.post(reverse(name, args=[target.pk]), data).status_code == 404
    assert Member.objects.values().get(pk=target.pk) == before


def test_post_decision_by_non_approver_is_404(county, objects, login):
    req = objects["req_a1"]
    for username in ("zhibu", "dangwei", "zhibu2", "shenji"):
        c = login(county.users[username])
        resp = c.post(reverse("orgs:request", args=[req.pk]), {"decision": "approve"})
        assert resp.status_code in (200, 404)
        req.refresh_from_db()
        assert req.status == "pending"


def test_export_and_import_hidden_from_roles_without_them(county, login):
    for username in ("dangyuan", "shenji", "admin", "nobody"):
        c = login(county.users[username])
        assert c.get(reverse("members:export")).status_code == 404
        assert c.get(reverse("members:import")).status_code == 404


def test_requests_list_shows_only_scope(county, objects, login):
    c = login(county.users["zhibu"])
    shown = {r.pk for r in c.get(reverse("orgs:requests")).context["requests"]}
    assert shown == {objects["req_a1"].pk}
    assert OrgChangeRequest.objects.count() == 2


def test_not_found_page_is_chinese_and_links_home(county, login, settings):
    settings.DEBUG = False
    resp = login(county.users["zhibu"]).get(reverse("members:detail", args=[county.members["b1"][0].pk]))
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "不在您的管理范围内" in html and 'href="/"' in html


def test_menu_counts_requests_waiting_for_decision(county, login):
    submit_request(actor=county.users["zhibu"], kind="dissolve", org=county.branch_a1, reason="x")
    assert login(county.users["gongwei"]).get("/orgs/requests/").context["nav"]["to_approve"] == 1
    # The requester's own 党委 admin cannot approve: no count for them.
    assert login(county.users["dangwei"]).get("/orgs/requests/").context["nav"]["to_approve"] == 0
