"""Pages for visit corrections, re-employment and the care figures: scope, drill-downs, export."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.care import services
from dangjian.care.models import Trainee, Visit
from dangjian.funds import services as funds
from dangjian.funds.models import Fund, FundEntry

pytestmark = pytest.mark.django_db
YEAR = 2020


@pytest.fixture
def recipient(county, make_recipient, cadre):
    r = make_recipient(county.members["a1"][1], text="高龄独居，患高血压。")
    services.pair_cadre(
        actor=county.users["gongwei"], recipient=r, cadre=cadre, started_on=date(2020, 1, 1)
    )
    funds.record_funding(
        actor=county.users["gongwei"], org=county.dangwei_a, fund=Fund.BUDGET, amount="1000",
        occurred_on=date(2020, 1, 2), counterparty_name="县财政局",
    )  # fmt: skip
    return r


@pytest.fixture
def paid(county, recipient, cadre):
    return services.record_visit(
        actor=county.users["gongwei"], recipient=recipient, visited_on=date(2020, 2, 3),
        cadres=[cadre], what_done="看望。", deeds=["送米面油"], amount="300",
        paying_org=county.dangwei_a, fund=Fund.BUDGET,
    )  # fmt: skip


def figures_url(what=None, **more):
    url = reverse("care:figures_list" if what else "care:figures") + f"?year={YEAR}"
    if what:
        url += f"&what={what}"
    return url + "".join(f"&{k}={v}" for k, v in more.items())


def test_the_correction_page_replaces_the_visit_and_the_old_one_shows_as_corrected(
    county, recipient, paid, cadre, login
):
    client = login(county.users["dangwei"])
    url = reverse("care:correct_visit", args=[paid.pk])
    page = client.get(url).content.decode()
    assert "原走访记录" in page and 'value="300.00"' in page
    data = {
        "reason": "金额登记错了", "visited_on": "2020-02-03", "cadres": [cadre.pk],
        "what_done": "看望。", "deeds": "送米面油", "amount": "250",
        "paying_org": county.dangwei_a.pk, "fund": "budget",
    }  # fmt: skip
    assert client.post(url, {**data, "reason": ""}).status_code == 200
    assert Visit.objects.count() == 1
    assert client.post(url, data).status_code == 302
    new = Visit.objects.get(replaces=paid)
    assert new.amount == Decimal("250.00") and new.fund_entry.replaces_id == paid.fund_entry_id
    detail = client.get(reverse("care:detail", args=[recipient.pk])).content.decode()
    assert "已更正，不计入统计" in detail and "金额登记错了" in detail
    # corrected already: the page sends back to the recipient
    assert client.get(url).status_code == 302
    # outside the subtree: 404
    assert login(county.users["zhibu2"]).get(url).status_code == 404


def test_the_funds_correction_page_sends_visit_money_to_the_visit(county, paid, login):
    client = login(county.users["gongwei"])
    url = reverse("funds:correct", args=[paid.fund_entry_id])
    page = client.get(url).content.decode()
    assert reverse("care:correct_visit", args=[paid.pk]) in page
    client.post(url, {"reason": "错了"})
    assert not FundEntry.objects.filter(corrects_id=paid.fund_entry_id).exists()


def test_figures_page_numbers_drill_down_to_the_records(county, recipient, paid, login):
    client = login(county.users["gongwei"])
    page = client.get(figures_url()).content.decode()
    assert "与经费账目核对一致" in page and "300.00" in page
    for what, expected in (("recipients", 1), ("visits", 1), ("deeds", 1), ("money", 1)):
        listing = client.get(figures_url(what)).content.decode()
        assert f"共{expected}条" in listing, what
    assert "共1条" in client.get(figures_url("recipients", reason="illness")).content.decode()
    assert "共0条" in client.get(figures_url("recipients", reason="disaster")).content.decode()
    money = client.get(figures_url("money")).content.decode()
    assert f"第{paid.fund_entry_id}号账目" in money
    assert client.get(figures_url("nonsense")).status_code == 404


def test_figures_page_is_scoped(county, recipient, paid, login):
    other = login(county.users["zhibu2"])
    assert "共0条" in other.get(figures_url("visits")).content.decode()
    assert other.get(figures_url() + f"&org={county.dangwei_a.pk}").status_code == 404
    assert login(county.users["dangyuan"]).get(figures_url()).status_code == 404


def test_figures_export_masks_circumstances_and_is_audited(county, recipient, paid, login):
    client = login(county.users["dangwei"])
    response = client.get(reverse("care:figures_export") + f"?year={YEAR}")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
    summary = book.get_sheet_by_name("汇总").to_python()
    assert ["慰问金（元）", 300.0] in [list(r[:2]) for r in summary]
    people = book.get_sheet_by_name("困难党员").to_python()
    assert people[1][0] == recipient.member.name and people[1][5] == "******"
    assert "高龄独居" not in str(people)
    assert LogEntry.objects.filter(additional_data__kind="care_figures").count() == 1
    assert login(county.users["dangyuan"]).get(reverse("care:figures_export")).status_code == 404


def test_course_page_records_a_trainees_re_employment(county, login):
    course = services.record_course(
        actor=county.users["gongwei"], org=county.dangwei_a, title="电商培训",
        held_on=date(2020, 5, 1), organiser="县人社局",
        trainees=[(county.members["a1"][2], None, "")],
    )  # fmt: skip
    t = Trainee.objects.get(course=course)
    client = login(county.users["dangwei"])
    assert "尚未再就业" in client.get(reverse("care:course", args=[course.pk])).content.decode()
    url = reverse("care:reemploy", args=[t.pk])
    response = client.post(url, {"reemployed_on": "2020-04-30", "employer": "网店"})
    assert "不能早于培训日期" in response.content.decode()
    assert client.post(url, {"reemployed_on": "2021-03-01", "employer": "网店"}).status_code == 302
    t.refresh_from_db()
    assert (t.reemployed_on, t.employer) == (date(2021, 3, 1), "网店")
    listing = client.get(reverse("care:figures_list") + "?year=2021&what=reemployed")
    assert "网店" in listing.content.decode()
    assert login(county.users["zhibu2"]).get(url).status_code == 404
