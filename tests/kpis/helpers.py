"""Small projects with known data, built through the API, for exact KPI and analytics values."""

from datetime import date, timedelta
from typing import Any

from app.models.base import today
from tests.factories import Tenant


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


async def milestone(
    tenant: Tenant, project: dict[str, Any], due: date, done: date | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"Due {due}", "due_date": due.isoformat(), **extra}
    if done is not None:
        body |= {"status": "done", "completed_date": done.isoformat()}
    response = await tenant.post(f"/v1/projects/{project['id']}/milestones", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def kpi(tenant: Tenant, url: str, metric: str, target: float, **extra: Any) -> dict[str, Any]:
    body = {
        "name": metric.replace("_", " "),
        "metric": metric,
        "target_value": target,
        "direction": "at_least",
        "due_date": (today() + timedelta(days=90)).isoformat(),
        **extra,
    }
    response = await tenant.post(url, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def read(tenant: Tenant, kpi_id: str) -> dict[str, Any]:
    response = await tenant.get(f"/v1/kpis/{kpi_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def survey(tenant: Tenant, project: dict[str, Any], kind: str, *scores: int) -> None:
    for score in scores:
        response = await tenant.post(
            f"/v1/projects/{project['id']}/survey-responses", json={"kind": kind, "score": score}
        )
        assert response.status_code == 201, response.text


async def risk(
    tenant: Tenant, project: dict[str, Any], probability: int, impact: int, status: str = "open"
) -> None:
    response = await tenant.post(
        f"/v1/projects/{project['id']}/risks",
        json={
            "title": f"{probability}x{impact}",
            "category": "schedule",
            "probability": probability,
            "impact": impact,
            "response": "mitigate",
            "mitigation_plan": "Weekly check",
        },
    )
    assert response.status_code == 201, response.text
    if status != "open":
        changed = await tenant.patch(
            f"/v1/risks/{response.json()['id']}",
            json={"status": status},
            headers={"If-Match": response.headers["ETag"]},
        )
        assert changed.status_code == 200, changed.text
