"""The status document PM tools poll: complete, cheap (ETag/304) and a fixed number of queries."""

from datetime import date, timedelta

from app.db import Database
from app.models import MilestoneStatus, RiskStatus
from tests.factories import Tenant
from tests.projects.workspace import add_milestone, add_risk
from tests.statements import count_statements

TODAY = date.today()


async def test_status_tells_where_the_project_stands(tenant: Tenant) -> None:
    project = await tenant.project()
    done = await add_milestone(
        tenant,
        project["id"],
        TODAY - timedelta(days=20),
        status=MilestoneStatus.done,
        name="Kickoff",
    )
    late = await add_milestone(tenant, project["id"], TODAY - timedelta(days=2), name="Design")
    soon = await add_milestone(tenant, project["id"], TODAY + timedelta(days=5), name="Build")
    await add_milestone(tenant, project["id"], TODAY + timedelta(days=30), name="Launch")
    big = await add_risk(tenant, project["id"], 4, 3, title="Key engineer leaves")
    await add_risk(tenant, project["id"], 1, 2, title="Minor")
    await add_risk(tenant, project["id"], 5, 5, title="Old news", status=RiskStatus.closed)

    status = (await tenant.get(f"/v1/projects/{project['id']}/status")).json()
    assert status["phase"] == "initiating"
    assert status["health"] == "amber"
    assert status["progress"] == {"milestones_total": 4, "milestones_done": 1, "percent": 25}
    assert status["next_milestone"]["id"] == str(soon.id)
    assert status["overdue_milestones"] == [
        {
            "id": str(late.id),
            "name": "Design",
            "due_date": str(late.due_date),
            "days_overdue": 2,
            "waiting_for_customer": False,
        }
    ]
    assert status["top_risks"][0]["id"] == str(big.id)
    assert len(status["top_risks"]) == 2
    assert status["open_risk_count"] == 2
    assert status["latest_status_report"] is None
    assert str(done.id) not in str(status["overdue_milestones"])


async def test_unchanged_status_is_304_and_a_change_is_a_new_etag(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/status"
    first = await tenant.get(url)
    etag = first.headers["etag"]
    assert etag == f'"1.{TODAY:%Y%m%d}"'
    cached = await tenant.get(url, headers={"If-None-Match": etag})
    assert (cached.status_code, cached.content) == (304, b"")
    await tenant.patch(f"/v1/projects/{project['id']}", json={"name": "Renamed"})
    assert (await tenant.get(url, headers={"If-None-Match": etag})).status_code == 200


async def test_status_costs_the_same_queries_for_1_or_40_milestones_and_risks(
    tenant: Tenant, database: Database
) -> None:
    small = await tenant.project()
    await add_milestone(tenant, small["id"], TODAY - timedelta(days=1))
    await add_risk(tenant, small["id"], 3, 3)
    large = await tenant.project()
    for offset in range(40):
        await add_milestone(tenant, large["id"], TODAY + timedelta(days=offset - 20))
        await add_risk(tenant, large["id"], 1 + offset % 5, 1 + offset // 10)
    counts = []
    for project in (small, large):
        await tenant.get(f"/v1/projects/{project['id']}")  # let `last_used_at` settle
        with count_statements(database) as statements:  # the first poll builds the document
            assert (await tenant.get(f"/v1/projects/{project['id']}/status")).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 16  # the key, the version, the kept document, 10 reads, keeping it
    with count_statements(database) as statements:
        etag = (await tenant.get(f"/v1/projects/{large['id']}/status")).headers["etag"]
    with count_statements(database) as statements:
        response = await tenant.get(
            f"/v1/projects/{large['id']}/status", headers={"If-None-Match": etag}
        )
    assert response.status_code == 304
    assert len(statements) <= 3  # the key, the project: nothing derived for a 304


async def test_another_organizations_status_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    project = await other_tenant.project()
    assert (await tenant.get(f"/v1/projects/{project['id']}/status")).status_code == 404


async def test_a_second_read_of_the_same_version_is_kept_and_a_change_rebuilds_it(
    tenant: Tenant, database: Database
) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/status"
    first = await tenant.get(url)
    with count_statements(database) as statements:
        again = await tenant.get(url)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert "ratelimit" in again.headers
    # BEGIN (SQLite), the key, the version, the kept document: nothing built. (On PostgreSQL
    # the lean path answers with one statement of its own, on the driver's connection.)
    assert len(statements) <= 4, statements

    response = await tenant.post(
        f"/v1/projects/{project['id']}/milestones",
        json={"name": "Late", "due_date": str(TODAY - timedelta(days=3))},
    )
    assert response.status_code == 201, response.text
    changed = await tenant.get(url)
    assert changed.headers["etag"] != first.headers["etag"]
    assert changed.json()["health"] == "amber"
    assert changed.json()["version"] > first.json()["version"]
