"""Tests of what a request does while another transaction holds a row (PostgreSQL only)."""

import asyncio
import time
from typing import Any

from sqlalchemy import text

from app.db import Database

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def until_waiting(database: Database, sent: asyncio.Future[Any]) -> bool:
    """Whether the request came to wait for a lock (within 5 s) rather than finishing: a test
    then knows its request is under way, without guessing how long that takes."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not sent.done():
        async with database.engine.connect() as connection:
            if (await connection.execute(_WAITING)).scalar_one():
                return True
        await asyncio.sleep(0.05)
    return False
