"""The APScheduler tick: one short in-memory interval job, nothing persistent, nothing shared."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import ValidationError

from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import TICKER, create_app
from scheduler.runner import Ticker

MAX_TICK = timedelta(seconds=30)


def assert_one_short_memory_job(ticker: Ticker) -> None:
    scheduler = ticker.scheduler
    # The only job store is APScheduler's default in-memory one: nothing pickled to a
    # database or file, so nothing another process could pick up or replay.
    stores = scheduler._jobstores  # no public accessor in APScheduler 3
    assert list(stores) == ["default"]
    assert type(stores["default"]) is MemoryJobStore
    jobs = scheduler.get_jobs()
    assert len(jobs) == 1
    trigger = jobs[0].trigger
    assert isinstance(trigger, IntervalTrigger)
    assert timedelta(0) < trigger.interval <= MAX_TICK
    assert jobs[0].max_instances == 1


def test_the_ticker_schedules_one_in_memory_interval_job() -> None:
    async def scenario() -> None:
        ticker = Ticker([lambda: None], 20)
        ticker.start()
        try:
            assert ticker.scheduler.running
            assert_one_short_memory_job(ticker)
            assert ticker.scheduler.get_jobs()[0].trigger.interval == timedelta(seconds=20)
        finally:
            ticker.shutdown()
            await asyncio.sleep(0)

    asyncio.run(scenario())


def test_the_web_app_ticks_at_most_every_30_seconds_without_a_job_store(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/web.db")  # type: ignore[call-arg]
    assert settings.scheduler_tick_seconds <= 30
    runtime = build_runtime(settings)
    try:
        app = create_app(runtime)
        ticker = app[TICKER]
        assert ticker.interval_seconds == settings.scheduler_tick_seconds
        names = [getattr(w, "__name__", getattr(getattr(w, "func", None), "__name__", ""))
                 for w in ticker.work]
        assert "run_once" in names

        async def scenario() -> None:
            ticker.start()
            try:
                assert_one_short_memory_job(ticker)
            finally:
                ticker.shutdown()
                await asyncio.sleep(0)

        asyncio.run(scenario())
    finally:
        runtime.close()


def test_a_tick_longer_than_30_seconds_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, scheduler_tick_seconds=31)  # type: ignore[call-arg]


def test_a_failing_work_item_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    def broken() -> None:
        raise RuntimeError("database unreachable")

    def first() -> None:
        done.append("first")

    def last() -> None:
        done.append("last")

    caplog.set_level(logging.ERROR, logger="scheduler.runner")
    asyncio.run(Ticker([first, broken, last], 20).tick())
    assert done == ["first", "last"]
    assert caplog.messages == ["tick work failed"]


def test_the_scheduler_really_runs_the_tick() -> None:
    ran = threading.Event()

    async def scenario() -> bool:
        ticker = Ticker([ran.set], 1)
        ticker.start()
        try:
            for _ in range(500):
                if ran.is_set():
                    return True
                await asyncio.sleep(0.01)
            return False
        finally:
            ticker.shutdown()
            await asyncio.sleep(0)

    assert asyncio.run(scenario())
