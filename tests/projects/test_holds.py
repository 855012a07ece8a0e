"""Every write to a part of a project, and to a KPI target, waits for the project before it locks
the row it writes (app/projects/holds.py). A write that locked its row first and then waited for
the project could deadlock with a change of the project that waits for that row (a phase move
re-baselining milestones, the RACI matrix, settling evaluating KPI targets): a 500.

The writes are the endpoint matrix's own, as in tests/projects/test_changes.py. Each is sent
while another transaction holds the project; while it waits, its row must still be free.
"""

import asyncio
from collections.abc import Awaitable
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select, text

from app.core.auth import Scope
from app.milestones import service as milestones
from app.models import (
    ActionItem,
    Activity,
    AlertCrossing,
    Allocation,
    ChangeRequest,
    CostEntry,
    CustomerTask,
    Feedback,
    Kpi,
    Meeting,
    MeetingCadence,
    Milestone,
    Risk,
    StatusReport,
    SurveyResponse,
)
from tests.alerts.helpers import crossings
from tests.crm.samples import canonical_deal
from tests.factories import Tenant
from tests.locks import until_waiting
from tests.milestones.helpers import day, make_milestone
from tests.problems import assert_problem
from tests.projects.test_changes import PART_URLS, PART_WRITES, _project_of
from tests.share.helpers import csrf_of, page_path, post_form, share
from tests.statements import count_statements
from tests.test_endpoint_matrix import ENDPOINTS, RISK, Endpoint, _fill, _object_id

MODELS: dict[str, type[Any]] = {
    "milestone": Milestone,
    "risk": Risk,
    "activity": Activity,
    "allocation": Allocation,
    "status_report": StatusReport,
    "feedback": Feedback,
    "survey_response": SurveyResponse,
    "cost_entry": CostEntry,
    "meeting": Meeting,
    "cadence": MeetingCadence,
    "action_item": ActionItem,
    "change_request": ChangeRequest,
    "customer_task": CustomerTask,
    "kpi": Kpi,
    "custom_kpi": Kpi,
}
TARGET_WRITES = [
    endpoint
    for endpoint in ENDPOINTS
    if endpoint.kind in ("kpi", "custom_kpi") and endpoint.method != "GET"
]
WRITES = [endpoint for endpoint in PART_WRITES if endpoint.kind in PART_URLS] + TARGET_WRITES


async def _project_id(tenant: Tenant, endpoint: Endpoint, object_id: str) -> str:
    if endpoint.kind in ("kpi", "custom_kpi"):
        response = await tenant.get(f"/v1/kpis/{object_id}")
        return str(response.json()["project_id"])
    return await _project_of(tenant, endpoint, object_id)


def test_the_matrix_covers_every_kind_of_part_and_the_targets() -> None:
    assert {endpoint.kind for endpoint in WRITES} == set(MODELS) >= set(PART_URLS)


def _row(model: Any, row_id: str) -> Any:
    return select(model.id).where(model.id == UUID(row_id))


async def _sent_while_the_project_is_held(
    tenant: Tenant, project_id: UUID, rows: Any, send: Awaitable[Any]
) -> Any:
    """`send`'s answer, sent while another transaction holds the project; while it waits for
    the project, the rows it writes (a SELECT of them) must be free (locking them raises)."""
    async with tenant.database.engine.connect() as holder:
        await holder.execute(
            text("SELECT id FROM projects WHERE id = :id FOR NO KEY UPDATE"), {"id": project_id}
        )
        sent = asyncio.ensure_future(send)
        assert await until_waiting(tenant.database, sent), "the write did not wait for its project"
        async with tenant.database.engine.begin() as checker:
            await checker.execute(rows.with_for_update(nowait=True))
        await holder.rollback()
    return await sent


@pytest.fixture
def postgres(tenant: Tenant) -> None:
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: there is no lock order to keep")


@pytest.mark.usefixtures("postgres")
@pytest.mark.parametrize("endpoint", WRITES, ids=str)
async def test_a_write_waits_for_its_project_before_it_locks_its_row(
    tenant: Tenant, endpoint: Endpoint
) -> None:
    assert endpoint.kind is not None
    object_id = await _object_id(tenant, endpoint.kind)
    project_id = UUID(await _project_id(tenant, endpoint, object_id))
    body: Any = None if endpoint.body is None else await _fill(tenant, endpoint.body)
    url = endpoint.path.replace("{id}", object_id)
    send = tenant.request(endpoint.method, url, json=body)
    row = _row(MODELS[endpoint.kind], object_id)

    response = await _sent_while_the_project_is_held(tenant, project_id, row, send)
    assert response.status_code in (200, 201, 202, 204), response.text


@pytest.mark.usefixtures("postgres")
@pytest.mark.parametrize("answer", ["sign-off", "done"])
async def test_a_share_page_answer_waits_for_its_project_before_it_locks_its_row(
    tenant: Tenant, answer: str
) -> None:
    project = await tenant.project()
    if answer == "sign-off":
        milestone = await make_milestone(
            tenant, project["id"], due_date=day(3), customer_visible=True, requires_sign_off=True
        )
        row, form = _row(Milestone, milestone["id"]), f"milestones/{milestone['id']}/sign-off"
    else:
        url = f"/v1/projects/{project['id']}/customer-tasks"
        task = (await tenant.post(url, json={"title": "Send the user list"})).json()
        row, form = _row(CustomerTask, task["id"]), f"tasks/{task['id']}/done"
    link = await share(tenant, project["id"])
    fields = {"csrf_token": csrf_of(await tenant.client.get(page_path(link)))}
    if answer == "sign-off":
        fields["signer_name"] = "Ada"
    send = post_form(tenant.client, link, form, fields)

    response = await _sent_while_the_project_is_held(tenant, UUID(project["id"]), row, send)
    assert response.status_code == 303, response.text[:300]


@pytest.mark.usefixtures("postgres")
async def test_a_milestone_deleted_while_another_comes_to_depend_on_it(tenant: Tenant) -> None:
    """The deletion holds the project, so the new milestone waits and then finds its dependency
    gone (a 422), where it held the project and waited for the deleted row while the deletion
    waited for the project: PostgreSQL failed one of them."""
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    first = (await tenant.post(url, json={"name": "Design", "due_date": "2030-01-01"})).json()
    caller = tenant.admin
    after = {"name": "Build", "due_date": "2030-02-01", "depends_on": [first["id"]]}

    async with tenant.database.transaction() as session:
        deleted = await session.get(Milestone, UUID(first["id"]))
        assert deleted is not None
        await milestones.delete_milestone(session, caller, deleted)
        sent = asyncio.create_task(tenant.post(url, json=after))
        assert await until_waiting(tenant.database, sent)
    assert_problem(await sent, 422)
    listed = (await tenant.get(url)).json()["items"]
    assert listed == []


@pytest.mark.usefixtures("postgres")
async def test_a_deleted_risk_lets_go_of_its_alerts_after_its_project(tenant: Tenant) -> None:
    """A risk that alerted has crossings, deleted with it: the deletion holds the project first,
    as the risk's other writers do before they settle its crossings."""
    project = await tenant.project()
    high = {**RISK, "probability": 5, "impact": 5}
    risk = (await tenant.post(f"/v1/projects/{project['id']}/risks", json=high)).json()
    assert [row for row in await crossings(tenant) if row[0] == risk["id"]]
    send = tenant.delete(f"/v1/risks/{risk['id']}")
    rows = select(AlertCrossing.id).where(AlertCrossing.aggregate_id == UUID(risk["id"]))

    response = await _sent_while_the_project_is_held(tenant, UUID(project["id"]), rows, send)
    assert response.status_code == 204, response.text
    assert [row for row in await crossings(tenant) if row[0] == risk["id"]] == []


def _holds(statements: list[str]) -> list[str]:
    """The statements that lock a project: by id alone, or read with its columns."""
    return [s for s in statements if s.startswith("SELECT projects.") and "FOR NO KEY" in s]


@pytest.mark.usefixtures("postgres")
async def test_a_write_holds_its_project_once_and_a_new_project_not_at_all(
    tenant: Tenant,
) -> None:
    """However many flushes a write makes (a meeting held with attendees and decisions), its
    project is locked once; a deal planned into a new project locks it at most once (no one
    else sees the project before the deal commits)."""
    member = await tenant.member()
    meeting = await _object_id(tenant, "meeting")
    held = {
        "notes": "Went well",
        "attendees": [{"member_id": member["id"]}],
        "decisions": [{"text": "Go live in March", "decided_by_id": member["id"]}],
    }
    with count_statements(tenant.database) as statements:
        answer = await tenant.post(f"/v1/meetings/{meeting}/hold", json=held)
    assert answer.status_code == 200, answer.text
    assert len(_holds(statements)) == 1, _holds(statements)

    key = await tenant.key_with(Scope.deals_write)
    with count_statements(tenant.database) as statements:
        answer = await tenant.post("/v1/deals", json=canonical_deal(), headers=tenant.headers(key))
    assert answer.status_code == 201, answer.text
    assert len(_holds(statements)) <= 1, _holds(statements)
