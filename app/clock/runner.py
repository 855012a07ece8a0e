"""The clock's loop, run by `handover worker` and inside `serve` beside the dispatcher."""

import asyncio
import contextlib

import structlog

from app.clock.sweep import sweep
from app.db import Database

logger = structlog.get_logger("handover.clock")


async def run(database: Database, stop: asyncio.Event) -> None:
    """Sweep every `HANDOVER_CLOCK_INTERVAL_SECONDS` until `stop` is set."""
    interval = database.settings.clock_interval_seconds
    while not stop.is_set():
        try:
            raised = await sweep(database)
            if any(raised.values()):
                logger.info("clock sweep raised events", raised=raised)
        except Exception:
            logger.exception("clock sweep failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
