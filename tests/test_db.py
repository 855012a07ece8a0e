"""The database is set up to serve an API."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.db import Database, working_memory
from app.fastpath.pools import LeanPools
from app.operations.service import alembic_config
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


def _with_query(url: str, **query: str) -> str:
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


async def _server_offers_tls(database: Database) -> bool:
    async with database.engine.connect() as connection:
        ssl: str = (await connection.execute(text("SHOW ssl"))).scalar_one()
    return ssl == "on"


async def _connected_as(url: str) -> list[tuple[str, bool]]:
    """The session's `application_name` and whether it runs over TLS, as seen by the engine, the
    fast path's pools and a migration, each connecting from `url` on its own."""
    settings = settings_for(url)
    query = (
        "SELECT current_setting('application_name'), ssl FROM pg_stat_ssl"
        " WHERE pid = pg_backend_pid()"
    )
    seen: list[tuple[str, bool]] = []
    database = Database(settings)
    try:
        async with database.engine.connect() as connection:
            name, tls = (await connection.execute(text(query))).one()
            seen.append((name, tls))
    finally:
        await database.dispose()
    pools = LeanPools(settings)
    try:
        row = await (await pools.get()).fetchrow(query)
        assert row is not None
        seen.append((row[0], row[1]))
    finally:
        await pools.close()
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")  # it connects, or raises
    return seen


async def _refused_by_every_part(
    url: str, error: type[Exception], match: str | None = None
) -> None:
    """Neither the engine, the fast path's pools nor a migration connect from `url`: each
    raises `error`."""
    settings = settings_for(url)
    refused = Database(settings)
    try:
        with pytest.raises(error, match=match):
            async with refused.engine.connect():
                pass
    finally:
        await refused.dispose()
    pools = LeanPools(settings)
    try:
        with pytest.raises(error, match=match):
            await pools.get()
    finally:
        await pools.close()
    with pytest.raises(error, match=match):
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


@pytest.mark.parametrize(
    "tls",
    [
        {"sslmode": "prefer"},
        {"ssl": "prefer"},
        {"sslmode": "disable"},
        {"ssl": "disable"},
        # libpq's timeout, and asyncpg's arguments as numbers (a pgbouncer's statement cache off)
        {"sslmode": "prefer", "connect_timeout": "5", "statement_cache_size": "0"},
    ],
    ids=lambda query: "&".join(f"{key}={value}" for key, value in query.items()),
)
async def test_a_providers_url_reaches_the_database_from_every_part(
    database: Database, tls: dict[str, str]
) -> None:
    """A URL as managed PostgreSQL hands it out (libpq's `sslmode=`, `application_name=`), or
    with asyncpg's `ssl=`, is read alike by the engine, the fast path's pools and migrations.
    Before, `sslmode=` stopped the engine from starting, and `ssl=` sent the fast path's every
    poll and push back to the engine after a failed connect."""
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's connection parameters")
    url = _with_query(database.settings.database_url, application_name="handover-door", **tls)
    offered = await _server_offers_tls(database)
    over_tls = offered and "disable" not in tls.values()
    assert await _connected_as(url) == [("handover-door", over_tls)] * 2


@pytest.mark.parametrize("tls", [{"sslmode": "require"}, {"ssl": "require"}], ids=str)
async def test_a_url_that_requires_tls_gets_it_or_does_not_connect(
    database: Database, tls: dict[str, str]
) -> None:
    """`require` is honoured by every part: over TLS where the server offers it, and otherwise
    no part falls back to a plain connection."""
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's connection parameters")
    url = _with_query(database.settings.database_url, application_name="handover-door", **tls)
    if await _server_offers_tls(database):
        assert await _connected_as(url) == [("handover-door", True)] * 2
        return
    await _refused_by_every_part(url, ConnectionError, match="rejected SSL upgrade")


async def test_a_url_naming_its_certificate_authority_is_read_by_every_part(
    database: Database, tmp_path: Path
) -> None:
    """`sslrootcert=` (how a provider's URL pins its CA) reaches the TLS setup of the engine and
    of the fast path's pools: a file that is not there stops both before any plain connection."""
    if database.settings.is_sqlite:
        pytest.skip("PostgreSQL's connection parameters")
    missing = tmp_path / "not-there-ca.pem"
    url = _with_query(
        database.settings.database_url, sslmode="verify-full", sslrootcert=str(missing)
    )
    await _refused_by_every_part(url, FileNotFoundError)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"sslmode": "require", "channel_binding": "require"}, "channel_binding cannot be"),
        ({"keepalives": "1"}, "keepalives cannot be"),
        ({"connect_timeout": "soon"}, "connect_timeout=soon is not a number"),
    ],
)
def test_a_url_asking_what_the_driver_cannot_honour_is_refused_when_read(
    query: dict[str, str], said: str
) -> None:
    """Refused with the settings, naming the parameter: not sent to PostgreSQL as a setting it
    refuses at the first connection, nor dropped (`channel_binding=require` would then protect
    less than it says)."""
    url = _with_query("postgresql://postgres@127.0.0.1:5432/handover", **query)
    with pytest.raises(ValidationError, match=said):
        settings_for(url)
