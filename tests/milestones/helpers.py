"""Shared steps of the milestone tests: dates relative to today, milestones via the API."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

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


@contextmanager
def count_statements(tenant: Tenant) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    with counting(tenant.database) as statements:
        yield statements
