"""Helpers for alert tests: the tenant's `risk.alert` payloads, and stored crossings."""

import json
from typing import Any

from sqlmodel import col, select

from app.models import AlertCrossing, Event
from tests.factories import Tenant


async def alerts(tenant: Tenant, reason: str | None = None) -> list[dict[str, Any]]:
    """The `data` of the tenant's `risk.alert` events (of one reason, if given), oldest first."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, Event.type == "risk.alert")
            .order_by(col(Event.id))
        )
        found = [json.loads(event.payload)["data"] for event in rows]
    return [data for data in found if reason is None or data["reason"] == reason]


async def crossings(tenant: Tenant) -> list[tuple[str, str]]:
    """(aggregate id, reason) of the tenant's crossings that currently hold."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(AlertCrossing).where(AlertCrossing.organization_id == tenant.organization_id)
        )
        return sorted((str(row.aggregate_id), row.reason) for row in rows)


async def set_threshold(admin: Tenant, threshold: int) -> None:
    response = await admin.patch("/v1/organization", json={"risk_alert_threshold": threshold})
    assert response.status_code == 200, response.text
