"""The work beside the API: the webhook dispatcher, the CRM worker and write-backs, the clock.

They run inside `serve` (one process), once per host beside the processes of
`serve --workers N` (app/serving.py), and in `handover worker`. Each claims its work through
leases in the database, so several hosts sharing one PostgreSQL share the work.
"""

import asyncio
import os
from collections.abc import Coroutine
from typing import Any

import structlog

from app.clock import runner as clock
from app.crm import worker as crm_worker
from app.crm.writeback import send as writeback
from app.db import Database
from app.webhooks import dispatcher

logger = structlog.get_logger("handover.background")


async def run_background(
    database: Database, stop: asyncio.Event, *, deliver: bool, with_clock: bool
) -> None:
    """Deliver webhooks and plan CRM requests (`deliver`), sweep the clock (`with_clock`), until
    `stop` is set. Says once in the log which process runs them."""
    loops: list[Coroutine[Any, Any, None]] = []
    if deliver:
        loops += [
            dispatcher.run(database, stop),
            crm_worker.run(database, stop),
            writeback.run(database, stop),
        ]
    if with_clock:
        loops.append(clock.run(database, stop))
    if not loops:
        return
    logger.info("background work started", pid=os.getpid(), deliver=deliver, clock=with_clock)
    await asyncio.gather(*loops)
