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


async def test_a_project_turned_red_by_an_alerted_risk_is_one_alert(tenant: Tenant) -> None:
    """One change, one alert: the risk's alert covers the project turning red with it, and the
    project's crossing is claimed all the same, so it does not alert later while still red."""
    project = await tenant.project(name="Globex rollout")
    first = await make_risk(tenant, project["id"], probability=5, impact=5)
    assert await alerts(tenant, "project_red") == []
    assert (project["id"], "project_red") in await crossings(tenant)
    second = await make_risk(tenant, project["id"], probability=4, impact=4)
    assert await alerts(tenant, "project_red") == []
    assert [a["risk_id"] for a in await alerts(tenant, "risk_score")] == [first["id"], second["id"]]


async def test_a_project_red_again_after_recovering_alerts_again(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    url = f"/v1/projects/{project['id']}"
    red = {"health_override": "red", "health_override_reason": "Customer escalation"}
    await tenant.patch(url, json=red)
    await tenant.patch(url, json={"name": "Globex rollout, phase 2"})  # still red: no alert
    await tenant.patch(url, json={"health_override": None})
    assert (project["id"], "project_red") not in await crossings(tenant)
    await tenant.patch(url, json=red)
    reds = await alerts(tenant, "project_red")
    assert len(reds) == 2
    assert reds[1]["message"].endswith("turned red: set by a manager: Customer escalation.")


async def test_a_red_health_override_alerts(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    body = {"health_override": "red", "health_override_reason": "Customer escalation"}
    assert (await tenant.patch(f"/v1/projects/{project['id']}", json=body)).status_code == 200
    [alert] = await alerts(tenant, "project_red")
    assert "Customer escalation" in alert["message"]
