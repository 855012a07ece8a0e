"""Phases move one legal step at a time, and every move is on record."""

import pytest
from sqlmodel import select

from app.models import Event
from tests.factories import Tenant
from tests.problems import assert_problem

ALL_THE_WAY = ["planning", "executing", "monitoring", "executing", "closing"]


async def _move(tenant: Tenant, project_id: str, to_phase: str, **extra: object) -> object:
    return await tenant.post(
        f"/v1/projects/{project_id}/transitions", json={"to_phase": to_phase, **extra}
    )


async def test_a_project_walks_its_lifecycle_and_keeps_the_record(tenant: Tenant) -> None:
    project = await tenant.project()
    for phase in ALL_THE_WAY:
        response = await _move(tenant, project["id"], phase)
        assert response.status_code == 201, response.text
        assert response.json()["to_phase"] == phase
    closed = await _move(tenant, project["id"], "closed", customer_acceptance_date="2026-11-20")
    assert closed.status_code == 201
    fetched = (await tenant.get(f"/v1/projects/{project['id']}")).json()
    assert fetched["phase"] == "closed"
    assert fetched["customer_acceptance_date"] == "2026-11-20"
    history = (await tenant.get(f"/v1/projects/{project['id']}/transitions")).json()["items"]
    assert [(t["from_phase"], t["to_phase"]) for t in history] == [
        ("initiating", "planning"),
        ("planning", "executing"),
        ("executing", "monitoring"),
        ("monitoring", "executing"),
        ("executing", "closing"),
        ("closing", "closed"),
    ]
    keys = (await tenant.get("/v1/api-keys")).json()["items"]
    assert {t["moved_by_api_key_id"] for t in history} == {keys[0]["id"]}
    assert all(t["moved_at"].endswith("Z") for t in history)


@pytest.mark.parametrize(
    ("path", "illegal"),
    [([], "executing"), ([], "closed"), (["planning"], "initiating"), (["planning"], "closing")],
)
async def test_illegal_jump_is_409_and_changes_nothing(
    tenant: Tenant, path: list[str], illegal: str
) -> None:
    project = await tenant.project()
    for phase in path:
        assert (await _move(tenant, project["id"], phase)).status_code == 201
    response = await _move(tenant, project["id"], illegal, customer_acceptance_date="2026-01-01")
    assert_problem(response, 409, "illegal-transition")
    expected = path[-1] if path else "initiating"
    assert (await tenant.get(f"/v1/projects/{project['id']}")).json()["phase"] == expected


async def test_closing_needs_the_customers_acceptance_date(tenant: Tenant) -> None:
    project = await tenant.project()
    for phase in ["planning", "executing", "closing"]:
        await _move(tenant, project["id"], phase)
    problem = assert_problem(await _move(tenant, project["id"], "closed"), 422, "invalid-input")
    assert problem["errors"][0]["loc"] == ["body", "customer_acceptance_date"]
    assert (await tenant.get(f"/v1/projects/{project['id']}")).json()["phase"] == "closing"


async def test_a_closed_project_goes_nowhere(tenant: Tenant) -> None:
    project = await tenant.project()
    for phase in ["planning", "executing", "closing"]:
        await _move(tenant, project["id"], phase)
    await _move(tenant, project["id"], "closed", customer_acceptance_date="2026-11-01")
    for phase in ["closing", "executing", "initiating"]:
        assert_problem(await _move(tenant, project["id"], phase), 409, "illegal-transition")


async def test_phase_is_not_patchable(tenant: Tenant) -> None:
    project = await tenant.project()
    response = await tenant.patch(f"/v1/projects/{project['id']}", json={"phase": "closed"})
    assert_problem(response, 422, "validation")


async def test_moves_record_a_phase_changed_event(tenant: Tenant) -> None:
    project = await tenant.project()
    await _move(tenant, project["id"], "planning")
    async with tenant.database.transaction(write=False) as session:
        events = (
            await session.exec(
                select(Event).where(
                    Event.organization_id == tenant.organization_id,
                    Event.type == "project.phase_changed",
                )
            )
        ).all()
    assert len(events) == 1
    assert b'"from":"initiating","to":"planning"' in events[0].payload
    assert str(events[0].project_id) == project["id"]  # a feed filtered by project finds it


async def test_a_stale_if_match_blocks_the_move(tenant: Tenant) -> None:
    project = await tenant.project()
    await tenant.patch(f"/v1/projects/{project['id']}", json={"name": "Renamed"})
    response = await tenant.post(
        f"/v1/projects/{project['id']}/transitions",
        json={"to_phase": "planning"},
        headers={"If-Match": '"1"'},
    )
    assert_problem(response, 412, "precondition-failed")


async def test_archived_projects_do_not_move(tenant: Tenant) -> None:
    project = await tenant.project()
    await tenant.delete(f"/v1/projects/{project['id']}")
    assert_problem(await _move(tenant, project["id"], "planning"), 409, "project-archived")


async def test_retried_move_with_the_same_key_moves_once(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/transitions"
    headers = {"Idempotency-Key": "move-1"}
    first = await tenant.post(url, json={"to_phase": "planning"}, headers=headers)
    again = await tenant.post(url, json={"to_phase": "planning"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    history = (await tenant.get(url)).json()["items"]
    assert len(history) == 1


async def test_another_organizations_project_cannot_be_moved(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await other_tenant.project()
    assert_problem(await _move(tenant, project["id"], "planning"), 404, "not-found")
    assert_problem(await tenant.get(f"/v1/projects/{project['id']}/transitions"), 404, "not-found")
