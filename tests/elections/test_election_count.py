"""The 换届选举 count engine: one worked example per rule of RULES.md 4.3 and 4.5–4.8."""

from datetime import date

import pytest

from dangjian.core.rulesets import add_ruleset, builtin_rules, get_domain, rules_on
from dangjian.elections.count import (
    Candidate,
    CountInput,
    CountInputError,
    CountRules,
    CountStatus,
    InvalidReason,
    RoundKind,
    ThresholdBase,
    candidate_count_required,
    check_slate,
    count_ballots,
)

RULES = CountRules()  # the built-in defaults: 4/5 strict, 应到会, 20 % rounded up
PRESENT_RULES = CountRules(threshold_base=ThresholdBase.PRESENT)
CANDIDATES = [Candidate("a", "张三"), Candidate("b", "李四"), Candidate("c", "王五")]


def spec(**overrides) -> CountInput:
    """A valid election of 2 seats among 张三/李四/王五: 42 should attend, 40 present and vote."""
    values = {
        "seats": 2,
        "electorate": 42,
        "present": 40,
        "ballots_issued": 40,
        "ballots_returned": 40,
        "candidates": CANDIDATES,
    }
    values.update(overrides)
    if values.get("ballots") is None and values.get("totals") is None:
        values["totals"] = {"a": 30, "b": 25, "c": 20}
    return CountInput(**values)


def ballots(*groups: tuple[int, list[str]]) -> list[list[str]]:
    """ballots((20, ["a", "b"]), (1, [])) → twenty ballots for a and b, one blank."""
    return [list(marks) for n, marks in groups for _ in range(n)]


def votes(result) -> dict[str, int]:
    return {t.id: t.votes for t in result.tallies}


# --- the rule domain -----------------------------------------------------------------------------


def test_the_elections_domain_carries_the_documented_defaults():
    domain = get_domain("elections")
    rules = builtin_rules("elections")

    assert rules.values == {
        "quorum_numerator": 4,
        "quorum_denominator": 5,
        "quorum_strict": True,
        "threshold_base": "electorate",
        "slate_margin_percent": 20,
        "slate_round_up": True,
    }
    assert {s.key: s.grade for s in domain.specs} == {
        "quorum_numerator": "?",
        "quorum_denominator": "?",
        "quorum_strict": "?",
        "threshold_base": "?",
        "slate_margin_percent": "B",
        "slate_round_up": "L",
    }
    assert "旗帜网" in domain.spec("threshold_base").source
    assert CountRules.from_rules(rules) == CountRules(version=rules.version)


def test_a_stored_rule_version_changes_the_threshold_base(county):
    add_ruleset(
        actor=county.users["gongwei"],
        domain_key="elections",
        name="本地选举办法（2026年）",
        effective_from=date(2026, 1, 1),
        values={"threshold_base": "present"},
    )
    before = count_ballots(spec(), rules_on("elections", date(2025, 12, 31)))
    after = count_ballots(spec(), rules_on("elections", date(2026, 1, 1)))

    assert before.threshold.base == ThresholdBase.ELECTORATE and before.threshold.base_count == 42
    assert after.threshold.base == ThresholdBase.PRESENT and after.threshold.base_count == 40
    assert "计票依据的规则版本：本地选举办法（2026年）。" in after.explanation


def test_an_unreadable_stored_threshold_base_is_a_clear_error():
    with pytest.raises(CountInputError, match="当选票数计算基数“half”不正确"):
        CountRules.from_rules({**builtin_rules("elections").values, "threshold_base": "half"})


def test_chinese_aliases_are_accepted_for_the_threshold_base():
    assert CountRules(threshold_base="实到会").threshold_base == ThresholdBase.PRESENT
    assert CountRules(threshold_base="应到会").threshold_base == ThresholdBase.ELECTORATE


# --- 4.5 quorum ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "strict", "met"),
    [(40, True, False), (41, True, True), (40, False, True), (39, False, False)],
)
def test_quorum_boundary_at_four_fifths_of_fifty(present, strict, met):
    rules = CountRules(quorum_strict=strict)
    result = count_ballots(
        spec(
            electorate=50,
            present=present,
            ballots_issued=present,
            ballots_returned=present,
            totals={"a": present},
        ),
        rules,
    )

    assert result.quorum.required == "40"
    assert result.quorum.minimum_present == (41 if strict else 40)
    assert result.quorum.met is met
    if met:
        assert result.status == CountStatus.COUNTED
    else:
        assert result.status == CountStatus.QUORUM_NOT_MET
        assert result.elected == () and result.tallies == () and result.threshold is None
        assert result.unfilled_seats == 2
        assert "到会人数不足，不能进行选举" in result.explanation[-1]


def test_quorum_explanation_shows_the_exact_fraction():
    result = count_ballots(spec(), RULES)

    assert result.explanation[1] == (
        "应到会有选举权人数42人，实到会有选举权人数40人，须超过应到会人数的五分之四（33.6人），"
        "即至少34人；符合规定，可以进行选举。"
    )


def test_quorum_fraction_is_a_setting():
    two_thirds = CountRules(quorum_numerator=2, quorum_denominator=3)
    result = count_ballots(
        spec(electorate=10, present=7, ballots_issued=7, ballots_returned=7, totals={}),
        two_thirds,
    )

    assert (result.quorum.required, result.quorum.minimum_present) == ("约6.67", 7)
    assert result.quorum.met and "三分之二" in result.explanation[1]


# --- 4.6 ballots returned and ballot validity ----------------------------------------------------


def test_more_ballots_returned_than_issued_voids_the_election():
    result = count_ballots(spec(ballots_issued=39, ballots_returned=40), RULES)

    assert result.status == CountStatus.VOID and result.void
    assert result.elected == () and result.tallies == () and result.valid_ballots is None
    assert result.explanation[-1] == (
        "发出选票39张，收回选票40张，收回的选票多于发出的选票，选举无效，应重新进行选举。"
    )


@pytest.mark.parametrize(("returned", "word"), [(40, "等于"), (38, "少于")])
def test_returned_equal_to_or_fewer_than_issued_is_a_valid_election(returned, word):
    result = count_ballots(spec(ballots_returned=returned, totals={"a": 30, "b": 25}), RULES)

    assert result.status == CountStatus.COUNTED and not result.void
    assert result.valid_ballots == returned
    assert f"收回的选票{word}发出的选票，选举有效。" in result.explanation[2]
    assert result.elected == ("a", "b")


def test_a_ballot_marking_more_candidates_than_seats_is_invalid():
    given = ballots((25, ["a", "b"]), (14, ["a", "c"]), (1, ["a", "b", "c"]))
    result = count_ballots(spec(ballots=given), RULES)

    assert (result.valid_ballots, result.invalid_ballots) == (39, 1)
    (bad,) = result.invalid_details
    assert bad.number == 40 and bad.reasons == (InvalidReason.OVER_VOTE,)
    assert bad.detail == "第40张选票：所选3人，多于应选名额2名，为无效票。"
    # The invalid ballot gives nobody a vote.
    assert votes(result) == {"a": 39, "b": 25, "c": 14}
    assert result.elected == ("a", "b")


def test_unknown_candidates_and_double_marks_make_a_ballot_invalid_with_the_reason():
    given = ballots((38, ["a", "b"]), (1, ["a", "x"]), (1, ["b", "b"]))
    result = count_ballots(spec(ballots=given), RULES)

    unknown, double = result.invalid_details
    assert unknown.reasons == (InvalidReason.UNKNOWN_CANDIDATE,)
    assert "不在候选人名单中的编号“x”" in unknown.detail
    assert double.reasons == (InvalidReason.DUPLICATE_MARK,)
    assert "重复标记同一候选人（李四）" in double.detail
    assert votes(result) == {"a": 38, "b": 38, "c": 0}


def test_a_blank_ballot_is_valid_but_votes_for_nobody():
    given = ballots((30, ["a"]), (10, []))
    result = count_ballots(spec(ballots=given), RULES)

    assert (result.valid_ballots, result.invalid_ballots, result.blank_ballots) == (40, 0, 10)
    assert votes(result) == {"a": 30, "b": 0, "c": 0}
    assert "其中空白票10张：空白票为有效票，不计入任何候选人的得票" in result.explanation[3]


def test_integer_ids_on_ballots_match_string_candidate_ids():
    result = count_ballots(
        spec(candidates=["1", "2"], ballots=ballots((30, [1, 2]), (10, [2]))), RULES
    )

    assert votes(result) == {"1": 30, "2": 40}


# --- 4.7 threshold -------------------------------------------------------------------------------


def test_the_two_threshold_bases_elect_different_people_from_the_same_ballots():
    # Electorate 50, present 42: 22 votes are more than half of 42 (21) but not of 50 (25).
    given = ballots((22, ["a", "b"]), (10, ["a", "c"]), (10, ["c"]))
    election = spec(
        electorate=50, present=42, ballots_issued=42, ballots_returned=42, ballots=given
    )

    on_electorate = count_ballots(election, RULES)
    on_present = count_ballots(election, PRESENT_RULES)

    assert votes(on_electorate) == votes(on_present) == {"a": 32, "b": 22, "c": 20}
    assert on_electorate.threshold.minimum_votes == 26
    assert on_present.threshold.minimum_votes == 22
    assert on_electorate.elected == ("a",)
    assert on_present.elected == ("a", "b")
    assert [r.kind for r in on_electorate.follow_up] == [RoundKind.ADDITIONAL]
    assert on_present.follow_up == ()


def test_the_threshold_base_can_be_chosen_for_one_count():
    given = ballots((22, ["a", "b"]), (20, ["a", "c"]))
    election = spec(
        electorate=50,
        present=42,
        ballots_issued=42,
        ballots_returned=42,
        ballots=given,
        threshold_base="present",
    )
    result = count_ballots(election, RULES)

    assert result.threshold.base == ThresholdBase.PRESENT and result.threshold.overridden
    assert result.rules.threshold_base == ThresholdBase.PRESENT
    assert result.elected == ("a", "b")
    assert "当选票数以实到会有选举权人数（42人）为基数（本次计票指定）" in "".join(
        result.explanation
    )


@pytest.mark.parametrize(
    ("base", "half", "passes"),
    [(42, 21, 22), (41, 20, 21), (50, 25, 26), (1, 0, 1)],
)
def test_exactly_half_fails_and_half_plus_one_passes(base, half, passes):
    for got, elected in ((half, False), (passes, True)):
        result = count_ballots(
            spec(
                seats=1,
                electorate=base,
                present=base,
                ballots_issued=base,
                ballots_returned=base,
                totals={"a": got},
            ),
            PRESENT_RULES,
        )
        assert result.threshold.minimum_votes == passes
        assert (result.elected == ("a",)) is elected
    assert "得票恰为半数的不能当选" in "".join(result.explanation)


# --- 4.8 ranking, ties, shortfall ----------------------------------------------------------------


def test_more_passing_than_seats_elects_the_top_seats_by_votes():
    result = count_ballots(spec(totals={"a": 25, "b": 30, "c": 24}), RULES)

    assert result.elected == ("b", "a")
    assert [(t.id, t.passed, t.elected, t.rank) for t in result.tallies] == [
        ("a", True, True, 2),
        ("b", True, True, 1),
        ("c", True, False, 3),
    ]
    assert "王五：得票24票，超过半数，但按得票多少排序未进入应选名额，不能当选。" in (
        result.explanation
    )


def test_a_tie_for_the_last_seat_sends_exactly_the_tied_to_a_revote():
    four = [*CANDIDATES, Candidate("d", "赵六")]
    result = count_ballots(spec(candidates=four, totals={"a": 30, "b": 25, "c": 25, "d": 0}), RULES)

    assert result.elected == ("a",)
    assert result.unfilled_seats == 1
    (revote,) = result.follow_up
    assert revote.kind == RoundKind.REVOTE
    assert revote.candidates == ("b", "c") and revote.seats == 1
    assert [t.tied for t in result.tallies] == [False, True, True, False]
    assert "李四、王五均得25票，票数相等，争取最后1个名额，应就这2名被选举人再次投票" in (
        revote.reason
    )


def test_a_three_way_tie_for_two_last_seats_revotes_among_all_three():
    five = [*CANDIDATES, Candidate("d", "赵六"), Candidate("e", "钱七")]
    result = count_ballots(
        spec(seats=3, candidates=five, totals={"a": 35, "b": 25, "c": 25, "d": 25, "e": 0}),
        RULES,
    )

    assert result.elected == ("a",)
    (revote,) = result.follow_up
    assert (revote.candidates, revote.seats) == (("b", "c", "d"), 2)


def test_a_tie_inside_the_seats_elects_both():
    result = count_ballots(spec(totals={"a": 28, "b": 28, "c": 24}), RULES)

    assert result.elected == ("a", "b") and result.follow_up == ()
    assert [t.rank for t in result.tallies] == [1, 1, 3]


def test_a_tie_below_the_threshold_does_not_matter():
    result = count_ballots(spec(totals={"a": 30, "b": 10, "c": 10}), RULES)

    assert result.elected == ("a",)
    (additional,) = result.follow_up
    assert additional.kind == RoundKind.ADDITIONAL and additional.seats == 1


def test_seats_left_unfilled_go_to_an_additional_election():
    result = count_ballots(spec(seats=3, totals={"a": 30, "b": 21, "c": 20}), RULES)

    assert result.elected == ("a",)
    assert result.unfilled_seats == 2
    (additional,) = result.follow_up
    assert (additional.kind, additional.seats, additional.candidates) == (
        RoundKind.ADDITIONAL,
        2,
        (),
    )
    assert "对不足的2个名额另行选举" in additional.reason
    assert result.explanation[-1] == "当选1名（按得票多少为序）：张三。"


def test_nobody_passing_elects_nobody():
    result = count_ballots(spec(totals={"a": 10, "b": 10, "c": 10}), RULES)

    assert result.elected == () and result.unfilled_seats == 2
    assert "本轮无人当选。" in result.explanation


# --- totals instead of ballots -------------------------------------------------------------------


def test_per_candidate_totals_are_counted_like_ballots():
    from_ballots = count_ballots(
        spec(ballots=ballots((20, ["a", "b"]), (17, ["a", "c"]), (2, ["a", "b", "c"]), (1, []))),
        RULES,
    )
    from_totals = count_ballots(spec(totals={"a": 37, "b": 20, "c": 17}, invalid_count=2), RULES)

    assert votes(from_ballots) == votes(from_totals) == {"a": 37, "b": 20, "c": 17}
    assert from_totals.valid_ballots == from_ballots.valid_ballots == 38
    assert from_totals.invalid_ballots == 2 and from_totals.blank_ballots is None
    assert from_totals.elected == from_ballots.elected == ("a",)


def test_a_candidate_left_out_of_the_totals_has_no_votes():
    result = count_ballots(spec(totals={"a": 30}), RULES)

    assert votes(result) == {"a": 30, "b": 0, "c": 0}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"totals": {"a": 41}}, "张三得41票，多于有效票数（40张）"),
        ({"totals": {"a": 40, "b": 40, "c": 1}}, "各候选人得票合计81票，超过有效票数×应选名额"),
        ({"totals": {"z": 1}}, "得票数中有不在候选人名单中的编号：z"),
        ({"totals": {"a": -1}}, "张三的得票数应为不小于0的整数"),
        ({"totals": {"a": 1}, "invalid_count": 41}, "无效票数（41张）不能多于收回的选票数"),
        ({"totals": {"a": 39}, "invalid_count": 2}, "张三得39票，多于有效票数（38张）"),
    ],
)
def test_inconsistent_totals_are_refused(overrides, message):
    with pytest.raises(CountInputError) as caught:
        count_ballots(spec(**overrides), RULES)
    assert message in str(caught.value)


# --- input that cannot describe a count ----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"present": 43}, "实到会有选举权人数（43人）不能多于应到会有选举权人数（42人）"),
        ({"ballots_issued": 41}, "发出的选票（41张）不能多于实到会有选举权人数（40人）"),
        ({"seats": -1}, "“应选名额”不能为负数"),
        ({"ballots_returned": -3}, "“收回选票数”不能为负数"),
        ({"seats": 0}, "应选名额至少为1名"),
        ({"electorate": 0, "present": 0, "ballots_issued": 0}, "应到会有选举权人数至少为1人"),
        ({"candidates": [*CANDIDATES, Candidate("a", "张三")]}, "候选人编号重复：a"),
        ({"candidates": []}, "请填写候选人名单"),
        ({"ballots": [["a"]] * 40, "totals": {"a": 1}}, "二者必须且只能提供一种"),
        ({"ballots": [["a"]] * 39}, "逐张选票共39张，与收回的选票数（40张）不一致"),
        ({"ballots": [["a"]] * 40, "invalid_count": 0}, "提供逐张选票时不填写无效票数"),
        ({"threshold_base": "half"}, "当选票数计算基数“half”不正确"),
    ],
)
def test_inconsistent_input_is_refused_in_chinese(overrides, message):
    with pytest.raises(CountInputError) as caught:
        count_ballots(spec(**overrides), RULES)
    assert message in str(caught.value)


def test_several_problems_are_reported_together():
    with pytest.raises(CountInputError) as caught:
        count_ballots(spec(present=43, ballots_issued=44), RULES)
    assert len(caught.value.messages) == 2


def test_neither_ballots_nor_totals_is_refused():
    election = CountInput(
        seats=1, electorate=3, present=3, ballots_issued=3, ballots_returned=3, candidates=["a"]
    )
    with pytest.raises(CountInputError, match="二者必须且只能提供一种"):
        count_ballots(election, RULES)


# --- 4.3 差额 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "required"),
    [(1, 2), (3, 4), (4, 5), (5, 6), (6, 8), (7, 9), (9, 11), (10, 12), (11, 14)],
)
def test_candidate_count_rounds_the_twenty_percent_up(seats, required):
    assert candidate_count_required(seats, 20) == required


@pytest.mark.parametrize(("seats", "required"), [(2, 2), (3, 4), (7, 8), (9, 11)])
def test_half_up_rounding_is_available_as_a_setting(seats, required):
    assert candidate_count_required(seats, 20, round_up=False) == required


def test_check_slate_names_the_rule_and_the_arithmetic():
    short = check_slate(7, 8, RULES)
    enough = check_slate(7, 9, builtin_rules("elections"))

    assert not short.ok and short.required == 9
    assert short.message == (
        "应选7名，候选人8名，差额不足：候选人数应比应选名额多20%以上（7×1.2＝8.4，按进一法至少9名）。"
    )
    assert enough.ok and "符合差额要求" in enough.message


def test_candidate_count_needs_a_seat():
    with pytest.raises(CountInputError, match="应选名额至少为1名"):
        candidate_count_required(0, 20)
