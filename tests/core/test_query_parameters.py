"""Query parameters are part of the contract: one an operation does not declare is a 422 naming
it, before anything is read or changed (app/core/routing.py). The calendar secret feed and the
share page, whose URLs are pasted into other people's programs, ignore what those add.
Every operation is checked in tests/test_endpoint_matrix.py."""

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from app.models import Project, StatusDocument
from app.models.base import today
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.replicas import replica
from tests.share.helpers import page_path, share

MARKER = b'{"kept": "as the lean path serves it"}'
UNKNOWN_INTAKE = "/v1/integrations/generic/019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b/webhooks"


def _refused(problem: dict[str, Any]) -> list[tuple[list[str | int], str]]:
    return [(error["loc"], error["type"]) for error in problem["errors"]]


async def _projects(tenant: Tenant) -> int:
    async with tenant.database.transaction(write=False) as session:
        counted = await session.exec(
            select(func.count())
            .select_from(Project)
            .where(Project.organization_id == tenant.organization_id)
        )
        return int(counted.one())


async def test_an_undeclared_query_parameter_is_a_422_naming_it(tenant: Tenant) -> None:
    problem = assert_problem(await tenant.get("/v1/projects?colour=blue"), 422, "validation")
    assert _refused(problem) == [(["query", "colour"], "extra_forbidden")]
    assert problem["errors"][0]["message"].startswith("Received unknown parameter: colour")
    assert "updated_since" in problem["errors"][0]["message"]  # what it does take
    # the shape of any other invalid query parameter
    other = assert_problem(await tenant.get("/v1/projects?limit=two"), 422, "validation")
    assert problem.keys() == other.keys()
    assert (problem["title"], problem["detail"]) == (other["title"], other["detail"])


async def test_a_misspelt_filter_is_refused_rather_than_ignored(tenant: Tenant) -> None:
    """Ignored, `updated_after` would have returned every project as if changed."""
    await tenant.project()
    response = await tenant.get("/v1/projects?updated_after=2100-01-01T00:00:00Z")
    assert _refused(assert_problem(response, 422)) == [
        (["query", "updated_after"], "extra_forbidden")
    ]
    # `updated_since` is the events feed's alias of `since`; `after` is no parameter of it.
    events = await tenant.get("/v1/events?after=2100-01-01T00:00:00Z")
    assert _refused(assert_problem(events, 422)) == [(["query", "after"], "extra_forbidden")]


async def test_a_write_with_an_undeclared_parameter_changes_nothing(tenant: Tenant) -> None:
    customer = await tenant.customer()
    before = await _projects(tenant)
    response = await tenant.post(
        "/v1/projects?notify=false", json={"name": "Rollout", "customer_id": customer["id"]}
    )
    assert _refused(assert_problem(response, 422)) == [(["query", "notify"], "extra_forbidden")]
    assert await _projects(tenant) == before


async def test_each_undeclared_name_is_named_once_in_the_order_sent(tenant: Tenant) -> None:
    response = await tenant.get("/v1/members?size=L&colour=blue&size=M&role=sales&flag")
    assert _refused(assert_problem(response, 422)) == [
        (["query", "size"], "extra_forbidden"),
        (["query", "colour"], "extra_forbidden"),
        (["query", "flag"], "extra_forbidden"),
    ]


async def test_declared_parameters_are_taken_under_the_names_the_contract_gives(
    tenant: Tenant,
) -> None:
    """Aliases (`from`, `q`, `type`) are the names; the code's own names are not. A declared
    name sent twice is the parameter's business, not an unknown one."""
    window = "from=2027-01-01&to=2027-03-31"
    assert (await tenant.get(f"/v1/allocation-conflicts?{window}")).status_code == 200
    code_name = await tenant.get("/v1/allocation-conflicts?from_date=2027-01-01&to=2027-03-31")
    assert _refused(assert_problem(code_name, 422)) == [(["query", "from_date"], "extra_forbidden")]
    assert (await tenant.get("/v1/lessons?q=migration&limit=5")).status_code == 200
    assert (await tenant.get("/v1/events?type=project.*&type=risk.*")).status_code == 200
    # `limit` and `cursor` come from the pagination dependency, not the route's own arguments
    assert (await tenant.get("/v1/projects?limit=1&limit=2")).status_code == 200


async def test_probes_and_the_crm_intake_refuse_them_too(tenant: Tenant) -> None:
    assert (await tenant.client.get("/healthz")).status_code == 200
    probe = await tenant.client.get("/healthz?verbose=1")
    assert _refused(assert_problem(probe, 422)) == [(["query", "verbose"], "extra_forbidden")]
    intake = await tenant.client.post(f"{UNKNOWN_INTAKE}?source=crm", json={})
    assert _refused(assert_problem(intake, 422)) == [(["query", "source"], "extra_forbidden")]
    # `token` is the intake's own (Salesforce's secret): refused for what it proves, not its name
    assert_problem(await tenant.client.post(f"{UNKNOWN_INTAKE}?token=t", json={}), 401)


async def test_the_share_page_ignores_what_link_trackers_add(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    link = await share(tenant, project["id"])
    tracked = f"{page_path(link)}?utm_source=newsletter&utm_medium=email&fbclid=IwAR0"
    page = await tenant.client.get(tracked)
    assert page.status_code == 200, page.text
    assert "Globex rollout" in page.text


async def test_the_calendar_secret_feed_ignores_what_calendar_apps_add(tenant: Tenant) -> None:
    project = await tenant.project()
    url = (await tenant.post(f"/v1/projects/{project['id']}/calendar-secret")).json()["url"]
    plain = await tenant.client.get(url)
    subscribed = await tenant.client.get(f"{url}?nocache=1733450000&client=outlook")
    assert subscribed.status_code == 200
    assert subscribed.content == plain.content
    keyed = await tenant.get(f"/v1/projects/{project['id']}/calendar.ics?nocache=1")
    assert _refused(assert_problem(keyed, 422)) == [(["query", "nocache"], "extra_forbidden")]


async def test_the_lean_polls_refuse_them_as_the_route_does(
    tenant: Tenant, database_url: str
) -> None:
    """On PostgreSQL the lean path answers polls ahead of the route; a poll with a name the
    route does not declare goes to the route, which refuses it. The plain poll stays lean: the
    kept document is served as it is (not built again)."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("the lean path is PostgreSQL's")
    project = await tenant.project()
    status_url = f"/v1/projects/{project['id']}/status"
    assert (await tenant.get(status_url)).status_code == 200  # its document is kept
    async with tenant.database.transaction() as session:
        await session.exec(
            update(StatusDocument)
            .where(StatusDocument.project_id == UUID(project["id"]))  # type: ignore[arg-type]
            .values(document=MARKER)
        )
    etag = f'"{project["version"]}.{today():%Y%m%d}"'
    async with replica(database_url) as lean:
        served = await lean.get(status_url, headers=tenant.headers())
        assert served.content == MARKER  # answered by the lean path
        for url in (
            f"{status_url}?colour=blue",
            f"{status_url}?fields=health",
            "/v1/projects?updated_since=2026-01-01T00:00:00Z&colour=blue",
            "/v1/projects?colour=blue",
        ):
            refused = await lean.get(url, headers=tenant.headers())
            problem = assert_problem(refused, 422, "validation")
            name = url.rsplit("&", 1)[-1].rsplit("?", 1)[-1].split("=")[0]
            assert _refused(problem) == [(["query", name], "extra_forbidden")], url
        cached = await lean.get(
            f"{status_url}?colour=blue", headers={**tenant.headers(), "If-None-Match": etag}
        )
        assert_problem(cached, 422)  # not a 304: the poll is refused, whatever the copy
