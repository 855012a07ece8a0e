"""Test harness: one migrated database per run, one organization per test.

`HANDOVER_TEST_DATABASE_URL` picks the database: unset, a SQLite file in a temporary folder;
a PostgreSQL URL names a server, on which a fresh database is created for the run and dropped
after it. Under pytest-xdist (`pytest -n 2`) each worker is a run of its own, with its own
database. Tests commit for real (idempotency claims and concurrent writers need real
transactions) and stay apart because every query is scoped to the test's own organization.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.db import Database
from app.main import create_app
from app.operations.service import alembic_config
from app.settings import Settings
from tests.factories import Tenant, make_tenant

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

# No test sends a webhook off this machine, whatever URL it registers (inherited by `serve`).
os.environ["HANDOVER_WEBHOOK_ALLOW_PUBLIC"] = "false"


async def _run_on_server(url: str, statement: str) -> None:
    server = make_url(url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the configured server (or a new SQLite file)."""
    base = os.environ.get("HANDOVER_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'handover-test.db'}"
        return
    name = f"handover_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_run_on_server(base, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_run_on_server(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def settings_for(database_url: str, **overrides: object) -> Settings:
    # Every test calls from one address, and many expect a 401: no test but those of the
    # limit itself may reach the limit of failed authentications.
    overrides = {"failed_auth_rate_limit": "100000/minute", **overrides}
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        bootstrap=False,
        log_json=True,
        log_level="WARNING",
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for url in fresh_database_url(tmp_path_factory.mktemp("db")):
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return settings_for(database_url, max_body_bytes=64 * 1024)


async def close_app(app: FastAPI) -> None:
    """Close what an app's lifespan closes, for an app the tests call without running it: the
    engine's pool and the lean polls' (app/fastpath/pools.py)."""
    await app.state.database.dispose()
    await app.state.lean_pools.close()


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await close_app(application)


@pytest.fixture(scope="session")
def database(app: FastAPI) -> Database:
    db: Database = app.state.database
    return db


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://handover.test") as http:
        yield http


@pytest.fixture
async def tenant(database: Database, client: httpx.AsyncClient) -> Tenant:
    """A fresh organization with an admin key; `tenant.api` calls as that organization."""
    return await make_tenant(database, client)


@pytest.fixture
async def other_tenant(database: Database, client: httpx.AsyncClient) -> Tenant:
    return await make_tenant(database, client)
