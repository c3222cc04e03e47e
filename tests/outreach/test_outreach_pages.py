"""Pages, drill-downs, exports and the figures API: scope holds everywhere, figures match the records."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from dangjian.outreach import services
from dangjian.outreach.models import Activity, Category, Pairing

TODAY = timezone.localdate


def years_ago(n: int) -> date:
    return date(TODAY().year - n, 1, 1)


def _activity(county, pairing, people, **kw):
    kw.setdefault("category", Category.PROJECTS)
    return services.record_activity(
        actor=county.users["zhibu"], pairing=pairing, held_on=TODAY(), summary="技术培训",
        participants=people, **kw,
    )  # fmt: skip


def _sheet(response):
    from python_calamine import CalamineWorkbook

    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


# ---------------------------------------------------------------- scope: 404 outside


@pytest.mark.parametrize(
    "url",
    [
        "/outreach/pairings/{p}/",
        "/outreach/pairings/{p}/activity/",
        "/outreach/pairings/{p}/task/",
        "/outreach/pairings/{p}/end/",
        "/outreach/pairings/{p}/agreement/",
        "/outreach/activities/{a}/",
        "/outreach/activities/{a}/correct/",
        "/outreach/?org={org}",
        "/outreach/activities/?org={org}",
        "/outreach/activities/export/?org={org}",
        "/outreach/figures/export/?org={org}",
        "/outreach/people/?org={org}",
        "/outreach/pairings/?org={org}",
    ],
)
def test_zhibu2_cannot_open_what_belongs_to_zhibu(county, pairing, login, url):
    act = _activity(county, pairing, county.members["a1"][:1])
    client = login(county.users["zhibu2"])

    response = client.get(url.format(p=pairing.pk, a=act.pk, org=county.branch_a1.pk))

    assert response.status_code == 404
    assert login(county.users["zhibu"]).get(
        url.format(p=pairing.pk, a=act.pk, org=county.branch_a1.pk)
    ).status_code in (200, 404 if "agreement" in url else 200)


def test_a_post_from_another_branch_writes_nothing(county, pairing, login):
    client = login(county.users["zhibu2"])
    response = client.post(
        f"/outreach/pairings/{pairing.pk}/activity/",
        {
            "held_on": TODAY().isoformat(),
            "category": "social",
            "summary": "x",
            "participants": [county.members["a1"][0].pk],
        },
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_a_member_without_a_staff_grant_sees_nothing(county, login):
    assert login(county.users["dangyuan"]).get("/outreach/").status_code == 404


# ---------------------------------------------------------------- pages


def test_recording_an_activity_on_the_page_raises_the_figure(county, pairing, login):
    client = login(county.users["dangwei"])
    people = county.members["a1"][:3]
    before = client.get(f"/outreach/?org={county.dangwei_a.pk}")
    assert before.context["f"].people == 0

    response = client.post(
        f"/outreach/pairings/{pairing.pk}/activity/",
        {
            "held_on": TODAY().isoformat(), "category": "infrastructure", "summary": "帮助修缮村部",
            "participants": [m.pk for m in people], "problems_solved": "2", "services_delivered": "0",
            "funds_raised": "3000", "deeds_done": "1",
        },
    )  # fmt: skip

    act = Activity.objects.get()
    assert response.status_code == 302 and response.url == f"/outreach/activities/{act.pk}/"
    after = client.get(f"/outreach/?org={county.dangwei_a.pk}")
    f = after.context["f"]
    assert (f.people, f.problems, f.activities) == (3, 2, 1)
    assert act.recorded_by == county.users["dangwei"]


def test_bad_input_on_the_page_shows_chinese_and_writes_nothing(county, pairing, login):
    client = login(county.users["zhibu"])
    response = client.post(
        f"/outreach/pairings/{pairing.pk}/activity/",
        {
            "held_on": TODAY().isoformat(),
            "category": "social",
            "summary": "联谊",
            "participants": [county.members["b1"][0].pk],
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "参加党员只能从教育局机关第一党支部" in html
    assert not Activity.objects.exists()


def test_each_figure_drills_down_to_records_that_add_up_to_it(county, pairing, login):
    a = county.members["a1"]
    _activity(county, pairing, a[:2], problems_solved=2, funds_raised="100")
    _activity(county, pairing, a[1:3], category=Category.SOCIAL, services_delivered=4)
    client = login(county.users["gongwei"])
    q = f"org={county.gongwei.pk}&from={years_ago(1)}&to={TODAY()}"
    f = client.get(f"/outreach/?{q}").context["f"]

    problems = client.get(f"/outreach/activities/?{q}&measure=problems").context
    assert problems["totals"]["problems"] == f.problems == 2 and len(problems["rows"]) == 1
    social = client.get(f"/outreach/activities/?{q}&category=social").context
    assert len(social["rows"]) == dict((c, n) for c, _l, n in f.by_category)["social"] == 1
    people = client.get(f"/outreach/people/?{q}").context["rows"]
    assert len(people) == f.people == 3
    assert {m.pk: m.times for m in people}[a[1].pk] == 2
    pairings = client.get(f"/outreach/pairings/?{q}&kind=village").context["rows"]
    assert [p.pk for p in pairings] == [pairing.pk]


def test_a_bad_period_falls_back_with_a_message(county, login):
    client = login(county.users["gongwei"])
    response = client.get(
        f"/outreach/?org={county.gongwei.pk}&from=2025-05-01&to=2025-01-01", follow=True
    )
    assert response.status_code == 200
    assert "开始日期晚于结束日期" in response.content.decode()
    assert response.context["start"] == date(TODAY().year, 1, 1)


def test_pairing_page_creates_a_pairing_with_an_agreement_and_serves_it_in_scope(
    county, village, login
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(county.users["zhibu"])
    a1 = county.members["a1"]
    response = client.post(
        f"/outreach/pairings/new/?org={county.branch_a1.pk}",
        {
            "partner": village.pk, "started_on": years_ago(1).isoformat(), "leader": a1[0].pk,
            "coordinator": a1[1].pk, "agreement_text": "共建党员活动室",
            "agreement": SimpleUploadedFile("协议.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
        },
    )  # fmt: skip
    p = Pairing.objects.get()
    assert response.status_code == 302
    got = client.get(f"/outreach/pairings/{p.pk}/agreement/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 test"
    assert (
        login(county.users["zhibu2"]).get(f"/outreach/pairings/{p.pk}/agreement/").status_code
        == 404
    )


def test_registry_page_registers_an_outside_organisation_and_refuses_a_duplicate(
    county, village, login
):
    client = login(county.users["zhibu"])
    ok = client.post(
        f"/outreach/partners/?org={county.branch_a1.pk}", {"name": "城南社区", "kind": "community"}
    )
    assert ok.status_code == 302
    dup = client.post(
        f"/outreach/partners/?org={county.branch_a1.pk}", {"name": "东山村", "kind": "village"}
    )
    assert dup.status_code == 200 and "已经登记过" in dup.content.decode()


# ---------------------------------------------------------------- exports


def test_activity_export_is_scoped_and_audited(county, pairing, village, login):
    from auditlog.models import LogEntry

    other = services.create_pairing(
        actor=county.users["gongwei"], org=county.branch_b1, partner=village, started_on=years_ago(1),
        leader=county.members["b1"][0], coordinator=county.members["b1"][1],
    )  # fmt: skip
    _activity(county, pairing, county.members["a1"][:2], problems_solved=5)
    services.record_activity(
        actor=county.users["zhibu2"], pairing=other, held_on=TODAY(), category="social", summary="卫健义诊",
        participants=county.members["b1"][:1],
    )  # fmt: skip

    rows = _sheet(
        login(county.users["zhibu2"]).get(f"/outreach/activities/export/?org={county.branch_b1.pk}")
    )
    assert len(rows) == 2 and rows[1][4] == "卫健义诊"
    all_rows = _sheet(
        login(county.users["gongwei"]).get(f"/outreach/activities/export/?org={county.gongwei.pk}")
    )
    assert len(all_rows) == 3
    assert LogEntry.objects.filter(additional_data__event="export").count() == 2


def test_figures_export_has_the_page_figures(county, pairing, login):
    _activity(county, pairing, county.members["a1"][:3], problems_solved=4)
    rows = _sheet(
        login(county.users["zhibu"]).get(f"/outreach/figures/export/?org={county.branch_a1.pk}")
    )
    values = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert values[("下基层党员（人，不重复计）", "")] == 3
    assert values[("解决实际问题（个）", "")] == 4
    assert values[("开展结对的机关党组织（个）", "行政村")] == 1


# ---------------------------------------------------------------- API


def test_api_figures_are_the_page_figures_and_scoped(county, pairing, login):
    _activity(county, pairing, county.members["a1"][:2], funds_raised="12.50")
    client = login(county.users["gongwei"])

    got = client.get(
        f"/api/outreach/figures?org={county.gongwei.pk}&from={years_ago(1)}&to={TODAY()}"
    )

    assert got.status_code == 200
    body = got.json()
    assert body["members_went_down"] == 2 and body["funds_raised"] == "12.50"
    assert body["from"] == years_ago(1).isoformat()
    assert body["pairings"]["by_partner_kind"][0] == {
        "kind": "village", "label": "行政村", "pairings": 1, "agency_orgs": 1, "partners": 1,
    }  # fmt: skip
    denied = login(county.users["zhibu2"]).get(f"/api/outreach/figures?org={county.branch_a1.pk}")
    assert denied.status_code == 404 and denied.json() == {"detail": "未找到。"}


def test_api_refuses_a_reversed_period_in_chinese(county, login):
    client = login(county.users["zhibu"])
    got = client.get(f"/api/outreach/figures?from={TODAY()}&to={TODAY() - timedelta(days=1)}")
    assert got.status_code == 400 and "开始日期不能晚于结束日期" in got.json()["detail"]
    assert client.get("/api/outreach/figures").json()["org"]["id"] == county.branch_a1.pk
