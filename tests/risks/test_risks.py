"""The risk register: the server computes score and band, plans follow the response, owners are
members, the database keeps the score honest, and each organization sees only its own risks."""

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.core.auth import Scope
from app.models import Project, Risk, RiskCategory, RiskResponse
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.risks.helpers import make_risk

BODY = {"title": "Data migration slips", "category": "technical", "response": "accept"}


async def _stored_risks(tenant: Tenant) -> list[Risk]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Risk).where(Risk.organization_id == tenant.organization_id)
        )
        return list(rows)


async def test_created_risk_has_its_score_and_band(tenant: Tenant) -> None:
    project = await tenant.project()
    owner = await tenant.member()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/risks",
        json={
            **BODY,
            "description": "The legacy export is undocumented.",
            "probability": 3,
            "impact": 4,
            "response": "mitigate",
            "mitigation_plan": "Export a sample in week one.",
            "contingency_plan": "Migrate by hand.",
            "owner_id": owner["id"],
            "review_date": "2026-12-15",
        },
    )
    assert response.status_code == 201, response.text
    risk = response.json()
    assert (risk["probability"], risk["impact"], risk["score"], risk["band"]) == (3, 4, 12, "high")
    assert (risk["status"], risk["version"], risk["project_id"]) == ("open", 1, project["id"])
    assert (risk["owner_id"], risk["review_date"]) == (owner["id"], "2026-12-15")
    assert response.headers["ETag"] == '"1"'
    assert (await tenant.get(f"/v1/risks/{risk['id']}")).json() == risk
    [stored] = await _stored_risks(tenant)
    assert stored.score == 12


@pytest.mark.parametrize(
    ("probability", "impact", "band"),
    [
        (1, 1, "low"),
        (1, 4, "low"),
        (1, 5, "medium"),
        (3, 3, "medium"),
        (2, 5, "high"),
        (3, 4, "high"),
        (3, 5, "critical"),
        (5, 5, "critical"),
    ],
)
async def test_band_follows_the_documented_thresholds(
    tenant: Tenant, probability: int, impact: int, band: str
) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=probability, impact=impact)
    assert (risk["score"], risk["band"]) == (probability * impact, band)


@pytest.mark.parametrize("field", ["probability", "impact"])
@pytest.mark.parametrize("value", [0, 6, -1, "high", None])
async def test_probability_and_impact_outside_1_to_5_are_422(
    tenant: Tenant, field: str, value: Any
) -> None:
    project = await tenant.project()
    body = {**BODY, "probability": 2, "impact": 2, field: value}
    response = await tenant.post(f"/v1/projects/{project['id']}/risks", json=body)
    problem = assert_problem(response, 422, "validation")
    assert locations(problem) == {("body", field)}
    assert await _stored_risks(tenant) == []
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    assert_problem(await tenant.patch(url, json={field: value}), 422, "validation")
    assert (await tenant.get(url)).json() == risk


@pytest.mark.parametrize("field", ["score", "band", "version"])
async def test_score_and_band_are_the_servers(tenant: Tenant, field: str) -> None:
    project = await tenant.project()
    body = {**BODY, "probability": 1, "impact": 2, field: 25}
    response = await tenant.post(f"/v1/projects/{project['id']}/risks", json=body)
    problem = assert_problem(response, 422, "validation")
    assert problem["errors"][0]["type"] == "extra_forbidden"
    assert await _stored_risks(tenant) == []
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    problem = assert_problem(await tenant.patch(url, json={field: 25}), 422, "validation")
    assert problem["errors"][0]["type"] == "extra_forbidden"
    assert (await tenant.get(url)).json() == risk


async def test_patch_recomputes_score_and_band(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=2, impact=2)
    url = f"/v1/risks/{risk['id']}"
    response = await tenant.patch(url, json={"probability": 5})
    assert response.status_code == 200, response.text
    assert (response.json()["score"], response.json()["band"]) == (10, "high")
    response = await tenant.patch(url, json={"impact": 4, "probability": 4})
    assert (response.json()["score"], response.json()["band"]) == (16, "critical")
    assert response.json()["version"] == 3
    [stored] = await _stored_risks(tenant)
    assert (stored.probability, stored.impact, stored.score) == (4, 4, 16)


@pytest.mark.parametrize("plan", [None, "", "   "])
async def test_mitigate_without_a_mitigation_plan_is_422(tenant: Tenant, plan: str | None) -> None:
    project = await tenant.project()
    body = {**BODY, "probability": 2, "impact": 2, "response": "mitigate"}
    if plan is not None:
        body["mitigation_plan"] = plan
    response = await tenant.post(f"/v1/projects/{project['id']}/risks", json=body)
    problem = assert_problem(response, 422, "invalid-input")
    assert locations(problem) == {("body", "mitigation_plan")}
    assert await _stored_risks(tenant) == []


async def test_mitigation_plan_stays_required_while_the_response_is_mitigate(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    accepted = await make_risk(tenant, project["id"], response="accept")
    url = f"/v1/risks/{accepted['id']}"
    problem = assert_problem(
        await tenant.patch(url, json={"response": "mitigate"}), 422, "invalid-input"
    )
    assert locations(problem) == {("body", "mitigation_plan")}
    assert (await tenant.get(url)).json() == accepted
    changed = await tenant.patch(url, json={"response": "mitigate", "mitigation_plan": "Train"})
    assert changed.status_code == 200, changed.text
    cleared = await tenant.patch(url, json={"mitigation_plan": None})
    assert_problem(cleared, 422, "invalid-input")
    assert (await tenant.get(url)).json() == changed.json()


async def test_contingency_plan_is_optional_for_every_response(tenant: Tenant) -> None:
    project = await tenant.project()
    for response in ("avoid", "transfer", "accept"):
        risk = await make_risk(tenant, project["id"], response=response)
        assert (risk["response"], risk["contingency_plan"]) == (response, None)
    mitigated = await make_risk(tenant, project["id"], response="mitigate", mitigation_plan="Plan")
    assert mitigated["contingency_plan"] is None


async def test_owner_must_be_a_member_of_the_organization(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    stranger = await other_tenant.member()
    body = {**BODY, "probability": 2, "impact": 2, "owner_id": stranger["id"]}
    problem = assert_problem(
        await tenant.post(f"/v1/projects/{project['id']}/risks", json=body), 422, "invalid-input"
    )
    assert locations(problem) == {("body", "owner_id")}
    assert await _stored_risks(tenant) == []
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    response = await tenant.patch(url, json={"owner_id": stranger["id"]})
    assert locations(assert_problem(response, 422, "invalid-input")) == {("body", "owner_id")}
    owner = await tenant.member()
    assert (await tenant.patch(url, json={"owner_id": owner["id"]})).json()["owner_id"] == owner[
        "id"
    ]
    assert (await tenant.patch(url, json={"owner_id": None})).json()["owner_id"] is None


async def test_closed_risk_can_be_reopened(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    assert (await tenant.patch(url, json={"status": "closed"})).json()["status"] == "closed"
    reopened = await tenant.patch(url, json={"status": "open"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "open"


async def test_every_risk_write_moves_the_projects_version(tenant: Tenant) -> None:
    project = await tenant.project()
    project_url = f"/v1/projects/{project['id']}"
    versions = [project["version"]]
    risk = await make_risk(tenant, project["id"])
    versions.append((await tenant.get(project_url)).json()["version"])
    await tenant.patch(f"/v1/risks/{risk['id']}", json={"title": "Renamed"})
    versions.append((await tenant.get(project_url)).json()["version"])
    await tenant.delete(f"/v1/risks/{risk['id']}")
    after = (await tenant.get(project_url)).json()
    versions.append(after["version"])
    assert versions == sorted(set(versions))
    assert after["updated_at"] > project["updated_at"]


async def test_risks_of_an_archived_project_are_read_only(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    url = f"/v1/risks/{risk['id']}"
    created = await tenant.post(
        f"/v1/projects/{project['id']}/risks", json={**BODY, "probability": 1, "impact": 1}
    )
    assert_problem(created, 409, "project-archived")
    assert_problem(await tenant.patch(url, json={"status": "closed"}), 409, "project-archived")
    assert_problem(await tenant.delete(url), 409, "project-archived")
    assert (await tenant.get(url)).json() == risk


async def test_delete_removes_the_risk_and_its_history(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    response = await tenant.delete(url)
    assert response.status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.get(f"{url}/history"), 404, "not-found")
    assert await _stored_risks(tenant) == []


async def test_etag_answers_304_and_stale_writes_get_412(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    fetched = await tenant.get(url)
    assert fetched.headers["ETag"] == '"1"'
    not_modified = await tenant.get(url, headers={"If-None-Match": '"1"'})
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    changed = await tenant.patch(url, json={"impact": 5}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"2"'
    assert (await tenant.get(url, headers={"If-None-Match": '"1"'})).status_code == 200
    stale = {"If-Match": '"1"'}
    assert_problem(await tenant.patch(url, json={"impact": 1}, headers=stale), 412)
    assert_problem(await tenant.delete(url, headers=stale), 412)
    assert (await tenant.get(url)).json() == changed.json()
    assert (await tenant.delete(url, headers={"If-Match": '"2"'})).status_code == 204


async def test_another_organizations_risk_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    project = await other_tenant.project()
    risk = await make_risk(other_tenant, project["id"])
    url = f"/v1/risks/{risk['id']}"
    for response in [
        await tenant.get(url),
        await tenant.get(f"{url}/history"),
        await tenant.patch(url, json={"status": "closed"}),
        await tenant.delete(url),
        await tenant.get(f"/v1/projects/{project['id']}/risks"),
        await tenant.post(
            f"/v1/projects/{project['id']}/risks", json={**BODY, "probability": 1, "impact": 1}
        ),
    ]:
        problem = assert_problem(response, 404, "not-found")
        assert risk["title"] not in str(problem)
    assert (await other_tenant.get(url)).json() == risk


async def test_reading_needs_projects_read_and_writing_projects_write(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    reader = tenant.headers(await tenant.key_with(Scope.projects_read))
    url = f"/v1/risks/{risk['id']}"
    for path in (url, f"{url}/history", "/v1/risks", f"/v1/projects/{project['id']}/risks"):
        assert (await tenant.get(path, headers=reader)).status_code == 200
    assert_problem(await tenant.patch(url, json={"impact": 1}, headers=reader), 403)
    assert_problem(await tenant.delete(url, headers=reader), 403)
    body = {**BODY, "probability": 1, "impact": 1}
    created = await tenant.post(f"/v1/projects/{project['id']}/risks", json=body, headers=reader)
    assert_problem(created, 403)


async def test_database_refuses_a_score_that_is_not_the_product(tenant: Tenant) -> None:
    project = await tenant.project()
    values: dict[str, Any] = {
        "organization_id": tenant.organization_id,
        "project_id": UUID(project["id"]),
        "title": "Inserted by hand",
        "category": RiskCategory.other,
        "response": RiskResponse.accept,
    }
    wrong_scores: list[dict[str, Any]] = [
        {"probability": 2, "impact": 3, "score": 5},
        {"probability": 6, "impact": 1, "score": 6},
        {"probability": 1, "impact": 0, "score": 0},
    ]
    for wrong in wrong_scores:
        with pytest.raises(IntegrityError):
            async with tenant.database.transaction() as session:
                session.add(Risk(**values, **wrong))
    assert await _stored_risks(tenant) == []
    async with tenant.database.transaction(write=False) as session:
        assert await session.get(Project, UUID(project["id"])) is not None
