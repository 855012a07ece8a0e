"""A project planned from a won deal, as a handoff starts: its intake and its brief's URL."""

from typing import Any

from app.core.auth import Scope
from tests.crm.samples import canonical_deal
from tests.factories import Tenant

FILLED = {
    "goals": "One customer record for sales and support",
    "success_criteria": "90% of reps log calls in the new CRM within 30 days",
    "promises": "SECRET-PROMISE: go-live before the sales kickoff",
    "notes": "SECRET-NOTE: burnt by the last vendor",
    "risks": [{"title": "SECRET-RISK old data is poor", "probability": 4, "impact": 3}],
    "stakeholders": {
        "decision_maker": {"name": "Dana Smith", "title": "VP Sales"},
        "day_to_day_contact": {"name": "Sam Lee", "email": "sam@globex.example"},
    },
    "constraints": {"compliance": "Data stays in the EU"},
}


async def won_deal(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """Push a won deal (a seller and a PM as members); the intake, with `handoff` its URL."""
    manager = await tenant.member(role="project_manager")
    key = await tenant.key_with(Scope.deals_write)
    deal = canonical_deal(project_manager_id=manager["id"], **overrides)
    await tenant.member(role="sales", name="Sam Seller", email=deal["owner_email"])
    response = await tenant.post("/v1/deals", json=deal, headers=tenant.headers(key))
    assert response.status_code == 201, response.text
    intake = dict(response.json())
    intake["handoff"] = f"/v1/projects/{intake['project_id']}/handoff"
    return intake


async def fill(tenant: Tenant, intake: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Sales fills the brief (keeping what was sold)."""
    brief = (await tenant.get(intake["handoff"])).json()
    response = await tenant.request(
        "PUT", intake["handoff"], json={"sold": brief["sold"], **FILLED, **extra}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def accept(tenant: Tenant, project_id: str) -> None:
    """Sales fills the brief and the project manager accepts it: the project may leave
    `initiating` (for tests about what happens after the handoff)."""
    handoff = {"handoff": f"/v1/projects/{project_id}/handoff"}
    brief = (await tenant.get(handoff["handoff"])).json()
    await fill(tenant, handoff, sold=brief["sold"] or "What the deal says")
    response = await tenant.post(f"/v1/projects/{project_id}/handoff/accept", json={})
    assert response.status_code == 200, response.text
