"""Survey responses: CSAT (1–5) and NPS (0–10), and the summary a project's manager reads."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.models import Event
from tests.factories import Tenant
from tests.problems import assert_problem, locations


async def _respond(
    tenant: Tenant, project: dict[str, Any], kind: str, score: int, **extra: Any
) -> dict[str, Any]:
    response = await tenant.post(
        f"/v1/projects/{project['id']}/survey-responses",
        json={"kind": kind, "score": score, **extra},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _summary(tenant: Tenant, project: dict[str, Any], **params: str) -> dict[str, Any]:
    response = await tenant.get(f"/v1/projects/{project['id']}/survey-summary", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([10, 9, 8, 7, 6, 0], {"promoters": 2, "passives": 2, "detractors": 2, "score": 0}),
        ([10, 10, 9, 6], {"promoters": 3, "passives": 0, "detractors": 1, "score": 50}),
        ([10, 9, 9, 8, 8, 8, 0, 0], {"promoters": 3, "passives": 3, "detractors": 2, "score": 13}),
        ([9, 9, 8, 8, 8, 0, 0, 0], {"promoters": 2, "passives": 3, "detractors": 3, "score": -13}),
        ([0, 3, 6], {"promoters": 0, "passives": 0, "detractors": 3, "score": -100}),
    ],
)
async def test_nps_is_percent_promoters_minus_percent_detractors_rounded_half_away(
    tenant: Tenant, scores: list[int], expected: dict[str, int]
) -> None:
    project = await tenant.project()
    for score in scores:
        await _respond(tenant, project, "nps", score)
    nps = (await _summary(tenant, project))["nps"]
    assert nps == {"responses": len(scores), **expected}


async def test_csat_average_and_an_empty_summary(tenant: Tenant) -> None:
    project = await tenant.project()
    assert await _summary(tenant, project) == {
        "csat": {"responses": 0, "average": None},
        "nps": {"responses": 0, "promoters": 0, "passives": 0, "detractors": 0, "score": None},
    }
    for score in (5, 4, 3):
        await _respond(tenant, project, "csat", score)
    summary = await _summary(tenant, project)
    assert summary["csat"] == {"responses": 3, "average": 4.0}
    assert summary["nps"]["responses"] == 0
    await _respond(tenant, project, "csat", 5)
    assert (await _summary(tenant, project))["csat"] == {"responses": 4, "average": 4.25}
    await _respond(tenant, project, "csat", 4)
    assert (await _summary(tenant, project))["csat"] == {"responses": 5, "average": 4.2}


async def test_summary_counts_only_the_period_and_the_project(tenant: Tenant) -> None:
    project = await tenant.project()
    other = await tenant.project()
    await _respond(tenant, project, "nps", 10, collected_on="2026-01-10")
    await _respond(tenant, project, "nps", 0, collected_on="2026-02-10")
    await _respond(tenant, project, "csat", 2, collected_on="2026-02-11")
    await _respond(tenant, other, "nps", 0, collected_on="2026-01-10")
    january = await _summary(tenant, project, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert january["nps"] == {
        "responses": 1,
        "promoters": 1,
        "passives": 0,
        "detractors": 0,
        "score": 100,
    }
    assert january["csat"] == {"responses": 0, "average": None}
    since_february = await _summary(tenant, project, **{"from": "2026-02-10"})
    assert since_february["nps"]["score"] == -100
    assert since_february["csat"] == {"responses": 1, "average": 2.0}
    problem = assert_problem(
        await tenant.get(
            f"/v1/projects/{project['id']}/survey-summary",
            params={"from": "2026-02-01", "to": "2026-01-01"},
        ),
        422,
    )
    assert locations(problem) == {("query", "to")}


@pytest.mark.parametrize(
    ("kind", "score"), [("csat", 0), ("csat", 6), ("nps", 11), ("nps", -1), ("csat", 11)]
)
async def test_a_score_outside_its_kinds_range_is_refused(
    tenant: Tenant, kind: str, score: int
) -> None:
    project = await tenant.project()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/survey-responses", json={"kind": kind, "score": score}
    )
    assert locations(assert_problem(response, 422)) == {("body", "score")}
    listed = await tenant.get(f"/v1/projects/{project['id']}/survey-responses")
    assert listed.json()["items"] == []


async def test_a_response_is_stored_with_its_respondent_and_an_event(tenant: Tenant) -> None:
    project = await tenant.project()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/survey-responses",
        json={
            "kind": "nps",
            "score": 9,
            "comment": "Smooth go-live",
            "respondent_name": "Grace Hopper",
            "respondent_email": "grace@example.com",
            "collected_on": "2026-03-15",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["ETag"] == '"1"'
    assert {key: body[key] for key in ("kind", "score", "comment", "collected_on")} == {
        "kind": "nps",
        "score": 9,
        "comment": "Smooth go-live",
        "collected_on": "2026-03-15",
    }
    assert (body["respondent_name"], body["respondent_email"]) == (
        "Grace Hopper",
        "grace@example.com",
    )
    read = await tenant.get(f"/v1/survey-responses/{body['id']}")
    assert read.json() == body
    cached = await tenant.get(
        f"/v1/survey-responses/{body['id']}", headers={"If-None-Match": read.headers["ETag"]}
    )
    assert cached.status_code == 304
    async with tenant.database.transaction(write=False) as session:
        events = (
            await session.exec(select(Event).where(Event.aggregate_id == uuid.UUID(body["id"])))  # type: ignore[arg-type]
        ).all()
    assert [(event.type, event.aggregate_type) for event in events] == [
        ("survey.response_received", "survey_response")
    ]
    assert json.loads(events[0].payload)["data"] == {
        "survey_response_id": body["id"],
        "version": 1,
        "project_id": project["id"],
        "kind": "nps",
        "score": 9,
    }


async def test_collection_date_defaults_to_today_and_cannot_be_in_the_future(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    assert (await _respond(tenant, project, "csat", 4))["collected_on"] == _today()
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/survey-responses",
        json={"kind": "csat", "score": 4, "collected_on": tomorrow},
    )
    assert locations(assert_problem(response, 422, "invalid-input")) == {("body", "collected_on")}
    response = await tenant.post(
        f"/v1/projects/{project['id']}/survey-responses",
        json={"kind": "csat", "score": 4, "respondent_email": "not-an-email"},
    )
    assert locations(assert_problem(response, 422)) == {("body", "respondent_email")}


async def test_list_filters_by_kind_and_collection_dates(tenant: Tenant) -> None:
    project = await tenant.project()
    early = await _respond(tenant, project, "csat", 5, collected_on="2026-01-05")
    late = await _respond(tenant, project, "nps", 7, collected_on="2026-02-05")
    url = f"/v1/projects/{project['id']}/survey-responses"

    async def ids(**params: str) -> list[str]:
        response = await tenant.get(url, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [early["id"], late["id"]]
    assert await ids(kind="nps") == [late["id"]]
    assert await ids(**{"from": "2026-02-01"}) == [late["id"]]
    assert await ids(to="2026-01-31") == [early["id"]]
    assert await ids(kind="csat", **{"from": "2026-02-01"}) == []


async def test_another_organizations_responses_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    answer = await _respond(tenant, project, "csat", 3)
    url = f"/v1/survey-responses/{answer['id']}"
    assert_problem(await other_tenant.get(url), 404, "not-found")
    assert_problem(await other_tenant.delete(url), 404, "not-found")
    base = f"/v1/projects/{project['id']}"
    assert_problem(await other_tenant.get(f"{base}/survey-responses"), 404)
    assert_problem(await other_tenant.get(f"{base}/survey-summary"), 404)
    assert_problem(
        await other_tenant.post(f"{base}/survey-responses", json={"kind": "csat", "score": 3}),
        404,
    )
    assert (await tenant.get(url)).status_code == 200


async def test_a_deleted_response_leaves_the_summary(tenant: Tenant) -> None:
    project = await tenant.project()
    kept = await _respond(tenant, project, "csat", 5)
    wrong = await _respond(tenant, project, "csat", 1)
    assert_problem(
        await tenant.delete(f"/v1/survey-responses/{wrong['id']}", headers={"If-Match": '"2"'}),
        412,
    )
    assert (await tenant.delete(f"/v1/survey-responses/{wrong['id']}")).status_code == 204
    assert_problem(await tenant.get(f"/v1/survey-responses/{wrong['id']}"), 404)
    assert (await _summary(tenant, project))["csat"] == {"responses": 1, "average": 5.0}
    assert (await tenant.get(f"/v1/survey-responses/{kept['id']}")).status_code == 200


async def test_archived_project_takes_no_more_responses(tenant: Tenant) -> None:
    project = await tenant.project()
    answer = await _respond(tenant, project, "nps", 8)
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    response = await tenant.post(
        f"/v1/projects/{project['id']}/survey-responses", json={"kind": "nps", "score": 8}
    )
    assert_problem(response, 409, "project-archived")
    assert_problem(await tenant.delete(f"/v1/survey-responses/{answer['id']}"), 409)
    assert (await _summary(tenant, project))["nps"]["responses"] == 1
