"""Time to value: from the deal's close date to the customer's acceptance, exact on a small
portfolio (a sign-off by link, an acceptance date, a project not accepted, one without a deal)."""

from typing import Any

from tests.factories import Tenant
from tests.handoffs.helpers import won_deal
from tests.kpis.helpers import kpi, read
from tests.milestones.helpers import day
from tests.share.helpers import open_and_post, share

NO_GATE = {"gate": False, "required_items": []}


async def _template(tenant: Tenant, name: str, **body: Any) -> str:
    response = await tenant.post(
        "/v1/project-templates", json={"name": name, "handoff": NO_GATE, **body}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _move(tenant: Tenant, project_id: str, *phases: str, **extra: Any) -> None:
    for phase in phases:
        moved = await tenant.post(
            f"/v1/projects/{project_id}/transitions", json={"to_phase": phase, **extra}
        )
        assert moved.status_code == 201, moved.text


async def test_time_to_value_is_exact_on_a_small_portfolio(tenant: Tenant) -> None:
    signed_template = await _template(
        tenant,
        "Signed acceptance",
        milestones=[
            {
                "name": "Customer acceptance",
                "due_in_business_days": 20,
                "customer_visible": True,
                "requires_sign_off": True,
                "acceptance": True,
            }
        ],
    )
    plain_template = await _template(tenant, "Acceptance by date")
    signed = await won_deal(tenant, close_date=day(-30), project_template_id=signed_template)
    dated = await won_deal(tenant, close_date=day(-100), project_template_id=plain_template)
    await won_deal(tenant, close_date=day(-5), project_template_id=plain_template)  # not accepted
    await tenant.project()  # no deal: no time to value
    target = await kpi(
        tenant,
        f"/v1/projects/{signed['project_id']}/kpis",
        "time_to_value_days",
        45,
        direction="at_most",
    )
    assert target["current_value"] is None
    assert target["unit"] == "days"

    [acceptance] = (await tenant.get(f"/v1/projects/{signed['project_id']}/milestones")).json()[
        "items"
    ]
    link = await share(tenant, signed["project_id"])
    answer = await open_and_post(
        tenant.client,
        link,
        f"milestones/{acceptance['id']}/sign-off",
        {"signer_name": "Dana Smith"},
    )
    assert answer.status_code == 303, answer.text
    await _move(tenant, dated["project_id"], "planning", "executing")
    await _move(tenant, dated["project_id"], "closing", customer_acceptance_date=day(-10))

    assert (await read(tenant, target["id"]))["current_value"] == 30
    response = await tenant.get(
        "/v1/analytics/time-to-value", params={"from": day(-60), "to": day(0), "target_days": 45}
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["organization"] == {
        "projects": 2,
        "median_days": 60.0,
        "within_target_share": 0.5,
    }
    by_template = {
        row["id"]: (row["projects"], row["median_days"]) for row in figures["by_template"]
    }
    assert by_template == {signed_template: (1, 30.0), plain_template: (1, 90.0)}
    managers = {
        (await tenant.get(f"/v1/projects/{intake['project_id']}")).json()[
            "project_manager_id"
        ]: days
        for intake, days in ((signed, 30.0), (dated, 90.0))
    }
    assert {row["id"]: row["median_days"] for row in figures["by_project_manager"]} == managers
    assert len(figures["by_sales_owner"]) == 2
    earlier = await tenant.get(
        "/v1/analytics/time-to-value", params={"from": day(-60), "to": day(-1)}
    )
    assert earlier.json()["organization"]["projects"] == 1  # the sign-off is today's
