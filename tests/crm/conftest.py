"""Fixtures for the CRM's own APIs: an app and a worker that may reach fakes on 127.0.0.1."""

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import col

from app.db import Database
from app.main import create_app
from app.models import CrmConnection
from app.settings import Settings
from tests.conftest import close_app, settings_for
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.fakes.salesforce import SalesforceFake
from tests.crm.fakes.server import running
from tests.factories import Tenant, make_tenant

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
# Loopback is allowed, and only loopback: no test's call leaves this machine.
LOCAL_ONLY: dict[str, Any] = {
    "webhook_allow_http": True,
    "webhook_allowed_cidrs": "127.0.0.0/8",
    "webhook_allow_public": False,
}


def local_settings(database_url: str, **overrides: Any) -> Settings:
    return settings_for(database_url, max_body_bytes=64 * 1024, **{**LOCAL_ONLY, **overrides})


@pytest.fixture(scope="session")
async def local_app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(local_settings(database_url))
    yield application
    await close_app(application)


@pytest.fixture
async def local_tenant(local_app: FastAPI) -> AsyncIterator[Tenant]:
    """A tenant of an app whose connections may point at a fake on 127.0.0.1. Its connections
    lose their API access afterwards, so that no later test's worker calls a fake gone."""
    transport = httpx.ASGITransport(app=local_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://handover.test") as http:
        tenant = await make_tenant(local_app.state.database, http)
        yield tenant
    async with tenant.database.transaction() as session:
        await session.exec(
            update(CrmConnection)
            .where(col(CrmConnection.organization_id) == tenant.organization_id)
            .values(api_token_encrypted=None, enabled=False)
        )


@pytest.fixture
async def worker_database(
    database_url: str,
) -> AsyncIterator[Callable[..., Database]]:
    """Databases as a worker sees them, with settings of the test's choosing."""
    made: list[Database] = []

    def make(**overrides: Any) -> Database:
        database = Database(local_settings(database_url, **overrides))
        made.append(database)
        return database

    yield make
    for database in made:
        await database.dispose()


@pytest.fixture
def hubspot() -> Iterator[HubSpotFake]:
    with running(HubSpotFake(TOKEN)) as fake:
        yield fake


@pytest.fixture
def pipedrive() -> Iterator[PipedriveFake]:
    with running(PipedriveFake(TOKEN)) as fake:
        yield fake


@pytest.fixture
def salesforce() -> Iterator[SalesforceFake]:
    with running(SalesforceFake(TOKEN)) as fake:
        yield fake
