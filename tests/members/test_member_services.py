from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from support import member_in

from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member
from dangjian.members.services import change_status, clean_member_data, create_member


def _raw(**over):
    birth = over.pop("birth_date", date(1990, 3, 15))
    raw = {
        "name": "张三",
        "gender": "男",
        "ethnicity": "畲族",
        "birth_date": birth,
        "id_number": make_id_number("350424", birth, 11, "male"),
        "education": "大学本科",
        "occupation": "党政机关工作人员",
        "phone": "13800001111",
        "joined_on": date(2015, 7, 1),
        "confirmed_on": date(2016, 7, 1),
        "category": "正式党员",
    }
    raw.update(over)
    return raw


@pytest.mark.django_db
def test_labels_are_accepted_and_keys_derived():
    data = clean_member_data(_raw())
    assert (data.gender, data.education, data.category) == ("male", "bachelor", "full")


@pytest.mark.django_db
def test_join_age_boundary_18():
    birth = date(2000, 6, 10)
    eighteenth = date(2018, 6, 10)
    ok = clean_member_data(_raw(birth_date=birth, id_number=make_id_number("350424", birth, 11, "male"), joined_on=eighteenth, confirmed_on=date(2019, 6, 10)))
    assert ok.joined_on == eighteenth
    with pytest.raises(ValidationError, match="未满18周岁"):
        clean_member_data(_raw(birth_date=birth, id_number=make_id_number("350424", birth, 11, "male"), joined_on=date(2018, 6, 9), confirmed_on=date(2019, 6, 9)))


@pytest.mark.django_db
def test_unknown_ethnicity_and_bad_phone_rejected():
    with pytest.raises(ValidationError) as exc:
        clean_member_data(_raw(ethnicity="火星族", phone="12345"))
    assert set(exc.value.message_dict) == {"ethnicity", "phone"}


@pytest.mark.django_db
def test_ethnicity_short_form_is_normalised():
    assert clean_member_data(_raw(ethnicity="畲")).ethnicity == "畲族"


@pytest.mark.django_db
def test_probationary_with_confirmation_date_rejected():
    with pytest.raises(ValidationError, match="预备党员不应有转正日期"):
        clean_member_data(_raw(category="预备党员"))


@pytest.mark.django_db
def test_duplicate_id_number_rejected(county):
    existing = county.members["a1"][1]
    from dangjian.core.crypto import provider

    number = provider().decrypt(existing.id_number_enc)
    with pytest.raises(ValidationError, match="已登记"):
        clean_member_data(_raw(id_number=number, birth_date=existing.birth_date, gender=existing.gender))


@pytest.mark.django_db
def test_create_out_of_scope_is_404_and_writes_nothing(county):
    before = Member.objects.count()
    with pytest.raises(Http404):
        create_member(actor=county.users["zhibu"], org=county.branch_b1, data=clean_member_data(_raw()))
    assert Member.objects.count() == before


@pytest.mark.django_db
def test_status_change_keeps_the_record(county):
    m = member_in(county.branch_a1)
    change_status(actor=county.users["zhibu"], member=m, status="deceased", on=date(2024, 1, 2), reason="因病去世")
    m.refresh_from_db()
    assert (m.status, m.status_date, m.status_reason) == ("deceased", date(2024, 1, 2), "因病去世")
    with pytest.raises(ValidationError, match="不能恢复"):
        change_status(actor=county.users["zhibu"], member=m, status="normal", on=date(2024, 2, 1), reason="误操作")
    with pytest.raises(ValidationError, match="原因"):
        change_status(actor=county.users["zhibu"], member=member_in(county.branch_a1), status="left", on=date(2024, 1, 2), reason=" ")


@pytest.mark.django_db
def test_search_by_initials_name_and_exact_id(county, login):
    from dangjian.core.crypto import provider
    from dangjian.members.selectors import members_for, search_people

    m = member_in(county.branch_a1, name="诸葛宇杰")
    qs = members_for(county.users["zhibu"])
    assert m in search_people(qs, "zgyj")
    assert m in search_people(qs, "宇杰")
    assert list(search_people(qs, provider().decrypt(m.id_number_enc))) == [m]
    # The same exact ID, searched by someone whose scope excludes the member, finds nothing.
    assert not search_people(members_for(county.users["zhibu2"]), provider().decrypt(m.id_number_enc)).exists()
