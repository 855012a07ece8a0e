"""Shared steps of the working-rhythm tests: answers, events, dates relative to today."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from app.models import Event
from tests.factories import Tenant


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()) if response.content else {}


def day(offset: int) -> str:
    """Today (UTC) plus `offset` days, as the API writes dates."""
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def events_of(tenant: Tenant, event_type: str) -> list[dict[str, Any]]:
    """The `data` of the tenant's events of one type, oldest first."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, Event.type == event_type)
            .order_by(col(Event.id))
        )
        return [json.loads(event.payload)["data"] for event in rows]


def monday_after(start: date) -> date:
    return start + timedelta(days=7 - start.weekday())
