"""Demo terms and elections for the demo county (LIFECYCLE_DEMOS), after its posts exist.

* a term for every active 党委/总支/支部, dated from its sitting team's posts (one bulk insert);
* the demo 党委 (the `dangwei` account's) has its term ending within two months and a pending
  request to postpone the 换届 by six months, waiting for the 工委;
* at least one branch is overdue;
* one branch under the demo 党委 completed its 换届 earlier this year through every step of the
  services (请示, 批复, candidates, meeting, count, 书记, result 批复 — posts updated);
* the demo branch (the `zhibu` account's) has its 换届请示 waiting for the 党委's 批复.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import Min

from dangjian.accounts.models import Grant
from dangjian.core.calendar import add_years
from dangjian.elections import services
from dangjian.elections.count import candidate_count_required
from dangjian.elections.models import Body, Office, Term
from dangjian.orgs.models import Organization, OrgStatus, Post, PostKind


def _grant(username: str) -> Grant | None:
    return Grant.objects.filter(user__username=username).select_related("user", "org").first()


def _terms(today: date) -> list[Term]:
    orgs = list(
        Organization.objects.filter(
            org_type__in=services.ELECTING_TYPES, status=OrgStatus.ACTIVE
        ).order_by("path")
    )
    starts = dict(
        Post.objects.filter(ended_on__isnull=True)
        .values("org_id")
        .annotate(start=Min("term_start"))
        .values_list("org_id", "start")
    )
    committees = set(
        Post.objects.filter(ended_on__isnull=True, kind=PostKind.MEMBER).values_list(
            "org_id", flat=True
        )
    )
    rows = []
    for org in orgs:
        start = starts.get(org.pk) or org.founded_on or add_years(today, -1)
        start = min(start, today)
        years, rules, key = services.term_length(org, start)
        if not org.is_branch:
            body = Body.COMMITTEE
        else:
            body = Body.BRANCH_COMMITTEE if org.pk in committees else Body.SECRETARY
        due = add_years(start, years)
        rows.append(
            Term(
                org=org,
                org_path=org.path,
                body=body,
                started_on=start,
                length_years=years,
                due_on=due,
                original_due_on=due,
                rule_version=rules.cite(key)[:200],
            )
        )
    return Term.objects.bulk_create(rows, batch_size=500)


def _retime(term: Term, due: date) -> None:
    term.started_on = add_years(due, -term.length_years)
    term.due_on = term.original_due_on = due
    term.save(update_fields=["started_on", "due_on", "original_due_on"])


def _completed_election(branch: Organization, requester, approver, rng, today: date) -> bool:
    term = services.open_term_of(branch)
    voters = list(services.voters(branch))
    seats = 1 if term.body == Body.SECRETARY else (5 if len(voters) >= 12 else 3)
    need = candidate_count_required(seats, 20)
    if len(voters) < need + 1:
        return False
    meeting_on = max(date(today.year, 1, 1), today - timedelta(days=rng.randint(60, 120)))
    if meeting_on <= term.started_on:
        return False
    election = services.submit_plan(
        actor=requester,
        org=branch,
        plan="本届任期届满，按期换届。召开支部党员大会，差额选举产生新一届支部委员会。",
        seats=seats,
        proposed_candidates=need,
    )
    services.decide_plan(actor=approver, election=election, approve=True, note="同意。")
    chosen = rng.sample(voters, need)
    rnd = services.set_candidates(
        actor=requester, election=election, member_ids=[m.pk for m in chosen]
    )
    present = len(voters) - (1 if len(voters) > 8 else 0)
    exclusions = {voters[-1].pk: "因病长期住院，经上级党组织同意"} if len(voters) > 8 else {}
    electorate = len(voters) - len(exclusions)
    present = electorate if electorate < 10 else electorate - 1
    rnd = services.record_meeting(
        actor=requester,
        election=election,
        meeting_on=meeting_on,
        present=present,
        exclusions=exclusions,
    )
    ids = [c.member_id for c in rnd.candidates.order_by("position")]
    winners = rng.sample(ids, seats)
    floor = electorate // 2 + 1  # more than half of 应到会: the default threshold
    totals = {mid: rng.randint(floor, present) for mid in winners}
    slack = present * seats - sum(totals.values())  # no ballot marks more than `seats` names
    for mid in ids:
        if mid not in totals:
            totals[mid] = min(rng.randint(0, floor - 1), slack)
            slack -= totals[mid]
    services.count_round(
        actor=requester,
        rnd=rnd,
        ballots_issued=present,
        ballots_returned=present,
        totals=totals,
        invalid_count=0,
    )
    election.refresh_from_db()
    if election.has_committee:
        leader = election.rounds.get(office=Office.SECRETARY)
        first = services.elected_members(election, Office.MEMBER)[0].member_id
        services.prepare_round(
            actor=requester,
            rnd=leader,
            member_ids=[first],
            held_on=meeting_on,
            present=leader.electorate,
        )
        services.count_round(
            actor=requester,
            rnd=leader,
            ballots_issued=leader.electorate,
            ballots_returned=leader.electorate,
            totals={first: leader.electorate},
        )
    services.submit_result(actor=requester, election=election)
    services.decide_result(actor=approver, election=election, approve=True, note="同意。")
    return True


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    counts = {"任期": 0, "已完成的换届选举": 0, "待批复的换届请示": 0, "待批复的延期申请": 0}
    terms = _terms(today)
    counts["任期"] = len(terms)
    dangwei, gongwei, zhibu = _grant("dangwei"), _grant("gongwei"), _grant("zhibu")
    if not terms or dangwei is None or gongwei is None:
        return counts
    # The demo 党委: its term ends within two months; it asks the 工委 to postpone by six months.
    committee = services.open_term_of(dangwei.org)
    if committee is not None:
        _retime(committee, today + timedelta(days=rng.randint(30, 55)))
        services.request_term_change(
            actor=dangwei.user,
            term=committee,
            new_due_on=committee.due_on + timedelta(days=182),
            reason="本单位正在进行机构改革，内设机构和人员调整尚未完成，拟待改革完成后换届。",
        )
        counts["待批复的延期申请"] = 1
    branches = [t for t in terms if t.org.is_branch]
    # One branch under the demo 党委 completed its 换届 earlier this year.
    under = [
        t.org
        for t in branches
        if t.org.path.startswith(dangwei.org.path) and (zhibu is None or t.org_id != zhibu.org_id)
    ]
    rng.shuffle(under)
    for branch in under:
        if _completed_election(branch, dangwei.user, gongwei.user, rng, today):
            counts["已完成的换届选举"] = 1
            break
    # At least one branch overdue (not one with an election).
    open_branches = [
        t
        for t in Term.objects.filter(ended_on__isnull=True).select_related("org")
        if t.org.is_branch
        and not t.org.elections.exists()
        and (zhibu is None or t.org_id != zhibu.org_id)
    ]
    if open_branches and not any(t.due_on < today for t in open_branches):
        _retime(rng.choice(open_branches), today - timedelta(days=rng.randint(20, 90)))
    # The demo branch's 换届请示, waiting for the 党委.
    if zhibu is not None and zhibu.org.org_type in services.ELECTING_TYPES:
        term = services.open_term_of(zhibu.org)
        seats = 1 if term and term.body == Body.SECRETARY else 3
        services.submit_plan(
            actor=zhibu.user,
            org=zhibu.org,
            plan="本届支部委员会任期将满，拟召开支部党员大会进行换届选举。",
            seats=seats,
            proposed_candidates=candidate_count_required(seats, 20),
        )
        counts["待批复的换届请示"] = 1
    return counts
