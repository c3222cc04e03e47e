"""届中 增补 and 任免: requested below, approved strictly above, posts changed within the term."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from support import member_in

from dangjian.core.calendar import add_years
from dangjian.elections import services
from dangjian.elections.models import Body, Office, PostChangeKind, RequestStatus
from dangjian.orgs.models import Post, PostKind
from dangjian.orgs.services import appoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def term(county):
    for _ in range(4):
        member_in(county.branch_a1)
    today = timezone.localdate()
    t = services.register_term(
        actor=county.users["gongwei"],
        org=county.branch_a1,
        started_on=add_years(today, -1),
        body=Body.BRANCH_COMMITTEE,
    )
    a, b = county.members["a1"][:2]
    appoint(
        actor=county.users["gongwei"],
        org=county.branch_a1,
        member=a,
        kind=PostKind.SECRETARY,
        term_start=t.started_on,
        term_end=t.due_on,
    )
    appoint(
        actor=county.users["gongwei"],
        org=county.branch_a1,
        member=b,
        kind=PostKind.MEMBER,
        term_start=t.started_on,
        term_end=t.due_on,
    )
    return t


def test_adding_a_member_mid_term_runs_to_the_terms_due_date(county, term):
    new = county.members["a1"][2]
    today = timezone.localdate()
    change = services.request_post_change(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        kind=PostChangeKind.APPOINT,
        office=Office.MEMBER,
        member=new,
        portfolio="propaganda",
        effective_on=today,
        reason="补选宣传委员",
    )
    own = services.request_post_change(
        actor=county.users["dangwei"],
        org=county.branch_a1,
        kind=PostChangeKind.REMOVE,
        office=Office.MEMBER,
        member=county.members["a1"][1],
        effective_on=today,
        reason="调离",
    )
    with pytest.raises(ValidationError, match="不能批复自己"):
        services.decide_post_change(actor=county.users["dangwei"], change=own, approve=True)
    services.decide_post_change(actor=county.users["dangwei"], change=change, approve=True)
    post = Post.objects.get(org=county.branch_a1, member=new, ended_on__isnull=True)
    assert (post.kind, post.portfolio, post.term_start, post.term_end) == (
        "member",
        "propaganda",
        today,
        term.due_on,
    )


def test_changing_the_secretary_ends_the_old_one_and_the_new_ones_member_post(county, term):
    a, b = county.members["a1"][:2]
    today = timezone.localdate()
    change = services.request_post_change(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        kind=PostChangeKind.APPOINT,
        office=Office.SECRETARY,
        member=b,
        effective_on=today,
        reason="原书记调离",
    )
    services.decide_post_change(actor=county.users["gongwei"], change=change, approve=True)
    current = {
        (p.member_id, p.kind)
        for p in Post.objects.filter(org=county.branch_a1, ended_on__isnull=True)
    }
    assert current == {(b.pk, "secretary")}
    assert Post.objects.get(member=a, org=county.branch_a1).ended_reason == "届中调整"


def test_removal_and_its_checks(county, term):
    a, b, c = county.members["a1"][:3]
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="无需免职"):
        services.request_post_change(
            actor=county.users["zhibu"],
            org=county.branch_a1,
            kind=PostChangeKind.REMOVE,
            office=Office.MEMBER,
            member=c,
            effective_on=today,
            reason="x",
        )
    with pytest.raises(ValidationError, match="本届任期内"):
        services.request_post_change(
            actor=county.users["zhibu"],
            org=county.branch_a1,
            kind=PostChangeKind.REMOVE,
            office=Office.MEMBER,
            member=b,
            effective_on=term.due_on,
            reason="x",
        )
    change = services.request_post_change(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        kind=PostChangeKind.REMOVE,
        office=Office.MEMBER,
        member=b,
        effective_on=term.due_on - timedelta(days=1),
        reason="受到处分",
    )
    with pytest.raises(ValidationError, match="待批复"):
        services.request_post_change(
            actor=county.users["zhibu"],
            org=county.branch_a1,
            kind=PostChangeKind.REMOVE,
            office=Office.MEMBER,
            member=b,
            effective_on=today,
            reason="x",
        )
    with pytest.raises(ValidationError, match="上级党组织批复"):
        services.decide_post_change(actor=county.users["zhibu"], change=change, approve=True)
    services.decide_post_change(
        actor=county.users["dangwei"], change=change, approve=False, note="情况不属实"
    )
    change.refresh_from_db()
    assert change.status == RequestStatus.REJECTED
    assert Post.objects.filter(member=b, ended_on__isnull=True).exists()


def test_probationary_member_cannot_be_added(county, term):
    p = member_in(county.branch_a1, category="probationary", confirmed_on=None)
    with pytest.raises(ValidationError, match="预备党员"):
        services.request_post_change(
            actor=county.users["zhibu"],
            org=county.branch_a1,
            kind=PostChangeKind.APPOINT,
            office=Office.MEMBER,
            member=p,
            effective_on=timezone.localdate(),
            reason="x",
        )


def test_no_term_no_change(county):
    with pytest.raises(ValidationError, match="还没有登记本届任期"):
        services.request_post_change(
            actor=county.users["zhibu"],
            org=county.branch_a1,
            kind=PostChangeKind.APPOINT,
            office=Office.MEMBER,
            member=county.members["a1"][0],
            effective_on=date(2026, 1, 1),
            reason="x",
        )
