"""A project's limit on rows of one kind: what a caller sees at the limit, and what is stored."""

from typing import Any
from uuid import UUID

from sqlmodel import func, select

from tests.factories import Tenant
from tests.problems import assert_problem


async def assert_full(
    tenant: Tenant, project_id: str, model: Any, limit: int, slug: str, url: str, body: Any
) -> None:
    """One more row is a 409 naming the limit, and the project keeps exactly `limit` rows."""
    problem = assert_problem(await tenant.post(url, json=body), 409, slug)
    assert str(limit) in problem["detail"]
    async with tenant.database.transaction(write=False) as session:
        of_project = model.project_id == UUID(project_id)
        count = await session.exec(select(func.count()).select_from(model).where(of_project))
        assert count.one() == limit
