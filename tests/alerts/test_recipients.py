"""An alert names the project's Accountable and Informed members from its RACI matrix: those of
the activities of the project's current phase, else of all its activities."""

from typing import Any

from tests.alerts.helpers import alerts
from tests.factories import Tenant
from tests.risks.helpers import make_risk


async def add_activity(tenant: Tenant, project: dict[str, Any], phase: str, **letters: str) -> None:
    """`letters`: member id → R, A, C or I."""
    body = {
        "name": f"Work in {phase}",
        "phase": phase,
        "assignments": [{"member_id": key, "role": role} for key, role in letters.items()],
    }
    response = await tenant.post(f"/v1/projects/{project['id']}/activities", json=body)
    assert response.status_code == 201, response.text


def person(member: dict[str, Any]) -> dict[str, Any]:
    return {"member_id": member["id"], "name": member["name"], "email": member["email"]}


async def test_an_alert_names_the_accountable_and_informed_members(tenant: Tenant) -> None:
    project = await tenant.project()  # initiating
    ada = await tenant.member(name="Ada")
    grace = await tenant.member(name="Grace")
    linus = await tenant.member(name="Linus")
    await add_activity(
        tenant, project, "initiating", **{ada["id"]: "A", grace["id"]: "R", linus["id"]: "I"}
    )
    await make_risk(tenant, project["id"], probability=4, impact=4)
    [alert] = await alerts(tenant, "risk_score")
    assert alert["accountable"] == [person(ada)]
    assert alert["informed"] == [person(linus)]


async def test_only_the_current_phase_counts_when_it_has_activities(tenant: Tenant) -> None:
    project = await tenant.project()  # initiating
    ada, grace, linus, joan = [await tenant.member(name=name) for name in "AGLJ"]
    await add_activity(tenant, project, "initiating", **{ada["id"]: "A", grace["id"]: "R"})
    await add_activity(
        tenant, project, "executing", **{linus["id"]: "A", grace["id"]: "R", joan["id"]: "I"}
    )
    await make_risk(tenant, project["id"], status="occurred")
    [alert] = await alerts(tenant, "risk_occurred")
    assert (alert["accountable"], alert["informed"]) == ([person(ada)], [])


async def test_all_activities_count_when_the_current_phase_has_none(tenant: Tenant) -> None:
    project = await tenant.project()  # initiating
    ada, grace, linus, joan = [await tenant.member(name=name) for name in "AGLJ"]
    await add_activity(tenant, project, "planning", **{ada["id"]: "A", grace["id"]: "R"})
    await add_activity(
        tenant, project, "executing", **{linus["id"]: "A", grace["id"]: "R", joan["id"]: "I"}
    )
    await make_risk(tenant, project["id"], status="occurred")
    [alert] = await alerts(tenant, "risk_occurred")
    assert alert["accountable"] == [person(ada), person(linus)]
    assert alert["informed"] == [person(joan)]


async def test_each_person_is_named_once_under_their_strongest_letter(tenant: Tenant) -> None:
    project = await tenant.project()
    ada, grace, linus = [await tenant.member(name=name) for name in "AGL"]
    await add_activity(
        tenant, project, "initiating", **{ada["id"]: "A", grace["id"]: "R", linus["id"]: "I"}
    )
    await add_activity(
        tenant, project, "initiating", **{ada["id"]: "A", linus["id"]: "R", grace["id"]: "I"}
    )
    await add_activity(
        tenant, project, "initiating", **{grace["id"]: "A", linus["id"]: "R", ada["id"]: "I"}
    )
    await make_risk(tenant, project["id"], status="occurred")
    [alert] = await alerts(tenant, "risk_occurred")
    assert alert["accountable"] == [person(ada), person(grace)]
    assert alert["informed"] == [person(linus)]
