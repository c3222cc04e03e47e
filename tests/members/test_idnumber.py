from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.members.idnumber import check_id_number, make_id_number, mask_id_number

VALID = make_id_number("350402", date(1980, 1, 1), 123, "male")


def test_valid_number_derives_birth_and_gender():
    check = check_id_number(VALID)
    assert check.birth_date == date(1980, 1, 1)
    assert check.gender == "male"
    assert check.warnings == []


def test_lowercase_x_and_spaces_accepted():
    n = next(
        make_id_number("350402", date(1990, 5, 6), s, "female")
        for s in range(0, 999, 2)
        if make_id_number("350402", date(1990, 5, 6), s, "female").endswith("X")
    )
    assert check_id_number(" " + n.lower() + " ").number == n


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (VALID[:-1] + str((int(VALID[-1]) + 1) % 10 if VALID[-1] != "X" else 0), "校验位"),
        (VALID[:17], "18位"),
        ("35040219800A011234", "数字"),
        ("", "不能为空"),
    ],
)
def test_invalid_numbers_have_chinese_reasons(value, fragment):
    with pytest.raises(ValidationError) as exc:
        check_id_number(value)
    assert fragment in exc.value.messages[0]


def test_impossible_birth_date_rejected():
    body = "35040219800230123"  # 30 February
    from stdnum.cn import ric

    with pytest.raises(ValidationError, match="出生日期"):
        check_id_number(body + ric.calc_check_digit(body + "0"))


def test_cross_check_against_entered_birth_date_and_gender():
    with pytest.raises(ValidationError, match="出生日期与身份证号不一致"):
        check_id_number(VALID, birth_date=date(1980, 1, 2))
    with pytest.raises(ValidationError, match="性别与身份证号不一致"):
        check_id_number(VALID, gender="female")
    assert check_id_number(VALID, birth_date=date(1980, 1, 1), gender="male").number == VALID


def test_unknown_region_is_only_a_warning():
    n = make_id_number("999999", date(1980, 1, 1), 5, "male")
    check = check_id_number(n)
    assert check.number == n
    assert any("地区码999999" in w for w in check.warnings)


def test_mask():
    assert mask_id_number("350402198001011234") == "350402********1234"
