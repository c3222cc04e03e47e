"""党费 calculator over versioned standards (RULES.md 1.3–1.6, 1.16)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.dues.standards import (
    BUILTIN,
    BUILTIN_CATEGORIES,
    FARMER_UNSET,
    add_standard,
    amount_for,
    bracket_rows,
    standard_on,
)

DAY = date(2026, 5, 1)
IN_SERVICE = ["salaried", "annual_salary", "self_employed"]


def _amount(category, base, on=DAY):
    return amount_for(category, Decimal(base), on)


@pytest.mark.parametrize("category", IN_SERVICE)
@pytest.mark.parametrize(
    ("base", "amount", "rate"),
    [
        ("0.00", "0.00", "0.005"),
        ("3000.00", "15.00", "0.005"),
        ("3000.01", "30.00", "0.01"),
        ("5000.00", "50.00", "0.01"),
        ("5000.01", "75.00", "0.015"),
        ("10000.00", "150.00", "0.015"),
        ("10000.01", "200.00", "0.02"),
    ],
)
def test_in_service_brackets_apply_to_the_whole_base(db, category, base, amount, rate):
    result = _amount(category, base)
    assert result.amount == Decimal(amount)
    assert result.rate == Decimal(rate)
    assert result.standard is BUILTIN


@pytest.mark.parametrize(
    ("base", "amount"), [("5000.00", "25.00"), ("5000.01", "50.00"), ("8000", "80.00")]
)
def test_retiree_brackets(db, base, amount):
    assert _amount("retired", base).amount == Decimal(amount)


def test_rounding_defaults_to_cent_half_up(db):
    assert _amount("salaried", "3333.33").amount == Decimal("33.33")
    # 2999.99 × 0.5% = 14.99995 → 15.00
    assert _amount("salaried", "2999.99").amount == Decimal("15.00")
    assert _amount("salaried", "2999.99").amount.as_tuple().exponent == -2


def test_fixed_amount_for_low_income(db):
    result = _amount("low_income", "0")
    assert (result.amount, result.rate) == (Decimal("0.20"), None)


def test_farmer_refused_in_builtin_version(db):
    with pytest.raises(ValidationError) as exc:
        _amount("farmer", "0")
    assert FARMER_UNSET in exc.value.messages[0]


def test_farmer_accepted_once_a_stored_version_sets_it(county):
    add_standard(
        actor=county.users["gongwei"],
        name="某省党费标准（2020）",
        effective_from=date(2020, 1, 1),
        categories={"farmer": {"amount": "0.5"}},
        source="某省规定（RULES.md 1.6）",
    )
    with pytest.raises(ValidationError):
        _amount("farmer", "0", date(2019, 12, 31))
    assert _amount("farmer", "0", date(2020, 1, 1)).amount == Decimal("0.50")


def test_version_switches_on_its_effective_date(county):
    higher = [{"upto": "3000", "rate": "0.01"}, {"upto": None, "rate": "0.02"}]
    add_standard(
        actor=county.users["gongwei"],
        name="测试版本",
        effective_from=date(2026, 5, 18),
        categories={"salaried": {"brackets": higher}},
    )
    before = _amount("salaried", "3000", date(2026, 5, 17))
    on = _amount("salaried", "3000", date(2026, 5, 18))
    assert (before.amount, before.standard.name) == (Decimal("15.00"), BUILTIN.name)
    assert (on.amount, on.standard.name) == (Decimal("30.00"), "测试版本")
    assert standard_on(date(2030, 1, 1)).name == "测试版本"
    # Categories left out keep the built-in values.
    assert _amount("retired", "5000.01", date(2026, 5, 18)).amount == Decimal("50.00")


def test_stored_rounding_step(county):
    add_standard(
        actor=county.users["admin"],
        name="按角取整",
        effective_from=date(2025, 1, 1),
        categories={},
        rounding_step="0.1",
    )
    assert _amount("salaried", "3333.33", date(2025, 1, 1)).amount == Decimal("33.30")
    assert _amount("salaried", "3335.00", date(2025, 1, 1)).amount == Decimal("33.40")
    assert _amount("salaried", "3333.33", date(2024, 12, 31)).amount == Decimal("33.33")


@pytest.mark.parametrize(
    ("category", "base", "on", "message"),
    [
        ("teacher", "100", DAY, "未知的党员类别"),
        ("salaried", "-1", DAY, "负数"),
        ("salaried", "3000.001", DAY, "两位小数"),
        ("salaried", "abc", DAY, "金额数字"),
        ("salaried", "3000", date(2008, 3, 31), "2008年4月1日"),
    ],
)
def test_bad_input_is_refused_in_chinese(db, category, base, on, message):
    with pytest.raises(ValidationError) as exc:
        amount_for(category, base, on)
    assert message in exc.value.messages[0]


def test_builtin_day_itself_is_accepted(db):
    assert amount_for("salaried", "3000", date(2008, 4, 1)).amount == Decimal("15.00")


def test_every_builtin_value_cites_its_rules_item():
    for entry in BUILTIN_CATEGORIES.values():
        assert "RULES.md 1." in entry["source"]
    assert "RULES.md 1.16" in BUILTIN.source and "中组发〔2008〕3号" in BUILTIN.source


def test_bracket_rows_read_as_the_rule_reads():
    assert bracket_rows("salaried", BUILTIN_CATEGORIES["salaried"]) == [
        "月工资 3000元以下（含）：0.5%",
        "月工资 3000元以上至5000元（含）：1%",
        "月工资 5000元以上至10000元（含）：1.5%",
        "月工资 10000元以上：2%",
    ]
