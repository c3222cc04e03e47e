"""The demo county's 组织生活: a year of meetings, some branches short, 民主评议 and the lapse list."""

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.demo.builder import build_demo
from dangjian.life import selectors
from dangjian.life.models import Appraisal, AppraisalEntry, Attendance, Meeting
from dangjian.members.lapse import possible_lapses
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType, Post, PostKind


@pytest.fixture(scope="class")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(members_target=300)
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db):
    return built


class TestLifeDemo:
    def test_a_year_of_meetings_with_attendance_from_each_roster(self, demo):
        today = timezone.localdate()
        branches = Organization.objects.filter(org_type__in=BRANCH_TYPES, status="active")
        with_meetings = set(Meeting.objects.values_list("org_id", flat=True))
        assert with_meetings and with_meetings <= set(branches.values_list("pk", flat=True))
        assert Meeting.objects.filter(held_on__gt=today).count() == 0
        first = Meeting.objects.order_by("held_on").first().held_on
        assert (today - first).days <= 366 and (today - first).days >= 300
        # attendance only from the meeting's own branch; a few absent with a reason or excused
        assert not Attendance.objects.exclude(member__org_id=F("meeting__org_id")).exists()
        assert Attendance.objects.filter(status="absent", reason="").count() == 0
        assert Attendance.objects.filter(status="excused").exists()
        assert Attendance.objects.filter(status="absent").exists()

    def test_some_branches_fall_short(self, demo):
        gw = User.objects.get(username="gongwei")
        today = timezone.localdate()
        rows = selectors.compliance(gw, year=today.year, today=today)
        assert rows
        past_month_gaps = [
            r.org.pk
            for r in rows
            for k in r.kinds
            if k.kind in ("committee", "branch_assembly")
            for p in k.missing
            if p.end < today.replace(day=1)
        ]
        assert past_month_gaps, "no branch misses a past 支委会 or 党员大会"
        assert len(set(past_month_gaps)) < len(rows), "every branch falls short"

    def test_committee_secretaries_give_lectures(self, demo):
        secretaries = Post.objects.filter(
            org__org_type=OrgType.PARTY_COMMITTEE, kind=PostKind.SECRETARY, ended_on__isnull=True
        ).values_list("member_id", flat=True)
        assert Meeting.objects.filter(kind="lecture", chair_id__in=list(secretaries)).exists()

    def test_last_years_appraisal_with_follow_ups(self, demo):
        today = timezone.localdate()
        if today.month == 1 and today.day <= 20:
            pytest.skip("the demo records last year's 民主评议 on 20 January")
        assert Appraisal.objects.filter(year=today.year - 1).exists()
        assert not Appraisal.objects.filter(meeting__isnull=True).exists()
        needs = AppraisalEntry.objects.filter(result__in=("basic", "unqualified"))
        assert needs.exists()
        for e in needs:
            if e.decision == "rectify":
                assert e.deadline and e.help_measure
            else:
                assert e.result == "unqualified" and e.decision == "persuade"
        assert AppraisalEntry.objects.filter(result="excellent").exists()

    def test_some_members_show_on_the_possible_lapse_list(self, demo):
        gw = User.objects.get(username="gongwei")
        rows = possible_lapses(gw, today=timezone.localdate())
        assert rows, "nobody on the 可能自行脱党 list"
        life = [f for r in rows for f in r.facts if f.source.key == "life"]
        assert life and all(f.months >= 6 for f in life)

    def test_floating_members_attend_their_host_branch_as_guests(self, demo):
        from dangjian.life.models import GuestAttendance
        from dangjian.transfers.models import FloatingRecord

        guests = list(GuestAttendance.objects.select_related("meeting", "floating"))
        assert guests, "the demo has hosted floating members, who come to some meetings"
        for g in guests:
            r = g.floating
            assert g.meeting.org_id == (r.org_id if r.direction == "in" else r.host_org_id)
            assert r.started_on <= g.meeting.held_on
            assert r.ended_on is None or g.meeting.held_on <= r.ended_on
            assert g.meeting.kind != "committee"
        # at home, a member away is excused with the reason, never counted present
        away = FloatingRecord.objects.filter(direction="out", member__isnull=False)
        for r in away:
            at_home = Attendance.objects.filter(
                member=r.member, meeting__held_on__gte=r.started_on
            ).exclude(meeting__kind="committee")
            if r.ended_on:
                at_home = at_home.filter(meeting__held_on__lte=r.ended_on)
            assert not at_home.filter(status="present").exists()
