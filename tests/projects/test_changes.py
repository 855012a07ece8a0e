"""Every write to every part of a project moves the project's version (app/projects/changes.py).

The writes are the endpoint matrix's own (tests/test_endpoint_matrix.py): each operation that
creates, changes or deletes a part, sent as a user sends it. A PM tool polling `updated_since` or
holding the project's ETag relies on this; a part the mechanism does not know fails here.
"""

from typing import Any

import pytest
from sqlmodel import SQLModel

from app.projects.changes import CHILD_PARTS, NOT_PARTS, PARTS
from tests.factories import Tenant
from tests.test_endpoint_matrix import ENDPOINTS, Endpoint, _fill, _object_id

# The collection each kind of part is read from, to learn its project.
PART_URLS = {
    "milestone": "/v1/milestones",
    "risk": "/v1/risks",
    "activity": "/v1/activities",
    "allocation": "/v1/allocations",
    "status_report": "/v1/status-reports",
    "feedback": "/v1/feedback",
    "survey_response": "/v1/survey-responses",
    "cost_entry": "/v1/cost-entries",
    "meeting": "/v1/meetings",
    "cadence": "/v1/cadences",
    "action_item": "/v1/action-items",
    "change_request": "/v1/change-requests",
    "customer_task": "/v1/customer-tasks",
}
# What a project's own sub-collections hold that is a part of it (its share links, KPIs and
# lessons are not: see NOT_PARTS).
PART_COLLECTIONS = {
    "milestones",
    "risks",
    "activities",
    "raci",
    "allocations",
    "status-reports",
    "feedback",
    "survey-responses",
    "cost-entries",
    "meetings",
    "cadences",
    "action-items",
    "change-requests",
    "customer-tasks",
}


def _writes_a_part(endpoint: Endpoint) -> bool:
    if endpoint.method == "GET":
        return False
    if endpoint.kind in PART_URLS:
        return True
    parts = endpoint.path.split("/")
    return endpoint.kind == "project" and len(parts) > 4 and parts[4] in PART_COLLECTIONS


PART_WRITES = [endpoint for endpoint in ENDPOINTS if _writes_a_part(endpoint)]
# The matrix's body for these changes nothing (an empty RACI matrix for a project without
# activities): no write, no version. A real change of letters is in tests/raci/test_matrix.py.
WRITES_NOTHING = {"PUT /v1/projects/{id}/raci"}


async def _version(tenant: Tenant, project_id: str) -> int:
    response = await tenant.get(f"/v1/projects/{project_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


async def _project_of(tenant: Tenant, endpoint: Endpoint, object_id: str) -> str:
    if endpoint.kind == "project":
        return object_id
    assert endpoint.kind is not None
    response = await tenant.get(f"{PART_URLS[endpoint.kind]}/{object_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["project_id"])


def test_the_matrix_covers_every_kind_of_part() -> None:
    kinds = {endpoint.kind for endpoint in PART_WRITES}
    assert set(PART_URLS) <= kinds
    assert len(PART_WRITES) >= 30, [str(endpoint) for endpoint in PART_WRITES]


@pytest.mark.parametrize("endpoint", PART_WRITES, ids=str)
async def test_writing_a_part_moves_the_project(tenant: Tenant, endpoint: Endpoint) -> None:
    assert endpoint.kind is not None
    object_id = await _object_id(tenant, endpoint.kind)
    project_id = await _project_of(tenant, endpoint, object_id)
    before = await _version(tenant, project_id)
    body: Any = None if endpoint.body is None else await _fill(tenant, endpoint.body)
    response = await tenant.request(
        endpoint.method, endpoint.path.replace("{id}", object_id), json=body
    )
    assert response.status_code in (200, 201, 202, 204), response.text
    if str(endpoint) in WRITES_NOTHING:
        assert await _version(tenant, project_id) == before
    else:
        assert await _version(tenant, project_id) > before


def _tables_naming(table_names: set[str]) -> set[type[Any]]:
    """The models with a foreign key to one of these tables."""
    found = set()
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        table = mapper.local_table
        if any(key.column.table.name in table_names for key in table.foreign_keys):
            found.add(mapper.class_)
    return found


def test_every_table_that_names_a_project_or_a_part_is_placed() -> None:
    """A new table beside a project's parts must say whether writing it changes the project."""
    part_tables = {model.__table__.name for model in PARTS}  # type: ignore[attr-defined]
    placed = {*PARTS, *CHILD_PARTS, *NOT_PARTS}
    unplaced = _tables_naming({"projects", *part_tables}) - placed
    assert not unplaced, sorted(model.__name__ for model in unplaced)
