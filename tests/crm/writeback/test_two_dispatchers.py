"""Sales sees the latest delivery state on the deal however many dispatchers send write-backs:
one update of a deal is in flight at a time, a dispatcher that lost its lease before sending
sends nothing, and an update that outlives its lease is followed by one with the latest state,
so an older state never stays on the deal."""

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar
from uuid import UUID

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import db as app_db
from app.core.leases import Lease
from app.crm.clients.http import crm_http_client
from app.crm.writeback import send
from app.crm.writeback.claim import claim_due
from app.db import Database
from app.models import CrmWriteback, Deal, WritebackKind, WritebackStatus
from app.models.base import utcnow
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.writeback.conftest import QUICK, WINDOW_SECONDS
from tests.crm.writeback.support import DEAL_IDS, Crm, Handed, drain, hand_over, writebacks
from tests.factories import Tenant
from tests.pausing import first_call_waits

T = TypeVar("T")
SLOW_CRM_SECONDS = 2.0
_GATE: contextvars.ContextVar["Gate | None"] = contextvars.ContextVar("gate", default=None)


@dataclass
class Gate:
    """Where a transaction waits, its locks held, before it commits (a busy database)."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)


async def _wait_at_the_gate(session: AsyncSession) -> None:
    gate = _GATE.get()
    if gate is not None and session.info.get(app_db.WRITES):
        _GATE.set(None)
        gate.reached.set()
        await gate.opened.wait()


@asynccontextmanager
async def _slow_commits() -> AsyncIterator[Callable[[Awaitable[T], Gate], Awaitable[T]]]:
    """`slow(work, gate)`: the first write transaction `work` commits waits at `gate`; other
    work commits as usual."""

    async def slow(work: Awaitable[T], gate: Gate) -> T:
        _GATE.set(gate)  # in this task's own context only
        return await work

    app_db.before_commit(_wait_at_the_gate)
    try:
        yield slow
    finally:
        app_db._BEFORE_COMMIT.remove(_wait_at_the_gate)


async def _handed(local_tenant: Tenant, hubspot: HubSpotFake, dispatcher: Database) -> Handed:
    crm = Crm("hubspot", hubspot, DEAL_IDS["hubspot"])
    handed = await hand_over(local_tenant, crm)
    await drain(dispatcher, handed.connection["id"])
    crm.reset()
    return handed


async def _waiting_row(database: Database, handed: Handed, age: float) -> CrmWriteback:
    """The deal's pending fields write-back, made `age` seconds old (due at once)."""
    async with database.transaction() as session:
        deal_id = (
            await session.exec(select(Deal.id).where(Deal.project_id == UUID(handed.project_id)))
        ).one()
        row = (
            await session.exec(
                select(CrmWriteback).where(
                    CrmWriteback.deal_id == deal_id,
                    CrmWriteback.kind == WritebackKind.fields,
                    CrmWriteback.status == WritebackStatus.pending,
                )
            )
        ).one()
        then = utcnow() - timedelta(seconds=age)
        await session.exec(
            update(CrmWriteback)
            .where(col(CrmWriteback.id) == row.id)
            .values(created_at=then, next_attempt_at=then)
        )
    row.created_at = row.next_attempt_at = then
    return row


async def _add_racing_row(database: Database, like: CrmWriteback) -> UUID:
    """A second pending fields write-back of the deal, due at once: what two changes racing
    each other add, or a change made while the first was in flight."""
    async with database.transaction() as session:
        row = CrmWriteback(**like.model_dump(exclude={"id", "changes", "lease_until"}))
        session.add(row)
    return row.id


async def _claimed_as_its_lease_runs_out(
    local_tenant: Tenant, hubspot: HubSpotFake, dispatcher: Database
) -> tuple[Handed, CrmWriteback, Lease]:
    """The deal moved to planning, and its write-back claimed by `dispatcher` as if a moment
    short of its lease ago: the lease runs out half a second from now."""
    lease = float(QUICK["dispatcher_lease_seconds"])
    handed = await _handed(local_tenant, hubspot, dispatcher)
    await handed.move("planning")
    row = await _waiting_row(dispatcher, handed, age=lease + WINDOW_SECONDS + 1)
    claimed = await claim_due(dispatcher, 100, now=utcnow() - timedelta(seconds=lease - 0.5))
    assert claimed.ids == [row.id]
    return handed, row, claimed


async def _slow_update_on_its_way(crm: Crm, sending: Awaitable[None]) -> asyncio.Task[None]:
    """`sending` started, its update held by the CRM for a while; the CRM answers others at
    once from the moment it has that update in hand."""
    crm.fake.delay_seconds = SLOW_CRM_SECONDS
    task = asyncio.ensure_future(sending)
    for _ in range(int(SLOW_CRM_SECONDS * 100)):
        if crm.fake.calls_to(crm.update_path()):
            break
        await asyncio.sleep(0.01)
    crm.fake.delay_seconds = 0.0
    assert crm.fake.calls_to(crm.update_path()), "the update never reached the CRM"
    return task


async def test_a_deal_claimed_by_one_dispatcher_is_left_alone_by_another_until_it_is_sent(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    a, b = worker_database(**QUICK), worker_database(**QUICK)
    handed = await _handed(local_tenant, hubspot, a)
    crm = handed.crm
    await handed.move("planning")
    first = await _waiting_row(a, handed, age=WINDOW_SECONDS + 1)

    gate = Gate()
    async with _slow_commits() as slow:
        claiming_a = asyncio.create_task(slow(claim_due(a, 100), gate))
        await gate.reached.wait()  # A holds its claim, not yet committed
        adding = asyncio.create_task(_add_racing_row(a, first))
        await asyncio.wait({adding}, timeout=0.5)  # added (PostgreSQL) or waiting (SQLite)
        claiming_b = asyncio.create_task(claim_due(b, 100))
        await asyncio.wait({claiming_b}, timeout=0.5)  # B has looked, or waits for A
        gate.opened.set()
        claimed_a, second, claimed_b = await asyncio.gather(claiming_a, adding, claiming_b)
    assert first.id in claimed_a.ids
    assert second not in claimed_b.ids
    assert claimed_b.ids == []

    async with crm_http_client(a.settings) as client_a, crm_http_client(b.settings) as client_b:
        sending_a = await _slow_update_on_its_way(crm, send.deliver(a, client_a, claimed_a))
        await handed.move("executing")
        await asyncio.sleep(WINDOW_SECONDS + 0.1)
        assert await send.dispatch_once(b, client_b) == 0  # the deal's update is in flight
        await sending_a
    await drain(b, handed.connection["id"])
    assert [u[crm.field_map["phase"]] for u in crm.updates()] == ["planning", "executing"]
    assert crm.value("phase") == "executing"


async def test_an_update_that_outlives_its_lease_is_followed_by_the_latest_state(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    a, b = worker_database(**QUICK), worker_database(**QUICK)
    handed, row, claimed_a = await _claimed_as_its_lease_runs_out(local_tenant, hubspot, a)
    crm = handed.crm
    # A's lease runs out half a second from now, while its update is still on its way.

    async with crm_http_client(a.settings) as client_a, crm_http_client(b.settings) as client_b:
        sending_a = await _slow_update_on_its_way(crm, send.deliver(a, client_a, claimed_a))
        await asyncio.sleep(max(0.0, (claimed_a.until - utcnow()).total_seconds()))
        await handed.move("executing")
        assert await send.dispatch_once(b, client_b) == 1  # B takes the write-back over
        await sending_a  # A's older state lands after B's newer one
    await drain(b, handed.connection["id"])
    phases = [u[crm.field_map["phase"]] for u in crm.updates()]
    assert phases == ["executing", "planning", "executing"]
    assert crm.value("phase") == "executing"
    (taken_over,) = [
        w for w in await writebacks(local_tenant, handed.connection["id"]) if w["id"] == str(row.id)
    ]
    assert taken_over["status"] == "sent"  # what B sent, not overwritten by A
    assert "executing" in str(taken_over["sent_body"])


async def test_an_update_taken_over_before_it_was_sent_is_not_sent_by_its_first_dispatcher(
    local_tenant: Tenant,
    hubspot: HubSpotFake,
    worker_database: Callable[..., Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stalls once it has read what to send, past its lease; B takes the deal over and sends
    the latest state. A, woken, finds the write-back B's and sends nothing: one update."""
    a, b = worker_database(**QUICK), worker_database(**QUICK)
    handed, row, claimed_a = await _claimed_as_its_lease_runs_out(local_tenant, hubspot, a)
    crm = handed.crm
    reached, release = first_call_waits(monkeypatch, send, "_send")

    async with crm_http_client(a.settings) as client_a, crm_http_client(b.settings) as client_b:
        sending_a = asyncio.create_task(send.deliver(a, client_a, claimed_a))
        await reached.wait()  # A read the deal in planning
        await asyncio.sleep(max(0.0, (claimed_a.until - utcnow()).total_seconds()))
        await handed.move("executing")
        assert await send.dispatch_once(b, client_b) == 1  # B takes the write-back over
        release.set()
        await sending_a
    await drain(b, handed.connection["id"])
    assert [u[crm.field_map["phase"]] for u in crm.updates()] == ["executing"]
    (taken_over,) = [
        w for w in await writebacks(local_tenant, handed.connection["id"]) if w["id"] == str(row.id)
    ]
    assert (taken_over["status"], taken_over["attempt_count"]) == ("sent", 1)


async def test_a_note_taken_over_before_it_was_written_reaches_the_deal_once(
    local_tenant: Tenant,
    hubspot: HubSpotFake,
    worker_database: Callable[..., Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sends the deal's fields, then stalls before the note, past its lease; B takes the
    note over and writes it. A, woken, finds the note B's and writes nothing: one note."""
    a, b = worker_database(**QUICK), worker_database(**QUICK)
    lease = float(QUICK["dispatcher_lease_seconds"])
    handed = await _handed(local_tenant, hubspot, a)
    crm = handed.crm
    kickoff = min(await handed.milestones(), key=lambda milestone: milestone["due_date"])
    await handed.patch(
        f"/v1/milestones/{kickoff['id']}",
        json={"status": "done", "completed_date": date.today().isoformat()},
    )
    then = utcnow() - timedelta(seconds=lease + WINDOW_SECONDS + 1)
    async with a.transaction() as session:  # the fields and the note, due at once
        await session.exec(
            update(CrmWriteback)
            .where(col(CrmWriteback.connection_id) == UUID(handed.connection["id"]))
            .values(created_at=then, next_attempt_at=then)
        )
    claimed_a = await claim_due(a, 100, now=utcnow() - timedelta(seconds=lease - 0.5))
    assert len(claimed_a.ids) == 2
    reached, release = first_call_waits(monkeypatch, send, "_note")

    async with crm_http_client(a.settings) as client_a, crm_http_client(b.settings) as client_b:
        sending_a = asyncio.create_task(send.deliver(a, client_a, claimed_a))
        await asyncio.wait_for(reached.wait(), timeout=10)  # A sent the fields; the note next
        await asyncio.sleep(max(0.0, (claimed_a.until - utcnow()).total_seconds()))
        assert await send.dispatch_once(b, client_b) == 2  # B takes both over
        release.set()
        await sending_a
    await drain(b, handed.connection["id"])
    (note,) = crm.notes()
    assert "Milestone done: Kickoff" in note
    (row,) = [
        w for w in await writebacks(local_tenant, handed.connection["id"]) if w["kind"] == "note"
    ]
    assert (row["status"], row["attempt_count"]) == ("sent", 1)


async def test_a_change_made_while_its_deal_is_claimed_gets_an_update_of_its_own(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    """The claimed update may read the state before the change commits: counted into it, the
    change would be marked sent without ever reaching the CRM."""
    a = worker_database(**QUICK)
    handed = await _handed(local_tenant, hubspot, a)
    await handed.move("planning")
    first = await _waiting_row(a, handed, age=WINDOW_SECONDS + 1)

    gate = Gate()
    async with _slow_commits() as slow:
        claiming = asyncio.create_task(slow(claim_due(a, 100), gate))
        await gate.reached.wait()
        moving = asyncio.create_task(handed.move("executing"))
        await asyncio.wait({moving}, timeout=0.5)  # it waits for the claim's lock, or its commit
        gate.opened.set()
        claimed, _ = await asyncio.gather(claiming, moving)
    assert claimed.ids == [first.id]
    async with a.transaction(write=False) as session:
        waiting = (
            await session.exec(
                select(CrmWriteback.id, CrmWriteback.changes)
                .where(
                    CrmWriteback.deal_id == first.deal_id,
                    CrmWriteback.kind == WritebackKind.fields,
                    CrmWriteback.status == WritebackStatus.pending,
                )
                .order_by(col(CrmWriteback.created_at))
            )
        ).all()
    assert [changes for _, changes in waiting] == [1, 1]
    assert waiting[0][0] == first.id

    async with crm_http_client(a.settings) as client:
        await send.deliver(a, client, claimed)
    await drain(a, handed.connection["id"])
    assert handed.crm.value("phase") == "executing"


async def test_a_crm_slower_than_the_lease_keeps_the_deal_with_the_dispatcher_waiting_on_it(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    """The dispatcher renews its lease while the CRM takes its time: nobody else sends the
    deal's update meanwhile, and the deal gets one update, not one per lease."""
    a, b = worker_database(**QUICK), worker_database(**QUICK)
    lease = float(QUICK["dispatcher_lease_seconds"])
    handed = await _handed(local_tenant, hubspot, a)
    crm = handed.crm
    await handed.move("planning")
    await _waiting_row(a, handed, age=WINDOW_SECONDS + 1)
    claimed = await claim_due(a, 100)
    first_written = claimed.until
    async with crm_http_client(a.settings) as client_a, crm_http_client(b.settings) as client_b:
        crm.fake.delay_seconds = lease + 1.5
        sending = asyncio.create_task(send.deliver(a, client_a, claimed))
        for _ in range(500):  # until the CRM holds the update
            if crm.fake.calls_to(crm.update_path()):
                break
            await asyncio.sleep(0.01)
        crm.fake.delay_seconds = 0.0
        await asyncio.sleep(max(0.0, (first_written - utcnow()).total_seconds()) + 0.5)
        assert await send.dispatch_once(b, client_b) == 0  # the lease as first written ran out
        await sending
    await drain(b, handed.connection["id"])
    assert [u[crm.field_map["phase"]] for u in crm.updates()] == ["planning"]


async def test_an_update_whose_lease_ran_out_untaken_is_not_sent_twice(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    """Nobody took the deal over: what was sent is the latest, and one update is enough."""
    a = worker_database(**QUICK)
    handed, _, claimed = await _claimed_as_its_lease_runs_out(local_tenant, hubspot, a)
    crm = handed.crm
    # A's lease runs out half a second from now, before its first renewal is due.
    async with crm_http_client(a.settings) as client:
        crm.fake.delay_seconds = 1.0
        await send.deliver(a, client, claimed)
        crm.fake.delay_seconds = 0.0
    await drain(a, handed.connection["id"])
    assert [u[crm.field_map["phase"]] for u in crm.updates()] == ["planning"]
