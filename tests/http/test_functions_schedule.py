"""@every functions through the one dispatcher schedule: each runs when its period has passed (as admin, with a
request id in its context), once however many dispatcher runs overlap, and a failing one doesn't stop the others."""
import concurrent.futures
import time

import pytest

from tests import functions_fixture
from tests.functions_fixture import CALLS, FAIL


@pytest.fixture
def clock(stack):
    """A start far from any other test's (the claims live in the table), and a clean record of the runs."""
    with functions_fixture.LOCK:
        CALLS["ticks"].clear()
        FAIL["tick"] = 0
    clock.base = getattr(clock, "base", time.time() + 10 ** 7) + 10 ** 6
    return clock.base


def ran(name):
    return [t for t in CALLS["ticks"] if t[0] == name]


def test_the_dispatcher_ticks_at_the_gcd_of_the_periods():
    from chalicelib.functions import schedule

    assert schedule.tick_minutes() == 5  # fx_tick every 5 minutes, fx_hourly every hour


def test_each_function_runs_once_per_period(clock):
    from chalicelib.functions import schedule

    first = schedule.run(now=clock)
    assert {"fx_tick", "fx_hourly"} <= set(first["ran"]) and first["failed"] == []
    for minutes in (1, 2):  # within the period (less half a tick): nothing is due
        assert "fx_tick" not in schedule.run(now=clock + minutes * 60)["ran"]
    assert "fx_tick" in schedule.run(now=clock + 5 * 60 - 3)["ran"]  # a tick a few seconds early still counts
    assert "fx_hourly" not in schedule.run(now=clock + 5 * 60 + 1)["ran"]
    for step in range(2, 13):
        schedule.run(now=clock + step * 5 * 60)
    assert len(ran("fx_tick")) == 13 and len(ran("fx_hourly")) == 2  # at 0, ~5, 10, …, 60 minutes
    assert all(t[1] is True for t in CALLS["ticks"])  # as admin
    assert ran("fx_tick")[0][2] == f"schedule:fx_tick:{int(clock)}"


def test_overlapping_dispatcher_runs_start_each_function_once(clock):
    from chalicelib.functions import schedule

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: schedule.run(now=clock), range(6)))
    assert sum("fx_tick" in r["ran"] for r in results) == 1
    assert len(ran("fx_tick")) == 1 and len(ran("fx_hourly")) == 1


def test_a_failing_function_waits_for_its_next_period_and_the_others_run(clock):
    from chalicelib.functions import schedule

    FAIL["tick"] = 1
    result = schedule.run(now=clock)
    assert "fx_tick" in result["failed"] and "fx_hourly" in result["ran"]
    assert "fx_tick" not in schedule.run(now=clock + 60)["ran"] + schedule.run(now=clock + 60)["failed"]
    assert "fx_tick" in schedule.run(now=clock + 300)["ran"]


def test_the_app_declares_one_dispatcher_that_make_dev_runs(chalice_app):
    from devserver.jobs import run_scheduled, schedules

    import app

    found = {name: (seconds, handler) for name, seconds, handler in schedules(chalice_app)}
    # the rate is fixed when app.py is imported: 5 minutes if the test schedules were declared by then, else the
    # idle hour of a deployment without @every functions
    assert found["functions_schedule"][0] in (5 * 60, 60 * 60)
    result = run_scheduled(app.functions_schedule)
    assert set(result) == {"ran", "failed"}


def test_a_cron_function_runs_once_at_each_of_its_times(clock):
    from chalicelib.functions import every, registry, schedule

    runs = []
    every("0 3 * * *", name="fx_nightly")(lambda ctx: runs.append(ctx.is_admin))
    try:
        assert schedule.tick_minutes() == 1  # times of day are checked every minute
        fire = clock - clock % 86400 + 86400 + 3 * 3600  # 03:00 UTC on a day after the clock
        assert "fx_nightly" not in schedule.run(now=fire - 10)["ran"]  # an early tick: not yet
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: schedule.run(now=fire + 2), range(4)))
        assert sum("fx_nightly" in r["ran"] for r in results) == 1
        for later in (30, 62, 3600):
            assert "fx_nightly" not in schedule.run(now=fire + later)["ran"]
        assert "fx_nightly" in schedule.run(now=fire + 86400 + 1)["ran"]  # the next day
        assert runs == [True, True]  # as admin
    finally:
        registry.SCHEDULES.pop("fx_nightly")
