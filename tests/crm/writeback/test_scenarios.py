"""Sales sees delivery on the deal: each change reaches the CRM fake once, with the latest
values, in the CRM's documented shapes; bursts are coalesced; 429s and outages are waited out."""

import asyncio
import time
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col

from app.crm.clients.http import crm_http_client
from app.db import Database
from app.models import CrmApiPause, CrmConnection, CrmWriteback
from app.models.base import utcnow
from tests.crm.elsewhere import run_elsewhere
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.writeback.conftest import QUICK, WINDOW_SECONDS
from tests.crm.writeback.support import (
    DEAL_IDS,
    OTHER_DEAL_IDS,
    PROJECT_URL,
    Crm,
    Handed,
    dispatch_for,
    drain,
    hand_over,
    writebacks,
)
from tests.factories import Tenant


async def _handed(local_tenant: Tenant, crm: Crm, dispatcher: Database) -> Handed:
    """The project planned and its first state written back; the fake's record cleared."""
    handed = await hand_over(local_tenant, crm)
    await drain(dispatcher, handed.connection["id"])
    assert len(crm.updates()) == 1
    assert crm.value("phase") == "initiating"
    assert crm.value("next_milestone") == "Kickoff held"
    assert crm.value("project_url") == PROJECT_URL.replace("{project_id}", handed.project_id)
    crm.reset()
    return handed


def _number(value: object) -> float:
    return float(str(value))


async def test_a_phase_move_reaches_the_deal_once(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    await handed.move("planning")
    await drain(dispatcher, handed.connection["id"])
    assert len(crm.updates()) == 1
    assert crm.value("phase") == "planning"
    assert crm.notes() == []


async def test_a_milestone_done_moves_progress_and_notes_it(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    kickoff, following = sorted(await handed.milestones(), key=lambda m: m["due_date"])[:2]
    await handed.patch(
        f"/v1/milestones/{kickoff['id']}",
        json={"status": "done", "completed_date": date.today().isoformat()},
    )
    await drain(dispatcher, handed.connection["id"])
    assert len(crm.updates()) == 1
    assert _number(crm.value("progress_percent")) == 25  # one of the template's four
    assert crm.value("next_milestone") == following["name"]
    assert str(crm.value("next_milestone_due_date"))[:10] == following["due_date"]
    (note,) = crm.notes()
    assert "Milestone done: Kickoff" in note


async def test_a_risk_turning_the_project_red_shows_red_without_the_risk(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    secret = "Customer CFO threatens to cancel over budget overrun"
    await handed.post(
        f"/v1/projects/{handed.project_id}/risks",
        json={
            "title": secret,
            "description": "Internal: budget 120k over",
            "category": "budget",
            "probability": 5,
            "impact": 5,
            "response": "mitigate",
            "mitigation_plan": "Internal: offer 20% discount",
        },
    )
    await drain(dispatcher, handed.connection["id"])
    assert len(crm.updates()) == 1
    assert crm.value("health") == "red"
    assert _number(crm.value("open_high_risks")) == 1
    (note,) = crm.notes()
    assert "red" in note
    sent = " ".join(str(call.body) for call in crm.fake.calls)
    assert "CFO" not in sent  # risk texts never leave
    assert "120k" not in sent
    assert "discount" not in sent


async def test_a_published_report_gives_its_customer_summary_only(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    report = await handed.post(
        f"/v1/projects/{handed.project_id}/status-reports",
        json={
            "kind": "periodic",
            "summary": "Internal: the team is burned out",
            "customer_summary": "Kickoff held; SSO design agreed.",
        },
    )
    await handed.post(f"/v1/status-reports/{report['id']}/publish")
    await drain(dispatcher, handed.connection["id"])
    (note,) = crm.notes()
    assert "SSO design agreed." in note
    assert "burned out" not in " ".join(str(call.body) for call in crm.fake.calls)


async def test_a_burst_of_twenty_changes_is_at_most_two_updates_with_the_latest(
    local_tenant: Tenant, crm: Crm, worker_database: object
) -> None:
    window = 3.0  # twenty API calls take 0.5-2 s on a busy machine
    dispatcher = worker_database(crm_writeback_window_seconds=window)  # type: ignore[operator]
    handed = await hand_over(local_tenant, crm)
    await drain(dispatcher, handed.connection["id"])
    crm.reset()
    acceptance = sorted(await handed.milestones(), key=lambda m: m["due_date"])[-1]
    first = date.fromisoformat(acceptance["due_date"])
    async with crm_http_client(dispatcher.settings) as client:
        working = asyncio.create_task(dispatch_for(dispatcher, client, window + 0.5))
        started = time.monotonic()
        for step in range(1, 21):
            due = (first + timedelta(days=step)).isoformat()
            await handed.patch(f"/v1/milestones/{acceptance['id']}", json={"due_date": due})
        burst = time.monotonic() - started
        await working
    await drain(dispatcher, handed.connection["id"])
    assert burst < 2 * window  # else more than two windows could pass: nothing to say
    assert 1 <= len(crm.updates()) <= 2
    latest = (first + timedelta(days=20)).isoformat()
    assert str(crm.value("forecast_go_live_date"))[:10] == latest
    shown = await writebacks(local_tenant, handed.connection["id"])
    burst_rows = [item for item in shown if item["event_type"] == "milestone.updated"]
    assert sum(item["changes"] for item in burst_rows) == 20
    assert {item["status"] for item in burst_rows} <= {"sent", "superseded"}


async def test_a_429_is_waited_out_for_its_retry_after(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    await handed.move("planning")
    await asyncio.sleep(WINDOW_SECONDS)
    crm.fake.fail_next(1, status=429, retry_after=1)
    took = await drain(dispatcher, handed.connection["id"])
    statuses = [call.status for call in crm.fake.calls_to(crm.update_path())]
    assert statuses[0] == crm.fake.rate_limited().status  # Salesforce: a 403
    assert statuses[-1] in (200, 204)
    assert took >= 1.0
    assert len(crm.updates()) == 1
    assert crm.value("phase") == "planning"


async def test_a_limit_one_dispatcher_met_holds_every_dispatcher_until_it_lifts(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    await handed.move("planning")
    await asyncio.sleep(WINDOW_SECONDS)
    if crm.provider == "salesforce":  # no 429: a 403 says the day's allowance is spent
        crm.fake.fail_next(1, status=403)
        stop_seconds = 3600
    else:
        crm.fake.fail_next(1, status=429, retry_after=30)
        stop_seconds = 30
    told = utcnow()
    async with crm_http_client(dispatcher.settings) as client:
        await dispatch_for(dispatcher, client, 0.5)
    assert [call.status for call in crm.fake.calls] == [403 if stop_seconds == 3600 else 429]

    # another deal of the connection is won; another dispatcher, in a process of its own,
    # finds its first state due
    other = Crm(crm.provider, crm.fake, OTHER_DEAL_IDS[crm.provider])
    await hand_over(local_tenant, other, through=handed.connection)
    await asyncio.sleep(WINDOW_SECONDS)
    await run_elsewhere("tests.crm.writeback.support:dispatch_a_while", dispatcher, **QUICK)
    assert len(crm.fake.calls) == 1  # nobody called the CRM before it said
    waiting = await writebacks(local_tenant, handed.connection["id"], status="pending")
    assert {row["crm_record_id"] for row in waiting} == {crm.deal_id, other.deal_id}
    for row in waiting:
        next_attempt = datetime.fromisoformat(row["next_attempt_at"])
        assert next_attempt >= told + timedelta(seconds=stop_seconds - 1), row
    # the first deal's state was tried (the 429 or 403); the other's was held, and counts none
    attempts = {row["crm_record_id"]: row["attempt_count"] for row in waiting}
    assert attempts == {crm.deal_id: 1, other.deal_id: 0}

    # the wait is over: both deals get their state, once each
    connection_id = UUID(handed.connection["id"])
    async with local_tenant.database.transaction() as session:
        pause = await session.get_one(CrmApiPause, connection_id)
        pause.resume_at = utcnow() - timedelta(seconds=1)
        await session.exec(
            update(CrmWriteback)
            .where(col(CrmWriteback.connection_id) == connection_id)
            .values(next_attempt_at=utcnow())
        )
    await run_elsewhere("tests.crm.writeback.support:dispatch_a_while", dispatcher, **QUICK)
    assert await writebacks(local_tenant, handed.connection["id"], status="pending") == []
    assert crm.value("phase") == "planning"
    assert len(crm.updates()) == 1
    assert len(other.updates()) == 1


async def test_a_crm_down_for_a_while_gets_the_latest_state_back(
    local_tenant: Tenant, crm: Crm, dispatcher: Database
) -> None:
    handed = await _handed(local_tenant, crm, dispatcher)
    crm.fake.down = True
    await handed.move("planning")
    async with crm_http_client(dispatcher.settings) as client:
        await dispatch_for(dispatcher, client, WINDOW_SECONDS + 0.6)
        await handed.move("executing")
        await dispatch_for(dispatcher, client, 0.5)
    assert crm.updates() == []
    assert any(call.status == 503 for call in crm.fake.calls)
    crm.fake.down = False
    await drain(dispatcher, handed.connection["id"])
    assert crm.value("phase") == "executing"
    assert [update for update in crm.updates() if "planning" in str(update)] == []
    retried = [
        item
        for item in await writebacks(local_tenant, handed.connection["id"], status="sent")
        if item["attempt_count"] > 1
    ]
    assert retried
    assert retried[-1]["status_code"] in (200, 204)


async def test_a_connection_whose_stored_url_cannot_be_called_fails_its_own_write_backs_only(
    local_tenant: Tenant, hubspot: HubSpotFake, pipedrive: PipedriveFake, dispatcher: Database
) -> None:
    """A base URL with DEL, stored before the API refused it, shares a batch with another
    connection: its write-back fails with the reason, the other deal's update lands once."""
    fine = await hand_over(local_tenant, Crm("hubspot", hubspot, DEAL_IDS["hubspot"]))
    broken = await hand_over(local_tenant, Crm("pipedrive", pipedrive, DEAL_IDS["pipedrive"]))
    async with local_tenant.database.transaction() as session:
        await session.exec(
            update(CrmConnection)
            .where(col(CrmConnection.id) == UUID(broken.connection["id"]))
            .values(api_base_url=pipedrive.base_url + "/api\x7f")
        )
    await asyncio.sleep(WINDOW_SECONDS)  # both first states due: one batch

    await drain(dispatcher, fine.connection["id"])
    await drain(dispatcher, broken.connection["id"])

    assert len(fine.crm.updates()) == 1
    assert pipedrive.calls == []
    [failed] = await writebacks(local_tenant, broken.connection["id"])
    assert failed["status"] == "failed"
    assert "unsafe API base URL: The webhook URL cannot be sent to" in failed["crm_answer"]
