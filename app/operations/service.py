"""Is the service able to serve: database reachable, schema at the migrations' head."""

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "alembic"


def alembic_config(
    database_url: str | None = None, *, sqlite_busy_timeout_ms: int | None = None
) -> Config:
    """Alembic's configuration; the busy timeout is how long an upgrade on SQLite waits for the
    write lock (the setting's default unless given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if sqlite_busy_timeout_ms is not None:
        config.attributes["sqlite_busy_timeout_ms"] = sqlite_busy_timeout_ms
    return config


@cache
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def schema_revisions(session: AsyncSession) -> frozenset[str]:
    rows = await session.exec(text("SELECT version_num FROM alembic_version"))  # type: ignore[call-overload]
    return frozenset(row[0] for row in rows)


@cache
def known_revisions() -> frozenset[str]:
    return frozenset(
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    )


async def migrations_pending(session: AsyncSession) -> bool:
    """Whether `handover migrate` is due: the schema has no migrations yet, or older ones than
    this release's. A schema a newer release migrated is not behind (its old replicas serve
    on while they are replaced)."""
    connection = await session.connection()
    if not await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
        return True
    current = await schema_revisions(session)
    return current != head_revisions() and current <= known_revisions()
