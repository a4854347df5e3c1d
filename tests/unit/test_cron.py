"""`@every` with a cron expression: Unix's five fields and EventBridge's cron(…), matched in UTC."""
import calendar

import pytest

from chalicelib.functions import cron, every, registry


def at(text):
    return calendar.timegm(__import__("time").strptime(text, "%Y-%m-%d %H:%M"))


@pytest.mark.parametrize("expression,fires,quiet", [
    ("0 3 * * *", ["2026-12-07 03:00", "2026-12-08 03:00"], ["2026-12-07 03:01", "2026-12-07 04:00"]),
    ("*/15 9-17 * * MON-FRI", ["2026-12-07 09:45", "2026-12-11 17:00"], ["2026-12-12 10:00", "2026-12-07 18:00"]),
    ("30 1 1,15 * *", ["2026-12-01 01:30", "2026-12-15 01:30"], ["2026-12-02 01:30"]),
    ("0 0 * * 0", ["2026-12-06 00:00"], ["2026-12-07 00:00"]),  # Sunday as 0
    ("0 0 * * 7", ["2026-12-06 00:00"], ["2026-12-07 00:00"]),  # and as 7
    ("0 12 1 * MON", ["2026-12-01 12:00", "2026-12-07 12:00"], ["2026-12-02 12:00"]),  # either day rule
    ("cron(0 3 * * ? *)", ["2026-12-07 03:00"], ["2026-12-07 03:30"]),
    ("cron(0 8 ? * 2 *)", ["2026-12-07 08:00"], ["2026-12-08 08:00"]),  # EventBridge: 2 = Monday
    ("cron(0 8 ? * MON-FRI 2027)", ["2027-01-04 08:00"], ["2026-12-07 08:00"]),
])
def test_fire_times(expression, fires, quiet):
    parsed = cron.parse(expression)
    assert all(parsed.matches(at(t)) for t in fires)
    assert not any(parsed.matches(at(t)) for t in quiet)


@pytest.mark.parametrize("expression,word", [
    ("61 * * * *", "outside 0-59"), ("0 3 * *", "or a cron expression"), ("cron(0 3 * * *)", "6 in EventBridge"),
    ("0 3 * * FUNDAY", "not a number or a name"), ("0 3 L * *", "not a number"),
])
def test_a_wrong_expression_names_the_field(expression, word):
    with pytest.raises(ValueError, match=word):
        every(expression)(lambda ctx: None)


def test_latest_finds_the_fire_time_within_the_window():
    parsed = cron.parse("0 3 * * *")
    assert parsed.latest(at("2026-12-07 03:00") + 40, 90) == at("2026-12-07 03:00")
    assert parsed.latest(at("2026-12-07 03:02"), 90) is None


def test_a_cron_schedule_makes_the_dispatcher_tick_every_minute():
    def nightly(ctx):
        return None

    every("0 3 * * *", name="unit_nightly")(nightly)
    try:
        assert registry.SCHEDULES["unit_nightly"].minutes == 1
        assert registry.SCHEDULES["unit_nightly"].cron.text == "0 3 * * *"
    finally:
        registry.SCHEDULES.pop("unit_nightly")
