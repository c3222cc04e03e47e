"""组织生活 pages: list, new (roster radios), detail, compliance; out of scope is 404 on every page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from dangjian.life import services
from dangjian.life.models import Meeting

pytestmark = pytest.mark.django_db


def _meeting(county, org=None, user="zhibu", key="a1"):
    return services.record_meeting(
        actor=county.users[user],
        org=org or county.branch_a1,
        kind="theme_day",
        held_on=date(2025, 3, 31),
        topic="主题党日：重温入党誓词",
        attendance={m.pk: ("present", "") for m in county.members[key]},
    )


def test_list_shows_meetings_newest_first(county, login):
    _meeting(county)
    later = services.record_meeting(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        kind="lecture",
        held_on=date(2025, 4, 2),
        topic="党课：党的二十大精神",
        attendance={county.members["a1"][0].pk: ("present", "")},
    )
    c = login(county.users["zhibu"])
    r = c.get(reverse("life:list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index(later.topic) < html.index("重温入党誓词")
    assert "记录一次会议" in html


def test_list_pages_through_every_meeting_newest_first(county, login):
    """A page at a time: the oldest meeting is on the last page, none is cut off."""
    from dangjian.life.views import MEETINGS_PER_PAGE

    first = date(2024, 1, 1)
    services.record_meetings(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        meetings=[
            {
                "kind": "group",
                "held_on": first + timedelta(days=n),
                "topic": f"党小组会第{n + 1}次",
                "attendance": {county.members["a1"][0].pk: ("present", "")},
            }
            for n in range(MEETINGS_PER_PAGE + 1)
        ],
    )
    c = login(county.users["zhibu"])
    page1 = c.get(reverse("life:list")).content.decode()
    assert f"党小组会第{MEETINGS_PER_PAGE + 1}次" in page1 and "党小组会第1次<" not in page1
    assert "第 1 / 2 页" in page1 and f"?org={county.branch_a1.pk}&page=2" in page1
    page2 = c.get(reverse("life:list"), {"org": county.branch_a1.pk, "page": 2}).content.decode()
    assert "党小组会第1次<" in page2 and "党小组会第2次<" not in page2


def test_new_page_shows_roster_with_radios_default_present(county, login):
    c = login(county.users["zhibu"])
    r = c.get(reverse("life:new") + f"?org={county.branch_a1.pk}")
    html = r.content.decode()
    assert r.status_code == 200
    for m in county.members["a1"]:
        assert f'name="status_{m.pk}" value="present" checked' in html
        assert f'name="status_{m.pk}" value="excused"' in html
    assert (
        county.members["b1"][0].name not in html
        or f"status_{county.members['b1'][0].pk}" not in html
    )
    # the org select offers only organisations in scope
    assert county.branch_b1.name not in html


def test_new_page_records_and_redirects(county, login):
    c = login(county.users["zhibu"])
    a, b = county.members["a1"][:2]
    data = {
        "org": county.branch_a1.pk,
        "kind": "branch_assembly",
        "held_on": "2025-03-31",
        "topic": "讨论发展对象",
        "place": "三楼会议室",
        "chair": a.pk,
        "minutes": "",
        "decisions": "",
        **{f"status_{m.pk}": "present" for m in county.members["a1"]},
        f"status_{b.pk}": "excused",
        f"reason_{b.pk}": "出差",
    }
    r = c.post(reverse("life:new") + f"?org={county.branch_a1.pk}", data)
    meeting = Meeting.objects.get()
    assert r.status_code == 302 and r.url == reverse("life:detail", args=[meeting.pk])
    assert meeting.attendance.get(member=b).status == "excused"
    r = c.get(r.url)
    assert "出席3人，缺席0人，请假1人" in r.content.decode()


def test_new_page_future_date_shows_chinese_error_and_writes_nothing(county, login):
    c = login(county.users["zhibu"])
    data = {"org": county.branch_a1.pk, "kind": "theme_day", "held_on": "2099-01-01", "topic": "x"}
    data |= {f"status_{m.pk}": "present" for m in county.members["a1"]}
    r = c.post(reverse("life:new") + f"?org={county.branch_a1.pk}", data)
    assert r.status_code == 200
    assert "晚于今天" in r.content.decode()
    assert not Meeting.objects.exists()


def test_new_page_committee_without_quorum_shows_rule(county, login):
    c = login(county.users["zhibu"])
    data = {
        "org": county.branch_a1.pk,
        "kind": "committee",
        "held_on": "2025-03-03",
        "topic": "研究工作",
    }
    data |= {f"status_{m.pk}": "present" for m in county.members["a1"]}
    r = c.post(reverse("life:new") + f"?org={county.branch_a1.pk}", data)
    assert r.status_code == 200 and "委员" in r.content.decode()
    assert not Meeting.objects.exists()


def test_compliance_page_marks_missing_periods(county, login):
    _meeting(county)
    c = login(county.users["dangwei"])
    r = c.get(reverse("life:compliance") + f"?org={county.dangwei_a.pk}&year=2025")
    html = r.content.decode()
    assert r.status_code == 200
    assert county.branch_a1.name in html and county.branch_a2.name in html
    assert county.branch_b1.name not in html
    assert "2025年4月" in html and 'class="missing"' in html


def test_every_page_is_404_out_of_scope(county, login):
    mine = _meeting(county)
    theirs = _meeting(county, org=county.branch_b1, user="zhibu2", key="b1")
    c = login(county.users["zhibu"])
    other = county.branch_b1.pk
    assert c.get(reverse("life:list") + f"?org={other}").status_code == 404
    assert c.get(reverse("life:new") + f"?org={other}").status_code == 404
    assert c.post(reverse("life:new") + f"?org={other}", {"org": other}).status_code == 404
    assert c.get(reverse("life:detail", args=[theirs.pk])).status_code == 404
    assert c.get(reverse("life:compliance") + f"?org={other}").status_code == 404
    assert c.get(reverse("life:detail", args=[mine.pk])).status_code == 200
    # roles without the resource see nothing
    for who in ("dangyuan", "admin", "shenji", "nobody"):
        c = login(county.users[who])
        assert c.get(reverse("life:detail", args=[mine.pk])).status_code == 404
        assert c.get(reverse("life:compliance")).status_code == 404
