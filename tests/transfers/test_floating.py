"""流动党员: away ≥ 6 months (3.1), yearly report (3.7), inflow guests, and who votes where (3.6)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.core.calendar import add_months
from dangjian.members.models import Member
from dangjian.transfers import services
from dangjian.transfers.models import (
    FloatingDirection,
    FloatingRecord,
    FloatingStatus,
    TransferKind,
)
from dangjian.transfers.selectors import (
    away_needing_transfer,
    holds_vote_at,
    inflow_guests,
    report_overdue,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def away(county, member, started_on, **over):
    kwargs = dict(
        actor=county.users["zhibu"],
        direction=FloatingDirection.OUT,
        org=member.org,
        member=member,
        place="厦门市思明区",
        host_name="厦门某公司党支部",
        started_on=started_on,
        reason="外出务工",
    )
    kwargs.update(over)
    return services.create_floating(**kwargs)


def test_away_six_months_boundary(county):
    m1, m2 = county.members["a1"][1], county.members["a1"][2]
    six = add_months(today(), -6)
    on_the_day = away(county, m1, six)
    day_after = away(county, m2, six + timedelta(days=1))
    listed = away_needing_transfer(county.users["zhibu"], today())
    assert on_the_day in listed and day_after not in listed
    # Once a transfer is open the member leaves the list.
    services.create_transfer(
        actor=county.users["zhibu"],
        member=m1,
        kind=TransferKind.OUT,
        to_name="厦门某公司党支部",
        reason="长期外出",
        dues_year=today().year,
        dues_month=today().month,
    )
    assert on_the_day not in away_needing_transfer(county.users["zhibu"], today())


def test_away_from_31_august_counts_six_months_on_28_february():
    # The calendar rule the selector applies: 31 Aug + 6 months is the end of February.
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


def test_away_list_uses_exact_calendar_months(county):
    m = county.members["a1"][1]
    r = away(county, m, date(2025, 8, 31))
    assert r in away_needing_transfer(county.users["zhibu"], date(2026, 2, 28))
    assert r not in away_needing_transfer(county.users["zhibu"], date(2026, 2, 27))
    r2 = away(county, county.members["a1"][2], date(2023, 8, 31), host_name="x")
    assert r2 in away_needing_transfer(county.users["zhibu"], date(2024, 2, 29))
    assert r2 not in away_needing_transfer(county.users["zhibu"], date(2024, 2, 28))


def test_report_back_overdue_after_twelve_months(county):
    m1, m2 = county.members["a1"][1], county.members["a1"][2]
    start = add_months(today(), -18)
    r1 = away(county, m1, start)
    r2 = away(county, m2, start)
    services.add_floating_report(
        actor=county.users["zhibu"],
        record=r2,
        reported_on=add_months(today(), -12),
        method="phone",
        content="在厦门参加组织生活",
    )
    overdue = report_overdue(county.users["zhibu"], today())
    assert (
        r1 in overdue and r2 not in overdue
    )  # a report exactly 12 months ago: due today, not overdue
    assert r2 in report_overdue(county.users["zhibu"], today() + timedelta(days=1))
    # Leaving 29 Feb: the yearly report falls due on 28 Feb the next year.
    r3 = away(county, county.members["a1"][3], date(2024, 2, 29))
    assert r3 not in report_overdue(county.users["zhibu"], date(2025, 2, 28))
    assert r3 in report_overdue(county.users["zhibu"], date(2025, 3, 1))


def test_inflow_guest_and_votes(county):
    gongwei, zhibu2 = county.users["gongwei"], county.users["zhibu2"]
    guest = services.create_floating(
        actor=zhibu2,
        direction=FloatingDirection.IN,
        org=county.branch_b1,
        person_name="外来甲",
        home_name="中共外省某村支部委员会",
        place="本县",
        started_on=today() - timedelta(days=30),
        reason="务工",
        card_number="闽流证2026001",
        card_issued_on=today() - timedelta(days=40),
    )
    # Our own member hosted by another branch of our tree: a guest there, a voter at home only.
    member = county.members["a1"][1]
    hosted = away(
        county, member, today() - timedelta(days=10), host_org=county.branch_b1, host_name=""
    )
    assert set(inflow_guests(zhibu2)) == {guest, hosted}
    assert set(inflow_guests(gongwei)) == {guest, hosted}
    # The home branch does not count its own member hosted elsewhere as a guest.
    assert set(inflow_guests(county.users["zhibu"])) == set()
    assert holds_vote_at(member, county.branch_a1) is True
    assert holds_vote_at(member, county.branch_b1) is False
    probationary = county.members["a1"][2]
    Member.objects.filter(pk=probationary.pk).update(category="probationary", confirmed_on=None)
    assert holds_vote_at(probationary, county.branch_a1) is False
    # After a transfer to b1 is reported, the vote moves with the relation.
    t = services.create_transfer(
        actor=county.users["zhibu"],
        member=member,
        kind=TransferKind.WITHIN,
        to_org=county.branch_b1,
        reason="调动",
        dues_year=today().year,
        dues_month=today().month,
    )
    services.issue(actor=county.users["zhibu"], transfer=t, on=today())
    assert holds_vote_at(member, county.branch_a1) is True  # in transit: still home
    services.confirm_report(actor=zhibu2, transfer=t, on=today())
    assert holds_vote_at(member, county.branch_a1) is False
    assert holds_vote_at(member, county.branch_b1) is True


def test_floating_bad_input_and_scope(county):
    before = FloatingRecord.objects.count()
    m = county.members["a1"][1]
    with pytest.raises(ValidationError) as exc:
        away(county, m, today() + timedelta(days=1), place="", host_name="")
    assert set(exc.value.message_dict) >= {"place", "host_name", "started_on"}
    with pytest.raises(Http404):
        away(county, m, today(), actor=county.users["zhibu2"])
    with pytest.raises(ValidationError, match="发放日期"):
        away(county, m, today(), card_number="X1")
    assert FloatingRecord.objects.count() == before
    r = away(county, m, today() - timedelta(days=3))
    with pytest.raises(ValidationError, match="已登记为外出"):
        away(county, m, today())
    with pytest.raises(Http404):
        services.add_floating_report(
            actor=county.users["zhibu2"], record=r, reported_on=today(), method="phone", content="x"
        )
    with pytest.raises(ValidationError, match="不能早于外出日期"):
        services.add_floating_report(
            actor=county.users["zhibu"],
            record=r,
            reported_on=today() - timedelta(days=4),
            method="phone",
            content="x",
        )
    assert r.reports.count() == 0
    services.end_floating(actor=county.users["zhibu"], record=r, on=today())
    r.refresh_from_db()
    assert r.status == FloatingStatus.RETURNED and r.ended_on == today()


def test_floating_contact_is_stored_encrypted_and_shown_masked(county):
    from datetime import date

    from dangjian.core.crypto import provider
    from dangjian.transfers import services as svc
    from dangjian.transfers.models import FloatingRecord

    record = svc.create_floating(
        actor=county.users["zhibu"],
        direction="out",
        org=county.branch_a1,
        member=county.members["a1"][1],
        place="广东省深圳市",
        host_name="暂未联系上党组织",
        started_on=date(2026, 3, 1),
        reason="外出务工",
        contact=" 13912345678 ",
    )
    stored = FloatingRecord.objects.get(pk=record.pk)
    assert "13912345678" not in stored.contact_enc
    assert provider().decrypt(stored.contact_enc) == "13912345678"
    assert stored.contact_masked == "139****5678"
