"""The account view: everything about a customer before a renewal call, in a fixed number of
SQL statements whatever the number of projects."""

from typing import Any

from tests.change_requests.helpers import change_request
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.rhythm import day, ok
from tests.statements import count_statements

RISK = {"title": "R", "category": "schedule", "response": "accept"}
FEEDBACK = {"source": "customer", "category": "quality", "sentiment": "negative", "text": "Slow"}


async def _busy_project(tenant: Tenant, customer: dict[str, Any], name: str) -> dict[str, Any]:
    """A project with one of everything the overview shows, and one of each it leaves out."""
    project = await tenant.project(
        name=name, customer_id=customer["id"], budget={"amount": "1000.00", "currency": "EUR"}
    )
    p = f"/v1/projects/{project['id']}"
    for body in (
        {"name": f"{name} pilot", "due_date": day(10), "customer_visible": True},
        {"name": "internal", "due_date": day(5)},
        {"name": "past", "due_date": day(-5), "customer_visible": True},
    ):
        ok(await tenant.post(f"{p}/milestones", json=body), 201)
    ok(await tenant.post(f"{p}/risks", json={**RISK, "probability": 4, "impact": 4}), 201)
    ok(await tenant.post(f"{p}/risks", json={**RISK, "probability": 3, "impact": 4}), 201)
    ok(await tenant.post(f"{p}/risks", json={**RISK, "probability": 2, "impact": 2}), 201)
    ok(await tenant.post(f"{p}/feedback", json=FEEDBACK), 201)
    await change_request(tenant, project)
    for kind, score, on in (
        ("csat", 4, "2026-09-10"),
        ("csat", 2, "2026-10-03"),
        ("nps", 10, "2026-10-20"),
    ):
        body = {"kind": kind, "score": score, "collected_on": on}
        ok(await tenant.post(f"{p}/survey-responses", json=body), 201)
    return project


async def test_the_overview_gathers_the_customers_projects(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    customer = await tenant.customer(name="Globex")
    first = await _busy_project(tenant, customer, "Rollout")
    second = await _busy_project(tenant, customer, "Upsell")
    ok(
        await tenant.patch(
            f"/v1/projects/{second['id']}", json={"budget": {"amount": "500.00", "currency": "USD"}}
        )
    )
    closed = ok(await tenant.get(f"/v1/projects/{first['id']}/feedback"))["items"][0]
    member = await tenant.member()
    ok(
        await tenant.post(
            f"/v1/feedback/{closed['id']}/transitions",
            json={"to_status": "closed", "member_id": member["id"]},
        )
    )
    await _busy_project(tenant, await tenant.customer(name="Initech"), "Elsewhere")

    overview = ok(await tenant.get(f"/v1/customers/{customer['id']}/overview"))
    assert (overview["customer_id"], overview["name"]) == (customer["id"], "Globex")
    healths = [ok(await tenant.get(f"/v1/projects/{p['id']}"))["health"] for p in (first, second)]
    assert [(p["name"], p["phase"], p["health"]) for p in overview["projects"]] == [
        ("Rollout", "initiating", healths[0]),
        ("Upsell", "initiating", healths[1]),
    ]
    assert overview["contracted_total"] == [
        {"amount": "1000.00", "currency": "EUR"},
        {"amount": "500.00", "currency": "USD"},
    ]
    months = {m["month"]: m["summary"] for m in overview["satisfaction"]}
    assert list(months) == ["2026-09", "2026-10"]
    assert months["2026-09"]["csat"] == {"responses": 2, "average": 4.0}
    assert months["2026-10"]["csat"]["average"] == 2.0
    assert (months["2026-10"]["nps"]["responses"], months["2026-10"]["nps"]["score"]) == (2, 100)
    assert overview["open_feedback"]["count"] == 1
    assert [f["project_id"] for f in overview["open_feedback"]["items"]] == [second["id"]]
    assert overview["open_change_requests"]["count"] == 2
    assert {c["status"] for c in overview["open_change_requests"]["items"]} == {"draft"}
    risks = overview["open_high_risks"]
    assert risks["count"] == 4  # the 2 × 2 ones are medium
    assert [(r["score"], r["band"]) for r in risks["items"]] == [
        (16, "critical"),
        (16, "critical"),
        (12, "high"),
        (12, "high"),
    ]
    milestones = overview["upcoming_milestones"]
    assert [m["name"] for m in milestones["items"]] == ["Rollout pilot", "Upsell pilot"]
    assert milestones["count"] == 2

    assert_problem(await other_tenant.get(f"/v1/customers/{customer['id']}/overview"), 404)


async def test_the_overview_costs_the_same_statements_for_one_project_or_five(
    tenant: Tenant,
) -> None:
    counts = []
    for projects in (1, 5):
        customer = await tenant.customer()
        for number in range(projects):
            await _busy_project(tenant, customer, f"P{number}")
        with count_statements(tenant.database) as statements:
            overview = ok(await tenant.get(f"/v1/customers/{customer['id']}/overview"))
        assert len(overview["projects"]) == projects
        assert overview["upcoming_milestones"]["count"] == projects
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
