"""The kickoff proposed for a project from a CRM deal."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.meetings.kickoff import propose_kickoff_meeting
from app.models import Meeting, MeetingKind, Project
from app.project_templates.service import BUILT_IN, add_business_days
from tests.crm.samples import canonical_deal
from tests.factories import Tenant
from tests.rhythm import ok


async def test_the_kickoff_is_proposed_within_the_window_with_sales_and_delivery(
    tenant: Tenant,
) -> None:
    seller = await tenant.member(name="Sally", role="sales")
    manager = await tenant.member(name="Ada")
    created = await tenant.project(sales_owner_id=seller["id"], project_manager_id=manager["id"])
    async with tenant.database.transaction() as session:
        project = await session.get(Project, UUID(created["id"]))
        assert project is not None
        meeting = await propose_kickoff_meeting(
            session,
            project,
            date(2027, 1, 13),
            time_zone="Europe/Berlin",
            local_time=time(9, 30),
        )
    body = ok(await tenant.get(f"/v1/meetings/{meeting.id}"))
    assert (body["kind"], body["status"]) == ("kickoff", "proposed")
    assert body["title"] == "Kickoff: Rollout"
    assert body["local_starts_at"] == "2027-01-13T09:30:00+01:00"
    assert body["starts_at"] == "2027-01-13T08:30:00Z"
    assert [attendee["member_id"] for attendee in body["attendees"]] == [
        seller["id"],
        manager["id"],
    ]


async def test_a_project_without_people_gets_a_kickoff_without_attendees(tenant: Tenant) -> None:
    created = await tenant.project()
    async with tenant.database.transaction() as session:
        project = await session.get(Project, UUID(created["id"]))
        assert project is not None
        meeting = await propose_kickoff_meeting(session, project, date(2027, 1, 11))
    body = ok(await tenant.get(f"/v1/meetings/{meeting.id}"))
    assert (body["starts_at"], body["attendees"]) == ("2027-01-11T10:00:00Z", [])


async def test_a_won_deal_gets_its_kickoff_proposed_within_the_template_window(
    tenant: Tenant,
) -> None:
    manager = await tenant.member(role="project_manager")
    deal = canonical_deal(project_manager_id=manager["id"])
    await tenant.member(role="sales", email=deal["owner_email"])
    pushed = await tenant.post("/v1/deals", json=deal)
    assert pushed.status_code == 201, pushed.text
    project = ok(await tenant.get(f"/v1/projects/{pushed.json()['project_id']}"))
    start = date.fromisoformat(project["start_date"])
    end = start + timedelta(days=31)
    window = f"from={start.isoformat()}T00:00:00Z&to={end.isoformat()}T00:00:00Z"
    meetings = ok(await tenant.get(f"/v1/projects/{project['id']}/meetings?{window}"))["items"]

    assert [(m["kind"], m["status"]) for m in meetings] == [("kickoff", "proposed")]
    kickoff = ok(await tenant.get(f"/v1/meetings/{meetings[0]['meeting_id']}"))
    deadline = add_business_days(start, BUILT_IN.kickoff_within_business_days)
    assert kickoff["starts_at"] == f"{deadline.isoformat()}T10:00:00Z"
    assert [a["member_id"] for a in kickoff["attendees"]] == [
        project["sales_owner_id"],
        manager["id"],
    ]


async def _won_deal(tenant: Tenant) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A pushed won deal's project and its meetings in the month after its start."""
    manager = await tenant.member(role="project_manager")
    deal = canonical_deal(project_manager_id=manager["id"])
    await tenant.member(role="sales", email=deal["owner_email"])
    pushed = await tenant.post("/v1/deals", json=deal)
    assert pushed.status_code == 201, pushed.text
    project = ok(await tenant.get(f"/v1/projects/{pushed.json()['project_id']}"))
    return project, await _meetings(tenant, project)


async def _meetings(tenant: Tenant, project: dict[str, Any]) -> list[dict[str, Any]]:
    start = date.fromisoformat(project["start_date"])
    window = f"from={start}T00:00:00Z&to={start + timedelta(days=31)}T00:00:00Z"
    items: list[dict[str, Any]] = ok(
        await tenant.get(f"/v1/projects/{project['id']}/meetings?{window}")
    )["items"]
    return items


async def test_the_kickoff_is_proposed_at_the_organizations_hour_in_its_time_zone(
    tenant: Tenant,
) -> None:
    settings = {"time_zone": "America/New_York", "default_meeting_hour": 9}
    ok(await tenant.patch("/v1/organization", json=settings))
    project, meetings = await _won_deal(tenant)

    kickoff = ok(await tenant.get(f"/v1/meetings/{meetings[0]['meeting_id']}"))
    deadline = add_business_days(
        date.fromisoformat(project["start_date"]), BUILT_IN.kickoff_within_business_days
    )
    local = datetime.combine(deadline, time(9), tzinfo=ZoneInfo("America/New_York"))
    assert kickoff["time_zone"] == "America/New_York"
    assert kickoff["local_starts_at"] == local.isoformat()
    assert kickoff["starts_at"] == local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_kickoff_planned_by_hand_replaces_the_proposed_one(tenant: Tenant) -> None:
    project, meetings = await _won_deal(tenant)
    proposed = meetings[0]["meeting_id"]
    body = {
        "kind": "kickoff",
        "starts_at": f"{project['start_date']}T15:00:00Z",
        "time_zone": "UTC",
    }
    created = await tenant.post(f"/v1/projects/{project['id']}/meetings", json=body)
    assert created.status_code == 201, created.text

    listed = {m["meeting_id"]: m["status"] for m in await _meetings(tenant, project)}
    assert listed == {proposed: "cancelled", created.json()["id"]: "scheduled"}
    async with tenant.database.transaction() as session:
        planned = await session.exec(
            select(Meeting.id).where(
                Meeting.project_id == UUID(project["id"]),
                Meeting.kind == MeetingKind.kickoff,
                Meeting.status.in_(("proposed", "scheduled")),  # type: ignore[attr-defined]
            )
        )
        assert [str(meeting_id) for meeting_id in planned] == [created.json()["id"]]


async def test_other_meetings_leave_the_proposed_kickoff(tenant: Tenant) -> None:
    project, meetings = await _won_deal(tenant)
    body = {"kind": "sync", "starts_at": f"{project['start_date']}T15:00:00Z"}
    created = await tenant.post(f"/v1/projects/{project['id']}/meetings", json=body)
    assert created.status_code == 201, created.text
    kickoff = ok(await tenant.get(f"/v1/meetings/{meetings[0]['meeting_id']}"))
    assert kickoff["status"] == "proposed"


async def test_the_proposed_kickoff_is_confirmed_and_moved_with_a_patch(tenant: Tenant) -> None:
    project, meetings = await _won_deal(tenant)
    kickoff = meetings[0]["meeting_id"]
    moved = {
        "status": "scheduled",
        "starts_at": f"{project['start_date']}T14:00:00+01:00",
        "time_zone": "Europe/Berlin",
    }
    body = ok(await tenant.patch(f"/v1/meetings/{kickoff}", json=moved))
    assert (body["status"], body["starts_at"]) == (
        "scheduled",
        f"{project['start_date']}T13:00:00Z",
    )
    assert [(m["meeting_id"], m["status"]) for m in await _meetings(tenant, project)] == [
        (kickoff, "scheduled")
    ]
