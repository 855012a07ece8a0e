"""The lean polls' own connections (app/fastpath/pools.py): a fixed set, closed with the app,
with the service's server settings, and planned per call where the change list needs it."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.db import Database
from app.fastpath.pools import LeanPools
from tests.conftest import settings_for


async def test_the_lean_reads_pool_keeps_a_fixed_set_of_connections(database: Database) -> None:
    """Bursts of reads far above the pool's size share its connections (no connection opened
    and closed per read), and `close` closes them."""
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's pool")
    pools = LeanPools(settings_for(database.settings.database_url, db_poll_pool_size=2))
    try:
        pool = await pools.get()
        assert await pools.get() is pool

        async def backend() -> int:
            pid: int = await pool.fetchval("SELECT pg_backend_pid()")
            return pid

        first = set(await asyncio.gather(*(backend() for _ in range(12))))
        second = set(await asyncio.gather(*(backend() for _ in range(12))))
        assert len(first | second) <= 2
    finally:
        await pools.close()
    alive = -1
    for _ in range(50):  # a closed connection's backend leaves pg_stat_activity a moment later
        async with database.engine.connect() as connection:
            counted = await connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": list(first | second)},
            )
            alive = counted.scalar_one()
        if alive == 0:
            break
        await asyncio.sleep(0.1)
    assert alive == 0


async def test_the_lean_reads_run_without_jit(app: FastAPI) -> None:
    """The same server settings as the engine's sessions (app/db.py `SERVER_SETTINGS`)."""
    pools: LeanPools = app.state.lean_pools
    if pools.settings.is_sqlite:
        pytest.skip("PostgreSQL's setting")
    pool = await pools.get()
    assert await pool.fetchval("SHOW jit") == "off"


async def test_the_change_lists_pool_plans_every_call_for_its_arguments(app: FastAPI) -> None:
    """PostgreSQL keeps one generic plan for a prepared statement after five executions when it
    looks no worse; the change list's pool must not, since its best index depends on
    `updated_since`. The status polls' pool may."""
    pools: LeanPools = app.state.lean_pools
    if pools.settings.is_sqlite:
        pytest.skip("PostgreSQL's plans")
    statement = "SELECT count(*) FROM projects WHERE updated_at >= $1"
    since = datetime.now(UTC) - timedelta(days=1)
    plans = "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1"
    counted = {}
    for planned_per_call in (False, True):
        pool = await pools.get(planned_per_call=planned_per_call)
        async with pool.acquire() as connection:
            for _ in range(8):
                await connection.fetchval(statement, since)
            counted[planned_per_call] = tuple(await connection.fetchrow(plans, statement))
        assert await pools.get(planned_per_call=planned_per_call) is pool
    assert counted[True] == (0, 8)
    assert counted[False][0] > 0  # generic plans once PostgreSQL found them no worse
