"""Alembic runs on the app's async engine, against `HANDOVER_DATABASE_URL` unless told otherwise."""

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import AutoString, SQLModel

import app.models  # noqa: F401 - registers every table on SQLModel.metadata
from app.database_url import async_database_url
from app.db import create_engine
from app.models.base import Money, UTCDateTime
from app.settings import Settings

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return async_database_url(config.get_main_option("sqlalchemy.url") or Settings().database_url)


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy ones: migrations never import the app."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, Money):
        return 'sa.Numeric(precision=16, scale=2).with_variant(sa.BigInteger(), "sqlite")'
    if kind == "type" and isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    return False


# Search objects the migrations make by hand (no model can describe them): the FTS5 table of
# lessons and its shadow tables on SQLite, the GIN expression index on PostgreSQL.
# SQLite's counter of sync positions, and the indexes of those positions (app/core/sync.py).
HAND_MADE_TABLE_PREFIX = ("lesson_search", "sync_counter")
HAND_MADE_INDEXES = frozenset(
    {"ix_lessons_search"}
    | {
        f"ix_{table.name}_change_position"
        for table in target_metadata.tables.values()
        if "change_position" in table.c and table.name != "deleted_rows"
    }
)
# Columns PostgreSQL's triggers keep and no model maps (app/fastpath/list_item.py).
HAND_MADE_COLUMNS = frozenset({("projects", "list_item_json")})


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "table" and name is not None and name.startswith(HAND_MADE_TABLE_PREFIX):
        return False
    if type_ == "column" and (parent_names.get("table_name"), name) in HAND_MADE_COLUMNS:
        return False
    return not (type_ == "index" and name in HAND_MADE_INDEXES)


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        # SQLite can roll DDL back too (see `_sqlite_transactional_ddl`): one transaction for the
        # whole upgrade, as on PostgreSQL.
        transactional_ddl=True if sqlite else None,
        compare_type=True,
        render_item=_render_item,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_transactional_ddl(engine: Engine) -> None:
    """Make an upgrade on SQLite all or nothing, as it is on PostgreSQL.

    Python's sqlite3 driver begins no transaction before DDL, so each CREATE or ALTER committed
    by itself: a `serve` killed during its first migration left a revision half applied, and
    every later start failed on a column that was already there. SQLAlchemy's documented recipe
    ("Enabling Non-Legacy SQLite Transactional Modes") takes the BEGIN over. IMMEDIATE takes the
    write lock before the current revision is read, so two processes starting at once migrate
    one after the other.
    """

    @event.listens_for(engine, "connect")
    def _driver_begins_nothing(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_lock_wait_seconds() -> float:
    """How long an upgrade waits for SQLite's write lock: as long as the app's writers do
    (`HANDOVER_SQLITE_BUSY_TIMEOUT_MS`, handed over by `alembic_config`), not sqlite3's default
    of 5 s, after which a start that found another start migrating failed with "database is
    locked"."""
    default = Settings.model_fields["sqlite_busy_timeout_ms"].default
    return float(config.attributes.get("sqlite_busy_timeout_ms", default)) / 1000


async def _run_online() -> None:
    url = _url()
    sqlite = make_url(url).get_backend_name() == "sqlite"
    connect_args = {"timeout": _sqlite_lock_wait_seconds()} if sqlite else {}
    engine = create_engine(url, connect_args)
    if sqlite:
        _sqlite_transactional_ddl(engine.sync_engine)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
