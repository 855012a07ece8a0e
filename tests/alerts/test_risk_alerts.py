"""`risk.alert` for risks: once when the score reaches the organization's threshold, once when
the risk occurs — never again on later saves, again after the condition cleared and came back."""

from tests.alerts.helpers import alerts, crossings, set_threshold
from tests.factories import Tenant
from tests.risks.helpers import make_risk


async def test_a_risk_alerts_once_when_its_score_reaches_the_threshold(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    risk = await make_risk(tenant, project["id"], title="Dirty data", probability=3, impact=3)
    url = f"/v1/risks/{risk['id']}"
    assert await alerts(tenant) == []
    assert (await tenant.patch(url, json={"probability": 4, "impact": 4})).status_code == 200
    assert (await tenant.patch(url, json={"title": "Very dirty data"})).status_code == 200
    assert (await tenant.patch(url, json={"impact": 5})).status_code == 200  # 20: still above
    [alert] = await alerts(tenant, "risk_score")
    assert (alert["risk_id"], alert["project_id"], alert["version"]) == (
        risk["id"],
        project["id"],
        2,
    )
    assert (alert["score"], alert["threshold"]) == (16, 15)
    assert alert["message"] == "Risk 'Dirty data' scores 16 (threshold 15) on Globex rollout."
    assert (alert["accountable"], alert["informed"]) == ([], [])


async def test_falling_below_and_crossing_again_alerts_again(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=4, impact=4)
    url = f"/v1/risks/{risk['id']}"
    assert len(await alerts(tenant, "risk_score")) == 1
    await tenant.patch(url, json={"probability": 2, "impact": 2})
    assert await crossings(tenant) == []
    await tenant.patch(url, json={"probability": 5, "impact": 5})
    assert [alert["score"] for alert in await alerts(tenant, "risk_score")] == [16, 25]


async def test_a_score_equal_to_the_threshold_alerts_and_one_below_does_not(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    at = await make_risk(tenant, project["id"], probability=3, impact=5)
    await make_risk(tenant, project["id"], probability=3, impact=4)
    assert [alert["risk_id"] for alert in await alerts(tenant, "risk_score")] == [at["id"]]


async def test_the_threshold_is_per_organization(
    admin: Tenant, tenant: Tenant, other_tenant: Tenant
) -> None:
    await set_threshold(admin, 10)
    mine = await make_risk(tenant, (await tenant.project())["id"], probability=3, impact=4)
    await make_risk(other_tenant, (await other_tenant.project())["id"], probability=3, impact=4)
    [alert] = await alerts(tenant, "risk_score")
    assert (alert["risk_id"], alert["score"], alert["threshold"]) == (mine["id"], 12, 10)
    assert await alerts(other_tenant) == []


async def test_a_new_threshold_applies_from_each_risks_next_save(
    admin: Tenant, tenant: Tenant
) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=3, impact=4)
    await set_threshold(admin, 10)
    assert await alerts(tenant) == []  # changing the setting re-evaluates nothing by itself
    await tenant.patch(f"/v1/risks/{risk['id']}", json={"title": "Looked at again"})
    [alert] = await alerts(tenant, "risk_score")
    assert (alert["score"], alert["threshold"]) == (12, 10)


async def test_only_open_and_mitigating_risks_alert_on_their_score(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=5, impact=5, status="closed")
    url = f"/v1/risks/{risk['id']}"
    assert await alerts(tenant) == []
    await tenant.patch(url, json={"status": "mitigating"})
    assert len(await alerts(tenant, "risk_score")) == 1
    await tenant.patch(url, json={"status": "closed"})  # clears the crossing
    await tenant.patch(url, json={"status": "open"})
    assert len(await alerts(tenant, "risk_score")) == 2


async def test_an_occurred_risk_alerts_once(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    risk = await make_risk(tenant, project["id"], title="Vendor late", probability=2, impact=3)
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"status": "occurred"})
    await tenant.patch(url, json={"contingency_plan": "Use the spare vendor"})
    await tenant.patch(url, json={"impact": 4})
    [alert] = await alerts(tenant, "risk_occurred")
    assert (alert["risk_id"], alert["version"]) == (risk["id"], 2)
    assert alert["message"] == "Risk 'Vendor late' has occurred on Globex rollout."
    assert "score" not in alert
    assert await alerts(tenant, "risk_score") == []


async def test_a_risk_that_occurs_again_after_closing_alerts_again(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], status="occurred")
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"status": "closed"})
    await tenant.patch(url, json={"status": "occurred"})
    assert len(await alerts(tenant, "risk_occurred")) == 2


async def test_deleting_a_risk_clears_its_crossings(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=5, impact=5, status="occurred")
    others = [(project["id"], "project_red")]
    assert await crossings(tenant) == sorted([(risk["id"], "risk_occurred"), *others])
    assert (await tenant.delete(f"/v1/risks/{risk['id']}")).status_code == 204
    assert await crossings(tenant) == []
