from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.core import rulesets
from dangjian.core.models import RuleSet
from dangjian.core.rulesets import Domain, RuleSpec, add_ruleset, register_domain, rules_on

DOMAIN = Domain(
    key="test_domain",
    label="测试规则",
    builtin_name="《测试细则》（2014）",
    builtin_from=date(2014, 5, 28),
    specs=(
        RuleSpec("talk_months", "谈话期限", 1, unit="个月", source="第七条", minimum=1, maximum=12),
        RuleSpec("local_days", "公示天数", 0, unit="日", source="地方规定", grade="?", minimum=0),
        RuleSpec("strict", "严格模式", False, kind="bool"),
    ),
)


@pytest.fixture
def domain():
    register_domain(DOMAIN)
    yield DOMAIN
    rulesets._DOMAINS.pop(DOMAIN.key, None)


def _add(actor, day=date(2026, 5, 18), **values):
    return add_ruleset(
        actor=actor,
        domain_key=DOMAIN.key,
        name="《测试细则》（2026年修订）",
        effective_from=day,
        values={"talk_months": "2", "local_days": "5", **values},
    )


def test_builtin_version_applies_until_a_stored_one_takes_effect(county, domain):
    _add(county.users["gongwei"])
    before = rules_on(DOMAIN.key, date(2026, 5, 17))
    on = rules_on(DOMAIN.key, date(2026, 5, 18))
    assert (before.version, before.talk_months, before.local_days) == ("《测试细则》（2014）", 1, 0)
    assert (on.version, on.talk_months, on.local_days) == ("《测试细则》（2026年修订）", 2, 5)


def test_the_latest_version_in_force_on_the_day_wins(county, domain):
    gongwei = county.users["gongwei"]
    _add(gongwei, date(2026, 5, 18), talk_months="2")
    _add(gongwei, date(2027, 1, 1), talk_months="3")
    assert rules_on(DOMAIN.key, date(2026, 12, 31)).talk_months == 2
    assert rules_on(DOMAIN.key, date(2027, 1, 1)).talk_months == 3


def test_cite_names_rule_value_version_and_source(db, domain):
    text = rules_on(DOMAIN.key, date(2020, 1, 1)).cite("talk_months")
    assert "谈话期限：1个月" in text and "《测试细则》（2014）" in text and "第七条" in text


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"talk_months": "abc"}, "talk_months", "应为数字"),
        ({"talk_months": "0"}, "talk_months", "不能小于1"),
        ({"talk_months": "13"}, "talk_months", "不能大于12"),
        ({"local_days": ""}, "local_days", "请填写"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(county, domain, values, field, message):
    with pytest.raises(ValidationError) as exc:
        _add(county.users["gongwei"], **values)
    assert message in " ".join(exc.value.message_dict[field])
    assert not RuleSet.objects.exists()


def test_dates_must_be_new_and_after_the_builtin_version(county, domain):
    gongwei = county.users["gongwei"]
    _add(gongwei)
    with pytest.raises(ValidationError, match="该日期已有"):
        _add(gongwei)
    with pytest.raises(ValidationError, match="应晚于内置版本"):
        _add(gongwei, date(2014, 5, 28))
    assert RuleSet.objects.count() == 1


def test_only_rule_administrators_add_versions(county, domain):
    with pytest.raises(ValidationError, match="没有维护规则版本的权限"):
        _add(county.users["zhibu"])
    _add(county.users["admin"])  # the system administrator maintains configuration
    assert RuleSet.objects.count() == 1


def test_rules_page_lists_versions_with_sources(county, domain, login):
    _add(county.users["gongwei"])
    page = login(county.users["zhibu"]).get("/rules/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "《测试细则》（2026年修订）" in text and "第七条" in text and "可设置项" in text
    assert "新增规则版本" not in text  # a branch secretary reads the rules but does not change them


def test_add_page_stores_a_version_and_refuses_bad_input(county, domain, client, login):
    login(county.users["gongwei"])
    bad = client.post(
        f"/rules/{DOMAIN.key}/add/",
        {
            "name": "新版",
            "effective_from": "2026-05-18",
            "rule_talk_months": "x",
            "rule_local_days": "5",
        },
    )
    assert bad.status_code == 200 and "应为数字" in bad.content.decode()
    assert not RuleSet.objects.exists()
    ok = client.post(
        f"/rules/{DOMAIN.key}/add/",
        {
            "name": "新版",
            "effective_from": "2026-05-18",
            "rule_talk_months": "2",
            "rule_local_days": "5",
        },
    )
    assert ok.status_code == 302
    assert rules_on(DOMAIN.key, date(2026, 6, 1)).talk_months == 2


def test_members_and_outsiders_cannot_open_the_rule_pages(county, domain, client, login):
    login(county.users["dangyuan"])
    assert client.get("/rules/").status_code == 404
    login(county.users["zhibu"])
    assert client.get(f"/rules/{DOMAIN.key}/add/").status_code == 404


def test_messages_cite_sources_without_the_developer_digest_reference(db, domain):
    from dangjian.core.rulesets import public_source

    assert public_source("《细则》第七条（RULES.md 2.3）") == "《细则》第七条"
    assert public_source("地方规定（RULES.md 2.4，地方做法）") == "地方规定（地方做法）"
    assert "RULES.md" not in rules_on(DOMAIN.key, date(2020, 1, 1)).cite("talk_months")
