"""Customer tasks: given through the API, done by the customer on the share page."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import insert

from app.clock.sweep import sweep
from app.customer_tasks.schemas import MAX_CUSTOMER_TASKS_PER_PROJECT
from app.models import CustomerTask
from tests.factories import Tenant
from tests.milestones.helpers import day, make_milestone
from tests.problems import assert_problem
from tests.rhythm import events_of
from tests.room import assert_full
from tests.share.helpers import csrf_of, open_and_post, page_path, post_form, share


async def _task(tenant: Tenant, project_id: str, **body: object) -> dict[str, object]:
    response = await tenant.post(
        f"/v1/projects/{project_id}/customer-tasks", json={"title": "Send your user list", **body}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_the_customer_marks_a_task_done_on_the_share_page(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"], customer_visible=True)
    task = await _task(tenant, project["id"], due_date=day(5), milestone_id=milestone["id"])
    link = await share(tenant, project["id"])

    done = await open_and_post(tenant.client, link, f"tasks/{task['id']}/done", {"name": "Sam Lee"})

    assert done.status_code == 303, done.text
    assert done.headers["location"].endswith("?sent=task")
    stored = (await tenant.get(f"/v1/customer-tasks/{task['id']}")).json()
    assert stored["status"] == "done"
    assert stored["done_by_name"] == "Sam Lee"
    assert stored["done_via_share_link_id"] == link["id"]
    assert stored["done_at"] is not None
    [event] = await events_of(tenant, "customer_task.completed")
    assert (event["customer_task_id"], event["share_link_id"]) == (task["id"], link["id"])
    assert event["milestone_id"] == milestone["id"]
    page = await tenant.client.get(page_path(link))
    assert "Mark as done" not in page.text  # nothing left to do
    again = await open_and_post(tenant.client, link, f"tasks/{task['id']}/done", {})
    assert again.status_code == 303  # a second click changes nothing
    assert len(await events_of(tenant, "customer_task.completed")) == 1


async def test_a_task_cannot_be_done_through_a_revoked_link_nor_another_project(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    other = await tenant.project()
    task = await _task(tenant, project["id"])
    foreign = await _task(tenant, other["id"])
    link = await share(tenant, project["id"])
    page = await tenant.client.get(page_path(link))
    token = csrf_of(page)

    elsewhere = await post_form(
        tenant.client, link, f"tasks/{foreign['id']}/done", {"csrf_token": token}
    )
    assert elsewhere.status_code == 404
    forged = await post_form(tenant.client, link, f"tasks/{task['id']}/done", {"csrf_token": "1.x"})
    assert forged.status_code == 403
    assert (await tenant.delete(f"/v1/share-links/{link['id']}")).status_code == 204
    revoked = await post_form(
        tenant.client, link, f"tasks/{task['id']}/done", {"csrf_token": token}
    )

    assert revoked.status_code == 410
    for pending in (task, foreign):
        stored = (await tenant.get(f"/v1/customer-tasks/{pending['id']}")).json()
        assert stored["status"] == "open"


async def test_an_overdue_task_raises_an_event_and_shows_as_waiting_for_the_customer(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    late = await make_milestone(tenant, project["id"], name="Go-live", due_date=day(-1))
    task = await _task(tenant, project["id"], due_date=day(-3), milestone_id=late["id"])
    await _task(tenant, project["id"], title="Not yet due", due_date=day(3))

    raised = await sweep(tenant.database, datetime.now(UTC))
    again = await sweep(tenant.database, datetime.now(UTC) + timedelta(minutes=1))

    assert raised["customer_task.overdue"] >= 1
    assert again["customer_task.overdue"] == 0
    [event] = [
        e
        for e in await events_of(tenant, "customer_task.overdue")
        if e["project_id"] == project["id"]
    ]
    assert (event["customer_task_id"], event["due_date"]) == (task["id"], day(-3))
    status = (await tenant.get(f"/v1/projects/{project['id']}/status")).json()
    assert [(w["id"], w["days_overdue"]) for w in status["waiting_for_customer"]] == [
        (task["id"], 3)
    ]
    assert [(m["name"], m["waiting_for_customer"]) for m in status["overdue_milestones"]] == [
        ("Go-live", True)
    ]
    listed = (await tenant.get(f"/v1/projects/{project['id']}/customer-tasks")).json()["items"]
    assert [t["overdue"] for t in listed] == [True, False]


async def test_customer_tasks_are_managed_through_the_api(tenant: Tenant) -> None:
    project = await tenant.project()
    other = await tenant.project()
    foreign_milestone = await make_milestone(tenant, other["id"])
    refused = await tenant.post(
        f"/v1/projects/{project['id']}/customer-tasks",
        json={"title": "T", "milestone_id": foreign_milestone["id"]},
    )
    assert_problem(refused, 422, "invalid-input")
    body = {"title": "Sign the DPA"}
    replays = [
        await tenant.post(
            f"/v1/projects/{project['id']}/customer-tasks",
            json=body,
            headers={"Idempotency-Key": "dpa-1"},
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in replays] == [201, 201]
    assert replays[0].json() == replays[1].json()
    task = await _task(tenant, project["id"])
    url = f"/v1/customer-tasks/{task['id']}"

    stale = await tenant.patch(url, json={"title": "X"}, headers={"If-Match": '"99"'})
    assert_problem(stale, 412, "precondition-failed")
    done = await tenant.patch(url, json={"status": "done"})
    assert done.status_code == 200, done.text
    assert done.json()["done_via_share_link_id"] is None
    reopened = await tenant.patch(url, json={"status": "open"})
    assert (reopened.json()["status"], reopened.json()["done_at"]) == ("open", None)
    assert (await tenant.delete(url)).status_code == 204
    assert (await tenant.get(url)).status_code == 404


async def _store_tasks(tenant: Tenant, project_id: str, count: int) -> list[UUID]:
    """Tasks written straight to the database, as a project that grew before the limit."""
    rows = [
        {
            "id": uuid4(),
            "organization_id": tenant.organization_id,
            "project_id": UUID(project_id),
            "title": f"Stored task {number}",
            "due_date": date.today() + timedelta(days=number % 30),
            "version": 1,
        }
        for number in range(count)
    ]
    async with tenant.database.transaction() as session:
        await session.exec(insert(CustomerTask).values(rows))  # type: ignore[call-overload]
    return [row["id"] for row in rows]


async def test_a_project_asks_a_bounded_number_of_things_of_its_customer(tenant: Tenant) -> None:
    project = await tenant.project()
    stored = await _store_tasks(tenant, project["id"], MAX_CUSTOMER_TASKS_PER_PROJECT - 1)
    await _task(tenant, project["id"])
    url = f"/v1/projects/{project['id']}/customer-tasks"
    limit, slug = MAX_CUSTOMER_TASKS_PER_PROJECT, "too-many-customer-tasks"
    await assert_full(tenant, project["id"], CustomerTask, limit, slug, url, {"title": "Late"})
    assert (await tenant.delete(f"/v1/customer-tasks/{stored[0]}")).status_code == 204
    assert (await tenant.post(url, json={"title": "One too many"})).status_code == 201


async def test_a_page_lists_the_first_tasks_of_a_project_past_the_limit(tenant: Tenant) -> None:
    """A project that grew before the limit: the customer reads the open tasks soonest due
    first, and how many more there are, instead of waiting for a page of every one."""
    project = await tenant.project()
    soonest = await _task(tenant, project["id"], title="Sign the data agreement", due_date=day(-1))
    await _store_tasks(tenant, project["id"], MAX_CUSTOMER_TASKS_PER_PROJECT + 3)
    page = await tenant.client.get(page_path(await share(tenant, project["id"])))
    assert page.status_code == 200, page.text
    assert page.text.count('class="card task') == MAX_CUSTOMER_TASKS_PER_PROJECT
    assert f'id="task-{soonest["id"]}"' in page.text, "the overdue one is among those listed"
    assert "4 more tasks are not listed here." in page.text
