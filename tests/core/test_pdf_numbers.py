from datetime import date

import pytest

from dangjian.core.pdf import capital_number, capital_year_month, chinese_date


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "零"),
        (3, "叁"),
        (10, "壹拾"),
        (15, "壹拾伍"),
        (30, "叁拾"),
        (90, "玖拾"),
        (101, "壹佰零壹"),
        (2026, "贰仟零贰拾陆"),
    ],
)
def test_capital_numerals(n, text):
    assert capital_number(n) == text


def test_dues_month_in_capitals():
    assert capital_year_month(2026, 11) == "贰零贰陆年壹拾壹月"
    assert capital_year_month(2026, 3) == "贰零贰陆年叁月"


def test_out_of_range_is_refused():
    with pytest.raises(ValueError):
        capital_number(10000)


def test_chinese_date():
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
