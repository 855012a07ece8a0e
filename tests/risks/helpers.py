"""Small helpers for the risk tests: a risk through the API, its events and history rows."""

import json
from typing import Any
from uuid import UUID

from sqlmodel import select

from app.models import Event, RiskChange
from tests.factories import Tenant


async def make_risk(tenant: Tenant, project_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Customer SSO team unavailable",
        "category": "resource",
        "probability": 2,
        "impact": 3,
        "response": "accept",
        **overrides,
    }
    response = await tenant.post(f"/v1/projects/{project_id}/risks", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def risk_events(tenant: Tenant, risk_id: str) -> list[dict[str, Any]]:
    """The risk's events in order, as their stored payloads."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event).where(Event.aggregate_id == UUID(risk_id)).order_by(Event.id)  # type: ignore[arg-type]
        )
        return [json.loads(event.payload) for event in rows]


async def event_types(tenant: Tenant, risk_id: str) -> list[str]:
    return [event["type"] for event in await risk_events(tenant, risk_id)]


async def stored_changes(tenant: Tenant, risk_id: str) -> list[RiskChange]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(RiskChange).where(RiskChange.risk_id == UUID(risk_id)).order_by(RiskChange.id)  # type: ignore[arg-type]
        )
        return list(rows)
