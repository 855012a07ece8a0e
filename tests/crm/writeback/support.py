"""One CRM deal whose project writes back, for each of the three CRM fakes, and a dispatcher
that runs until everything due is sent."""

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from app.core.auth import Caller
from app.crm.clients.http import crm_http_client
from app.crm.schemas import DELIVERY_FIELDS
from app.crm.writeback import send
from app.crm.writeback.fields import DEFAULT_FIELD_MAPS
from app.db import Database
from app.deals.schemas import CanonicalDeal
from app.deals.service import Origin, take_deal
from app.models import CrmSource, CrmWriteback, WritebackStatus
from tests.crm.conftest import TOKEN
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.fakes.salesforce import SalesforceFake
from tests.crm.fakes.server import FakeCRM
from tests.crm.samples import connection
from tests.factories import Tenant
from tests.handoffs.helpers import accept

PROJECT_URL = "https://pm.example.com/projects/{project_id}"
# Pipedrive's custom field keys are 40-character hashes of each account.
PIPEDRIVE_KEYS = {name: hashlib.sha1(name.encode()).hexdigest() for name in DELIVERY_FIELDS}  # noqa: S324
DEAL_IDS = {"hubspot": "4242", "pipedrive": "4242", "salesforce": "006000000000042AAA"}
OTHER_DEAL_IDS = {"hubspot": "4343", "pipedrive": "4343", "salesforce": "006000000000043AAA"}


@dataclass
class Crm:
    """The fake of one CRM, its deal, and how to read what the fake took in."""

    provider: str
    fake: FakeCRM
    deal_id: str
    field_map: dict[str, str] = field(default_factory=dict)

    def add_deal(self) -> None:
        fake = self.fake
        if isinstance(fake, HubSpotFake):
            fake.add_deal(self.deal_id, "Globex rollout", "1000")
        elif isinstance(fake, PipedriveFake):
            fake.add_deal(int(self.deal_id), "Globex rollout", 1000, "EUR")
            for key in PIPEDRIVE_KEYS.values():
                fake.add_deal_field(key)
        elif isinstance(fake, SalesforceFake):
            fake.add_opportunity(self.deal_id, "Globex rollout", 1000.0)
            fake.add_custom_field(*DEFAULT_FIELD_MAPS[CrmSource.salesforce].values())

    def connection_overrides(self) -> dict[str, Any]:
        given: dict[str, Any] = {
            "api_token": TOKEN,
            "api_base_url": self.fake.base_url,
            "writeback_enabled": True,
            "writeback_project_url": PROJECT_URL,
        }
        if self.provider == "pipedrive":
            given["writeback_field_map"] = PIPEDRIVE_KEYS
        return given

    def value(self, name: str) -> Any:
        """The deal's delivery field as the CRM holds it now."""
        fake, crm_name = self.fake, self.field_map[name]
        if isinstance(fake, HubSpotFake):
            return fake.deal_property(self.deal_id, crm_name)
        if isinstance(fake, PipedriveFake):
            return fake.deal_custom_field(self.deal_id, crm_name)
        assert isinstance(fake, SalesforceFake)
        return fake.opportunity_field(self.deal_id, crm_name)

    def updates(self) -> list[dict[str, Any]]:
        """Every update of the deal's fields the CRM accepted, in order, as sent."""
        fake = self.fake
        if isinstance(fake, HubSpotFake):
            return [props for deal_id, props in fake.deal_updates if deal_id == self.deal_id]
        if isinstance(fake, PipedriveFake):
            return [props for deal_id, props in fake.deal_updates if deal_id == self.deal_id]
        assert isinstance(fake, SalesforceFake)
        return [body for deal_id, body in fake.opportunity_updates if deal_id == self.deal_id]

    def notes(self) -> list[str]:
        """The text of every note/Task on the deal, in order."""
        fake = self.fake
        if isinstance(fake, HubSpotFake):
            return [
                n["properties"]["hs_note_body"] for n in fake.notes if self.deal_id in n["deal_ids"]
            ]
        if isinstance(fake, PipedriveFake):
            return [n["content"] for n in fake.notes if str(n["deal_id"]) == self.deal_id]
        assert isinstance(fake, SalesforceFake)
        return [t["Description"] for t in fake.tasks if t["WhatId"] == self.deal_id]

    def update_path(self) -> str:
        return {
            "hubspot": "/crm/v3/objects/deals/batch/update",
            "pipedrive": f"/api/v2/deals/{self.deal_id}",
            "salesforce": "/services/data/v62.0/sobjects/Opportunity/",
        }[self.provider]

    def reset(self) -> None:
        fake = self.fake
        fake.reset_calls()
        with fake.lock:
            if isinstance(fake, HubSpotFake | PipedriveFake):
                fake.deal_updates.clear()
                fake.notes.clear()
            elif isinstance(fake, SalesforceFake):
                fake.opportunity_updates.clear()
                fake.tasks.clear()


@dataclass
class Handed:
    """A project from a CRM deal, through a connection that writes back."""

    crm: Crm
    tenant: Tenant
    connection: dict[str, Any]
    project_id: str

    async def post(self, url: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.tenant.post(url, **kwargs)
        assert response.is_success, response.text
        return dict(response.json())

    async def patch(self, url: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.tenant.patch(url, **kwargs)
        assert response.is_success, response.text
        return dict(response.json())

    async def milestones(self) -> list[dict[str, Any]]:
        response = await self.tenant.get(f"/v1/projects/{self.project_id}/milestones")
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def move(self, to_phase: str) -> None:
        await self.post(f"/v1/projects/{self.project_id}/transitions", json={"to_phase": to_phase})


async def hand_over(tenant: Tenant, crm: Crm, through: dict[str, Any] | None = None) -> Handed:
    """The deal in the CRM, its connection writing back (`through` one made before, else a new
    one), and its project planned."""
    crm.add_deal()
    created = through or await connection(tenant, crm.provider, **crm.connection_overrides())
    crm.field_map = created["writeback_field_map"]
    deal = CanonicalDeal.model_validate(
        {"external_id": crm.deal_id, "name": "Globex rollout", "customer": {"name": "Globex"}}
    )
    origin = Origin(
        source=CrmSource(crm.provider),
        connection_id=UUID(created["id"]),
        project_manager_id=UUID(created["default_project_manager_id"]),
    )
    async with tenant.database.transaction() as session:
        intake = await take_deal(
            session, Caller(tenant.organization_id, None, frozenset()), deal, origin
        )
    assert intake.deal.project_id is not None
    await accept(tenant, str(intake.deal.project_id))  # so that its phase can move
    return Handed(crm, tenant, created, str(intake.deal.project_id))


async def pending(database: Database, connection_id: str) -> int:
    async with database.transaction(write=False) as session:
        found = await session.exec(
            select(func.count()).where(
                col(CrmWriteback.connection_id) == UUID(connection_id),
                col(CrmWriteback.status) == WritebackStatus.pending,
            )
        )
        return int(found.one())


async def drain(database: Database, connection_id: str, within: float = 15.0) -> float:
    """Run the dispatcher until nothing of the connection is pending; the seconds it took."""
    started = time.monotonic()
    async with crm_http_client(database.settings) as client:
        while await pending(database, connection_id):
            assert time.monotonic() - started < within, "write-backs still pending"
            if await send.dispatch_once(database, client) == 0:
                await asyncio.sleep(0.05)
    return time.monotonic() - started


async def dispatch_for(database: Database, client: httpx.AsyncClient, seconds: float) -> None:
    """Run the dispatcher for `seconds`, as a worker would, whatever it finds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await send.dispatch_once(database, client) == 0:
            await asyncio.sleep(0.05)


async def dispatch_a_while(database: Database) -> None:
    """`dispatch_for` a second and a half, as another process runs it (tests/crm/elsewhere.py)."""
    async with crm_http_client(database.settings) as client:
        await dispatch_for(database, client, 1.5)


async def writebacks(tenant: Tenant, connection_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await tenant.get(f"/v1/crm-connections/{connection_id}/writebacks", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
