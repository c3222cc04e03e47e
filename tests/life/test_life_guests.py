"""流动党员 as guests (列席) of the branch hosting them (RULES.md 3.6): offered on the attendance form,
kept out of 应到/实到 and the 支委会 quorum, counted as 参加组织生活 for the lapse source; the home
branch sees "在流入地参加"."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.life import selectors, services
from dangjian.life.models import Attendance, GuestAttendance, Meeting
from dangjian.members.lapse import lapse_sources
from dangjian.orgs.models import PostKind
from dangjian.orgs.services import appoint
from dangjian.transfers import services as transfers

pytestmark = pytest.mark.django_db


def _away(county, member=None, *, started_on=date(2025, 1, 10), card="LD2025001"):
    """A member of branch a2 away (外出) and hosted by branch a1 (both in 教育局党委)."""
    return transfers.create_floating(
        actor=county.users["dangwei"],
        direction="out",
        org=county.branch_a2,
        member=member or county.members["a2"][0],
        host_org=county.branch_a1,
        place="示范县城关",
        started_on=started_on,
        reason="借调",
        card_number=card,
        card_issued_on=started_on if card else None,
    )


def _inflow(county, *, started_on=date(2025, 2, 1), name="外来甲"):
    """A 流入 guest from outside our tree at branch a1."""
    return transfers.create_floating(
        actor=county.users["zhibu"],
        direction="in",
        org=county.branch_a1,
        person_name=name,
        home_name="外省某县某党支部",
        place="示范县",
        started_on=started_on,
        reason="务工",
    )


def _record(county, *, org=None, key="a1", held_on=date(2025, 3, 31), kind="theme_day", **kw):
    attendance = kw.pop("attendance", None)
    return services.record_meeting(
        actor=county.users[kw.pop("user", "zhibu")],
        org=org or county.branch_a1,
        kind=kind,
        held_on=held_on,
        topic="主题党日",
        attendance=attendance
        if attendance is not None
        else {m.pk: ("present", "") for m in county.members[key]},
        **kw,
    )


def test_guests_offered_are_inflow_and_hosted_members_not_own_members(county):
    away = _away(county)
    inflow = _inflow(county)
    offered = services.guest_records(county.branch_a1)
    assert [r.pk for r in offered] == [away.pk, inflow.pk]
    # the home branch does not see its own member as its guest
    assert services.guest_records(county.branch_a2) == []
    assert set(services.away_records(county.branch_a2)) == {county.members["a2"][0].pk}


def test_ended_record_is_no_longer_offered(county):
    away = _away(county)
    transfers.end_floating(actor=county.users["dangwei"], record=away, on=date(2025, 4, 30))
    assert services.guest_records(county.branch_a1) == []
    # but on a day it still covered, it was a guest there
    assert [r.pk for r in services.guest_records(county.branch_a1, on=date(2025, 4, 30))] == [
        away.pk
    ]
    assert services.guest_records(county.branch_a1, on=date(2025, 5, 1)) == []


@pytest.mark.parametrize(
    ("held_on", "accepted"),
    [
        (date(2025, 1, 9), False),  # the day before the record starts
        (date(2025, 1, 10), True),  # the day it starts
        (date(2025, 4, 30), True),  # the day it ends
        (date(2025, 5, 1), False),  # the day after it ends
    ],
)
def test_guest_only_while_the_record_covers_the_meeting_day(county, held_on, accepted):
    away = _away(county)
    transfers.end_floating(actor=county.users["dangwei"], record=away, on=date(2025, 4, 30))
    if accepted:
        meeting = _record(county, held_on=held_on, guests=[away.pk])
        assert list(meeting.guests.values_list("floating_id", flat=True)) == [away.pk]
    else:
        with pytest.raises(ValidationError) as exc:
            _record(county, held_on=held_on, guests=[away.pk])
        assert "流动记录已结束" in " ".join(exc.value.messages)
        assert not Meeting.objects.exists() and not GuestAttendance.objects.exists()


def test_guest_of_another_branch_is_refused(county):
    inflow = _inflow(county)
    with pytest.raises(ValidationError):
        _record(county, org=county.branch_a2, key="a2", user="dangwei", guests=[inflow.pk])
    assert not Meeting.objects.exists()


def test_guest_attendance_is_kept_apart_from_the_roster_counts(county):
    away, inflow = _away(county), _inflow(county)
    meeting = _record(county, guests=[away.pk, inflow.pk])
    assert meeting.attendance.count() == len(county.members["a1"])
    guests = {g.person_name: g.member_id for g in meeting.guests.all()}
    assert guests == {away.person_name: county.members["a2"][0].pk, "外来甲": None}
    # a guest is not on the branch's attendance list (no 应到/实到, no vote)
    assert not Attendance.objects.filter(member=county.members["a2"][0]).exists()


def test_a_hosted_member_cannot_be_entered_as_branch_attendance(county):
    _away(county)
    guest = county.members["a2"][0]
    with pytest.raises(ValidationError) as exc:
        _record(
            county,
            attendance={guest.pk: ("present", ""), county.members["a1"][0].pk: ("present", "")},
        )
    assert "名单之外" in " ".join(exc.value.messages)


def _committee(county):
    for i, m in enumerate(county.members["a1"][:3]):
        appoint(
            actor=county.users["gongwei"],
            org=county.branch_a1,
            member=m,
            kind=PostKind.SECRETARY if i == 0 else PostKind.MEMBER,
            term_start=date(2024, 1, 1),
        )
    return county.members["a1"][:3]


def test_guests_do_not_make_up_the_committee_quorum(county):
    committee = _committee(county)
    away, inflow = _away(county), _inflow(county)
    one_of_three = {
        m.pk: ("present" if i == 0 else "excused", "" if i == 0 else "出差")
        for i, m in enumerate(committee)
    }
    with pytest.raises(ValidationError) as exc:
        _record(county, kind="committee", attendance=one_of_three, guests=[away.pk, inflow.pk])
    assert "半数" in " ".join(exc.value.messages)
    assert not Meeting.objects.exists()
    two_of_three = {
        m.pk: ("present" if i < 2 else "excused", "" if i < 2 else "出差")
        for i, m in enumerate(committee)
    }
    meeting = _record(county, kind="committee", attendance=two_of_three, guests=[away.pk])
    assert meeting.guests.count() == 1


def test_guest_attendance_counts_as_organisational_life_for_the_lapse_source(county):
    away_member, stay_home = county.members["a2"][:2]
    away = _away(county, away_member)
    # at home both attended in January
    _record(
        county,
        org=county.branch_a2,
        key="a2",
        user="dangwei",
        held_on=date(2025, 1, 5),
        attendance={m.pk: ("present", "") for m in county.members["a2"]},
    )
    source = next(s for s in lapse_sources() if s.key == "life")
    assert source.last_dates([away_member.pk, stay_home.pk]) == {
        away_member.pk: date(2025, 1, 5),
        stay_home.pk: date(2025, 1, 5),
    }
    # away, the member attends the host branch's meeting as a guest: that is organisational life
    _record(county, held_on=date(2025, 3, 31), guests=[away.pk])
    assert source.last_dates([away_member.pk, stay_home.pk]) == {
        away_member.pk: date(2025, 3, 31),
        stay_home.pk: date(2025, 1, 5),
    }
    # a later meeting at home wins over an earlier guest attendance
    _record(
        county,
        org=county.branch_a2,
        key="a2",
        user="dangwei",
        held_on=date(2025, 4, 2),
        attendance={away_member.pk: ("present", "")},
    )
    assert selectors.last_attended([away_member.pk])[away_member.pk] == date(2025, 4, 2)


def test_inflow_guest_from_outside_counts_for_nobody_of_ours(county):
    inflow = _inflow(county)
    _record(county, guests=[inflow.pk])
    ids = [m.pk for ms in county.members.values() for m in ms]
    assert not (set(selectors.last_attended(ids)) - {m.pk for m in county.members["a1"]})


def test_new_page_offers_guests_and_marks_away_members(county, login):
    _away(county)
    _inflow(county)
    c = login(county.users["dangwei"])
    html = c.get(reverse("life:new") + f"?org={county.branch_a1.pk}").content.decode()
    assert "流入党员（列席）" in html and "外来甲" in html and "LD2025001" in html
    assert "未登记活动证" in html  # the 流入 guest has no card number on record
    assert county.members["a2"][0].name in html
    # at home, the away member is marked and defaults to 请假 with the reason filled in
    html = c.get(reverse("life:new") + f"?org={county.branch_a2.pk}").content.decode()
    away_id = county.members["a2"][0].pk
    assert f'name="status_{away_id}" value="excused" checked' in html
    assert "外出流动：在教育局机关第一党支部参加组织生活" in html
    other = county.members["a2"][1].pk
    assert f'name="status_{other}" value="present" checked' in html


def test_new_page_records_guests_ticked(county, login):
    away, inflow = _away(county), _inflow(county)
    c = login(county.users["zhibu"])
    data = {
        "org": county.branch_a1.pk,
        "kind": "theme_day",
        "held_on": "2025-03-31",
        "topic": "主题党日",
        **{f"status_{m.pk}": "present" for m in county.members["a1"]},
        "guest": [str(inflow.pk)],
    }
    r = c.post(reverse("life:new") + f"?org={county.branch_a1.pk}", data)
    meeting = Meeting.objects.get()
    assert r.status_code == 302
    assert list(meeting.guests.values_list("floating_id", flat=True)) == [inflow.pk]
    html = c.get(r.url).content.decode()
    assert "出席4人，缺席0人，请假0人；另有流入党员列席1人" in html
    assert "外来甲" in html and away.person_name not in html.split('id="guests"')[1]


def test_home_meeting_page_shows_attended_at_the_host(county, login):
    away = _away(county)
    member = county.members["a2"][0]
    _record(county, held_on=date(2025, 3, 12), guests=[away.pk])
    home = _record(
        county,
        org=county.branch_a2,
        key="a2",
        user="dangwei",
        held_on=date(2025, 3, 28),
        attendance={
            m.pk: ("excused", "外出流动") if m == member else ("present", "")
            for m in county.members["a2"]
        },
    )
    c = login(county.users["dangwei"])
    html = c.get(reverse("life:detail", args=[home.pk])).content.decode()
    assert "外出流动（流入地：教育局机关第一党支部）" in html
    assert "在流入地参加" in html and "3月12日" in html
    # a month without a host meeting shows the absence, not a host attendance
    april = _record(
        county,
        org=county.branch_a2,
        key="a2",
        user="dangwei",
        held_on=date(2025, 4, 28),
        attendance={m.pk: ("excused", "外出") for m in county.members["a2"]},
    )
    html = c.get(reverse("life:detail", args=[april.pk])).content.decode()
    assert "外出流动（流入地" in html and "在流入地参加" not in html


def test_export_and_api_count_guests_apart(county, login):
    from io import BytesIO

    from python_calamine import CalamineWorkbook

    away, inflow = _away(county), _inflow(county)
    _record(county, guests=[away.pk, inflow.pk])
    c = login(county.users["zhibu"])
    r = c.get(reverse("life:export_meetings") + f"?org={county.branch_a1.pk}&year=2025")
    book = CalamineWorkbook.from_filelike(BytesIO(b"".join(r.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "流入党员列席"
    assert rows[1][6:] == [4, 4, 0, 0, 2]  # 应到 4, 出席 4: the 2 guests are counted apart
    body = c.get("/api/life/meetings", {"year": 2025}).json()
    assert (body["items"][0]["attendance_total"], body["items"][0]["guests"]) == (4, 2)
