"""Meetings: planned with attendees and agenda, held with decisions, found in calendar windows."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.rhythm import at, events_of, ok

KICKOFF = {
    "kind": "kickoff",
    "starts_at": "2026-01-12T10:00:00+01:00",
    "time_zone": "Europe/Berlin",
    "duration_minutes": 90,
    "agenda": ["Scope and goals", "Milestones"],
}


async def _meeting(tenant: Tenant, project: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return ok(
        await tenant.post(f"/v1/projects/{project['id']}/meetings", json={**KICKOFF, **overrides}),
        201,
    )


async def test_a_meeting_keeps_its_zone_attendees_and_agenda(tenant: Tenant) -> None:
    manager = await tenant.member(name="Ada", email="ada@example.com")
    project = await tenant.project()
    meeting = await _meeting(
        tenant,
        project,
        attendees=[
            {"member_id": manager["id"]},
            {"name": "Hank Scorpio", "email": "hank@globex.example"},
            {"member_id": manager["id"]},  # listed twice, attends once
        ],
    )
    assert meeting["title"] == "Kickoff"
    assert meeting["status"] == "scheduled"
    assert meeting["starts_at"] == "2026-01-12T09:00:00Z"
    assert meeting["local_starts_at"] == "2026-01-12T10:00:00+01:00"
    assert meeting["ends_at"] == "2026-01-12T10:30:00Z"
    assert meeting["agenda"] == ["Scope and goals", "Milestones"]
    assert meeting["attendees"] == [
        {"member_id": manager["id"], "name": "Ada", "email": "ada@example.com"},
        {"member_id": None, "name": "Hank Scorpio", "email": "hank@globex.example"},
    ]
    read = await tenant.get(f"/v1/meetings/{meeting['id']}")
    assert ok(read) == meeting
    again = await tenant.get(
        f"/v1/meetings/{meeting['id']}", headers={"If-None-Match": read.headers["ETag"]}
    )
    assert again.status_code == 304


async def test_attendees_and_zones_are_checked(tenant: Tenant, other_tenant: Tenant) -> None:
    project = await tenant.project()
    stranger = await other_tenant.member()
    url = f"/v1/projects/{project['id']}/meetings"
    problem = assert_problem(
        await tenant.post(url, json={**KICKOFF, "attendees": [{"member_id": stranger["id"]}]}),
        422,
    )
    assert locations(problem) == {("body", "attendees", "0", "member_id")}
    problem = assert_problem(
        await tenant.post(url, json={**KICKOFF, "time_zone": "Mars/Base"}), 422
    )
    assert locations(problem) == {("body", "time_zone")}
    nameless = {**KICKOFF, "attendees": [{"email": "hank@globex.example"}]}
    assert_problem(await tenant.post(url, json=nameless), 422)
    held = {**KICKOFF, "status": "held"}
    assert_problem(await tenant.post(url, json=held), 422)


async def test_holding_a_meeting_records_its_decisions_once(tenant: Tenant) -> None:
    sponsor = await tenant.member(name="Grace", role="executive")
    project = await tenant.project()
    meeting = await _meeting(tenant, project)
    url = f"/v1/meetings/{meeting['id']}/hold"
    body = {
        "held_at": "2026-01-12T10:35:00Z",
        "notes": "Scope confirmed.",
        "decisions": [
            {"text": "Go-live stays on 1 March", "decided_by_name": "Hank (Globex)"},
            {"text": "Weekly sync on Tuesdays", "decided_by_id": sponsor["id"]},
        ],
    }
    stale = await tenant.post(url, json=body, headers={"If-Match": '"7"'})
    assert_problem(stale, 412)
    # held_at in the future is refused
    assert_problem(await tenant.post(url, json={**body, "held_at": "2999-01-01T00:00:00Z"}), 422)
    held = ok(await tenant.post(url, json=body))
    assert held["status"] == "held"
    assert held["held_at"] == "2026-01-12T10:35:00Z"
    assert held["notes"] == "Scope confirmed."
    assert [d["text"] for d in held["decisions"]] == [
        "Go-live stays on 1 March",
        "Weekly sync on Tuesdays",
    ]
    assert {d["decided_on"] for d in held["decisions"]} == {"2026-01-12"}  # the meeting's day
    [event] = await events_of(tenant, "meeting.held")
    assert event["meeting_id"] == meeting["id"]
    assert event["version"] == held["version"]
    assert [d["decision_id"] for d in event["decisions"]] == [d["id"] for d in held["decisions"]]
    assert event["decisions"][1]["decided_by_id"] == sponsor["id"]

    assert_problem(await tenant.post(url, json=body), 409, "illegal-transition")
    assert len(await events_of(tenant, "meeting.held")) == 1


async def test_a_meeting_is_not_held_before_it_starts_unless_it_is_moved(tenant: Tenant) -> None:
    project = await tenant.project()
    now = datetime.now(UTC).replace(microsecond=0)
    planned = now + timedelta(days=5)
    meeting = await _meeting(tenant, project, starts_at=planned.isoformat(), time_zone="UTC")
    url = f"/v1/meetings/{meeting['id']}"
    decision = {"text": "Pilot in March", "decided_by_name": "Hank (Globex)"}
    for body in ({}, {"held_at": (now - timedelta(hours=1)).isoformat()}):
        problem = assert_problem(
            await tenant.post(f"{url}/hold", json={**body, "decisions": [decision]}),
            409,
            "meeting-not-started",
        )
        assert "starts_at" in problem["detail"]
    unchanged = ok(await tenant.get(url))
    assert (unchanged["status"], unchanged["version"]) == ("scheduled", meeting["version"])
    assert await events_of(tenant, "meeting.held") == []

    started, held_at = now - timedelta(hours=2), now - timedelta(hours=1)
    held = ok(
        await tenant.post(
            f"{url}/hold",
            json={
                "starts_at": started.isoformat(),
                "held_at": held_at.isoformat(),
                "decisions": [decision],
            },
        )
    )
    assert (held["status"], held["starts_at"]) == (
        "held",
        started.isoformat().replace("+00:00", "Z"),
    )
    assert [d["decided_on"] for d in held["decisions"]] == [held_at.date().isoformat()]
    [event] = await events_of(tenant, "meeting.held")
    assert at(event["starts_at"]) == started
    # Held, it cannot be moved after the time it was held.
    later = {"starts_at": planned.isoformat()}
    assert_problem(await tenant.patch(url, json=later), 409, "meeting-not-started")


async def test_a_decision_is_dated_the_day_it_was_taken(tenant: Tenant) -> None:
    project = await tenant.project()
    meeting = await _meeting(tenant, project)  # 12 January, 10:00 in Berlin
    url = f"/v1/meetings/{meeting['id']}"
    decision = {"text": "Go-live stays on 1 March", "decided_by_name": "Hank (Globex)"}
    late = {**decision, "decided_on": "2026-01-15"}
    body = {"held_at": "2026-01-13T23:30:00Z", "decisions": [decision, late]}
    problem = assert_problem(await tenant.post(f"{url}/hold", json=body), 422)
    assert locations(problem) == {("body", "decisions", "1", "decided_on")}
    # Held late on the 13th UTC, which is already the 14th in Berlin.
    held = ok(await tenant.post(f"{url}/hold", json={**body, "decisions": [decision]}))
    assert [d["decided_on"] for d in held["decisions"]] == ["2026-01-14"]
    earlier = {**decision, "decided_on": "2026-01-12"}
    corrected = ok(await tenant.patch(url, json={"decisions": [decision, earlier]}))
    assert [d["decided_on"] for d in corrected["decisions"]] == ["2026-01-14", "2026-01-12"]
    problem = assert_problem(await tenant.patch(url, json={"decisions": [late]}), 422)
    assert locations(problem) == {("body", "decisions", "0", "decided_on")}


async def test_decisions_wait_for_the_meeting_and_a_held_meeting_stays_held(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    meeting = await _meeting(tenant, project)
    url = f"/v1/meetings/{meeting['id']}"
    decision = {"text": "Ship it", "decided_by_name": "Hank"}
    assert_problem(await tenant.patch(url, json={"decisions": [decision]}), 409, "meeting-not-held")
    cancelled = ok(await tenant.patch(url, json={"status": "cancelled"}))
    assert cancelled["status"] == "cancelled"
    assert_problem(await tenant.post(f"{url}/hold", json={}), 409, "illegal-transition")
    ok(await tenant.patch(url, json={"status": "scheduled"}))
    ok(await tenant.post(f"{url}/hold", json={}))
    assert_problem(await tenant.patch(url, json={"status": "scheduled"}), 409)
    corrected = ok(await tenant.patch(url, json={"decisions": [decision]}))
    assert [d["text"] for d in corrected["decisions"]] == ["Ship it"]


async def test_a_change_to_the_meeting_gives_a_new_version(tenant: Tenant) -> None:
    project = await tenant.project()
    meeting = await _meeting(tenant, project)
    url = f"/v1/meetings/{meeting['id']}"
    moved = ok(
        await tenant.patch(
            url,
            json={"starts_at": "2026-01-13T15:00:00Z", "agenda": ["Only this"]},
            headers={"If-Match": '"1"'},
        )
    )
    assert (moved["version"], moved["local_starts_at"]) == (2, "2026-01-13T16:00:00+01:00")
    assert moved["agenda"] == ["Only this"]
    assert_problem(await tenant.patch(url, json={"title": "X"}, headers={"If-Match": '"1"'}), 412)
    assert (await tenant.delete(url)).status_code == 204
    assert_problem(await tenant.get(url), 404)


async def test_the_calendar_window_lists_held_and_planned_meetings_by_start(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    late = await _meeting(tenant, project, starts_at="2027-02-01T09:00:00Z", kind="review")
    early = await _meeting(tenant, project, starts_at="2027-01-05T09:00:00Z")
    await _meeting(tenant, project, starts_at="2027-04-01T09:00:00Z")  # outside
    url = f"/v1/projects/{project['id']}/meetings"
    window = {"from": "2027-01-01T00:00:00Z", "to": "2027-03-01T00:00:00Z"}
    body = ok(await tenant.get(url, params=window))
    assert [item["meeting_id"] for item in body["items"]] == [early["id"], late["id"]]
    assert body["next_from"] is None
    first = ok(await tenant.get(url, params={**window, "limit": 1}))
    assert [item["meeting_id"] for item in first["items"]] == [early["id"]]
    assert first["next_from"] == "2027-02-01T09:00:00Z"
    for bad in (
        {"from": "2027-03-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
        {"from": "2027-01-01T00:00:00Z", "to": "2028-06-01T00:00:00Z"},
        {"from": "2027-01-01T00:00:00", "to": "2027-02-01T00:00:00Z"},
    ):
        assert_problem(await tenant.get(url, params=bad), 422)


async def test_a_proposed_kickoff_can_be_scheduled(tenant: Tenant) -> None:
    project = await tenant.project()
    start = datetime.now(UTC) + timedelta(days=3)
    meeting = await _meeting(tenant, project, status="proposed", starts_at=start.isoformat())
    assert meeting["status"] == "proposed"
    scheduled = ok(
        await tenant.patch(f"/v1/meetings/{meeting['id']}", json={"status": "scheduled"})
    )
    assert scheduled["status"] == "scheduled"
    assert_problem(
        await tenant.patch(f"/v1/meetings/{meeting['id']}", json={"status": "held"}), 409
    )


async def test_a_folder_of_zones_is_not_a_zone(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/meetings"
    problem = assert_problem(await tenant.post(url, json={**KICKOFF, "time_zone": "Europe"}), 422)
    assert locations(problem) == {("body", "time_zone")}
