"""Concurrent saves that cross the same condition raise one alert: the crossing is claimed by a
unique key (ON CONFLICT DO NOTHING), not by a read-then-write."""

import asyncio
from uuid import UUID

from app.alerts import service as alerts_service
from app.models import Risk
from tests.alerts.helpers import alerts, crossings
from tests.factories import Tenant
from tests.projects.workspace import add_risk
from tests.risks.helpers import make_risk


async def test_concurrent_patches_that_cross_raise_one_alert(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=3, impact=3)
    pairs = [(3, 5), (4, 4), (4, 5), (5, 3), (5, 4), (5, 5), (4, 4), (3, 5)]  # all ≥ 15
    bodies = [{"probability": probability, "impact": impact} for probability, impact in pairs]

    async def patch(body: dict[str, int]) -> int:
        response = await tenant.patch(f"/v1/risks/{risk['id']}", json=body)
        return response.status_code

    statuses = await asyncio.gather(*(patch(body) for body in bodies))
    assert set(statuses) <= {200, 412}
    assert 200 in statuses
    assert len(await alerts(tenant, "risk_score")) == 1


async def test_transactions_evaluating_the_same_crossing_at_once_raise_one_alert(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    # Stored without the service, so that no crossing is claimed yet.
    risk_id = (await add_risk(tenant, project["id"], 4, 4)).id

    async def evaluate() -> None:
        async with tenant.database.transaction() as session:
            risk = await session.get(Risk, risk_id)
            assert risk is not None
            await alerts_service.risk_changed(session, risk)

    await asyncio.gather(*(evaluate() for _ in range(6)))
    [alert] = await alerts(tenant, "risk_score")
    assert UUID(alert["risk_id"]) == risk_id
    # Storing the risk touched its project (app/projects/changes.py), which may turn it red:
    # that crossing is the project's, not the one these transactions raced for.
    risk_crossings = [
        crossing for crossing in await crossings(tenant) if crossing[1] == "risk_score"
    ]
    assert risk_crossings == [(str(risk_id), "risk_score")]
