import pytest
from django.urls import reverse

from dangjian.members.models import Member


def test_zhibu_sees_only_own_branch_in_list(county, login):
    c = login(county.users["zhibu"])
    resp = c.get(reverse("members:list"))
    assert resp.status_code == 200
    shown = set(resp.context["table"].data.data.values_list("pk", flat=True))
    expected = set(Member.objects.filter(org=county.branch_a1).values_list("pk", flat=True))
    assert shown == expected


def test_zhibu_gets_404_for_other_branch_member_get_and_post(county, login):
    c = login(county.users["zhibu"])
    other = county.members["b1"][0]
    assert c.get(reverse("members:detail", args=[other.pk])).status_code == 404
    assert c.post(reverse("members:edit", args=[other.pk]), {"name": "改名"}).status_code == 404
    assert c.post(reverse("members:status_request", args=[other.pk]), {"kind": "death"}).status_code == 404
    other.refresh_from_db()
    assert other.status == "normal"


def test_create_member_with_bad_id_number_changes_nothing(county, login):
    c = login(county.users["zhibu"])
    before = Member.objects.count()
    resp = c.post(
        reverse("members:create") + f"?org={county.branch_a1.pk}",
        {
            "name": "测试员",
            "gender": "male",
            "ethnicity": "汉族",
            "id_number": "350402198001011235",
            "birth_date": "1980-01-01",
            "education": "bachelor",
            "occupation": "official",
            "joined_on": "2005-07-01",
            "confirmed_on": "2006-07-01",
            "category": "full",
        },
    )
    assert resp.status_code == 200
    assert "校验位不正确" in resp.content.decode()
    assert Member.objects.count() == before


@pytest.mark.parametrize("username", ["gongwei", "dangwei", "zhibu"])
def test_staff_land_on_their_subtree(county, login, username):
    c = login(county.users[username])
    resp = c.get("/", follow=True)
    assert resp.status_code == 200
    grant = county.users[username].grants.get()
    assert resp.context["org"].pk == grant.org_id


def test_member_sees_only_self(county, login):
    c = login(county.users["dangyuan"])
    me = county.members["a1"][0]
    assert c.get(reverse("members:me")).status_code == 200
    assert c.get(reverse("members:detail", args=[me.pk])).status_code == 200
    assert c.get(reverse("members:detail", args=[county.members["a1"][1].pk])).status_code == 404


def test_editing_without_retyping_the_phone_keeps_it(county, login):
    from dangjian.core.crypto import provider
    from dangjian.members.models import Member

    member = county.members["a1"][1]
    before = Member.objects.get(pk=member.pk)
    data = {
        "name": "改后名",
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "birth_date": member.birth_date.isoformat(),
        "id_number": provider().decrypt(member.id_number_enc),
        "education": member.education,
        "occupation": member.occupation,
        "phone": "",
        "joined_on": member.joined_on.isoformat(),
        "confirmed_on": member.confirmed_on.isoformat(),
        "category": member.category,
    }
    client = login(county.users["zhibu"])
    assert "留空则保留原号码" in client.get(reverse("members:edit", args=[member.pk])).content.decode()
    assert client.post(reverse("members:edit", args=[member.pk]), data).status_code == 302
    after = Member.objects.get(pk=member.pk)
    assert after.name == "改后名"
    assert provider().decrypt(after.phone_enc) == provider().decrypt(before.phone_enc)
    assert after.phone_masked == before.phone_masked
