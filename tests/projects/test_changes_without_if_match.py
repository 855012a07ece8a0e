"""A change of the project itself sent without `If-Match` (a rename, an archive, a phase move)
is made on top of whatever its parts' writers committed meanwhile: without a precondition there
is nothing to be stale, so it is not a 412. With `If-Match` naming the version those writers
replaced, it still is (docs/api.md, "API conventions")."""

import asyncio
from typing import Any
from uuid import UUID

import pytest

from app.projects.changes import settle_changed_projects
from app.projects.service import get_project
from app.risks import service as risks
from app.risks.schemas import RiskCreate
from tests.factories import Tenant
from tests.locks import until_waiting
from tests.problems import assert_problem

CHANGES = [
    pytest.param("PATCH", "", {"name": "Renamed while a risk was added"}, 200, id="rename"),
    pytest.param("DELETE", "", None, 204, id="archive"),
    pytest.param("POST", "/transitions", {"to_phase": "planning"}, 201, id="phase move"),
]


async def _change_while_a_risk_is_added(
    tenant: Tenant,
    project: dict[str, Any],
    change: tuple[str, str, Any],
    headers: dict[str, str],
) -> Any:
    """The change sent while another transaction has added a risk to the project and given the
    project its new version, and has not committed yet; that transaction commits once the
    change is under way. The change's answer."""
    method, path, body = change
    project_id = UUID(project["id"])
    caller = tenant.admin
    risk = RiskCreate(
        title="Late data", category="scope", probability=2, impact=2, response="accept"
    )
    url = f"/v1/projects/{project_id}{path}"
    async with tenant.database.transaction() as session:
        await risks.create_risk(
            session, caller, await get_project(session, caller, project_id), risk
        )
        await settle_changed_projects(session)  # the project is locked at its new version
        sent = asyncio.create_task(tenant.request(method, url, json=body, headers=headers))
        assert await until_waiting(tenant.database, sent)  # for the project, or its row
    return await sent


@pytest.fixture
async def project(tenant: Tenant) -> dict[str, Any]:
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: no other writer gets in between")
    return await tenant.project()


@pytest.mark.parametrize(("method", "path", "body", "expected"), CHANGES)
async def test_a_change_without_if_match_lands_on_top_of_parts_written_meanwhile(
    tenant: Tenant, project: dict[str, Any], method: str, path: str, body: Any, expected: int
) -> None:
    answer = await _change_while_a_risk_is_added(tenant, project, (method, path, body), {})

    assert answer.status_code == expected, answer.text
    now = (await tenant.get(f"/v1/projects/{project['id']}")).json()
    assert now["version"] == project["version"] + 2  # the risk's, then the change's
    risks_now = (await tenant.get(f"/v1/projects/{project['id']}/risks")).json()["items"]
    assert [risk["title"] for risk in risks_now] == ["Late data"]


@pytest.mark.parametrize(("method", "path", "body", "expected"), CHANGES)
async def test_a_change_whose_if_match_the_parts_replaced_is_still_a_412(
    tenant: Tenant, project: dict[str, Any], method: str, path: str, body: Any, expected: int
) -> None:
    stale = {"If-Match": f'"{project["version"]}"'}
    answer = await _change_while_a_risk_is_added(tenant, project, (method, path, body), stale)

    assert_problem(answer, 412)
    now = (await tenant.get(f"/v1/projects/{project['id']}")).json()
    assert now["version"] == project["version"] + 1  # the risk's only
    assert (now["name"], now["phase"], now["archived_at"]) == (
        project["name"],
        project["phase"],
        None,
    )
