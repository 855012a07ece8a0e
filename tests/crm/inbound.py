"""Reading what the intake did: projects, kept requests, metrics."""

from typing import Any

from prometheus_client import REGISTRY

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
