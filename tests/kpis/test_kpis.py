"""KPI targets: exact values of the built-in metrics, status, trend, and their events."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert
from sqlmodel import select

from app.kpis.schemas import MAX_KPIS_PER_PROJECT
from app.models import Event, Kpi, KpiDirection, KpiMetric
from app.models.base import today
from tests.factories import Tenant
from tests.kpis.helpers import days_ago, kpi, milestone, read, risk, survey
from tests.problems import assert_problem, locations
from tests.room import assert_full
from tests.statements import count_statements


async def _events(tenant: Tenant, type: str) -> list[dict[str, Any]]:
    async with tenant.database.transaction() as session:
        rows = await session.exec(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, Event.type == type)
            .order_by(Event.id)  # type: ignore[arg-type]
        )
        return [json.loads(event.payload)["data"] for event in rows]


async def test_on_time_rate_and_slip_of_three_milestones_two_on_time(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/kpis"
    rate = await kpi(tenant, url, "on_time_milestone_rate", 0.9)
    slip = await kpi(tenant, url, "average_schedule_slip_days", 1, direction="at_most")
    assert (rate["current_value"], rate["status"], rate["trend"]) == (None, "on_track", None)
    assert rate["unit"] == "ratio"
    assert slip["unit"] == "days"

    await milestone(tenant, project, due=days_ago(10), done=days_ago(12))  # early: on time
    await milestone(tenant, project, due=days_ago(5), done=days_ago(3))  # two days late
    await milestone(tenant, project, due=days_ago(2), done=days_ago(2))  # on the day
    await milestone(tenant, project, due=today() + timedelta(days=5))  # not due: not counted

    rate = await read(tenant, rate["id"])
    assert rate["current_value"] == 0.667
    assert rate["trend"] == "improving"  # 0.5 after the late one, then 0.667
    assert (await read(tenant, slip["id"]))["current_value"] == 0.67  # (0 + 2 + 0) / 3

    await milestone(tenant, project, due=days_ago(1))  # overdue, open: counts as late
    rate = await read(tenant, rate["id"])
    assert (rate["current_value"], rate["trend"], rate["status"]) == (0.5, "worsening", "at_risk")
    assert (await read(tenant, slip["id"]))["current_value"] == 0.75  # (0 + 2 + 0 + 1) / 4

    # Two crossings into at_risk: 1.0 → 0.5 (the late one), then back on track at 0.667, then 0.5.
    alerts = await _events(tenant, "kpi.at_risk")
    assert [(a["kpi_id"], a["current_value"]) for a in alerts] == [(rate["id"], 0.5)] * 2
    assert alerts[0]["project_id"] == project["id"]
    assert alerts[0]["target_value"] == 0.9

    history = (await tenant.get(f"/v1/kpis/{rate['id']}/measurements")).json()["items"]
    assert [point["value"] for point in history] == [1.0, 0.5, 0.667, 0.5]
    assert {point["source"] for point in history} == {"computed"}


async def test_an_at_risk_target_raises_its_event_once_per_crossing(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/kpis"
    await milestone(tenant, project, due=days_ago(3), done=days_ago(3))
    await milestone(tenant, project, due=days_ago(2), done=days_ago(1))
    target = await kpi(tenant, url, "on_time_milestone_rate", 0.9)
    assert (target["current_value"], target["status"]) == (0.5, "at_risk")
    await milestone(tenant, project, due=days_ago(1))  # 1/3: still at risk, no second event
    assert len(await _events(tenant, "kpi.at_risk")) == 1
    changed = await tenant.patch(f"/v1/kpis/{target['id']}", json={"target_value": 0.3})
    assert changed.json()["status"] == "met"
    await tenant.patch(f"/v1/kpis/{target['id']}", json={"target_value": 0.95})
    assert len(await _events(tenant, "kpi.at_risk")) == 2  # a new crossing


async def test_budget_variance_from_cost_entries(tenant: Tenant) -> None:
    project = await tenant.project(budget={"amount": "1000.00", "currency": "EUR"})
    target = await kpi(
        tenant, f"/v1/projects/{project['id']}/kpis", "budget_variance", 0.05, direction="at_most"
    )
    assert target["current_value"] is None
    for amount in ("600.00", "500.00"):
        booked = await tenant.post(
            f"/v1/projects/{project['id']}/cost-entries",
            json={
                "cost": {"amount": amount, "currency": "EUR"},
                "incurred_on": days_ago(1).isoformat(),
                "description": "Consulting",
            },
        )
        assert booked.status_code == 201, booked.text
    target = await read(tenant, target["id"])
    assert (target["current_value"], target["status"]) == (0.1, "at_risk")  # 1100 / 1000 − 1

    entries = (await tenant.get(f"/v1/projects/{project['id']}/cost-entries")).json()["items"]
    assert [entry["cost"] for entry in entries] == [
        {"amount": "600.00", "currency": "EUR"},
        {"amount": "500.00", "currency": "EUR"},
    ]
    assert (await tenant.delete(f"/v1/cost-entries/{entries[1]['id']}")).status_code == 204
    target = await read(tenant, target["id"])
    assert (target["current_value"], target["status"]) == (-0.4, "met")


async def test_a_cost_in_another_currency_or_the_future_is_refused(tenant: Tenant) -> None:
    project = await tenant.project(budget={"amount": "1000.00", "currency": "EUR"})
    response = await tenant.post(
        f"/v1/projects/{project['id']}/cost-entries",
        json={
            "cost": {"amount": "10.00", "currency": "USD"},
            "incurred_on": (today() + timedelta(days=1)).isoformat(),
            "description": "Travel",
        },
    )
    problem = assert_problem(response, 422)
    assert locations(problem) == {("body", "cost", "currency"), ("body", "incurred_on")}
    listed = await tenant.get(f"/v1/projects/{project['id']}/cost-entries")
    assert listed.json()["items"] == []


async def test_csat_nps_exposure_and_acknowledgement_time(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/kpis"
    await survey(tenant, project, "nps", 10, 9, 8, 7, 6, 0)
    await survey(tenant, project, "csat", 5, 4, 3)
    await risk(tenant, project, 2, 3)
    await risk(tenant, project, 4, 5, status="mitigating")
    await risk(tenant, project, 5, 5, status="closed")
    manager = await tenant.member()
    for hours in (2, 4, 6):
        received = datetime.now(UTC) - timedelta(hours=hours)
        created = await tenant.post(
            f"/v1/projects/{project['id']}/feedback",
            json={
                "source": "customer",
                "category": "quality",
                "sentiment": "neutral",
                "text": f"{hours} hours ago",
                "received_at": received.isoformat(),
            },
        )
        moved = await tenant.post(
            f"/v1/feedback/{created.json()['id']}/transitions",
            json={"to_status": "acknowledged", "member_id": manager["id"]},
        )
        assert moved.status_code == 200, moved.text

    nps = await kpi(tenant, url, "nps", 30)
    csat = await kpi(tenant, url, "csat_average", 4)
    exposure = await kpi(tenant, url, "open_risk_exposure", 20, direction="at_most")
    median = await kpi(tenant, url, "median_hours_to_acknowledge", 8, direction="at_most")
    assert (nps["current_value"], nps["status"]) == (0, "at_risk")
    assert (csat["current_value"], csat["status"]) == (4.0, "met")
    assert (exposure["current_value"], exposure["status"]) == (26, "at_risk")  # 6 + 20
    assert median["current_value"] == pytest.approx(4.0, abs=0.02)
    assert median["status"] == "met"


async def test_allocation_utilisation_over_the_last_four_weeks(tenant: Tenant) -> None:
    project = await tenant.project()
    person = await tenant.member()
    allocated = await tenant.post(
        f"/v1/projects/{project['id']}/allocations",
        json={
            "member_id": person["id"],
            "start_date": days_ago(40).isoformat(),
            "end_date": (today() + timedelta(days=10)).isoformat(),
            "percent": 50,
        },
    )
    assert allocated.status_code == 201, allocated.text
    target = await kpi(tenant, f"/v1/projects/{project['id']}/kpis", "allocation_utilisation", 0.8)
    assert target["current_value"] == 0.5
    window = await kpi(
        tenant,
        f"/v1/projects/{project['id']}/kpis",
        "allocation_utilisation",
        0.8,
        measured_from=days_ago(59).isoformat(),  # 60 days, 41 of them allocated at half time
    )
    assert window["current_value"] == round(41 * 0.5 / 60, 3)


async def test_custom_target_measured_by_hand(tenant: Tenant) -> None:
    owner = await tenant.member()
    target = await kpi(
        tenant,
        "/v1/kpis",
        "custom",
        100,
        unit="tickets",
        owner_id=owner["id"],
        due_date=(today() + timedelta(days=30)).isoformat(),
    )
    assert (target["project_id"], target["unit"], target["status"]) == (None, "tickets", "on_track")
    url = f"/v1/kpis/{target['id']}/measurements"
    start = datetime.now(UTC) - timedelta(days=20)
    for offset, value in ((0, 20), (10, 60)):
        posted = await tenant.post(
            url, json={"value": value, "measured_at": (start + timedelta(days=offset)).isoformat()}
        )
        assert posted.status_code == 201, posted.text
        assert posted.json()["source"] == "manual"
    target = await read(tenant, target["id"])
    # +40 in 10 days, 40 days left: on the line to 100 well before the due date.
    assert (target["current_value"], target["trend"], target["status"]) == (
        60,
        "improving",
        "on_track",
    )
    await tenant.post(url, json={"value": 55})
    target = await read(tenant, target["id"])
    assert (target["current_value"], target["trend"], target["status"]) == (
        55,
        "worsening",
        "at_risk",
    )
    await tenant.post(url, json={"value": 120})
    assert (await read(tenant, target["id"]))["status"] == "met"


async def test_a_target_past_its_due_date_and_not_met_is_missed(tenant: Tenant) -> None:
    target = await kpi(tenant, "/v1/kpis", "custom", 10, due_date=days_ago(1).isoformat())
    assert target["status"] == "missed"
    assert [event["kpi_id"] for event in await _events(tenant, "kpi.missed")] == [target["id"]]
    await tenant.post(f"/v1/kpis/{target['id']}/measurements", json={"value": 3})
    assert len(await _events(tenant, "kpi.missed")) == 1


async def test_measurements_sent_at_once_all_land_and_the_target_reads_the_latest(
    tenant: Tenant,
) -> None:
    """A measurement adds: those a script sends in parallel are each a 201 (a measurement's
    operation documents no 412), and the target is evaluated from the latest of them."""
    project = await tenant.project()
    due = (today() + timedelta(days=30)).isoformat()
    target = await kpi(tenant, f"/v1/projects/{project['id']}/kpis", "custom", 100, due_date=due)
    url = f"/v1/kpis/{target['id']}/measurements"
    start = datetime.now(UTC) - timedelta(days=8)
    sent = await asyncio.gather(
        *(
            tenant.post(
                url, json={"value": 10 * n, "measured_at": (start + timedelta(days=n)).isoformat()}
            )
            for n in range(8)
        )
    )
    assert [answer.status_code for answer in sent] == [201] * 8, [answer.text for answer in sent]
    assert len((await tenant.get(url)).json()["items"]) == 8
    assert (await read(tenant, target["id"]))["current_value"] == 70


async def test_measurements_are_for_custom_targets_only_and_not_from_the_future(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    built_in = await kpi(tenant, f"/v1/projects/{project['id']}/kpis", "nps", 30)
    refused = await tenant.post(f"/v1/kpis/{built_in['id']}/measurements", json={"value": 50})
    assert_problem(refused, 409)
    custom = await kpi(tenant, "/v1/kpis", "custom", 1)
    future = datetime.now(UTC) + timedelta(hours=1)
    refused = await tenant.post(
        f"/v1/kpis/{custom['id']}/measurements",
        json={"value": 5, "measured_at": future.isoformat()},
    )
    assert_problem(refused, 422)
    nan = await tenant.post(
        f"/v1/kpis/{custom['id']}/measurements",
        content=b'{"value": NaN}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(nan, 422)
    assert (await tenant.get(f"/v1/kpis/{custom['id']}/measurements")).json()["items"] == []


async def test_organization_target_counts_every_project(tenant: Tenant) -> None:
    first, second = await tenant.project(), await tenant.project()
    await milestone(tenant, first, due=days_ago(4), done=days_ago(4))
    await milestone(tenant, second, due=days_ago(4), done=days_ago(1))
    target = await kpi(tenant, "/v1/kpis", "on_time_milestone_rate", 0.9)
    assert target["current_value"] == 0.5
    listed = (await tenant.get("/v1/kpis")).json()["items"]
    assert [item["id"] for item in listed] == [target["id"]]
    project_target = await kpi(tenant, f"/v1/projects/{first['id']}/kpis", "nps", 0)
    everything = (await tenant.get("/v1/kpis", params={"level": "all"})).json()["items"]
    assert {item["id"] for item in everything} == {target["id"], project_target["id"]}
    at_risk = await tenant.get("/v1/kpis", params={"level": "all", "status": "at_risk"})
    assert [item["id"] for item in at_risk.json()["items"]] == [target["id"]]


async def test_owner_from_another_organization_is_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    stranger = await other_tenant.member()
    response = await tenant.post(
        "/v1/kpis",
        json={
            "name": "x",
            "metric": "nps",
            "target_value": 1,
            "direction": "at_least",
            "due_date": "2027-01-01",
            "owner_id": stranger["id"],
        },
    )
    assert locations(assert_problem(response, 422)) == {("body", "owner_id")}
    assert (await tenant.get("/v1/kpis")).json()["items"] == []


async def test_a_missed_project_target_makes_the_project_amber(tenant: Tenant) -> None:
    project = await tenant.project()
    target = await kpi(
        tenant, f"/v1/projects/{project['id']}/kpis", "nps", 30, due_date=days_ago(1).isoformat()
    )
    assert target["status"] == "missed"
    status = (await tenant.get(f"/v1/projects/{project['id']}/status")).json()
    assert status["health"] == "amber"
    assert "1 KPI target(s) missed" in status["health_reasons"]
    listed = await tenant.get("/v1/projects", params={"health": "amber"})
    assert [item["id"] for item in listed.json()["items"]] == [project["id"]]
    assert (await tenant.delete(f"/v1/kpis/{target['id']}")).status_code == 204
    assert (await tenant.get(f"/v1/projects/{project['id']}")).json()["health"] == "green"


async def test_a_milestone_done_early_counts_when_it_is_done(tenant: Tenant) -> None:
    project = await tenant.project()
    target = await kpi(tenant, f"/v1/projects/{project['id']}/kpis", "on_time_milestone_rate", 0.9)
    assert target["current_value"] is None
    await milestone(tenant, project, due=today() + timedelta(days=9), done=today())
    target = await read(tenant, target["id"])
    assert (target["current_value"], target["status"]) == (1.0, "met")


async def test_a_project_holds_a_bounded_number_of_kpis(tenant: Tenant) -> None:
    """Every write to a project re-evaluates its targets: past the limit, a new one is a 409
    until one is deleted; organization-level targets are not the project's."""
    project = await tenant.project()
    stored = [
        {
            "id": uuid4(),
            "organization_id": tenant.organization_id,
            "project_id": UUID(project["id"]),
            "name": f"Stored target {number}",
            "metric": KpiMetric.custom,
            "target_value": 1.0,
            "direction": KpiDirection.at_least,
            "due_date": today() + timedelta(days=90),
            "version": 1,
        }
        for number in range(MAX_KPIS_PER_PROJECT - 1)
    ]
    async with tenant.database.transaction() as session:
        await session.exec(insert(Kpi).values(stored))  # type: ignore[call-overload]
    url = f"/v1/projects/{project['id']}/kpis"
    await kpi(tenant, url, "on_time_milestone_rate", 0.9)
    body = {"name": "One too many", "metric": "nps", "target_value": 30, "direction": "at_least"}
    body["due_date"] = (today() + timedelta(days=90)).isoformat()
    limit = MAX_KPIS_PER_PROJECT
    await assert_full(tenant, project["id"], Kpi, limit, "too-many-kpis", url, body)
    await kpi(tenant, "/v1/kpis", "nps", 30)  # the organization's own targets are not counted

    assert (await tenant.delete(f"/v1/kpis/{stored[0]['id']}")).status_code == 204
    assert (await tenant.post(url, json=body)).status_code == 201


async def test_targets_counting_over_the_same_days_share_one_computation(tenant: Tenant) -> None:
    """Every write to a project re-evaluates its targets: more targets of the same data add
    their own reads and writes, not another computation of the metrics each."""
    costs = []
    for targets in (1, 6):
        project = await tenant.project()
        url = f"/v1/projects/{project['id']}/kpis"
        for number in range(targets):
            metric = ("on_time_milestone_rate", "average_schedule_slip_days")[number % 2]
            await kpi(tenant, url, metric, 0.5)
        await milestone(tenant, project, days_ago(3), done=days_ago(4))
        with count_statements(tenant.database) as statements:
            await milestone(tenant, project, days_ago(2), done=days_ago(1))
        costs.append(len(statements))
    added = 5
    # each added target: its last measurements read, its new measurement and value written
    assert costs[1] - costs[0] <= added * 3, costs
