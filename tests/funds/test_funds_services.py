"""The funds ledger through its services: remittance pairs, expenses within 1.15, balances, corrections."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from dangjian.core.calendar import add_months
from dangjian.core.models import RuleSet
from dangjian.dues import services as dues
from dangjian.dues.services import PaymentLine
from dangjian.funds import selectors, services
from dangjian.funds.models import DUES_PURPOSES, Direction, FundEntry, Kind, Purpose
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db
D = Decimal


def today():
    return timezone.localdate()


def ago(n: int):
    return add_months(today().replace(day=1), -n)


def decision(**extra):
    return {
        "decision_body": "支委会",
        "decision_on": today(),
        "decision_summary": "同意列支。",
        **extra,
    }


def hand_over(county, branch, amount, user="gongwei"):
    """A branch hands dues to its 党委 (so the 党委 holds money)."""
    return services.record_remittance(
        actor=county.users[user],
        from_org=branch,
        to_org=Organization.objects.get(path=branch.path[: -Organization.steplen]),
        amount=amount,
        occurred_on=today(),
    )


# --- balances --------------------------------------------------------------------------------


def test_balance_is_own_collections_and_nothing_else(county, paid):
    a1 = selectors.dues_balance(county.branch_a1)
    assert a1.collected == D("320.00") and a1.balance == D("320.00")
    # the 党委 has no members of its own: its subtree collected, it holds nothing yet
    assert selectors.dues_balance(county.dangwei_a).balance == 0


def test_balance_is_never_taken_from_a_typed_total(county, paid):
    """A stored figure that disagrees with the entries does not move the balance: the
    collections come from the dues ledger, and a FundEntry is only ever a movement."""
    before = selectors.dues_balance(county.branch_a1).balance
    # nothing in the funds ledger holds a balance; the only way to change it is an entry
    assert not any("balance" in f.name or "total" in f.name for f in FundEntry._meta.fields)
    services.record_expense(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        purpose=Purpose.TRAINING,
        amount="20.00",
        occurred_on=today(),
        **decision(),
    )
    assert selectors.dues_balance(county.branch_a1).balance == before - D("20.00")
    # the subtree figures are the sum of the same per-organisation computation
    by_org = selectors.subtree_balances(county.users["gongwei"], county.gongwei)
    assert by_org[county.branch_a1.pk].balance == before - D("20.00")
    top, rows, total = selectors.drill(county.users["gongwei"], county.gongwei)
    assert total.balance == sum((b.balance for b in by_org.values()), D(0)) == D("940.00")
    row_a = next(r for r in rows if r.org == county.dangwei_a)
    assert row_a.subtree.balance == D("620.00") and row_a.own.balance == 0


def test_voluntary_that_stays_counts_and_the_centre_part_is_held_apart(county, paid):
    zhibu = county.users["zhibu"]
    m = county.members["a1"][0]
    dues.record_voluntary(actor=zhibu, member=m, amount="50", paid_on=today())
    big = dues.record_voluntary(actor=zhibu, member=m, amount="1000", paid_on=today())
    bal = selectors.dues_balance(county.branch_a1)
    assert bal.voluntary == D("50.00") and bal.balance == D("370.00")
    assert bal.held_for_centre == D("1000.00")
    # the dues ledger's reversal does not copy the flag; the balance still nets it out right
    dues.correct_entry(actor=zhibu, entry=big, reason="录错")
    bal = selectors.dues_balance(county.branch_a1)
    assert bal.voluntary == D("50.00") and bal.held_for_centre == 0


# --- remittances -----------------------------------------------------------------------------


def test_remittance_writes_a_pair_and_both_balances_move(county, paid):
    out, got = hand_over(county, county.branch_a1, "300.00", user="zhibu")
    assert (out.org, out.kind, out.direction) == (county.branch_a1, Kind.REMIT_OUT, "expense")
    assert (got.org, got.kind, got.direction) == (county.dangwei_a, Kind.REMIT_IN, "income")
    assert out.batch == got.batch and out.amount == got.amount == D("300.00")
    assert got.counterparty == county.branch_a1 and out.counterparty == county.dangwei_a
    assert got.org_path == county.dangwei_a.path
    assert selectors.dues_balance(county.branch_a1).balance == D("20.00")
    assert selectors.dues_balance(county.dangwei_a).balance == D("300.00")
    # the 党委 remits on to the 工委
    services.record_remittance(
        actor=county.users["dangwei"],
        from_org=county.dangwei_a,
        to_org=county.gongwei,
        amount="100",
        occurred_on=today(),
        period=paid["period"],
    )
    assert selectors.dues_balance(county.dangwei_a).balance == D("200.00")
    assert selectors.dues_balance(county.gongwei).remit_in == D("100.00")


def test_remittance_to_the_centre_writes_only_the_sending_side(county, paid):
    hand_over(county, county.branch_a1, "320")
    hand_over(county, county.dangwei_a, "320")
    (out,) = services.record_remittance(
        actor=county.users["gongwei"],
        from_org=county.gongwei,
        to_org=None,
        amount="10",
        occurred_on=today(),
    )
    assert out.counterparty is None and out.counterparty_name == "党中央"
    assert FundEntry.objects.filter(batch=out.batch).count() == 1


def test_remittance_is_refused_beyond_the_balance_down_or_sideways_and_out_of_scope(county, paid):
    zhibu = county.users["zhibu"]
    with pytest.raises(ValidationError, match="结余不足"):
        hand_over(county, county.branch_a1, "320.01", user="zhibu")
    with pytest.raises(ValidationError, match="上级党组织"):
        services.record_remittance(
            actor=county.users["dangwei"],
            from_org=county.dangwei_a,
            to_org=county.branch_a1,
            amount="1",
            occurred_on=today(),
        )
    with pytest.raises(ValidationError, match="上级党组织"):
        services.record_remittance(
            actor=zhibu,
            from_org=county.branch_a1,
            to_org=county.dangwei_b,
            amount="1",
            occurred_on=today(),
        )
    with pytest.raises(Http404):
        hand_over(county, county.branch_b1, "1", user="zhibu")
    with pytest.raises(Http404):  # a branch secretary cannot send the 党委's money
        services.record_remittance(
            actor=zhibu, from_org=county.dangwei_a, to_org=county.gongwei, amount="1",
            occurred_on=today(),
        )  # fmt: skip
    assert not FundEntry.objects.exists()


def test_centre_voluntary_is_passed_up_apart_from_the_dues(county, paid):
    zhibu = county.users["zhibu"]
    dues.record_voluntary(
        actor=zhibu, member=county.members["a1"][1], amount="1200", paid_on=today()
    )
    entries = services.record_remittance(
        actor=zhibu,
        from_org=county.branch_a1,
        to_org=county.dangwei_a,
        amount="0",
        centre_amount="1200",
        occurred_on=today(),
    )
    assert [e.centre_voluntary for e in entries] == [True, True]
    a1 = selectors.dues_balance(county.branch_a1)
    assert a1.balance == D("320.00") and a1.held_for_centre == 0
    da = selectors.dues_balance(county.dangwei_a)
    assert da.balance == 0 and da.held_for_centre == D("1200.00")
    with pytest.raises(ValidationError, match="全额上缴中央"):
        services.record_remittance(
            actor=zhibu, from_org=county.branch_a1, to_org=county.dangwei_a, amount="0",
            centre_amount="0.01", occurred_on=today(),
        )  # fmt: skip


# --- suggested remittance --------------------------------------------------------------------


def _suggest(county, org, to, start, end):
    return selectors.suggested_remittance(org, to, start=start, end=end, day=today())


def test_suggested_remittance_is_twenty_percent_rounded_half_up(county, paid):
    start, end = paid["period"]
    s = _suggest(county, county.dangwei_a, county.gongwei, start, end)
    assert s.percent == 20 and s.collections == D("640.00") and s.amount == D("128.00")
    assert "20%" in s.cite and "上缴工委比例" in s.rule_label
    # a real partial payment three months ago: 0.10 元 at branch a1
    zhibu = county.users["zhibu"]
    m = county.members["a1"][0]
    dues.record_payment(actor=zhibu, member=m, lines=[PaymentLine(ago(3), "0.10")], paid_on=today())
    s = _suggest(county, county.dangwei_a, county.gongwei, ago(3), end)
    assert s.collections == D("640.10") and s.amount == D("128.02")
    # 960.10 × 5 % = 48.005 → 48.01: half up, not to even
    s = _suggest(county, county.gongwei, None, ago(3), end)
    assert s.percent == 5 and s.collections == D("960.10") and s.amount == D("48.01")
    # 0.03 more at a2: 640.13 × 20 % = 128.026 → 128.03
    dues.record_payment(
        actor=county.users["dangwei"], member=county.members["a2"][0],
        lines=[PaymentLine(ago(3), "0.03")], paid_on=today(),
    )  # fmt: skip
    s = _suggest(county, county.dangwei_a, county.gongwei, ago(3), end)
    assert s.collections == D("640.13") and s.amount == D("128.03")
    # a branch hands its collections to its 党委 under the funds setting (default 100 %)
    s = _suggest(county, county.branch_a1, county.dangwei_a, ago(3), end)
    assert s.percent == 100 and s.amount == D("320.10")


def test_the_ratio_comes_from_the_rule_set_in_force(county, paid):
    RuleSet.objects.create(
        domain="dues",
        name="某省党费上缴比例",
        effective_from=today() - timedelta(days=1),
        values={"remit_percent_work_committee": 30},
    )
    s = _suggest(county, county.dangwei_a, county.gongwei, *paid["period"])
    assert s.percent == 30 and s.amount == D("192.00") and "某省党费上缴比例" in s.cite


def test_suggested_remittance_to_the_centre_uses_the_centre_percent_and_lists_voluntary(
    county, paid
):
    dues.record_voluntary(
        actor=county.users["zhibu"], member=county.members["a1"][0], amount="1000",
        paid_on=today(),
    )  # fmt: skip
    s = selectors.suggested_remittance(
        county.gongwei, None, start=paid["period"][0], end=today(), day=today()
    )
    assert s.percent == 5 and s.collections == D("960.00") and s.amount == D("48.00")
    assert s.voluntary_total == D("1000.00") and len(s.voluntary_entries) == 1
    assert s.held_for_centre == 0  # still at the branch


def test_already_remitted_for_the_period_is_shown_against_the_suggestion(county, paid):
    hand_over(county, county.branch_a1, "320")
    services.record_remittance(
        actor=county.users["dangwei"], from_org=county.dangwei_a, to_org=county.gongwei,
        amount="100", occurred_on=today(), period=paid["period"],
    )  # fmt: skip
    s = selectors.suggested_remittance(
        county.dangwei_a, county.gongwei, start=paid["period"][0], end=paid["period"][1],
        day=today(),
    )  # fmt: skip
    assert s.already == D("100.00") and s.remaining == D("28.00")


# --- expenses (RULES.md 1.15) ------------------------------------------------------------------


@pytest.mark.parametrize("purpose", DUES_PURPOSES)
def test_every_permitted_use_of_dues_is_accepted(county, paid, purpose):
    e = services.record_expense(
        actor=county.users["zhibu"], org=county.branch_a1, purpose=purpose, amount="10",
        occurred_on=today(), **decision(),
    )  # fmt: skip
    assert e.direction == Direction.EXPENSE and e.purpose == purpose


@pytest.mark.parametrize("purpose", [Purpose.ACTIVITIES, Purpose.OFFICE, "banquet", ""])
def test_uses_outside_the_regulation_are_refused(county, paid, purpose):
    with pytest.raises(ValidationError) as exc:
        services.record_expense(
            actor=county.users["zhibu"], org=county.branch_a1, purpose=purpose, amount="10",
            occurred_on=today(), **decision(),
        )  # fmt: skip
    assert "党费只能用于" in str(exc.value) and "第十八条" in str(exc.value)
    assert not FundEntry.objects.exists()


@pytest.mark.parametrize("missing", ["decision_body", "decision_on", "decision_summary"])
def test_expense_without_a_collective_decision_is_refused(county, paid, missing):
    fields = decision()
    fields[missing] = None if missing == "decision_on" else "  "
    with pytest.raises(ValidationError) as exc:
        services.record_expense(
            actor=county.users["zhibu"], org=county.branch_a1, purpose=Purpose.TRAINING,
            amount="10", occurred_on=today(), **fields,
        )  # fmt: skip
    assert missing in exc.value.message_dict
    assert not FundEntry.objects.exists()


def test_decision_after_the_spending_is_refused(county, paid):
    with pytest.raises(ValidationError, match="讨论日期不能晚于支出日期"):
        services.record_expense(
            actor=county.users["zhibu"], org=county.branch_a1, purpose=Purpose.TRAINING,
            amount="10", occurred_on=today() - timedelta(days=3), **decision(),
        )  # fmt: skip


def test_spending_exactly_the_balance_is_allowed_and_a_cent_more_refused(county, paid):
    zhibu = county.users["zhibu"]
    args = dict(actor=zhibu, org=county.branch_a1, purpose=Purpose.HARDSHIP, occurred_on=today())
    with pytest.raises(ValidationError, match="量入为出"):
        services.record_expense(amount="320.01", **args, **decision())
    assert not FundEntry.objects.exists()
    services.record_expense(amount="320.00", **args, **decision())
    assert selectors.dues_balance(county.branch_a1).balance == 0
    with pytest.raises(ValidationError, match="结余不足"):
        services.record_expense(amount="0.01", **args, **decision())


def test_expense_is_scoped_and_amounts_checked(county, paid):
    with pytest.raises(Http404):
        services.record_expense(
            actor=county.users["zhibu"], org=county.branch_b1, purpose=Purpose.TRAINING,
            amount="1", occurred_on=today(), **decision(),
        )  # fmt: skip
    for bad in ("0", "-5", "1.001", "abc"):
        with pytest.raises(ValidationError):
            services.record_expense(
                actor=county.users["zhibu"], org=county.branch_a1, purpose=Purpose.TRAINING,
                amount=bad, occurred_on=today(), **decision(),
            )  # fmt: skip


def test_expense_document_type_and_size_are_checked(county, paid):
    common = dict(
        actor=county.users["zhibu"], org=county.branch_a1, purpose=Purpose.TRAINING, amount="5",
        occurred_on=today(), **decision(),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="类型不支持"):
        services.record_expense(document=SimpleUploadedFile("x.exe", b"MZ"), **common)
    with pytest.raises(ValidationError, match="空文件"):
        services.record_expense(document=SimpleUploadedFile("x.pdf", b""), **common)
    e = services.record_expense(
        document=SimpleUploadedFile("培训发票.pdf", b"%PDF-1.4 test"), **common
    )
    assert e.document_name == "培训发票.pdf" and e.document_size == 13
    assert e.document.name.startswith(f"funds/{county.branch_a1.pk}/")


# --- corrections -------------------------------------------------------------------------------


def test_correcting_a_remittance_reverses_both_sides_and_may_replace_them(county, paid):
    out, got = hand_over(county, county.branch_a1, "300", user="zhibu")
    reversals, replacements = services.correct_entry(
        actor=county.users["zhibu"], entry=got, reason="金额录错", amount="250"
    )
    assert {r.corrects_id for r in reversals} == {out.pk, got.pk}
    assert all(r.amount == D("-300.00") for r in reversals)
    assert {r.replaces_id for r in replacements} == {out.pk, got.pk}
    assert selectors.dues_balance(county.branch_a1).balance == D("70.00")
    assert selectors.dues_balance(county.dangwei_a).balance == D("250.00")
    # the originals stay; a second correction of the same entry is refused
    assert FundEntry.objects.filter(pk__in=[out.pk, got.pk]).count() == 2
    with pytest.raises(ValidationError, match="已经更正过"):
        services.correct_entry(actor=county.users["zhibu"], entry=out, reason="再改")
    with pytest.raises(ValidationError, match="冲销记录"):
        services.correct_entry(actor=county.users["zhibu"], entry=reversals[0], reason="再改")
    # the replacement can itself be corrected
    services.correct_entry(actor=county.users["zhibu"], entry=replacements[0], reason="撤回")
    assert selectors.dues_balance(county.branch_a1).balance == D("320.00")


def test_correction_needs_a_reason_and_scope_and_keeps_the_receiver_solvent(county, paid):
    out, got = hand_over(county, county.branch_a1, "300", user="zhibu")
    with pytest.raises(ValidationError):
        services.correct_entry(actor=county.users["zhibu"], entry=out, reason=" ")
    with pytest.raises(Http404):
        services.correct_entry(actor=county.users["zhibu2"], entry=out, reason="x")
    services.record_expense(
        actor=county.users["dangwei"], org=county.dangwei_a, purpose=Purpose.TRAINING,
        amount="200", occurred_on=today(), **decision(decision_body="党委会"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="结余不足"):
        services.correct_entry(actor=county.users["zhibu"], entry=out, reason="没交")
    assert FundEntry.objects.filter(corrects__isnull=False).count() == 0


def test_correcting_an_expense(county, paid):
    e = services.record_expense(
        actor=county.users["zhibu"], org=county.branch_a1, purpose=Purpose.TRAINING,
        amount="100", occurred_on=today(), **decision(),
    )  # fmt: skip
    (rev,), (new,) = services.correct_entry(
        actor=county.users["zhibu"], entry=e, reason="发票金额为80元", amount="80"
    )
    assert rev.amount == D("-100.00") and rev.purpose == e.purpose and rev.corrects == e
    assert new.amount == D("80.00") and new.decision_body == "支委会" and new.replaces == e
    assert selectors.dues_balance(county.branch_a1).balance == D("240.00")


def test_a_positive_amount_cannot_name_a_corrected_entry_in_the_database(county, paid):
    (e,) = services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=None, amount="1",
        occurred_on=today(),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        FundEntry.objects.create(
            org=e.org, org_path=e.org_path, direction=e.direction, kind=e.kind, amount=1,
            occurred_on=e.occurred_on, corrects=e,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        FundEntry.objects.create(
            org=e.org, org_path=e.org_path, direction=e.direction, kind=e.kind, amount=-1,
            occurred_on=e.occurred_on,
        )  # fmt: skip


def test_allocation_from_outside_and_down_the_tree(county, paid):
    gw = county.users["gongwei"]
    (got,) = services.record_allocation(
        actor=gw, from_org=None, to_org=county.gongwei, amount="30000", occurred_on=today(),
        purpose=Purpose.TRAINING, counterparty_name="县委组织部",
    )  # fmt: skip
    assert got.kind == Kind.ALLOCATION_IN and got.counterparty_name == "县委组织部"
    out, down = services.record_allocation(
        actor=gw, from_org=county.gongwei, to_org=county.dangwei_b, amount="5000",
        occurred_on=today(), purpose=Purpose.COMMENDATION,
    )  # fmt: skip
    assert selectors.dues_balance(county.gongwei).balance == D("25000.00")
    assert selectors.dues_balance(county.dangwei_b).allocation_in == D("5000.00")
    with pytest.raises(Http404):
        services.record_allocation(
            actor=county.users["dangwei"], from_org=county.gongwei, to_org=county.dangwei_a,
            amount="1", occurred_on=today(),
        )  # fmt: skip


def test_moving_an_organisation_rewrites_the_copied_path(county, paid):
    from dangjian.orgs.services import move_subtree

    out, got = hand_over(county, county.branch_a1, "100", user="zhibu")
    move_subtree(county.branch_a1, county.dangwei_b)
    out.refresh_from_db()
    county.branch_a1.refresh_from_db()
    assert out.org_path == county.branch_a1.path
