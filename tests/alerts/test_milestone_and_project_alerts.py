"""`risk.alert` for a missed milestone and for a project whose health turns red: once per
crossing, whichever change caused it."""

from typing import Any

from tests.alerts.helpers import alerts, crossings
from tests.factories import Tenant
from tests.risks.helpers import make_risk


async def make_milestone(tenant: Tenant, project_id: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Go-live", "due_date": "2031-03-01", **fields}
    response = await tenant.post(f"/v1/projects/{project_id}/milestones", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_missed_milestone_alerts_once(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    assert await alerts(tenant, "milestone_missed") == []
    assert (await tenant.patch(url, json={"status": "missed"})).status_code == 200
    assert (await tenant.patch(url, json={"name": "Go-live (late)"})).status_code == 200
    [alert] = await alerts(tenant, "milestone_missed")
    assert (alert["milestone_id"], alert["project_id"], alert["version"]) == (
        milestone["id"],
        project["id"],
        2,
    )
    assert alert["message"] == "Milestone 'Go-live' (due 2031-03-01) was missed on Globex rollout."
    assert (alert["accountable"], alert["informed"]) == ([], [])


async def test_a_milestone_missed_again_after_recovering_alerts_again(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"], status="missed")
    url = f"/v1/milestones/{milestone['id']}"
    await tenant.patch(url, json={"status": "in_progress"})
    assert (milestone["id"], "milestone_missed") not in await crossings(tenant)
    await tenant.patch(url, json={"status": "missed"})
    assert len(await alerts(tenant, "milestone_missed")) == 2


async def test_deleting_a_missed_milestone_clears_its_crossing(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"], status="missed")
    assert (await tenant.delete(f"/v1/milestones/{milestone['id']}")).status_code == 204
    assert await crossings(tenant) == []


async def test_a_project_turning_red_alerts_once_while_it_stays_red(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    first = await make_risk(tenant, project["id"], probability=5, impact=5)
    second = await make_risk(tenant, project["id"], probability=4, impact=4)
    [alert] = await alerts(tenant, "project_red")
    assert (alert["project_id"], alert["reason"]) == (project["id"], "project_red")
    expected = "Project 'Globex rollout' turned red: a critical open risk (score 25)."
    assert alert["message"] == expected
    assert "risk_id" not in alert
    # The risks that made it red raise their own alerts, each once.
    assert [a["risk_id"] for a in await alerts(tenant, "risk_score")] == [first["id"], second["id"]]


async def test_a_project_red_again_after_recovering_alerts_again(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=5, impact=5)
    await tenant.patch(f"/v1/risks/{risk['id']}", json={"status": "closed"})
    assert (project["id"], "project_red") not in await crossings(tenant)
    await make_milestone(tenant, project["id"], status="missed")
    reds = await alerts(tenant, "project_red")
    assert len(reds) == 2
    assert reds[1]["message"].endswith("turned red: 1 milestone(s) missed.")
    assert len(await alerts(tenant, "milestone_missed")) == 1


async def test_a_red_health_override_alerts(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    body = {"health_override": "red", "health_override_reason": "Customer escalation"}
    assert (await tenant.patch(f"/v1/projects/{project['id']}", json=body)).status_code == 200
    [alert] = await alerts(tenant, "project_red")
    assert "Customer escalation" in alert["message"]
