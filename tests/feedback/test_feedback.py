"""Feedback: recorded against a project, answered through a forward-only workflow whose
timestamps give the response times."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import select

from app.models import Event, Feedback
from tests.factories import Tenant
from tests.problems import assert_problem, locations

FEEDBACK = {
    "source": "customer",
    "category": "timeline",
    "sentiment": "negative",
    "text": "The pilot was promised for March.",
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _feedback(tenant: Tenant, project: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    response = await tenant.post(
        f"/v1/projects/{project['id']}/feedback", json={**FEEDBACK, **overrides}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _move(
    tenant: Tenant, feedback_id: str, to_status: str, member_id: str, **extra: Any
) -> httpx.Response:
    return await tenant.post(
        f"/v1/feedback/{feedback_id}/transitions",
        json={"to_status": to_status, "member_id": member_id, **extra},
    )


async def test_new_feedback_is_recorded_with_an_event_and_moves_the_project(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    milestone = await tenant.post(
        f"/v1/projects/{project['id']}/milestones", json={"name": "Pilot", "due_date": "2030-03-01"}
    )
    response = await tenant.post(
        f"/v1/projects/{project['id']}/feedback",
        json={**FEEDBACK, "milestone_id": milestone.json()["id"]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["ETag"] == '"1"'
    assert body["status"] == "new"
    assert body["milestone_id"] == milestone.json()["id"]
    assert body["time_to_acknowledge_seconds"] is None
    assert body["time_to_close_seconds"] is None
    assert (await tenant.get(f"/v1/projects/{project['id']}")).json()["version"] > project[
        "version"
    ]
    async with tenant.database.transaction(write=False) as session:
        events = (
            await session.exec(select(Event).where(Event.aggregate_id == uuid.UUID(body["id"])))  # type: ignore[arg-type]
        ).all()
    assert [event.type for event in events] == ["feedback.received"]
    data = json.loads(events[0].payload)["data"]
    assert data == {
        "feedback_id": body["id"],
        "version": 1,
        "project_id": project["id"],
        "source": "customer",
        "entered_by_id": None,
        "category": "timeline",
        "sentiment": "negative",
        "milestone_id": milestone.json()["id"],
    }


async def test_feedback_entered_by_sales_names_who_entered_it(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    seller = await tenant.member(role="sales")
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/feedback"
    stranger = await other_tenant.member()
    problem = assert_problem(
        await tenant.post(
            url, json={**FEEDBACK, "source": "sales", "entered_by_id": stranger["id"]}
        ),
        422,
        "invalid-input",
    )
    assert locations(problem) == {("body", "entered_by_id")}
    body = await _feedback(tenant, project, source="sales", entered_by_id=seller["id"])
    assert (body["source"], body["entered_by_id"]) == ("sales", seller["id"])
    assert (await tenant.get(f"/v1/feedback/{body['id']}")).json()["entered_by_id"] == seller["id"]
    async with tenant.database.transaction(write=False) as session:
        stored = await session.get(Feedback, uuid.UUID(body["id"]))
        event = (
            await session.exec(select(Event).where(Event.aggregate_id == uuid.UUID(body["id"])))  # type: ignore[arg-type]
        ).one()
    assert stored is not None
    assert str(stored.entered_by_id) == seller["id"]
    assert json.loads(event.payload)["data"]["entered_by_id"] == seller["id"]
    assert (await _feedback(tenant, project))["entered_by_id"] is None


async def test_workflow_stamps_each_step_and_derives_response_times(tenant: Tenant) -> None:
    project = await tenant.project()
    manager = await tenant.member()
    received = datetime.now(UTC) - timedelta(hours=2)
    feedback = await _feedback(tenant, project, received_at=received.isoformat())
    assert _at(feedback["received_at"]) == received

    acknowledged = await _move(
        tenant, feedback["id"], "acknowledged", manager["id"], response_to_customer="On it."
    )
    assert acknowledged.status_code == 200, acknowledged.text
    body = acknowledged.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by_id"] == manager["id"]
    assert body["response_to_customer"] == "On it."
    elapsed = _at(body["acknowledged_at"]) - received
    assert body["time_to_acknowledge_seconds"] == int(elapsed.total_seconds())
    assert body["time_to_acknowledge_seconds"] >= 7200
    assert body["time_to_close_seconds"] is None
    assert acknowledged.headers["ETag"] == f'"{body["version"]}"'

    actioned = (await _move(tenant, feedback["id"], "actioned", manager["id"])).json()
    assert actioned["status"] == "actioned"
    assert actioned["actioned_by_id"] == manager["id"]
    assert actioned["response_to_customer"] == "On it."  # kept when not given

    closed = (
        await _move(
            tenant, feedback["id"], "closed", manager["id"], response_to_customer="Pilot on 3/15."
        )
    ).json()
    assert closed["status"] == "closed"
    assert closed["closed_by_id"] == manager["id"]
    assert closed["response_to_customer"] == "Pilot on 3/15."
    assert closed["time_to_close_seconds"] == int(
        (_at(closed["closed_at"]) - received).total_seconds()
    )
    assert closed["time_to_acknowledge_seconds"] == body["time_to_acknowledge_seconds"]
    assert _at(closed["acknowledged_at"]) <= _at(closed["actioned_at"]) <= _at(closed["closed_at"])
    stored = await tenant.get(f"/v1/feedback/{feedback['id']}")
    assert stored.json() == closed


async def test_feedback_can_be_closed_at_once_without_an_acknowledge_time(tenant: Tenant) -> None:
    project = await tenant.project()
    manager = await tenant.member()
    feedback = await _feedback(tenant, project)
    closed = (await _move(tenant, feedback["id"], "closed", manager["id"])).json()
    assert closed["status"] == "closed"
    assert closed["acknowledged_at"] is None
    assert closed["time_to_acknowledge_seconds"] is None
    assert closed["time_to_close_seconds"] is not None


async def test_skipping_a_step_going_back_or_reopening_is_an_illegal_transition(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    manager = await tenant.member()
    feedback = await _feedback(tenant, project)
    for target in ("actioned", "new"):
        problem = assert_problem(
            await _move(tenant, feedback["id"], target, manager["id"]), 409, "illegal-transition"
        )
        assert "new" in problem["detail"]
    assert (await _move(tenant, feedback["id"], "acknowledged", manager["id"])).status_code == 200
    for target in ("new", "acknowledged"):
        assert_problem(
            await _move(tenant, feedback["id"], target, manager["id"]), 409, "illegal-transition"
        )
    assert (await _move(tenant, feedback["id"], "closed", manager["id"])).status_code == 200
    for target in ("new", "acknowledged", "actioned", "closed"):
        assert_problem(
            await _move(tenant, feedback["id"], target, manager["id"]), 409, "illegal-transition"
        )
    assert (await tenant.get(f"/v1/feedback/{feedback['id']}")).json()["status"] == "closed"


async def test_the_member_who_moves_it_must_be_of_the_organization(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    stranger = await other_tenant.member()
    feedback = await _feedback(tenant, project)
    problem = assert_problem(
        await _move(tenant, feedback["id"], "acknowledged", stranger["id"]), 422, "invalid-input"
    )
    assert locations(problem) == {("body", "member_id")}
    assert (await tenant.get(f"/v1/feedback/{feedback['id']}")).json()["status"] == "new"


async def test_the_milestone_must_be_one_of_the_same_project(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    elsewhere = await tenant.project()
    foreign = await tenant.post(
        f"/v1/projects/{elsewhere['id']}/milestones", json={"name": "X", "due_date": "2030-01-01"}
    )
    other_org = await other_tenant.post(
        f"/v1/projects/{(await other_tenant.project())['id']}/milestones",
        json={"name": "Y", "due_date": "2030-01-01"},
    )
    for milestone_id in (foreign.json()["id"], other_org.json()["id"]):
        response = await tenant.post(
            f"/v1/projects/{project['id']}/feedback",
            json={**FEEDBACK, "milestone_id": milestone_id},
        )
        problem = assert_problem(response, 422, "invalid-input")
        assert locations(problem) == {("body", "milestone_id")}
    feedback = await _feedback(tenant, project)
    response = await tenant.patch(
        f"/v1/feedback/{feedback['id']}", json={"milestone_id": foreign.json()["id"]}
    )
    assert locations(assert_problem(response, 422, "invalid-input")) == {("body", "milestone_id")}


async def test_patch_edits_the_words_but_not_the_status(tenant: Tenant) -> None:
    project = await tenant.project()
    feedback = await _feedback(tenant, project)
    response = await tenant.patch(
        f"/v1/feedback/{feedback['id']}",
        json={"text": "Pilot date is fine now", "sentiment": "positive", "category": "scope"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["text"], body["sentiment"], body["category"], body["version"]) == (
        "Pilot date is fine now",
        "positive",
        "scope",
        2,
    )
    assert_problem(
        await tenant.patch(f"/v1/feedback/{feedback['id']}", json={"status": "closed"}), 422
    )
    assert_problem(
        await tenant.patch(
            f"/v1/feedback/{feedback['id']}", json={"text": "x"}, headers={"If-Match": '"1"'}
        ),
        412,
    )
    assert_problem(await tenant.patch(f"/v1/feedback/{feedback['id']}", json={"text": ""}), 422)


async def test_list_filters_by_status_sentiment_category_source_and_update_time(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    manager = await tenant.member()
    first = await _feedback(tenant, project)
    second = await _feedback(
        tenant, project, source="survey", category="quality", sentiment="positive"
    )
    await _move(tenant, second["id"], "acknowledged", manager["id"])
    url = f"/v1/projects/{project['id']}/feedback"

    async def ids(**params: str) -> list[str]:
        response = await tenant.get(url, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [first["id"], second["id"]]
    assert await ids(status="acknowledged") == [second["id"]]
    assert await ids(sentiment="negative") == [first["id"]]
    assert await ids(category="quality") == [second["id"]]
    assert await ids(source="customer") == [first["id"]]
    assert await ids(status="closed") == []
    later = (await tenant.get(f"/v1/feedback/{second['id']}")).json()["updated_at"]
    assert await ids(updated_since=later) == [second["id"]]
    assert_problem(await tenant.get(url, params={"sentiment": "angry"}), 422)


async def test_another_organizations_feedback_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    feedback = await _feedback(tenant, project)
    stranger = await other_tenant.member()
    url = f"/v1/feedback/{feedback['id']}"
    assert_problem(await other_tenant.get(url), 404, "not-found")
    assert_problem(await other_tenant.patch(url, json={"text": "x"}), 404, "not-found")
    assert_problem(await other_tenant.delete(url), 404, "not-found")
    assert_problem(await _move(other_tenant, feedback["id"], "closed", stranger["id"]), 404)
    assert_problem(await other_tenant.get(f"/v1/projects/{project['id']}/feedback"), 404)
    assert_problem(
        await other_tenant.post(f"/v1/projects/{project['id']}/feedback", json=FEEDBACK), 404
    )
    assert (await tenant.get(url)).json()["text"] == FEEDBACK["text"]


async def test_archived_project_feedback_is_read_only(tenant: Tenant) -> None:
    project = await tenant.project()
    manager = await tenant.member()
    feedback = await _feedback(tenant, project)
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    assert_problem(
        await tenant.post(f"/v1/projects/{project['id']}/feedback", json=FEEDBACK),
        409,
        "project-archived",
    )
    assert_problem(await _move(tenant, feedback["id"], "acknowledged", manager["id"]), 409)
    assert_problem(await tenant.patch(f"/v1/feedback/{feedback['id']}", json={"text": "y"}), 409)
    assert_problem(await tenant.delete(f"/v1/feedback/{feedback['id']}"), 409)


async def test_feedback_cannot_be_received_in_the_future(tenant: Tenant) -> None:
    project = await tenant.project()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/feedback", json={**FEEDBACK, "received_at": tomorrow}
    )
    assert locations(assert_problem(response, 422, "invalid-input")) == {("body", "received_at")}


async def test_deleted_feedback_is_gone(tenant: Tenant) -> None:
    project = await tenant.project()
    feedback = await _feedback(tenant, project)
    response = await tenant.delete(f"/v1/feedback/{feedback['id']}")
    assert response.status_code == 204
    assert_problem(await tenant.get(f"/v1/feedback/{feedback['id']}"), 404, "not-found")
    async with tenant.database.transaction(write=False) as session:
        assert (await session.get(Feedback, uuid.UUID(feedback["id"]))) is None
