"""Approval applies the change in one transaction; the baseline stays, so slip splits into
change-driven and delivery-driven."""

from decimal import Decimal
from uuid import UUID

from app.change_requests.report import scope_change_rate
from app.models import Project
from tests.change_requests.helpers import assessed, change_request, move, project_under_way
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.rhythm import day, events_of, ok


async def test_approval_moves_exactly_the_named_milestones_and_the_budget_not_the_baseline(
    tenant: Tenant,
) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    design, build, go_live = (project["milestones"][n] for n in ("Design", "Build", "Go-live"))
    body = await assessed(
        tenant,
        project,
        manager["id"],
        {
            "schedule_impact_days": 10,
            "milestone_ids": [build["id"], go_live["id"]],
            "cost_impact": {"amount": "18000.50", "currency": "EUR"},
        },
    )
    assert body["cost_impact"] == {"amount": "18000.50", "currency": "EUR"}
    assert ok(await tenant.get(f"/v1/milestones/{build['id']}"))["due_date"] == day(40)
    approved = ok(await move(tenant, body["id"], "approved", manager["id"]))
    assert approved["status"] == "approved"

    after = {
        name: ok(await tenant.get(f"/v1/milestones/{m['id']}"))
        for name, m in project["milestones"].items()
    }
    assert {name: m["due_date"] for name, m in after.items()} == {
        "Design": day(20),
        "Build": day(50),
        "Go-live": day(70),
    }
    assert {name: m["baseline_due_date"] for name, m in after.items()} == {
        "Design": day(20),
        "Build": day(40),
        "Go-live": day(60),
    }
    assert after["Design"]["version"] == design["version"]  # untouched
    assert ok(await tenant.get(f"/v1/projects/{project['id']}"))["budget"] == {
        "amount": "118000.50",
        "currency": "EUR",
    }
    baseline = ok(await tenant.get(f"/v1/projects/{project['id']}/baseline"))
    assert baseline["baseline_budget"] == {"amount": "100000.00", "currency": "EUR"}
    assert baseline["approved_change_cost"] == {"amount": "18000.50", "currency": "EUR"}
    assert baseline["scope_change_rate"] == 0.18  # a ratio is a number, money a string

    [event] = await events_of(tenant, "change_request.approved")
    assert event["budget_before"] == {"amount": "100000.00", "currency": "EUR"}
    assert event["budget_after"] == {"amount": "118000.50", "currency": "EUR"}
    assert [(m["milestone_id"], m["to_due_date"]) for m in event["milestones_moved"]] == sorted(
        [(build["id"], day(50)), (go_live["id"], day(70))]
    )
    moved = [e["milestone_id"] for e in await events_of(tenant, "milestone.updated")]
    assert sorted(moved[-2:]) == sorted([build["id"], go_live["id"]])


async def test_slip_splits_into_change_driven_and_delivery_driven(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    design, build = project["milestones"]["Design"], project["milestones"]["Build"]
    body = await assessed(
        tenant,
        project,
        manager["id"],
        {"schedule_impact_days": 10, "milestone_ids": [build["id"]]},
    )
    ok(await move(tenant, body["id"], "approved", manager["id"]))
    # Design is finished 4 days late for reasons of its own; Build, 3 days after its new date.
    ok(await tenant.patch(f"/v1/milestones/{design['id']}", json={"due_date": day(24)}))
    ok(
        await tenant.patch(
            f"/v1/milestones/{design['id']}", json={"status": "done", "completed_date": day(24)}
        )
    )
    ok(
        await tenant.patch(
            f"/v1/milestones/{build['id']}", json={"status": "done", "completed_date": day(53)}
        )
    )

    report = ok(await tenant.get(f"/v1/projects/{project['id']}/baseline"))
    split = {
        m["name"]: (m["slip_days"], m["change_slip_days"], m["delivery_slip_days"])
        for m in report["milestones"]
    }
    assert split == {"Design": (4, 0, 4), "Build": (13, 10, 3), "Go-live": (0, 0, 0)}


async def test_the_baseline_is_the_plan_as_it_stood_when_planning_ended(tenant: Tenant) -> None:
    project = await tenant.project(budget={"amount": "50000.00", "currency": "EUR"})
    p = f"/v1/projects/{project['id']}"
    ok(await tenant.post(f"{p}/transitions", json={"to_phase": "planning"}), 201)
    milestone = ok(
        await tenant.post(f"{p}/milestones", json={"name": "M", "due_date": day(30)}), 201
    )
    ok(await tenant.patch(f"/v1/milestones/{milestone['id']}", json={"due_date": day(35)}))
    ok(await tenant.patch(p, json={"budget": {"amount": "60000.00", "currency": "EUR"}}))
    before = ok(await tenant.get(f"{p}/baseline"))
    assert (before["baseline_set_at"], before["baseline_budget"]) == (None, None)
    ok(await tenant.post(f"{p}/transitions", json={"to_phase": "executing"}), 201)
    after = ok(await tenant.get(f"/v1/milestones/{milestone['id']}"))
    assert (after["baseline_due_date"], after["version"]) == (day(35), 3)
    report = ok(await tenant.get(f"{p}/baseline"))
    assert report["baseline_set_at"] is not None
    assert report["baseline_budget"] == {"amount": "60000.00", "currency": "EUR"}
    # Later phases do not move it.
    ok(await tenant.patch(p, json={"budget": {"amount": "70000.00", "currency": "EUR"}}))
    ok(await tenant.post(f"{p}/transitions", json={"to_phase": "monitoring"}), 201)
    ok(await tenant.post(f"{p}/transitions", json={"to_phase": "executing"}), 201)
    again = ok(await tenant.get(f"{p}/baseline"))
    assert (again["baseline_set_at"], again["baseline_budget"]) == (
        report["baseline_set_at"],
        report["baseline_budget"],
    )


async def test_an_approval_that_breaks_dependencies_changes_nothing(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    design = project["milestones"]["Design"]
    body = await assessed(
        tenant,
        project,
        manager["id"],
        {
            "schedule_impact_days": 30,  # Design after Build, which depends on it
            "milestone_ids": [design["id"]],
            "cost_impact": {"amount": "1000.00", "currency": "EUR"},
        },
    )
    problem = assert_problem(
        await move(tenant, body["id"], "approved", manager["id"]), 409, "change-not-applicable"
    )
    assert design["id"] in problem["detail"]
    assert ok(await tenant.get(f"/v1/milestones/{design['id']}"))["due_date"] == day(20)
    assert ok(await tenant.get(f"/v1/projects/{project['id']}"))["budget"]["amount"] == "100000.00"
    assert ok(await tenant.get(f"/v1/change-requests/{body['id']}"))["status"] == "assessed"
    assert await events_of(tenant, "change_request.approved") == []


async def test_scope_change_rate_is_approved_change_cost_over_the_baseline_budget(
    tenant: Tenant,
) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    for amount, decision in (
        ("12500.00", "approved"),
        ("-2500.00", "approved"),
        ("9999.00", "rejected"),
    ):
        body = await assessed(
            tenant,
            project,
            manager["id"],
            {"schedule_impact_days": 0, "cost_impact": {"amount": amount, "currency": "EUR"}},
        )
        ok(await move(tenant, body["id"], decision, manager["id"]))
    await change_request(tenant, project)  # a draft counts for nothing
    async with tenant.database.transaction(write=False) as session:
        loaded = await session.get(Project, UUID(project["id"]))
        assert loaded is not None
        assert await scope_change_rate(session, loaded) == Decimal("0.1000")
    unplanned = await tenant.project()
    async with tenant.database.transaction(write=False) as session:
        loaded = await session.get(Project, UUID(unplanned["id"]))
        assert loaded is not None
        assert await scope_change_rate(session, loaded) is None
