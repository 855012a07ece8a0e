"""Concurrent RACI writers: one matrix wins whole, never a mix of two and never a 500."""

import asyncio

from tests.factories import Tenant
from tests.raci.helpers import add_activity, letters, make_team, stored_letters


async def test_concurrent_matrix_replacements_never_mix(tenant: Tenant) -> None:
    team = await make_team(tenant)
    people = [team.ada["id"], team.grace["id"], team.linus["id"]]
    rows = [await add_activity(tenant, team, name) for name in ("Scope", "Build")]
    bodies = []
    for turn in range(6):
        a, r, c = people[turn % 3], people[(turn + 1) % 3], people[(turn + 2) % 3]
        bodies.append(
            {
                "activities": [
                    {"activity_id": row["id"], "assignments": letters(**{a: "A", r: "R", c: "C"})}
                    for row in rows
                ]
                if turn % 2
                else [
                    {"activity_id": row["id"], "assignments": letters(**{a: "A", r: "R"})}
                    for row in rows
                ]
            }
        )

    async def replace(body: dict[str, object]) -> int:
        response = await tenant.request("PUT", f"{team.url}/raci", json=body)
        return response.status_code

    statuses = await asyncio.gather(*(replace(body) for body in bodies))
    assert set(statuses) <= {200, 412}
    assert 200 in statuses
    stored = await stored_letters(tenant)
    winners = [
        {
            item["activity_id"]: {cell["member_id"]: cell["role"] for cell in item["assignments"]}
            for item in body["activities"]
        }
        for body in bodies
    ]
    assert stored in winners


async def test_concurrent_activity_creation_keeps_positions_apart(tenant: Tenant) -> None:
    team = await make_team(tenant)
    body = {
        "phase": "planning",
        "assignments": letters(**{team.ada["id"]: "A", team.grace["id"]: "R"}),
    }

    async def create(index: int) -> tuple[int, int | None]:
        response = await tenant.post(
            f"{team.url}/activities", json={**body, "name": f"Row {index}"}
        )
        return response.status_code, response.json().get("position")

    results = await asyncio.gather(*(create(index) for index in range(8)))
    assert {status for status, _ in results} <= {201, 412}
    positions = [position for status, position in results if status == 201]
    assert positions
    assert len(set(positions)) == len(positions)
    listed = (await tenant.get(f"{team.url}/activities")).json()["items"]
    assert len(listed) == len(positions)
