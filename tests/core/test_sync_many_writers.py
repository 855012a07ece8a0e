"""PostgreSQL: with very many transactions running, a PM tool still gets tokens and cursors it
can send back, and misses nothing.

A snapshot names every transaction running when it was taken, and a token (and a pass's cursor)
carries it. This server's transaction ids are short and its connections few, so the test stands
for a busy production database in the database itself: a `public.pg_current_snapshot()`, first on
the database's search path, names as running, besides the real ones, transactions that wrote
nothing (they were consumed for the purpose), while a real one holds the oldest id open.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from app.core import sync
from app.main import create_app
from app.operations.service import alembic_config
from tests.conftest import close_app, fresh_database_url, settings_for
from tests.core.test_sync import _all_pages
from tests.factories import Tenant, make_tenant

PRETENDED = 300  # writers in flight, beyond the real ones

BUSY_SNAPSHOT = """
CREATE TABLE pretend_running (xid xid8 PRIMARY KEY);
CREATE FUNCTION public.pg_current_snapshot() RETURNS pg_snapshot LANGUAGE sql VOLATILE AS $$
    SELECT (pg_snapshot_xmin(s)::text || ':' || pg_snapshot_xmax(s)::text || ':' || coalesce((
        SELECT string_agg(x::text, ',' ORDER BY x) FROM (
            SELECT pg_snapshot_xip(s) AS x
            UNION SELECT xid FROM pretend_running
            WHERE xid > pg_snapshot_xmin(s) AND xid < pg_snapshot_xmax(s)
        ) AS running
    ), ''))::pg_snapshot
    FROM pg_catalog.pg_current_snapshot() AS s
$$;
"""


def _server(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgresql_url(database_url: str) -> str:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("SQLite writers take turns: a token is a counter")
    return database_url


@pytest.fixture
def busy_database(postgresql_url: str, tmp_path: Path) -> Iterator[str]:
    for url in fresh_database_url(tmp_path):
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.fixture
async def tenant_on_busy(busy_database: str) -> AsyncIterator[Tenant]:
    connection = await asyncpg.connect(_server(busy_database))
    try:
        await connection.execute(BUSY_SNAPSHOT)
        name = make_url(busy_database).database
        await connection.execute(f'ALTER DATABASE "{name}" SET search_path = public, pg_catalog')
    finally:
        await connection.close()
    app = create_app(settings_for(busy_database))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://handover.test") as http:
            yield await make_tenant(app.state.database, http)
    finally:
        await close_app(app)


async def _hold_the_oldest_and_pretend(url: str, oldest: asyncpg.Connection) -> None:
    """A transaction holding the oldest running id, and PRETENDED more after it."""
    await oldest.execute("BEGIN")
    await oldest.fetchval("SELECT pg_current_xact_id()")
    other = await asyncpg.connect(_server(url))
    try:
        consumed = [await other.fetchval("SELECT pg_current_xact_id()") for _ in range(PRETENDED)]
        await other.executemany(
            "INSERT INTO pretend_running VALUES ($1::text::xid8)", [(str(x),) for x in consumed]
        )
    finally:
        await other.close()


async def test_many_writers_running_keep_tokens_and_cursors_usable(
    tenant_on_busy: Tenant, busy_database: str
) -> None:
    tenant = tenant_on_busy
    before = [(await tenant.project(name=f"Before {n}"))["id"] for n in range(3)]
    oldest = await asyncpg.connect(_server(busy_database))
    try:
        await _hold_the_oldest_and_pretend(busy_database, oldest)
        running = await oldest.fetchval("SELECT count(*) FROM pretend_running")
        assert running == PRETENDED

        # A listing a page at a time: each cursor carries the snapshot, then the token.
        listing = await _all_pages(tenant, "/v1/projects", limit="1")
        assert set(before) <= {item["id"] for item in listing["items"]}
        assert len(listing["token"]) <= sync.SYNC_TOKEN_MAX

        after = (await tenant.project(name="After"))["id"]
        synced = await _all_pages(tenant, "/v1/projects", sync_token=listing["token"], limit="1")
        assert after in {item["id"] for item in synced["items"]}
        await oldest.execute("ROLLBACK")  # the writers end: none is running any more
    finally:
        await oldest.close()

    # Whatever the shortened tokens left for later is read now, and nothing committed is skipped.
    latest = (await tenant.project(name="Latest"))["id"]
    final = await _all_pages(tenant, "/v1/projects", sync_token=synced["token"], limit="1")
    assert latest in {item["id"] for item in final["items"]}


async def test_a_shortened_snapshot_counts_as_committed_only_what_the_whole_one_did(
    postgresql_url: str,
) -> None:
    """PostgreSQL's own reading: the shortened snapshot is one it accepts, it fits, and every
    transaction it counts as committed the whole snapshot counted as committed too."""
    oldest = 10**18  # ids as long as a long-lived cluster's
    running = [oldest + 3 * n for n in range(400)]
    whole = f"{oldest}:{running[-1] + 5}:{','.join(map(str, running))}"
    short = sync.kept_short(whole)
    assert len(short) <= sync.SNAPSHOT_MAX < len(whole)
    connection = await asyncpg.connect(_server(postgresql_url))
    try:
        rows = await connection.fetch(
            "SELECT x, pg_visible_in_snapshot(x::text::xid8, $1::text::pg_snapshot) AS whole,"
            " pg_visible_in_snapshot(x::text::xid8, $2::text::pg_snapshot) AS short"
            " FROM generate_series($3::numeric, $4::numeric) AS x",
            whole,
            short,
            oldest - 2,
            running[-1] + 8,
        )
    finally:
        await connection.close()
    end = int(short.split(":")[1])
    assert all(row["whole"] for row in rows if row["short"])
    assert all(row["whole"] == row["short"] for row in rows if row["x"] < end)
    assert sum(row["short"] for row in rows) > 0
