"""The database is set up to serve an API."""

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.db import Database, working_memory
from tests.conftest import settings_for


async def test_sqlite_runs_as_a_server_database(database: Database) -> None:
    if not database.settings.is_sqlite:
        pytest.skip("SQLite pragmas")
    async with database.transaction(write=False) as session:

        async def pragma(name: str) -> object:
            return (await session.exec(text(f"PRAGMA {name}"))).one()[0]  # type: ignore[call-overload]

        assert await pragma("journal_mode") == "wal"
        assert await pragma("foreign_keys") == 1
        assert await pragma("busy_timeout") == database.settings.sqlite_busy_timeout_ms


async def test_write_transactions_take_the_lock_at_begin(database: Database) -> None:
    """A write request holds the write lock from its first statement (BEGIN IMMEDIATE), so a
    second writer waits for it instead of failing halfway with "database is locked"."""
    if not database.settings.is_sqlite:
        pytest.skip("SQLite locking")
    path = make_url(database.settings.async_database_url).database
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with database.transaction(write=False) as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            other.execute("BEGIN IMMEDIATE")  # a read transaction leaves the lock free
            other.execute("ROLLBACK")
        async with database.transaction(write=True) as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


async def _backend(database: Database) -> int:
    async with database.engine.connect() as connection:
        pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        return pid


@pytest.mark.parametrize(("idle_seconds", "replaced"), [(0, True), (3600, False)])
async def test_a_connection_that_died_while_idle_is_replaced_before_use(
    database: Database, idle_seconds: float, replaced: bool
) -> None:
    """A pooled connection idle longer than `db_ping_after_idle_seconds` is pinged, and replaced
    when the server closed it meanwhile; one in steady use is handed out as it is."""
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's pool")
    pooled = Database(
        settings_for(
            database.settings.database_url,
            db_pool_size=1,
            db_max_overflow=0,
            db_ping_after_idle_seconds=idle_seconds,
        )
    )
    try:
        first = await _backend(pooled)
        async with database.engine.connect() as outside:
            # the timeout: wait until the backend is gone (PostgreSQL 14+)
            await outside.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
        if replaced:
            assert await _backend(pooled) != first
        else:
            with pytest.raises(DBAPIError):
                await _backend(pooled)
    finally:
        await pooled.dispose()


async def test_postgresql_sessions_run_without_jit(database: Database) -> None:
    """JIT compilation costs the portfolio analytics more than it saves (app/db.py)."""
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's setting")
    async with database.engine.connect() as connection:
        assert (await connection.execute(text("SHOW jit"))).scalar_one() == "off"


async def test_working_memory_is_raised_for_the_block_only(database: Database) -> None:
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's setting")
    async with database.transaction(write=False) as session:

        async def work_mem() -> str:
            value: str = (await session.exec(text("SHOW work_mem"))).one()[0]  # type: ignore[call-overload]
            return value

        before = await work_mem()
        async with working_memory(session, 48):
            assert await work_mem() == "48MB"
        assert await work_mem() == before
        with pytest.raises(RuntimeError):
            async with working_memory(session, 48):
                raise RuntimeError("the statements failed")
        assert await work_mem() == before
    # in a transaction the failure aborted, the failure is what surfaces, and the SET is undone
    with pytest.raises(DBAPIError, match="division by zero"):
        async with database.transaction() as session, working_memory(session, 48):
            await session.exec(text("SELECT 1 / 0"))  # type: ignore[call-overload]
    async with database.transaction(write=False) as session:
        assert (await session.exec(text("SHOW work_mem"))).one()[0] == before  # type: ignore[call-overload]
