"""The clock: time crossings raise their events once, whatever the number of sweeps, and a
sweep that was down catches up."""

import asyncio
import os
import sys
from datetime import timedelta
from typing import Any

import pytest

from app.clock import runner
from app.clock.sweep import moment_at, overdue_action_items, sweep
from app.db import Database
from app.models.base import utcnow
from tests.conftest import TEST_SECRET, settings_for
from tests.factories import Tenant
from tests.rhythm import at, day, events_of, ok

RISK = {"title": "R", "category": "schedule", "probability": 2, "impact": 3, "response": "accept"}
TIME_BASED = ("milestone.missed", "action_item.overdue", "risk.review_overdue", "meeting.upcoming")


async def _crossings(tenant: Tenant) -> dict[str, Any]:
    """A project with one of each crossing due now."""
    owner = await tenant.member()
    project = await tenant.project()
    p = f"/v1/projects/{project['id']}"
    soon = utcnow() + timedelta(minutes=30)
    return {
        "milestone": ok(
            await tenant.post(f"{p}/milestones", json={"name": "M", "due_date": day(-1)}), 201
        ),
        "action_item": ok(
            await tenant.post(
                f"{p}/action-items",
                json={"title": "T", "owner_id": owner["id"], "due_date": day(-1)},
            ),
            201,
        ),
        "risk": ok(await tenant.post(f"{p}/risks", json={**RISK, "review_date": day(-1)}), 201),
        "meeting": ok(
            await tenant.post(
                f"{p}/meetings", json={"kind": "sync", "starts_at": soon.isoformat()}
            ),
            201,
        ),
        "cadence": ok(
            await tenant.post(
                f"{p}/cadences",
                json={
                    "rule": "FREQ=DAILY",
                    "starts_at": (soon - timedelta(minutes=10)).isoformat(),
                    "time_zone": "Europe/Berlin",
                },
            ),
            201,
        ),
        "project": project,
    }


async def _counts(tenant: Tenant) -> dict[str, int]:
    return {kind: len(await events_of(tenant, kind)) for kind in TIME_BASED}


async def test_two_sweeps_at_once_raise_each_crossing_once(tenant: Tenant) -> None:
    made = await _crossings(tenant)
    workers = [Database(tenant.database.settings) for _ in range(2)]
    try:
        now = utcnow()
        await asyncio.gather(*(sweep(worker, now) for worker in workers))
        await asyncio.gather(*(sweep(worker, now) for worker in workers))
    finally:
        for worker in workers:
            await worker.dispose()
    assert await _counts(tenant) == {
        "milestone.missed": 1,
        "action_item.overdue": 1,
        "risk.review_overdue": 1,
        "meeting.upcoming": 2,  # the meeting, and the cadence's next occurrence
    }
    [missed] = await events_of(tenant, "milestone.missed")
    assert (missed["milestone_id"], missed["due_date"]) == (made["milestone"]["id"], day(-1))
    [overdue] = await events_of(tenant, "action_item.overdue")
    assert (overdue["action_item_id"], overdue["due_date"]) == (made["action_item"]["id"], day(-1))
    [review] = await events_of(tenant, "risk.review_overdue")
    assert (review["risk_id"], review["review_date"]) == (made["risk"]["id"], day(-1))
    upcoming = {
        (event.get("meeting_id"), event.get("cadence_id")): event
        for event in await events_of(tenant, "meeting.upcoming")
    }
    assert set(upcoming) == {(made["meeting"]["id"], None), (None, made["cadence"]["id"])}
    occurrence = upcoming[(None, made["cadence"]["id"])]
    assert at(occurrence["starts_at"]) == at(made["cadence"]["next_starts_at"][0])


async def test_a_sweep_that_read_before_another_committed_does_not_raise_again(
    tenant: Tenant,
) -> None:
    made = await _crossings(tenant)
    first, second = (Database(tenant.database.settings) for _ in range(2))
    at = moment_at(tenant.database.settings, utcnow())
    claimed = asyncio.Event()

    async def slow_sweep() -> None:
        async with first.transaction() as session:
            await overdue_action_items(session, at)
            claimed.set()
            await asyncio.sleep(0.3)  # the other sweep reads meanwhile, then waits on the key

    async def racing_sweep() -> None:
        await claimed.wait()
        async with second.transaction() as session:
            await overdue_action_items(session, at)

    try:
        await asyncio.gather(slow_sweep(), racing_sweep())
    finally:
        await first.dispose()
        await second.dispose()
    [event] = await events_of(tenant, "action_item.overdue")
    assert event["action_item_id"] == made["action_item"]["id"]


async def test_a_sweep_that_was_down_catches_up_within_the_window(tenant: Tenant) -> None:
    project = await tenant.project()
    p = f"/v1/projects/{project['id']}"
    recent = ok(await tenant.post(f"{p}/milestones", json={"name": "R", "due_date": day(-3)}), 201)
    old = ok(await tenant.post(f"{p}/milestones", json={"name": "O", "due_date": day(-8)}), 201)
    await sweep(tenant.database)
    missed = [event["milestone_id"] for event in await events_of(tenant, "milestone.missed")]
    assert missed == [recent["id"]]  # beyond HANDOVER_CLOCK_CATCH_UP_DAYS (7) stays silent
    assert old["id"] not in missed


async def test_the_sweep_and_a_missed_status_share_one_crossing(tenant: Tenant) -> None:
    project = await tenant.project()
    p = f"/v1/projects/{project['id']}"
    by_hand = ok(await tenant.post(f"{p}/milestones", json={"name": "A", "due_date": day(-1)}), 201)
    by_clock = ok(
        await tenant.post(f"{p}/milestones", json={"name": "B", "due_date": day(-1)}), 201
    )
    ok(await tenant.patch(f"/v1/milestones/{by_hand['id']}", json={"status": "missed"}))
    await sweep(tenant.database)
    ok(await tenant.patch(f"/v1/milestones/{by_clock['id']}", json={"status": "missed"}))
    events = [event["milestone_id"] for event in await events_of(tenant, "milestone.missed")]
    assert events == [by_hand["id"], by_clock["id"]]
    # A new due date is a new crossing.
    ok(
        await tenant.patch(
            f"/v1/milestones/{by_clock['id']}", json={"status": "planned", "due_date": day(-2)}
        )
    )
    await sweep(tenant.database)
    events = [event["milestone_id"] for event in await events_of(tenant, "milestone.missed")]
    assert events == [by_hand["id"], by_clock["id"], by_clock["id"]]


async def test_nothing_is_raised_before_its_time_or_for_archived_projects(tenant: Tenant) -> None:
    made = await _crossings(tenant)
    ok(await tenant.patch(f"/v1/meetings/{made['meeting']['id']}", json={"status": "cancelled"}))
    ok(await tenant.delete(f"/v1/cadences/{made['cadence']['id']}"), 204)
    p = f"/v1/projects/{made['project']['id']}"
    later = (utcnow() + timedelta(hours=3)).isoformat()
    ok(await tenant.post(f"{p}/meetings", json={"kind": "review", "starts_at": later}), 201)
    ok(await tenant.post(f"{p}/milestones", json={"name": "today", "due_date": day(0)}), 201)
    await sweep(tenant.database)
    assert (await _counts(tenant))["meeting.upcoming"] == 0
    assert (await _counts(tenant))["milestone.missed"] == 1  # not the one due today
    archived = await _crossings(tenant)
    assert (await tenant.delete(f"/v1/projects/{archived['project']['id']}")).status_code == 204
    await sweep(tenant.database)
    assert await _counts(tenant) == {
        "milestone.missed": 1,
        "action_item.overdue": 1,
        "risk.review_overdue": 1,
        "meeting.upcoming": 0,
    }


async def test_the_worker_loop_sweeps_until_stopped(tenant: Tenant, database_url: str) -> None:
    made = await _crossings(tenant)
    database = Database(settings_for(database_url, clock_interval_seconds=0.05))
    stop = asyncio.Event()
    loop = asyncio.create_task(runner.run(database, stop))
    try:
        for _ in range(100):
            if await events_of(tenant, "action_item.overdue"):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await loop
        await database.dispose()
    [event] = await events_of(tenant, "action_item.overdue")
    assert event["action_item_id"] == made["action_item"]["id"]


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--clock", "--no-clock"])
async def test_a_worker_runs_the_clock_unless_told_not_to(
    tenant: Tenant, database_url: str, option: str
) -> None:
    made = await _crossings(tenant)
    env = {
        **os.environ,
        "HANDOVER_DATABASE_URL": database_url,
        "HANDOVER_SECRET_KEY": TEST_SECRET,
        "HANDOVER_CLOCK_INTERVAL_SECONDS": "0.1",
        "HANDOVER_LOG_LEVEL": "WARNING",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "worker", option, env=env
    )
    try:
        for _ in range(200 if option == "--clock" else 40):  # 20 s to raise it, 4 s not to
            if await events_of(tenant, "action_item.overdue"):
                break
            await asyncio.sleep(0.1)
    finally:
        worker.terminate()
        await asyncio.wait_for(worker.wait(), timeout=30)
    raised = await events_of(tenant, "action_item.overdue")
    if option == "--clock":
        assert [event["action_item_id"] for event in raised] == [made["action_item"]["id"]]
    else:
        assert raised == []
