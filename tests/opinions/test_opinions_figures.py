"""Figures for a period and subtree: each number equals the records it drills down to."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from opinions_support import opinion, routed_case

from dangjian.opinions import selectors, services
from dangjian.opinions.models import Case, Opinion

pytestmark = pytest.mark.django_db


def _scene(setting):
    gw = setting.county.users["gongwei"]
    joint = routed_case(setting)  # 2 opinions, 教育局 lead + 卫健局 co
    single = routed_case(setting, co=False, texts=("学校食堂卫生差",))
    services.reply(actor=setting.county.users["zhibu"], case=single, text="已整改")
    services.follow_up(actor=gw, case=single, result="satisfied")
    a, b = opinion(setting, "路灯坏"), opinion(setting, "路灯不亮")
    lamps = services.consolidate(actor=gw, opinions=[a], title="路灯")
    other = services.consolidate(actor=gw, opinions=[b], title="路灯2")
    services.merge_case(actor=gw, case=other, into=lamps, reason="同一诉求")
    opinion(setting, "还在收件箱")
    return joint, single, lamps


def test_figures_count_records(setting):
    joint, single, lamps = _scene(setting)
    gw = setting.county.users["gongwei"]
    today = timezone.localdate()
    f = selectors.figures(gw, selectors.Period(), today)
    assert f.opinions == 6 == Opinion.objects.count()
    assert f.cases == 3  # the merged case is not counted
    assert dict((k, n) for k, _l, n in f.by_level) == {
        "coordinate": 0,
        "single": 1,
        "joint": 1,
        "none": 1,
    }
    units = {u.name: u for u in f.units}
    assert (
        units["区教育局"].tasks == 2
        and units["区教育局"].done == 1
        and units["区教育局"].on_time == 1
    )
    assert units["区教育局"].on_time_rate == 100.0 and units["区卫健局"].on_time_rate is None
    assert (
        dict((k, n) for k, _l, n in f.satisfaction)["satisfied"] == 1 and f.satisfied_rate == 100.0
    )
    assert f.open == 3
    # overdue: none today, both handling/replied... the joint case is overdue after its deadline
    assert (
        selectors.figures(gw, selectors.Period(), joint.deadline + timedelta(days=1)).overdue == 1
    )
    assert f.overdue == 0


def test_figures_period_and_subtree(setting):
    _scene(setting)
    today = timezone.localdate()
    zhibu2 = setting.county.users["zhibu2"]
    f = selectors.figures(zhibu2, selectors.Period(), today)
    assert f.cases == 1 and f.opinions == 2  # only the joint case its unit co-handles
    gw = setting.county.users["gongwei"]
    later = selectors.Period(start=today + timedelta(days=1))
    assert selectors.figures(gw, later, today).cases == 0
    assert selectors.figures(gw, later, today).opinions == 0
    sub = selectors.Period(org=setting.county.branch_b1)
    assert selectors.figures(gw, sub, today).cases == 1


def test_every_figure_drills_down(client, login, setting):
    joint, single, lamps = _scene(setting)
    c = login(setting.county.users["gongwei"])
    r = c.get(reverse("opinions:figures"))
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="fig-cases">3<' in body
    r = c.get(reverse("opinions:home"), {"state": "counted"})
    assert r.context["page"].paginator.count == 3
    r = c.get(reverse("opinions:home"), {"state": "counted", "level": "joint"})
    assert list(r.context["page"]) == [joint]
    r = c.get(reverse("opinions:home"), {"unit": setting.health_unit.pk, "state": "counted"})
    assert list(r.context["page"]) == [joint]
    r = c.get(reverse("opinions:home"), {"result": "satisfied"})
    assert list(r.context["page"]) == [single]
    r = c.get(reverse("opinions:opinions"))
    assert r.context["page"].paginator.count == 6


def test_export_xlsx_has_the_drill_down_rows(client, login, setting):
    from python_calamine import CalamineWorkbook

    _scene(setting)
    r = login(setting.county.users["gongwei"]).get(reverse("opinions:export"), {"state": "counted"})
    assert r.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(BytesIO(b"".join(r.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][0] == "事项编号" and len(rows) == 1 + 3
    assert not any("139" in str(cell) for row in rows for cell in row)


def test_figures_api(client, login, setting):
    _scene(setting)
    r = login(setting.county.users["gongwei"]).get("/api/opinions/figures")
    assert r.status_code == 200 and r.json()["cases"] == 3 and r.json()["opinions"] == 6
    r = login(setting.county.users["zhibu2"]).get("/api/opinions/figures")
    assert r.json()["cases"] == 1
    r = login(setting.county.users["zhibu2"]).get(
        "/api/opinions/figures", {"org": setting.county.branch_a1.pk}
    )
    assert r.status_code == 404
    assert Case.objects.count() == 4
