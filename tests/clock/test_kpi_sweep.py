"""The clock re-evaluates KPI targets that time alone moves: a due date passing unmet raises
`kpi.missed` once, and organization targets no write touches are refreshed."""

import asyncio
from datetime import timedelta

from app.clock.sweep import sweep
from app.core.auth import Scope
from app.db import Database
from app.models.base import utcnow
from tests.factories import Tenant
from tests.kpis.helpers import kpi, read
from tests.rhythm import day, events_of, ok

RISK = {"title": "R", "category": "schedule", "probability": 3, "impact": 4, "response": "accept"}


async def test_a_due_date_passing_unmet_raises_kpi_missed_once_whatever_the_sweeps(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    target = await kpi(
        tenant,
        f"/v1/projects/{project['id']}/kpis",
        "csat_average",
        4.5,
        due_date=day(1),
    )
    assert target["status"] == "on_track"  # no survey yet: nothing to judge
    the_day_after = utcnow() + timedelta(days=2)
    workers = [Database(tenant.database.settings) for _ in range(2)]
    try:
        await asyncio.gather(*(sweep(worker, the_day_after) for worker in workers))
        await asyncio.gather(*(sweep(worker, the_day_after) for worker in workers))
    finally:
        for worker in workers:
            await worker.dispose()

    assert (await read(tenant, target["id"]))["status"] == "missed"
    [missed] = await events_of(tenant, "kpi.missed")
    assert (missed["kpi_id"], missed["due_date"]) == (target["id"], day(1))
    # A later write re-evaluates the target: still missed, and no second event.
    ok(await tenant.patch(f"/v1/kpis/{target['id']}", json={"name": "CSAT, renamed"}))
    assert len(await events_of(tenant, "kpi.missed")) == 1


async def test_an_organization_target_is_refreshed_when_no_write_touched_it(
    tenant: Tenant,
) -> None:
    target = await kpi(
        tenant, "/v1/kpis", "open_risk_exposure", 5, direction="at_most", due_date=day(60)
    )
    assert (target["current_value"], target["status"]) == (0.0, "met")
    project = await tenant.project()
    ok(await tenant.post(f"/v1/projects/{project['id']}/risks", json=RISK), 201)
    assert (await read(tenant, target["id"]))["current_value"] == 0.0  # no write touched it

    await sweep(tenant.database, utcnow() + timedelta(minutes=5))
    assert (await read(tenant, target["id"]))["current_value"] == 0.0  # not stale yet

    await sweep(tenant.database, utcnow() + timedelta(hours=2))
    refreshed = await read(tenant, target["id"])
    assert (refreshed["current_value"], refreshed["status"]) == (12.0, "at_risk")
    [alert] = await events_of(tenant, "kpi.at_risk")
    assert (alert["kpi_id"], alert["current_value"]) == (target["id"], 12.0)
    key = await tenant.key_with(Scope.events_read)
    feed = ok(await tenant.get("/v1/events?type=kpi.at_risk", headers=tenant.headers(key)))
    assert [event["aggregate_id"] for event in feed["items"]] == [target["id"]]
