"""Organisation endpoints: filters, parents in scope, counts, posts, warnings, pending requests."""

from datetime import date

from support import member_in

from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgChangeRequest, Post, RequestKind
from dangjian.orgs.services import create_organization

LIST = "/api/orgs/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_list_is_in_tree_order_with_labels(county, caller):
    body = caller("admin").get(LIST).json()

    assert [i["id"] for i in body["items"]] == list(
        Organization.objects.order_by("path").values_list("pk", flat=True)
    )
    first = body["items"][0]
    assert (first["org_type"], first["org_type_label"]) == ("county_committee", "县委")
    assert (first["status"], first["status_label"]) == ("active", "正常")
    assert first["sector_label"] == "机关"
    assert [i["depth"] for i in body["items"][:3]] == [1, 2, 3]


def test_parent_filter_lists_direct_children_only(county, caller):
    found = set(ids(caller("gongwei").get(LIST, parent=county.gongwei.pk)))

    assert found == {county.dangwei_a.pk, county.dangwei_b.pk}


def test_q_type_and_status_filters(county, caller):
    api = caller("gongwei")
    dissolved = create_organization(
        parent=county.dangwei_b,
        fields={"name": "卫生健康局临时党支部", "code": "T129", "org_type": "temporary_branch"},
    )
    Organization.objects.filter(pk=dissolved.pk).update(status="dissolved")

    assert set(ids(api.get(LIST, q="教育局"))) == {
        county.dangwei_a.pk,
        county.branch_a1.pk,
        county.branch_a2.pk,
    }
    assert set(ids(api.get(LIST, type="branch"))) == {
        county.branch_a1.pk,
        county.branch_a2.pk,
        county.branch_b1.pk,
    }
    assert ids(api.get(LIST, status="dissolved")) == [dissolved.pk]
    assert api.get(LIST, type="nonsense").status_code == 422


def test_parent_id_only_when_the_parent_is_visible(county, caller):
    url = f"{LIST}{county.branch_a1.pk}"

    assert caller("dangwei").get(url).json()["parent_id"] == county.dangwei_a.pk
    # zhibu's scope starts at its branch: the 党委 above it is not disclosed.
    assert caller("zhibu").get(url).json()["parent_id"] is None
    listed = caller("zhibu").get(LIST).json()["items"]
    assert [i["parent_id"] for i in listed] == [None]
    assert caller("admin").get(f"{LIST}{county.county.pk}").json()["parent_id"] is None


def test_detail_member_counts_come_from_the_records(county, caller):
    member_in(county.branch_a2, category="probationary", confirmed_on=None)
    left = member_in(county.branch_a2)
    Member.objects.filter(pk=left.pk).update(status="left")

    detail = caller("gongwei").get(f"{LIST}{county.dangwei_a.pk}").json()

    normal = Member.objects.filter(org_path__startswith=county.dangwei_a.path, status="normal")
    full = normal.filter(category="full").count()
    probationary = normal.filter(category="probationary").count()
    assert detail["member_counts"] == {
        "full": full,
        "probationary": probationary,
        "total": full + probationary,
    }
    assert probationary == 1 and full == len(county.members["a1"]) + len(county.members["a2"])


def test_detail_warnings_name_rule_and_source(county, caller):
    detail = caller("zhibu").get(f"{LIST}{county.branch_a1.pk}").json()

    no_secretary = [w for w in detail["warnings"] if w["text"] == "未配备书记。"]
    assert no_secretary and no_secretary[0]["rule"] == "4.13"
    assert "支部工作条例" in no_secretary[0]["source"]


def test_detail_posts_follow_the_post_scope(county, caller):
    secretary = county.members["a1"][1]
    Post.objects.create(
        org=county.branch_a1, member=secretary, kind="secretary", term_start=date(2024, 1, 1)
    )
    Post.objects.create(
        org=county.branch_a1,
        member=county.members["a1"][2],
        kind="member",
        term_start=date(2021, 1, 1),
        ended_on=date(2023, 12, 31),
    )
    url = f"{LIST}{county.branch_a1.pk}"

    detail = caller("zhibu").get(url).json()

    assert [(p["kind"], p["kind_label"], p["member"]) for p in detail["current_posts"]] == [
        ("secretary", "书记", {"id": secretary.pk, "name": secretary.name})
    ]
    assert "未配备书记。" not in [w["text"] for w in detail["warnings"]]
    # The member and the auditor may view the organisation but not its posts.
    assert caller("dangyuan").get(url).json()["current_posts"] == []
    assert caller("shenji").get(url).json()["current_posts"] == []


def test_detail_pending_requests_follow_the_request_scope(county, caller):
    for status in ("pending", "pending", "rejected"):
        OrgChangeRequest.objects.create(
            kind=RequestKind.DISSOLVE,
            org=county.branch_a1,
            reason="测试",
            status=status,
            requested_by=county.users["zhibu"],
        )
    url = f"{LIST}{county.branch_a1.pk}"

    assert caller("zhibu").get(url).json()["pending_requests"] == 2
    assert caller("gongwei").get(url).json()["pending_requests"] == 2
    assert caller("shenji").get(url).json()["pending_requests"] == 0


def test_org_list_is_paginated(county, caller):
    page = caller("admin").get(LIST, limit=2, offset=1).json()

    assert page["count"] == Organization.objects.count()
    assert len(page["items"]) == 2
