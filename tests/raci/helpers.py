"""Small helpers for RACI tests: a project with people, activities with letters, stored state."""

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from app.models import Activity, Event, RaciAssignment
from tests.factories import Tenant


@dataclass
class Team:
    project: dict[str, Any]
    ada: dict[str, Any]
    grace: dict[str, Any]
    linus: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/v1/projects/{self.project['id']}"


async def make_team(tenant: Tenant) -> Team:
    return Team(
        project=await tenant.project(),
        ada=await tenant.member(name="Ada Lovelace"),
        grace=await tenant.member(name="Grace Hopper", role="delivery"),
        linus=await tenant.member(name="Linus Torvalds", role="delivery"),
    )


def letters(**by_member: str) -> list[dict[str, str]]:
    """`letters(**{ada_id: "A", grace_id: "R"})` → the `assignments` list of a body."""
    return [{"member_id": member_id, "role": role} for member_id, role in by_member.items()]


async def add_activity(
    tenant: Tenant, team: Team, name: str = "Sign off the scope", **fields: Any
) -> dict[str, Any]:
    body = {
        "name": name,
        "phase": "planning",
        "assignments": letters(**{team.ada["id"]: "A", team.grace["id"]: "R"}),
        **fields,
    }
    response = await tenant.post(f"{team.url}/activities", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def stored_letters(tenant: Tenant) -> dict[str, dict[str, str]]:
    """activity id → member id → letter, for every activity of the tenant."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(RaciAssignment)
            .join(Activity, col(Activity.id) == RaciAssignment.activity_id)
            .where(Activity.organization_id == tenant.organization_id)
        )
        found: dict[str, dict[str, str]] = {}
        for row in rows:
            found.setdefault(str(row.activity_id), {})[str(row.member_id)] = row.role.value
        return found


async def stored_activities(tenant: Tenant) -> list[Activity]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Activity).where(Activity.organization_id == tenant.organization_id)
        )
        return list(rows)


async def events(tenant: Tenant, *types: str) -> list[dict[str, Any]]:
    """The payloads of the tenant's events of these types, oldest first."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, col(Event.type).in_(types))
            .order_by(col(Event.id))
        )
        return [json.loads(event.payload) for event in rows]
