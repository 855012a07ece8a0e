"""Status reports: drafts change, publication freezes a snapshot and its difference."""

from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from app.models import Event, MilestoneStatus
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.projects.workspace import add_milestone, add_risk

TODAY = date.today()


async def _draft(tenant: Tenant, project_id: str, **body: Any) -> dict[str, Any]:
    response = await tenant.post(
        f"/v1/projects/{project_id}/status-reports", json={"kind": "periodic", **body}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _publish(tenant: Tenant, report_id: str) -> dict[str, Any]:
    response = await tenant.post(f"/v1/status-reports/{report_id}/publish")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_draft_is_written_changed_and_read_back(tenant: Tenant) -> None:
    project = await tenant.project()
    draft = await _draft(
        tenant,
        project["id"],
        kind="kickoff",
        summary="We started",
        issues=[{"issue": "No test data", "solution": "Customer sends it Friday"}],
    )
    assert (draft["state"], draft["snapshot"], draft["published_at"]) == ("draft", None, None)
    url = f"/v1/status-reports/{draft['id']}"
    changed = await tenant.patch(url, json={"next_steps": "Design workshop"})
    assert changed.status_code == 200
    fetched = (await tenant.get(url)).json()
    assert fetched["next_steps"] == "Design workshop"
    assert fetched["issues"] == [{"issue": "No test data", "solution": "Customer sends it Friday"}]


async def test_publishing_freezes_a_snapshot_of_the_project(tenant: Tenant) -> None:
    project = await tenant.project()
    late = await add_milestone(tenant, project["id"], TODAY - timedelta(days=4), name="Design")
    await add_milestone(
        tenant, project["id"], TODAY - timedelta(days=9), status=MilestoneStatus.done
    )
    await add_risk(tenant, project["id"], 4, 3)
    await add_risk(tenant, project["id"], 1, 2)
    report = await _publish(tenant, (await _draft(tenant, project["id"]))["id"])
    assert report["state"] == "published"
    assert report["published_at"].endswith("Z")
    snapshot = report["snapshot"]
    assert snapshot["health"] == "amber"
    assert snapshot["progress"] == {"milestones_total": 2, "milestones_done": 1, "percent": 50}
    assert [m["id"] for m in snapshot["overdue_milestones"]] == [str(late.id)]
    assert snapshot["open_risks_by_band"] == {"low": 1, "medium": 0, "high": 1, "critical": 0}
    assert report["changes_since_previous"] is None
    status = (await tenant.get(f"/v1/projects/{project['id']}/status")).json()
    assert status["latest_status_report"]["id"] == report["id"]


async def test_the_next_report_says_what_changed_since_the_last(tenant: Tenant) -> None:
    project = await tenant.project()
    late = await add_milestone(tenant, project["id"], TODAY - timedelta(days=4))
    first = await _publish(tenant, (await _draft(tenant, project["id"]))["id"])
    newly_late = await add_milestone(tenant, project["id"], TODAY - timedelta(days=1))
    async with tenant.database.transaction() as session:
        stored = await session.get(type(late), late.id)
        assert stored is not None
        stored.status = MilestoneStatus.done
    await add_risk(tenant, project["id"], 5, 4)
    second = await _publish(tenant, (await _draft(tenant, project["id"]))["id"])
    changes = second["changes_since_previous"]
    assert changes["previous_report_id"] == first["id"]
    assert changes["newly_overdue"] == [str(newly_late.id)]
    assert changes["no_longer_overdue"] == [str(late.id)]
    assert changes["open_risks_by_band"]["critical"] == 1
    assert changes["health"] == {"previous": "amber", "current": "red"}
    assert changes["progress_percent"] == {"previous": 0, "current": 50}
    assert changes["phase"] is None


async def test_published_reports_are_immutable(tenant: Tenant) -> None:
    project = await tenant.project()
    report = await _publish(tenant, (await _draft(tenant, project["id"]))["id"])
    url = f"/v1/status-reports/{report['id']}"
    assert_problem(
        await tenant.patch(url, json={"summary": "rewrite history"}), 409, "report-published"
    )
    assert_problem(await tenant.delete(url), 409, "report-published")
    assert_problem(await tenant.post(f"{url}/publish"), 409, "report-published")
    assert (await tenant.get(url)).json() == report


async def test_drafts_can_be_deleted(tenant: Tenant) -> None:
    project = await tenant.project()
    draft = await _draft(tenant, project["id"])
    assert (await tenant.delete(f"/v1/status-reports/{draft['id']}")).status_code == 204
    assert (await tenant.get(f"/v1/status-reports/{draft['id']}")).status_code == 404


async def test_period_must_be_in_order(tenant: Tenant) -> None:
    project = await tenant.project()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/status-reports",
        json={"kind": "periodic", "period_start": "2026-11-20", "period_end": "2026-11-10"},
    )
    assert_problem(response, 422, "validation")
    draft = await _draft(tenant, project["id"], period_start="2026-11-10")
    response = await tenant.patch(
        f"/v1/status-reports/{draft['id']}", json={"period_end": "2026-11-01"}
    )
    assert_problem(response, 422, "invalid-input")


async def test_list_filters_by_kind_and_state(tenant: Tenant) -> None:
    project = await tenant.project()
    kickoff = await _draft(tenant, project["id"], kind="kickoff")
    periodic = await _draft(tenant, project["id"])
    await _publish(tenant, kickoff["id"])
    url = f"/v1/projects/{project['id']}/status-reports"
    published = (await tenant.get(url, params={"state": "published"})).json()["items"]
    assert [r["id"] for r in published] == [kickoff["id"]]
    periodic_only = (await tenant.get(url, params={"kind": "periodic"})).json()["items"]
    assert [r["id"] for r in periodic_only] == [periodic["id"]]


async def test_publication_is_an_event(tenant: Tenant) -> None:
    project = await tenant.project()
    report = await _publish(tenant, (await _draft(tenant, project["id"]))["id"])
    async with tenant.database.transaction(write=False) as session:
        events = (
            await session.exec(
                select(Event).where(
                    Event.organization_id == tenant.organization_id,
                    Event.type == "status_report.published",
                )
            )
        ).all()
    assert [str(e.aggregate_id) for e in events] == [report["id"]]


async def test_another_organizations_reports_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await other_tenant.project()
    draft = await _draft(other_tenant, project["id"])
    for method, url in [
        ("GET", f"/v1/status-reports/{draft['id']}"),
        ("PATCH", f"/v1/status-reports/{draft['id']}"),
        ("POST", f"/v1/status-reports/{draft['id']}/publish"),
        ("DELETE", f"/v1/status-reports/{draft['id']}"),
        ("GET", f"/v1/projects/{project['id']}/status-reports"),
    ]:
        body = {"summary": "x"} if method == "PATCH" else None
        assert_problem(await tenant.request(method, url, json=body), 404)
    assert (await other_tenant.get(f"/v1/status-reports/{draft['id']}")).json()["state"] == "draft"


async def test_etag_304_and_stale_if_match(tenant: Tenant) -> None:
    project = await tenant.project()
    draft = await _draft(tenant, project["id"])
    url = f"/v1/status-reports/{draft['id']}"
    etag = (await tenant.get(url)).headers["etag"]
    assert (await tenant.get(url, headers={"If-None-Match": etag})).status_code == 304
    await tenant.patch(url, json={"summary": "v2"})
    stale = await tenant.post(f"{url}/publish", headers={"If-Match": etag})
    assert_problem(stale, 412, "precondition-failed")


async def test_the_customer_summary_is_written_apart_and_frozen_with_the_report(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    draft = await _draft(
        tenant, project["id"], summary="Vendor X is slow", customer_summary="On track"
    )
    assert (draft["summary"], draft["customer_summary"]) == ("Vendor X is slow", "On track")
    url = f"/v1/status-reports/{draft['id']}"
    changed = await tenant.patch(url, json={"customer_summary": "Build under way"})
    assert changed.json()["customer_summary"] == "Build under way"
    assert changed.json()["summary"] == "Vendor X is slow"
    published = await _publish(tenant, draft["id"])
    assert published["customer_summary"] == "Build under way"
    assert_problem(await tenant.patch(url, json={"customer_summary": "Changed"}), 409)
    too_long = await _draft_response(tenant, project["id"], customer_summary="x" * 10_001)
    assert_problem(too_long, 422)


async def _draft_response(tenant: Tenant, project_id: str, **body: Any) -> Any:
    return await tenant.post(
        f"/v1/projects/{project_id}/status-reports", json={"kind": "periodic", **body}
    )
