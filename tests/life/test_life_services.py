"""组织生活 services and selectors: frequency compliance, 支委会 quorum, roster, dates, lapse source."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from support import member_in

from dangjian.life import selectors, services
from dangjian.life.models import Attendance, Meeting
from dangjian.members.lapse import lapse_sources
from dangjian.orgs.models import Post, PostKind

pytestmark = pytest.mark.django_db


def _all_present(members):
    return {m.pk: ("present", "") for m in members}


def _record(
    county,
    *,
    kind="branch_assembly",
    held_on=date(2025, 3, 31),
    attendance=None,
    user="zhibu",
    org=None,
):
    org = org or county.branch_a1
    return services.record_meeting(
        actor=county.users[user],
        org=org,
        kind=kind,
        held_on=held_on,
        topic="学习党章",
        attendance=attendance if attendance is not None else _all_present(county.members["a1"]),
    )


def _row(rows, org, kind):
    row = next(r for r in rows if r.org.pk == org.pk)
    return next(k for k in row.kinds if k.kind == kind)


def test_meeting_on_last_day_of_quarter_counts_for_that_quarter(county):
    _record(county, held_on=date(2025, 3, 31))
    rows = selectors.compliance(county.users["zhibu"], year=2025, today=date(2025, 12, 31))
    k = _row(rows, county.branch_a1, "branch_assembly")
    assert [p.label for p in k.missing] == ["2025年第2季度", "2025年第3季度", "2025年第4季度"]
    assert (k.required, k.held) == (4, 1)


def test_meeting_on_first_day_of_next_quarter_does_not_count_for_the_previous(county):
    _record(county, held_on=date(2025, 4, 1))
    rows = selectors.compliance(county.users["zhibu"], year=2025, today=date(2025, 12, 31))
    k = _row(rows, county.branch_a1, "branch_assembly")
    assert [p.label for p in k.missing] == ["2025年第1季度", "2025年第3季度", "2025年第4季度"]


def test_monthly_and_yearly_periods_only_up_to_today(county):
    _record(county, kind="theme_day", held_on=date(2025, 1, 31))
    _record(county, kind="theme_day", held_on=date(2025, 3, 1))
    rows = selectors.compliance(county.users["zhibu"], year=2025, today=date(2025, 3, 15))
    k = _row(rows, county.branch_a1, "theme_day")
    assert (k.required, k.held) == (3, 2)
    assert [p.label for p in k.missing] == ["2025年2月"]
    year = _row(rows, county.branch_a1, "life_meeting")
    assert (year.required, year.held) == (1, 0)
    lecture = _row(rows, county.branch_a1, "lecture")
    assert lecture.per_period == 1 and "各地" in lecture.source


def test_compliance_lists_only_branches_in_scope(county):
    rows = selectors.compliance(county.users["zhibu"], year=2025, today=date(2025, 12, 31))
    assert [r.org.pk for r in rows] == [county.branch_a1.pk]
    rows = selectors.compliance(county.users["dangwei"], year=2025, today=date(2025, 12, 31))
    assert {r.org.pk for r in rows} == {county.branch_a1.pk, county.branch_a2.pk}
    rows = selectors.compliance(
        county.users["gongwei"], root=county.dangwei_b, year=2025, today=date(2025, 12, 31)
    )
    assert [r.org.pk for r in rows] == [county.branch_b1.pk]
    assert selectors.compliance(county.users["zhibu"], root=county.branch_b1, year=2025) == []


def _committee(county, n):
    extra = [member_in(county.branch_a1) for _ in range(max(0, n - len(county.members["a1"])))]
    roster = county.members["a1"] + extra
    gw = county.users["gongwei"]
    from dangjian.orgs.services import appoint

    for i, m in enumerate(roster[:n]):
        appoint(
            actor=gw,
            org=county.branch_a1,
            member=m,
            kind=PostKind.SECRETARY if i == 0 else PostKind.MEMBER,
            term_start=date(2024, 1, 1),
        )
    return roster


@pytest.mark.parametrize(("size", "refused", "accepted"), [(3, 1, 2), (4, 2, 3)])
def test_committee_quorum_is_more_than_half(county, size, refused, accepted):
    roster = _committee(county, size)
    committee = roster[:size]

    def attendance(present):
        return {
            m.pk: ("present" if i < present else "excused", "" if i < present else "出差")
            for i, m in enumerate(committee)
        }

    with pytest.raises(ValidationError) as exc:
        _record(county, kind="committee", held_on=date(2025, 5, 6), attendance=attendance(refused))
    text = " ".join(exc.value.messages)
    assert "半数" in text and "支部工作条例" in text
    assert not Meeting.objects.exists() and not Attendance.objects.exists()
    meeting = _record(
        county, kind="committee", held_on=date(2025, 5, 6), attendance=attendance(accepted)
    )
    assert meeting.attendance.filter(status="present").count() == accepted


def test_committee_quorum_counts_only_posts_in_force(county):
    roster = _committee(county, 3)
    Post.objects.filter(member=roster[2]).update(ended_on=date(2024, 6, 1))  # 2 委员 now
    with pytest.raises(ValidationError):
        _record(
            county,
            kind="committee",
            attendance={roster[0].pk: ("present", ""), roster[2].pk: ("present", "")},
        )
    _record(
        county,
        kind="committee",
        attendance={roster[0].pk: ("present", ""), roster[1].pk: ("present", "")},
    )


def test_committee_without_posts_is_refused(county):
    with pytest.raises(ValidationError) as exc:
        _record(county, kind="committee")
    assert "委员" in " ".join(exc.value.messages)


def test_attendance_outside_roster_refused(county):
    other = county.members["b1"][0]
    with pytest.raises(ValidationError) as exc:
        _record(county, attendance=_all_present(county.members["a1"]) | {other.pk: ("present", "")})
    assert "名单之外" in " ".join(exc.value.messages)
    assert not Meeting.objects.exists()


def test_member_not_in_good_standing_refused(county):
    m = county.members["a1"][1]
    m.status = "suspended"
    m.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        _record(county, attendance={m.pk: ("present", "")})


def test_absent_needs_a_reason_and_status_must_be_known(county):
    m = county.members["a1"][0]
    with pytest.raises(ValidationError):
        _record(county, attendance={m.pk: ("absent", "")})
    with pytest.raises(ValidationError):
        _record(county, attendance={m.pk: ("maybe", "")})
    meeting = _record(county, attendance={m.pk: ("absent", "外出培训")})
    assert meeting.attendance.get().reason == "外出培训"


def test_future_date_refused_today_accepted(county):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        _record(county, held_on=today + timedelta(days=1))
    assert "晚于今天" in " ".join(exc.value.messages)
    assert _record(county, held_on=today).held_on == today


def test_out_of_scope_is_404_and_member_role_cannot_record(county):
    with pytest.raises(Http404):
        _record(county, user="zhibu2")
    with pytest.raises(Http404):
        _record(county, user="dangyuan")
    meeting = _record(county, user="dangwei")
    assert meeting.org_path == county.branch_a1.path


def test_correct_meeting_replaces_fields_and_attendance(county):
    meeting = _record(county)
    a, b = county.members["a1"][:2]
    services.correct_meeting(
        actor=county.users["zhibu"],
        meeting=meeting,
        reason="主题记错了",
        topic="学习新党章",
        attendance={a.pk: ("present", ""), b.pk: ("excused", "病假")},
    )
    meeting.refresh_from_db()
    assert meeting.topic == "学习新党章"
    assert dict(meeting.attendance.values_list("member_id", "status")) == {
        a.pk: "present",
        b.pk: "excused",
    }
    with pytest.raises(Http404):
        services.correct_meeting(
            actor=county.users["zhibu2"], meeting=meeting, reason="x", topic="x"
        )


def test_lapse_source_gives_latest_present_date(county):
    a, b, c = county.members["a1"][:3]
    _record(
        county, held_on=date(2025, 3, 1), attendance={a.pk: ("present", ""), b.pk: ("present", "")}
    )
    _record(
        county,
        held_on=date(2025, 6, 1),
        attendance={a.pk: ("present", ""), b.pk: ("excused", "病假")},
    )
    source = next(s for s in lapse_sources() if s.key == "life")
    assert source.label == "参加组织生活" and source.absent_is_unknown
    assert source.last_dates([a.pk, b.pk, c.pk]) == {a.pk: date(2025, 6, 1), b.pk: date(2025, 3, 1)}
