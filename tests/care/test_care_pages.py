"""Care pages, export and API: scope (404 outside it), the sensitive circumstances, the audit."""

from datetime import date
from io import BytesIO

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook
from support import member_in

from dangjian.care import services
from dangjian.care.models import CareRecipient, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient(county, make_recipient, cadre):
    r = make_recipient(county.members["a1"][1], text="高龄独居，患高血压。")
    services.pair_cadre(
        actor=county.users["gongwei"], recipient=r, cadre=cadre, started_on=date(2020, 1, 1)
    )
    return r


def urls(r, p=None):
    out = {
        "home": reverse("care:home"),
        "new": reverse("care:new"),
        "export": reverse("care:export"),
        "compliance": reverse("care:compliance"),
        "training": reverse("care:training"),
        "training_new": reverse("care:training_new"),
        "detail": reverse("care:detail", args=[r.pk]),
        "pair": reverse("care:pair", args=[r.pk]),
        "visit": reverse("care:visit", args=[r.pk]),
        "review": reverse("care:review", args=[r.pk]),
        "close": reverse("care:close", args=[r.pk]),
        "circumstances": reverse("care:circumstances", args=[r.pk]),
    }
    if p is not None:
        out["end_pair"] = reverse("care:end_pair", args=[p.pk])
    return out


@pytest.mark.parametrize("user", ["nobody", "dangyuan", "admin", "shenji"])
def test_every_page_is_404_without_care_permission(county, recipient, login, user):
    client = login(county.users[user])
    for name, url in urls(recipient, recipient.pairs.get()).items():
        assert client.get(url).status_code == 404, name


def test_record_pages_are_404_for_a_grant_on_another_subtree(county, recipient, login):
    client = login(county.users["zhibu2"])
    for name, url in urls(recipient, recipient.pairs.get()).items():
        if name in ("home", "new", "export", "compliance", "training", "training_new"):
            continue
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("care:home") + f"?org={county.branch_a1.pk}").status_code == 404
    assert str(recipient.member) not in client.get(reverse("care:home")).content.decode()


def test_every_page_opens_with_permission(county, recipient, login):
    client = login(county.users["gongwei"])
    for name, url in urls(recipient, recipient.pairs.get()).items():
        if name == "export":
            continue
        assert client.get(url).status_code == 200, name


def test_circumstances_show_only_on_request_to_committee_roles_and_are_audited(
    county, recipient, login
):
    detail = reverse("care:detail", args=[recipient.pk])
    secretary = login(county.users["zhibu"])
    page = secretary.get(detail + "?show=circumstances").content.decode()
    assert "高龄独居" not in page and "只有党委（工委）管理员可以查看" in page
    assert secretary.get(reverse("care:circumstances", args=[recipient.pk])).status_code == 404
    committee = login(county.users["dangwei"])
    assert "高龄独居" not in committee.get(detail).content.decode()
    before = LogEntry.objects.filter(additional_data__event="view_pii").count()
    assert "高龄独居，患高血压。" in committee.get(detail + "?show=circumstances").content.decode()
    assert LogEntry.objects.filter(additional_data__event="view_pii").count() == before + 1


def _sheet(response):
    book = CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
    return book.get_sheet_by_index(0).to_python()


def test_export_masks_circumstances_by_default_and_unmasking_is_for_committee_roles(
    county, recipient, login
):
    client = login(county.users["dangwei"])
    rows = _sheet(client.get(reverse("care:export")))
    assert rows[1][0] == str(recipient.member) and rows[1][7] == "******"
    assert LogEntry.objects.filter(additional_data__kind="care_recipients").count() == 1
    rows = _sheet(client.get(reverse("care:export") + "?unmask=1"))
    assert rows[1][7] == "高龄独居，患高血压。"
    assert LogEntry.objects.filter(
        additional_data__event="view_pii", additional_data__kind="care_recipients"
    ).exists()
    secretary = login(county.users["zhibu"])
    assert secretary.get(reverse("care:export") + "?unmask=1").status_code == 404
    assert _sheet(secretary.get(reverse("care:export")))[1][7] == "******"


def test_visit_page_records_and_shows_the_service_error(county, recipient, cadre, login):
    client = login(county.users["gongwei"])
    url = reverse("care:visit", args=[recipient.pk])
    data = {
        "visited_on": "2020-02-01",
        "cadres": [cadre.pk],
        "what_done": "看望。",
        "deeds": "帮助申请救助\n联系医院复诊\n",
        "amount": "300",
        "paying_org": county.dangwei_a.pk,
        "fund": "budget",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "结余不足" in response.content.decode()
    assert not Visit.objects.exists()
    data["amount"] = ""
    data["paying_org"] = ""
    assert client.post(url, data).status_code == 302
    v = Visit.objects.get()
    assert [d.text for d in v.deeds.all()] == ["帮助申请救助", "联系医院复诊"]


def test_new_recipient_page_lists_members_in_scope_only(county, login):
    client = login(county.users["zhibu"])
    page = client.get(reverse("care:new")).content.decode()
    assert county.members["a1"][0].name in page
    other = member_in(county.branch_b1, name="欧阳外人")
    assert other.name not in page
    response = client.post(
        reverse("care:new"),
        {"member": county.members["a1"][2].pk, "reason": "illness", "level": "special",
         "since": "2024-01-01", "circumstances": "术后康复"},
    )  # fmt: skip
    assert response.status_code == 302
    assert CareRecipient.objects.get(member=county.members["a1"][2]).has_circumstances


# --- API --------------------------------------------------------------------------------------


def _api(county, username):
    client = Client()
    client.force_login(county.users[username], backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_api_compliance_lists_missing_pairs_in_scope(county, recipient, cadre):
    year = date.today().year - 1
    body = _api(county, "gongwei").get("/api/care/compliance", {"quarter": f"{year}Q1"}).json()
    assert body["quarter"] == f"{year}Q1" and body["expected"] == 1 and body["compliant"] == 0
    assert body["missing"][0]["recipient"] == recipient.member.name
    assert body["missing"][0]["missing"] == ["未走访", "未办实事"]
    services.record_visit(
        actor=county.users["gongwei"], recipient=recipient, visited_on=date(year, 3, 31),
        cadres=[cadre], what_done="看望", deeds=["送米面油"],
    )  # fmt: skip
    body = _api(county, "gongwei").get("/api/care/compliance", {"quarter": f"{year}Q1"}).json()
    assert body["compliant"] == 1 and body["missing"] == []
    other = _api(county, "zhibu2").get("/api/care/compliance", {"quarter": f"{year}Q1"}).json()
    assert other["expected"] == 0
    assert (
        _api(county, "zhibu2")
        .get("/api/care/compliance", {"quarter": f"{year}Q1", "org": county.branch_a1.pk})
        .status_code
        == 404
    )
    assert _api(county, "gongwei").get("/api/care/compliance", {"quarter": "x"}).status_code == 400
    assert _api(county, "nobody").get("/api/care/compliance").status_code == 404
