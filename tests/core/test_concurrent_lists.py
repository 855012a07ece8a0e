"""Concurrent writers of one row and the lists stored beside it (a milestone's `depends_on`, a
lesson's `tags`, a meeting's `attendees`, a project's first handoff brief): one wins, the others
get a 412 as any writer that loses a race does (docs/api.md), and none a 500. The lists are rows
of their own, whose keys two writers would otherwise both insert."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.factories import Tenant

WRITERS = 8


async def _milestone_dependencies(tenant: Tenant) -> tuple[str, list[dict[str, Any]], str]:
    project = await tenant.project()
    due = date.today() + timedelta(days=30)
    made = []
    for n in range(3):
        response = await tenant.post(
            f"/v1/projects/{project['id']}/milestones",
            json={"name": f"Gate {n}", "due_date": str(due + timedelta(days=n))},
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    first, second, last = made
    bodies = [{"depends_on": [first] if n % 2 else [first, second]} for n in range(WRITERS)]
    return f"/v1/milestones/{last}", bodies, "depends_on"


async def _lesson_tags(tenant: Tenant) -> tuple[str, list[dict[str, Any]], str]:
    project = await tenant.project()
    lesson = {
        "title": "Data migration was estimated from the sales deck",
        "what_happened": "The migration took three times the estimate.",
        "why": "Nobody profiled the customer's data before quoting.",
        "next_time": "Profile a sample of the data before the estimate.",
        "category": "estimation",
        "outcome": "failure",
    }
    response = await tenant.post(f"/v1/projects/{project['id']}/lessons", json=lesson)
    assert response.status_code == 201, response.text
    bodies = [{"tags": ["crm", "migration"] if n % 2 else ["crm"]} for n in range(WRITERS)]
    return f"/v1/lessons/{response.json()['id']}", bodies, "tags"


async def _meeting_attendees(tenant: Tenant) -> tuple[str, list[dict[str, Any]], str]:
    project = await tenant.project()
    ada, grace = await tenant.member(name="Ada"), await tenant.member(name="Grace")
    meeting = {"kind": "kickoff", "starts_at": "2027-01-12T10:00:00Z", "duration_minutes": 60}
    response = await tenant.post(f"/v1/projects/{project['id']}/meetings", json=meeting)
    assert response.status_code == 201, response.text
    bodies = [
        {"attendees": [{"member_id": ada["id"]}, {"member_id": grace["id"]}]}
        if n % 2
        else {"attendees": [{"member_id": ada["id"]}]}
        for n in range(WRITERS)
    ]
    return f"/v1/meetings/{response.json()['id']}", bodies, "attendees"


async def _first_handoff_brief(tenant: Tenant) -> tuple[str, list[dict[str, Any]], str]:
    project = await tenant.project()  # made by hand: its brief is stored on its first write
    bodies = [{"goals": f"Go live in {n + 2} weeks"} for n in range(WRITERS)]
    return f"/v1/projects/{project['id']}/handoff", bodies, "goals"


LISTS: dict[str, Callable[[Tenant], Awaitable[tuple[str, list[dict[str, Any]], str]]]] = {
    "milestone depends_on": _milestone_dependencies,
    "lesson tags": _lesson_tags,
    "meeting attendees": _meeting_attendees,
    "first handoff brief": _first_handoff_brief,
}


@pytest.mark.parametrize("kind", list(LISTS))
async def test_concurrent_replacements_of_a_list_are_one_win_and_412s(
    tenant: Tenant, kind: str
) -> None:
    url, bodies, field = await LISTS[kind](tenant)

    async def replace(body: dict[str, Any]) -> tuple[int, Any]:
        method = "PUT" if url.endswith("/handoff") else "PATCH"
        response = await tenant.request(method, url, json=body)
        return response.status_code, response.json().get(field)

    answers = await asyncio.gather(*(replace(body) for body in bodies))
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {200, 412}, answers
    assert 200 in statuses
    stored = (await tenant.get(url)).json()[field]
    assert stored in [value for status, value in answers if status == 200]
