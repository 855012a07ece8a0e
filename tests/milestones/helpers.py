"""Shared steps of the milestone tests: dates relative to today, milestones via the API."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert

from app.models import Milestone
from tests.factories import Tenant
from tests.statements import count_statements as counting


def day(offset: int) -> str:
    """Today plus `offset` days, as the API writes dates."""
    return (date.today() + timedelta(days=offset)).isoformat()


async def make_milestone(tenant: Tenant, project_id: str, **overrides: Any) -> dict[str, Any]:
    body = {"name": "Milestone", "due_date": day(30), **overrides}
    response = await tenant.post(f"/v1/projects/{project_id}/milestones", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def store_milestones(
    tenant: Tenant, project_id: str, count: int, **values: Any
) -> list[UUID]:
    """Milestones written straight to the database, as a project that grew before a rule of
    the API would have stopped it (or, faster than the API, up to that rule)."""
    due = date.today() + timedelta(days=30)
    rows = [
        {
            "id": uuid4(),
            "organization_id": tenant.organization_id,
            "project_id": UUID(project_id),
            "name": f"Stored milestone {number}",
            "due_date": due,
            "baseline_due_date": due,
            "version": 1,
            **values,
        }
        for number in range(count)
    ]
    async with tenant.database.transaction() as session:
        await session.exec(insert(Milestone).values(rows))  # type: ignore[call-overload]
    return [row["id"] for row in rows]


@contextmanager
def count_statements(tenant: Tenant) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    with counting(tenant.database) as statements:
        yield statements
