"""The change request workflow: every move recorded, illegal moves refused."""

from app.models import ChangeRequestStatus
from tests.change_requests.helpers import assessed, change_request, move, project_under_way
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.rhythm import at, events_of, ok

ASSESSMENT = {"schedule_impact_days": 0, "effort_hours": 40, "new_risks": ["Slower approvals"]}


async def test_a_request_goes_from_draft_to_implemented_with_who_and_when(tenant: Tenant) -> None:
    seller = await tenant.member(role="sales")
    manager = await tenant.member()
    project = await project_under_way(tenant)
    created = await change_request(
        tenant, project, requested_by="Hank Scorpio, COO", raised_by_id=seller["id"]
    )
    assert (created["status"], created["history"]) == ("draft", [])
    steps = [
        ("submitted", seller["id"], {}),
        ("assessed", manager["id"], {"assessment": ASSESSMENT}),
        ("approved", seller["id"], {"note": "Signed by the customer"}),
        ("implemented", manager["id"], {}),
    ]
    for to_status, member_id, extra in steps:
        body = ok(await move(tenant, created["id"], to_status, member_id, **extra))
        assert body["status"] == to_status
    history = body["history"]
    assert [(h["from_status"], h["to_status"], h["member_id"]) for h in history] == [
        ("draft", "submitted", seller["id"]),
        ("submitted", "assessed", manager["id"]),
        ("assessed", "approved", seller["id"]),
        ("approved", "implemented", manager["id"]),
    ]
    moments = [at(h["moved_at"]) for h in history]
    assert moments == sorted(moments)
    assert history[2]["note"] == "Signed by the customer"
    assert (body["effort_hours"], body["new_risks"]) == (40, ["Slower approvals"])
    assert body["applied_at"] is not None
    [submitted] = await events_of(tenant, "change_request.submitted")
    assert (submitted["change_request_id"], submitted["member_id"]) == (created["id"], seller["id"])
    assert len(await events_of(tenant, "change_request.approved")) == 1


async def test_an_illegal_move_is_a_409_and_changes_nothing(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    created = await change_request(tenant, project)
    url = f"/v1/change-requests/{created['id']}"
    problem = assert_problem(
        await move(tenant, created["id"], "approved", manager["id"]), 409, "illegal-transition"
    )
    assert "draft" in problem["detail"]
    assert "submitted" in problem["detail"]
    after = ok(await tenant.get(url))
    assert (after["status"], after["version"], after["history"]) == ("draft", 1, [])
    body = await assessed(tenant, project, manager["id"], ASSESSMENT)
    ok(await move(tenant, body["id"], "rejected", manager["id"]))
    for to_status in ChangeRequestStatus:
        extra = {"assessment": ASSESSMENT} if to_status == "assessed" else {}
        response = await move(tenant, body["id"], to_status, manager["id"], **extra)
        assert_problem(response, 409, "illegal-transition")
    [rejected] = await events_of(tenant, "change_request.rejected")
    assert rejected["change_request_id"] == body["id"]
    assert await events_of(tenant, "change_request.approved") == []


async def test_the_assessment_comes_with_the_move_to_assessed_only(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    created = await change_request(tenant, project)
    ok(await move(tenant, created["id"], "submitted", manager["id"]))
    assert_problem(await move(tenant, created["id"], "assessed", manager["id"]), 422)
    extra = {"assessment": ASSESSMENT}
    assert_problem(await move(tenant, created["id"], "approved", manager["id"], **extra), 422)
    dollars = {**ASSESSMENT, "cost_impact": {"amount": "500.00", "currency": "USD"}}
    problem = assert_problem(
        await move(tenant, created["id"], "assessed", manager["id"], assessment=dollars), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "assessment", "cost_impact"]
    stranger = await change_request(tenant, await tenant.project())
    foreign = {**ASSESSMENT, "milestone_ids": [stranger["id"]]}
    problem = assert_problem(
        await move(tenant, created["id"], "assessed", manager["id"], assessment=foreign), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "assessment", "milestone_ids"]
    assert ok(await tenant.get(f"/v1/change-requests/{created['id']}"))["status"] == "submitted"


async def test_only_drafts_are_deleted_and_only_open_requests_reworded(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    draft = await change_request(tenant, project)
    url = f"/v1/change-requests/{draft['id']}"
    renamed = ok(await tenant.patch(url, json={"title": "Add Italy and Spain"}))
    assert (renamed["title"], renamed["version"]) == ("Add Italy and Spain", 2)
    assert (await tenant.delete(url)).status_code == 204
    body = await assessed(tenant, project, manager["id"], ASSESSMENT)
    url = f"/v1/change-requests/{body['id']}"
    assert_problem(await tenant.patch(url, json={"title": "X"}), 409, "change-request-frozen")
    assert_problem(await tenant.delete(url), 409, "change-request-frozen")
    listed = ok(
        await tenant.get(
            f"/v1/projects/{project['id']}/change-requests", params={"status": "assessed"}
        )
    )
    assert [item["id"] for item in listed["items"]] == [body["id"]]
