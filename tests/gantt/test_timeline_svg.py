"""`GET /v1/projects/{project_id}/timeline` with `Accept: image/svg+xml`: the Gantt chart."""

from xml.etree.ElementTree import Element

from tests.change_requests.helpers import assessed, move, project_under_way
from tests.factories import Tenant
from tests.gantt.svg import SVG, classes, milestone_rows, parse, texts
from tests.milestones.helpers import day, make_milestone

SVG_ACCEPT = {"Accept": "image/svg+xml"}


async def test_the_chart_has_one_bar_per_milestone_and_marks_the_critical_path(
    tenant: Tenant,
) -> None:
    project = await tenant.project(name="Globex <rollout>", start_date=day(-10))
    pid = project["id"]
    design = await make_milestone(
        tenant, pid, name="Design", due_date=day(-3), status="done", completed_date=day(-4)
    )
    build = await make_milestone(
        tenant, pid, name="Build", due_date=day(20), depends_on=[design["id"]]
    )
    docs = await make_milestone(
        tenant, pid, name="Docs", due_date=day(5), depends_on=[design["id"]]
    )
    late = await make_milestone(tenant, pid, name="Audit", start_date=day(-9), due_date=day(-1))

    response = await tenant.get(f"/v1/projects/{pid}/timeline", headers=SVG_ACCEPT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["vary"] == "Accept"
    root = parse(response.content)
    rows = milestone_rows(root)
    assert set(rows) == {design["id"], build["id"], docs["id"], late["id"]}
    critical = {mid for mid, row in rows.items() if "critical" in classes(row)}
    timeline = (await tenant.get(f"/v1/projects/{pid}/timeline")).json()
    assert critical == set(timeline["critical_path"]) == {design["id"], build["id"]}
    assert {mid: row.attrib["data-state"] for mid, row in rows.items()} == {
        design["id"]: "done",
        build["id"]: "upcoming",
        docs["id"]: "upcoming",
        late["id"]: "late",
    }
    assert "Globex <rollout>" in texts(root)


async def test_a_control_character_in_a_name_leaves_the_chart_readable(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex\x0brollout")  # a vertical tab, pasted
    await make_milestone(tenant, project["id"], name="Kick\x1boff", due_date=day(5))

    response = await tenant.get(f"/v1/projects/{project['id']}/timeline", headers=SVG_ACCEPT)

    assert response.status_code == 200, response.text
    assert {"Globexrollout", "Kickoff"} <= set(texts(parse(response.content)))  # well-formed XML
    names = await tenant.get(f"/v1/projects/{project['id']}/timeline")
    assert names.json()["milestones"][0]["name"] == "Kick\x1boff"  # kept as given


async def test_json_stays_the_default_and_each_representation_has_its_own_etag(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    await make_milestone(tenant, project["id"])
    url = f"/v1/projects/{project['id']}/timeline"
    as_json = await tenant.get(url, headers={"Accept": "text/html,*/*;q=0.8"})
    assert as_json.headers["content-type"] == "application/json"
    chart = await tenant.get(url, headers={"Accept": "image/svg+xml, application/json;q=0.5"})
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.headers["etag"] != as_json.headers["etag"]

    again = await tenant.get(url, headers={**SVG_ACCEPT, "If-None-Match": chart.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    crossed = await tenant.get(
        url, headers={**SVG_ACCEPT, "If-None-Match": as_json.headers["etag"]}
    )
    assert crossed.status_code == 200, "a JSON copy is not a current SVG copy"

    await make_milestone(tenant, project["id"], name="Another")
    changed = await tenant.get(url, headers={**SVG_ACCEPT, "If-None-Match": chart.headers["etag"]})
    assert changed.status_code == 200
    assert len(milestone_rows(parse(changed.content))) == 2


async def test_another_organizations_chart_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await other_tenant.project(name="Secret plan")
    response = await tenant.get(f"/v1/projects/{theirs['id']}/timeline", headers=SVG_ACCEPT)
    assert response.status_code == 404
    assert b"Secret plan" not in response.content


async def test_an_approved_change_leaves_a_ghost_bar_at_the_baseline(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    design, build = project["milestones"]["Design"], project["milestones"]["Build"]
    url = f"/v1/projects/{project['id']}/timeline"
    before = milestone_rows(parse((await tenant.get(url, headers=SVG_ACCEPT)).content))
    assert not any(_ghosts(row) for row in before.values()), "nothing moved yet"

    change = await assessed(
        tenant, project, manager["id"], {"schedule_impact_days": 10, "milestone_ids": [build["id"]]}
    )
    assert (await move(tenant, change["id"], "approved", manager["id"])).status_code == 200
    root = parse((await tenant.get(url, headers=SVG_ACCEPT)).content)
    rows = milestone_rows(root)

    assert [mid for mid, row in rows.items() if _ghosts(row)] == [build["id"]]
    [ghost] = _ghosts(rows[build["id"]])
    [bar] = [r for r in rows[build["id"]].iter(f"{SVG}rect") if "bar" in classes(r)]
    assert float(ghost.attrib["x"]) < float(bar.attrib["x"]), "the plan was earlier"
    assert "baseline" in texts(root), "the legend names it"
    assert not _ghosts(rows[design["id"]])


def _ghosts(row: Element) -> list[Element]:
    return [rect for rect in row.iter(f"{SVG}rect") if "baseline" in classes(rect)]
