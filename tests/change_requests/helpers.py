"""A project under way, with a budget, milestones and a baseline; change requests moved on."""

from typing import Any

import httpx

from tests.factories import Tenant
from tests.rhythm import day, ok


async def project_under_way(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """A project with a 100,000.00 EUR budget whose planning has ended (its baseline is set),
    with milestones Design (in 20 days) → Build (40) → Go-live (60)."""
    project = await tenant.project(budget={"amount": "100000.00", "currency": "EUR"}, **overrides)
    p = f"/v1/projects/{project['id']}"
    ok(await tenant.post(f"{p}/transitions", json={"to_phase": "planning"}), 201)
    milestones: dict[str, dict[str, Any]] = {}
    previous: list[str] = []
    for name, offset in (("Design", 20), ("Build", 40), ("Go-live", 60)):
        body = {"name": name, "due_date": day(offset), "depends_on": previous}
        milestones[name] = ok(await tenant.post(f"{p}/milestones", json=body), 201)
        previous = [milestones[name]["id"]]
    ok(await tenant.post(f"{p}/transitions", json={"to_phase": "executing"}), 201)
    return {**project, "milestones": milestones}


async def change_request(tenant: Tenant, project: dict[str, Any], **body: Any) -> dict[str, Any]:
    return ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/change-requests",
            json={"title": "Add the Italian subsidiary", **body},
        ),
        201,
    )


async def move(
    tenant: Tenant, change_request_id: str, to_status: str, member_id: str, **extra: Any
) -> httpx.Response:
    return await tenant.post(
        f"/v1/change-requests/{change_request_id}/transitions",
        json={"to_status": to_status, "member_id": member_id, **extra},
    )


async def assessed(
    tenant: Tenant, project: dict[str, Any], member_id: str, assessment: dict[str, Any]
) -> dict[str, Any]:
    """A change request submitted and assessed."""
    created = await change_request(tenant, project)
    ok(await move(tenant, created["id"], "submitted", member_id))
    return ok(await move(tenant, created["id"], "assessed", member_id, assessment=assessment))
