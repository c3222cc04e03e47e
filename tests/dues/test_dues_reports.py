"""党费 reports: the overview and its drill-down, arrears lists, export, 我的党费, reminders, API.

Each page, export and endpoint: without permission (404), with it, and with a grant on another
subtree (404). Figures are checked against sums recomputed from the `DuesMonth` rows.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from auditlog.models import LogEntry
from django.db.models import Sum
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.core.calendar import add_months
from dangjian.dues import reports, services
from dangjian.dues.models import DuesMonth
from dangjian.dues.reminders import dues_reminders
from dangjian.dues.services import BaseLine, PaymentLine, month_label, month_start

pytestmark = pytest.mark.django_db

D = Decimal


def this_month() -> date:
    return month_start(timezone.localdate())


def ago(n: int) -> date:
    return add_months(this_month(), -n)


def due_sum(**filters) -> Decimal:
    return DuesMonth.objects.filter(**filters).aggregate(s=Sum("due"))["s"] or D("0")


def paid_sum(**filters) -> Decimal:
    return DuesMonth.objects.filter(**filters).aggregate(s=Sum("paid"))["s"] or D("0")


@pytest.fixture
def ledger(county):
    """Eight posted months (ago(8)..ago(1)). a1 pays every month except its first member after the
    first month; a2 pays only last month (one member part of it); b1 pays every month but last
    month only half of its members."""
    gw = county.users["gongwei"]
    lines = [
        BaseLine(m, "salaried", "4000", ago(12))
        for members in county.members.values()
        for m in members
    ]
    services.set_bases(actor=gw, lines=lines)
    for n in range(8, 0, -1):
        services.close_month(actor=gw, month=ago(n), within=county.gongwei)
    a1, a2, b1 = county.members["a1"], county.members["a2"], county.members["b1"]
    today = timezone.localdate()
    zhibu, zhibu2 = county.users["zhibu"], county.users["zhibu2"]
    # a1[0] pays only the first month: seven months in a row unpaid up to last month
    services.record_payment(actor=zhibu, member=a1[0], lines=[PaymentLine(ago(8))], paid_on=ago(8))
    for n in range(8, 0, -1):
        skip = {a1[0].pk: "0"} if n < 8 else {}
        services.record_branch_month(
            actor=zhibu, org=county.branch_a1, month=ago(n), paid_on=ago(n), exceptions=skip
        )
    for n in range(8, 1, -1):
        services.record_branch_month(
            actor=zhibu2, org=county.branch_b1, month=ago(n), paid_on=ago(n)
        )
    services.record_branch_month(
        actor=gw, org=county.branch_a2, month=ago(1), paid_on=today, exceptions={a2[1].pk: "10"}
    )
    for m in b1[:2]:
        services.record_payment(actor=zhibu2, member=m, lines=[PaymentLine(ago(1))], paid_on=today)
    return county


def body(response) -> str:
    return response.content.decode()


# --- the overview ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["nobody", "dangyuan", "admin", "shenji"])
def test_home_without_dues_permission_is_404(ledger, login, who):
    assert login(ledger.users[who]).get("/dues/").status_code == 404


def test_home_for_the_work_committee_shows_both_committees_with_rates(ledger, login):
    response = login(ledger.users["gongwei"]).get("/dues/")
    assert response.status_code == 200
    data = response.context["data"]
    assert response.context["period"].start == ago(1)  # the latest posted month
    by = {line.org.pk: line.totals for line in data.lines}
    assert set(by) == {ledger.dangwei_a.pk, ledger.dangwei_b.pk}
    for org in (ledger.dangwei_a, ledger.dangwei_b):
        assert by[org.pk].due == due_sum(month=ago(1), org_path__startswith=org.path)
        assert by[org.pk].paid == paid_sum(month=ago(1), org_path__startswith=org.path)
    assert data.total.due == due_sum(month=ago(1)) == D("480.00")
    assert data.total.paid == paid_sum(month=ago(1))
    assert data.total.members == DuesMonth.objects.filter(month=ago(1)).count() == 12
    # a1: 3 × 40; a2: 3 × 40 + 10; b1: 2 × 40
    assert by[ledger.dangwei_a.pk].paid == D("250.00")
    assert by[ledger.dangwei_a.pk].rate == D("78.1")  # 250 / 320
    assert by[ledger.dangwei_b.pk].rate == D("50.0")
    html = body(response)
    assert "中共示范县教育局委员会" in html and "78.1%" in html and "50.0%" in html
    assert f"?org={ledger.dangwei_a.pk}&amp;month={ago(1):%Y-%m}" in html


def test_drill_down_sums_equal_the_parent_row(ledger, login):
    client = login(ledger.users["gongwei"])
    top = {line.org.pk: line.totals for line in client.get("/dues/").context["data"].lines}
    mid = client.get(f"/dues/?org={ledger.dangwei_a.pk}&month={ago(1):%Y-%m}").context["data"]
    assert mid.total.due == top[ledger.dangwei_a.pk].due
    assert mid.total.paid == top[ledger.dangwei_a.pk].paid
    assert sum(line.totals.paid for line in mid.lines) == top[ledger.dangwei_a.pk].paid
    assert {line.org.pk for line in mid.lines} == {ledger.branch_a1.pk, ledger.branch_a2.pk}
    a2_row = next(line.totals for line in mid.lines if line.org.pk == ledger.branch_a2.pk)
    leaf = client.get(f"/dues/?org={ledger.branch_a2.pk}&month={ago(1):%Y-%m}")
    members = leaf.context["data"].members
    assert len(members) == 4
    assert sum(m.due for m in members) == a2_row.due
    assert sum(m.paid for m in members) == a2_row.paid == D("130.00")
    html = body(leaf)
    assert ledger.members["a2"][1].name in html and "欠交30.00元" in html
    crumbs = [o.pk for o in leaf.context["crumbs"]]
    assert crumbs == [ledger.gongwei.pk, ledger.dangwei_a.pk, ledger.branch_a2.pk]


def test_year_mode_sums_the_twelve_months(ledger, login):
    year = ago(1).year
    response = login(ledger.users["gongwei"]).get(f"/dues/?year={year}")
    data = response.context["data"]
    assert response.context["period"].year_mode
    assert data.total.due == due_sum(month__year=year)
    assert data.total.paid == paid_sum(month__year=year)
    assert data.total.members == DuesMonth.objects.filter(month__year=year).count()
    assert f"{year}年度" in body(response)
    leaf = login(ledger.users["zhibu"]).get(f"/dues/?year={year}").context["data"]
    assert sum(m.due for m in leaf.members) == due_sum(month__year=year, org=ledger.branch_a1)
    assert sum(m.posted for m in leaf.members) == leaf.member_total.members


def test_bad_period_is_a_chinese_error_not_a_crash(ledger, login):
    response = login(ledger.users["gongwei"]).get("/dues/?month=2026-13x")
    assert response.status_code == 200
    assert "月份格式" in body(response)


def test_branch_secretary_sees_own_branch_and_the_register_button(ledger, login):
    client = login(ledger.users["zhibu"])
    response = client.get("/dues/")
    assert response.status_code == 200
    assert response.context["org"].pk == ledger.branch_a1.pk
    assert response.context["data"].members is not None
    assert response.context["data"].total.due == due_sum(month=ago(1), org=ledger.branch_a1)
    if response.context["register_url"]:  # once dues:branch_month exists
        assert "登记本月党费" in body(response)
        assert f"{this_month():%Y-%m}" in response.context["register_url"]
    assert client.get(f"/dues/?org={ledger.branch_b1.pk}").status_code == 404
    assert client.get(f"/dues/?org={ledger.dangwei_a.pk}").status_code == 404
    assert client.get("/dues/?org=999999").status_code == 404


def test_committee_grant_on_another_subtree_is_404(ledger, login):
    client = login(ledger.users["dangwei"])
    assert client.get(f"/dues/?org={ledger.dangwei_b.pk}").status_code == 404
    assert client.get(f"/dues/?org={ledger.gongwei.pk}").status_code == 404
    own = client.get("/dues/").context["data"]
    assert own.total.due == due_sum(month=ago(1), org_path__startswith=ledger.dangwei_a.path)


def test_unposted_branch_is_listed_for_the_current_month(ledger, login):
    gw = ledger.users["gongwei"]
    services.close_month(actor=gw, month=this_month(), within=ledger.branch_a1)
    response = login(gw).get(f"/dues/?month={this_month():%Y-%m}")
    unposted = {o.pk for o in response.context["data"].unposted}
    assert unposted == {ledger.branch_a2.pk, ledger.branch_b1.pk}
    assert "尚未结算的党支部" in body(response)


# --- arrears and the 6-month list -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/dues/arrears/", "/dues/six-months/"])
def test_lists_need_dues_permission(ledger, login, url):
    assert login(ledger.users["dangyuan"]).get(url).status_code == 404
    assert login(ledger.users["nobody"]).get(url).status_code == 404
    client = login(ledger.users["zhibu2"])
    assert client.get(f"{url}?org={ledger.branch_a1.pk}").status_code == 404


def test_arrears_list_ages_the_debt(ledger, login):
    response = login(ledger.users["gongwei"]).get("/dues/arrears/")
    assert response.status_code == 200
    rows = {r.member.pk: r for r in response.context["rows"]}
    a1_0, a2_1 = ledger.members["a1"][0], ledger.members["a2"][1]
    assert rows[a1_0.pk].months_owing == 7 and rows[a1_0.pk].owing == D("280.00")
    assert rows[a1_0.pk].oldest == ago(7) and rows[a1_0.pk].unpaid_run == 7
    assert rows[a2_1.pk].owing > 0 and rows[a2_1.pk].unpaid_run == 0  # a part payment is a payment
    # every owing amount is the ledger's due − paid
    for member_id, row in rows.items():
        mine = DuesMonth.objects.filter(member_id=member_id, month__lte=ago(1))
        assert row.owing == due_sum(member_id=member_id) - paid_sum(member_id=member_id)
        assert row.months_owing == sum(1 for r in mine if r.paid < r.due)
    assert response.context["total"] == sum(r.owing for r in rows.values())
    # filtered by organisation, and by the run
    scoped = login(ledger.users["gongwei"]).get(f"/dues/arrears/?org={ledger.branch_a1.pk}")
    assert {r.member.pk for r in scoped.context["rows"]} == {a1_0.pk}
    warned = login(ledger.users["gongwei"]).get("/dues/arrears/?run=3").context["rows"]
    assert all(r.unpaid_run >= 3 for r in warned) and a2_1.pk not in {r.member.pk for r in warned}


def test_arrears_for_a_branch_secretary_stay_in_the_branch(ledger, login):
    rows = login(ledger.users["zhibu2"]).get("/dues/arrears/").context["rows"]
    assert rows and {r.member.org_id for r in rows} == {ledger.branch_b1.pk}


def test_six_month_list_cites_the_rules_and_is_a_prompt(ledger, login):
    response = login(ledger.users["gongwei"]).get("/dues/six-months/")
    assert response.status_code == 200
    listed = {r.member.pk: r.unpaid_run for r in response.context["rows"]}
    a1_0 = ledger.members["a1"][0]
    assert listed == {a1_0.pk: 7}
    html = body(response)
    assert "第十三条" in html and "党章" in html or "《中国共产党章程》第九条" in html
    assert "不是处理决定" in html
    assert f"/members/{a1_0.pk}/#status-box" in html
    assert login(ledger.users["zhibu2"]).get("/dues/six-months/").context["rows"] == []


# --- the export -----------------------------------------------------------------------------------


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def test_export_without_permission_or_out_of_scope_is_404(ledger, login):
    assert login(ledger.users["dangyuan"]).get("/dues/export/").status_code == 404
    assert login(ledger.users["nobody"]).get("/dues/export/").status_code == 404
    client = login(ledger.users["zhibu2"])
    assert client.get(f"/dues/export/?org={ledger.branch_a1.pk}").status_code == 404
    assert not LogEntry.objects.filter(additional_data__event="export").exists()


def test_branch_month_export_is_the_sheet_a_branch_files(ledger, login):
    response = login(ledger.users["zhibu"]).get(f"/dues/export/?month={ago(1):%Y-%m}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response)
    assert rows[0][0] == f"{ledger.branch_a1.name} {month_label(ago(1))}党费收缴情况"
    assert rows[1][:9] == [
        "序号", "姓名", "交纳类别", "计算基数（元）", "应交（元）", "实交（元）", "交纳日期", "方式", "备注",
    ]  # fmt: skip
    members = rows[2:-1]
    assert len(members) == 4
    a1_0 = ledger.members["a1"][0]
    row = next(r for r in members if r[1] == a1_0.name)
    assert row[2] == "按月领取工资" and row[3] == 4000 and row[4] == 40 and row[5] == 0
    assert row[8] == "未交"
    paid_row = next(r for r in members if r[1] != a1_0.name)
    assert paid_row[5] == 40 and paid_row[7] == "现金"
    total = rows[-1]
    assert total[1] == "合计"
    assert D(str(total[4])) == due_sum(month=ago(1), org=ledger.branch_a1)
    assert D(str(total[5])) == paid_sum(month=ago(1), org=ledger.branch_a1) == D("120")
    event = LogEntry.objects.get(additional_data__event="export")
    assert event.additional_data["kind"] == "dues_report"
    assert event.additional_data["rows"] == 4
    assert event.additional_data["org_path"] == ledger.branch_a1.path
    assert event.actor == ledger.users["zhibu"]


def test_committee_export_has_a_row_per_child_and_a_total(ledger, login):
    client = login(ledger.users["gongwei"])
    rows = read_xlsx(client.get(f"/dues/export/?org={ledger.gongwei.pk}&month={ago(1):%Y-%m}"))
    assert rows[0][0] == f"{ledger.gongwei.name} {month_label(ago(1))}党费收缴情况"
    assert rows[1][1:7] == [
        "党组织",
        "应交人数",
        "应交（元）",
        "实交（元）",
        "收缴率",
        "欠交（元）",
    ]
    body_rows = {r[1]: r for r in rows[2:-1]}
    a = body_rows[ledger.dangwei_a.name]
    assert a[2] == 8 and a[3] == 320 and a[4] == 250
    assert abs(a[5] - 0.781) < 1e-9
    total = rows[-1]
    assert total[1] == "合计" and total[3] == 480
    assert D(str(total[4])) == paid_sum(month=ago(1))


def test_year_export_is_the_member_by_month_ledger(ledger, login):
    year = ago(1).year
    rows = read_xlsx(login(ledger.users["zhibu"]).get(f"/dues/export/?year={year}"))
    assert rows[0][0] == f"{ledger.branch_a1.name} {year}年度党费收缴台账"
    assert rows[1][4:16] == [f"{m}月" for m in range(1, 13)]
    a1 = ledger.members["a1"]
    payer = next(r for r in rows[2:-1] if r[1] == a1[1].name)
    for m in range(1, 13):
        cell = payer[3 + m]
        row = DuesMonth.objects.filter(member=a1[1], month=date(year, m, 1)).first()
        assert (cell == "" or cell is None) if row is None else D(str(cell)) == row.paid
    total = rows[-1]
    assert total[1] == "合计"
    assert D(str(total[16])) == due_sum(month__year=year, org=ledger.branch_a1)
    assert D(str(total[17])) == paid_sum(month__year=year, org=ledger.branch_a1)


# --- 我的党费 -------------------------------------------------------------------------------------


def test_mine_shows_only_the_members_own_record(ledger, login):
    client = login(ledger.users["dangyuan"])
    response = client.get("/dues/mine/")
    assert response.status_code == 200
    me = ledger.members["a1"][0]
    data = response.context["data"]
    assert data.member == me
    assert {r.member_id for r in data.months} == {me.pk}
    assert data.total.due == due_sum(member=me) and data.total.paid == paid_sum(member=me)
    html = body(response)
    for other in ledger.members["a1"][1:]:
        assert other.name not in html
    assert "我的党费" in client.get("/members/me/").content.decode()
    assert client.get(f"/dues/mine/?year={ago(1).year}").status_code == 200


def test_mine_needs_a_member_record(ledger, login):
    assert login(ledger.users["gongwei"]).get("/dues/mine/").status_code == 404
    assert login(ledger.users["nobody"]).get("/dues/mine/").status_code == 404


def test_mine_lists_voluntary_payments(ledger, login):
    me = ledger.members["a1"][0]
    services.record_voluntary(
        actor=ledger.users["zhibu"], member=me, amount="200", paid_on=timezone.localdate()
    )
    data = login(ledger.users["dangyuan"]).get("/dues/mine/").context["data"]
    assert [e.amount for e in data.voluntary] == [D("200.00")]


# --- reminders ------------------------------------------------------------------------------------


def test_reminders_count_what_the_lists_show(ledger, login):
    today = timezone.localdate()
    items = {r.label: r for r in dues_reminders(ledger.users["zhibu"], today)}
    unposted = next(r for k, r in items.items() if "未结算" in k)
    assert unposted.count == 1 and f"month={this_month():%Y-%m}" in unposted.url
    warn = reports.warning_months(today)
    run = items[f"连续欠交党费满{warn}个月的党员"]
    assert run.count == 1 and run.overdue and f"run={warn}" in run.url
    six = items["连续满6个月未交纳党费的党员"]
    assert six.count == 1 and six.url == "/dues/six-months/"
    assert "待审批的党费减免" not in items  # a branch does not approve
    assert all(r.count == 0 for r in dues_reminders(ledger.users["zhibu2"], today) if r.overdue)
    assert dues_reminders(ledger.users["dangyuan"], today) == []
    # the reminders page lists them
    assert "连续满6个月未交纳党费" in login(ledger.users["zhibu"]).get("/todo/").content.decode()


def test_relief_reminder_is_for_the_committee_above(ledger):
    today = timezone.localdate()
    services.request_relief(
        actor=ledger.users["zhibu"],
        member=ledger.members["a1"][2],
        from_month=this_month(),
        to_month=add_months(this_month(), 5),
        amount="0",
        reason="患重病，支部大会研究同意免交",
    )
    count = {
        u: {r.label: r.count for r in dues_reminders(ledger.users[u], today)}.get(
            "待审批的党费减免", 0
        )
        for u in ("dangwei", "gongwei", "zhibu", "zhibu2")
    }
    assert count == {"dangwei": 1, "gongwei": 1, "zhibu": 0, "zhibu2": 0}


# --- API ------------------------------------------------------------------------------------------


def test_api_rollup_scoped_and_equal_to_the_ledger(ledger, login):
    month = f"{ago(1):%Y-%m}"
    assert login(ledger.users["nobody"]).get("/api/dues/rollup", {"month": month}).status_code in (
        401,
        404,
    )
    client = login(ledger.users["gongwei"])
    response = client.get("/api/dues/rollup", {"month": month})
    assert response.status_code == 200
    data = response.json()
    assert data["org"]["id"] == ledger.gongwei.pk and data["period"] == month
    by = {r["org"]["id"]: r["totals"] for r in data["rows"]}
    assert D(by[ledger.dangwei_a.pk]["due"]) == due_sum(
        month=ago(1), org_path__startswith=ledger.dangwei_a.path
    )
    assert by[ledger.dangwei_b.pk]["rate"] == "50.0"
    assert D(data["total"]["paid"]) == paid_sum(month=ago(1))
    year = client.get("/api/dues/rollup", {"org": ledger.dangwei_a.pk, "year": ago(1).year})
    assert D(year.json()["total"]["due"]) == due_sum(
        month__year=ago(1).year, org_path__startswith=ledger.dangwei_a.path
    )
    assert client.get("/api/dues/rollup", {"month": "2026-13"}).status_code == 400
    other = login(ledger.users["zhibu2"])
    assert other.get("/api/dues/rollup", {"org": ledger.branch_a1.pk}).status_code == 404
    assert other.get("/api/dues/rollup", {"org": ledger.branch_b1.pk}).status_code == 200


def test_api_member_months_scoped_and_self(ledger, login):
    me = ledger.members["a1"][0]
    url = f"/api/dues/members/{me.pk}/months"
    response = login(ledger.users["zhibu"]).get(url, {"year": ago(1).year})
    assert response.status_code == 200
    rows = response.json()
    assert {r["month"] for r in rows} == {
        f"{r.month:%Y-%m}" for r in DuesMonth.objects.filter(member=me, month__year=ago(1).year)
    }
    assert sum(D(r["due"]) for r in rows) == due_sum(member=me, month__year=ago(1).year)
    assert login(ledger.users["zhibu2"]).get(url).status_code == 404
    assert login(ledger.users["dangyuan"]).get(url).status_code == 200
    other = ledger.members["a1"][1]
    assert (
        login(ledger.users["dangyuan"]).get(f"/api/dues/members/{other.pk}/months").status_code
        == 404
    )
    assert login(ledger.users["gongwei"]).get("/api/dues/members/999999/months").status_code == 404


def test_user_with_two_subtrees_sees_both_side_by_side(ledger, login):
    from dangjian.accounts.models import Grant
    from dangjian.accounts.roles import Role

    user = ledger.users["zhibu"]
    Grant.objects.create(user=user, role=Role.BRANCH_SECRETARY, org=ledger.branch_b1)
    client = login(user)
    data = client.get("/dues/").context["data"]
    assert [line.org.pk for line in data.lines] == [ledger.branch_a1.pk, ledger.branch_b1.pk]
    assert data.total.due == due_sum(month=ago(1), org__in=[ledger.branch_a1, ledger.branch_b1])
    rows = read_xlsx(client.get(f"/dues/export/?month={ago(1):%Y-%m}"))
    assert rows[0][0] == f"各党组织 {month_label(ago(1))}党费收缴情况" and rows[-1][1] == "合计"
    assert client.get("/api/dues/rollup").status_code == 400
    assert client.get(f"/api/dues/rollup?org={ledger.branch_b1.pk}").status_code == 200
    assert client.get(f"/dues/?org={ledger.branch_a2.pk}").status_code == 404
