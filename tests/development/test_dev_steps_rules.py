from datetime import date

from dangjian.core.rulesets import builtin_rules, rules_on
from dangjian.development import steps as S
from dangjian.development.rules import DOMAIN


def test_25_steps_in_5_stages_with_committee_steps():
    assert [s.number for s in S.STEPS] == list(range(1, 26))
    assert {s.stage for s in S.STEPS} == {1, 2, 3, 4, 5}
    assert [s.number for s in S.STEPS if s.by_committee] == [4, 8, 13, 16, 17, 18, 24]
    assert all(s.action == "approve" for s in S.STEPS if s.by_committee)
    assert S.step(7).title == "⑦确定发展对象"
    # ⑨⑩⑪ in any order after ⑧; all three before ⑫.
    assert S.step(9).after == S.step(10).after == S.step(11).after == (8,)
    assert set(S.step(12).after) == {9, 10, 11}
    assert S.step(15).needs >= {S.VOTE}
    assert S.step(11).needs == {S.TRAINING}


def test_builtin_rules_and_local_settings_off():
    rules = builtin_rules(DOMAIN)
    assert rules.version == "《中国共产党发展党员工作细则》（中办发〔2014〕33号）"
    assert rules.effective_from == date(2014, 5, 28)
    assert (rules.min_age, rules.talk_within_months, rules.candidate_min_months) == (18, 1, 12)
    assert (rules.training_min_days, rules.training_min_hours) == (3, 24)
    assert (rules.approval_months, rules.approval_max_months, rules.probation_months) == (3, 6, 12)
    assert (rules.extension_min_months, rules.extension_max_months) == (6, 12)
    assert rules.activist_min_application_months == 0
    assert rules.publicity_working_days == 0
    for spec in rules.domain.specs:
        assert spec.source, spec.key
    assert rules.domain.spec("publicity_working_days").grade == "?"
    assert "第十三条" in rules.cite("candidate_min_months")


def test_rules_on_uses_stored_version(db, county):
    from dangjian.core.rulesets import add_ruleset

    add_ruleset(
        actor=county.users["gongwei"],
        domain_key=DOMAIN,
        name="本省补充规定",
        effective_from=date(2020, 1, 1),
        values={"activist_min_application_months": 6},
    )
    assert rules_on(DOMAIN, date(2019, 12, 31)).activist_min_application_months == 0
    assert rules_on(DOMAIN, date(2020, 1, 1)).activist_min_application_months == 6
