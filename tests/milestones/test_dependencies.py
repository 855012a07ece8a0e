"""Dependencies: same project only, never on itself, no cycles, never due before what it needs."""

import uuid
from typing import Any

from sqlmodel import col, select

from app.models import MilestoneDependency
from app.models.base import today
from tests.factories import Tenant
from tests.milestones.helpers import day, make_milestone
from tests.problems import assert_problem, locations


async def _edges(tenant: Tenant, *milestone_ids: str) -> set[tuple[str, str]]:
    ids = [uuid.UUID(milestone_id) for milestone_id in milestone_ids]
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(MilestoneDependency.milestone_id, MilestoneDependency.depends_on_id).where(
                col(MilestoneDependency.milestone_id).in_(ids)
                | col(MilestoneDependency.depends_on_id).in_(ids)
            )
        )
        return {(str(milestone), str(needed)) for milestone, needed in rows}


async def _create(tenant: Tenant, project_id: str, **body: Any) -> Any:
    body = {"name": "M", "due_date": day(30), **body}
    return await tenant.post(f"/v1/projects/{project_id}/milestones", json=body)


async def test_dependencies_are_listed_and_repeated_ids_count_once(tenant: Tenant) -> None:
    project = await tenant.project()
    a = await make_milestone(tenant, project["id"], due_date=day(1))
    b = await make_milestone(tenant, project["id"], due_date=day(2))
    c = await make_milestone(tenant, project["id"], depends_on=[b["id"], a["id"], b["id"]])
    assert c["depends_on"] == sorted([a["id"], b["id"]])
    assert (await tenant.get(f"/v1/milestones/{c['id']}")).json() == c
    assert await _edges(tenant, c["id"]) == {(c["id"], a["id"]), (c["id"], b["id"])}


async def test_patch_replaces_the_set_of_dependencies(tenant: Tenant) -> None:
    project = await tenant.project()
    a = await make_milestone(tenant, project["id"], due_date=day(1))
    b = await make_milestone(tenant, project["id"], due_date=day(2))
    c = await make_milestone(tenant, project["id"], depends_on=[a["id"]])
    url = f"/v1/milestones/{c['id']}"
    replaced = await tenant.patch(url, json={"depends_on": [b["id"]]})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["depends_on"], replaced.json()["version"]) == ([b["id"]], 2)
    assert replaced.headers["etag"] == f'"2.{today():%Y%m%d}"'
    assert await _edges(tenant, c["id"]) == {(c["id"], b["id"])}
    untouched = (await tenant.patch(url, json={"name": "Renamed"})).json()
    assert untouched["depends_on"] == [b["id"]]
    emptied = (await tenant.patch(url, json={"depends_on": []})).json()
    assert emptied["depends_on"] == []
    assert await _edges(tenant, c["id"]) == set()


async def test_more_than_50_dependencies_are_refused(tenant: Tenant) -> None:
    project = await tenant.project()
    many = [str(uuid.uuid4()) for _ in range(51)]
    problem = assert_problem(await _create(tenant, project["id"], depends_on=many), 422)
    assert ("body", "depends_on") in locations(problem)


async def test_a_milestone_cannot_depend_on_itself(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    problem = assert_problem(
        await tenant.patch(url, json={"depends_on": [milestone["id"]]}), 422, "invalid-input"
    )
    assert locations(problem) == {("body", "depends_on", milestone["id"])}
    assert problem["errors"][0]["type"] == "self"
    assert (await tenant.get(url)).json() == milestone


async def test_a_dependency_on_another_projects_milestone_is_422_naming_it(
    tenant: Tenant,
) -> None:
    project, elsewhere = await tenant.project(), await tenant.project()
    foreign = await make_milestone(tenant, elsewhere["id"], due_date=day(1))
    local = await make_milestone(tenant, project["id"], due_date=day(1))
    response = await _create(tenant, project["id"], depends_on=[local["id"], foreign["id"]])
    problem = assert_problem(response, 422, "invalid-input")
    assert locations(problem) == {("body", "depends_on", foreign["id"])}
    assert problem["errors"][0]["type"] == "other_project"
    assert foreign["id"] in problem["detail"]
    listed = (await tenant.get(f"/v1/projects/{project['id']}/milestones")).json()["items"]
    assert [item["id"] for item in listed] == [local["id"]]

    url = f"/v1/milestones/{local['id']}"
    response = await tenant.patch(url, json={"depends_on": [foreign["id"]]})
    assert locations(assert_problem(response, 422)) == {("body", "depends_on", foreign["id"])}


async def test_another_organizations_milestone_is_an_unknown_dependency(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    theirs = await make_milestone(other_tenant, (await other_tenant.project())["id"])
    missing = str(uuid.uuid4())
    response = await _create(tenant, project["id"], depends_on=[theirs["id"], missing])
    problem = assert_problem(response, 422, "invalid-input")
    assert locations(problem) == {
        ("body", "depends_on", theirs["id"]),
        ("body", "depends_on", missing),
    }
    assert {error["type"] for error in problem["errors"]} == {"unknown_reference"}
    assert "another project" not in response.text


async def test_a_dependency_cycle_is_422_naming_the_cycle(tenant: Tenant) -> None:
    project = await tenant.project()
    a = await make_milestone(tenant, project["id"], name="A", due_date=day(10))
    b = await make_milestone(
        tenant, project["id"], name="B", due_date=day(10), depends_on=[a["id"]]
    )
    c = await make_milestone(
        tenant, project["id"], name="C", due_date=day(10), depends_on=[b["id"]]
    )
    url = f"/v1/milestones/{a['id']}"
    problem = assert_problem(
        await tenant.patch(url, json={"depends_on": [c["id"]]}), 422, "invalid-input"
    )
    assert locations(problem) == {("body", "depends_on", c["id"])}
    assert problem["errors"][0]["type"] == "dependency_cycle"
    cycle = " → ".join([a["id"], c["id"], b["id"], a["id"]])
    assert cycle in problem["detail"]
    assert (await tenant.get(url)).json() == a
    assert await _edges(tenant, a["id"]) == {(b["id"], a["id"])}
    # Two milestones depending on each other is the shortest cycle.
    two = await tenant.patch(url, json={"depends_on": [b["id"]]})
    assert locations(assert_problem(two, 422)) == {("body", "depends_on", b["id"])}


async def test_the_dependencies_a_milestone_is_due_before_are_named_in_a_stable_order(
    tenant: Tenant,
) -> None:
    """A client diffing two answers, or a person reading `detail`, sees the same order each
    time: the order of the milestones' ids."""
    project = await tenant.project()
    later = [await make_milestone(tenant, project["id"], due_date=day(20)) for _ in range(5)]
    ids = [milestone["id"] for milestone in later]

    response = await _create(tenant, project["id"], due_date=day(10), depends_on=ids[::-1])

    problem = assert_problem(response, 422, "invalid-input")
    assert [error["loc"][-1] for error in problem["errors"]] == sorted(ids)


async def test_a_milestone_due_before_a_dependency_is_422_naming_it(tenant: Tenant) -> None:
    project = await tenant.project()
    early = await make_milestone(tenant, project["id"], due_date=day(5))
    late = await make_milestone(tenant, project["id"], due_date=day(20))
    response = await _create(
        tenant, project["id"], due_date=day(10), depends_on=[early["id"], late["id"]]
    )
    problem = assert_problem(response, 422, "invalid-input")
    assert locations(problem) == {("body", "depends_on", late["id"])}
    assert problem["errors"][0]["type"] == "due_before_dependency"
    same_day = await make_milestone(
        tenant, project["id"], due_date=day(20), depends_on=[late["id"]]
    )
    assert same_day["depends_on"] == [late["id"]]

    url = f"/v1/milestones/{same_day['id']}"
    moved_earlier = await tenant.patch(url, json={"due_date": day(19)})
    assert locations(assert_problem(moved_earlier, 422)) == {("body", "depends_on", late["id"])}
    assert (await tenant.get(url)).json() == same_day


async def test_moving_a_milestone_after_one_that_depends_on_it_is_422(tenant: Tenant) -> None:
    project = await tenant.project()
    needed = await make_milestone(tenant, project["id"], due_date=day(10))
    dependent = await make_milestone(
        tenant, project["id"], due_date=day(15), depends_on=[needed["id"]]
    )
    url = f"/v1/milestones/{needed['id']}"
    problem = assert_problem(await tenant.patch(url, json={"due_date": day(16)}), 422)
    assert locations(problem) == {("body", "due_date")}
    assert problem["errors"][0]["type"] == "due_after_dependent"
    assert dependent["id"] in problem["errors"][0]["message"]
    assert dependent["id"] in problem["detail"]
    assert (await tenant.patch(url, json={"due_date": day(15)})).status_code == 200


async def test_deleting_a_milestone_removes_it_from_its_dependents(tenant: Tenant) -> None:
    project = await tenant.project()
    a = await make_milestone(tenant, project["id"], due_date=day(1))
    b = await make_milestone(tenant, project["id"], due_date=day(2))
    c = await make_milestone(tenant, project["id"], depends_on=[a["id"], b["id"]])
    assert (await tenant.delete(f"/v1/milestones/{a['id']}")).status_code == 204
    after = await tenant.get(f"/v1/milestones/{c['id']}", headers={"If-None-Match": '"1"'})
    assert after.status_code == 200, "the dependent's representation changed: a new ETag"
    assert (after.json()["depends_on"], after.json()["version"]) == ([b["id"]], 2)
    assert await _edges(tenant, a["id"]) == set()
    assert await _edges(tenant, c["id"]) == {(c["id"], b["id"])}
