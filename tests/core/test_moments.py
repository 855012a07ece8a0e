"""Dates and moments (app/core/moments.py): ISO 8601 text in the years 1900 to 2999, in bodies and
query parameters alike, refused with a 422 otherwise; and the views of what was stored before
still render."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from app.core.moments import DATE_FORMAT, DATE_RANGE, MOMENT_RANGE, SINCE_FORMAT
from app.models import ActionItem, Meeting, Milestone
from tests.change_requests.helpers import assessed, move, project_under_way
from tests.factories import Tenant
from tests.milestones.helpers import make_milestone
from tests.problems import assert_problem
from tests.rhythm import day, ok
from tests.risks.helpers import make_risk
from tests.share.helpers import page_path, share

EXTREME_MOMENTS = [
    "0001-01-01T00:00:00+23:59",  # before year 1 in UTC: Python cannot even convert it
    "9999-12-31T23:59:59-23:59",  # after year 9999 in UTC
    "1900-01-01T00:30:00+01:00",  # 1899 in UTC
    "3000-01-01T00:00:00Z",
]
NOT_MOMENTS = ["0.5", "0", "2026-12-05", "2026-12-05T00:00:00", "20261205T000000Z", "now"]


def _error(response: Any, loc: list[str | int]) -> dict[str, Any]:
    problem = assert_problem(response, 422, "validation")
    [error] = [error for error in problem["errors"] if error["loc"] == loc]
    return dict(error)


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
async def test_a_milestone_due_outside_the_range_is_422(tenant: Tenant, due: str) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    response = await tenant.post(url, json={"name": "Go-live", "due_date": due})
    assert _error(response, ["body", "due_date"])["message"] == DATE_RANGE
    assert ok(await tenant.get(url))["items"] == []


async def test_the_first_and_last_day_of_the_range_are_accepted(tenant: Tenant) -> None:
    project = await tenant.project()
    first = await make_milestone(tenant, project["id"], name="First", due_date="1900-01-01")
    last = await make_milestone(tenant, project["id"], name="Last", due_date="2999-12-31")
    assert (first["due_date"], last["due_date"]) == ("1900-01-01", "2999-12-31")
    svg = await tenant.get(
        f"/v1/projects/{project['id']}/timeline", headers={"Accept": "image/svg+xml"}
    )
    assert svg.status_code == 200, svg.text
    assert (await tenant.get(f"/v1/projects/{project['id']}/calendar.ics")).status_code == 200


async def test_dates_out_of_range_are_422_in_every_body(tenant: Tenant) -> None:
    owner = await tenant.member()
    project = await tenant.project()
    pid = project["id"]
    milestone = await make_milestone(tenant, pid)
    refused = [
        ("POST", f"/v1/projects/{pid}/action-items", {"title": "Plan", "owner_id": owner["id"]},
         "due_date"),
        ("POST", "/v1/projects", {"name": "P", "customer_id": project["customer_id"]},
         "target_end_date"),
        ("PATCH", f"/v1/projects/{pid}", {}, "start_date"),
        ("PATCH", f"/v1/milestones/{milestone['id']}", {}, "due_date"),
        ("POST", f"/v1/projects/{pid}/cost-entries",
         {"cost": {"amount": "1", "currency": "EUR"}, "description": "Travel"}, "incurred_on"),
    ]  # fmt: skip
    for method, url, body, field in refused:
        response = await tenant.request(method, url, json={**body, field: "9999-12-31"})
        assert _error(response, ["body", field])["type"] == "date_out_of_range", url


@pytest.mark.parametrize("moment", EXTREME_MOMENTS)
async def test_extreme_moments_are_422_never_500(tenant: Tenant, moment: str) -> None:
    project = await tenant.project()
    meetings = f"/v1/projects/{project['id']}/meetings"
    response = await tenant.post(meetings, json={"kind": "kickoff", "starts_at": moment})
    assert _error(response, ["body", "starts_at"])["message"] == MOMENT_RANGE
    cadence = {"rule": "FREQ=WEEKLY", "starts_at": moment, "time_zone": "Europe/Berlin"}
    response = await tenant.post(f"/v1/projects/{project['id']}/cadences", json=cadence)
    assert _error(response, ["body", "starts_at"])["message"] == MOMENT_RANGE
    response = await tenant.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["projects:read"], "expires_at": moment}
    )
    assert _error(response, ["body", "expires_at"])["type"] == "datetime_out_of_range"
    for url in ("/v1/projects", "/v1/members", "/v1/lessons", meetings + "/../feedback"):
        response = await tenant.get(url, params={"updated_since": moment})
        assert _error(response, ["query", "updated_since"])["message"] == MOMENT_RANGE, url
    response = await tenant.get("/v1/events", params={"since": moment})
    assert _error(response, ["query", "since"])["type"] == "datetime_out_of_range"
    response = await tenant.get(meetings, params={"from": moment, "to": "2027-01-01T00:00:00Z"})
    assert _error(response, ["query", "from"])["type"] == "datetime_out_of_range"


@pytest.mark.parametrize("given", NOT_MOMENTS)
async def test_a_moment_is_text_with_a_utc_offset_with_one_message(
    tenant: Tenant, given: str
) -> None:
    """A number (a Unix timestamp to pydantic), a date alone, a time without offset: one answer.
    A "changed since" filter takes a date alone too (the next test), and says so."""
    project = await tenant.project()
    urls = ("/v1/projects", "/v1/customers", f"/v1/projects/{project['id']}/action-items")
    for url in urls if given != "2026-12-05" else ():
        response = await tenant.get(url, params={"updated_since": given})
        assert _error(response, ["query", "updated_since"])["message"] == SINCE_FORMAT, url
    response = await tenant.post(
        f"/v1/projects/{project['id']}/meetings", json={"kind": "kickoff", "starts_at": given}
    )
    assert _error(response, ["body", "starts_at"])["type"] == "datetime_format"


async def test_a_date_alone_is_the_start_of_that_day_in_utc_for_every_since_filter(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    await make_risk(tenant, project["id"])
    today = datetime.now(UTC).date()
    tomorrow = date.fromordinal(today.toordinal() + 1)
    for url, name in (
        ("/v1/projects", "updated_since"),
        ("/v1/customers", "updated_since"),
        (f"/v1/projects/{project['id']}/risks", "updated_since"),
        ("/v1/events", "updated_since"),
        ("/v1/events", "since"),
    ):
        assert ok(await tenant.get(url, params={name: today.isoformat()}))["items"], url
        assert ok(await tenant.get(url, params={name: tomorrow.isoformat()}))["items"] == [], url
    for wrong in ("2026-02-30", "2026-13-01", "3000-01-01"):
        response = await tenant.get("/v1/projects", params={"updated_since": wrong})
        assert _error(response, ["query", "updated_since"])["type"].startswith("date"), wrong


async def test_an_offset_is_read_as_utc(tenant: Tenant) -> None:
    project = await tenant.project()
    meeting = ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/meetings",
            json={"kind": "kickoff", "starts_at": "2999-12-31T23:00:00-00:59"},
        ),
        201,
    )
    assert meeting["starts_at"] == "2999-12-31T23:59:00Z"
    since = {"updated_since": "2026-12-06T01:00:00+02:00"}
    assert (await tenant.get("/v1/projects", params=since)).status_code == 200


@pytest.mark.parametrize("given", ["0", "1", "20261205", "2026-W49-6", "2026-12-05T00:00:00Z"])
async def test_a_date_is_text_as_year_month_day(tenant: Tenant, given: str) -> None:
    for url in ("/v1/analytics/portfolio", "/v1/allocation-conflicts"):
        response = await tenant.get(url, params={"from": "2026-12-01", "to": given})
        assert _error(response, ["query", "to"])["message"] == DATE_FORMAT, url
    project = await tenant.project()
    response = await tenant.post(
        f"/v1/projects/{project['id']}/milestones",
        json={"name": "Go-live", "due_date": int(given) if given.isdigit() else given},
    )
    assert _error(response, ["body", "due_date"])["type"] == "date_format"


async def test_a_change_request_cannot_move_a_milestone_out_of_the_range(tenant: Tenant) -> None:
    manager = await tenant.member()
    project = await project_under_way(tenant)
    go_live = project["milestones"]["Go-live"]
    ok(await tenant.patch(f"/v1/milestones/{go_live['id']}", json={"due_date": "2999-12-01"}))
    body = await assessed(
        tenant,
        project,
        manager["id"],
        {"schedule_impact_days": 31, "milestone_ids": [go_live["id"]]},
    )
    approved = await move(tenant, body["id"], "approved", manager["id"])
    assert_problem(approved, 409, "change-not-applicable")
    assert ok(await tenant.get(f"/v1/milestones/{go_live['id']}"))["due_date"] == "2999-12-01"


@pytest.mark.parametrize(
    ("stored", "start"),
    [
        (date(9999, 12, 31), datetime(9999, 12, 31, 23, 30, tzinfo=UTC)),
        (date(1, 1, 1), datetime(1, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
async def test_views_still_render_dates_stored_before_the_range(
    tenant: Tenant, stored: date, start: datetime
) -> None:
    """The share page, the timeline, the meeting and the calendar feeds (by key and by secret
    URL) of a project with a milestone, an action item and a meeting (in Berlin, 90 minutes)
    stored at the ends of what Python can hold."""
    owner = await tenant.member()
    project = await tenant.project()
    pid = project["id"]
    milestone = await make_milestone(tenant, pid, owner_id=owner["id"], customer_visible=True)
    item = ok(
        await tenant.post(
            f"/v1/projects/{pid}/action-items",
            json={"title": "Plan", "owner_id": owner["id"], "due_date": day(3)},
        ),
        201,
    )
    meeting = ok(
        await tenant.post(
            f"/v1/projects/{pid}/meetings",
            json={
                "kind": "sync",
                "starts_at": "2027-01-12T09:00:00Z",
                "time_zone": "Europe/Berlin",
                "duration_minutes": 90,
                "attendees": [{"member_id": owner["id"]}],
            },
        ),
        201,
    )
    async with tenant.database.transaction() as session:
        await session.exec(
            update(Meeting)
            .where(Meeting.id == UUID(meeting["id"]))  # type: ignore[arg-type]
            .values(starts_at=start)
        )
        await session.exec(
            update(Milestone)
            .where(Milestone.id == UUID(milestone["id"]))  # type: ignore[arg-type]
            .values(due_date=stored, baseline_due_date=stored)
        )
        await session.exec(
            update(ActionItem)
            .where(ActionItem.id == UUID(item["id"]))  # type: ignore[arg-type]
            .values(due_date=stored)
        )
    link = await share(tenant, pid)
    project_feed = (await tenant.post(f"/v1/projects/{pid}/calendar-secret")).json()["url"]
    member_feed = (await tenant.post(f"/v1/members/{owner['id']}/calendar-secret")).json()["url"]
    answers = [
        await tenant.client.get(page_path(link)),
        await tenant.get(f"/v1/projects/{pid}/timeline", headers={"Accept": "image/svg+xml"}),
        await tenant.get(f"/v1/projects/{pid}/timeline"),
        await tenant.get(f"/v1/meetings/{meeting['id']}"),
        await tenant.get(f"/v1/projects/{pid}/calendar.ics"),
        await tenant.get(f"/v1/members/{owner['id']}/calendar.ics"),
        await tenant.client.get(project_feed),
        await tenant.client.get(member_feed),
    ]
    for answer in answers:
        assert answer.status_code == 200, (answer.request.url, answer.text[:500])
