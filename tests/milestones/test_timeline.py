"""The timeline: Gantt bars with starts, arrows, and the critical path; cached by the project's
version."""

from typing import Any

from tests.factories import Tenant
from tests.milestones.helpers import count_statements, day, make_milestone


async def _timeline(tenant: Tenant, project_id: str) -> dict[str, Any]:
    response = await tenant.get(f"/v1/projects/{project_id}/timeline")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_critical_path_is_the_longest_chain_by_duration(tenant: Tenant) -> None:
    """A → B → D and A → C → D: B is due later than C, but C takes longer, so A, C, D."""
    project = await tenant.project(start_date=day(0))
    pid = project["id"]
    a = await make_milestone(tenant, pid, name="A", due_date=day(5))
    b = await make_milestone(
        tenant, pid, name="B", start_date=day(12), due_date=day(14), depends_on=[a["id"]]
    )
    c = await make_milestone(tenant, pid, name="C", due_date=day(13), depends_on=[a["id"]])
    d = await make_milestone(tenant, pid, name="D", due_date=day(20), depends_on=[b["id"], c["id"]])
    aside = await make_milestone(tenant, pid, name="E", start_date=day(0), due_date=day(19))

    timeline = await _timeline(tenant, pid)
    assert timeline["critical_path"] == [a["id"], c["id"], d["id"]]
    bars = {bar["name"]: bar for bar in timeline["milestones"]}
    assert {name: (bar["start"], bar["due"]) for name, bar in bars.items()} == {
        "A": (day(0), day(5)),  # the project's start
        "B": (day(12), day(14)),  # its own start date
        "C": (day(5), day(13)),  # when A is due
        "D": (day(14), day(20)),  # when the later of B and C is due
        "E": (day(0), day(19)),
    }
    assert {name for name, bar in bars.items() if bar["on_critical_path"]} == {"A", "C", "D"}
    assert bars["D"]["depends_on"] == sorted([b["id"], c["id"]])
    assert [bar["name"] for bar in timeline["milestones"]] == ["A", "E", "C", "B", "D"]
    assert (timeline["project_id"], timeline["start_date"]) == (pid, day(0))
    assert bars["E"]["id"] == aside["id"]


async def test_a_bar_without_any_start_starts_when_it_is_due(tenant: Tenant) -> None:
    bare = await tenant.project()
    milestone = await make_milestone(tenant, bare["id"], due_date=day(3))
    [bar] = (await _timeline(tenant, bare["id"]))["milestones"]
    assert (bar["start"], bar["due"], bar["on_critical_path"]) == (day(3), day(3), True)

    starts_late = await tenant.project(start_date=day(10))
    await make_milestone(tenant, starts_late["id"], due_date=day(3))
    [bar] = (await _timeline(tenant, starts_late["id"]))["milestones"]
    assert bar["start"] == day(3), "a bar never starts after it is due"
    assert milestone["id"] != bar["id"]


async def test_an_empty_project_has_an_empty_timeline(tenant: Tenant) -> None:
    project = await tenant.project()
    timeline = await _timeline(tenant, project["id"])
    assert (timeline["milestones"], timeline["critical_path"]) == ([], [])


async def test_timeline_is_cached_by_the_projects_version(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/timeline"
    first = await tenant.get(url)
    etag = first.headers["etag"]
    assert (await tenant.get(url, headers={"If-None-Match": etag})).status_code == 304
    milestone = await make_milestone(tenant, project["id"])
    after_create = await tenant.get(url, headers={"If-None-Match": etag})
    assert after_create.status_code == 200
    assert [bar["id"] for bar in after_create.json()["milestones"]] == [milestone["id"]]
    etag = after_create.headers["etag"]
    await tenant.patch(f"/v1/milestones/{milestone['id']}", json={"due_date": day(31)})
    after_patch = await tenant.get(url, headers={"If-None-Match": etag})
    assert after_patch.status_code == 200
    assert after_patch.json()["milestones"][0]["due"] == day(31)
    etag = after_patch.headers["etag"]
    await tenant.delete(f"/v1/milestones/{milestone['id']}")
    after_delete = await tenant.get(url, headers={"If-None-Match": etag})
    assert (after_delete.status_code, after_delete.json()["milestones"]) == (200, [])


async def test_timeline_reads_in_a_fixed_number_of_statements(tenant: Tenant) -> None:
    counts = []
    for size in (2, 9):
        project = await tenant.project()
        previous: list[str] = []
        for index in range(size):
            made = await make_milestone(
                tenant, project["id"], due_date=day(index + 1), depends_on=previous
            )
            previous = [made["id"]]
        url = f"/v1/projects/{project['id']}/timeline"
        await tenant.get(url)
        with count_statements(tenant) as statements:
            response = await tenant.get(url)
        assert len(response.json()["critical_path"]) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]
