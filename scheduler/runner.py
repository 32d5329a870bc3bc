"""The periodic tick, run by APScheduler 3 in memory.

APScheduler holds no job store of consequence: one interval job per process, nothing pickled,
nothing shared between processes. Whatever must survive a restart or be done once across
several instances is decided in the database by the work the tick runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

TickWork = Callable[[], object]


class Ticker:
    def __init__(self, work: list[TickWork], interval_seconds: int) -> None:
        self.work = work
        self.interval_seconds = interval_seconds
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        # One tick at a time (max_instances=1), on a thread of its own.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tick")

    def start(self) -> None:
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=self.interval_seconds,
        )
        self.scheduler.start()

    async def tick(self) -> None:
        loop = asyncio.get_running_loop()
        for work in self.work:
            try:
                # Database work is blocking: keep it off the event loop that answers chat, and
                # off the loop's shared pool too, so that a burst of chat never delays a tick.
                await loop.run_in_executor(self._thread, work)
            except Exception:
                log.exception("tick work failed", extra={"work": getattr(work, "__name__", "?")})

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._thread.shutdown(wait=False)
