"""Moves of one change request sent at once (assessed again, approved, rejected): one wins, the
others get a 412 as any writer that loses a race does (docs/api.md), and none a 500. The
assessment's milestones are rows of their own, which two assessments would otherwise both
insert; an approval writes the milestones and the budget, which a rejection's project would
otherwise wait for while holding the request."""

import asyncio
from decimal import Decimal
from typing import Any

from tests.change_requests.helpers import assessed, move, project_under_way
from tests.factories import Tenant
from tests.rhythm import ok

WRITERS = 9


def assessment(milestone_ids: list[str]) -> dict[str, Any]:
    return {
        "schedule_impact_days": 3,
        "milestone_ids": milestone_ids,
        "cost_impact": {"amount": "10.00", "currency": "EUR"},
    }


async def test_assessments_sent_at_once_are_one_win_and_412s(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    ids = [milestone["id"] for milestone in project["milestones"].values()]
    created = await assessed(tenant, project, manager["id"], assessment(ids))
    sets = [sorted(ids[n % 3 :]) for n in range(WRITERS)]

    answers = await asyncio.gather(
        *(
            move(tenant, created["id"], "assessed", manager["id"], assessment=assessment(wanted))
            for wanted in sets
        )
    )
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 412}, [answer.text for answer in answers]
    assert 200 in statuses
    stored = ok(await tenant.get(f"/v1/change-requests/{created['id']}"))
    won = [answer.json()["milestone_ids"] for answer in answers if answer.status_code == 200]
    assert stored["milestone_ids"] in won
    assert len(stored["history"]) == 2 + statuses.count(200)


async def test_approval_rejection_and_assessment_at_once_decide_once(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    ids = [milestone["id"] for milestone in project["milestones"].values()]
    created = await assessed(tenant, project, manager["id"], assessment(ids[1:]))
    moves = [("approved", {}), ("rejected", {}), ("assessed", {"assessment": assessment(ids)})]

    answers = await asyncio.gather(
        *(
            move(tenant, created["id"], to_status, manager["id"], **extra)
            for to_status, extra in moves * (WRITERS // len(moves))
        )
    )
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 409, 412}, [answer.text for answer in answers]
    stored = ok(await tenant.get(f"/v1/change-requests/{created['id']}"))
    decided = [answer.json()["status"] for answer in answers if answer.status_code == 200]
    final = [status for status in decided if status != "assessed"]
    assert len(final) <= 1, decided  # approved or rejected, not both, and once
    assert stored["status"] == (final[0] if final else "assessed")
    budget = ok(await tenant.get(f"/v1/projects/{project['id']}"))["budget"]
    approved = 1 if stored["status"] == "approved" else 0
    assert Decimal(budget["amount"]) == Decimal("100000.00") + 10 * approved
