"""党籍 changes: two-step approval, legal transitions, and each rule's boundary on both sides."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.core.rulesets import add_ruleset
from dangjian.members.models import Member, MemberStatusChange
from dangjian.members.services import change_status
from dangjian.members.status import (
    changes_for,
    decide_change,
    history_of,
    pending_for_decision,
    request_change,
    suspended_members,
)


def old_member(branch):
    """A member who joined long ago, so that any effective date in the tests is after joining."""
    return member_in(
        branch,
        birth_date=date(1970, 5, 5),
        joined_on=date(1995, 7, 1),
        confirmed_on=date(1996, 7, 1),
    )


BASIS = "2024年8月支部大会决议"


def _lost(county, member, on, lost_since, who="zhibu"):
    return request_change(
        actor=county.users[who],
        member=member,
        kind="suspend_lost",
        effective_on=on,
        reason="长期失去联系",
        basis=BASIS,
        facts={"lost_since": lost_since, "search_note": "走访原单位和家属，均无法联系"},
    )


def _suspended(county, member, on):
    """A member suspended on `on` through a request and its approval."""
    change = _lost(county, member, on, add_months(on, -7))
    return decide_change(actor=county.users["dangwei"], change=change, approve=True)


def _snapshot(member):
    return Member.objects.values("status", "status_date", "status_reason").get(pk=member.pk)


# --- two steps ----------------------------------------------------------------------------------


def test_branch_requests_and_committee_approves_in_one_transaction(county):
    m = old_member(county.branch_a1)
    change = _lost(county, m, date(2024, 8, 31), date(2024, 1, 15))
    assert (
        change.state == "pending"
        and change.from_status == "normal"
        and change.to_status == "suspended"
    )
    assert change.facts["lost_since"] == "2024-01-15"
    m.refresh_from_db()
    assert m.status == "normal"  # nothing applied before approval

    done = decide_change(actor=county.users["dangwei"], change=change, approve=True, note="同意")
    m.refresh_from_db()
    assert done.state == "approved" and done.decided_by == county.users["dangwei"]
    assert (m.status, m.status_date) == ("suspended", date(2024, 8, 31))
    assert "长期失去联系" in m.status_reason and BASIS in m.status_reason
    assert list(history_of(county.users["zhibu"], m)) == [done]


def test_branch_secretary_cannot_decide_and_nobody_decides_their_own_request(county):
    m = old_member(county.branch_a1)
    change = _lost(county, m, date(2024, 8, 31), date(2024, 1, 15))
    with pytest.raises(Http404):
        decide_change(actor=county.users["zhibu"], change=change, approve=True)
    theirs = old_member(county.branch_a1)
    own = _lost(county, theirs, date(2024, 8, 31), date(2024, 1, 15), who="dangwei")
    with pytest.raises(ValidationError, match="不能审批自己提交的申请"):
        decide_change(actor=county.users["dangwei"], change=own, approve=True)
    assert MemberStatusChange.objects.get(pk=own.pk).state == "pending"
    # The 工委 may decide the 党委 admin's request.
    decide_change(actor=county.users["gongwei"], change=own, approve=True)
    assert Member.objects.get(pk=theirs.pk).status == "suspended"


def test_out_of_scope_request_and_decision_are_404_and_change_nothing(county):
    a1 = old_member(county.branch_a1)
    with pytest.raises(Http404):
        _lost(county, a1, date(2024, 8, 31), date(2024, 1, 15), who="zhibu2")
    assert MemberStatusChange.objects.count() == 0
    b1 = old_member(county.branch_b1)
    change = _lost(county, b1, date(2024, 8, 31), date(2024, 1, 15), who="zhibu2")
    with pytest.raises(Http404):  # 党委 A's admin over 党委 B's member
        decide_change(actor=county.users["dangwei"], change=change, approve=True)
    assert MemberStatusChange.objects.get(pk=change.pk).state == "pending"
    assert Member.objects.get(pk=b1.pk).status == "normal"


def test_rejection_needs_a_note_and_leaves_the_member_unchanged(county):
    m = old_member(county.branch_a1)
    before = _snapshot(m)
    change = _lost(county, m, date(2024, 8, 31), date(2024, 1, 15))
    with pytest.raises(ValidationError, match="不予批准时请写明理由"):
        decide_change(actor=county.users["dangwei"], change=change, approve=False, note="  ")
    assert MemberStatusChange.objects.get(pk=change.pk).state == "pending"
    done = decide_change(
        actor=county.users["dangwei"], change=change, approve=False, note="请先继续查找"
    )
    assert done.state == "rejected" and done.decision_note == "请先继续查找"
    assert _snapshot(m) == before
    with pytest.raises(ValidationError, match="不能重复审批"):
        decide_change(actor=county.users["dangwei"], change=done, approve=True)


def test_one_pending_request_per_member(county):
    m = old_member(county.branch_a1)
    _lost(county, m, date(2024, 8, 31), date(2024, 1, 15))
    with pytest.raises(ValidationError, match="已有一项待审批"):
        request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="withdraw",
            effective_on=date(2024, 8, 1),
            reason="本人申请退党",
            basis=BASIS,
            facts={"applied_on": date(2024, 7, 1)},
        )
    assert MemberStatusChange.objects.filter(member=m).count() == 1


def test_approval_rechecks_the_status_that_changed_meanwhile(county):
    m = old_member(county.branch_a1)
    change = _lost(county, m, date(2024, 8, 31), date(2024, 1, 15))
    change_status(
        actor=county.users["zhibu"],
        member=m,
        status="deceased",
        on=date(2024, 9, 2),
        reason="因病去世",
    )
    with pytest.raises(ValidationError, match="与申请时不同"):
        decide_change(actor=county.users["dangwei"], change=change, approve=True)
    m.refresh_from_db()
    assert m.status == "deceased"
    assert MemberStatusChange.objects.get(pk=change.pk).state == "pending"


def test_bad_input_gives_chinese_errors_and_writes_nothing(county):
    m = old_member(county.branch_a1)
    before = _snapshot(m)
    with pytest.raises(ValidationError) as exc:
        request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="suspend_lost",
            effective_on=date(2024, 8, 31),
            reason=" ",
            basis="",
            facts={"lost_since": "不是日期"},
        )
    errors = exc.value.message_dict
    assert errors["reason"] == ["请填写事由。"]
    assert "请填写依据" in errors["basis"][0]
    assert errors["lost_since"] == ["失去联系起始日期不是有效日期。"]
    assert errors["search_note"] == ["请填写查找情况。"]
    with pytest.raises(ValidationError, match="生效日期不能晚于今天"):
        _lost(county, m, date(2999, 1, 1), date(2024, 1, 15))
    with pytest.raises(ValidationError, match="不能早于入党日期"):
        _lost(county, m, date(m.joined_on.year - 1, 1, 1), date(m.joined_on.year - 2, 1, 1))
    with pytest.raises(ValidationError, match="不能晚于生效日期"):
        _lost(county, m, date(2024, 8, 31), date(2024, 9, 1))
    assert MemberStatusChange.objects.count() == 0 and _snapshot(m) == before


# --- transitions --------------------------------------------------------------------------------


def test_only_legal_transitions(county):
    m = old_member(county.branch_a1)
    with pytest.raises(ValidationError, match="“恢复党籍”只能从“停止党籍”状态办理"):
        request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="restore",
            effective_on=date(2024, 8, 1),
            reason="恢复联系",
            basis=BASIS,
            facts={"applied_on": date(2024, 7, 1)},
        )
    _suspended(county, m, date(2023, 3, 10))
    with pytest.raises(ValidationError, match="只能从“正常”状态办理"):
        _lost(county, m, date(2024, 8, 31), date(2023, 1, 1))
    with pytest.raises(ValidationError, match="只能从“正常”状态办理"):
        request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="withdraw",
            effective_on=date(2024, 8, 1),
            reason="本人申请退党",
            basis=BASIS,
            facts={"applied_on": date(2024, 7, 1)},
        )
    gone = old_member(county.branch_a1)
    request_change(
        actor=county.users["zhibu"],
        member=gone,
        kind="expel",
        effective_on=date(2024, 5, 6),
        reason="严重违纪",
        basis="县纪委处分决定",
    )
    decide_change(
        actor=county.users["dangwei"],
        change=MemberStatusChange.objects.get(member=gone),
        approve=True,
    )
    gone.refresh_from_db()
    assert gone.status == "left"
    for kind in ("restore", "suspend_lost", "death", "expel"):
        with pytest.raises(ValidationError, match="不能再变更党籍状态"):
            request_change(
                actor=county.users["zhibu"],
                member=gone,
                kind=kind,
                effective_on=date(2024, 8, 1),
                reason="x",
                basis=BASIS,
                facts={"applied_on": date(2024, 7, 1), "lost_since": date(2023, 1, 1)},
            )


def test_death_is_recorded_directly_without_approval(county):
    m = old_member(county.branch_a1)
    change = request_change(
        actor=county.users["zhibu"],
        member=m,
        kind="death",
        effective_on=date(2024, 6, 3),
        reason="因病去世",
    )
    m.refresh_from_db()
    assert change.state == "approved" and change.decided_by == county.users["zhibu"]
    assert (m.status, m.status_date) == ("deceased", date(2024, 6, 3))
    with pytest.raises(ValidationError, match="不能再变更党籍状态"):
        request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="death",
            effective_on=date(2024, 6, 4),
            reason="x",
        )


def test_change_status_keeps_working_and_writes_history(county):
    m = member_in(
        county.branch_a1, category="probationary", confirmed_on=None, joined_on=date(2024, 1, 5)
    )
    change_status(
        actor=county.users["zhibu"],
        member=m,
        status="left",
        on=date(2025, 1, 10),
        reason="支部大会决定取消预备党员资格",
        kind="cancel_probation",
    )
    row = MemberStatusChange.objects.get(member=m)
    assert (row.kind, row.from_status, row.to_status, row.state) == (
        "cancel_probation",
        "normal",
        "left",
        "approved",
    )
    other = old_member(county.branch_a1)
    change_status(
        actor=county.users["zhibu"],
        member=other,
        status="deceased",
        on=date(2024, 1, 2),
        reason="因病去世",
    )
    assert MemberStatusChange.objects.get(member=other).kind == "death"


def test_lost_probationary_member_is_not_suspended(county):
    m = member_in(
        county.branch_a1, category="probationary", confirmed_on=None, joined_on=date(2023, 1, 5)
    )
    with pytest.raises(ValidationError) as exc:
        _lost(county, m, date(2024, 8, 31), date(2023, 6, 1))
    assert "取消预备党员资格" in str(exc.value) and "地方实践" in str(exc.value)


# --- rule boundaries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "lost_since", "ok"),
    [
        (
            date(2024, 8, 31),
            date(2024, 2, 29),
            True,
        ),  # exactly 6 months (29 February counts as a day)
        (date(2024, 8, 29), date(2024, 2, 29), True),  # 29 Feb + 6 months = 29 Aug
        (date(2024, 8, 28), date(2024, 2, 29), False),  # one day short
        (date(2024, 9, 10), date(2024, 3, 10), True),  # since exactly 6 months ago
        (date(2024, 9, 10), date(2024, 3, 11), False),  # 6 months minus one day
    ],
)
def test_lost_contact_six_months_boundary(county, on, lost_since, ok):
    m = old_member(county.branch_a1)
    if ok:
        assert _lost(county, m, on, lost_since).state == "pending"
        return
    with pytest.raises(ValidationError) as exc:
        _lost(county, m, on, lost_since)
    text = " ".join(exc.value.message_dict["lost_since"])
    assert (
        "尚不满6个月" in text
        and "第二十四条" in text
        and "《中国共产党党员教育管理工作条例》（2019）" in text
    )
    assert MemberStatusChange.objects.count() == 0


@pytest.mark.parametrize(
    ("since", "on", "ok"),
    [
        (date(2019, 3, 1), date(2024, 3, 1), False),  # exactly 5 years: must be MORE than 5
        (date(2019, 3, 1), date(2024, 3, 2), True),  # 5 years + 1 day
        (date(2020, 2, 29), date(2025, 2, 28), False),  # 29 Feb + 5 years = 28 Feb
        (date(2020, 2, 29), date(2025, 3, 1), True),
    ],
)
def test_abroad_study_more_than_five_years_boundary(county, since, on, ok):
    m = old_member(county.branch_a1)

    def go():
        return request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="suspend_study",
            effective_on=on,
            reason="出国留学逾期未归",
            basis=BASIS,
            facts={"abroad_since": since, "abroad_place": "英国"},
        )

    if ok:
        assert go().to_status == "suspended"
    else:
        with pytest.raises(ValidationError, match="未超过5年"):
            go()
        assert MemberStatusChange.objects.count() == 0


def test_settled_abroad_has_no_waiting_period(county):
    m = old_member(county.branch_a1)
    change = request_change(
        actor=county.users["zhibu"],
        member=m,
        kind="suspend_settled",
        effective_on=date(2024, 5, 1),
        reason="因私出国定居",
        basis=BASIS,
        facts={"abroad_since": date(2024, 3, 1), "abroad_place": "加拿大"},
    )
    assert change.to_status == "suspended"


def test_two_years_of_suspension_strike_and_restoration_boundaries(county):
    m = old_member(county.branch_a1)
    _suspended(county, m, date(2022, 3, 10))

    def strike(on):
        return request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="strike_lapsed",
            effective_on=on,
            reason="停止党籍满2年仍无联系",
            basis=BASIS,
        )

    def restore(on):
        return request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="restore",
            effective_on=on,
            reason="已恢复联系并书面申请",
            basis=BASIS,
            facts={"applied_on": date(2023, 5, 1)},
        )

    with pytest.raises(ValidationError, match="尚不满2年") as exc:
        strike(date(2024, 3, 9))
    assert "停止党籍后仍无联系、按自行脱党除名的期限：2年" in str(exc.value)
    with pytest.raises(ValidationError, match="已满2年，不能恢复党籍"):
        restore(date(2024, 3, 10))
    assert MemberStatusChange.objects.filter(member=m, state="pending").count() == 0

    ok = restore(date(2024, 3, 9))  # the last day of the 2 years
    # County-level approval (RULES.md 1.19, a setting): the 党委 admin may not approve it; the 工委 may.
    with pytest.raises(ValidationError, match="县级党组织"):
        decide_change(actor=county.users["dangwei"], change=ok, approve=True)
    decide_change(actor=county.users["gongwei"], change=ok, approve=True)
    m.refresh_from_db()
    assert (m.status, m.status_date) == ("normal", date(2024, 3, 9))

    other = old_member(county.branch_a1)
    _suspended(county, other, date(2022, 3, 10))
    done = request_change(
        actor=county.users["zhibu"],
        member=other,
        kind="strike_lapsed",
        effective_on=date(2024, 3, 10),
        reason="停止党籍满2年仍无联系",
        basis=BASIS,
    )
    decide_change(actor=county.users["dangwei"], change=done, approve=True)
    other.refresh_from_db()
    assert other.status == "left"


def test_county_approval_setting_can_be_switched_off(county):
    m = old_member(county.branch_a1)
    _suspended(county, m, date(2024, 3, 10))
    add_ruleset(
        actor=county.users["gongwei"],
        domain_key="membership",
        name="本县党籍管理办法（2024）",
        effective_from=date(2024, 6, 1),
        values={
            "lost_contact_months": 6,
            "abroad_study_years": 5,
            "suspension_strike_years": 2,
            "restore_within_years": 2,
            "restore_county_approval": "",
            "lost_probationary_disqualified": "1",
            "lapse_months": 6,
        },
    )
    change = request_change(
        actor=county.users["zhibu"],
        member=m,
        kind="restore",
        effective_on=date(2024, 7, 1),
        reason="已恢复联系",
        basis=BASIS,
        facts={"applied_on": date(2024, 6, 20)},
    )
    assert change.rules_version == "本县党籍管理办法（2024）"
    decide_change(actor=county.users["dangwei"], change=change, approve=True)
    assert Member.objects.get(pk=m.pk).status == "normal"


def test_a_new_rule_version_changes_the_interval_and_is_named(county):
    add_ruleset(
        actor=county.users["gongwei"],
        domain_key="membership",
        name="试行办法（12个月）",
        effective_from=date(2024, 1, 1),
        values={
            "lost_contact_months": 12,
            "abroad_study_years": 5,
            "suspension_strike_years": 2,
            "restore_within_years": 2,
            "restore_county_approval": "1",
            "lost_probationary_disqualified": "1",
            "lapse_months": 6,
        },
    )
    m = old_member(county.branch_a1)
    with pytest.raises(ValidationError, match="尚不满12个月.*试行办法（12个月）"):
        _lost(county, m, date(2024, 8, 31), date(2024, 1, 15))
    # Before the new version took effect, the built-in 6 months applies.
    assert _lost(county, m, date(2023, 12, 31), date(2023, 6, 1)).rules_version.startswith(
        "《中国共产党党员教育管理工作条例》"
    )


def test_lapsed_strike_from_normal_six_month_boundary(county):
    m = old_member(county.branch_a1)

    def go(since):
        return request_change(
            actor=county.users["zhibu"],
            member=m,
            kind="strike_lapsed",
            effective_on=date(2024, 9, 10),
            reason="连续6个月不参加组织生活、不交纳党费",
            basis=BASIS,
            facts={"lapse_since": since},
        )

    with pytest.raises(ValidationError, match="尚不满6个月，不能视为自行脱党"):
        go(date(2024, 3, 11))
    assert go(date(2024, 3, 10)).to_status == "left"


# --- lists --------------------------------------------------------------------------------------


def test_lists_are_scoped(county):
    a1, b1 = old_member(county.branch_a1), old_member(county.branch_b1)
    ca = _lost(county, a1, date(2024, 8, 31), date(2024, 1, 15))
    cb = _lost(county, b1, date(2024, 8, 31), date(2024, 1, 15), who="zhibu2")
    assert list(pending_for_decision(county.users["dangwei"])) == [ca]
    assert set(pending_for_decision(county.users["gongwei"])) == {ca, cb}
    assert list(pending_for_decision(county.users["zhibu"])) == []
    assert list(changes_for(county.users["zhibu2"])) == [cb]
    assert list(changes_for(county.users["gongwei"], within=county.dangwei_b.path)) == [cb]


def test_suspended_list_marks_candidates_after_two_years(county):
    old, new = old_member(county.branch_a1), old_member(county.branch_a1)
    _suspended(county, old, date(2022, 3, 10))
    _suspended(county, new, date(2023, 3, 10))
    rows = {
        r.member.pk: r for r in suspended_members(county.users["zhibu"], today=date(2024, 3, 10))
    }
    assert rows[old.pk].strike_candidate and rows[old.pk].months == 24
    assert not rows[new.pk].strike_candidate and rows[new.pk].months == 12
    assert rows[old.pk].restore_until == date(2024, 3, 9)
    day_before = {
        r.member.pk: r for r in suspended_members(county.users["zhibu"], today=date(2024, 3, 9))
    }
    assert not day_before[old.pk].strike_candidate
    assert suspended_members(county.users["zhibu2"], today=date(2024, 3, 10)) == []
