"""The project manager's answers to one brief sent at once (accept, return): they take turns, so
the second sees the first's answer, a 409 `handoff-already-accepted` as the operations document,
and the brief's risks are carried and the kickoff proposed once. Neither operation documents a
412: an answer never finds the brief's version stale."""

import asyncio
from typing import Any
from uuid import UUID

from sqlmodel import col, func, select

from app.models import HandoffBriefVersion
from tests.factories import Tenant
from tests.handoffs.helpers import fill, won_deal
from tests.problems import assert_problem

ANSWERS = 8


async def _accepted_versions(tenant: Tenant, project_id: str) -> int:
    async with tenant.database.transaction(write=False) as session:
        found = await session.exec(
            select(func.count())
            .select_from(HandoffBriefVersion)
            .where(
                col(HandoffBriefVersion.project_id) == UUID(project_id),
                col(HandoffBriefVersion.action) == "accepted",
            )
        )
        return int(found.one())


async def test_acceptances_sent_at_once_accept_once(tenant: Tenant) -> None:
    intake = await won_deal(tenant)
    await fill(tenant, intake)

    answers = await asyncio.gather(
        *(tenant.post(f"{intake['handoff']}/accept", json={"carry_risks": True}) for _ in range(8))
    )

    assert [answer.status_code for answer in answers].count(200) == 1, [a.text for a in answers]
    for answer in answers:
        if answer.status_code != 200:
            assert_problem(answer, 409, "handoff-already-accepted")
    risks = (await tenant.get(f"/v1/projects/{intake['project_id']}/risks")).json()["items"]
    assert len(risks) == 1  # the brief's one risk, carried once
    assert await _accepted_versions(tenant, intake["project_id"]) == 1


async def test_acceptances_and_returns_sent_at_once_answer_in_turn(tenant: Tenant) -> None:
    intake = await won_deal(tenant)
    await fill(tenant, intake)
    sent: list[tuple[str, dict[str, Any]]] = [
        ("accept", {}),
        ("return", {"reason": "Which data centre?"}),
    ]

    answers = await asyncio.gather(
        *(
            tenant.post(f"{intake['handoff']}/{answer}", json=body)
            for answer, body in sent * (ANSWERS // 2)
        )
    )

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 409}, [answer.text for answer in answers]
    assert statuses[0::2].count(200) == 1  # accepted once; returns after it are refused
    brief = (await tenant.get(intake["handoff"])).json()
    assert brief["status"] == "accepted"


async def test_acceptances_of_a_brief_not_yet_stored_accept_once(tenant: Tenant) -> None:
    project = await tenant.project()  # made by hand: its brief is stored on its first write
    url = f"/v1/projects/{project['id']}/handoff"

    answers = await asyncio.gather(*(tenant.post(f"{url}/accept", json={}) for _ in range(ANSWERS)))

    assert [answer.status_code for answer in answers].count(200) == 1, [a.text for a in answers]
    for answer in answers:
        if answer.status_code != 200:
            assert_problem(answer, 409, "handoff-already-accepted")
