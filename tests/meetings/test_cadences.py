"""Cadences: RFC 5545 rules expanded by dateutil in the meeting's zone, across DST changes."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from dateutil.rrule import rrulestr
from sqlalchemy import insert

from app.clock.sweep import sweep
from app.meetings import recurrence
from app.meetings.schemas import MAX_CADENCES_PER_PROJECT
from app.models import MeetingCadence
from app.models.base import utcnow
from app.models.meeting import MeetingKind
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.rhythm import ok
from tests.room import assert_full

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


async def test_an_occurrence_is_planned_once_even_by_concurrent_requests(tenant: Tenant) -> None:
    """A second meeting for one occurrence (the same instant, written in any offset) is a 409
    `occurrence-planned`, also when both are sent at once: never a second meeting or a 500."""
    project = await tenant.project()
    cadence = await _cadence(tenant, project)
    url = f"/v1/projects/{project['id']}/meetings"

    def standing_for(occurrence: str) -> dict[str, Any]:
        return {
            "kind": "sync",
            "starts_at": occurrence,
            "cadence_id": cadence["id"],
            "occurrence_starts_at": occurrence,
        }

    first = ok(await tenant.post(url, json=standing_for("2027-03-23T10:00:00+01:00")), 201)
    again = await tenant.post(url, json=standing_for("2027-03-23T09:00:00Z"))
    assert_problem(again, 409, "occurrence-planned")

    at_once = await asyncio.gather(
        *(tenant.post(url, json=standing_for("2027-03-30T10:00:00+02:00")) for _ in range(6))
    )
    assert sorted(response.status_code for response in at_once) == [201] + [409] * 5
    items = await _window(tenant, project, "2027-03-22T00:00:00Z", "2027-04-01T00:00:00Z")
    assert [item["meeting_id"] for item in items] == [
        first["id"],
        next(r.json()["id"] for r in at_once if r.status_code == 201),
    ]


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


# "The Monday that is a 29 February" (2044, 2072, …) and "30 February" (never): dateutil walks
# either one to the year 9999 unless the expansion is bounded.
RARE = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=1"
NEVER = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"


async def test_a_rule_without_an_occurrence_within_ten_years_is_refused(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/cadences"
    for rule in (RARE, NEVER, "FREQ=YEARLY;BYEASTER=0"):
        body = {**WEEKLY_BERLIN, "rule": rule, "starts_at": "2027-01-04T10:00:00Z"}
        problem = assert_problem(await tenant.post(url, json=body), 422)
        assert locations(problem) == {("body", "rule")}, rule
    leap_day = {**WEEKLY_BERLIN, "rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"}
    assert (await tenant.post(url, json=leap_day)).status_code == 201  # every four years


async def _stored(tenant: Tenant, project: dict[str, Any], rule: str) -> UUID:
    """A cadence as a row written before rules were checked for an occurrence."""
    cadence = MeetingCadence(
        organization_id=tenant.organization_id,
        project_id=UUID(project["id"]),
        kind=MeetingKind.sync,
        title="Leap sync",
        rule=rule,
        starts_at=datetime(2027, 1, 4, 10, tzinfo=UTC),
        time_zone="Europe/Berlin",
        duration_minutes=30,
    )
    async with tenant.database.transaction() as session:
        session.add(cadence)
    return cadence.id


async def test_a_stored_rule_that_never_or_rarely_recurs_is_still_read_and_listed(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    never = await _stored(tenant, project, NEVER)
    rare = await _stored(tenant, project, RARE)
    assert ok(await tenant.get(f"/v1/cadences/{never}"))["next_starts_at"] == []
    assert ok(await tenant.get(f"/v1/cadences/{rare}"))["next_starts_at"] == []  # 2044 is far
    listed = ok(await tenant.get(f"/v1/projects/{project['id']}/cadences"))
    assert {item["id"] for item in listed["items"]} == {str(never), str(rare)}
    items = await _window(tenant, project, "2044-01-01T00:00:00Z", "2045-01-01T00:00:00Z")
    assert [(item["cadence_id"], item["starts_at"]) for item in items] == [
        (str(rare), "2044-02-29T10:00:00Z")
    ]
    await sweep(tenant.database, utcnow() + timedelta(minutes=5))  # the clock reads them too


def test_a_window_far_from_the_first_start_has_dateutils_own_occurrences() -> None:
    """Expanded near the year 9999 and from a later first start, a window still has the very
    occurrences dateutil finds walking from the first start: across 2100, which is no leap
    year, and for rules that recur every few periods."""
    first = datetime(1900, 1, 2, 9, tzinfo=UTC)
    start, end = datetime(2098, 12, 1, tzinfo=UTC), datetime(2105, 3, 1, tzinfo=UTC)
    for rule in (
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;INTERVAL=7;BYDAY=-1FR",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH",
        "FREQ=DAILY;INTERVAL=5;BYMONTHDAY=1,15",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO",
    ):
        walked = rrulestr(rule, dtstart=first.astimezone(recurrence.zone("Europe/Berlin")))
        expected = [moment.astimezone(UTC) for moment in walked.between(start, end, inc=True)]
        assert recurrence.between(rule, first, "Europe/Berlin", start, end) == expected, rule
    leap_days = recurrence.between("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", first, "UTC", start, end)
    assert [moment.year for moment in leap_days] == [2104]


async def test_a_page_of_meetings_walks_each_cadence_only_as_far_as_the_page_goes(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year's window of daily cadences answers its first page without expanding the year:
    the stored meetings and the cadences are read in step, up to the page's end."""
    project = await tenant.project()
    daily = {"rule": "FREQ=DAILY", "starts_at": "2027-01-04T09:00:00Z", "time_zone": "UTC"}
    stand_up, *_ = [
        await _cadence(tenant, project, title=title, **daily)
        for title in ("Stand-up", "Data check", "Cut-over call")
    ]
    moved = {
        "kind": "sync",
        "starts_at": "2027-01-04T12:00:00Z",
        "time_zone": "UTC",
        "cadence_id": stand_up["id"],
        "occurrence_starts_at": "2027-01-04T09:00:00Z",
    }
    meeting = ok(await tenant.post(f"/v1/projects/{project['id']}/meetings", json=moved), 201)
    steps: list[datetime] = []
    walk = recurrence._occurrences_around

    def counted(*args: Any) -> Iterator[datetime]:
        for moment in walk(*args):
            steps.append(moment)
            yield moment

    monkeypatch.setattr(recurrence, "_occurrences_around", counted)
    window = {"from": "2027-01-01T00:00:00Z", "to": "2027-12-31T00:00:00Z", "limit": 5}
    body = ok(await tenant.get(f"/v1/projects/{project['id']}/meetings", params=window))
    items = body["items"]
    assert [item["starts_at"] for item in items] == [
        "2027-01-04T09:00:00Z",
        "2027-01-04T09:00:00Z",
        "2027-01-04T12:00:00Z",
        "2027-01-05T09:00:00Z",
        "2027-01-05T09:00:00Z",
    ]
    assert {items[0]["title"], items[1]["title"]} == {"Data check", "Cut-over call"}
    assert items[2]["meeting_id"] == meeting["id"], "the moved stand-up stands in for its slot"
    assert body["next_from"] == "2027-01-05T09:00:00Z", "the third of 5 January is next"
    assert len(steps) <= 3 * (window["limit"] + 2), "a few days per cadence, not the year"


async def test_a_project_holds_a_bounded_number_of_cadences(tenant: Tenant) -> None:
    """Every window, feed and clock sweep walks each cadence: past the limit, a new one is a
    409 until one is deleted."""
    project = await tenant.project()
    first_start = datetime(2027, 3, 16, 9, tzinfo=UTC)
    stored = [
        {
            "id": uuid4(),
            "organization_id": tenant.organization_id,
            "project_id": UUID(project["id"]),
            "kind": MeetingKind.sync,
            "title": f"Stored sync {number}",
            "rule": "FREQ=WEEKLY;BYDAY=TU",
            "starts_at": first_start,
            "time_zone": "Europe/Berlin",
            "duration_minutes": 30,
            "version": 1,
        }
        for number in range(MAX_CADENCES_PER_PROJECT - 1)
    ]
    async with tenant.database.transaction() as session:
        await session.exec(insert(MeetingCadence).values(stored))  # type: ignore[call-overload]
    await _cadence(tenant, project)
    url = f"/v1/projects/{project['id']}/cadences"
    limit, slug = MAX_CADENCES_PER_PROJECT, "too-many-cadences"
    await assert_full(tenant, project["id"], MeetingCadence, limit, slug, url, WEEKLY_BERLIN)
    assert (await tenant.delete(f"/v1/cadences/{stored[0]['id']}")).status_code == 204
    await _cadence(tenant, project)
