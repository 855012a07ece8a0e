"""Cadences: RFC 5545 rules expanded by dateutil in the meeting's zone, across DST changes."""

from datetime import UTC, datetime
from typing import Any

from app.meetings import recurrence
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.rhythm import ok

WEEKLY_BERLIN = {
    "title": "Weekly sync",
    "rule": "FREQ=WEEKLY;BYDAY=TU",
    "starts_at": "2027-03-16T10:00:00+01:00",
    "time_zone": "Europe/Berlin",
    "duration_minutes": 30,
}


async def _cadence(tenant: Tenant, project: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/cadences", json={**WEEKLY_BERLIN, **overrides}
        ),
        201,
    )


async def _window(tenant: Tenant, project: dict[str, Any], start: str, end: str) -> list[Any]:
    body = ok(
        await tenant.get(
            f"/v1/projects/{project['id']}/meetings", params={"from": start, "to": end}
        )
    )
    return list(body["items"])


async def test_the_10_oclock_berlin_sync_stays_at_10_across_the_daylight_saving_change(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    cadence = await _cadence(tenant, project)
    items = await _window(tenant, project, "2027-03-15T00:00:00Z", "2027-04-10T00:00:00Z")
    assert [item["local_starts_at"] for item in items] == [
        "2027-03-16T10:00:00+01:00",
        "2027-03-23T10:00:00+01:00",
        "2027-03-30T10:00:00+02:00",  # summer time began on 28 March
        "2027-04-06T10:00:00+02:00",
    ]
    assert [item["starts_at"] for item in items] == [
        "2027-03-16T09:00:00Z",
        "2027-03-23T09:00:00Z",
        "2027-03-30T08:00:00Z",
        "2027-04-06T08:00:00Z",
    ]
    assert {(item["cadence_id"], item["meeting_id"], item["status"]) for item in items} == {
        (cadence["id"], None, "scheduled")
    }


def test_monthly_on_the_first_monday_keeps_new_york_time_when_the_clocks_fall_back() -> None:
    first = datetime(2027, 9, 6, 13, 0, tzinfo=UTC)  # 09:00 EDT
    found = recurrence.between(
        "FREQ=MONTHLY;BYDAY=1MO",
        first,
        "America/New_York",
        datetime(2027, 9, 1, tzinfo=UTC),
        datetime(2028, 1, 1, tzinfo=UTC),
    )
    local = [recurrence.local(moment, "America/New_York") for moment in found]
    assert [moment.date().isoformat() for moment in local] == [
        "2027-09-06",
        "2027-10-04",
        "2027-11-01",
        "2027-12-06",
    ]
    assert {moment.hour for moment in local} == {9}
    # Clocks fall back on 7 November: UTC moves, local time does not.
    assert [moment.hour for moment in found] == [13, 13, 13, 14]


async def test_a_held_occurrence_stands_in_for_the_scheduled_one(tenant: Tenant) -> None:
    project = await tenant.project()
    cadence = await _cadence(tenant, project)
    meeting = ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/meetings",
            json={
                "kind": "sync",
                "starts_at": "2027-03-23T14:00:00Z",  # moved to the afternoon
                "time_zone": "Europe/Berlin",
                "cadence_id": cadence["id"],
                "occurrence_starts_at": "2027-03-23T10:00:00+01:00",
            },
        ),
        201,
    )
    items = await _window(tenant, project, "2027-03-15T00:00:00Z", "2027-03-28T00:00:00Z")
    assert [(item["meeting_id"], item["starts_at"]) for item in items] == [
        (None, "2027-03-16T09:00:00Z"),
        (meeting["id"], "2027-03-23T14:00:00Z"),
    ]
    url = f"/v1/projects/{project['id']}/meetings"
    not_one = {
        "kind": "sync",
        "starts_at": "2027-03-24T09:00:00Z",
        "cadence_id": cadence["id"],
        "occurrence_starts_at": "2027-03-24T09:00:00Z",  # a Wednesday
    }
    problem = assert_problem(await tenant.post(url, json=not_one), 422)
    assert locations(problem) == {("body", "occurrence_starts_at")}


async def test_rules_that_are_not_meeting_cadences_are_refused(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/cadences"
    for rule in (
        "FREQ=HOURLY",
        "FREQ=DAILY;BYHOUR=8,9,10,11",
        "every tuesday",
        "DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY",
        "FREQ=WEEKLY;UNTIL=20200101T000000Z",
    ):
        problem = assert_problem(await tenant.post(url, json={**WEEKLY_BERLIN, "rule": rule}), 422)
        assert locations(problem) == {("body", "rule")}, rule
    problem = assert_problem(
        await tenant.post(url, json={**WEEKLY_BERLIN, "time_zone": "Berlin"}), 422
    )
    assert locations(problem) == {("body", "time_zone")}


async def test_a_cadence_shows_its_next_starts_and_can_be_changed(tenant: Tenant) -> None:
    project = await tenant.project()
    cadence = await _cadence(
        tenant, project, rule="RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=3", kind="review", title=None
    )
    assert cadence["title"] == "Review"
    assert cadence["next_starts_at"] == [
        "2027-04-05T08:00:00Z",
        "2027-05-03T08:00:00Z",
        "2027-06-07T08:00:00Z",
    ]
    url = f"/v1/cadences/{cadence['id']}"
    read = await tenant.get(url)
    assert ok(read) == cadence
    assert (
        await tenant.get(url, headers={"If-None-Match": read.headers["ETag"]})
    ).status_code == 304
    changed = ok(
        await tenant.patch(
            url,
            json={"rule": "FREQ=WEEKLY;BYDAY=FR;COUNT=1"},
            headers={"If-Match": read.headers["ETag"]},
        )
    )
    assert (changed["version"], changed["next_starts_at"]) == (2, ["2027-03-19T09:00:00Z"])
    assert_problem(await tenant.patch(url, json={"rule": "FREQ=SECONDLY"}), 422)
    listed = ok(await tenant.get(f"/v1/projects/{project['id']}/cadences"))
    assert [item["id"] for item in listed["items"]] == [cadence["id"]]
    assert (await tenant.delete(url)).status_code == 204
    assert await _window(tenant, project, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z") == []
