"""Who sees what: every endpoint × every county user × session and token, plus anonymous.

The expectations below restate ROLE_ACTIONS and the county's grants in terms of subtrees, and the
visible rows are computed from the database by path prefix, never through restrict() itself.
"""

import pytest

from dangjian.members.models import Member
from dangjian.orgs.models import Organization

USERS = ["admin", "gongwei", "dangwei", "zhibu", "zhibu2", "dangyuan", "shenji", "nobody"]
AUTH_MODES = ["session", "token"]

# Whose members each user may view: a County attribute (subtree root), "self", or None.
MEMBER_SCOPE = {
    "admin": None,  # 三员分立: the system administrator sees no member data
    "gongwei": "gongwei",
    "dangwei": "dangwei_a",
    "zhibu": "branch_a1",
    "zhibu2": "branch_b1",
    "dangyuan": "self",
    "shenji": None,  # the auditor reads the audit log only
    "nobody": None,
}
# Whose full ID number each user may reveal (the "view_pii" action).
PII_SCOPE = {user: None for user in USERS} | {"gongwei": "gongwei", "dangwei": "dangwei_a"}
# Which organisations each user may view: a subtree root, "own" (the member's organisation), or None.
ORG_SCOPE = {
    "admin": "county",
    "gongwei": "gongwei",
    "dangwei": "dangwei_a",
    "zhibu": "branch_a1",
    "zhibu2": "branch_b1",
    "dangyuan": "own",
    "shenji": "gongwei",
    "nobody": None,
}


def all_members(county) -> list[Member]:
    return [m for members in county.members.values() for m in members]


def all_orgs(county) -> list[Organization]:
    return list(Organization.objects.order_by("path"))


def visible_members(county, username: str, scope: dict = MEMBER_SCOPE) -> set[int]:
    root = scope[username]
    if root is None:
        return set()
    if root == "self":
        return {county.users[username].member.pk}
    prefix = getattr(county, root).path
    return set(Member.objects.filter(org_path__startswith=prefix).values_list("pk", flat=True))


def visible_orgs(county, username: str) -> set[int]:
    root = ORG_SCOPE[username]
    if root is None:
        return set()
    if root == "own":
        return {county.users[username].member.org_id}
    prefix = getattr(county, root).path
    return set(Organization.objects.filter(path__startswith=prefix).values_list("pk", flat=True))


def _mismatches(call, targets, allowed: set[int]) -> list[tuple[int, int, int]]:
    """(target, expected, actual) for every target whose status is not 200-if-allowed-else-404."""
    wrong = []
    for pk in targets:
        expected = 200 if pk in allowed else 404
        status = call(pk).status_code
        if status != expected:
            wrong.append((pk, expected, status))
    return wrong


def test_scope_tables_cover_every_county_user(county):
    assert set(MEMBER_SCOPE) == set(ORG_SCOPE) == set(PII_SCOPE) == set(county.users)


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("username", USERS)
def test_member_detail(county, caller, username, mode):
    api = caller(username, mode)
    allowed = visible_members(county, username)

    wrong = _mismatches(
        lambda pk: api.get(f"/api/members/{pk}"), [m.pk for m in all_members(county)], allowed
    )

    assert wrong == []


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("username", USERS)
def test_member_id_number(county, caller, username, mode):
    api = caller(username, mode)
    allowed = visible_members(county, username, PII_SCOPE)

    wrong = _mismatches(
        lambda pk: api.get(f"/api/members/{pk}/id-number"),
        [m.pk for m in all_members(county)],
        allowed,
    )

    assert wrong == []


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("username", USERS)
def test_member_list(county, caller, username, mode):
    response = caller(username, mode).get("/api/members/")

    assert response.status_code == 200
    body = response.json()
    expected = visible_members(county, username)
    assert body["count"] == len(expected)
    assert {item["id"] for item in body["items"]} == expected


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("username", USERS)
def test_member_list_org_filter(county, caller, username, mode):
    """`org` must be an organisation the user sees (else 404) and narrows to its subtree."""
    api = caller(username, mode)
    orgs_allowed = visible_orgs(county, username)
    members_allowed = visible_members(county, username)

    for org in all_orgs(county):
        response = api.get("/api/members/", org=org.pk)
        if org.pk not in orgs_allowed:
            assert response.status_code == 404, org
            continue
        assert response.status_code == 200, org
        in_subtree = set(
            Member.objects.filter(org_path__startswith=org.path).values_list("pk", flat=True)
        )
        assert {i["id"] for i in response.json()["items"]} == members_allowed & in_subtree, org


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("username", USERS)
def test_org_detail(county, caller, username, mode):
    api = caller(username, mode)

    wrong = _mismatches(
        lambda pk: api.get(f"/api/orgs/{pk}"),
        [o.pk for o in all_orgs(county)],
        visible_orgs(county, username),
    )

    assert wrong == []


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("username", USERS)
def test_org_list(county, caller, username, mode):
    response = caller(username, mode).get("/api/orgs/")

    assert response.status_code == 200
    expected = visible_orgs(county, username)
    assert response.json()["count"] == len(expected)
    assert {item["id"] for item in response.json()["items"]} == expected


@pytest.mark.parametrize("username", USERS)
def test_org_list_parent_filter(county, caller, username):
    api = caller(username)
    allowed = visible_orgs(county, username)

    for parent in all_orgs(county):
        response = api.get("/api/orgs/", parent=parent.pk)
        if parent.pk not in allowed:
            assert response.status_code == 404, parent
            continue
        children = set(
            Organization.objects.filter(
                path__startswith=parent.path, depth=parent.depth + 1
            ).values_list("pk", flat=True)
        )
        children &= allowed
        assert {i["id"] for i in response.json()["items"]} == children, parent


ANONYMOUS_CALLS = [
    ("get", "/api/orgs/"),
    ("get", "/api/orgs/{org}"),
    ("get", "/api/members/"),
    ("get", "/api/members/{member}"),
    ("get", "/api/members/{member}/id-number"),
    ("get", "/api/auth/me"),
    ("post", "/api/auth/token/revoke"),
    ("post", "/api/auth/token/revoke-all"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_CALLS)
def test_anonymous_gets_401(county, caller, method, path):
    url = path.format(org=county.branch_a1.pk, member=county.members["a1"][0].pk)

    response = getattr(caller(None), method)(url)

    assert response.status_code == 401
    assert response.json()["detail"].startswith("未登录")


def test_out_of_scope_and_missing_objects_answer_alike(county, caller):
    """A 404 for someone else's member must not differ from one for a member that does not exist."""
    api = caller("zhibu")
    missing = Member.objects.order_by("-pk").first().pk + 1000

    other = api.get(f"/api/members/{county.members['b1'][0].pk}")
    absent = api.get(f"/api/members/{missing}")

    assert other.status_code == absent.status_code == 404
    assert other.json() == absent.json() == {"detail": "未找到。"}


def test_zhibu_cannot_reach_a_zhibu2_member_with_a_token_either(county, caller):
    target = county.members["b1"][0]
    assert caller("zhibu2", "token").get(f"/api/members/{target.pk}").status_code == 200
    api = caller("zhibu", "token")

    assert api.get(f"/api/members/{target.pk}").status_code == 404
    found = api.get("/api/members/", q=target.name).json()["items"]
    assert target.pk not in {i["id"] for i in found}
