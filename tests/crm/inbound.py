"""Reading what the intake did: projects, kept requests, metrics."""

from typing import Any

import httpx
from prometheus_client import REGISTRY

from app.crm import worker
from app.crm.clients.http import crm_http_client
from app.db import Database
from tests.factories import Tenant


async def projects(tenant: Tenant) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await tenant.get("/v1/projects")).json()["items"]
    return items


async def kept(tenant: Tenant, connection_id: str) -> list[dict[str, Any]]:
    response = await tenant.get(f"/v1/crm-connections/{connection_id}/inbound-requests")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def rejections(provider: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "handover_crm_intake_rejected_total", {"provider": provider, "reason": reason}
    )
    return value or 0.0


async def work(database: Database, rounds: int = 50) -> int:
    """Run the CRM worker until nothing is left to plan (what `serve` does in the background);
    the number of kept requests it took."""
    taken = 0
    async with crm_http_client(database.settings) as http:
        for _ in range(rounds):
            handled = await worker.work_once(database, http)
            if handled == 0:
                return taken
            taken += handled
    raise AssertionError(f"the worker still had work after {rounds} rounds")


async def push_and_plan(
    tenant: Tenant, path: str, body: bytes, headers: dict[str, str]
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    """Push as the CRM does, then let the worker plan it: the answer and the kept requests."""
    response = await tenant.client.post(path, content=body, headers=headers)
    await work(tenant.database)
    connection_id = path.split("/")[4]
    return response, await kept(tenant, connection_id)
