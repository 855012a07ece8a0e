"""What subscribers hear about risks: creation, changes, escalation into a worse band (only on
the crossing), occurrence, closing and deletion — each in the transaction of the change."""

from tests.factories import Tenant
from tests.problems import assert_problem
from tests.risks.helpers import event_types, make_risk, risk_events


async def test_creation_is_an_event_with_the_risks_key_fields(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=3, impact=4)
    [event] = await risk_events(tenant, risk["id"])
    assert event["type"] == "risk.created"
    data = event["data"]
    assert (data["risk_id"], data["project_id"], data["version"]) == (
        risk["id"],
        project["id"],
        1,
    )
    assert (data["probability"], data["impact"], data["score"], data["band"]) == (3, 4, 12, "high")
    assert (data["status"], data["title"]) == ("open", risk["title"])


async def test_update_event_carries_only_the_changed_fields(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=3, impact=2)
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"title": "Renamed", "impact": 2, "review_date": "2027-02-01"})
    await tenant.patch(url, json={"impact": 3})
    events = await risk_events(tenant, risk["id"])
    assert [event["type"] for event in events] == ["risk.created", "risk.updated", "risk.updated"]
    first, second = events[1]["data"], events[2]["data"]
    assert {key: first[key] for key in first if key not in ("risk_id", "project_id")} == {
        "version": 2,
        "title": "Renamed",
        "review_date": "2027-02-01",
    }
    assert (second["impact"], second["score"], second["band"], second["version"]) == (
        3,
        9,
        "medium",
        3,
    )


async def test_a_patch_that_changes_nothing_raises_no_event(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    await tenant.patch(f"/v1/risks/{risk['id']}", json={"status": "open", "impact": risk["impact"]})
    assert await event_types(tenant, risk["id"]) == ["risk.created"]


async def test_escalation_only_when_the_score_crosses_into_a_higher_band(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=1, impact=4)  # 4, low
    url = f"/v1/risks/{risk['id']}"
    steps = [
        ({"impact": 5}, True),  # 5, medium: low → medium
        ({"probability": 1, "impact": 3}, False),  # 3, low: down
        ({"impact": 4}, False),  # 4, low: up, within the band
        ({"probability": 2}, True),  # 8, medium: low → medium again
        ({"impact": 3, "probability": 3}, False),  # 9, medium: within the band
        ({"title": "Renamed"}, False),  # no score change
        ({"probability": 5, "impact": 5}, True),  # 25, critical: two bands at once
    ]
    expected_events = 0
    for change, escalates in steps:
        assert (await tenant.patch(url, json=change)).status_code == 200
        expected_events += escalates
        escalations = [
            event
            for event in await risk_events(tenant, risk["id"])
            if event["type"] == "risk.escalated"
        ]
        assert len(escalations) == expected_events, change
    first, last = escalations[0]["data"], escalations[-1]["data"]
    assert (first["old_score"], first["new_score"], first["old_band"], first["new_band"]) == (
        4,
        5,
        "low",
        "medium",
    )
    assert (last["old_score"], last["new_score"], last["old_band"], last["new_band"]) == (
        9,
        25,
        "medium",
        "critical",
    )


async def test_creating_a_critical_risk_is_not_an_escalation(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=5, impact=5)
    assert await event_types(tenant, risk["id"]) == ["risk.created", "risk.alert"]  # no escalation


async def test_occurrence_is_announced_once(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], status="mitigating")
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"status": "occurred"})
    await tenant.patch(url, json={"status": "occurred", "title": "It happened"})
    types = await event_types(tenant, risk["id"])
    assert types == ["risk.created", "risk.updated", "risk.occurred", "risk.alert", "risk.updated"]
    occurred = (await risk_events(tenant, risk["id"]))[2]["data"]
    assert (occurred["status"], occurred["previous_status"], occurred["version"]) == (
        "occurred",
        "mitigating",
        2,
    )


async def test_a_risk_registered_as_occurred_is_announced(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], status="occurred")
    assert await event_types(tenant, risk["id"]) == ["risk.created", "risk.occurred", "risk.alert"]


async def test_closing_and_reopening(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"status": "closed"})
    await tenant.patch(url, json={"status": "open"})
    await tenant.patch(url, json={"status": "closed"})
    assert await event_types(tenant, risk["id"]) == [
        "risk.created",
        "risk.updated",
        "risk.closed",
        "risk.updated",
        "risk.updated",
        "risk.closed",
    ]


async def test_deletion_is_an_event_newer_than_the_last_version(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"impact": 1})
    assert (await tenant.delete(url)).status_code == 204
    events = await risk_events(tenant, risk["id"])
    assert [event["type"] for event in events][-1] == "risk.deleted"
    assert events[-1]["data"]["version"] == 3
    assert events[-1]["data"]["project_id"] == project["id"]


async def test_a_refused_change_leaves_no_event(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    refused = await tenant.patch(url, json={"probability": 5, "response": "mitigate"})
    assert_problem(refused, 422, "invalid-input")
    stale = await tenant.patch(url, json={"probability": 5}, headers={"If-Match": '"7"'})
    assert_problem(stale, 412)
    assert await event_types(tenant, risk["id"]) == ["risk.created"]
