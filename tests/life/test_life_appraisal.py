"""民主评议党员 (RULES.md 4.15 yearly; 1.17 限期改正 → 劝退 → 除名): results, follow-ups, compliance."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.life import selectors, services
from dangjian.life.models import Appraisal, AppraisalEntry

pytestmark = pytest.mark.django_db

HELD = date(2025, 1, 20)


def _record(county, results, *, org=None, year=2024, held_on=HELD, user="zhibu", meeting=None):
    return services.record_appraisal(
        actor=county.users[user],
        org=org or county.branch_a1,
        year=year,
        held_on=held_on,
        meeting=meeting,
        results=results,
    )


def _all(county, key="a1", result="qualified"):
    return {m.pk: {"result": result} for m in county.members[key]}


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


def test_records_one_result_per_member(county):
    a = _record(county, _all(county))
    assert a.entries.count() == 4
    assert set(a.entries.values_list("result", flat=True)) == {"qualified"}
    assert a.org_path == county.branch_a1.path


def test_member_off_the_roster_cannot_be_rated(county):
    other = county.members["b1"][0]
    with pytest.raises(ValidationError) as exc:
        _record(county, _all(county) | {other.pk: {"result": "qualified"}})
    assert "名单之外" in _messages(exc)
    assert not Appraisal.objects.exists() and not AppraisalEntry.objects.exists()


def test_member_who_joined_after_the_appraisal_cannot_be_rated(county):
    m = county.members["a1"][0]
    m.joined_on = HELD + timedelta(days=1)
    m.save(update_fields=["joined_on"])
    with pytest.raises(ValidationError):
        _record(county, {m.pk: {"result": "qualified"}})
    m.joined_on = HELD  # joined on the very day: on the roster
    m.save(update_fields=["joined_on"])
    assert _record(county, {m.pk: {"result": "qualified"}}).entries.count() == 1


def test_one_round_per_organisation_and_year_and_one_result_per_member_per_year(county):
    _record(county, _all(county))
    with pytest.raises(ValidationError) as exc:
        _record(county, _all(county))
    assert "已经记录" in _messages(exc)
    # moved to another branch in the same year: still only one result that year
    m = county.members["a1"][0]
    m.org = county.branch_a2
    m.save()
    with pytest.raises(ValidationError) as exc:
        _record(county, {m.pk: {"result": "excellent"}}, org=county.branch_a2, user="dangwei")
    assert "每名党员每年只评议一次" in _messages(exc)
    # the next year is a new round
    assert _record(
        county, {m.pk: {"result": "excellent"}}, org=county.branch_a2, year=2025, user="dangwei"
    )


@pytest.mark.parametrize("result", ["excellent", "qualified"])
def test_good_results_need_no_follow_up_and_keep_none(county, result):
    m = county.members["a1"][0]
    a = _record(
        county,
        {
            m.pk: {
                "result": result,
                "decision": "rectify",
                "deadline": date(2025, 6, 1),
                "help_measure": "x",
            }
        },
    )
    e = a.entries.get()
    assert (e.decision, e.deadline, e.help_measure) == ("", None, "")


def test_basic_needs_deadline_and_help_and_is_always_rectify(county):
    m = county.members["a1"][0]
    with pytest.raises(ValidationError) as exc:
        _record(county, {m.pk: {"result": "basic"}})
    text = _messages(exc)
    assert "改正期限" in text and "帮扶措施" in text and m.name in text
    with pytest.raises(ValidationError) as exc:
        _record(
            county,
            {
                m.pk: {
                    "result": "basic",
                    "decision": "persuade",
                    "deadline": date(2025, 6, 1),
                    "help_measure": "结对",
                }
            },
        )
    assert "限期改正" in _messages(exc)
    e = _record(
        county,
        {m.pk: {"result": "basic", "deadline": date(2025, 6, 1), "help_measure": "结对帮扶"}},
    ).entries.get()
    assert e.decision == "rectify" and e.deadline == date(2025, 6, 1)


def test_deadline_must_be_after_the_appraisal_day(county):
    m = county.members["a1"][0]
    with pytest.raises(ValidationError) as exc:
        _record(county, {m.pk: {"result": "basic", "deadline": HELD, "help_measure": "结对"}})
    assert "评议日期之后" in _messages(exc)
    e = _record(
        county,
        {m.pk: {"result": "basic", "deadline": HELD + timedelta(days=1), "help_measure": "结对"}},
    ).entries.get()
    assert e.deadline == HELD + timedelta(days=1)


def test_unqualified_needs_a_decision(county):
    m = county.members["a1"][0]
    with pytest.raises(ValidationError) as exc:
        _record(county, {m.pk: {"result": "unqualified"}})
    assert "处置意见" in _messages(exc)
    with pytest.raises(ValidationError):  # 限期改正 still needs its deadline and help
        _record(county, {m.pk: {"result": "unqualified", "decision": "rectify"}})
    e = _record(county, {m.pk: {"result": "unqualified", "decision": "persuade"}}).entries.get()
    assert e.decision == "persuade" and e.deadline is None


def test_future_day_and_foreign_meeting_refused(county):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        _record(county, _all(county), year=today.year, held_on=today + timedelta(days=1))
    assert "晚于今天" in _messages(exc)
    theirs = services.record_meeting(
        actor=county.users["zhibu2"], org=county.branch_b1, kind="life_meeting",
        held_on=HELD, topic="组织生活会", attendance={county.members["b1"][0].pk: ("present", "")},
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        _record(county, _all(county), meeting=theirs)
    assert "组织生活会" in _messages(exc)
    mine = services.record_meeting(
        actor=county.users["zhibu"], org=county.branch_a1, kind="life_meeting",
        held_on=HELD, topic="组织生活会", attendance={county.members["a1"][0].pk: ("present", "")},
    )  # fmt: skip
    assert _record(county, _all(county), meeting=mine).meeting == mine


def test_scope_out_of_reach_is_404(county):
    with pytest.raises(Http404):
        _record(county, _all(county), user="zhibu2")
    a = _record(county, _all(county))
    with pytest.raises(Http404):
        services.set_appraisal_result(
            actor=county.users["zhibu2"],
            appraisal=a,
            member=county.members["a1"][0],
            result="basic",
        )


def test_correction_replaces_and_audit_keeps_before(county):
    a = _record(county, _all(county))
    m = county.members["a1"][1]
    e = services.set_appraisal_result(
        actor=county.users["zhibu"], appraisal=a, member=m, result="basic",
        deadline=date(2025, 7, 1), help_measure="党小组长帮带",
    )  # fmt: skip
    assert a.entries.count() == 4 and e.result == "basic"
    log = LogEntry.objects.get_for_object(e).order_by("-timestamp").first()
    assert log is not None and log.changes_dict["result"] == ["qualified", "basic"]


def test_close_follow_up(county):
    m = county.members["a1"][0]
    a = _record(
        county, {m.pk: {"result": "basic", "deadline": date(2025, 6, 1), "help_measure": "结对"}}
    )
    e = a.entries.get()
    with pytest.raises(ValidationError):
        services.close_follow_up(
            actor=county.users["zhibu"],
            entry=e,
            closed_on=HELD - timedelta(days=1),
            outcome="已改正",
        )
    with pytest.raises(ValidationError):
        services.close_follow_up(actor=county.users["zhibu"], entry=e, closed_on=HELD, outcome=" ")
    services.close_follow_up(actor=county.users["zhibu"], entry=e, closed_on=HELD, outcome="已改正")
    e.refresh_from_db()
    assert e.closed_on == HELD
    with pytest.raises(ValidationError):
        services.close_follow_up(
            actor=county.users["zhibu"], entry=e, closed_on=HELD, outcome="again"
        )


def test_follow_ups_overdue_and_due_at_their_boundaries(county):
    today = timezone.localdate()
    held = today - timedelta(days=30)
    a, b, c, d = county.members["a1"]
    _record(
        county,
        {
            a.pk: {"result": "basic", "deadline": today - timedelta(days=1), "help_measure": "h"},
            b.pk: {"result": "basic", "deadline": today, "help_measure": "h"},
            c.pk: {"result": "basic", "deadline": today + timedelta(days=7), "help_measure": "h"},
            d.pk: {"result": "basic", "deadline": today + timedelta(days=8), "help_measure": "h"},
        },
        year=held.year,
        held_on=held,
    )
    user, root = county.users["zhibu"], county.branch_a1

    def names(state):
        return {
            e.member_id for e in selectors.follow_ups(user, root=root, today=today, state=state)
        }

    assert names("overdue") == {a.pk}  # deadline yesterday; today is not yet overdue
    assert names("due") == {b.pk, c.pk}  # within the 7-day setting, inclusive; 8 days is not
    assert names("open") == {a.pk, b.pk, c.pk, d.pk}
    assert (
        selectors.follow_ups(county.users["zhibu2"], root=county.branch_b1, today=today).count()
        == 0
    )


def test_counts_per_branch(county):
    a1 = county.members["a1"]
    _record(
        county,
        {
            a1[0].pk: {"result": "excellent"},
            a1[1].pk: {"result": "qualified"},
            a1[2].pk: {"result": "unqualified", "decision": "persuade"},
        },
    )
    rows = selectors.appraisal_counts(county.users["dangwei"], root=county.dangwei_a, year=2024)
    by = {r.org.pk: r for r in rows}
    assert by[county.branch_a1.pk].rated == 3
    assert by[county.branch_a1.pk].counts == {
        "excellent": 1,
        "qualified": 1,
        "basic": 0,
        "unqualified": 1,
    }
    assert by[county.branch_a2.pk].rated == 0 and by[county.branch_a2.pk].appraisal is None


def test_compliance_counts_the_round_with_results(county):
    def row(year):
        rows = selectors.compliance(county.users["zhibu"], year=year, today=date(2025, 12, 31))
        return next(k for k in rows[0].kinds if k.kind == "appraisal")

    assert (row(2024).required, row(2024).held) == (1, 0)
    _record(county, _all(county), year=2024, held_on=HELD)  # held early the next year
    assert (row(2024).held, row(2024).ok) == (1, True)
    assert row(2025).held == 0
