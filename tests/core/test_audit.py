import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from dangjian.core.crypto import provider
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member, MemberStatusChange

FORM = {
    "name": "审计测试",
    "gender": "female",
    "ethnicity": "汉族",
    "birth_date": "1985-04-03",
    "education": "bachelor",
    "occupation": "official",
    "phone": "13912345678",
    "joined_on": "2010-07-01",
    "confirmed_on": "2011-07-01",
    "category": "full",
}


def _create(c, county):
    from datetime import date

    data = dict(FORM, id_number=make_id_number("350424", date(1985, 4, 3), 20, "female"))
    resp = c.post(reverse("members:create") + f"?org={county.branch_a1.pk}", data)
    assert resp.status_code == 302, resp.content.decode()[:500]
    return Member.objects.get(name="审计测试"), data["id_number"]


def test_page_writes_are_audited_with_actor_request_id_and_masking(county, login):
    c = login(county.users["zhibu"])
    member, number = _create(c, county)
    ct = ContentType.objects.get_for_model(Member)
    entry = LogEntry.objects.get(content_type=ct, object_pk=str(member.pk), action=LogEntry.Action.CREATE)
    assert entry.actor == county.users["zhibu"]
    assert entry.cid and len(entry.cid) == 32
    assert entry.additional_data["org_path"] == county.branch_a1.path
    dump = str(entry.changes)
    assert number not in dump and "13912345678" not in dump
    assert member.id_number_masked in dump
    assert "id_number_enc" not in dump

    resp = c.post(
        reverse("members:status_request", args=[member.pk]) + "?kind=suspend_lost",
        {"kind": "suspend_lost", "effective_on": "2024-05-01", "reason": "失联满6个月", "basis": "支部大会决议",
         "lost_since": "2023-10-01", "search_note": "走访单位和家属均无音讯"},
    )
    assert resp.status_code == 302
    change = MemberStatusChange.objects.get(member=member)
    approved = login(county.users["dangwei"]).post(
        reverse("members:status_change", args=[change.pk]), {"decision": "approve", "note": "同意"}
    )
    assert approved.status_code == 302
    upd = LogEntry.objects.filter(content_type=ct, object_pk=str(member.pk), action=LogEntry.Action.UPDATE).latest("timestamp")
    assert upd.changes_dict["status"] == ["normal", "suspended"]


def test_revealing_an_id_number_is_audited(county, login):
    member = county.members["a1"][1]
    c = login(county.users["dangwei"])
    resp = c.post(reverse("members:detail", args=[member.pk]), {"reveal": "1"})
    assert provider().decrypt(member.id_number_enc) in resp.content.decode()
    assert LogEntry.objects.filter(additional_data__event="view_pii", actor=county.users["dangwei"]).count() == 1
    # A branch secretary may not reveal it.
    resp = login(county.users["zhibu"]).post(reverse("members:detail", args=[member.pk]), {"reveal": "1"})
    assert resp.status_code == 404


def test_login_events_and_failures_recorded(county, client):
    client.post(reverse("login"), {"username": "zhibu", "password": "wrong-one"})
    client.post(reverse("login"), {"username": "ZHIBU", "password": "demo12345"})
    failed = LogEntry.objects.filter(additional_data__event="login_failed")
    assert failed.count() == 1 and failed.get().additional_data["success"] is False
    assert LogEntry.objects.filter(additional_data__event="login", actor=county.users["zhibu"]).exists()


def test_audit_page_is_scoped(county, login):
    _create(login(county.users["zhibu"]), county)
    from support import member_in

    member_in(county.branch_b1, name="另一个")  # created without an actor: still logged
    gw = login(county.users["gongwei"]).get(reverse("core:audit"))
    assert gw.status_code == 200 and "审计测试" in gw.content.decode()
    # Filtered to the other 党委's subtree, the branch A1 entry disappears.
    other = login(county.users["gongwei"]).get(reverse("core:audit") + f"?org={county.dangwei_b.pk}").content.decode()
    assert "审计测试" not in other and "另一个" in other
    assert login(county.users["shenji"]).get(reverse("core:audit") + "?actor=zhibu").status_code == 200
    for name in ("zhibu", "dangwei", "admin", "dangyuan"):
        assert login(county.users[name]).get(reverse("core:audit")).status_code == 404


@pytest.mark.parametrize("field", ["actor", "model", "action", "since"])
def test_audit_filters(county, login, field):
    _create(login(county.users["zhibu"]), county)
    params = {"actor": "zhibu", "model": "member", "action": "0", "since": "2000-01-01"}[field]
    page = login(county.users["shenji"]).get(reverse("core:audit") + f"?{field}={params}").context["page"]
    assert page.paginator.count >= 1
    none = login(county.users["shenji"]).get(reverse("core:audit") + "?actor=nosuchuser").context["page"]
    assert none.paginator.count == 0
