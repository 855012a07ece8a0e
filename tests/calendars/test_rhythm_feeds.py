"""Meetings, cadences and action items in the calendar feeds, parsed back with `icalendar`."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.factories import Tenant
from tests.rhythm import day, ok

BERLIN = ZoneInfo("Europe/Berlin")


def _events(body: bytes) -> dict[str, Any]:
    return {str(event["uid"]): event for event in Calendar.from_ical(body).walk("VEVENT")}


async def _rhythm(tenant: Tenant) -> dict[str, Any]:
    """A project managed by Ada with a Berlin sync cadence (one occurrence held as a meeting),
    a steering meeting with Ada and a customer contact, and an action item Ada owes."""
    ada = await tenant.member(name="Ada Lovelace", email="ada@example.com")
    bob = await tenant.member(name="Bob")
    project = await tenant.project(name="Globex rollout", project_manager_id=ada["id"])
    p = f"/v1/projects/{project['id']}"
    first = datetime(2027, 3, 23, 10, 0, tzinfo=BERLIN)  # a Tuesday, before the clocks change
    cadence = ok(
        await tenant.post(
            f"{p}/cadences",
            json={
                "title": "Weekly sync",
                "rule": "FREQ=WEEKLY;BYDAY=TU",
                "starts_at": first.isoformat(),
                "time_zone": "Europe/Berlin",
                "duration_minutes": 30,
            },
        ),
        201,
    )
    second = first + timedelta(days=7)
    standing = ok(
        await tenant.post(
            f"{p}/meetings",
            json={
                "kind": "sync",
                "starts_at": second.isoformat(),
                "time_zone": "Europe/Berlin",
                "cadence_id": cadence["id"],
                "occurrence_starts_at": second.isoformat(),
            },
        ),
        201,
    )
    steering = ok(
        await tenant.post(
            f"{p}/meetings",
            json={
                "kind": "review",
                "title": "Steering committee",
                "starts_at": "2027-03-29T10:00:00+02:00",
                "time_zone": "Europe/Berlin",
                "duration_minutes": 90,
                "agenda": ["Budget", "Go-live date"],
                "attendees": [
                    {"member_id": ada["id"]},
                    {"name": "Grace Hopper", "email": "grace@globex.example"},
                ],
            },
        ),
        201,
    )
    item = ok(
        await tenant.post(
            f"{p}/action-items",
            json={"title": "Send the plan", "owner_id": ada["id"], "due_date": day(3)},
        ),
        201,
    )
    return {
        "ada": ada,
        "bob": bob,
        "project": project,
        "cadence": cadence,
        "standing": standing,
        "steering": steering,
        "item": item,
    }


async def test_a_project_feed_has_its_meetings_cadences_and_action_items(tenant: Tenant) -> None:
    made = await _rhythm(tenant)
    url = f"/v1/projects/{made['project']['id']}/calendar.ics"
    body = (await tenant.get(url)).content
    events = _events(body)

    steering = events[f"meeting-{made['steering']['id']}@handover"]
    assert str(steering["summary"]) == "Steering committee"
    assert steering["dtstart"].params["TZID"] == "Europe/Berlin"
    start = steering.decoded("dtstart")
    assert (start.hour, start.astimezone(UTC).hour) == (10, 8)  # 10:00 CEST is 08:00 UTC
    assert steering.decoded("dtend") - start == timedelta(minutes=90)
    assert str(steering["status"]) == "CONFIRMED"
    attendees = {str(a): str(a.params["CN"]) for a in steering["attendee"]}
    assert attendees == {
        "mailto:ada@example.com": "Ada Lovelace",
        "mailto:grace@globex.example": "Grace Hopper",
    }
    assert str(steering["description"]) == "Budget\nGo-live date"

    sync = events[f"cadence-{made['cadence']['id']}@handover"]
    assert sync["rrule"]["FREQ"] == ["WEEKLY"]
    assert sync["rrule"]["BYDAY"] == ["TU"]
    assert sync["dtstart"].params["TZID"] == "Europe/Berlin"
    assert sync.decoded("dtstart") == datetime(2027, 3, 23, 10, 0, tzinfo=BERLIN)
    [excluded] = [moment.dt for moment in sync["exdate"].dts]
    assert excluded == datetime(2027, 3, 30, 10, 0, tzinfo=BERLIN)  # 10:00 local after DST too
    assert f"meeting-{made['standing']['id']}@handover" in events  # the occurrence, on its own

    item = events[f"action-item-{made['item']['id']}@handover"]
    assert type(item.decoded("dtstart")) is date
    assert item.decoded("dtstart").isoformat() == day(3)
    assert str(item["summary"]) == "Send the plan (action item, open)"
    zones = [str(zone["tzid"]) for zone in Calendar.from_ical(body).walk("VTIMEZONE")]
    assert zones == ["Europe/Berlin"]


async def test_a_cancelled_meeting_stays_with_its_uid_and_a_higher_sequence(tenant: Tenant) -> None:
    made = await _rhythm(tenant)
    url = f"/v1/projects/{made['project']['id']}/calendar.ics"
    uid = f"meeting-{made['steering']['id']}@handover"
    before = await tenant.get(url)
    ok(await tenant.patch(f"/v1/meetings/{made['steering']['id']}", json={"status": "cancelled"}))
    after = await tenant.get(url)

    assert after.headers["etag"] != before.headers["etag"]
    old, new = _events(before.content)[uid], _events(after.content)[uid]
    assert str(new["status"]) == "CANCELLED"
    assert new["sequence"] > old["sequence"]
    unchanged = await tenant.get(url, headers={"If-None-Match": after.headers["etag"]})
    assert unchanged.status_code == 304


async def test_a_member_feed_has_what_they_attend_run_and_owe(tenant: Tenant) -> None:
    made = await _rhythm(tenant)
    mine = _events((await tenant.get(f"/v1/members/{made['ada']['id']}/calendar.ics")).content)
    assert set(mine) >= {
        f"meeting-{made['steering']['id']}@handover",
        f"cadence-{made['cadence']['id']}@handover",  # she manages the project
        f"action-item-{made['item']['id']}@handover",
    }
    assert f"meeting-{made['standing']['id']}@handover" not in mine  # she is not invited to it
    assert str(mine[f"meeting-{made['steering']['id']}@handover"]["summary"]) == (
        "Globex rollout: Steering committee"
    )
    bobs = _events((await tenant.get(f"/v1/members/{made['bob']['id']}/calendar.ics")).content)
    assert bobs == {}
