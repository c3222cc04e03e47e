from datetime import date

from dangjian.core.calendar import add_months, add_years, age_on, months_between


def test_one_year_is_the_same_date_next_year():
    assert add_years(date(2025, 3, 15), 1) == date(2026, 3, 15)
    assert add_years(date(2023, 3, 1), 1) == date(2024, 3, 1)  # across a 29 February: not 365 days


def test_29_february_lands_on_28_february_in_a_common_year():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_month_ends_clamp():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)


def test_age_turns_on_the_birthday_not_the_day_before():
    birth = date(2008, 6, 10)
    assert age_on(birth, date(2026, 6, 9)) == 17
    assert age_on(birth, date(2026, 6, 10)) == 18


def test_age_of_a_29_february_birthday():
    birth = date(2008, 2, 29)
    assert age_on(birth, date(2026, 2, 27)) == 17
    assert age_on(birth, date(2026, 2, 28)) == 18
    assert age_on(birth, date(2028, 2, 28)) == 19
    assert age_on(birth, date(2028, 2, 29)) == 20


def test_months_between_counts_whole_calendar_months():
    assert months_between(date(2026, 1, 31), date(2026, 2, 27)) == 0
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert months_between(date(2026, 5, 1), date(2026, 10, 31)) == 5
    assert months_between(date(2026, 5, 1), date(2026, 11, 1)) == 6
    assert months_between(date(2026, 5, 1), date(2026, 4, 1)) == 0
