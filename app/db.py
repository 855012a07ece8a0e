"""The database: one async engine for SQLite and PostgreSQL, and one transaction per request.

SQLite is tuned to serve an API: WAL (readers never wait for the writer), foreign keys on,
a busy timeout, and `BEGIN IMMEDIATE` for write requests so that two writers queue for the
lock at the start instead of failing with "database is locked" halfway through.
"""

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Insert, Table, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.database_url import engine_url
from app.settings import Settings

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = "handover.writes"  # in `session.info`: a session that may write (its rules apply)

BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
_BEFORE_COMMIT: list[BeforeCommit] = []


def before_commit(hook: BeforeCommit) -> BeforeCommit:
    """Run `hook` at the end of every transaction's block, before it commits: a rule of the unit
    of work that no service should have to remember (app/projects/changes.py)."""
    _BEFORE_COMMIT.append(hook)
    return hook


async def settle(session: AsyncSession) -> None:
    """Apply the unit of work's own rules now rather than at the commit, for a caller that
    answers their failure itself (a share page): they run again at the commit, finding nothing
    left to do."""
    for hook in _BEFORE_COMMIT:
        await hook(session)


# PostgreSQL's settings for every connection of the service. No JIT: only the portfolio
# analytics pass `jit_above_cost`, and there compiling cost more than it saved (bench/README.md).
SERVER_SETTINGS = {"jit": "off"}
_IMMEDIATE = "handover_sqlite_immediate"


def create_engine(url: str, connect_args: dict[str, Any], **options: Any) -> AsyncEngine:
    """An async engine for a database URL as a user writes it (app/database_url.py)."""
    parsed, extra = engine_url(url)
    return create_async_engine(parsed, connect_args={**connect_args, **extra}, **options)


def _configure_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ping_after_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle for `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: on asyncpg outside a transaction that
    is three round trips (BEGIN, a ping, ROLLBACK) before each request's own. A connection
    that was returned a moment ago is as alive as a ping would show; one that idled may have
    been closed by a restart, a failover or a proxy, and is replaced before a request sees it
    (SQLAlchemy's recipe: raise `DisconnectionError` at checkout and the pool reconnects).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as gone:
            raise DisconnectionError("the pooled connection did not answer a ping") from gone


class Database:
    """The engine and the two session factories: reads (deferred) and writes (immediate)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.is_sqlite:
            self.engine = create_engine(
                settings.database_url, {"timeout": settings.sqlite_busy_timeout_ms / 1000}
            )
        else:
            self.engine = create_engine(
                settings.database_url,
                {"server_settings": SERVER_SETTINGS},
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
            )
        if settings.is_sqlite:
            _configure_sqlite(self.engine, settings)
        else:
            _ping_after_idle(self.engine, settings.db_ping_after_idle_seconds)
        # PostgreSQL reads in autocommit: under READ COMMITTED every statement takes its own
        # snapshot even inside a transaction, so a read-only BEGIN … ROLLBACK buys nothing and
        # costs two round trips per request. SQLite keeps its deferred BEGIN (one snapshot).
        reads = self.engine if settings.is_sqlite else self._autocommit()
        self._reads = async_sessionmaker(reads, class_=AsyncSession, expire_on_commit=False)
        self._writes = async_sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}),
            class_=AsyncSession,
            expire_on_commit=False,
            info={WRITES: True},
        )

    def _autocommit(self) -> AsyncEngine:
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def session(self, *, write: bool = True) -> AsyncSession:
        return (self._writes if write else self._reads)()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back on error.
        The unit of work's own rules (`before_commit`) run first."""
        async with self.session(write=write) as session, session.begin():
            yield session
            await settle(session)

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """A database for one command or one worker: its pools are closed when the block ends."""
    database = Database(settings)
    try:
        yield database
    finally:
        await database.dispose()


@asynccontextmanager
async def working_memory(session: AsyncSession, megabytes: int) -> AsyncIterator[None]:
    """PostgreSQL's `work_mem` raised to `megabytes` for the statements of the block, on the
    session's connection, and reset after it (SQLite has no such setting: nothing is done).

    For statements that aggregate a whole portfolio (app/analytics/service.py). When the block
    fails, the reset is tried but cannot hide the failure: a transaction the failure aborted
    refuses it, and undoes the `SET` itself as it rolls back."""
    if (await session.connection()).dialect.name != "postgresql":
        yield
        return
    reset = text("RESET work_mem")
    await session.exec(text(f"SET work_mem = '{int(megabytes)}MB'"))  # type: ignore[call-overload]
    try:
        yield
    except BaseException:
        with contextlib.suppress(DBAPIError):
            await session.exec(reset)  # type: ignore[call-overload]
        raise
    await session.exec(reset)  # type: ignore[call-overload]


def _insert(session: AsyncSession, table: Table) -> Any:
    """The session's database's own INSERT, which has `ON CONFLICT` (both dialects' do)."""
    dialect = session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)


def insert_or_ignore(session: AsyncSession, table: Table) -> Insert:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database: claims decided by a
    unique constraint, never by a read-then-write."""
    statement: Insert = _insert(session, table).on_conflict_do_nothing()
    return statement


def upsert(session: AsyncSession, table: Table, rows: dict[str, Any] | list[dict[str, Any]]) -> Any:
    """`INSERT rows … ON CONFLICT`, to be finished with `.on_conflict_do_update(…)`, which can
    name the proposed row as `.excluded`."""
    return _insert(session, table).values(rows)
