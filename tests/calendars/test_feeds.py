"""Calendar feeds parsed back with `icalendar`: events, dates and zones, stable UIDs, 304s."""

import hashlib
import re
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.calendars.feed import Attendee, FeedSubject, build_feed, timed_event, uid_of
from app.models import CalendarFeed
from tests.factories import Tenant
from tests.milestones.helpers import day, make_milestone
from tests.problems import assert_problem


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    assert calendar["version"] == "2.0"
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


async def test_a_project_feed_has_every_milestone_as_an_all_day_event(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex rollout")
    pid = project["id"]
    design = await make_milestone(
        tenant, pid, name="Design", due_date=day(10), status="done", completed_date=day(9)
    )
    golive = await make_milestone(tenant, pid, name="Go-live", due_date=day(40))
    other = await tenant.project(name="Elsewhere")
    await make_milestone(tenant, other["id"], name="Not here")

    response = await tenant.get(f"/v1/projects/{pid}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-cache"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Globex rollout"
    events = _events(response.content)
    assert set(events) == {
        f"milestone-{design['id']}@handover",
        f"milestone-{golive['id']}@handover",
    }
    event = events[f"milestone-{golive['id']}@handover"]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert type(start) is date, "all-day: a date, not a time"
    assert (start.isoformat(), end - start) == (day(40), timedelta(days=1))
    assert str(event["summary"]) == "Go-live (milestone, planned)"
    assert str(event["transp"]) == "TRANSPARENT"
    assert "(milestone, done)" in str(events[f"milestone-{design['id']}@handover"]["summary"])


async def test_a_control_character_in_a_name_leaves_the_feed_valid(tenant: Tenant) -> None:
    project = await tenant.project(name="Globex\x0brollout")  # a vertical tab, pasted
    await make_milestone(tenant, project["id"], name="Kick\x7foff", due_date=day(5))

    response = await tenant.get(f"/v1/projects/{project['id']}/calendar.ics")

    assert response.status_code == 200, response.text
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", response.content)  # RFC 5545
    assert str(Calendar.from_ical(response.content)["x-wr-calname"]) == "Globexrollout"
    (event,) = _events(response.content).values()
    assert str(event["summary"]) == "Kickoff (milestone, planned)"


async def test_uids_stay_and_sequence_grows_when_a_milestone_changes(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/calendar.ics"
    milestone = await make_milestone(tenant, project["id"], name="Design", due_date=day(5))
    first, second = await tenant.get(url), await tenant.get(url)
    assert first.content == second.content, "the same rows make the same feed"
    assert first.headers["etag"] == second.headers["etag"]
    assert _events(first.content).keys() == _events(second.content).keys()

    await tenant.patch(f"/v1/milestones/{milestone['id']}", json={"due_date": day(8)})
    moved = await tenant.get(url)
    uid = uid_of("milestone", UUID(milestone["id"]))
    before, after = _events(first.content)[uid], _events(moved.content)[uid]
    assert list(_events(moved.content)) == [uid], "the same event, updated, not a second one"
    assert after.decoded("dtstart").isoformat() == day(8)
    assert after["sequence"] > before["sequence"]
    assert after.decoded("dtstamp") >= before.decoded("dtstamp")
    assert moved.headers["etag"] != first.headers["etag"]


async def test_an_unchanged_feed_answers_304(tenant: Tenant) -> None:
    project = await tenant.project()
    await make_milestone(tenant, project["id"])
    url = f"/v1/projects/{project['id']}/calendar.ics"
    etag = (await tenant.get(url)).headers["etag"]
    again = await tenant.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    await make_milestone(tenant, project["id"], name="Another")
    assert (await tenant.get(url, headers={"If-None-Match": etag})).status_code == 200


async def test_a_member_feed_has_what_they_own_in_active_projects(tenant: Tenant) -> None:
    ada = await tenant.member(name="Ada")
    grace = await tenant.member(name="Grace")
    one = await tenant.project(name="One")
    two = await tenant.project(name="Two")
    archived = await tenant.project(name="Old")
    mine = await make_milestone(tenant, one["id"], name="Design", owner_id=ada["id"])
    also_mine = await make_milestone(tenant, two["id"], name="Pilot", owner_id=ada["id"])
    await make_milestone(tenant, two["id"], name="Grace's", owner_id=grace["id"])
    await make_milestone(tenant, two["id"], name="Nobody's")
    await make_milestone(tenant, archived["id"], name="Ancient", owner_id=ada["id"])
    await tenant.delete(f"/v1/projects/{archived['id']}")

    response = await tenant.get(f"/v1/members/{ada['id']}/calendar.ics")
    assert response.status_code == 200, response.text
    events = _events(response.content)
    assert set(events) == {uid_of("milestone", UUID(m["id"])) for m in (mine, also_mine)}
    summaries = sorted(str(event["summary"]) for event in events.values())
    assert summaries == ["One: Design (milestone, planned)", "Two: Pilot (milestone, planned)"]
    project_feed = _events((await tenant.get(f"/v1/projects/{one['id']}/calendar.ics")).content)
    assert uid_of("milestone", UUID(mine["id"])) in project_feed, "one UID in every feed"


async def test_a_meeting_is_a_time_in_its_zone_with_attendees(tenant: Tenant) -> None:
    """`timed_event`, the builder meetings use, through the real feed builder."""
    berlin = ZoneInfo("Europe/Berlin")
    meeting_id = uuid4()
    changed_at = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("UTC"))

    async def meetings(_session: AsyncSession, _subject: FeedSubject) -> list[Event]:
        return [
            timed_event(
                uid_of("meeting", meeting_id),
                "Steering committee",
                datetime(2027, 3, 29, 10, 0, tzinfo=berlin),  # the day after the clocks change
                datetime(2027, 3, 29, 11, 30, tzinfo=berlin),
                changed_at,
                3,
                attendees=[
                    Attendee("Ada Lovelace", "ada@example.com"),
                    Attendee("Grace Hopper", "grace@globex.example", required=False),
                ],
                location="Room 4",
            )
        ]

    subject = FeedSubject(tenant.organization_id, "Test", project_id=uuid4())
    async with tenant.database.transaction() as session:
        body = await build_feed(session, subject, sources=[meetings])
    calendar = Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{meeting_id}@handover"
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    start = event.decoded("dtstart")
    assert start.tzinfo is not None
    assert start.astimezone(ZoneInfo("UTC")).hour == 8, "10:00 CEST is 08:00 UTC"
    assert event.decoded("dtend") - start == timedelta(minutes=90)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    attendees = {str(a): (a.params["CN"], a.params["ROLE"]) for a in event["attendee"]}
    assert attendees == {
        "mailto:ada@example.com": ("Ada Lovelace", "REQ-PARTICIPANT"),
        "mailto:grace@globex.example": ("Grace Hopper", "OPT-PARTICIPANT"),
    }
    assert (event["sequence"], str(event["location"])) == (2, "Room 4")


async def test_the_secret_url_serves_the_feed_without_a_key_until_rotated(tenant: Tenant) -> None:
    project = await tenant.project()
    await make_milestone(tenant, project["id"], name="Design")
    rotated = await tenant.post(f"/v1/projects/{project['id']}/calendar-secret")
    assert rotated.status_code == 200, rotated.text
    url = rotated.json()["url"]
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert url == f"http://handover.test/calendars/{secret}.ics"
    assert secret.startswith("hcal_")
    assert len(secret) >= 5 + 43

    by_secret = await tenant.client.get(url)
    by_key = await tenant.get(f"/v1/projects/{project['id']}/calendar.ics")
    assert by_secret.status_code == 200
    assert by_secret.content == by_key.content
    assert by_secret.headers["etag"] == by_key.headers["etag"]
    cached = await tenant.client.get(url, headers={"If-None-Match": by_secret.headers["etag"]})
    assert cached.status_code == 304

    async with tenant.database.transaction() as session:
        stored = (
            await session.exec(
                select(CalendarFeed).where(CalendarFeed.project_id == UUID(project["id"]))
            )
        ).one()
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()

    again = await tenant.post(f"/v1/projects/{project['id']}/calendar-secret")
    new_url = again.json()["url"]
    assert new_url != url
    assert_problem(await tenant.client.get(url), 404)
    assert (await tenant.client.get(new_url)).status_code == 200

    assert (await tenant.delete(f"/v1/projects/{project['id']}/calendar-secret")).status_code == 204
    assert_problem(await tenant.client.get(new_url), 404)
    assert (await tenant.get(f"/v1/projects/{project['id']}/calendar.ics")).status_code == 200


async def test_a_member_feed_has_its_own_secret(tenant: Tenant) -> None:
    ada = await tenant.member(name="Ada")
    project = await tenant.project()
    await make_milestone(tenant, project["id"], name="Design", owner_id=ada["id"])
    project_url = (await tenant.post(f"/v1/projects/{project['id']}/calendar-secret")).json()["url"]
    member_url = (await tenant.post(f"/v1/members/{ada['id']}/calendar-secret")).json()["url"]
    member_feed = await tenant.client.get(member_url)
    assert str(Calendar.from_ical(member_feed.content)["x-wr-calname"]) == "Ada"
    assert (
        member_feed.content == (await tenant.get(f"/v1/members/{ada['id']}/calendar.ics")).content
    )
    assert (await tenant.delete(f"/v1/members/{ada['id']}/calendar-secret")).status_code == 204
    assert_problem(await tenant.client.get(member_url), 404)
    assert (await tenant.client.get(project_url)).status_code == 200


async def test_another_organizations_feeds_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    their_project = await other_tenant.project(name="Secret")
    their_member = await other_tenant.member()
    for url in (
        f"/v1/projects/{their_project['id']}/calendar.ics",
        f"/v1/members/{their_member['id']}/calendar.ics",
    ):
        response = await tenant.get(url)
        assert_problem(response, 404)
        assert b"Secret" not in response.content
    assert_problem(await tenant.post(f"/v1/projects/{their_project['id']}/calendar-secret"), 404)
    assert_problem(await tenant.client.get("/calendars/hcal_" + "x" * 43 + ".ics"), 404)
