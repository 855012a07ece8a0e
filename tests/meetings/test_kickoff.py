"""The kickoff proposed for a project from a CRM deal."""

from datetime import date, time, timedelta
from uuid import UUID

from app.meetings.kickoff import propose_kickoff_meeting
from app.models import Project
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
