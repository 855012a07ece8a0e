"""The kickoff proposed for a project from a CRM deal (called by deal intake)."""

from datetime import date, time
from uuid import UUID

import pytest

from app.meetings.kickoff import business_day_after, propose_kickoff_meeting
from app.models import Project
from tests.factories import Tenant
from tests.rhythm import ok


def test_business_days_skip_the_weekend() -> None:
    friday = date(2027, 1, 8)
    assert business_day_after(friday, 1) == date(2027, 1, 11)
    assert business_day_after(friday, 3) == date(2027, 1, 13)
    assert business_day_after(friday, 6) == date(2027, 1, 18)
    with pytest.raises(ValueError, match="at least one business day"):
        business_day_after(friday, 0)


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
            3,
            time_zone="Europe/Berlin",
            local_time=time(9, 30),
            today=date(2027, 1, 8),
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
        meeting = await propose_kickoff_meeting(session, project, 5, today=date(2027, 1, 4))
    body = ok(await tenant.get(f"/v1/meetings/{meeting.id}"))
    assert (body["starts_at"], body["attendees"]) == ("2027-01-11T10:00:00Z", [])
