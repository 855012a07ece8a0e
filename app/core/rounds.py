"""The loop every worker runs: a round of work, again at once while there is work, a pause
when there is none, and a failed round logged and tried again rather than ending the worker."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog


async def run_rounds(
    work: Callable[[], Awaitable[int]],
    stop: asyncio.Event,
    *,
    idle_seconds: float,
    failure: str,
    logger: structlog.typing.FilteringBoundLogger,
) -> None:
    """Call `work` until `stop` is set. It returns how much it handled: after a round that
    handled nothing, or failed (logged as `failure`), wait `idle_seconds` or until `stop`."""
    while not stop.is_set():
        try:
            handled = await work()
        except Exception:
            logger.exception(failure)
            handled = 0
        if handled == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
