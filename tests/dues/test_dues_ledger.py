"""The dues ledger through its services: posting, payments, 补交/预交 limits, corrections, relief."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.dues import services
from dangjian.dues.models import DuesEntry, DuesMonth, DuesOrgMonth, EntryKind, ReliefState
from dangjian.dues.selectors import arrears, last_payment_dates, rollup, six_month_list
from dangjian.dues.services import BaseLine, PaymentLine, month_start
from dangjian.members.lapse import possible_lapses

pytestmark = pytest.mark.django_db

D = Decimal


def this_month() -> date:
    return month_start(timezone.localdate())


def ago(n: int) -> date:
    return add_months(this_month(), -n)


def give_bases(county, base="4000", from_month=None):
    """Every county member: 按月领取工资 at `base` from a year and a half ago."""
    start = from_month or ago(18)
    lines = [
        BaseLine(m, "salaried", base, start) for members in county.members.values() for m in members
    ]
    services.set_bases(actor=county.users["gongwei"], lines=lines)


def test_close_posts_every_paying_member_once_and_is_idempotent(county):
    give_bases(county)
    gw = county.users["gongwei"]
    first = services.close_month(actor=gw, month=ago(1), within=county.gongwei)
    assert first.posted == 12 and first.missing_base == []
    again = services.close_month(actor=gw, month=ago(1), within=county.gongwei)
    assert again.posted == 0 and again.already == 12
    assert DuesMonth.objects.filter(month=ago(1)).count() == 12
    row = DuesMonth.objects.filter(month=ago(1)).first()
    assert row.due == row.assessed == D("40.00") and row.paid == 0
    sums = DuesOrgMonth.objects.filter(month=ago(1))
    assert sums.aggregate(s=Sum("due"))["s"] == D("480.00")
    assert sums.aggregate(s=Sum("unpaid"))["s"] == 12


def test_close_skips_members_without_a_base_and_lists_them(county):
    a1 = county.members["a1"]
    services.set_base(
        actor=county.users["zhibu"],
        member=a1[0],
        category="salaried",
        base="3000",
        from_month=ago(3),
    )
    result = services.close_month(
        actor=county.users["zhibu"], month=ago(1), within=county.branch_a1
    )
    assert result.posted == 1
    assert {m.pk for m in result.missing_base} == {m.pk for m in a1[1:]}
    assert DuesMonth.objects.get(member=a1[0], month=ago(1)).due == D("15.00")


def test_close_is_scoped_and_not_for_future_months(county):
    with pytest.raises(Http404):
        services.close_month(actor=county.users["zhibu"], month=ago(1), within=county.branch_b1)
    with pytest.raises(ValidationError):
        services.close_month(
            actor=county.users["zhibu"], month=add_months(this_month(), 1), within=county.branch_a1
        )


def test_base_change_mid_year_applies_from_its_month(county):
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    services.set_base(actor=zhibu, member=m, category="salaried", base="3000.00", from_month=ago(4))
    services.set_base(actor=zhibu, member=m, category="salaried", base="3000.01", from_month=ago(2))
    for n in (4, 3, 2, 1):
        services.close_month(actor=zhibu, month=ago(n), within=county.branch_a1)
    dues = {r.month: r.due for r in DuesMonth.objects.filter(member=m)}
    assert dues[ago(4)] == dues[ago(3)] == D("15.00")
    assert dues[ago(2)] == dues[ago(1)] == D("30.00")


def test_branch_month_all_paid_with_two_exceptions(county):
    give_bases(county)
    zhibu = county.users["zhibu"]
    a1 = county.members["a1"]
    result = services.record_branch_month(
        actor=zhibu, org=county.branch_a1, month=ago(1), paid_on=timezone.localdate(),
        exceptions={a1[0].pk: "0", a1[1].pk: "15"},
    )  # fmt: skip
    assert result.paid_in_full == 2 and result.exceptions == 2
    assert result.total == D("95.00")
    rows = {r.member_id: r for r in DuesMonth.objects.filter(month=ago(1), org=county.branch_a1)}
    assert rows[a1[0].pk].paid == 0
    assert rows[a1[1].pk].paid == D("15.00")
    assert rows[a1[2].pk].paid == rows[a1[3].pk].paid == D("40.00")
    assert rows[a1[2].pk].paid_on == timezone.localdate() and rows[a1[2].pk].method == "cash"
    om = DuesOrgMonth.objects.get(org=county.branch_a1, month=ago(1))
    assert (om.members, om.paid, om.unpaid) == (4, D("95.00"), 2)
    # journal and rows agree
    assert DuesEntry.objects.filter(month=ago(1)).aggregate(s=Sum("amount"))["s"] == D("95.00")


def test_branch_month_refuses_other_branches_and_strays(county):
    give_bases(county)
    with pytest.raises(Http404):
        services.record_branch_month(
            actor=county.users["zhibu"],
            org=county.branch_b1,
            month=ago(1),
            paid_on=timezone.localdate(),
        )
    stray = county.members["b1"][0]
    with pytest.raises(ValidationError):
        services.record_branch_month(
            actor=county.users["zhibu"], org=county.branch_a1, month=ago(1),
            paid_on=timezone.localdate(), exceptions={stray.pk: "0"},
        )  # fmt: skip
    assert not DuesEntry.objects.exists()


def test_catch_up_is_limited_to_six_months_back(county):
    give_bases(county)
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    today = timezone.localdate()
    services.record_payment(actor=zhibu, member=m, lines=[PaymentLine(ago(6))], paid_on=today)
    assert DuesMonth.objects.get(member=m, month=ago(6)).paid == D("40.00")
    with pytest.raises(ValidationError, match="补交"):
        services.record_payment(actor=zhibu, member=m, lines=[PaymentLine(ago(7))], paid_on=today)
    assert not DuesEntry.objects.filter(month=ago(7)).exists()


def test_prepayment_posts_future_months_and_the_close_keeps_them(county):
    give_bases(county)
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    months = [add_months(this_month(), k) for k in range(0, 12)]
    services.record_payment(
        actor=zhibu, member=m, lines=[PaymentLine(x) for x in months], paid_on=timezone.localdate()
    )
    assert DuesMonth.objects.filter(member=m, paid=D("40.00")).count() == 12
    with pytest.raises(ValidationError, match="预交"):
        services.record_payment(
            actor=zhibu,
            member=m,
            lines=[PaymentLine(add_months(this_month(), 13))],
            paid_on=timezone.localdate(),
        )
    result = services.close_month(actor=zhibu, month=this_month(), within=county.branch_a1)
    assert result.posted == 3  # the other three members; the prepaid row is kept
    assert DuesMonth.objects.get(member=m, month=this_month()).paid == D("40.00")


def test_overpayment_must_be_voluntary_and_large_voluntary_goes_to_centre(county):
    give_bases(county)
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="自愿多交"):
        services.record_payment(
            actor=zhibu, member=m, lines=[PaymentLine(ago(1), "40.01")], paid_on=today
        )
    small = services.record_voluntary(actor=zhibu, member=m, amount="999.99", paid_on=today)
    big = services.record_voluntary(actor=zhibu, member=m, amount="1000", paid_on=today)
    assert (small.to_centre, big.to_centre) == (False, True)


def test_correction_is_a_new_entry_naming_the_old_one(county):
    give_bases(county)
    m = county.members["a1"][0]
    zhibu = county.users["zhibu"]
    (entry,) = services.record_payment(
        actor=zhibu, member=m, lines=[PaymentLine(ago(1), "30")], paid_on=timezone.localdate()
    )
    reversal, replacement = services.correct_entry(
        actor=zhibu, entry=entry, reason="金额登记错误", amount="40"
    )
    entry.refresh_from_db()
    assert entry.amount == D("30.00")  # never edited
    assert reversal.corrects == entry and reversal.amount == D("-30.00")
    assert replacement.amount == D("40.00")
    assert DuesMonth.objects.get(member=m, month=ago(1)).paid == D("40.00")
    with pytest.raises(ValidationError, match="已经更正"):
        services.correct_entry(actor=zhibu, entry=entry, reason="again")
    with pytest.raises(ValidationError):
        services.correct_entry(actor=zhibu, entry=reversal, reason="again")
    assert DuesOrgMonth.objects.get(org=county.branch_a1, month=ago(1)).paid == D("40.00")


def test_relief_needs_the_higher_committee(county):
    give_bases(county)
    m = county.members["a1"][0]
    zhibu, dangwei = county.users["zhibu"], county.users["dangwei"]
    services.close_month(actor=zhibu, month=ago(1), within=county.branch_a1)
    relief = services.request_relief(
        actor=zhibu,
        member=m,
        from_month=ago(1),
        to_month=add_months(this_month(), 5),
        amount="0",
        reason="患重病，支部大会研究同意免交",
    )
    with pytest.raises(ValidationError, match="上一级党委"):
        services.decide_relief(actor=zhibu, relief=relief, approve=True)
    with pytest.raises(Http404):
        services.decide_relief(actor=county.users["zhibu2"], relief=relief, approve=True)
    services.decide_relief(actor=dangwei, relief=relief, approve=True, note="同意")
    relief.refresh_from_db()
    assert relief.state == ReliefState.APPROVED
    posted = DuesMonth.objects.get(member=m, month=ago(1))
    assert posted.assessed == D("40.00") and posted.due == D("0.00")
    assert DuesEntry.objects.get(member=m, kind=EntryKind.DUE_ADJUST).amount == D("-40.00")
    services.close_month(actor=zhibu, month=this_month(), within=county.branch_a1)
    assert DuesMonth.objects.get(member=m, month=this_month()).due == D("0.00")


def test_six_month_list_boundary_and_lapse_hook(county, monkeypatch):
    from dangjian.members import lapse

    # the dues source alone (组织生活 records are another source, with their own tests)
    monkeypatch.setattr(lapse, "_SOURCES", {"dues": lapse._SOURCES["dues"]})
    give_bases(county, from_month=ago(12))
    gw = county.users["gongwei"]
    for n in range(8, 0, -1):
        services.close_month(actor=gw, month=ago(n), within=county.gongwei)
    a1 = county.members["a1"]
    today = timezone.localdate()
    # a1[0] last paid 7 months ago (6 unpaid since); a1[1] last paid 6 months ago (5 unpaid)
    services.record_payment(
        actor=county.users["zhibu"], member=a1[0], lines=[PaymentLine(ago(7))], paid_on=ago(7)
    )
    services.record_payment(
        actor=county.users["zhibu"], member=a1[1], lines=[PaymentLine(ago(6))], paid_on=ago(6)
    )
    listed = {
        r.member.pk: r.unpaid_run
        for r in six_month_list(gw, within=county.gongwei.path, through=ago(1))
    }
    assert listed[a1[0].pk] == 6
    assert a1[1].pk not in listed
    assert listed[a1[2].pk] == 8  # never paid
    last = last_payment_dates([a1[0].pk, a1[1].pk, a1[2].pk, county.members["b1"][0].pk])
    assert last[a1[0].pk] == add_months(ago(7), 1) - (date(2000, 1, 2) - date(2000, 1, 1))
    assert last[a1[2].pk] == ago(8) - (date(2000, 1, 2) - date(2000, 1, 1))
    owing = {r.member.pk: r for r in arrears(gw, within=county.gongwei.path, through=ago(1))}
    assert owing[a1[0].pk].months_owing == 7 and owing[a1[0].pk].owing == D("280.00")
    # the membership list sees the dues fact (the only lapse source registered in these tests
    # may include others; the dues one must be present for listed members)
    rows = {r.member.pk: r for r in possible_lapses(gw, within=county.gongwei.path, today=today)}
    assert a1[0].pk in rows and a1[2].pk in rows
    assert any(f.source.key == "dues" and f.last == last[a1[0].pk] for f in rows[a1[0].pk].facts)


def test_member_never_posted_is_not_a_lapse_from_dues(county):
    m = member_in(
        county.branch_a1,
        birth_date=date(1970, 1, 1),
        joined_on=date(2000, 7, 1),
        confirmed_on=date(2001, 7, 1),
    )
    assert m.pk not in last_payment_dates([m.pk])
    rows = possible_lapses(
        county.users["gongwei"], within=county.gongwei.path, today=timezone.localdate()
    )
    assert m.pk not in {r.member.pk for r in rows}


def test_rollup_sums_children_from_the_records(county):
    give_bases(county)
    gw = county.users["gongwei"]
    services.close_month(actor=gw, month=ago(1), within=county.gongwei)
    services.record_branch_month(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        month=ago(1),
        paid_on=timezone.localdate(),
    )
    rows, total = rollup(gw, root=county.gongwei, start=ago(1), end=ago(1))
    by = {r.org.pk: r.totals for r in rows}
    assert by[county.dangwei_a.pk].due == D("320.00") and by[county.dangwei_a.pk].paid == D(
        "160.00"
    )
    assert by[county.dangwei_a.pk].rate == D("50.0")
    assert by[county.dangwei_b.pk].paid == 0
    assert total.due == DuesMonth.objects.aggregate(s=Sum("due"))["s"]
    # the branch secretary's roll-up only sees the branch
    rows, total = rollup(county.users["zhibu"], root=county.gongwei, start=ago(1), end=ago(1))
    assert total.due == D("160.00")


def test_set_based_writes_leave_one_audit_event_each(county):
    from auditlog.models import LogEntry

    give_bases(county)
    zhibu = county.users["zhibu"]
    services.close_month(actor=zhibu, month=ago(1), within=county.branch_a1)
    services.record_branch_month(
        actor=zhibu, org=county.branch_a1, month=ago(1), paid_on=timezone.localdate()
    )
    events = {
        e.additional_data["event"]: e
        for e in LogEntry.objects.filter(actor=zhibu)
        if (e.additional_data or {}).get("event", "").startswith("dues_")
    }
    assert events["dues_close"].additional_data["posted"] == 4
    assert events["dues_branch_payment"].additional_data["full"] == 4


def test_monthly_command_posts_the_whole_tree_and_rejects_bad_months(county):
    from io import StringIO

    from django.core.management import CommandError, call_command

    give_bases(county)
    out = StringIO()
    call_command("dues-close", "--month", ago(1).strftime("%Y-%m"), stdout=out)
    assert "新入账12人" in out.getvalue()
    assert DuesMonth.objects.filter(month=ago(1)).count() == 12
    with pytest.raises(CommandError, match="月份格式"):
        call_command("dues-close", "--month", "2026-13")
    with pytest.raises(CommandError, match="还没有到"):
        call_command("dues-close", "--month", add_months(this_month(), 1).strftime("%Y-%m"))


def test_probationary_member_pays_from_the_month_of_admission(county):
    """RULES.md 1.8: a 预备党员 pays from the day the 支部大会 admits them — that month on."""
    admitted = add_months(ago(1), 0).replace(day=20)
    m = member_in(
        county.branch_a1, birth_date=date(1995, 3, 1), joined_on=admitted, confirmed_on=None,
        category="probationary",
    )  # fmt: skip
    zhibu = county.users["zhibu"]
    services.set_base(actor=zhibu, member=m, category="salaried", base="5000", from_month=ago(1))
    with pytest.raises(ValidationError, match="起始月份不能早于"):
        services.set_base(
            actor=zhibu, member=m, category="salaried", base="5000", from_month=ago(2)
        )
    services.close_month(actor=zhibu, month=ago(2), within=county.branch_a1)
    services.close_month(actor=zhibu, month=ago(1), within=county.branch_a1)
    assert not DuesMonth.objects.filter(member=m, month=ago(2)).exists()
    assert DuesMonth.objects.get(member=m, month=ago(1)).due == D("50.00")
    with pytest.raises(ValidationError, match="还不是党员"):
        services.record_payment(
            actor=zhibu, member=m, lines=[PaymentLine(ago(2))], paid_on=timezone.localdate()
        )


def test_members_not_in_good_standing_are_not_posted_or_paid(county):
    from dangjian.members.choices import MemberStatus

    give_bases(county)
    m = county.members["a1"][0]
    m.status = MemberStatus.SUSPENDED
    m.save(update_fields=["status"])
    zhibu = county.users["zhibu"]
    result = services.close_month(actor=zhibu, month=ago(1), within=county.branch_a1)
    assert result.posted == 3
    with pytest.raises(ValidationError, match="停止党籍"):
        services.record_payment(
            actor=zhibu, member=m, lines=[PaymentLine(ago(1))], paid_on=timezone.localdate()
        )


def test_new_standard_reprices_bases_from_its_month_and_posted_months_keep_theirs(county):
    """A new standard version: bases re-priced from the month it takes effect; earlier posted
    months keep the amount they were posted with (corrections would be explicit entries)."""
    from dangjian.dues.models import DuesBase
    from dangjian.dues.standards import add_standard

    gw = county.users["gongwei"]
    give_bases(county, base="4000", from_month=ago(6))
    services.close_month(actor=gw, month=ago(2), within=county.gongwei)
    add_standard(
        actor=gw,
        name="新标准（测试）",
        effective_from=ago(1),
        categories={"salaried": {"brackets": [{"upto": None, "rate": "0.02"}]}},
    )
    changed = services.reprice(actor=gw, from_month=ago(1), within=county.gongwei)
    assert changed == 12
    assert services.reprice(actor=gw, from_month=ago(1), within=county.gongwei) == 0  # idempotent
    m = county.members["a1"][0]
    latest = DuesBase.objects.filter(member=m).order_by("-from_month", "-id").first()
    assert (latest.from_month, latest.amount, latest.standard_name) == (
        ago(1),
        D("80.00"),
        "新标准（测试）",
    )
    services.close_month(actor=gw, month=ago(1), within=county.gongwei)
    assert DuesMonth.objects.get(member=m, month=ago(2)).due == D("40.00")
    assert DuesMonth.objects.get(member=m, month=ago(1)).due == D("80.00")
    with pytest.raises(Http404):
        services.reprice(actor=county.users["zhibu"], from_month=ago(1), within=county.gongwei)
