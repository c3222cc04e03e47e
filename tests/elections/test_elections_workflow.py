"""换届 workflow end to end through the services: 请示 → 批复 → candidates → meeting → ballots →
count → 书记 → result 批复 → posts and terms updated in one transaction."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from support import member_in

from dangjian.core.calendar import add_years
from dangjian.core.strokes import stroke_key
from dangjian.elections import services
from dangjian.elections.models import (
    Body,
    Election,
    Office,
    Round,
    RoundKind,
    RoundStatus,
    Stage,
    Term,
)
from dangjian.orgs.models import Post, PostKind
from dangjian.orgs.services import appoint

pytestmark = pytest.mark.django_db


def _branch(county, extra=4):
    """branch_a1 with 8 正式党员, a 预备党员, a registered term and a sitting 书记."""
    for _ in range(extra):
        member_in(county.branch_a1)
    member_in(county.branch_a1, category="probationary", confirmed_on=None)
    gw = county.users["gongwei"]
    today = timezone.localdate()
    term = services.register_term(
        actor=gw, org=county.branch_a1, started_on=add_years(today, -3) + timedelta(days=20)
    )
    old = county.members["a1"][0]
    appoint(
        actor=gw,
        org=county.branch_a1,
        member=old,
        kind=PostKind.SECRETARY,
        term_start=term.started_on,
        term_end=term.due_on,
    )
    return term


def _voters(county):
    return list(services.voters(county.branch_a1))


def _planned(county, **kw):
    dangwei = county.users["dangwei"]
    args = {"plan": "按期换届", "seats": 3, "proposed_candidates": 4} | kw
    election = services.submit_plan(actor=dangwei, org=county.branch_a1, **args)
    services.decide_plan(actor=county.users["gongwei"], election=election, approve=True)
    election.refresh_from_db()
    return election


def test_plan_checks_the_slate_and_out_of_order_steps_name_the_step(county):
    term = _branch(county)
    dangwei = county.users["dangwei"]
    with pytest.raises(ValidationError, match="差额不足"):
        services.submit_plan(
            actor=dangwei, org=county.branch_a1, plan="x", seats=5, proposed_candidates=5
        )
    e = services.submit_plan(
        actor=dangwei, org=county.branch_a1, plan="x", seats=5, proposed_candidates=6
    )
    assert e.body == Body.BRANCH_COMMITTEE and e.old_term == term
    with pytest.raises(ValidationError, match="进行中的换届选举"):
        services.submit_plan(
            actor=dangwei, org=county.branch_a1, plan="x", seats=3, proposed_candidates=4
        )
    with pytest.raises(ValidationError, match="现在不能确定候选人名单.*等待上级党组织批复请示"):
        services.set_candidates(
            actor=dangwei, election=e, member_ids=[m.pk for m in _voters(county)[:6]]
        )
    with pytest.raises(ValidationError, match="不能批复自己"):
        services.decide_plan(actor=dangwei, election=e, approve=True)
    with pytest.raises(ValidationError, match="写明理由"):
        services.decide_plan(actor=county.users["gongwei"], election=e, approve=False)
    services.decide_plan(actor=county.users["gongwei"], election=e, approve=False, note="名额偏多")
    e.refresh_from_db()
    assert e.stage == Stage.RETURNED
    services.resubmit_plan(actor=dangwei, election=e, seats=3, proposed_candidates=4)
    e.refresh_from_db()
    assert e.stage == Stage.REQUESTED and e.seats == 3
    assert [ev.step for ev in e.events.all()] == ["plan", "plan_decision", "plan"]


def test_a_party_committee_cannot_approve_its_own_election(county):
    gongwei, dangwei = county.users["gongwei"], county.users["dangwei"]
    for _ in range(3):
        member_in(county.branch_a2)
    e = services.submit_plan(
        actor=gongwei, org=county.dangwei_a, plan="x", seats=5, proposed_candidates=6
    )
    with pytest.raises(ValidationError, match="上级党组织批复"):
        services.decide_plan(actor=dangwei, election=e, approve=True)
    with pytest.raises(Http404):
        services.decide_plan(actor=county.users["zhibu2"], election=e, approve=True)


def test_candidates_only_full_members_with_vote_in_stroke_order(county):
    _branch(county)
    e = _planned(county)
    dangwei = county.users["dangwei"]
    probationary = county.branch_a1.members.get(category="probationary")
    other = county.members["b1"][0]
    full = _voters(county)
    with pytest.raises(ValidationError, match="预备党员没有选举权"):
        services.set_candidates(
            actor=dangwei, election=e, member_ids=[m.pk for m in full[:3]] + [probationary.pk]
        )
    with pytest.raises(ValidationError, match="组织关系不在本组织"):
        services.set_candidates(
            actor=dangwei, election=e, member_ids=[m.pk for m in full[:3]] + [other.pk]
        )
    with pytest.raises(ValidationError, match=r"差额不足.*至少4名"):
        services.set_candidates(actor=dangwei, election=e, member_ids=[m.pk for m in full[:3]])
    chosen = list(reversed(full[:5]))
    rnd = services.set_candidates(actor=dangwei, election=e, member_ids=[m.pk for m in chosen])
    names = [c.member.name for c in rnd.candidates.select_related("member")]
    assert names == sorted(names, key=stroke_key)
    assert len(names) == 5


def _through_meeting(county, e, present=None, exclusions=None):
    dangwei = county.users["dangwei"]
    full = _voters(county)
    rnd = services.set_candidates(actor=dangwei, election=e, member_ids=[m.pk for m in full[:4]])
    n = len(full) - len(exclusions or {})
    return services.record_meeting(
        actor=dangwei,
        election=e,
        meeting_on=timezone.localdate(),
        present=n if present is None else present,
        exclusions=exclusions,
    ), rnd


def test_full_election_updates_posts_and_terms_in_one_step(county):
    old_term = _branch(county)
    e = _planned(county)
    dangwei, gongwei = county.users["dangwei"], county.users["gongwei"]
    full = _voters(county)
    excluded = full[-1]
    services.set_candidates(actor=dangwei, election=e, member_ids=[m.pk for m in full[:4]])
    with pytest.raises(ValidationError, match="写明原因"):
        services.record_meeting(
            actor=dangwei,
            election=e,
            meeting_on=timezone.localdate(),
            present=6,
            exclusions={excluded.pk: ""},
        )
    rnd, _ = _through_meeting(
        county, e, present=6, exclusions={excluded.pk: "出国（境）半年以上，经上级党组织同意"}
    )
    e.refresh_from_db()
    assert (e.voters_on_roll, e.electorate, e.present) == (8, 7, 6)
    cands = [c.member_id for c in rnd.candidates.all()]
    a, b, c, d = cands
    ballots = [
        [a, b, c],
        [a, b, c],
        [a, b, d],
        [a, b, c],
        [a, c, d],
        [a, b, c, d],
    ]  # last: over-vote
    for marks in ballots:
        services.enter_ballot(actor=dangwei, rnd=rnd, marks=marks)
    with pytest.raises(ValidationError, match="等于实到会人数"):
        services.enter_ballot(actor=dangwei, rnd=rnd, marks=[a])
    with pytest.raises(ValidationError, match="现在不能报送选举结果"):
        services.submit_result(actor=dangwei, election=e)
    services.count_round(actor=dangwei, rnd=rnd, ballots_issued=6, ballots_returned=6)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.COUNTED
    assert rnd.result["invalid_ballots"] == 1 and rnd.result["threshold"]["minimum_votes"] == 4
    # a: 5, b: 4, c: 4 (threshold: > half of 应到会 7 → 4) ; d: 2
    elected = {x.member_id for x in rnd.candidates.filter(elected=True)}
    assert elected == {a, b, c}
    e.refresh_from_db()
    assert e.stage == Stage.LEADERS
    leaders = e.rounds.get(office=Office.SECRETARY)
    assert leaders.electorate == 3
    with pytest.raises(ValidationError, match="从新当选的委员中选举"):
        services.prepare_round(
            actor=dangwei, rnd=leaders, member_ids=[d], held_on=timezone.localdate(), present=3
        )
    services.prepare_round(
        actor=dangwei, rnd=leaders, member_ids=[b], held_on=timezone.localdate(), present=3
    )
    services.count_round(
        actor=dangwei,
        rnd=leaders,
        ballots_issued=3,
        ballots_returned=3,
        totals={b: 3},
        invalid_count=0,
    )
    e.refresh_from_db()
    assert e.stage == Stage.RESULT_READY
    services.set_portfolios(
        actor=dangwei, election=e, portfolios={a: "organisation", c: "propaganda"}
    )
    services.submit_result(actor=dangwei, election=e)
    with pytest.raises(ValidationError, match="不能批复自己"):
        services.decide_result(actor=dangwei, election=e, approve=True)
    services.decide_result(actor=gongwei, election=e, approve=True)
    e.refresh_from_db()
    assert e.stage == Stage.COMPLETED
    old_term.refresh_from_db()
    assert old_term.ended_on == timezone.localdate()
    new = Term.objects.get(org=county.branch_a1, ended_on__isnull=True)
    assert new.opened_by == e and new.due_on == add_years(timezone.localdate(), 3)
    current = {
        (p.member_id, p.kind, p.portfolio)
        for p in Post.objects.filter(org=county.branch_a1, ended_on__isnull=True)
    }
    assert current == {
        (b, "secretary", ""),
        (a, "member", "organisation"),
        (c, "member", "propaganda"),
    }
    # The outgoing secretary's post ends (they may be elected again: names, and so the stroke
    # order of candidates, depend on which tests ran before).
    ended = Post.objects.get(
        org=county.branch_a1,
        member=county.members["a1"][0],
        kind="secretary",
        ended_on__isnull=False,
    )
    assert ended.ended_reason == "换届" and all(
        p.term_end == new.due_on
        for p in Post.objects.filter(org=county.branch_a1, ended_on__isnull=True)
    )


def test_tie_at_the_last_seat_makes_a_revote_round(county):
    _branch(county)
    e = _planned(county)
    dangwei = county.users["dangwei"]
    rnd, _ = _through_meeting(county, e)  # 8 present of 8
    a, b, c, d = [x.member_id for x in rnd.candidates.all()]
    services.count_round(
        actor=dangwei,
        rnd=rnd,
        ballots_issued=8,
        ballots_returned=8,
        totals={a: 7, b: 7, c: 5, d: 5},
        invalid_count=0,
    )
    revote = e.rounds.get(number=2)
    assert revote.kind == RoundKind.REVOTE and revote.seats == 1
    assert {x.member_id for x in revote.candidates.all()} == {c, d}
    with pytest.raises(ValidationError, match="不能更改"):
        services.prepare_round(actor=dangwei, rnd=revote, member_ids=[a])
    services.count_round(
        actor=dangwei, rnd=revote, ballots_issued=8, ballots_returned=8, totals={c: 5, d: 3}
    )
    e.refresh_from_db()
    assert e.stage == Stage.LEADERS
    assert {x.member_id for x in services.elected_members(e, Office.MEMBER)} == {a, b, c}


def test_unfilled_seat_makes_an_additional_round(county):
    _branch(county)
    e = _planned(county)
    dangwei = county.users["dangwei"]
    rnd, _ = _through_meeting(county, e)
    a, b, c, d = [x.member_id for x in rnd.candidates.all()]
    services.count_round(
        actor=dangwei,
        rnd=rnd,
        ballots_issued=8,
        ballots_returned=8,
        totals={a: 8, b: 7, c: 4, d: 3},
    )
    extra = e.rounds.get(number=2)
    assert extra.kind == RoundKind.ADDITIONAL and extra.seats == 1 and not extra.candidates.exists()
    with pytest.raises(ValidationError, match="请先确定这一轮的候选人"):
        services.count_round(
            actor=dangwei, rnd=extra, ballots_issued=8, ballots_returned=8, totals={}
        )
    with pytest.raises(ValidationError, match="已经当选"):
        services.prepare_round(actor=dangwei, rnd=extra, member_ids=[a, c])
    services.prepare_round(actor=dangwei, rnd=extra, member_ids=[c, d])
    services.count_round(
        actor=dangwei, rnd=extra, ballots_issued=8, ballots_returned=8, totals={c: 5, d: 3}
    )
    assert {x.member_id for x in services.elected_members(e, Office.MEMBER)} == {a, b, c}


def test_quorum_not_met_and_void_need_the_meeting_again(county):
    _branch(county)
    e = _planned(county)
    dangwei = county.users["dangwei"]
    rnd, _ = _through_meeting(county, e, present=6)  # 6 of 8: 4/5 of 8 = 6.4, at least 7
    a = rnd.candidates.first().member_id
    services.count_round(
        actor=dangwei, rnd=rnd, ballots_issued=6, ballots_returned=6, totals={a: 6}
    )
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.QUORUM_NOT_MET
    second = services.record_meeting(
        actor=dangwei, election=e, meeting_on=timezone.localdate(), present=7
    )
    assert second.number == 2 and second.candidates.count() == 4
    services.count_round(
        actor=dangwei, rnd=second, ballots_issued=7, ballots_returned=8, totals={a: 7}
    )
    second.refresh_from_db()
    assert second.status == RoundStatus.VOID
    e.refresh_from_db()
    assert e.stage == Stage.VOTING
    third = services.record_meeting(
        actor=dangwei, election=e, meeting_on=timezone.localdate(), present=7
    )
    with pytest.raises(ValidationError, match="选举大会已经登记"):
        services.record_meeting(
            actor=dangwei, election=e, meeting_on=timezone.localdate(), present=7
        )
    assert third.number == 3 and Round.objects.filter(election=e).count() == 3


def test_cancelled_ballot_is_kept_and_not_counted(county):
    _branch(county)
    e = _planned(county)
    dangwei = county.users["dangwei"]
    rnd, _ = _through_meeting(county, e, present=7)
    ids = [x.member_id for x in rnd.candidates.all()]
    wrong = services.enter_ballot(actor=dangwei, rnd=rnd, marks=ids)
    services.cancel_ballot(actor=dangwei, ballot=wrong)
    for _ in range(7):
        services.enter_ballot(actor=dangwei, rnd=rnd, marks=ids[:3])
    services.count_round(actor=dangwei, rnd=rnd, ballots_issued=7, ballots_returned=7)
    rnd.refresh_from_db()
    assert rnd.result["invalid_ballots"] == 0 and rnd.ballots.count() == 8


def test_meeting_day_rules_and_scope(county):
    _branch(county)
    e = _planned(county)
    with pytest.raises(Http404):
        services.set_candidates(actor=county.users["zhibu2"], election=e, member_ids=[])
    services.set_candidates(
        actor=county.users["zhibu"], election=e, member_ids=[m.pk for m in _voters(county)[:4]]
    )
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.record_meeting(
            actor=county.users["zhibu"],
            election=e,
            meeting_on=date.today() + timedelta(days=3),
            present=7,
        )
    with pytest.raises(ValidationError, match="不能多于应到会"):
        services.record_meeting(
            actor=county.users["zhibu"], election=e, meeting_on=timezone.localdate(), present=9
        )


def test_the_count_uses_the_rule_version_in_force_on_the_meeting_day(county):
    from dangjian.core.rulesets import add_ruleset

    _branch(county)
    today = timezone.localdate()
    add_ruleset(
        actor=county.users["gongwei"], domain_key="elections", name="按实到会计算（测试）",
        effective_from=today, values={"threshold_base": "present"},
    )  # fmt: skip
    dangwei = county.users["dangwei"]
    results = {}
    for day in (today - timedelta(days=1), today):
        e = _planned(county)
        rnd = services.set_candidates(
            actor=dangwei, election=e, member_ids=[m.pk for m in _voters(county)[:4]]
        )
        rnd = services.record_meeting(actor=dangwei, election=e, meeting_on=day, present=7)
        services.count_round(
            actor=dangwei, rnd=rnd, ballots_issued=7, ballots_returned=7, totals={}
        )
        rnd.refresh_from_db()
        results[day] = (
            rnd.result["threshold"]["base"],
            rnd.result["threshold"]["base_count"],
            rnd.rule_version,
        )
        Election.objects.filter(pk=e.pk).update(stage=Stage.COMPLETED)
    assert results[today - timedelta(days=1)][:2] == ("electorate", 8)
    assert results[today] == ("present", 7, "按实到会计算（测试）")
