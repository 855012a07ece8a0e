"""`scope_change_rate` as a built-in KPI metric and in the portfolio analytics."""

from app.core.auth import Scope
from tests.change_requests.helpers import assessed, move, project_under_way
from tests.factories import Tenant
from tests.kpis.helpers import kpi, read
from tests.rhythm import ok


async def _approve(tenant: Tenant, project: dict[str, str], member_id: str, amount: str) -> None:
    body = await assessed(
        tenant,
        project,
        member_id,
        {"schedule_impact_days": 0, "cost_impact": {"amount": amount, "currency": "EUR"}},
    )
    ok(await move(tenant, body["id"], "approved", member_id))


async def test_an_approved_change_moves_the_project_scope_change_kpi(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    target = await kpi(
        tenant,
        f"/v1/projects/{project['id']}/kpis",
        "scope_change_rate",
        0.1,
        direction="at_most",
    )
    assert (target["current_value"], target["unit"]) == (0.0, "ratio")

    await _approve(tenant, project, manager["id"], "12500.00")

    after = await read(tenant, target["id"])
    assert after["current_value"] == 0.125  # 12,500 / the 100,000 baseline
    assert after["status"] != "met"


async def test_the_portfolio_averages_scope_change_over_projects_with_a_baseline(
    tenant: Tenant,
) -> None:
    manager = await tenant.member()
    changed = await project_under_way(tenant)
    await project_under_way(tenant)  # a baseline, no change: 0
    await tenant.project(budget={"amount": "5000.00", "currency": "EUR"})  # no baseline yet
    await _approve(tenant, changed, manager["id"], "20000.00")
    await _approve(tenant, changed, manager["id"], "-5000.00")

    key = await tenant.key_with(Scope.analytics_read)
    body = ok(await tenant.get("/v1/analytics/portfolio", headers=tenant.headers(key)))
    organization = body["organization"]
    assert organization["projects_with_baseline"] == 2
    assert organization["scope_change_rate"] == 0.075  # (0.15 + 0) / 2
