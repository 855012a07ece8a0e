"""The handoff brief: pre-filled from the deal, filled by sales, accepted before kickoff."""

from uuid import UUID

from sqlmodel import select

from app.core.auth import Scope
from app.models import Meeting, MeetingKind
from tests.factories import Tenant
from tests.handoffs.helpers import FILLED, fill, won_deal
from tests.problems import assert_problem
from tests.rhythm import events_of


async def test_a_won_deal_brings_a_brief_prefilled_with_what_was_sold(tenant: Tenant) -> None:
    intake = await won_deal(
        tenant,
        line_items=[
            {"name": "CRM seats", "quantity": "200", "unit_price": "500.00", "sku": "SEAT"},
            {"name": "Data migration", "quantity": "1", "unit_price": "20000.00"},
        ],
    )

    response = await tenant.get(intake["handoff"])

    assert response.status_code == 200, response.text
    brief = response.json()
    assert brief["status"] == "draft"
    assert brief["gate"] is True
    assert brief["deal_id"] == intake["deal"]["id"]
    assert brief["sold"] == (
        "300 users, SSO, migration from the legacy CRM.\nWhat was sold:\n"
        "- 200 × CRM seats [SEAT] at 500.00\n- 1 × Data migration at 20000.00"
    )
    assert brief["filled"]["sold"]["api_key_id"] is None  # the CRM filled it
    assert brief["required_items"] == [
        "sold",
        "goals",
        "success_criteria",
        "decision_maker",
        "day_to_day_contact",
    ]
    assert brief["missing_items"] == [
        "goals",
        "success_criteria",
        "decision_maker",
        "day_to_day_contact",
    ]
    assert brief["won_at"] == intake["deal"]["won_at"]
    assert response.headers["etag"] == f'"{brief["version"]}"'


async def test_a_project_cannot_leave_initiating_before_the_brief_is_accepted(
    tenant: Tenant,
) -> None:
    intake = await won_deal(tenant)
    moves = f"/v1/projects/{intake['project_id']}/transitions"

    refused = await tenant.post(moves, json={"to_phase": "planning"})

    assert_problem(refused, 409, "handoff-not-accepted")
    problem = refused.json()
    assert "goals, success_criteria, decision_maker, day_to_day_contact" in problem["detail"]
    assert [error["loc"] for error in problem["errors"]] == [
        ["handoff", "goals"],
        ["handoff", "success_criteria"],
        ["handoff", "decision_maker"],
        ["handoff", "day_to_day_contact"],
    ]
    too_early = await tenant.post(f"{intake['handoff']}/accept", json={})
    assert_problem(too_early, 409, "handoff-incomplete")

    await fill(tenant, intake)
    still = await tenant.post(moves, json={"to_phase": "planning"})
    assert_problem(still, 409, "handoff-not-accepted")
    assert still.json()["errors"] == []

    accepted = await tenant.post(f"{intake['handoff']}/accept", json={"carry_risks": True})
    assert accepted.status_code == 200, accepted.text
    brief = accepted.json()
    assert brief["status"] == "accepted"
    assert brief["gate"] is False
    assert brief["accepted_at"] is not None
    assert brief["won_to_accepted_days"] is not None
    assert brief["won_to_accepted_days"] >= 0
    moved = await tenant.post(moves, json={"to_phase": "planning"})
    assert moved.status_code == 201, moved.text
    project = (await tenant.get(f"/v1/projects/{intake['project_id']}")).json()
    account = (await tenant.get(f"/v1/customers/{project['customer_id']}/overview")).json()
    [shown] = [p for p in account["projects"] if p["id"] == intake["project_id"]]
    assert (shown["handoff_status"], shown["handoff_accepted_at"]) == (
        "accepted",
        brief["accepted_at"],
    )

    risks = (await tenant.get(f"/v1/projects/{intake['project_id']}/risks")).json()["items"]
    assert [(r["title"], r["score"]) for r in risks] == [("SECRET-RISK old data is poor", 12)]
    [event] = await events_of(tenant, "handoff.accepted")
    assert event["project_id"] == intake["project_id"]
    assert event["carried_risk_ids"] == [risks[0]["id"]]
    again = await tenant.post(f"{intake['handoff']}/accept", json={})
    assert_problem(again, 409, "handoff-already-accepted")


async def _kickoffs(tenant: Tenant, project_id: str) -> list[Meeting]:
    async with tenant.database.transaction(write=False) as session:
        found = await session.exec(
            select(Meeting).where(
                Meeting.project_id == UUID(project_id), Meeting.kind == MeetingKind.kickoff
            )
        )
        return list(found.all())


async def test_acceptance_proposes_the_kickoff_when_none_is_planned(tenant: Tenant) -> None:
    intake = await won_deal(tenant)
    [proposed] = await _kickoffs(tenant, intake["project_id"])
    cancelled = await tenant.patch(f"/v1/meetings/{proposed.id}", json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    await fill(tenant, intake)

    assert (await tenant.post(f"{intake['handoff']}/accept", json={})).status_code == 200

    kickoffs = await _kickoffs(tenant, intake["project_id"])
    assert sorted(m.status for m in kickoffs) == ["cancelled", "proposed"]


async def test_a_returned_brief_tells_the_sales_owner_through_an_event(tenant: Tenant) -> None:
    intake = await won_deal(tenant)
    reason = "Which data centre did we promise?"

    returned = await tenant.post(f"{intake['handoff']}/return", json={"reason": reason})

    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reason"] == reason
    [event] = await events_of(tenant, "handoff.returned")
    project = (await tenant.get(f"/v1/projects/{intake['project_id']}")).json()
    assert event["reason"] == reason
    assert event["sales_owner_id"] == project["sales_owner_id"] is not None
    assert event["project_id"] == intake["project_id"]
    blank = await tenant.post(f"{intake['handoff']}/return", json={"reason": "  "})
    assert_problem(blank, 422, "validation")
    answered = await fill(tenant, intake)
    assert answered["status"] == "draft"  # sales answered: the PM's turn


async def test_the_brief_records_who_filled_what_and_keeps_its_history(tenant: Tenant) -> None:
    intake = await won_deal(tenant)
    seller_key = await tenant.key_with(Scope.projects_write, Scope.projects_read)
    brief = (await tenant.get(intake["handoff"])).json()

    stale = await tenant.request(
        "PUT", intake["handoff"], json={"goals": "G"}, headers={"If-Match": '"999"'}
    )
    assert_problem(stale, 412, "precondition-failed")
    response = await tenant.request(
        "PUT",
        intake["handoff"],
        json={"sold": brief["sold"], "goals": "Faster quotes"},
        headers={**tenant.headers(seller_key), "If-Match": f'"{brief["version"]}"'},
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["goals"] == "Faster quotes"
    assert set(updated["filled"]) == {"sold", "goals"}
    assert updated["filled"]["goals"]["api_key_id"] is not None
    assert updated["filled"]["sold"] == brief["filled"]["sold"]  # unchanged: still the CRM's
    assert response.headers["etag"] == f'"{updated["version"]}"'
    history = (await tenant.get(f"{intake['handoff']}/history")).json()["items"]
    assert [(h["action"], h["changed_items"]) for h in history] == [
        ("created", ["sold"]),
        ("updated", ["goals"]),
    ]
    assert history[1]["brief"]["goals"] == "Faster quotes"
    assert history[1]["changed_by_api_key_id"] == updated["filled"]["goals"]["api_key_id"]


async def test_a_project_made_by_hand_is_not_held_by_a_brief(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/handoff"

    brief = (await tenant.get(url)).json()
    assert (brief["status"], brief["gate"], brief["deal_id"]) == ("not_required", False, None)
    moved = await tenant.post(
        f"/v1/projects/{project['id']}/transitions", json={"to_phase": "planning"}
    )
    assert moved.status_code == 201, moved.text
    written = await tenant.request("PUT", url, json={"goals": FILLED["goals"]})
    assert written.status_code == 200, written.text
    assert written.json()["status"] == "not_required"


async def test_a_template_without_the_gate_does_not_hold_its_projects(tenant: Tenant) -> None:
    template = await tenant.post(
        "/v1/project-templates",
        json={"name": "Light", "handoff": {"gate": False, "required_items": ["sold"]}},
    )
    assert template.status_code == 201, template.text
    assert template.json()["handoff"] == {"gate": False, "required_items": ["sold"]}
    intake = await won_deal(tenant, project_template_id=template.json()["id"])

    brief = (await tenant.get(intake["handoff"])).json()
    assert (brief["status"], brief["required_items"]) == ("not_required", ["sold"])
    moved = await tenant.post(
        f"/v1/projects/{intake['project_id']}/transitions", json={"to_phase": "planning"}
    )
    assert moved.status_code == 201, moved.text
