"""The fast path's own connections: plain asyncpg pools, beside the engine's.

Checking a connection out of the engine costs a poll (or a CRM's push) more than its one
statement (a greenlet, the pool's events, the connection's wrapper), and a burst above the
engine's `pool_size` would open and close overflow connections on every request. These pools
open connections as polls and pushes need them, up to `db_poll_pool_size` each, keep them
while they are used (asyncpg closes one left idle for five minutes) and hand out the driver's
connection as it is. Opening on demand keeps a process that polls little from holding
connections that PostgreSQL's `max_connections` counts for every replica.
"""

import asyncio

import asyncpg

from app.database_url import asyncpg_arguments
from app.db import SERVER_SETTINGS
from app.settings import Settings


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    """Connections go back as they are: they run single statements and nothing else (no
    session settings, locks, listeners or cursors to undo), so asyncpg's default reset would
    only cost a round trip per poll or push. asyncpg still rolls back an open transaction
    first, were one left."""


class LeanPools:
    """Two pools, opened on first use: one whose statements may settle on a generic plan, and
    one planned for each call's arguments.

    asyncpg prepares a statement once per connection, and after five executions PostgreSQL may
    keep one generic plan for it. That suits a statement whose best plan never depends on its
    arguments (the status poll's primary keys, the intake's connection and insert), not the
    change list, whose best index depends on `updated_since`: that one asks for
    `planned_per_call`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pools: dict[bool, asyncpg.Pool] = {}
        self._opening = asyncio.Lock()

    async def get(self, *, planned_per_call: bool = False) -> asyncpg.Pool:
        pool = self._pools.get(planned_per_call)
        if pool is not None:
            return pool
        async with self._opening:
            pool = self._pools.get(planned_per_call)
            if pool is None:
                pool = self._pools[planned_per_call] = await self._open(planned_per_call)
        return pool

    async def _open(self, planned_per_call: bool) -> asyncpg.Pool:
        settings = SERVER_SETTINGS
        if planned_per_call:
            settings = {**settings, "plan_cache_mode": "force_custom_plan"}
        return await asyncpg.create_pool(
            **asyncpg_arguments(self.settings.database_url),
            server_settings=settings,
            min_size=1,
            max_size=self.settings.db_poll_pool_size,
            reset=_nothing_to_reset,
        )

    async def close(self) -> None:
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            await pool.close()
