"""Is the service able to serve: database reachable, schema at the migrations' head."""

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "alembic"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@cache
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def schema_revisions(session: AsyncSession) -> frozenset[str]:
    rows = await session.exec(text("SELECT version_num FROM alembic_version"))  # type: ignore[call-overload]
    return frozenset(row[0] for row in rows)
