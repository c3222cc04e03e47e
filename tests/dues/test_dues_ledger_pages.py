"""The branch-facing dues pages: the month sheet, the close, a member's dues and its actions, relief.

Every page: refused without permission (login redirect or 404), shown with permission, 404 with a
grant on another subtree; every service error is shown in Chinese and writes nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.dues import services
from dangjian.dues.models import (
    DuesBase,
    DuesEntry,
    DuesMonth,
    DuesOrgMonth,
    DuesRelief,
    EntryKind,
    ReliefState,
)
from dangjian.dues.services import BaseLine, PaymentLine, month_start

pytestmark = pytest.mark.django_db

D = Decimal


def this_month() -> date:
    return month_start(timezone.localdate())


def ago(n: int) -> date:
    return add_months(this_month(), -n)


def key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def give_bases(county, base="4000", keys=("a1", "a2", "b1")):
    lines = [BaseLine(m, "salaried", base, ago(18)) for k in keys for m in county.members[k]]
    services.set_bases(actor=county.users["gongwei"], lines=lines)


def sheet_url(county, month=None, org=None):
    return reverse("dues:branch_month", args=[(org or county.branch_a1).pk, key(month or ago(1))])


def html(response) -> str:
    return response.content.decode()


# --- access: every page, three ways ----------------------------------------------------------------


@pytest.fixture
def world(county):
    """Bases for everyone, last month posted and partly paid, one relief request: every page has an
    object to show."""
    give_bases(county)
    zhibu = county.users["zhibu"]
    a1 = county.members["a1"]
    services.close_month(actor=county.users["gongwei"], month=ago(1), within=county.gongwei)
    (entry,) = services.record_payment(
        actor=zhibu, member=a1[0], lines=[PaymentLine(ago(1), "10")], paid_on=timezone.localdate()
    )
    relief = services.request_relief(
        actor=zhibu,
        member=a1[1],
        from_month=this_month(),
        to_month=add_months(this_month(), 5),
        amount="0",
        reason="患重病住院，支部委员会研究同意免交",
    )
    row = DuesMonth.objects.get(member=a1[0], month=ago(1))
    return {"member": a1[0], "entry": entry, "relief": relief, "row": row}


def page_urls(county, world):
    m = world["member"]
    return {
        "branch_month": sheet_url(county),
        "close": reverse("dues:close"),
        "member": reverse("dues:member", args=[m.pk]),
        "base": reverse("dues:base", args=[m.pk]),
        "pay": reverse("dues:pay", args=[m.pk]),
        "voluntary": reverse("dues:voluntary", args=[m.pk]),
        "correct": reverse("dues:correct", args=[world["entry"].pk]),
        "adjust": reverse("dues:adjust", args=[world["row"].pk]),
        "relief_new": reverse("dues:relief_new", args=[m.pk]),
        "reliefs": reverse("dues:reliefs"),
        "relief_decide": reverse("dues:relief_decide", args=[world["relief"].pk]),
    }


PAGES = [
    "branch_month",
    "close",
    "member",
    "base",
    "pay",
    "voluntary",
    "correct",
    "adjust",
    "relief_new",
    "reliefs",
    "relief_decide",
]
# Pages tied to an object of branch_a1: another subtree's grant gets 404.
OBJECT_PAGES = [p for p in PAGES if p not in ("close", "reliefs")]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(county, world, client, name):
    response = client.get(page_urls(county, world)[name])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("username", ["nobody", "dangyuan", "admin"])
def test_users_without_dues_rights_get_404(county, world, login, name, username):
    assert login(county.users[username]).get(page_urls(county, world)[name]).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_branch_secretary_sees_every_page(county, world, login, name):
    assert login(county.users["zhibu"]).get(page_urls(county, world)[name]).status_code == 200


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_grant_on_another_subtree_gets_404(county, world, login, name):
    client = login(county.users["zhibu2"])
    assert client.get(page_urls(county, world)[name]).status_code == 404


@pytest.mark.parametrize("name", ["branch_month", "pay", "voluntary", "correct", "adjust"])
def test_posting_from_another_subtree_is_404_and_writes_nothing(county, world, login, name):
    entries, rows = DuesEntry.objects.count(), DuesMonth.objects.count()
    data = {
        "paid_on": timezone.localdate().isoformat(),
        "method": "cash",
        "amount": "5",
        "reason": "x",
        "due": "1",
    }
    response = login(county.users["zhibu2"]).post(page_urls(county, world)[name], data)
    assert response.status_code == 404
    assert (DuesEntry.objects.count(), DuesMonth.objects.count()) == (entries, rows)


def test_other_subtree_lists_are_empty_for_them(county, world, login):
    client = login(county.users["zhibu2"])
    assert world["member"].name not in html(client.get(reverse("dues:reliefs")))
    close = html(client.get(reverse("dues:close")))
    assert county.branch_b1.name in close and county.branch_a1.name not in close


# --- 1. the month sheet ---------------------------------------------------------------------------


def test_opening_the_sheet_posts_the_month_and_lists_the_roster(county, login):
    give_bases(county, keys=("a1",))
    extra = member_in(county.branch_a1, "丁一")  # no base: listed apart, with a link to set one
    assert not DuesMonth.objects.exists()
    response = login(county.users["zhibu"]).get(sheet_url(county))
    page = html(response)
    assert response.status_code == 200
    rows = DuesMonth.objects.filter(org=county.branch_a1, month=ago(1))
    assert rows.count() == 4 and not DuesMonth.objects.exclude(org=county.branch_a1).exists()
    names = [m.name for m in sorted(county.members["a1"], key=lambda m: (m.stroke_key, m.pk))]
    positions = [page.index(f">{n}</a>") for n in names]
    assert positions == sorted(positions)  # 姓氏笔画 order
    assert "本月全部按应交足额交纳" in page and "按月领取工资" in page and "40.00" in page
    assert reverse("dues:base", args=[extra.pk]) in page
    assert reverse("dues:member", args=[county.members["a1"][0].pk]) in page
    # a second visit posts nothing more and records no second close
    login(county.users["zhibu"]).get(sheet_url(county))
    assert DuesMonth.objects.filter(month=ago(1)).count() == 4


def test_sheet_month_navigation(county, login):
    give_bases(county, keys=("a1",))
    client = login(county.users["zhibu"])
    page = html(client.get(sheet_url(county, this_month())))
    assert sheet_url(county, ago(1)) in page and "上月" in page
    assert sheet_url(county, add_months(this_month(), 1)) not in page  # no 下月 past today
    page = html(client.get(sheet_url(county, ago(2))))
    assert sheet_url(county, ago(1)) in page and "下月" in page
    jump = client.get(sheet_url(county), {"go": key(ago(5))})
    assert jump.status_code == 302 and jump["Location"] == sheet_url(county, ago(5))


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "abc", "1999-01"])
def test_bad_month_is_404(county, login, bad):
    url = reverse("dues:branch_month", args=[county.branch_a1.pk, bad])
    assert login(county.users["zhibu"]).get(url).status_code == 404


def test_future_month_posts_nothing_and_offers_no_form(county, login):
    give_bases(county, keys=("a1",))
    client = login(county.users["zhibu"])
    url = sheet_url(county, add_months(this_month(), 1))
    page = html(client.get(url))
    assert not DuesMonth.objects.exists()
    assert "branch-form" not in page and "还没有到" in page
    assert client.post(url, {"paid_on": timezone.localdate(), "method": "cash"}).status_code == 404


def _sheet_post(county, rows, *, untick=(), amounts=None, paid_on=None, method="transfer"):
    data = {"paid_on": (paid_on or timezone.localdate()).isoformat(), "method": method}
    for row in rows:
        if row.member_id not in untick:
            data[f"pay_{row.member_id}"] = "on"
        data[f"amount_{row.member_id}"] = (amounts or {}).get(row.member_id, str(row.due))
    return data


def test_submitting_the_sheet_records_the_month_with_exceptions(county, login):
    give_bases(county, keys=("a1",))
    client = login(county.users["zhibu"])
    client.get(sheet_url(county))
    rows = list(DuesMonth.objects.filter(org=county.branch_a1, month=ago(1)).order_by("id"))
    unpaid, partial, full1, full2 = (r.member_id for r in rows)
    data = _sheet_post(county, rows, untick={unpaid}, amounts={partial: "15"})
    response = client.post(sheet_url(county), data, follow=True)
    page = html(response)
    after = {r.member_id: r for r in DuesMonth.objects.filter(month=ago(1))}
    assert after[unpaid].paid == 0
    assert after[partial].paid == D("15.00")
    assert after[full1].paid == after[full2].paid == D("40.00")
    assert after[full1].method == "transfer" and after[full1].paid_on == timezone.localdate()
    assert DuesOrgMonth.objects.get(org=county.branch_a1, month=ago(1)).paid == D("95.00")
    names = {r.member_id: r.member.name for r in rows}
    assert "2人按应交足额交纳，2人例外，合计95.00元" in page
    assert f"{names[unpaid]}未交" in page and f"{names[partial]}交纳15.00元" in page
    assert "部分交纳，欠25.00元" in page and "已交清" in page
    # the month is paid except the two: the form now only offers those two
    assert f'name="pay_{full1}"' not in page and f'name="pay_{unpaid}"' in page
    # and, the month being recorded, they start unticked: pressing the button again pays nobody
    assert "登记后来交纳的党员" in page
    assert f'name="pay_{unpaid}" id="id_pay_{unpaid}" checked' not in page
    again = {"paid_on": timezone.localdate().isoformat(), "method": "cash"}
    for member_id in (unpaid, partial):
        again[f"amount_{member_id}"] = str(after[member_id].due - after[member_id].paid)
    client.post(sheet_url(county), again)
    assert DuesMonth.objects.get(member_id=unpaid, month=ago(1)).paid == 0
    assert DuesMonth.objects.get(member_id=partial, month=ago(1)).paid == D("15.00")


def test_a_sheet_error_is_shown_in_chinese_and_writes_nothing(county, login):
    give_bases(county, keys=("a1",))
    client = login(county.users["zhibu"])
    client.get(sheet_url(county))
    rows = list(DuesMonth.objects.filter(org=county.branch_a1, month=ago(1)).order_by("id"))
    data = _sheet_post(county, rows, amounts={rows[0].member_id: "45"})
    response = client.post(sheet_url(county), data)
    assert response.status_code == 400
    assert "自愿多交" in html(response)  # the service's message: more than due is voluntary
    assert not DuesEntry.objects.exists()
    assert not DuesMonth.objects.filter(paid__gt=0).exists()
    # a date in the future
    data = _sheet_post(county, rows, paid_on=timezone.localdate() + timedelta(days=1))
    response = client.post(sheet_url(county), data)
    assert "交纳日期不能晚于今天" in html(response) and not DuesEntry.objects.exists()
    # not a number
    data = _sheet_post(county, rows, amounts={rows[0].member_id: "十五"})
    response = client.post(sheet_url(county), data)
    assert "金额" in html(response) and not DuesEntry.objects.exists()


def test_sheet_beyond_the_catch_up_limit_shows_the_rule(county, login):
    give_bases(county, keys=("a1",))
    client = login(county.users["zhibu"])
    url = sheet_url(county, ago(8))
    client.get(url)
    rows = list(DuesMonth.objects.filter(org=county.branch_a1, month=ago(8)))
    assert len(rows) == 4
    response = client.post(url, _sheet_post(county, rows))
    assert "补交" in html(response) and not DuesEntry.objects.exists()


def test_sheet_shows_only_the_branch_own_rows_and_links_groups(county, login):
    from support import org

    from dangjian.orgs.models import OrgType

    give_bases(county, keys=("a1",))
    group = org(county.branch_a1, "T1111", "第一党小组", OrgType.GROUP)
    in_group = member_in(group, "万小组")
    services.set_base(
        actor=county.users["zhibu"], member=in_group, category="salaried", base="2000",
        from_month=ago(3),
    )  # fmt: skip
    page = html(login(county.users["zhibu"]).get(sheet_url(county)))
    assert DuesMonth.objects.filter(member=in_group, month=ago(1), org=group).exists()
    assert "万小组" not in page
    assert sheet_url(county, ago(1), org=group) in page


def test_committee_above_may_use_the_sheet(county, login):
    give_bases(county, keys=("a1",))
    client = login(county.users["dangwei"])
    assert client.get(sheet_url(county)).status_code == 200
    rows = list(DuesMonth.objects.filter(org=county.branch_a1, month=ago(1)))
    client.post(sheet_url(county), _sheet_post(county, rows))
    assert DuesMonth.objects.filter(month=ago(1), paid=D("40.00")).count() == 4


# --- 2. the close ---------------------------------------------------------------------------------


def test_gongwei_posts_the_whole_tree_and_sees_missing_bases(county, login):
    give_bases(county, keys=("a1", "a2"))
    client = login(county.users["gongwei"])
    form = html(client.get(reverse("dues:close")))
    assert county.gongwei.name in form and county.branch_b1.name in form
    response = client.post(reverse("dues:close"), {"org": county.gongwei.pk, "month": key(ago(1))})
    page = html(response)
    assert DuesMonth.objects.filter(month=ago(1)).count() == 8
    assert 'id="posted">8<' in page and 'id="missing">4<' in page
    for m in county.members["b1"]:
        assert reverse("dues:base", args=[m.pk]) in page
    again = html(
        client.post(reverse("dues:close"), {"org": county.gongwei.pk, "month": key(ago(1))})
    )
    assert 'id="posted">0<' in again and 'id="already">8<' in again


def test_close_refuses_other_subtrees_and_future_months(county, login):
    give_bases(county)
    client = login(county.users["zhibu"])
    response = client.post(
        reverse("dues:close"), {"org": county.branch_b1.pk, "month": key(ago(1))}
    )
    assert "errorlist" in html(response) and not DuesMonth.objects.exists()
    future = add_months(this_month(), 1)
    response = client.post(
        reverse("dues:close"), {"org": county.branch_a1.pk, "month": key(future)}
    )
    assert "还没有到，不能提前结算" in html(response) and not DuesMonth.objects.exists()
    response = client.post(reverse("dues:close"), {"org": county.branch_a1.pk, "month": "13月"})
    assert "月份格式" in html(response) and not DuesMonth.objects.exists()


# --- 3. a member's page and its actions -------------------------------------------------------


def test_member_page_shows_base_ledger_journal_and_corrections(county, world, login):
    m = world["member"]
    zhibu = county.users["zhibu"]
    reversal, replacement = services.correct_entry(
        actor=zhibu, entry=world["entry"], reason="金额登记错误", amount="40"
    )
    page = html(login(zhibu).get(reverse("dues:member", args=[m.pk])))
    assert "按月领取工资" in page and "4000.00元/月" in page and "40.00元" in page
    assert "中组发〔2008〕3号" in page and "比例 1%" in page
    assert label(ago(1)) in page
    assert f"更正第{world['entry'].pk}号" in page and "已被更正" in page
    assert "-10.00" in page and "金额登记错误" in page
    # a correction and a corrected entry offer no further correction
    assert reverse("dues:correct", args=[world["entry"].pk]) not in page
    assert reverse("dues:correct", args=[reversal.pk]) not in page
    assert reverse("dues:correct", args=[replacement.pk]) in page
    for name in ("pay", "base", "voluntary", "relief_new"):
        assert reverse(f"dues:{name}", args=[m.pk]) in page


def test_member_page_year_choice(county, world, login):
    m = world["member"]
    client = login(county.users["zhibu"])
    old = date(this_month().year - 1, 12, 1)
    services.close_month(actor=county.users["zhibu"], month=old, within=county.branch_a1)
    page = html(client.get(reverse("dues:member", args=[m.pk]), {"year": old.year}))
    assert label(old) in page
    current = html(client.get(reverse("dues:member", args=[m.pk])))
    assert label(old) not in current and f"?year={old.year}" in current


def test_set_base_with_preview_and_service_errors(county, login):
    m = county.members["a1"][0]
    client = login(county.users["zhibu"])
    url = reverse("dues:base", args=[m.pk])
    data = {"category": "salaried", "base": "6000", "from_month": key(ago(2))}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse(
        "dues:member", args=[m.pk]
    )
    row = DuesBase.objects.get(member=m)
    assert (row.base, row.amount, row.from_month) == (D("6000.00"), D("90.00"), ago(2))
    follow = html(client.get(reverse("dues:member", args=[m.pk])))
    assert "90.00元" in follow
    # before the member joined: the service's message, nothing written
    early = {
        "category": "salaried",
        "base": "6000",
        "from_month": key(m.joined_on.replace(day=1) - timedelta(days=40)),
    }
    page = html(client.post(url, early))
    assert "起始月份不能早于入党" in page and DuesBase.objects.count() == 1
    page = html(client.post(url, {"category": "salaried", "base": "-5", "from_month": key(ago(1))}))
    assert "计算基数" in page and DuesBase.objects.count() == 1
    assert "每月应交" not in page.split('id="calc"')[1][:40]  # no amount for a bad base
    # the preview computes the amount for what is typed
    preview = html(client.post(url, {"category": "retired", "base": "5000.01", "from_month": "x"}))
    assert "月份格式" in preview
    assert "每月应交90.00元" in html(client.get(url))  # the base in force, priced


def test_pay_offers_arrears_current_and_ahead_and_records_several(county, login):
    give_bases(county, keys=("a1",))
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    for n in (3, 2, 1):
        services.close_month(actor=zhibu, month=ago(n), within=county.branch_a1)
    client = login(zhibu)
    url = reverse("dues:pay", args=[m.pk])
    page = html(client.get(url))
    for n in (3, 2, 1):
        assert f'name="m_{key(ago(n))}"' in page
    assert f'name="m_{key(this_month())}"' in page
    assert f'name="m_{key(add_months(this_month(), 3))}"' in page and "预交" in page
    data = {
        "paid_on": timezone.localdate().isoformat(),
        "method": "cash",
        f"m_{key(ago(2))}": "on",
        f"a_{key(ago(2))}": "40.00",
        f"m_{key(ago(1))}": "on",
        f"a_{key(ago(1))}": "20",
        f"m_{key(add_months(this_month(), 1))}": "on",
        f"a_{key(add_months(this_month(), 1))}": "40.00",
    }
    response = client.post(url, data, follow=True)
    assert "共3个月，合计100.00元" in html(response)
    paid = {r.month: r.paid for r in DuesMonth.objects.filter(member=m)}
    assert paid[ago(2)] == D("40.00") and paid[ago(1)] == D("20.00") and paid[ago(3)] == 0
    assert paid[add_months(this_month(), 1)] == D("40.00")


def test_pay_error_writes_nothing(county, login):
    give_bases(county, keys=("a1",))
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    services.close_month(actor=zhibu, month=ago(1), within=county.branch_a1)
    client = login(zhibu)
    url = reverse("dues:pay", args=[m.pk])
    data = {
        "paid_on": timezone.localdate().isoformat(),
        "method": "cash",
        f"m_{key(ago(1))}": "on",
        f"a_{key(ago(1))}": "40",
        f"m_{key(this_month())}": "on",
        f"a_{key(this_month())}": "41",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "自愿多交" in html(response)
    assert not DuesEntry.objects.exists()
    assert not DuesMonth.objects.filter(month=this_month()).exists()  # the posting rolled back
    nothing = client.post(url, {"paid_on": timezone.localdate().isoformat(), "method": "cash"})
    assert "请选择交纳的月份" in html(nothing)


def test_voluntary_payment_and_the_centre_threshold(county, login):
    m = county.members["a1"][0]
    client = login(county.users["zhibu"])
    url = reverse("dues:voluntary", args=[m.pk])
    today = timezone.localdate().isoformat()
    assert "1000" in html(client.get(url))
    page = html(
        client.post(url, {"amount": "1000", "paid_on": today, "method": "cash"}, follow=True)
    )
    assert "全额上缴中央" in page
    entry = DuesEntry.objects.get(member=m)
    assert entry.kind == EntryKind.VOLUNTARY and entry.to_centre and entry.amount == D("1000.00")
    page = html(client.post(url, {"amount": "0", "paid_on": today, "method": "cash"}))
    assert "应大于0" in page and DuesEntry.objects.count() == 1


def test_correct_entry_page(county, world, login):
    client = login(county.users["zhibu"])
    url = reverse("dues:correct", args=[world["entry"].pk])
    page = html(client.get(url))
    assert f"第{world['entry'].pk}号" in page and "10.00" in page
    response = client.post(url, {"reason": "  ", "amount": "40"})
    assert response.status_code == 400 and DuesEntry.objects.count() == 1
    response = client.post(url, {"reason": "少记了30元", "amount": "40"})
    assert response.status_code == 302
    assert DuesEntry.objects.filter(corrects=world["entry"], amount=D("-10.00")).exists()
    assert DuesMonth.objects.get(pk=world["row"].pk).paid == D("40.00")
    again = client.post(url, {"reason": "再次更正"})
    assert "已经更正过" in html(again) and DuesEntry.objects.count() == 3


def test_adjust_due_page(county, world, login):
    client = login(county.users["zhibu"])
    url = reverse("dues:adjust", args=[world["row"].pk])
    assert "核定应交" in html(client.get(url))
    same = client.post(url, {"due": "40", "reason": "核对"})
    assert "没有变化" in html(same) and not DuesEntry.objects.filter(kind="due_adjust").exists()
    response = client.post(url, {"due": "30", "reason": "基数登记晚了"}, follow=True)
    assert "更正为30.00元" in html(response)
    row = DuesMonth.objects.get(pk=world["row"].pk)
    assert row.assessed == D("40.00") and row.due == D("30.00")


def test_relief_request_page(county, login):
    give_bases(county, keys=("a1",))
    m = county.members["a1"][2]
    client = login(county.users["zhibu"])
    url = reverse("dues:relief_new", args=[m.pk])
    data = {
        "from_month": key(this_month()),
        "to_month": key(add_months(this_month(), 5)),
        "amount": "50",
        "reason": "下岗",
    }
    page = html(client.post(url, data))
    assert "减免后的金额应少于" in page and not DuesRelief.objects.exists()
    data["amount"] = "0"
    response = client.post(url, data)
    assert response.status_code == 302
    relief = DuesRelief.objects.get(member=m)
    assert relief.state == ReliefState.PENDING and relief.amount == 0


# --- 4. relief requests ---------------------------------------------------------------------------


def test_relief_list_pending_first_and_decision_by_the_committee_above(county, world, login):
    relief = world["relief"]
    dangwei = county.users["dangwei"]
    old = services.request_relief(
        actor=county.users["zhibu"], member=county.members["a1"][3], from_month=this_month(),
        to_month=this_month(), amount="0", reason="旧申请",
    )  # fmt: skip
    services.decide_relief(actor=dangwei, relief=old, approve=False, note="材料不全")
    zhibu_page = html(login(county.users["zhibu"]).get(reverse("dues:reliefs")))
    assert zhibu_page.index(f'id="relief-{relief.pk}"') < zhibu_page.index(f'id="relief-{old.pk}"')
    assert "待上一级党委审批" in zhibu_page  # the branch sees, cannot decide
    assert reverse("dues:relief_decide", args=[relief.pk]) not in zhibu_page
    # the branch posting a decision gets the service's words and nothing changes
    url = reverse("dues:relief_decide", args=[relief.pk])
    response = login(county.users["zhibu"]).post(url, {"decision": "approve", "note": "同意"})
    assert "须经上一级党委批准" in html(response)
    relief.refresh_from_db()
    assert relief.state == ReliefState.PENDING
    client = login(dangwei)
    page = html(client.get(reverse("dues:reliefs")))
    assert url in page
    response = client.post(url, {"decision": "approve", "note": "同意免交"}, follow=True)
    assert "已批准" in html(response)
    relief.refresh_from_db()
    assert relief.state == ReliefState.APPROVED and relief.decision_note == "同意免交"
    # decided: no form any more
    assert 'name="decision"' not in html(client.get(url))


def test_relief_decision_needs_a_choice(county, world, login):
    url = reverse("dues:relief_decide", args=[world["relief"].pk])
    response = login(county.users["dangwei"]).post(url, {"note": "?"})
    assert response.status_code == 400
    world["relief"].refresh_from_db()
    assert world["relief"].state == ReliefState.PENDING


def test_close_of_a_large_subtree_runs_as_a_job_with_progress(county, login, monkeypatch):
    """Above the inline limit the page hands the month to a background job and shows its page."""
    from dangjian.core.models import Job, JobStatus
    from dangjian.dues.models import DuesMonth
    from dangjian.dues.services import BaseLine, set_bases

    monkeypatch.setenv("DANGJIAN_DUES_CLOSE_INLINE", "3")
    gw = county.users["gongwei"]
    lines = [
        BaseLine(m, "salaried", "4000", date.today().replace(day=1))
        for ms in county.members.values()
        for m in ms
    ]
    set_bases(actor=gw, lines=lines)
    month = date.today().replace(day=1)
    c = login(gw)
    response = c.post(
        reverse("dues:close"), {"org": county.gongwei.pk, "month": month.strftime("%Y-%m")}
    )
    job = Job.objects.get(kind="dues_close")
    assert response.status_code == 302 and response["Location"] == reverse(
        "core:job", args=[job.pk]
    )
    assert job.status == JobStatus.SUCCEEDED and job.progress_done == job.progress_total == 3
    assert "新入账12人" in job.message
    assert DuesMonth.objects.filter(month=month).count() == 12
    page = c.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "党费月度入账" in page and "查看党费收缴情况" in page
    # a month still to come is refused before any job starts
    c.post(reverse("dues:close"), {"org": county.gongwei.pk, "month": "2099-01"})
    assert Job.objects.filter(kind="dues_close").count() == 1
