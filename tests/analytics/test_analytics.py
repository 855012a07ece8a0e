"""Portfolio and member analytics: exact figures of small known portfolios, and their bounds."""

from datetime import timedelta
from typing import Any

import pytest

from app.core.auth import Scope
from app.models.base import today
from tests.factories import Tenant
from tests.kpis.helpers import days_ago, milestone, risk, survey
from tests.problems import assert_problem
from tests.statements import count_statements

pytestmark = pytest.mark.usefixtures("tenant")


async def _move(tenant: Tenant, project: dict[str, Any], *phases: str) -> None:
    for phase in phases:
        moved = await tenant.post(
            f"/v1/projects/{project['id']}/transitions", json={"to_phase": phase}
        )
        assert moved.status_code == 201, moved.text


async def _allocate(
    tenant: Tenant, project: dict[str, Any], member: dict[str, Any], start: int, end: int, pct: int
) -> None:
    response = await tenant.post(
        f"/v1/projects/{project['id']}/allocations",
        json={
            "member_id": member["id"],
            "start_date": days_ago(start).isoformat(),
            "end_date": days_ago(end).isoformat(),
            "percent": pct,
        },
    )
    assert response.status_code == 201, response.text


async def _portfolio(tenant: Tenant) -> dict[str, Any]:
    """Three projects: A (manager 1, seller, executing), B (manager 2, seller, planning),
    C (manager 1, no seller, initiating, no data)."""
    first, second = await tenant.member(name="Manager One"), await tenant.member(name="Two")
    seller = await tenant.member(name="Seller", role="sales")
    builder, helper = await tenant.member(), await tenant.member()
    a = await tenant.project(project_manager_id=first["id"], sales_owner_id=seller["id"])
    b = await tenant.project(
        project_manager_id=second["id"],
        sales_owner_id=seller["id"],
        budget={"amount": "1000.00", "currency": "EUR"},
    )
    c = await tenant.project(project_manager_id=first["id"])
    await _move(tenant, a, "planning", "executing")
    await _move(tenant, b, "planning")
    await milestone(tenant, a, due=days_ago(10), done=days_ago(12))
    await milestone(tenant, a, due=days_ago(5), done=days_ago(3))
    await milestone(tenant, b, due=days_ago(4), done=days_ago(4))
    await milestone(tenant, b, due=days_ago(200), done=days_ago(100))  # before the window
    await survey(tenant, a, "nps", 10, 9)
    await survey(tenant, b, "csat", 5, 3)
    await risk(tenant, a, 2, 3)
    await risk(tenant, b, 4, 5)
    booked = await tenant.post(
        f"/v1/projects/{b['id']}/cost-entries",
        json={
            "cost": {"amount": "1200.00", "currency": "EUR"},
            "incurred_on": days_ago(2).isoformat(),
            "description": "Overrun",
        },
    )
    assert booked.status_code == 201, booked.text
    await _allocate(tenant, a, builder, start=100, end=-10, pct=100)  # all 90 days
    await _allocate(tenant, b, helper, start=44, end=0, pct=50)  # 45 days at half time
    return {
        "members": (first, second, seller, builder),
        "projects": (a, b, c),
    }


def _pick(metrics: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(metrics[name] for name in names)


async def test_portfolio_figures_by_organization_phase_manager_and_seller(tenant: Tenant) -> None:
    data = await _portfolio(tenant)
    first, second, seller, _ = data["members"]
    response = await tenant.get("/v1/analytics/portfolio")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == (days_ago(89).isoformat(), today().isoformat())
    everyone = body["organization"]
    assert everyone == {
        "projects": 3,
        "milestones_counted": 3,
        "on_time_milestone_rate": 0.667,
        "average_schedule_slip_days": 0.67,
        "budget_variance": 0.2,
        "projects_with_costs": 1,
        "csat_average": 4.0,
        "csat_responses": 2,
        "nps": 100,
        "nps_responses": 2,
        "median_hours_to_acknowledge": None,
        "acknowledged_feedback": 0,
        "open_risk_exposure": 26,
        "allocation_utilisation": 0.625,  # (90 + 22.5) person-days / (2 people × 90 days)
        "scope_change_rate": None,  # no project has a baseline yet
        "projects_with_baseline": 0,
    }
    phases = {row["phase"]: row for row in body["by_phase"]}
    assert list(phases) == ["initiating", "planning", "executing"]
    assert _pick(
        phases["executing"], "projects", "on_time_milestone_rate", "open_risk_exposure"
    ) == (
        1,
        0.5,
        6,
    )
    assert _pick(
        phases["planning"], "on_time_milestone_rate", "budget_variance", "csat_average"
    ) == (
        1.0,
        0.2,
        4.0,
    )
    assert _pick(phases["initiating"], "projects", "on_time_milestone_rate") == (1, None)
    managers = {row["member_id"]: row for row in body["by_project_manager"]}
    assert set(managers) == {first["id"], second["id"]}
    assert _pick(managers[first["id"]], "projects", "on_time_milestone_rate", "nps") == (
        2,
        0.5,
        100,
    )
    assert _pick(managers[second["id"]], "allocation_utilisation", "open_risk_exposure") == (
        0.25,
        20,
    )
    sellers = {row["member_id"]: row for row in body["by_sales_owner"]}
    assert set(sellers) == {seller["id"], None}
    assert _pick(sellers[seller["id"]], "projects", "on_time_milestone_rate") == (2, 0.667)
    assert sellers[None]["projects"] == 1


async def test_the_window_narrows_what_counts(tenant: Tenant) -> None:
    await _portfolio(tenant)
    response = await tenant.get(
        "/v1/analytics/portfolio",
        params={"from": days_ago(6).isoformat(), "to": today().isoformat()},
    )
    everyone = response.json()["organization"]
    assert _pick(everyone, "milestones_counted", "on_time_milestone_rate") == (2, 0.5)
    # 7 days: the builder all 7, the helper half of 7.
    assert everyone["allocation_utilisation"] == 0.75


async def test_member_record(tenant: Tenant) -> None:
    data = await _portfolio(tenant)
    first, _, seller, builder = data["members"]
    record = (await tenant.get(f"/v1/analytics/members/{first['id']}")).json()
    assert _pick(record["as_project_manager"], "projects", "on_time_milestone_rate") == (2, 0.5)
    assert record["as_sales_owner"]["projects"] == 0
    assert record["allocation_utilisation"] is None
    sold = (await tenant.get(f"/v1/analytics/members/{seller['id']}")).json()
    assert _pick(sold["as_sales_owner"], "projects", "budget_variance") == (2, 0.2)
    load = (await tenant.get(f"/v1/analytics/members/{builder['id']}")).json()
    assert (load["allocation_utilisation"], load["allocated_person_days"]) == (1.0, 90.0)


async def test_another_organizations_data_is_never_counted(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    data = await _portfolio(other_tenant)
    mine = (await tenant.get("/v1/analytics/portfolio")).json()
    assert mine["organization"]["projects"] == 0
    assert mine["by_phase"] == []
    assert mine["by_project_manager"] == []
    stranger = data["members"][0]
    assert_problem(await tenant.get(f"/v1/analytics/members/{stranger['id']}"), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2027-02-01", "to": "2027-01-01"},
        {"from": "2020-01-01", "to": "2027-01-01"},
        {"from": "not-a-date"},
    ],
)
async def test_a_window_backwards_too_long_or_unreadable_is_refused(
    tenant: Tenant, params: dict[str, str]
) -> None:
    assert_problem(await tenant.get("/v1/analytics/portfolio", params=params), 422)


async def test_analytics_need_their_scope(tenant: Tenant) -> None:
    key = await tenant.key_with(Scope.projects_read)
    response = await tenant.get("/v1/analytics/portfolio", headers=tenant.headers(key))
    assert_problem(response, 403)


async def test_the_portfolio_costs_three_statements_whatever_its_size(tenant: Tenant) -> None:
    await tenant.get("/v1/analytics/portfolio")  # let `last_used_at` settle
    with count_statements(tenant.database) as empty:
        await tenant.get("/v1/analytics/portfolio")
    await _portfolio(tenant)
    await tenant.get("/v1/analytics/portfolio")
    with count_statements(tenant.database) as full:
        await tenant.get("/v1/analytics/portfolio")
    assert len(empty) == len(full)
    assert (
        len([s for s in full if "milestone_facts" in s or "ranked_" in s or "allocated" in s]) == 3
    )


async def test_the_portfolio_runs_with_room_to_aggregate(tenant: Tenant) -> None:
    """On PostgreSQL its statements run with `work_mem` raised, and it is reset after them."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("PostgreSQL's setting")
    with count_statements(tenant.database) as sent:
        assert (await tenant.get("/v1/analytics/portfolio")).status_code == 200
    settings = [s for s in sent if "work_mem" in s]
    assert settings == ["SET work_mem = '64MB'", "RESET work_mem"]
    first, last = sent.index(settings[0]), sent.index(settings[1])
    assert len([s for s in sent[first:last] if "milestone_facts" in s or "ranked_" in s]) == 2


async def test_a_milestone_counts_in_the_window_it_was_done_in(tenant: Tenant) -> None:
    project = await tenant.project()
    await milestone(tenant, project, due=today() + timedelta(days=9), done=days_ago(1))  # early
    await milestone(tenant, project, due=days_ago(30), done=days_ago(3))  # late
    await milestone(tenant, project, due=days_ago(2), done=days_ago(20))  # done before the window
    window = {"from": days_ago(6).isoformat(), "to": today().isoformat()}
    response = await tenant.get("/v1/analytics/portfolio", params=window)
    everyone = response.json()["organization"]
    assert _pick(everyone, "milestones_counted", "on_time_milestone_rate") == (2, 0.5)
