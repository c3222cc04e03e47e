"""组织生活: 民主评议 pages, calendar, 期末提醒, exports and the JSON API; scope is 404 everywhere."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.core.reminders import reminders_for
from dangjian.life import services
from dangjian.life.models import Appraisal

pytestmark = pytest.mark.django_db

HELD = date(2025, 1, 20)


def _meeting(county, org=None, user="zhibu", key="a1", day=date(2025, 3, 31), kind="theme_day"):
    return services.record_meeting(
        actor=county.users[user],
        org=org or county.branch_a1,
        kind=kind,
        held_on=day,
        topic="主题党日：重温入党誓词",
        attendance={m.pk: ("present", "") for m in county.members[key]}
        | {county.members[key][-1].pk: ("absent", "外出")},
    )


def _appraisal(county, org=None, user="zhibu", key="a1"):
    ms = county.members[key]
    return services.record_appraisal(
        actor=county.users[user],
        org=org or county.branch_a1,
        year=2024,
        held_on=HELD,
        results={m.pk: {"result": "qualified"} for m in ms[1:]}
        | {ms[0].pk: {"result": "unqualified", "decision": "persuade"}},
    )


def test_appraisal_new_page_records_from_the_roster(county, login):
    c = login(county.users["zhibu"])
    url = reverse("life:appraisal_new") + f"?org={county.branch_a1.pk}"
    r = c.get(url)
    html = r.content.decode()
    assert r.status_code == 200
    for m in county.members["a1"]:
        assert f'name="result_{m.pk}" value="qualified" checked' in html
    a, b, c_, d = county.members["a1"]
    data = {
        "org": county.branch_a1.pk, "year": "2024", "held_on": "2025-01-20", "meeting": "", "note": "",
        f"result_{a.pk}": "excellent", f"result_{b.pk}": "basic", f"result_{c_.pk}": "qualified",
        f"result_{d.pk}": "",
        f"deadline_{b.pk}": "2025-07-01", f"help_{b.pk}": "书记结对帮扶",
    }  # fmt: skip
    r = c.post(url, data)
    appraisal = Appraisal.objects.get()
    assert r.status_code == 302 and r.url == reverse("life:appraisal", args=[appraisal.pk])
    assert dict(appraisal.entries.values_list("member_id", "result")) == {
        a.pk: "excellent", b.pk: "basic", c_.pk: "qualified"
    }  # fmt: skip
    html = c.get(r.url).content.decode()
    assert "2025年7月1日前改正" in html and "尚未评议的党员" in html and d.name in html


def test_appraisal_new_page_missing_follow_up_shows_error_writes_nothing(county, login):
    c = login(county.users["zhibu"])
    b = county.members["a1"][1]
    url = reverse("life:appraisal_new") + f"?org={county.branch_a1.pk}"
    data = {"org": county.branch_a1.pk, "year": "2024", "held_on": "2025-01-20"}
    data |= {f"result_{m.pk}": "qualified" for m in county.members["a1"]}
    data[f"result_{b.pk}"] = "basic"
    r = c.post(url, data)
    assert r.status_code == 200
    assert "改正期限" in r.content.decode() and b.name in r.content.decode()
    assert not Appraisal.objects.exists()


def test_entry_page_links_persuade_to_the_status_request(county, login):
    appraisal = _appraisal(county)
    m = county.members["a1"][0]
    c = login(county.users["zhibu"])
    html = c.get(reverse("life:appraisal_entry", args=[appraisal.pk, m.pk])).content.decode()
    base = reverse("members:status_request", args=[m.pk])
    assert f"{base}?kind=strike_unqualified" in html and f"{base}?kind=withdraw" in html
    r = c.post(
        reverse("life:appraisal_entry", args=[appraisal.pk, m.pk]),
        {"action": "close", "closed_on": "2025-03-01", "outcome": "本人同意退党"},
    )
    assert r.status_code == 302
    assert appraisal.entries.get(member=m).outcome == "本人同意退党"


def test_counts_page_drills_to_names(county, login):
    _appraisal(county)
    c = login(county.users["dangwei"])
    r = c.get(reverse("life:appraisals") + f"?org={county.dangwei_a.pk}&year=2024")
    html = r.content.decode()
    names = (
        reverse("life:appraisal_names") + f"?org={county.branch_a1.pk}&year=2024&result=unqualified"
    )
    assert names in html
    r = c.get(
        reverse("life:appraisal_names") + f"?org={county.branch_a1.pk}&year=2024&result=unqualified"
    )
    html = r.content.decode()
    assert county.members["a1"][0].name in html and county.members["a1"][1].name not in html


def test_calendar_month_and_year(county, login):
    today = timezone.localdate()
    mt = _meeting(county, day=today.replace(day=1))
    c = login(county.users["zhibu"])
    r = c.get(reverse("life:calendar") + f"?org={county.branch_a1.pk}")
    html = r.content.decode()
    assert r.status_code == 200
    assert reverse("life:detail", args=[mt.pk]) in html
    assert "本期规定还没召开" in html and "支委会" in html
    r = c.get(reverse("life:calendar") + f"?org={county.branch_a1.pk}&view=year&year={today.year}")
    assert f'id="month-{today.month}"' in r.content.decode()


def test_due_page_and_reminder_follow_the_setting_boundary(county, login):
    user = county.users["zhibu"]
    # 7 days before the end of a month: reminded; 8 days before: not
    end = date(2025, 4, 30)
    from dangjian.life.selectors import due_soon

    assert [r.org.pk for r in due_soon(user, today=end - timedelta(days=7))] == [
        county.branch_a1.pk
    ]
    assert due_soon(user, today=end - timedelta(days=8)) == []
    due_url = reverse("life:due")
    (item,) = [i for i in reminders_for(user, end - timedelta(days=7)) if i.url == due_url]
    assert item.count == 1 and item.url == reverse("life:due")
    c = login(user)
    assert county.branch_a1.name in c.get(item.url).content.decode()


def test_overdue_follow_up_reminder(county):
    user = county.users["zhibu"]
    m = county.members["a1"][0]
    services.record_appraisal(
        actor=user, org=county.branch_a1, year=2024, held_on=HELD,
        results={m.pk: {"result": "basic", "deadline": date(2025, 3, 1), "help_measure": "帮扶"}},
    )  # fmt: skip
    over = [i for i in reminders_for(user, date(2025, 3, 2)) if "逾期" in i.label]
    assert over and over[0].count == 1 and over[0].overdue
    over = [i for i in reminders_for(user, date(2025, 3, 1)) if "逾期" in i.label]
    assert not over  # the deadline day itself is not overdue (zero-count items are dropped)


def _sheet(response):
    book = CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
    return book.get_sheet_by_index(0).to_python()


def test_exports(county, login):
    _meeting(county, day=date(2025, 3, 31))
    c = login(county.users["zhibu"])
    r = c.get(reverse("life:export_meetings") + f"?org={county.branch_a1.pk}&year=2025")
    assert r.status_code == 200
    rows = _sheet(r)
    assert rows[0][:3] == ["召开日期", "党组织", "类别"]
    assert rows[1][6:] == [4, 3, 1, 0, 0]
    r = c.get(reverse("life:export_compliance") + f"?org={county.branch_a1.pk}&year=2025")
    rows = _sheet(r)
    assert rows[0][0] == "党支部" and any(row[1] == "民主评议党员" for row in rows[1:])


def test_api_meetings_and_compliance(county):
    _meeting(county, day=date(2025, 3, 31))
    _meeting(county, org=county.branch_b1, user="zhibu2", key="b1")
    client = Client()
    client.force_login(county.users["zhibu"], backend="django.contrib.auth.backends.ModelBackend")
    r = client.get("/api/life/meetings", {"year": 2025})
    body = r.json()
    assert r.status_code == 200 and body["count"] == 1
    assert body["items"][0]["present"] == 3 and body["items"][0]["absent"] == 1
    assert client.get("/api/life/meetings", {"org": county.branch_b1.pk}).status_code == 404
    r = client.get("/api/life/compliance", {"org": county.branch_a1.pk, "year": 2025})
    body = r.json()
    assert r.status_code == 200 and [b["org_id"] for b in body["branches"]] == [county.branch_a1.pk]
    kinds = {k["kind"]: k for k in body["branches"][0]["kinds"]}
    assert kinds["theme_day"]["held"] == 1 and "appraisal" in kinds
    assert client.get("/api/life/compliance", {"org": county.branch_b1.pk}).status_code == 404


def test_new_pages_are_404_out_of_scope(county, login):
    theirs = _appraisal(county, org=county.branch_b1, user="zhibu2", key="b1")
    other = county.branch_b1.pk
    c = login(county.users["zhibu"])
    for name in ("appraisals", "appraisal_new", "appraisal_names", "follow_ups", "calendar", "due",
                 "export_meetings", "export_compliance"):  # fmt: skip
        assert c.get(reverse(f"life:{name}") + f"?org={other}").status_code == 404, name
    assert c.get(reverse("life:appraisal", args=[theirs.pk])).status_code == 404
    m = county.members["b1"][0]
    assert c.get(reverse("life:appraisal_entry", args=[theirs.pk, m.pk])).status_code == 404
    r = c.post(
        reverse("life:appraisal_entry", args=[theirs.pk, m.pk]),
        {"action": "result", "result": "basic"},
    )
    assert r.status_code == 404
    assert theirs.entries.get(member=m).result == "unqualified"
    c = login(county.users["zhibu2"])
    assert c.get(reverse("life:appraisal", args=[theirs.pk])).status_code == 200
    mine = _appraisal(county)
    assert c.get(reverse("life:appraisal", args=[mine.pk])).status_code == 404
    a = county.members["a1"][0]
    assert c.get(reverse("life:appraisal_entry", args=[mine.pk, a.pk])).status_code == 404
