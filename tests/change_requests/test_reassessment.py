"""An approval refused as not applicable is assessed again, not rejected and started over; the
assessment's new risks enter the risk register on approval, linked to the change."""

from tests.change_requests.helpers import assessed, move, project_under_way
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.rhythm import day, events_of, ok

BY_HAND = {
    "title": "Key user leaves",
    "category": "resource",
    "probability": 2,
    "impact": 3,
    "response": "accept",
}


async def test_a_change_refused_for_its_dependents_is_assessed_again_and_approved(
    tenant: Tenant,
) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    design, build, go_live = (project["milestones"][n] for n in ("Design", "Build", "Go-live"))
    body = await assessed(
        tenant,
        project,
        manager["id"],
        {"schedule_impact_days": 30, "milestone_ids": [design["id"]]},
    )
    problem = assert_problem(
        await move(tenant, body["id"], "approved", manager["id"]), 409, "change-not-applicable"
    )
    assert "Assess the change again" in problem["detail"]

    everything = [design["id"], build["id"], go_live["id"]]
    again = ok(
        await move(
            tenant,
            body["id"],
            "assessed",
            manager["id"],
            note="With Build and Go-live",
            assessment={"schedule_impact_days": 30, "milestone_ids": everything},
        )
    )
    assert (again["status"], again["milestone_ids"]) == ("assessed", sorted(everything))
    assert [(h["from_status"], h["to_status"]) for h in again["history"]][-1] == (
        "assessed",
        "assessed",
    )
    ok(await move(tenant, body["id"], "approved", manager["id"]))
    dues = [ok(await tenant.get(f"/v1/milestones/{m}"))["due_date"] for m in everything]
    assert dues == [day(50), day(70), day(90)]


async def test_the_assessments_new_risks_enter_the_register_on_approval(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    risks = f"/v1/projects/{project['id']}/risks"
    body = await assessed(
        tenant,
        project,
        manager["id"],
        {"schedule_impact_days": 0, "new_risks": ["Italian data-protection review", " "]},
    )
    assert ok(await tenant.get(risks))["items"] == []  # assessed is not yet decided

    ok(await move(tenant, body["id"], "approved", manager["id"]))
    [risk] = ok(await tenant.get(risks))["items"]
    assert (risk["title"], risk["change_request_id"], risk["project_id"]) == (
        "Italian data-protection review",
        body["id"],
        project["id"],
    )
    assert (risk["status"], risk["category"], risk["score"], risk["review_date"]) == (
        "open",
        "scope",
        9,
        day(0),
    )
    [created] = await events_of(tenant, "risk.created")
    assert (created["risk_id"], created["change_request_id"]) == (risk["id"], body["id"])
    ok(await tenant.post(risks, json=BY_HAND), 201)
    raised = ok(await tenant.get("/v1/risks", params={"change_request_id": body["id"]}))
    assert [r["id"] for r in raised["items"]] == [risk["id"]]


async def test_a_rejected_change_raises_no_risk(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    body = await assessed(
        tenant, project, manager["id"], {"schedule_impact_days": 0, "new_risks": ["Delays"]}
    )
    ok(await move(tenant, body["id"], "rejected", manager["id"]))
    assert ok(await tenant.get(f"/v1/projects/{project['id']}/risks"))["items"] == []
    assert await events_of(tenant, "risk.created") == []
