"""The clock's loop, run by `handover worker` and inside `serve` beside the dispatcher."""

import asyncio

import structlog

from app.clock.sweep import sweep
from app.core.rounds import run_rounds
from app.db import Database

logger = structlog.get_logger("handover.clock")


async def run(database: Database, stop: asyncio.Event) -> None:
    """Sweep every `HANDOVER_CLOCK_INTERVAL_SECONDS` until `stop` is set."""

    async def sweep_once() -> int:
        raised = await sweep(database)
        if any(raised.values()):
            logger.info("clock sweep raised events", raised=raised)
        return 0  # the clock sweeps once an interval, whatever it found

    await run_rounds(
        sweep_once,
        stop,
        idle_seconds=database.settings.clock_interval_seconds,
        failure="clock sweep failed; retrying",
        logger=logger,
    )
