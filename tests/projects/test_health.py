"""Health is derived from milestones and risks, unless a manager overrides it with a reason."""

from datetime import date, timedelta

from sqlmodel import select

from app.models import Event, MilestoneStatus, RiskStatus
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.projects.workspace import add_milestone, add_risk

TODAY = date.today()


async def _status(tenant: Tenant, project_id: str) -> dict[str, object]:
    response = await tenant.get(f"/v1/projects/{project_id}/status")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_project_with_nothing_late_or_risky_is_green(tenant: Tenant) -> None:
    project = await tenant.project()
    await add_milestone(tenant, project["id"], TODAY + timedelta(days=10))
    await add_risk(tenant, project["id"], 2, 2)
    status = await _status(tenant, project["id"])
    assert (status["health"], status["health_source"], status["health_reasons"]) == (
        "green",
        "derived",
        [],
    )


async def test_an_overdue_milestone_makes_it_amber_then_red_after_two_weeks(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    await add_milestone(tenant, project["id"], TODAY - timedelta(days=3))
    status = await _status(tenant, project["id"])
    assert status["health"] == "amber"
    assert status["health_reasons"] == ["1 milestone(s) overdue, the oldest by 3 day(s)"]
    await add_milestone(tenant, project["id"], TODAY - timedelta(days=15))
    assert (await _status(tenant, project["id"]))["health"] == "red"


async def test_done_milestones_are_never_overdue(tenant: Tenant) -> None:
    project = await tenant.project()
    await add_milestone(
        tenant, project["id"], TODAY - timedelta(days=30), status=MilestoneStatus.done
    )
    assert (await _status(tenant, project["id"]))["health"] == "green"


async def test_a_missed_milestone_makes_it_red(tenant: Tenant) -> None:
    project = await tenant.project()
    await add_milestone(
        tenant, project["id"], TODAY + timedelta(days=3), status=MilestoneStatus.missed
    )
    assert (await _status(tenant, project["id"]))["health"] == "red"


async def test_risks_high_is_amber_critical_or_occurred_is_red_closed_counts_not(
    tenant: Tenant,
) -> None:
    high = await tenant.project()
    await add_risk(tenant, high["id"], 3, 4)
    assert (await _status(tenant, high["id"]))["health"] == "amber"
    critical = await tenant.project()
    await add_risk(tenant, critical["id"], 5, 3)
    assert (await _status(tenant, critical["id"]))["health"] == "red"
    occurred = await tenant.project()
    await add_risk(tenant, occurred["id"], 1, 1, status=RiskStatus.occurred)
    assert (await _status(tenant, occurred["id"]))["health"] == "red"
    closed = await tenant.project()
    await add_risk(tenant, closed["id"], 5, 5, status=RiskStatus.closed)
    assert (await _status(tenant, closed["id"]))["health"] == "green"


async def test_a_manager_overrides_health_with_a_reason(tenant: Tenant) -> None:
    project = await tenant.project()
    await add_risk(tenant, project["id"], 5, 5)
    url = f"/v1/projects/{project['id']}"
    response = await tenant.patch(
        url, json={"health_override": "amber", "health_override_reason": "vendor fix landing"}
    )
    assert response.status_code == 200
    assert (response.json()["health"], response.json()["health_override"]) == ("amber", "amber")
    status = await _status(tenant, project["id"])
    assert (status["health"], status["health_source"]) == ("amber", "override")
    assert status["health_reasons"][0] == "set by a manager: vendor fix landing"
    cleared = await tenant.patch(url, json={"health_override": None})
    assert (cleared.json()["health"], cleared.json()["health_override_reason"]) == ("red", None)
    assert (await _status(tenant, project["id"]))["health_source"] == "derived"


async def test_an_override_needs_a_reason(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    assert_problem(await tenant.patch(url, json={"health_override": "red"}), 422, "invalid-input")
    assert_problem(
        await tenant.patch(url, json={"health_override_reason": "why not"}), 422, "invalid-input"
    )
    assert (await tenant.get(url)).json()["health_override"] is None


async def test_health_changes_are_recorded_as_events(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    await tenant.patch(url, json={"health_override": "red", "health_override_reason": "escalated"})
    await tenant.patch(url, json={"name": "Only a rename"})
    async with tenant.database.transaction(write=False) as session:
        events = (
            await session.exec(
                select(Event).where(
                    Event.organization_id == tenant.organization_id,
                    Event.type == "project.health_changed",
                )
            )
        ).all()
    assert len(events) == 1
    assert b'"from":"green","to":"red","source":"override"' in events[0].payload
