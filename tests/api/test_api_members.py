"""Member endpoints: masking, search, filters, ordering, pagination and the audited reveal."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from support import member_in

from dangjian.core.crypto import provider
from dangjian.core.strokes import pinyin_initials
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member

LIST = "/api/members/"


def plain_id(member: Member) -> str:
    return provider().decrypt(member.id_number_enc)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def in_subtree(org) -> list[Member]:
    return list(Member.objects.filter(org_path__startswith=org.path))


def test_zhibu_lists_exactly_its_branch(county, caller):
    body = caller("zhibu").get(LIST).json()

    expected = {m.pk for m in in_subtree(county.branch_a1)}
    assert body["count"] == len(expected) > 0
    assert {i["id"] for i in body["items"]} == expected


def test_dangwei_sees_both_a_branches_and_gongwei_sees_all(county, caller):
    a_branches = {m.pk for m in in_subtree(county.branch_a1) + in_subtree(county.branch_a2)}
    assert set(ids(caller("dangwei").get(LIST))) == a_branches
    assert set(ids(caller("gongwei").get(LIST))) == set(Member.objects.values_list("pk", flat=True))


def test_dangyuan_sees_only_self(county, caller):
    assert ids(caller("dangyuan").get(LIST)) == [county.users["dangyuan"].member.pk]


@pytest.mark.parametrize("username", ["shenji", "admin"])
def test_roles_without_member_rights_see_an_empty_list(county, caller, username):
    assert caller(username).get(LIST).json() == {"items": [], "count": 0}


def test_output_masks_id_number_and_phone_and_labels_choices(county, caller):
    member = county.members["a1"][1]

    item = caller("gongwei").get(f"{LIST}{member.pk}").json()

    assert item["id_number"] == member.id_number_masked
    assert "*" in item["id_number"] and item["id_number"] != plain_id(member)
    assert item["phone"] == member.phone_masked and "*" in item["phone"]
    assert plain_id(member) not in str(item)
    assert item["gender_label"] == {"male": "男", "female": "女"}[member.gender]
    assert (item["category"], item["category_label"]) == ("full", "正式党员")
    assert (item["education"], item["education_label"]) == ("bachelor", "大学本科")
    assert (item["occupation"], item["occupation_label"]) == ("official", "党政机关工作人员")
    assert (item["status"], item["status_label"]) == ("normal", "正常")
    assert item["org"] == {"id": county.branch_a1.pk, "name": county.branch_a1.name}
    assert item["birth_date"] == member.birth_date.isoformat()
    assert item["confirmed_on"] == member.confirmed_on.isoformat()


def test_search_by_pinyin_initials(county, caller):
    target = county.members["a1"][2]
    q = target.pinyin_initials
    assert q.isascii() and q.isalpha()

    found = caller("zhibu").get(LIST, q=q).json()["items"]

    assert target.pk in {i["id"] for i in found}
    assert all(pinyin_initials(i["name"]).startswith(q) for i in found)


def test_search_by_name(county, caller):
    target = county.members["a2"][1]

    found = caller("dangwei").get(LIST, q=target.name).json()["items"]

    assert target.pk in {i["id"] for i in found}
    assert all(target.name in i["name"] for i in found)


def test_search_by_exact_id_number(county, caller):
    target = county.members["b1"][1]

    found = caller("gongwei").get(LIST, q=plain_id(target)).json()

    assert found["count"] == 1 and found["items"][0]["id"] == target.pk
    # The masked form is not a search key, and another branch's number finds nothing for zhibu.
    assert caller("gongwei").get(LIST, q=target.id_number_masked).json()["count"] == 0
    assert caller("zhibu").get(LIST, q=plain_id(target)).json()["count"] == 0


def test_search_by_a_fresh_id_number(county, caller):
    number = make_id_number("350402", date(1988, 8, 8), 123, "female")
    member = member_in(
        county.branch_a1, "林晓", gender="female", birth_date=date(1988, 8, 8), id_number=number
    )

    assert ids(caller("zhibu").get(LIST, q=number)) == [member.pk]


def test_filters_category_status_gender(county, caller):
    probationary = member_in(county.branch_a2, category="probationary", confirmed_on=None)
    suspended = member_in(county.branch_a2)
    Member.objects.filter(pk=suspended.pk).update(status="suspended")
    api = caller("dangwei")

    assert ids(api.get(LIST, category="probationary")) == [probationary.pk]
    assert ids(api.get(LIST, status="suspended")) == [suspended.pk]
    females = set(ids(api.get(LIST, gender="female")))
    assert (
        females == {m.pk for m in in_subtree(county.dangwei_a) if m.gender == "female"} and females
    )
    assert api.get(LIST, gender="unknown").status_code == 422


def test_default_order_is_stroke_key_then_id(county, caller):
    listed = ids(caller("gongwei").get(LIST))

    rows = sorted(Member.objects.values_list("stroke_key", "pk"))
    assert listed == [pk for _, pk in rows]


def test_orderings(county, caller):
    api = caller("gongwei")

    ascending = ids(api.get(LIST, ordering="joined_on"))
    descending = ids(api.get(LIST, ordering="-joined_on"))
    by_pinyin = ids(api.get(LIST, ordering="name_pinyin"))
    by_birth = ids(api.get(LIST, ordering="birth_date"))

    assert descending == list(reversed(ascending))
    members = {m.pk: m for m in Member.objects.all()}
    assert [members[pk].joined_on for pk in ascending] == sorted(
        m.joined_on for m in members.values()
    )
    assert [members[pk].pinyin for pk in by_pinyin] == sorted(m.pinyin for m in members.values())
    assert [members[pk].birth_date for pk in by_birth] == sorted(
        m.birth_date for m in members.values()
    )


def test_unknown_ordering_is_rejected_in_chinese(county, caller):
    response = caller("gongwei").get(LIST, ordering="id_number_enc")

    assert response.status_code == 422
    assert response.json()["detail"] == "请求参数不正确。"


def test_pagination_limit_and_offset(county, caller):
    api = caller("gongwei")
    everyone = ids(api.get(LIST))

    page = api.get(LIST, limit=3, offset=2).json()

    assert page["count"] == len(everyone)
    assert [i["id"] for i in page["items"]] == everyone[2:5]
    assert api.get(LIST, limit=0).status_code == 422
    assert api.get(LIST, limit=501).status_code == 422
    assert api.get(LIST, offset=-1).status_code == 422
    assert len(api.get(LIST, limit=500).json()["items"]) == len(everyone)


def test_default_page_is_fifty(county, caller):
    for _ in range(50 - Member.objects.count() + 5):
        member_in(county.branch_b1)
    total = Member.objects.count()

    body = caller("gongwei").get(LIST).json()

    assert total > 50
    assert body["count"] == total and len(body["items"]) == 50


def test_reveal_id_number_is_plain_audited_and_not_cached(county, caller):
    target = county.members["a2"][0]

    response = caller("dangwei").get(f"{LIST}{target.pk}/id-number")

    assert response.status_code == 200
    assert response.json() == {"id": target.pk, "id_number": plain_id(target)}
    assert response["Cache-Control"] == "no-store"
    events = LogEntry.objects.filter(additional_data__event="view_pii")
    assert [(e.actor_id, e.object_pk) for e in events] == [
        (county.users["dangwei"].pk, str(target.pk))
    ]


def test_reveal_without_view_pii_is_404_and_leaves_no_event(county, caller):
    target = county.members["a1"][1]

    response = caller("zhibu").get(f"{LIST}{target.pk}/id-number")

    assert response.status_code == 404
    assert plain_id(target) not in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__event="view_pii").exists()


def test_org_filter_outside_scope_or_missing_is_404(county, caller):
    api = caller("zhibu")

    assert api.get(LIST, org=county.branch_b1.pk).status_code == 404
    assert api.get(LIST, org=county.dangwei_a.pk).status_code == 404
    assert api.get(LIST, org=999999).status_code == 404
    assert set(ids(api.get(LIST, org=county.branch_a1.pk))) == {
        m.pk for m in in_subtree(county.branch_a1)
    }


def test_org_filter_is_the_whole_subtree(county, caller):
    found = set(ids(caller("gongwei").get(LIST, org=county.dangwei_a.pk)))

    assert found == {m.pk for m in in_subtree(county.dangwei_a)}
    assert county.members["a1"][0].pk in found and county.members["a2"][0].pk in found
    assert county.members["b1"][0].pk not in found
