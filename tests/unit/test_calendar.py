from datetime import UTC, date, datetime, timedelta

import pytest

from shared.calendar import TZ, WorkingCalendar, load_swaps, local_date


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.default()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def test_tet_2026_closes_the_whole_span_the_government_decreed_14_to_22_february(cal):
    assert not any(cal.is_working_day(d) for d in days(date(2026, 2, 14), date(2026, 2, 22)))
    assert cal.is_working_day(date(2026, 2, 13))
    assert cal.is_working_day(date(2026, 2, 23))


def test_tet_2026_gives_five_weekdays_off_with_the_first_day_on_17_february_D112(cal):
    weekdays_off = [d for d in days(date(2026, 2, 14), date(2026, 2, 22)) if d.weekday() < 5]
    assert weekdays_off == days(date(2026, 2, 16), date(2026, 2, 20))
    assert cal.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"


def test_tet_follows_the_vietnamese_lunar_calendar_not_the_chinese_one(cal):
    # 2030: Vietnam (UTC+7) starts the year on 2 February, China (UTC+8) on 3 February.
    assert cal.holiday_name(date(2030, 2, 2)) == "Tết Nguyên Đán"


def test_gio_to_2026_on_a_sunday_moves_to_monday_27_april_D112(cal):
    assert cal.holiday_name(date(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.is_working_day(date(2026, 4, 28))


def test_national_day_2026_comes_with_an_adjacent_day_and_the_decreed_swap(cal):
    assert not cal.is_working_day(date(2026, 9, 1))
    assert not cal.is_working_day(date(2026, 9, 2))
    assert not cal.is_working_day(date(2026, 8, 31))
    assert cal.is_working_day(date(2026, 8, 22))
    assert cal.is_working_day(date(2026, 9, 3))


def test_new_year_2026_swap_gives_2_january_off_and_makes_saturday_10_january_worked(cal):
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.is_working_day(date(2026, 1, 10))
    assert "10/01/2026" in (cal.holiday_name(date(2026, 1, 2)) or "")


def test_the_2025_labour_day_swap_gives_2_may_off_and_makes_26_april_worked(cal):
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.is_working_day(date(2025, 4, 26))


def test_without_the_swap_table_2_january_2026_is_an_ordinary_friday():
    assert WorkingCalendar().is_working_day(date(2026, 1, 2))
    assert not WorkingCalendar().is_working_day(date(2026, 1, 10))


def test_vietnamese_culture_day_24_november_is_off_from_2026_only(cal):
    assert cal.holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2025, 11, 24))


D112_WEEKDAYS_OFF = {
    "Tết Dương lịch": 1,
    "Tết Nguyên Đán": 5,
    "Giỗ Tổ": 1,
    "Chiến thắng": 1,
    "Lao động": 1,
    "Quốc khánh": 2,
    "Văn hóa": 1,
}


def entitlement_of(name: str) -> str | None:
    if "29 Tết" in name:
        return "Tết Nguyên Đán"
    return next((key for key in D112_WEEKDAYS_OFF if key in name), None)


@pytest.mark.parametrize("year", range(2021, 2041))
def test_every_year_gives_the_weekdays_off_of_D112_moving_rest_day_holidays(year):
    plain = WorkingCalendar()
    weekdays_off = dict.fromkeys(D112_WEEKDAYS_OFF, 0)
    for d in days(date(year, 1, 1), date(year, 12, 31)):
        key = entitlement_of(plain.holiday_name(d) or "")
        if key and d.weekday() < 5:
            weekdays_off[key] += 1
    expected = {**D112_WEEKDAYS_OFF, "Văn hóa": 1 if year >= 2026 else 0}
    assert weekdays_off == expected


def test_add_working_days_skips_the_whole_of_tet(cal):
    assert cal.add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 23), -2) == date(2026, 2, 12)


def test_add_zero_working_days_keeps_a_working_day_and_rolls_a_day_off_forward(cal):
    assert cal.add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert cal.add_working_days(date(2026, 2, 17), 0) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)


def test_negative_working_days_count_back_over_weekends_and_holidays(cal):
    assert cal.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)
    assert cal.add_working_days(date(2026, 1, 5), -1) == date(2025, 12, 31)


def test_working_days_count_saturday_10_january_2026_as_worked(cal):
    assert cal.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert cal.next_working_day(date(2026, 1, 1)) == date(2026, 1, 5)


def test_working_days_between_counts_the_half_open_interval(cal):
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_working_days_between_agrees_with_counting_day_by_day_across_two_years(cal):
    start = date(2024, 12, 20)
    for end in days(start, date(2026, 12, 31))[::7]:
        by_hand = sum(1 for d in days(start + timedelta(1), end) if cal.is_working_day(d))
        assert cal.working_days_between(start, end) == by_hand


def test_adding_then_counting_working_days_round_trips(cal):
    for n in (1, 5, 10, 30, 250):
        end = cal.add_working_days(date(2025, 12, 15), n)
        assert cal.working_days_between(date(2025, 12, 15), end) == n


def test_with_swaps_overrides_the_shipped_table_without_changing_it(cal):
    edited = cal.with_swaps({date(2026, 1, 2): True, date(2026, 3, 7): True})
    assert edited.is_working_day(date(2026, 1, 2))
    assert edited.is_working_day(date(2026, 3, 7))
    assert edited.is_working_day(date(2026, 1, 10))
    assert not cal.is_working_day(date(2026, 1, 2))


def test_an_edited_swap_replaces_the_shipped_note(cal):
    edited = cal.with_swaps({date(2026, 1, 10): False})
    assert edited.holiday_name(date(2026, 1, 10)) == "Ngày nghỉ hoán đổi"
    noted = cal.with_swaps({date(2026, 1, 10): False}, {date(2026, 1, 10): "Nghỉ theo quyết định"})
    assert noted.holiday_name(date(2026, 1, 10)) == "Nghỉ theo quyết định"


def test_holiday_name_is_none_on_working_days_and_ordinary_weekends(cal):
    assert cal.holiday_name(date(2026, 3, 4)) is None
    assert cal.holiday_name(date(2026, 3, 7)) is None
    assert cal.holiday_name(date(2026, 1, 10)) is None


def test_every_shipped_swap_has_a_vietnamese_note():
    swaps, notes = load_swaps()
    assert len(swaps) == 6
    assert all(notes[d] for d in swaps)


def test_local_date_uses_vietnam_time():
    assert local_date(datetime(2026, 2, 13, 17, 0, tzinfo=UTC)) == date(2026, 2, 14)
    assert local_date(datetime(2026, 2, 13, 16, 59, tzinfo=UTC)) == date(2026, 2, 13)
    assert str(TZ) == "Asia/Ho_Chi_Minh"
    with pytest.raises(ValueError):
        local_date(datetime(2026, 2, 13, 16, 59))
