"""add_standard: validation, permissions, audit."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from dangjian.dues.models import DuesStandard
from dangjian.dues.standards import add_standard


def _add(actor, **overrides):
    kwargs = {
        "actor": actor,
        "name": "某省党费标准",
        "effective_from": date(2024, 1, 1),
        "categories": {"farmer": {"amount": "0.5"}},
        "rounding_step": "0.01",
        "rounding_mode": "ROUND_HALF_UP",
        "source": "某省规定",
    }
    kwargs.update(overrides)
    return add_standard(**kwargs)


@pytest.mark.parametrize("username", ["gongwei", "admin"])
def test_work_committee_and_system_admin_may_add(county, username):
    row = _add(county.users[username])
    assert row.categories["farmer"]["amount"] == "0.5"
    assert row.categories["salaried"]["brackets"][0] == {"upto": "3000", "rate": "0.005"}
    assert row.created_by == county.users[username]


@pytest.mark.parametrize("username", ["dangwei", "zhibu", "dangyuan", "shenji", "nobody"])
def test_other_roles_may_not_add(county, username):
    with pytest.raises(ValidationError) as exc:
        _add(county.users[username])
    assert "权限" in exc.value.messages[0]
    assert not DuesStandard.objects.exists()


def test_adding_is_audited(county):
    row = _add(county.users["gongwei"])
    assert LogEntry.objects.get_for_object(row).filter(action=LogEntry.Action.CREATE).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"name": " "}, "name", "版本名称"),
        ({"effective_from": date(2008, 4, 1)}, "effective_from", "晚于"),
        ({"rounding_step": "0"}, "rounding_step", "舍入单位"),
        ({"rounding_step": "0.001"}, "rounding_step", "舍入单位"),
        ({"rounding_mode": "ROUND_05UP"}, "rounding_mode", "舍入方式"),
        ({"categories": {"farmer": {"amount": "1.5"}}}, "farmer", "0.2元至1元"),
        ({"categories": {"farmer": {"amount": "0.1"}}}, "farmer", "0.2元至1元"),
        ({"categories": {"low_income": {"amount": "0.5"}}}, "low_income", "0.2元"),
        ({"categories": {"teacher": {}}}, "categories", "未知"),
        (
            {
                "categories": {
                    "salaried": {
                        "brackets": [
                            {"upto": "5000", "rate": "0.01"},
                            {"upto": "3000", "rate": "0.01"},
                            {"upto": None, "rate": "0.02"},
                        ]
                    }
                }
            },
            "salaried",
            "从小到大",
        ),
        (
            {
                "categories": {
                    "salaried": {
                        "brackets": [
                            {"upto": "3000", "rate": "0.01"},
                            {"upto": None, "rate": "1.5"},
                        ]
                    }
                }
            },
            "salaried",
            "0%至100%",
        ),
        (
            {
                "categories": {
                    "retired": {
                        "brackets": [
                            {"upto": "3000", "rate": "0.01"},
                            {"upto": "9000", "rate": "0.02"},
                        ]
                    }
                }
            },
            "retired",
            "不设上限",
        ),
        (
            {
                "categories": {
                    "retired": {
                        "brackets": [
                            {"upto": "3000", "rate": "-0.01"},
                            {"upto": None, "rate": "0.02"},
                        ]
                    }
                }
            },
            "retired",
            "0%至100%",
        ),
    ],
)
def test_invalid_standards_are_refused_and_change_nothing(county, overrides, field, text):
    with pytest.raises(ValidationError) as exc:
        _add(county.users["gongwei"], **overrides)
    assert field in exc.value.message_dict
    assert text in " ".join(exc.value.message_dict[field])
    assert not DuesStandard.objects.exists()


def test_one_version_per_day(county):
    _add(county.users["gongwei"])
    with pytest.raises(ValidationError) as exc:
        _add(county.users["gongwei"], name="另一个")
    assert "effective_from" in exc.value.message_dict
    assert DuesStandard.objects.count() == 1


def test_farmer_may_stay_unset_in_a_stored_version(county):
    row = _add(county.users["gongwei"], categories={"farmer": {"amount": None}})
    assert row.categories["farmer"]["amount"] is None
